"""Staging: the files a sandbox child is given, in the grader's scratch folder.

- The scratch folder: one per Sandbox (session.py), mode 700, or 711 where
  another user must reach its own staging inside; scratch folders of graders
  that died are removed when the next one is made (remove_stale_scratch).
- ProbePack: the probe inputs, written once and mapped by every child.
- stage / plan: one child's plan.json and its copy of the submission, and
  the command that runs it (bubblewrap or a plain Python).
- copy_child_code: the child package the children run, byte-compiled.
- tail: the first few kilobytes of a child's stderr (never parsed).
"""
import copy
import json
import os
import py_compile
import re
import shutil
import sys
import tempfile

import numpy as np

from . import isolation
from .child import channel as wire
from .child import landlock

START_CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'start_child.py')
CHILD_PACKAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'child')
OUTPUT_TAIL_BYTES = 4000
# Processes and threads the uid-drop layer's user may have at once.
UID_DROP_PROCESSES = 64
SCRATCH_PREFIX = 'tln-grader-'
# Environment variables passed through to the child (BLAS kernel selection
# on some processors must match the grader's).
PASSTHROUGH_ENV = ('PATH', 'LANG', 'LC_ALL', 'OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'TZ',
                   'SYSTEMROOT')


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale_scratch():
    """Remove scratch folders of graders that are no longer running."""
    base = tempfile.gettempdir()
    for name in os.listdir(base):
        match = re.match(re.escape(SCRATCH_PREFIX) + r'(\d+)-', name)
        if match and not _pid_alive(int(match.group(1))):
            path = os.path.join(base, name)
            if (os.path.isdir(path) and not os.path.islink(path)
                    and os.lstat(path).st_uid == os.geteuid()):
                shutil.rmtree(path, ignore_errors=True)


def make_scratch(shared):
    """A new private scratch folder for this process (shared: 711, for the uid-drop user)."""
    if os.name == 'posix':
        remove_stale_scratch()
    folder = tempfile.mkdtemp(prefix='%s%d-' % (SCRATCH_PREFIX, os.getpid()))
    os.chmod(folder, 0o711 if shared else 0o700)
    return folder


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
    in the Sandbox's scratch folder (Sandbox.probe_pack), readable by group
    (the uid-drop layer's users' group, or None), and is removed by close().
    served: whether probes marked 'served' run with the grader's reference
    loss (False for the reference itself and the self-check, which have no
    loss service).
    """

    def __init__(self, probes, scratch, group=None, served=False):
        self.folder = tempfile.mkdtemp(prefix='probes-', dir=scratch)
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
        if group is not None:
            for path, mode in ((self.folder, 0o750), (self.array_file, 0o640)):
                os.chown(path, 0, group)
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


def child_environment(home):
    env = {key: os.environ[key] for key in PASSTHROUGH_ENV if key in os.environ}
    env.update({'HOME': home, 'MPLBACKEND': 'Agg', 'MPLCONFIGDIR': home,
                'OPENBLAS_NUM_THREADS': '1', 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1',
                'PYTHONHASHSEED': '0', 'PYTHONDONTWRITEBYTECODE': '1', 'TMPDIR': home,
                'TEMP': home, 'TMP': home})
    return env


# System folders that hold datasets (Debian's packages install them under /usr).
DATASET_FOLDERS = ('/usr/share/datasets',)


def hidden_folders():
    """Folders inside the system binds the child must not see (existing ones only)."""
    return [path for path in DATASET_FOLDERS if os.path.isdir(path)]


def plan(pack, limits, denied_roots, layer, array_file):
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


def stage(staged, source, pack, limits, denied_roots, layer, child_code, user=None,
          group=None):
    """Write plan.json and the submission; returns (argv, fds to pass, env).

    child_code: start_child.py to run (copy_child_code). user: (name, uid, gid) that owns
    the staging folder under the uid-drop layer, with the users' group.

    Under bwrap nothing of the staging folder is bind-mounted: plan.json and
    neural_net.py are copied in from descriptors, the probe inputs and the
    child package are read-only binds, and the work folder is a size-capped
    tmpfs. Elsewhere the child runs in the staging folder itself.
    """
    inside = isolation.INSIDE_ROOT if layer == 'bwrap' else staged
    content = plan(pack, limits, denied_roots, layer,
                 os.path.join(inside, 'plan.bin') if layer == 'bwrap' else pack.array_file)
    plan_text = json.dumps(content).encode('utf-8')
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
            binds=code_binds(child_code) + ((pack.array_file, os.path.join(inside, 'plan.bin')),),
            hidden=hidden_folders())
        return argv, fds, child_environment(os.path.join(inside, 'work'))
    submission_dir = os.path.join(staged, 'submission')
    work = os.path.join(staged, 'work')
    os.makedirs(submission_dir)
    os.makedirs(work)
    with open(os.path.join(staged, 'plan.json'), 'wb') as handle:
        handle.write(plan_text)
    with open(os.path.join(submission_dir, 'neural_net.py'), 'wb') as handle:
        handle.write(source)
    if layer == 'uid-drop':
        uid, gid = user[1], group
        for root, dirs, names in os.walk(staged):
            for name in dirs + names:
                os.chown(os.path.join(root, name), uid, gid)
        os.chown(staged, uid, gid)
    return ([sys.executable, '-E', '-s', child_code, staged], [],
            child_environment(work))


def code_binds(child_code):
    """(outside, inside) read-only binds under bwrap of the child's code (copy_child_code)."""
    inside = isolation.INSIDE_ROOT
    return ((child_code, os.path.join(inside, 'start_child.py')),
            (os.path.join(os.path.dirname(child_code), 'child'), os.path.join(inside, 'child')))


def copy_child_code(scratch):
    """start_child.py to run: a copy of it and of the child package in scratch, byte-compiled.

    Made once per Sandbox (which keeps the path): the uid-drop layer's user can
    read it (the kit may live where that user cannot go, and it must not read
    the rest of the kit anyway), and the bytecode spares every child compiling
    the package again (the child writes no bytecode, and the kit's own folder
    may have none).
    """
    folder = tempfile.mkdtemp(prefix='code-', dir=scratch)
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
    return os.path.join(folder, os.path.basename(START_CHILD))


def tail(path):
    try:
        with open(path, 'rb') as handle:
            data = handle.read(OUTPUT_TAIL_BYTES + 1)
    except OSError:
        return ''
    text = data[:OUTPUT_TAIL_BYTES].decode('utf-8', errors='replace')
    return text + ('\n[... output cut ...]' if len(data) > OUTPUT_TAIL_BYTES else '')
