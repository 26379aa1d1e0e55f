"""The cold run: a fresh child process for one submission.

A fresh Python (``-E -s``: no user site, no PYTHONPATH) runs ``start_child.py``
inside the Sandbox's isolation layer (isolation.py): bubblewrap namespaces, a
separate unprivileged user, or a plain process group. In every layer:
- a wall-clock timeout, after which its whole process group is killed;
- the child's own resource limits (memory, CPU seconds, file size, no core
  dumps), set before student code runs, and the kernel's parent-death signal;
- its own session, so nothing it starts outlives it.
Its channel is read in a thread of the grader (channel_session.py). No
preexec_fn is used (unsafe while a thread pool runs).
"""
import os
import select
import signal
import subprocess
import time

from . import staging
from .channel_session import start_reader


def uses_group(layer):
    """True where children get their own process group (not the portable layer)."""
    return os.name == 'posix' and layer != 'portable'


def kill_group(proc, layer):
    """Kill the child's whole process group, or (portable layer) the child itself."""
    try:
        if uses_group(layer):
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except OSError:
        pass


def ended_within(proc, timeout):
    """True when proc ends within timeout seconds.

    On Linux this waits on a pidfd and wakes the moment the child ends;
    Popen.wait(timeout) instead polls with sleeps of up to 50 ms, which
    every grade would pay. The child is not reaped here.
    """
    try:
        fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(max(0, int(timeout * 1000))))
    finally:
        os.close(fd)


def run_cold(box, staged, run, layer, source, pack, limits, denied_roots, service):
    """This submission in a fresh child process (box: the Sandbox; staged: its staging
    folder; results go into run, a ChildRun)."""
    fds = []
    user = box.users.acquire() if layer == 'uid-drop' else None
    try:
        group = box.users.group() if user else None
        argv, fds, env = staging.stage(staged, source, pack, limits, denied_roots, layer,
                                       box.child_code(), user, group)
        as_user = {'user': user[1], 'group': group, 'extra_groups': []} if user else {}
        started = time.monotonic()
        with open(os.path.join(staged, 'stderr'), 'wb') as err:
            try:
                proc = subprocess.Popen(
                    argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                    cwd=None if layer == 'bwrap' else staged, env=env, pass_fds=tuple(fds),
                    start_new_session=uses_group(layer), **as_user)
            finally:
                for fd in fds:
                    os.close(fd)
                fds = []
            with box.running(proc):
                reader = start_reader(run, proc.stdout, proc.stdin, service,
                                      lambda: kill_group(proc, layer), limits)
                try:
                    run.timed_out = not ended_within(proc, limits.timeout)
                finally:
                    kill_group(proc, layer)
                    proc.wait()
            reader.join(timeout=10)
        run.seconds = time.monotonic() - started
        run.returncode = proc.returncode
    finally:
        for fd in fds:
            os.close(fd)
        if user is not None:
            box.users.release(user)
