"""Warm start: a sandboxed Python with numpy loaded that forks one process per student.

Started by the grader (autograder/sandbox/warm.py) inside bubblewrap as
``start_child.py --zygote CONTROL_FD SECCOMP_FILE``. Starting Python and
importing numpy costs more than most of a grade; here it is paid once, and
each student's process is a fork of this one, confined afresh:

    zygote (this loop; never runs student code, never reads a job's data)
      └─ keeper: reads the job, enters new user, mount, PID, network, IPC,
         │        UTS and cgroup namespaces nested in the sandbox's, mounts
         │        a fresh size-capped tmpfs work folder, a read-only tmpfs
         │        with the submission, and an empty one over /proc
         └─ init: process 1 of its own PID namespace, new session, no
            │     capabilities; waits for the student and ends as it did
            └─ student: process 2, resource limits, parent-death signal,
                  the seccomp filter (no fork, no thread), then the student's code
                  (main.run_plan, exactly as in a cold start)

Students graded one after another or side by side see nothing of each
other: not their processes (PID namespaces), files (the zygote's sandbox is
read-only everywhere but the work folder, which each job mounts afresh),
sockets (network namespaces) or IPC objects. The zygote holds
no student's data in its memory (a keeper reads its job only after the
fork), so a fork carries nothing of an earlier submission.

Control messages (SOCK_SEQPACKET, JSON): the zygote first sends
{"ready": true} or {"ready": false, "reason": ...}; then, per job, the
grader sends {"job": n, "cpu": k or null} with the descriptors of JOB_FDS
(k: the CPU to run the job on, sandbox/cpus.py), and the zygote
answers {"exit": code} (negative: killed by that signal) or
{"error": reason} when the confinement itself could not be set up.
"""
import json
import os
import socket
import struct
import sys

import numpy.random  # noqa: F401 - loaded once here, not by every student (numpy loads it lazily)

from . import guards, main, namespaces

# isolation.INSIDE_ROOT as the sandbox shows it (the grader is not importable in here).
ROOT = '/tln'
JOB_FDS = ('plan', 'source', 'arrays', 'channel_out', 'channel_in', 'stderr')
MAX_PLAN_BYTES = 16 * 1024 * 1024
MAX_SOURCE_BYTES = 4 * 1024 * 1024
STATUS = struct.Struct('<i')


def _read_all(fd, limit):
    chunks, size = [], 0
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b''.join(chunks)
        size += len(chunk)
        if size > limit:
            raise ValueError('a job file is larger than %d bytes' % limit)
        chunks.append(chunk)


def _confine(plan, source):
    """Keeper: namespaces and mounts of one job (the next fork is its process 1)."""
    namespaces.enter_new_namespaces()
    limits = plan.get('limits') or {}
    namespaces.mount_tmpfs(ROOT + '/work', limits.get('file_size_mb', 64) * 1024 * 1024)
    submission = ROOT + '/submission'
    namespaces.mount_tmpfs(submission, len(source) + 65536, mode=0o755)
    path = os.path.join(submission, main.MODULE_NAME + '.py')
    with open(path, 'wb') as handle:
        handle.write(source)
    os.chmod(path, 0o444)
    namespaces.remount_read_only(submission)
    namespaces.mount_tmpfs('/proc', 0, mode=0o555, read_only=True)


def _init(plan, fds, program):
    """Process 1 of the job's PID namespace: starts the student's process and ends as it
    did, as bubblewrap's own init does (exit code, or 128 + the signal that killed it).

    The student's code never runs as process 1, which would ignore the signals it
    sends itself (a self-kill or an alarm would not end it, as they do cold).
    """
    os.setsid()
    namespaces.drop_capabilities()          # inherited by the student's process
    main.die_with_parent()
    pid = _fork_into(_student, plan, fds, program)
    for fd in fds.values():
        os.close(fd)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    os._exit(code if code >= 0 else 128 - code)


def _student(plan, fds, program):
    """Process 2 of the job's PID namespace: confine the rest of the way, then run the student."""
    os.dup2(fds['channel_out'], 1)
    os.dup2(fds['channel_in'], 0)
    os.dup2(fds['stderr'], 2)
    main.attach_arrays(plan, fds['arrays'])      # mapped: the descriptor is no longer needed
    os.closerange(3, os.sysconf('SC_OPEN_MAX'))
    writer, reader = main.take_channel()
    main.watch_grader(reader)        # its thread starts before the filter allows no more
    try:
        main.apply_limits(plan['limits'])
        main.die_with_parent()
        namespaces.load_seccomp(program)
    except OSError as error:   # no student code has run: say so in the stderr tail
        os.write(2, ('warm start: the confinement failed (%s)\n' % error).encode())
        os._exit(70)
    main.run_plan(plan, ROOT, writer, reader)


