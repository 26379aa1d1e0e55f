"""The grader's side of the sandbox: run one neural_net.py in a child process.

The student's file (bytes the grader has read and checked) is copied into a
private staging folder, and a fresh Python (``-I``: no user site, no
PYTHONPATH, no current folder on sys.path) runs ``start_child.py`` inside the
strongest isolation layer the machine allows (isolation.py): bubblewrap
namespaces, a separate unprivileged user, or a plain process group. In every
layer:
- a wall-clock timeout, after which its whole process group is killed;
- the child's own resource limits (memory, CPU seconds, file size, no core
  dumps), set before student code runs, and the kernel's parent-death signal;
- its own session, so nothing it starts outlives it;
- an in-process audit hook (child/guards.py) as the last layer.

Results come back over the child's stdout as binary frames (child/channel.py:
a JSON header and the raw bytes of its arrays): the grader reads them in a
thread, with caps on each frame and on the total, and validates every message; the answers to served loss calls go back over
the child's stdin. The student's prints go to stderr, of which the grader
keeps the first few kilobytes and never parses them.

Every temporary folder lives in one per-process scratch folder (mode 700,
or 711 where another user must reach its own staging inside), removed at
exit; scratch folders of graders that died are removed at the next start.
No preexec_fn is used (unsafe while a thread pool runs).
"""
import atexit
import copy
import json
import os
import py_compile
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from . import cpus, isolation, serving, warm
from .child import channel as wire
from .child import landlock

START_CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'start_child.py')
CHILD_PACKAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'child')
OUTPUT_TAIL_BYTES = 4000
MAX_CHANNEL_BYTES = 64 * 1024 * 1024
# Processes and threads the uid-drop layer's user may have at once.
UID_DROP_PROCESSES = 64
# Descriptors a child may hold: each open file, pipe or socket can keep kernel memory
# that no address-space limit sees.
CHILD_OPEN_FILES = 256
SCRATCH_PREFIX = 'tln-grader-'
# Why a child could not load neural_net.py (ids of checks/diagnoses.py).
IMPORT_FAILURE_KINDS = ('python2', 'syntax_error', 'missing_import', 'no_class',
                        'import_failed')
# Environment variables passed through to the child (BLAS kernel selection
# on some processors must match the grader's).
PASSTHROUGH_ENV = ('PATH', 'LANG', 'LC_ALL', 'OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'TZ',
                   'SYSTEMROOT')


@dataclass
class Limits:
    """Resource limits for one submission's child process."""
    timeout: float = 60.0          # wall-clock seconds for the whole run
    memory_mb: int = 4096          # address-space cap
    file_size_mb: int = 64         # largest file the child may write (and its work folder)
    output_mb: int = 16            # largest message on the channel (one probe's outputs)

    @property
    def channel_caps(self):
        """(bytes per channel frame, bytes in all) the grader reads from the child."""
        frame = self.output_mb * 1024 * 1024
        return frame, max(MAX_CHANNEL_BYTES, 2 * frame)

    def for_child(self, processes=0):
        """The limits the child applies to itself (plan.json)."""
        return {'memory_mb': self.memory_mb, 'cpu_seconds': int(self.timeout) + 5,
                'file_size_mb': self.file_size_mb, 'processes': processes,
                'open_files': CHILD_OPEN_FILES}


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
    stderr: str = ''
    channel_error: str = ''
    isolation: str = ''


# ------------------------------------------------------- scratch and layer ---

_SCRATCH = None
_SCRATCH_LOCK = threading.RLock()
_LAYER = None


def isolation_layer():
    """Name of the isolation layer the children of this process run under (chosen once).

    Where bubblewrap is the layer to try first, a warm-start zygote that starts
    and reports ready (it imported numpy in the sandbox, as an unprivileged
    user, and confined a test fork) proves the layer; it then serves the first
    grade instead of a separate probe's Python start.
    """
    global _LAYER
    with _SCRATCH_LOCK:
        if _LAYER is None:
            if os.environ.get('TLN_ISOLATION', 'bwrap') in ('', 'bwrap') \
                    and sys.platform.startswith('linux') and isolation.bwrap_binary():
                zygote = warm.POOL.acquire(_start_zygote)
                if zygote is not None:
                    warm.POOL.release(zygote, True)
                    _LAYER = 'bwrap'
            if _LAYER is None:
                _LAYER = isolation.choose()
            if _LAYER == 'uid-drop' and _SCRATCH is not None:
                # The uid-drop user may pass through to its own staging folder
                # but cannot list this one.
                os.chmod(_SCRATCH, 0o711)
        return _LAYER


