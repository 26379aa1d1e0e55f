"""Run one student's neural_net.py in a limited child process.

The student's file is copied into a private staging folder; a fresh Python
(``-I``: no user site, no PYTHONPATH, no current folder on sys.path) runs
``child.py`` there with:
- a wall-clock timeout, after which its whole process group is killed;
- resource limits: address space (memory), CPU seconds, file size, core
  dumps off;
- its own session and process group, killed when it ends, so processes it
  started do not outlive it;
- an audit hook (guards.py) that refuses writes outside its work folder,
  reads of the kit's and other students' files, process creation, network
  and ctypes;
- an unprivileged user (nobody) when the grader runs as root and the
  Python interpreter is reachable for that user.

Results come back over a pipe the grader alone reads; stdout and stderr are
kept (the first few kilobytes) to show the student, never parsed.
"""
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from . import wire
from .paths import PACKAGE_DIR

CHILD_SCRIPT = os.path.join(PACKAGE_DIR, 'child.py')
NOBODY_UID = 65534
OUTPUT_TAIL_BYTES = 4000
MAX_CHANNEL_BYTES = 64 * 1024 * 1024
MAX_LINE_BYTES = 16 * 1024 * 1024
# Why a child could not load neural_net.py (ids of diagnoses.py).
IMPORT_FAILURE_KINDS = ('python2', 'syntax_error', 'missing_import', 'no_class',
                        'import_failed')