def _fork_into(function, *args, close_in_child=None):
    """Fork; the child closes close_in_child and runs function(*args), never returning.

    Returns the child's pid (in the parent).
    """
    pid = os.fork()
    if pid == 0:
        try:
            if close_in_child is not None:
                os.close(close_in_child)
            function(*args)
        finally:
            os._exit(70)
    return pid


def _keeper(fds, program, report, cpu):
    """Set up one job, fork its process 1, report how it ended; never returns.

    cpu: the CPU the grader placed the job on (sandbox/cpus.py), or None.
    """
    main.pin_to(cpu)
    try:
        plan = json.loads(_read_all(fds['plan'], MAX_PLAN_BYTES))
        source = _read_all(fds['source'], MAX_SOURCE_BYTES)
        _confine(plan, source)
    except Exception as error:   # the confinement failed: no student code has run
        os.write(report, b'E' + ('%s: %s' % (type(error).__name__, error)).encode()[:2000])
        os._exit(1)
    pid = _fork_into(_init, plan, fds, program, close_in_child=report)
    for fd in fds.values():
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    os.write(report, b'S' + STATUS.pack(os.waitstatus_to_exitcode(status)))
    os._exit(0)


def run_job(fds, program, cpu=None):
    """Fork a keeper for one job and wait for it; returns the control reply (a dict)."""
    read_end, write_end = os.pipe()
    pid = _fork_into(_keeper, fds, program, write_end, cpu, close_in_child=read_end)
    os.close(write_end)
    for fd in fds.values():
        os.close(fd)
    os.waitpid(pid, 0)
    report = _read_all(read_end, 4096)
    os.close(read_end)
    if report[:1] == b'S' and len(report) == 1 + STATUS.size:
        return {'exit': STATUS.unpack(report[1:])[0]}
    if report[:1] == b'E':
        return {'error': report[1:].decode('utf-8', 'replace')}
    return {'error': 'the job ended before it was set up'}


def self_test(program):
    """None when a job's confinement works here, else why not (run once, at start)."""
    if os.getuid() == 0:
        return 'the sandbox runs as root'
    def child():
        namespaces.enter_new_namespaces()
        namespaces.mount_tmpfs(ROOT + '/work', 4096)
        namespaces.mount_tmpfs('/proc', 0, mode=0o555, read_only=True)
        pid = os.fork()
        if pid == 0:
            code = 4
            try:
                namespaces.drop_capabilities()
                namespaces.load_seccomp(program)
                code = 0 if os.getpid() == 1 else 3
                if program:
                    try:
                        os.fork()
                        code = 6      # the filter should have refused it
                    except OSError:
                        pass
            finally:
                os._exit(code)
        os._exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))

    def reporting_child():
        try:
            child()
        except BaseException as error:   # noqa: B036 - reported, then this fork ends
            os.write(write_end, ('%s: %s' % (type(error).__name__, error)).encode()[:2000])

    read_end, write_end = os.pipe()
    pid = _fork_into(reporting_child, close_in_child=read_end)
    os.close(write_end)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    reason = _read_all(read_end, 4096).decode('utf-8', 'replace')
    os.close(read_end)
    if code == 0:
        return None
    return reason or 'the confinement test ended with code %d' % code


def _job_cpu(message):
    """The CPU a job message names (the grader's placement), or None."""
    try:
        cpu = json.loads(message).get('cpu')
    except (ValueError, AttributeError):
        return None
    return cpu if type(cpu) is int and cpu >= 0 else None


def serve(control_fd, program_file):
    """The zygote's loop: one job at a time until the grader hangs up."""
    control = socket.socket(fileno=control_fd)
    guards.preload()
    program = namespaces.read_seccomp_program(program_file)
    problem = self_test(program)
    control.send(json.dumps({'ready': problem is None, 'reason': problem}).encode())
    if problem is not None:
        sys.exit(0)
    while True:
        try:
            message, received, _, _ = socket.recv_fds(control, 4096, len(JOB_FDS))
        except OSError:
            break
        if not message:
            break
        if len(received) != len(JOB_FDS):
            for fd in received:
                os.close(fd)
            control.send(json.dumps({'error': 'a job needs %d descriptors' % len(JOB_FDS)})
                         .encode())
            continue
        control.send(json.dumps(run_job(dict(zip(JOB_FDS, received)), program,
                                        _job_cpu(message))).encode())
    os._exit(0)