def required_layer(weaker_ok=False):
    """isolation_layer(), where a route that grades students may use it.

    Such a route (weaker_ok False) grades under the kernel layer (bwrap) or
    under the layer TLN_ISOLATION names explicitly; anything else raises
    IsolationError with why bubblewrap cannot run and the fix, before any
    student code runs. weaker_ok: the route runs only the user's own file or
    the kit's (the student self-check, release, demo, the Gradescope build),
    which may fall back to the strongest layer the machine has.
    """
    layer = isolation_layer()
    if layer == 'bwrap' or weaker_ok or isolation.requested_layer():
        return layer
    raise isolation.IsolationError(isolation.refusal())


class UserSlots:
    """The uid-drop layer's users (isolation.sandbox_users), one per child running at once.

    A child takes a user no other running child has, and waits for one when all are
    taken: two children of one user could read each other's staged files (a child's
    staging folder is named in its command line, which every process can read) and,
    without Landlock, each other's /proc descriptors and working folders. So with
    fewer users than --jobs, that many submissions run at once (grade says so).
    Every user's children run with the first user's group, through which they read
    the probe inputs.
    """

    def __init__(self):
        self._busy = set()
        self._free = threading.Condition()

    def users(self):
        return isolation.sandbox_users()

    def group(self):
        return self.users()[0][2]

    def acquire(self):
        with self._free:
            while True:
                for user in self.users():
                    if user[1] not in self._busy:
                        self._busy.add(user[1])
                        return user
                self._free.wait()

    def release(self, user):
        with self._free:
            self._busy.discard(user[1])
            self._free.notify()


USERS = UserSlots()


def concurrency_note(jobs):
    """A line for grade when the uid-drop layer has fewer users than jobs, else ''."""
    if isolation_layer() != 'uid-drop':
        return ''
    count = len(USERS.users())
    if count >= jobs:
        return ''
    return ('note: uid-drop runs each submission as a user of its own and has %d (%s), so %d '
            'submission(s) run at once, not %d: create tln-student-0..%d (the Gradescope '
            'setup.sh and .ci/run show how) for more.'
            % (count, ', '.join(user[0] for user in USERS.users()), count, jobs, jobs - 1))


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _remove_stale_scratch():
    """Remove scratch folders of graders that are no longer running."""
    base = tempfile.gettempdir()
    for name in os.listdir(base):
        match = re.match(re.escape(SCRATCH_PREFIX) + r'(\d+)-', name)
        if match and not _pid_alive(int(match.group(1))):
            path = os.path.join(base, name)
            if (os.path.isdir(path) and not os.path.islink(path)
                    and os.lstat(path).st_uid == os.geteuid()):
                shutil.rmtree(path, ignore_errors=True)


def scratch_folder():
    """This process's private scratch folder (created once, removed at exit)."""
    global _SCRATCH
    with _SCRATCH_LOCK:
        if _SCRATCH is None:
            if os.name == 'posix':
                _remove_stale_scratch()
            _SCRATCH = tempfile.mkdtemp(prefix='%s%d-' % (SCRATCH_PREFIX, os.getpid()))
            # 711 for the uid-drop layer (isolation_layer() sets it once chosen).
            os.chmod(_SCRATCH, 0o711 if _LAYER == 'uid-drop' else 0o700)
            atexit.register(shutil.rmtree, _SCRATCH, True)
        return _SCRATCH


# Offsets of the probe input arrays in their file: a multiple of a cache line
# and of numpy's alignment for float64.
ARRAY_ALIGNMENT = 64


# Rows of a probe input written at a time: the file gets no whole copy of an array.
WRITE_CHUNK_BYTES = 2 ** 24


