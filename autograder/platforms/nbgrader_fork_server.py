"""The class's nbgrader parent: nbgrader loaded once, each student's process forked from it.

``autograder nbgrader autograde`` gives every student an nbgrader process of
its own (nbgrader_batch.py). Loading nbgrader and what it imports (nbconvert,
sqlalchemy, jupyter_client, ...) costs about 1.8 CPU-seconds, most of what
that process does itself besides waiting for the kernel. Here one parent per
class loads nbgrader before any student, and each student's process is a
fork of it that then runs nbgrader's command line (``main()``) as a fresh
interpreter would: it reads the course's config, the gradebook and the
student's files itself, in a session of its own, its output on a pipe of
the batch's. One student's crash ends that student's process only.

The parent never reads a student's data: it gets the arguments of one
``nbgrader autograde`` and its output descriptor, forks, reports the pid,
waits, reports the exit status; a fork carries nothing of an earlier
student. It forks only while that is safe: one thread (a fork copies only
the calling thread, and a lock another thread held would stay held) and no
zmq context (its I/O threads are not copied); otherwise it refuses and the
batch starts that student as a fresh interpreter. Its environment is the
batch command's (the private seed, tokens), so it is not dumpable, as that
command is not (sandbox/secrecy.py). This module imports only the standard
library: the parent must not load numpy (OpenBLAS starts its threads when
loaded), nor anything of the kit a student's process would not load.

Control messages (SOCK_SEQPACKET, JSON): the parent first sends {"ready":
true} or {"ready": false, "reason": ...}; per student the batch sends
{"args": [...]} with the output descriptor, and the parent answers {"pid": n}
or {"refused": reason}, then {"exit": code} (negative: the signal that
ended the process).
"""
import importlib
import importlib.util
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time

# jsonschema (which nbformat imports) imports the optional package rfc3987_syntax, where it
# is installed, for its "iri" format checks, and that import builds a grammar parser: about
# 1.4 s of CPU in every process that loads nbgrader. nbformat and nbgrader check no such
# format, so the students' nbgrader processes start as if the package were absent.
OPTIONAL_PARSER = 'rfc3987_syntax'
# The command line each student's process runs, and what the parent loads for it: nbgrader
# and what its autograde loads on the way (IPython's paths for the kernel's spec, the
# gradebook's SQLite dialect), none of it numpy or the kit.
NBGRADER_PROGRAM = 'nbgrader.apps.nbgraderapp:main'
PRELOADED = ('nbgrader.apps.nbgraderapp', 'nbgrader.converters.autograde', 'nbclient',
             'jupyter_client.manager', 'IPython.paths', 'sqlalchemy.dialects.sqlite')
SERVER_MAIN = ('import sys; from autograder.platforms.nbgrader_fork_server import serve; '
               'serve(int(sys.argv[1]), sys.argv[2], sys.argv[3:])')
READY_TIMEOUT = 300.0
MAX_MESSAGE = 65536


def fork_problem():
    """Why this process may not fork a student's process now, or '' when it may."""
    if threading.active_count() != 1:
        return '%d Python threads are running' % threading.active_count()
    try:
        threads = len(os.listdir('/proc/self/task'))
    except OSError:
        return 'its threads cannot be counted (no /proc)'
    if threads != 1:
        return '%d threads are running (a native library started them)' % threads
    zmq = sys.modules.get('zmq')
    if zmq is not None and getattr(zmq.Context, '_instance', None) is not None:
        return 'a zmq context exists'
    return ''


def _make_undumpable():
    """sandbox/secrecy.make_undumpable, loaded from its file: importing it as
    autograder.sandbox.secrecy would load the sandbox package, and with it numpy."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        'sandbox', 'secrecy.py')
    spec = importlib.util.spec_from_file_location('_tln_fork_server_secrecy', path)
    secrecy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(secrecy)
    secrecy.make_undumpable()


def serve(control_fd, program, preloaded):
    """The parent's loop, then, in each fork, that student's command line.

    program: 'module:function' (NBGRADER_PROGRAM), loaded with the modules
    preloaded before any student. Returns in the parent when the batch hangs
    up; in a fork, the program ends the process (SystemExit) as its own
    command line would.
    """
    control = socket.socket(fileno=control_fd)
    _make_undumpable()
    module, function = program.split(':')
    try:
        sys.modules.setdefault(OPTIONAL_PARSER, None)
        for name in preloaded:
            importlib.import_module(name)
        main = getattr(importlib.import_module(module), function)
    except Exception as error:   # reported: the batch starts fresh interpreters instead
        _send(control, ready=False, reason='%s cannot be loaded (%s: %s)'
              % (module, type(error).__name__, str(error)[:300]))
        return
    _send(control, ready=True)
    job = _fork_per_student(control)
    if job is not None:
        args, output = job
        _become_student(args, output)
        main()


def _send(control, **message):
    control.send(json.dumps(message).encode())


def _fork_per_student(control):
    """Fork one process per request until the batch hangs up (then None). In the fork,
    returns (nbgrader's arguments, the output descriptor)."""
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, MAX_MESSAGE, 1)
        except OSError:
            return None
        if not message:
            return None
        try:
            args = json.loads(message)['args']
            valid = isinstance(args, list) and all(isinstance(arg, str) for arg in args)
        except (ValueError, KeyError, TypeError):
            valid = False
        problem = fork_problem() if valid and len(fds) == 1 else 'a malformed request'
        if problem:
            for fd in fds:
                os.close(fd)
            _send(control, refused=problem)
            continue
        pid = os.fork()
        if pid == 0:
            control.close()
            return args, fds[0]
        os.close(fds[0])
        _send(control, pid=pid)
        _send(control, exit=os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))