# Environment variables passed through to the child (BLAS kernel selection
# on some processors must match the grader's).
PASSTHROUGH_ENV = ('PATH', 'LANG', 'LC_ALL', 'OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'TZ')


@dataclass
class Limits:
    """Resource limits for one submission's child process."""
    timeout: float = 60.0          # wall-clock seconds for the whole run
    memory_mb: int = 4096          # address-space cap
    file_size_mb: int = 64         # largest file the child may write


@dataclass
class ChildRun:
    """What came back from one child process."""
    imported: bool = False
    import_error: str = ''
    import_kind: str = ''
    probe_results: dict = field(default_factory=dict)   # id -> {'ok', 'outputs'|'error'}
    finished: bool = False
    timed_out: bool = False
    returncode: int = 0
    seconds: float = 0.0
    stdout: str = ''
    stderr: str = ''
    channel_error: str = ''
    isolation: str = ''


class ProbePack:
    """Probe inputs written once to disk, shared by every child of a run.

    The folder is readable by the child (also when it runs as nobody) and
    removed by close(). served: whether probes marked 'served' run with the
    grader's reference loss (False for the reference itself and the
    self-check, which have no loss service).
    """

    def __init__(self, probes, served=False):
        self.folder = tempfile.mkdtemp(prefix='tln-probes-')
        os.chmod(self.folder, 0o755)
        arrays = {}
        self.specs = []
        for probe in probes:
            keys = {}
            for name, array in probe['arrays'].items():
                key = '%s__%s' % (probe['id'], name)
                arrays[key] = np.asarray(array, dtype=np.float64)
                keys[name] = key
            self.specs.append({'id': probe['id'], 'kind': probe['kind'],
                               'args': probe['args'], 'array_keys': keys,
                               'served': bool(served and probe.get('served'))})
        self.array_file = os.path.join(self.folder, 'plan.npz')
        np.savez(self.array_file, **arrays)
        os.chmod(self.array_file, 0o644)

    def close(self):
        shutil.rmtree(self.folder, ignore_errors=True)


_NOBODY_WORKS = None
_ACTIVE_GROUPS = set()
_ACTIVE_LOCK = threading.Lock()
_ABORTED = threading.Event()


class Aborted(Exception):
    """Grading was stopped (Ctrl-C): this run's result must not be recorded."""


def abort_all():
    """Kill every running child and make their runs raise Aborted."""
    _ABORTED.set()
    with _ACTIVE_LOCK:
        groups = list(_ACTIVE_GROUPS)
    for pgid in groups:
        _kill_group(pgid)


def _can_drop_privileges():
    """True when running as root and Python runs fine as user nobody."""
    global _NOBODY_WORKS
    if _NOBODY_WORKS is None:
        _NOBODY_WORKS = False
        if hasattr(os, 'geteuid') and os.geteuid() == 0:
            try:
                result = subprocess.run([sys.executable, '-I', '-c', 'import numpy'],
                                        user=NOBODY_UID, group=NOBODY_UID, extra_groups=[],
                                        capture_output=True, timeout=60)
                _NOBODY_WORKS = result.returncode == 0
            except (OSError, subprocess.SubprocessError):
                _NOBODY_WORKS = False
    return _NOBODY_WORKS


def _limit_child(limits, drop_privileges):
    """preexec function: resource limits, then (maybe) user nobody."""
    def apply():
        memory = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        cpu = int(limits.timeout) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        size = limits.file_size_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if drop_privileges:
            os.setgroups([])
            os.setgid(NOBODY_UID)
            os.setuid(NOBODY_UID)
        _die_with_parent()
    return apply


def _die_with_parent():
    """Linux: have the kernel kill the child if the grader dies (even by SIGKILL)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class ChannelSession:
    """The grader's side of one child's channel: decodes messages as they come.

    Every message is checked before it is kept; a malformed one ends the
    session (the child is then stopped). Loss calls are answered through
    the LossService, if any.
    """

    def __init__(self, run, service=None):
        self.run = run
        self.service = service

    def feed(self, line):
        """Apply one line; returns the reply to send back, or None."""
        message = wire.decode_message(line)
        event = message['event']
        run = self.run
        if event == 'loss_call':
            if self.service is None:
                raise wire.WireError('loss call without a loss service')
            return self.service.answer(message, run.probe_results.keys())
        if event == 'imported':
            run.imported = True
        elif event == 'import_error':
            run.import_error = str(message.get('error', ''))[:2000]
            kind = message.get('kind')
            run.import_kind = kind if kind in IMPORT_FAILURE_KINDS else 'import_failed'
        elif event == 'probe':
            probe_id = message.get('id')
            if not isinstance(probe_id, str) or probe_id in run.probe_results:
                raise wire.WireError('bad or repeated probe id')
            if message.get('ok') is True:
                run.probe_results[probe_id] = {
                    'ok': True, 'outputs': wire.decode_arrays(message.get('outputs')),
                    'problems': wire.decode_problems(message.get('problems', {})),
                    'dtypes': wire.decode_problems(message.get('dtypes', {}))}
            else:
                run.probe_results[probe_id] = {
                    'ok': False, 'error': str(message.get('error', ''))[:2000]}
        elif event == 'done':
            run.finished = True
        else:
            raise wire.WireError('unknown event')
        return None


def _serve_channel(read_fd, reply_fd, session, stop_child):
    """Read the child's lines until EOF, answering loss calls (runs in a thread).

    Each line is capped at MAX_LINE_BYTES and the whole stream at
    MAX_CHANNEL_BYTES; past either, or at the first malformed message, the
    child is stopped and the run records why.
    """
    run = session.run
    replies = os.fdopen(reply_fd, 'wb', buffering=0) if reply_fd is not None else None
    total = 0
    try:
        with os.fdopen(read_fd, 'rb') as channel:
            while True:
                line = channel.readline(MAX_LINE_BYTES + 1)
                if not line:
                    return
                total += len(line)
                if len(line) > MAX_LINE_BYTES or total > MAX_CHANNEL_BYTES:
                    run.channel_error = 'the child sent more data than allowed'
                    stop_child()
                    return
                try:
                    reply = session.feed(line)
                except (wire.WireError, KeyError, TypeError, ValueError) as error:
                    run.channel_error = 'malformed result from the child (%s)' % error
                    stop_child()
                    return
                if reply is not None:
                    try:
                        replies.write(wire.encode_message(reply))
                    except OSError:   # the child is gone or stopped reading
                        return
    finally:
        if replies is not None:
            try:
                replies.close()
            except OSError:
                pass


def _tail(path):
    try:
        with open(path, 'rb') as handle:
            data = handle.read(OUTPUT_TAIL_BYTES + 1)
    except OSError:
        return ''
    text = data[:OUTPUT_TAIL_BYTES].decode('utf-8', errors='replace')
    return text + ('\n[... output cut ...]' if len(data) > OUTPUT_TAIL_BYTES else '')


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_submission(source, pack, limits, denied_roots=(), service=None):
    """Grade-run one neural_net.py in a sandboxed child.

    Inputs:
    - source: the bytes of the student's neural_net.py (already read and
      size-checked by the grader; the child gets its own copy).
    - pack: ProbePack with the probes to run.
    - limits: Limits.
    - denied_roots: folders the child may not read (kit, gradebook, other
      students).
    - service: LossService answering the loss calls of served probes, or None.

    Returns a ChildRun. Never raises for anything the student code does.
    """
    staged = tempfile.mkdtemp(prefix='tln-sandbox-')
    run = ChildRun()
    try:
        drop = _can_drop_privileges()
        submission_dir = os.path.join(staged, 'submission')
        work_dir = os.path.join(staged, 'work')
        os.makedirs(submission_dir)
        os.makedirs(work_dir)
        with open(os.path.join(submission_dir, 'neural_net.py'), 'wb') as handle:
            handle.write(source)
        run.isolation = 'uid-drop' if drop else 'process'
        plan = {'probes': pack.specs, 'array_files': [pack.array_file],
                'denied_roots': sorted(set(denied_roots))}
        with open(os.path.join(staged, 'plan.json'), 'w', encoding='utf-8') as handle:
            json.dump(plan, handle)
        os.chmod(staged, 0o755)
        for path in (submission_dir, os.path.join(staged, 'plan.json'),
                     os.path.join(submission_dir, 'neural_net.py')):
            os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)
        if drop:
            os.chown(work_dir, NOBODY_UID, NOBODY_UID)
        env = {key: os.environ[key] for key in PASSTHROUGH_ENV if key in os.environ}
        env.update({'HOME': work_dir, 'MPLBACKEND': 'Agg', 'MPLCONFIGDIR': work_dir,
                    'OPENBLAS_NUM_THREADS': '1', 'OMP_NUM_THREADS': '1',
                    'MKL_NUM_THREADS': '1', 'PYTHONHASHSEED': '0',
                    'PYTHONDONTWRITEBYTECODE': '1', 'TMPDIR': work_dir})
        read_fd, write_fd = os.pipe()
        reply_read = reply_write = None
        if service is not None:
            reply_read, reply_write = os.pipe()
        session = ChannelSession(run, service)
        started = time.monotonic()
        with open(os.path.join(staged, 'stdout'), 'wb') as out, \
                open(os.path.join(staged, 'stderr'), 'wb') as err:
            child_fds = (write_fd,) if reply_read is None else (write_fd, reply_read)
            try:
                proc = subprocess.Popen(
                    [sys.executable, '-I', CHILD_SCRIPT, staged, str(write_fd),
                     '-' if reply_read is None else str(reply_read)],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=work_dir, env=env,
                    pass_fds=child_fds, start_new_session=True,
                    preexec_fn=_limit_child(limits, drop))
            except BaseException:
                os.close(read_fd)
                if reply_write is not None:
                    os.close(reply_write)
                raise
            finally:
                for fd in child_fds:
                    os.close(fd)
            with _ACTIVE_LOCK:
                _ACTIVE_GROUPS.add(proc.pid)
            reader = threading.Thread(
                target=_serve_channel, daemon=True,
                args=(read_fd, reply_write, session, lambda: _kill_group(proc.pid)))
            reader.start()
            try:
                proc.wait(timeout=limits.timeout)
            except subprocess.TimeoutExpired:
                run.timed_out = True
            finally:
                _kill_group(proc.pid)
                proc.wait()
                with _ACTIVE_LOCK:
                    _ACTIVE_GROUPS.discard(proc.pid)
            reader.join(timeout=10)
        if _ABORTED.is_set():
            raise Aborted()
        run.seconds = time.monotonic() - started
        run.returncode = proc.returncode
        run.stdout = _tail(os.path.join(staged, 'stdout'))
        run.stderr = _tail(os.path.join(staged, 'stderr'))
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return run