def wire_dtype(array):
    """How an input array is stored for the children: float32 stays float32 (real images:
    half the pages of float64, the same values), anything else is float64."""
    return '<f4' if np.asarray(array).dtype == np.float32 else '<f8'


def write_rows(out, array, dtype):
    """Write array to out as raw dtype bytes, a block of rows at a time."""
    array = np.asarray(array)
    if array.ndim == 0 or not array.size:
        out.write(np.ascontiguousarray(array, dtype=dtype).tobytes())
        return
    step = max(1, WRITE_CHUNK_BYTES // max(1, array[0].size * 8))
    for start in range(0, array.shape[0], step):
        out.write(np.ascontiguousarray(array[start:start + step], dtype=dtype).tobytes())


class ProbePack:
    """Probe inputs written once to disk, shared by every child of a run.

    The arrays are stored raw (little-endian float64, or float32 for float32
    inputs such as the real images, each at an offset
    aligned to ARRAY_ALIGNMENT) in one file that every child maps
    copy-on-write (child/main.py): the pages stay in the page cache, shared
    by the children, and a child that writes to its inputs changes its own
    copy only. plan.json gives each array's offset and shape. The file sits
    in the grader's scratch folder, readable by the sandbox user where the
    uid-drop layer needs it, and is removed by close().
    served: whether probes marked 'served' run with the grader's reference
    loss (False for the reference itself and the self-check, which have no
    loss service).
    """

    def __init__(self, probes, served=False):
        self.folder = tempfile.mkdtemp(prefix='probes-', dir=scratch_folder())
        self.specs = []
        self.layout = {}
        self.served = bool(served)
        self.array_file = os.path.join(self.folder, 'plan.bin')
        with open(self.array_file, 'wb') as out:
            for probe in probes:
                keys = {}
                for name, array in probe['arrays'].items():
                    key = '%s__%s' % (probe['id'], name)
                    offset = -out.tell() % ARRAY_ALIGNMENT
                    out.write(bytes(offset))
                    self.layout[key] = {'offset': out.tell(), 'shape': list(np.shape(array)),
                                        'dtype': wire_dtype(array)}
                    write_rows(out, array, self.layout[key]['dtype'])
                    keys[name] = key
                self.specs.append({'id': probe['id'], 'kind': probe['kind'],
                                   'args': probe['args'], 'array_keys': keys,
                                   'served': bool(served and probe.get('served'))})
        if isolation_layer() == 'uid-drop':
            gid = USERS.group()
            for path, mode in ((self.folder, 0o750), (self.array_file, 0o640)):
                os.chown(path, 0, gid)
                os.chmod(path, mode)

    def with_args(self, probe_id, args):
        """A view of this pack (the same array file) whose probe probe_id takes other args.

        Closing the view is not needed; closing this pack removes the file.
        """
        view = copy.copy(self)
        view.specs = [dict(spec, args=dict(args)) if spec['id'] == probe_id else spec
                      for spec in self.specs]
        return view

    def with_inline(self, probes):
        """A view of this pack (the same array file) that runs probes, in their order:
        those of this pack by their id, the others with their arrays carried in plan.json
        itself (small per-submission inputs, base64). Closing the view is not needed."""
        shared = {spec['id']: spec for spec in self.specs}
        view = copy.copy(self)
        view.specs = [shared.get(probe['id']) or {
            'id': probe['id'], 'kind': probe['kind'], 'args': probe['args'], 'array_keys': {},
            'inline': wire.encode_arrays(probe['arrays']),
            'served': bool(self.served and probe.get('served'))} for probe in probes]
        return view

    def close(self):
        shutil.rmtree(self.folder, ignore_errors=True)


# ----------------------------------------------------------- interruption ---

_ACTIVE = set()
_ACTIVE_LOCK = threading.Lock()
_ABORTED = threading.Event()


class Aborted(Exception):
    """Grading was stopped (Ctrl-C): this run's result must not be recorded."""


def reset_abort():
    """A new batch starts: runs no longer raise Aborted."""
    _ABORTED.clear()


def abort_all():
    """Kill every running child and make their runs raise Aborted."""
    _ABORTED.set()
    with _ACTIVE_LOCK:
        running = list(_ACTIVE)
    for proc in running:
        _kill_group(proc)


def _uses_group():
    """True where children get their own process group (not the portable layer)."""
    return os.name == 'posix' and isolation_layer() != 'portable'


def _kill_group(proc):
    """Kill the child's whole process group, or (portable layer) the child itself."""
    try:
        if _uses_group():
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except OSError:
        pass


# ---------------------------------------------------------------- channel ---

class ChannelSession:
    """The grader's side of one child's channel: decodes messages as they come.

    Every message is checked before it is kept; a malformed one ends the
    session (the child is then stopped). Loss calls are answered through
    the LossService, if any.
    """

    def __init__(self, run, service=None):
        self.run = run
        self.service = service

    def feed(self, header, payload=b''):
        """Apply one frame; returns the reply to send back (an encoded frame), or None."""
        run = self.run
        if self.service is not None:
            replayed = self.service.replay(header, payload, run.probe_results.keys())
            if replayed is not None:
                return replayed
        message = wire.decode_message(header)
        event = message['event']
        if event == 'loss_call':
            if self.service is None:
                raise wire.WireError('loss call without a loss service')
            return self.service.reply_frame(message, run.probe_results.keys(), header, payload)
        payload = wire.Received(payload)
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
                    'ok': True, 'outputs': wire.decode_arrays(message.get('outputs'), payload),
                    'problems': wire.decode_problems(message.get('problems', {})),
                    'dtypes': wire.decode_problems(message.get('dtypes', {}))}
            else:
                line = message.get('line')
                run.probe_results[probe_id] = {
                    'ok': False, 'error': str(message.get('error', ''))[:2000],
                    'exception': str(message.get('exception', ''))[:100],
                    'line': line if type(line) is int and 0 < line < 10 ** 6 else None}
        elif event == 'done':
            run.finished = True
        else:
            raise wire.WireError('unknown event')
        return None