def _become_student(args, output):
    """In the fork: a session of its own, no input, stdout and stderr on output, and
    nbgrader's arguments, as subprocess would start a fresh interpreter."""
    os.setsid()
    no_input = os.open(os.devnull, os.O_RDONLY)
    os.dup2(no_input, 0)
    os.close(no_input)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    sys.argv[1:] = args


class ForkServer:
    """The batch's end: starts the class's parent in course and runs students through it.

    ``run`` returns None where the parent cannot fork the student (the batch
    then starts a fresh interpreter); a parent that ended is started again for
    the next student.
    """

    def __init__(self, course, program=NBGRADER_PROGRAM, preloaded=PRELOADED):
        self.course = course
        self.program, self.preloaded = program, tuple(preloaded)
        self.process = self.control = None
        self.problem = ''

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.control is not None:
            self.control.close()      # the parent's loop ends when the batch hangs up
            self.control = None
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def _start(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [sys.executable, '-c', SERVER_MAIN, str(theirs.fileno()), self.program,
                 *self.preloaded], cwd=self.course, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(theirs.fileno(),))
        finally:
            theirs.close()
        self.control = ours
        reply = self._receive(time.monotonic() + READY_TIMEOUT)
        if not reply or reply.get('ready') is not True:
            self.problem = str((reply or {}).get('reason') or 'the class\'s nbgrader parent '
                               'did not start')
            self.close()

    def run(self, args, timeout):
        """(exit code or None when it ran past timeout seconds, output bytes) of nbgrader
        with args in a fork of the parent; None when the parent cannot fork it.

        The student's session is killed afterwards (processes the notebook left behind)."""
        if self.control is None and not self.problem:
            self._start()
        if self.problem:
            return None
        deadline = time.monotonic() + timeout
        read_end, write_end = os.pipe()
        try:
            socket.send_fds(self.control, [json.dumps({'args': args}).encode()], [write_end])
            reply = self._receive(deadline)
        except OSError:
            reply = None
        finally:
            os.close(write_end)
        if not reply or not isinstance(reply.get('pid'), int):
            os.close(read_end)
            if reply and reply.get('refused'):
                self.problem = str(reply['refused'])
            else:
                self.close()
            return None
        pid = reply['pid']
        try:
            code, output = self._follow(pid, read_end, deadline)
        finally:
            os.close(read_end)
            kill_session(pid)
        # Killed above, past its time: the parent reports its end before the next student.
        if code is None and self.control is not None \
                and not self._receive(time.monotonic() + READY_TIMEOUT):
            self.close()
        return code, output

    def _follow(self, pid, read_end, deadline):
        """(exit code, output) once the student's output has ended and the parent has
        reported the exit; (None, output so far) at the deadline."""
        output, code, reading = [], None, True
        while reading or code is None:
            left = deadline - time.monotonic()
            watched = ([read_end] if reading else []) + ([self.control] if code is None else [])
            ready = select.select(watched, [], [], left)[0] if left > 0 else []
            if not ready:
                return None, b''.join(output)
            if read_end in ready:
                chunk = os.read(read_end, 65536)
                output.append(chunk)
                reading = bool(chunk)
            if self.control in ready:
                reply = self._receive(deadline)
                if reply is None or not isinstance(reply.get('exit'), int):
                    # The parent ended during this student: started again for the next one.
                    self.close()
                    return -signal.SIGKILL, b''.join(output)
                code = reply['exit']
        return code, b''.join(output)

    def _receive(self, deadline):
        """The parent's next message (a dict), or None when it hung up or said nothing
        sensible before deadline."""
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([self.control], [], [], left)[0]:
            return None
        try:
            reply = json.loads(self.control.recv(MAX_MESSAGE) or b'null')
        except (OSError, ValueError):
            return None
        return reply if isinstance(reply, dict) else None


def kill_session(pid):
    """Kill the session (process group) a student's nbgrader process led."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
