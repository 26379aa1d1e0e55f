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
MAX_CHANNEL_BYTES = 256 * 1024 * 1024
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
    probe_results: dict = field(default_factory=dict)   # id -> {'ok', 'outputs'|'error'}
    finished: bool = False
    timed_out: bool = False
    returncode: int = 0
    seconds: float = 0.0
    stdout: str = ''
    stderr: str = ''
    channel_error: str = ''


class ProbePack:
    """Probe inputs written once to disk, shared by every child of a run.

    The folder is readable by the child (also when it runs as nobody) and
    removed by close().
    """

    def __init__(self, probes):
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
                               'args': probe['args'], 'array_keys': keys})
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


def _read_channel(read_fd, run, lines):
    """Collect JSON lines from the child until EOF (runs in a thread)."""
    total = 0
    with os.fdopen(read_fd, 'rb') as channel:
        for line in channel:
            total += len(line)
            if total > MAX_CHANNEL_BYTES:
                run.channel_error = 'the child sent more data than allowed'
                break
            lines.append(line)


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


def _apply_messages(run, lines):
    """Decode the child's messages into run; malformed ones end the stream."""
    for line in lines:
        try:
            message = wire.decode_message(line)
            event = message['event']
            if event == 'imported':
                run.imported = True
            elif event == 'import_error':
                run.import_error = str(message.get('error', ''))[:2000]
            elif event == 'probe':
                probe_id = message.get('id')
                if not isinstance(probe_id, str) or probe_id in run.probe_results:
                    raise wire.WireError('bad or repeated probe id')
                if message.get('ok') is True:
                    run.probe_results[probe_id] = {
                        'ok': True, 'outputs': wire.decode_arrays(message.get('outputs')),
                        'problems': wire.decode_problems(message.get('problems', {}))}
                else:
                    run.probe_results[probe_id] = {
                        'ok': False, 'error': str(message.get('error', ''))[:2000]}
            elif event == 'done':
                run.finished = True
        except (wire.WireError, KeyError) as error:
            run.channel_error = 'malformed result from the child (%s)' % error
            return


def run_submission(source_file, pack, limits, denied_roots=()):
    """Grade-run one neural_net.py in a sandboxed child.

    Inputs:
    - source_file: path of the student's neural_net.py.
    - pack: ProbePack with the probes to run.
    - limits: Limits.
    - denied_roots: folders the child may not read (kit, gradebook, other
      students).

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
        shutil.copyfile(source_file, os.path.join(submission_dir, 'neural_net.py'))
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
        lines = []
        reader = threading.Thread(target=_read_channel, args=(read_fd, run, lines), daemon=True)
        started = time.monotonic()
        with open(os.path.join(staged, 'stdout'), 'wb') as out, \
                open(os.path.join(staged, 'stderr'), 'wb') as err:
            try:
                proc = subprocess.Popen(
                    [sys.executable, '-I', CHILD_SCRIPT, staged, str(write_fd)],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=work_dir, env=env,
                    pass_fds=(write_fd,), start_new_session=True,
                    preexec_fn=_limit_child(limits, drop))
            except BaseException:
                os.close(read_fd)
                raise
            finally:
                os.close(write_fd)
            with _ACTIVE_LOCK:
                _ACTIVE_GROUPS.add(proc.pid)
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
        _apply_messages(run, list(lines))
        run.stdout = _tail(os.path.join(staged, 'stdout'))
        run.stderr = _tail(os.path.join(staged, 'stderr'))
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return run