def _serve_channel(channel, replies, session, stop_child, caps):
    """Read the child's frames until EOF, answering loss calls (runs in a thread).

    channel: the child's stdout (binary file); replies: its stdin. Each frame
    is capped at caps[0] bytes and the whole stream at caps[1]
    (Limits.channel_caps; checked on the sizes a frame declares, before it is
    read); past either, or at the first malformed message, the child is
    stopped and the run records why.
    """
    run = session.run
    total = 0
    max_message, max_total = caps
    try:
        while True:
            try:
                frame = wire.read_frame(channel, min(max_message, max_total - total))
                if frame is None:
                    return
                total += wire.FRAME_PREFIX.size + len(frame[0]) + len(frame[1])
                reply = session.feed(*frame)
            except wire.FrameTooLarge:
                run.channel_error = 'the child sent more data than allowed'
                stop_child()
                return
            except (wire.WireError, KeyError, TypeError, ValueError) as error:
                run.channel_error = 'malformed result from the child (%s)' % error
                stop_child()
                return
            if reply is not None:
                try:
                    replies.write(reply)
                    replies.flush()
                except OSError:   # the child is gone or stopped reading
                    return
    finally:
        for stream in (channel, replies):
            try:
                stream.close()
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



# -------------------------------------------------------------------- run ---

def _ended_within(proc, timeout):
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


def _child_environment(home):
    env = {key: os.environ[key] for key in PASSTHROUGH_ENV if key in os.environ}
    env.update({'HOME': home, 'MPLBACKEND': 'Agg', 'MPLCONFIGDIR': home,
                'OPENBLAS_NUM_THREADS': '1', 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1',
                'PYTHONHASHSEED': '0', 'PYTHONDONTWRITEBYTECODE': '1', 'TMPDIR': home,
                'TEMP': home, 'TMP': home})
    return env


# System folders that hold datasets (Debian's packages install them under /usr).
DATASET_FOLDERS = ('/usr/share/datasets',)


def _hidden_folders():
    """Folders inside the system binds the child must not see (existing ones only)."""
    return [path for path in DATASET_FOLDERS if os.path.isdir(path)]


