"""A warm-start zygote under bubblewrap: the grader's side of child/zygote.py.

A zygote is one bubblewrap sandbox (the same binds, hidden folders and
limits as a cold child's, minus the seccomp filter, which each student's
process loads itself) in which Python has started and imported numpy and
the child package once. For each submission the grader hands it the job's
descriptors over a private socket: the plan, the source, the probe inputs
(each opened read-only here), the two ends of the channel and the stderr
file. The zygote forks a process confined in namespaces of its own
(zygote.py) and reports how it ended. Nothing comes back from the zygote but
that status; the results come over the channel exactly as from a cold child.

Zygotes are pooled per Sandbox (session.py), one per job running at once,
and closed by Sandbox.close(); a zygote also ends when the grader's end of its
socket closes (the grader exited or died). A zygote whose job timed out,
sent a malformed frame or was interrupted is killed with its whole sandbox
and replaced, as is one found dead while idle. If a zygote cannot start or
cannot confine a job on this machine (nested user namespaces refused), the
warm start is switched off for the Sandbox and every child starts cold,
under the same bubblewrap layer; ``TLN_WARM_START=0`` switches it off too.
"""
import json
import os
import select
import signal
import socket
import subprocess

from . import isolation
from .child.zygote import JOB_FDS
from .pool import WarmStartFailed

READY_TIMEOUT = 60.0
ZYGOTE_WORK_MB = 1


class ZygoteGone(WarmStartFailed):
    """This zygote ended while idle; a new one may work."""


class Zygote:
    """One sandboxed zygote process and the grader's end of its control socket.

    - code: start_child.py to run (inside the sandbox).
    - binds: (outside, inside) read-only binds of that code.
    - hidden: folders to hide (datasets).
    - env: the child environment.
    - scratch: a private folder for the zygote's log.
    """

    def __init__(self, code, binds, hidden, env, scratch):
        self.killed = False
        self.log = os.path.join(scratch, 'zygote-%d.log' % id(self))
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv, fds = isolation.bwrap_command(
            ['-E', '-s', code, '--zygote', str(theirs.fileno()), isolation.SECCOMP_FILE], {},
            ZYGOTE_WORK_MB, binds=binds, hidden=hidden,
            dirs=(isolation.INSIDE_ROOT + '/submission',))
        try:
            with open(self.log, 'wb') as log:
                self.proc = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                    env=env, pass_fds=tuple(fds) + (theirs.fileno(),), start_new_session=True)
        finally:
            theirs.close()
            for fd in fds:
                os.close(fd)
        self.control = ours
        try:
            reply = self._receive(READY_TIMEOUT)
        except WarmStartFailed:
            self.kill()
            raise
        if reply is None or reply.get('ready') is not True:
            self.kill()
            raise WarmStartFailed((reply or {}).get('reason') or 'the zygote did not start')

    def submit(self, fds, cpu=None):
        """Hand one job's descriptors (in JOB_FDS order) to the zygote; cpu: where the
        job is to run (cpus.py), or None."""
        try:
            socket.send_fds(self.control, [json.dumps({'job': 1, 'cpu': cpu}).encode()], fds)
        except OSError as error:
            raise ZygoteGone('the zygote is gone (%s)' % error) from error

    def alive(self):
        return not self.killed and self.proc.poll() is None

    def wait(self, timeout):
        """The job's exit code (negative: a signal), or None when it ran past timeout.

        Raises WarmStartFailed when the job could not be confined (before any
        student code ran). A zygote that ended during the job, killed by the
        grader or otherwise, gives -9 (SIGKILL) and is not used again.
        """
        reply = self._receive(timeout, during_job=True)
        if reply is None:
            return None
        if 'exit' in reply and isinstance(reply['exit'], int):
            return reply['exit']
        raise WarmStartFailed(str(reply.get('error') or 'malformed zygote reply'))

    def _receive(self, timeout, during_job=False):
        """Next control message (dict), or None after timeout seconds. A zygote that
        ends during a job gives {'exit': -9}; one that ends otherwise, WarmStartFailed."""
        poller = select.poll()
        poller.register(self.control.fileno(), select.POLLIN)
        if not poller.poll(max(0, int(timeout * 1000))):
            return None
        try:
            data = self.control.recv(65536)
        except OSError:
            data = b''
        if not data:
            if not during_job:
                raise WarmStartFailed('the zygote ended (see %s)' % self.log)
            self.killed = True
            return {'exit': -signal.SIGKILL}
        try:
            reply = json.loads(data)
        except ValueError as error:
            raise WarmStartFailed('malformed zygote reply') from error
        if not isinstance(reply, dict):
            raise WarmStartFailed('malformed zygote reply')
        return reply

    def kill(self):
        """Kill the zygote's sandbox, and with it any job running in it."""
        self.killed = True
        if self.proc.returncode is None:   # not yet reaped: the pid is still the zygote's
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass

    def close(self):
        self.kill()
        self.proc.wait()
        self.control.close()


def job_descriptors(plan_path, source_path, array_path, channel_out, channel_in, stderr):
    """The descriptors of one job in JOB_FDS order (files opened read-only here).

    If one of the files cannot be opened, those opened before it are closed
    again and the OSError propagates.
    """
    opened = []
    try:
        for path in (plan_path, source_path, array_path):
            opened.append(os.open(path, os.O_RDONLY))
    except OSError:
        for fd in opened:
            os.close(fd)
        raise
    fds = opened + [channel_out, channel_in, stderr]
    assert len(fds) == len(JOB_FDS)
    return fds