def _plan(pack, limits, denied_roots, layer, array_file):
    """plan.json's content for one child (array_file None: given as a descriptor)."""
    return {'probes': pack.specs, 'served': pack.served, 'arrays': pack.layout,
            'array_file': array_file,
            'denied_roots': sorted(set(denied_roots)),
            # The child loads the seccomp filter before student code (no fork or
            # thread, child/syscalls.py): under bubblewrap the program the grader
            # compiled (isolation.SECCOMP_FILE), elsewhere one it builds itself.
            'seccomp': layer in ('bwrap', 'uid-drop', 'process'),
            'seccomp_file': isolation.SECCOMP_FILE if layer == 'bwrap' else None,
            # Outside bubblewrap's mount namespace, Landlock keeps the child's writes
            # inside its work folder (child/landlock.py).
            'landlock': layer in ('uid-drop', 'process') and not landlock.switched_off_for_test(),
            # The portable layer is what runs on Windows and macOS: a time limit only.
            'limits': None if layer == 'portable' else
            limits.for_child(UID_DROP_PROCESSES if layer == 'uid-drop' else 0)}


def _stage(staged, source, pack, limits, denied_roots, layer, user=None):
    """Write plan.json and the submission; returns (argv, fds to pass, env).

    user: (name, uid, gid) that owns the staging folder under the uid-drop layer.

    Under bwrap nothing of the staging folder is bind-mounted: plan.json and
    neural_net.py are copied in from descriptors, the probe inputs and the
    child package are read-only binds, and the work folder is a size-capped
    tmpfs. Elsewhere the child runs in the staging folder itself.
    """
    inside = isolation.INSIDE_ROOT if layer == 'bwrap' else staged
    plan = _plan(pack, limits, denied_roots, layer,
                 os.path.join(inside, 'plan.bin') if layer == 'bwrap' else pack.array_file)
    plan_text = json.dumps(plan).encode('utf-8')
    if layer == 'bwrap':
        files = {}
        for name, data in (('plan.json', plan_text), ('submission/neural_net.py', source)):
            path = os.path.join(staged, name.replace('/', '_'))
            with open(path, 'wb') as handle:
                handle.write(data)
            files[os.path.join(inside, name)] = os.open(path, os.O_RDONLY)
        argv, fds = isolation.bwrap_command(
            ['-E', '-s', os.path.join(inside, 'start_child.py'), inside], files,
            limits.file_size_mb,
            binds=_code_binds() + ((pack.array_file, os.path.join(inside, 'plan.bin')),),
            hidden=_hidden_folders())
        return argv, fds, _child_environment(os.path.join(inside, 'work'))
    submission_dir = os.path.join(staged, 'submission')
    work = os.path.join(staged, 'work')
    os.makedirs(submission_dir)
    os.makedirs(work)
    with open(os.path.join(staged, 'plan.json'), 'wb') as handle:
        handle.write(plan_text)
    with open(os.path.join(submission_dir, 'neural_net.py'), 'wb') as handle:
        handle.write(source)
    if layer == 'uid-drop':
        uid, gid = user[1], USERS.group()
        for root, dirs, names in os.walk(staged):
            for name in dirs + names:
                os.chown(os.path.join(root, name), uid, gid)
        os.chown(staged, uid, gid)
    return ([sys.executable, '-E', '-s', _child_code(), staged], [],
            _child_environment(work))


def _code_binds():
    """(outside, inside) read-only binds of the child's code under bwrap."""
    inside = isolation.INSIDE_ROOT
    return ((_child_code(), os.path.join(inside, 'start_child.py')),
            (os.path.join(os.path.dirname(_child_code()), 'child'), os.path.join(inside, 'child')))


def _start_zygote():
    """A new warm-start zygote (warm.Zygote) under bwrap."""
    return warm.Zygote(os.path.join(isolation.INSIDE_ROOT, 'start_child.py'), _code_binds(),
                       _hidden_folders(), _child_environment(isolation.INSIDE_ROOT + '/work'),
                       scratch_folder())


_CHILD_COPY = None


def _child_code():
    """start_child.py to run: a copy of it and of the child package, byte-compiled.

    Made once in the scratch folder: the uid-drop layer's user can read it
    (the kit may live where that user cannot go, and it must not read the
    rest of the kit anyway), and the bytecode spares every child compiling
    the package again (the child writes no bytecode, and the kit's own
    folder may have none).
    """
    global _CHILD_COPY
    with _SCRATCH_LOCK:
        if _CHILD_COPY is None:
            folder = tempfile.mkdtemp(prefix='code-', dir=scratch_folder())
            shutil.copy(START_CHILD, folder)
            package = os.path.join(folder, 'child')
            shutil.copytree(CHILD_PACKAGE, package, ignore=shutil.ignore_patterns('__pycache__'))
            for name in os.listdir(package):
                if name.endswith('.py'):
                    py_compile.compile(
                        os.path.join(package, name), doraise=True, optimize=0,
                        cfile=os.path.join(package, '__pycache__', '%s.%s.pyc' % (
                            name[:-3], sys.implementation.cache_tag)))
            for root, dirs, names in os.walk(folder):
                os.chmod(root, 0o755)
                for name in names:
                    os.chmod(os.path.join(root, name), 0o644)
            _CHILD_COPY = os.path.join(folder, os.path.basename(START_CHILD))
        return _CHILD_COPY


def run_submission(source, pack, limits, denied_roots=(), service=None):
    """Grade-run one neural_net.py in a sandboxed child.

    Inputs:
    - source: the bytes of the student's neural_net.py (already read and
      size-checked by the grader; the child gets its own copy).
    - pack: ProbePack with the probes to run.
    - limits: Limits.
    - denied_roots: folders the in-process guards refuse to read (kit,
      gradebook, other students).
    - service: LossService answering the loss calls of served probes, or None.

    Under bwrap the child is a fork of a warm-start zygote (warm.py) where
    that works, else a fresh process (cold start); the results are the same.
    Returns a ChildRun. Never raises for anything the student code does.
    """
    layer = isolation_layer()
    zygote, worker = _acquire_warm(service) if layer == 'bwrap' else (None, None)
    if zygote is not None:
        try:
            return _in_staging(_run_warm, zygote, worker, source, pack, limits, denied_roots,
                               service)
        except warm.WarmStartFailed as error:   # before any student code ran
            if not isinstance(error, warm.ZygoteGone):
                warm.POOL.disable(str(error))
    elif worker is not None:
        serving.POOL.release(worker, True)
    return _in_staging(_run_cold, layer, source, pack, limits, denied_roots, service)


def _acquire_warm(service):
    """(zygote, serving worker or None) for one run; a new worker starts beside a new
    zygote rather than after it. The worker is None where the channel is served here
    (a loss service without a reference file)."""
    if service is not None and service.reference_file is None:
        return warm.POOL.acquire(_start_zygote), None
    found = {}
    starter = None
    if not serving.POOL.has_idle():
        starter = threading.Thread(target=lambda: found.update(
            worker=serving.POOL.acquire(serving.ServingWorker)))
        starter.start()
    zygote = warm.POOL.acquire(_start_zygote)
    if starter is None:
        found['worker'] = serving.POOL.acquire(serving.ServingWorker)
    else:
        starter.join()
    return zygote, found.get('worker')


def _in_staging(function, *args):
    """function(staged, ChildRun, *args) with a fresh staging folder, removed afterwards."""
    staged = tempfile.mkdtemp(prefix='run-', dir=scratch_folder())
    try:
        run = ChildRun(isolation=isolation_layer())
        function(staged, run, *args)
        if _ABORTED.is_set():
            raise Aborted()
        run.stderr = _tail(os.path.join(staged, 'stderr'))
        return run
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def _start_reader(run, channel, replies, service, stop_child, limits):
    reader = threading.Thread(
        target=_serve_channel, daemon=True,
        args=(channel, replies, ChannelSession(run, service), stop_child, limits.channel_caps))
    reader.start()
    return reader


def _run_cold(staged, run, layer, source, pack, limits, denied_roots, service):
    """A fresh child process for this submission."""
    fds = []
    user = USERS.acquire() if layer == 'uid-drop' else None
    try:
        argv, fds, env = _stage(staged, source, pack, limits, denied_roots, layer, user)
        as_user = ({'user': user[1], 'group': USERS.group(), 'extra_groups': []}
                   if user else {})
        started = time.monotonic()
        with open(os.path.join(staged, 'stderr'), 'wb') as err:
            try:
                proc = subprocess.Popen(
                    argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                    cwd=None if layer == 'bwrap' else staged, env=env, pass_fds=tuple(fds),
                    start_new_session=_uses_group(), **as_user)
            finally:
                for fd in fds:
                    os.close(fd)
                fds = []
            with _ACTIVE_LOCK:
                _ACTIVE.add(proc)
            reader = _start_reader(run, proc.stdout, proc.stdin, service,
                                   lambda: _kill_group(proc), limits)
            try:
                run.timed_out = not _ended_within(proc, limits.timeout)
            finally:
                _kill_group(proc)
                proc.wait()
                with _ACTIVE_LOCK:
                    _ACTIVE.discard(proc)
            reader.join(timeout=10)
        run.seconds = time.monotonic() - started
        run.returncode = proc.returncode
    finally:
        for fd in fds:
            os.close(fd)
        if user is not None:
            USERS.release(user)


def _serve_elsewhere(worker, channel_fd, replies_fd, service, stop_child, limits, cpu):
    """Hand the channel to a serving worker (serving.py); its collector, or None (serve here)."""
    if worker is None:
        return None
    try:
        collector = worker.serve(channel_fd, replies_fd, service, limits.channel_caps, stop_child,
                                 cpu)
    except warm.WarmStartFailed:
        serving.POOL.release(worker, False)
        return None
    return collector


def _adopt(run, service, collector):
    """Take the served run's results from the worker, and give the worker back."""
    try:
        served, record = collector.result(timeout=10)
    finally:
        serving.POOL.release(collector.worker, collector.answer is not None)
    for name in ('imported', 'import_error', 'import_kind', 'probe_results', 'finished',
                 'channel_error'):
        setattr(run, name, getattr(served, name))
    if service is not None:
        service.adopt(record)


def _run_warm(staged, run, zygote, worker, source, pack, limits, denied_roots, service):
    """This submission in a fork of a warm-start zygote (raises WarmStartFailed before any
    student code runs when the fork cannot be confined)."""
    plan_path, source_path = os.path.join(staged, 'plan.json'), os.path.join(staged, 'source')
    with open(plan_path, 'wb') as handle:
        handle.write(json.dumps(_plan(pack, limits, denied_roots, 'bwrap', None)).encode())
    with open(source_path, 'wb') as handle:
        handle.write(source)
    channel_in, channel_out = os.pipe()
    replies_in, replies_out = os.pipe()
    reusable = False
    cpu = cpus.SLOTS.acquire()
    started = time.monotonic()
    with open(os.path.join(staged, 'stderr'), 'wb') as err:
        fds = [channel_out, replies_in]
        collector = _serve_elsewhere(worker, channel_in, replies_out, service, zygote.kill,
                                     limits, cpu)
        reader = None
        if collector is None:
            reader = _start_reader(run, os.fdopen(channel_in, 'rb'),
                                   os.fdopen(replies_out, 'wb'), service, zygote.kill, limits)
        with _ACTIVE_LOCK:
            _ACTIVE.add(zygote.proc)
        try:
            try:
                fds = warm.job_descriptors(plan_path, source_path, pack.array_file,
                                           channel_out, replies_in, err.fileno())
                zygote.submit(fds, cpu)
            finally:
                for fd in fds:
                    if fd != err.fileno():
                        os.close(fd)
            code = zygote.wait(limits.timeout)
            run.timed_out = code is None
            run.returncode = -signal.SIGKILL if code is None else code
            reusable = code is not None
        finally:
            cpus.SLOTS.release(cpu)
            if not reusable:
                zygote.kill()
            with _ACTIVE_LOCK:
                _ACTIVE.discard(zygote.proc)
            if reader is not None:
                reader.join(timeout=10)
            warm.POOL.release(zygote, reusable)
            if collector is not None and sys.exc_info()[0] is not None:
                collector.join(timeout=10)    # the job failed: give the worker back
                serving.POOL.release(collector.worker, collector.answer is not None)
        if collector is not None:
            _adopt(run, service, collector)
    run.seconds = time.monotonic() - started
