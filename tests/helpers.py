"""Plain helpers and constants the test modules share (fixtures live in conftest.py).

Test modules import from here (`from helpers import ...`); pytest puts tests/
on sys.path (pyproject.toml: pythonpath), so this works in every import mode.
"""
import functools
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from autograder import datasets
from autograder.paths import ASSIGNMENT_DIR, REPO_DIR, SOLUTIONS_DIR, STUDENT_FILE, load_mutants

REFERENCE = os.path.join(SOLUTIONS_DIR, STUDENT_FILE)
STUB = os.path.join(ASSIGNMENT_DIR, STUDENT_FILE)
HAVE_FASHION_MNIST = datasets.available('fashion_mnist')
# The kit's mutation catalog (solutions/mutants.py: outside the package, not in the wheel).
mutants = load_mutants()

needs_fashion_mnist = pytest.mark.skipif(
    not HAVE_FASHION_MNIST and not os.environ.get('CI'),
    reason='Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)')


def import_or_skip(name):
    """The optional module name (e.g. 'nbformat'); the test is skipped where it is missing.

    Under CI (CI set), which installs requirements.txt, a missing module is an
    error instead: a broken install must not pass as skipped tests, as with
    needs_fashion_mnist.
    """
    if os.environ.get('CI'):
        return importlib.import_module(name)
    return pytest.importorskip(name, reason='%s is not installed (pip install -r requirements.txt)'
                               % name)


# Code that switches the in-process guards off (they run in the student's own
# interpreter, so they can be rewritten): attacks start with it, so that what
# stops them is the kernel layer and the grader's own checks.
UNGUARD = (
    'import os as _os, sys as _sys\n'
    'for _name, _mod in list(_sys.modules.items()):\n'
    '    if _name.endswith("guards") and hasattr(_mod, "_norm"):\n'
    '        _mod._norm = lambda path: _os.getcwd()\n'
    '        _mod.BLOCKED_EVENTS = _mod.PATH_CHANGING_EVENTS = frozenset()\n')


def write_submission(folder, text, name=STUDENT_FILE):
    """Write text (str or bytes) as folder/name; returns the path."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    mode = 'wb' if isinstance(text, bytes) else 'w'
    with open(path, mode) as handle:
        handle.write(text)
    return path


def reference_text():
    with open(REFERENCE, encoding='utf-8') as handle:
        return handle.read()


CORPUS = os.path.join(REPO_DIR, 'tests', 'corpus')


def kit_files():
    """{name: bytes} of the files the kit is tested on: 'reference', 'stub', 'mutant_NAME'
    for every mutant of the catalog, 'corpus_NAME' for every tests/corpus/NAME.py."""
    files = {}
    for name, path in (('reference', REFERENCE), ('stub', STUB)):
        with open(path, 'rb') as handle:
            files[name] = handle.read()
    files.update(('mutant_' + mutant.name, mutants.apply(mutant).encode('utf-8'))
                 for mutant in mutants.MUTANTS)
    for name in sorted(os.listdir(CORPUS)):
        if name.endswith('.py'):
            with open(os.path.join(CORPUS, name), 'rb') as handle:
                files['corpus_' + name[:-3]] = handle.read()
    return files


def load_module(path, name):
    """Import the Python file at path as a fresh module called name (kit files only)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def public_seed(args):
    """args of a `grade` call, with --public-seed unless a --seed is given.

    The tests grade with the kit's public seed; `grade` refuses it unless told
    (real grading takes a private --seed).
    """
    args = list(args)
    if args and args[0] == 'grade' and '--seed' not in args and '--help' not in args:
        args.append('--public-seed')
    return args


def run_cli(*args, check=False, timeout=600, env=None):
    """Run `python -m autograder ARGS` from the repo root; returns CompletedProcess.

    A `grade` call without --seed gets --public-seed (public_seed)."""
    args = public_seed(args)
    result = subprocess.run([sys.executable, '-m', 'autograder', *args], cwd=REPO_DIR,
                            capture_output=True, text=True, timeout=timeout,
                            env=dict(os.environ, **(env or {})))
    if check and result.returncode != 0:
        raise AssertionError('exit %d\nstdout:\n%s\nstderr:\n%s'
                             % (result.returncode, result.stdout, result.stderr))
    return result


def clean_env(**extra):
    """The environment without anything that would import the development checkout or
    point an installed grader at it (TLN_KIT), plus extra."""
    env = {key: value for key, value in os.environ.items()
           if key not in ('PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV', 'PYTHONSTARTUP', 'TLN_KIT')}
    env.update(extra)
    return env


def bare_venv(folder):
    """A fresh venv in folder, without system site-packages and without pip: ensurepip
    (about 4.5 CPU-seconds a venv) would put there a pip the tests need not run from
    inside; they install with this interpreter's pip instead (pip_into). Returns its python."""
    folder = str(folder)
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', folder], check=True)
    with open(os.path.join(folder, 'pyvenv.cfg'), encoding='utf-8') as handle:
        assert 'include-system-site-packages = false' in handle.read()
    return os.path.join(folder, 'bin', 'python')


def pip_into(python, shims):
    """clean_env for commands whose `python -m pip` must install into the venv of python:
    `python` on PATH is this interpreter (a shim written in the folder shims) and
    PIP_PYTHON makes its pip (22.3 or later) install for python; pip runs in the venv's
    interpreter, as if installed there. An older pip would ignore PIP_PYTHON and install
    here: the venv then gets a pip of its own (ensurepip) and comes first on PATH."""
    from importlib.metadata import version
    if tuple(int(part) for part in re.findall(r'\d+', version('pip'))[:2]) < (22, 3):
        subprocess.run([python, '-m', 'ensurepip', '--default-pip'], check=True,
                       capture_output=True, env=clean_env())
        return clean_env(PATH=os.pathsep.join([os.path.dirname(python),
                                               os.environ.get('PATH', '')]))
    os.makedirs(str(shims), exist_ok=True)
    shim = os.path.join(str(shims), 'python')
    with open(shim, 'w', encoding='utf-8') as handle:
        handle.write('#!/bin/sh\nexec "%s" "$@"\n' % sys.executable)
    os.chmod(shim, 0o755)
    return clean_env(PATH=os.pathsep.join([str(shims), os.environ.get('PATH', '')]),
                     PIP_PYTHON=python)


def copy_reference(folder):
    os.makedirs(folder, exist_ok=True)
    shutil.copy(REFERENCE, os.path.join(folder, STUDENT_FILE))
    return os.path.join(folder, STUDENT_FILE)


# ------------------------------------------------ this test's own processes ---

# ------------------------------------- a class graded inside cgroups of its own ---

CGROUP_ROOT = '/sys/fs/cgroup'


def cgroups_missing(*controllers):
    """Why a test cannot grade inside new cgroup v1 groups of controllers here, or ''."""
    if getattr(os, 'geteuid', lambda: -1)() != 0:       # no geteuid on Windows
        return 'needs root to make cgroups'
    missing = [name for name in controllers if not os.path.isdir(os.path.join(CGROUP_ROOT, name))]
    if missing:
        return 'needs the cgroup v1 %s controller' % ' and '.join(missing)
    if (os.cpu_count() or 1) < 2:
        return 'needs two CPUs'
    return ''


SLOW_IMPORT = os.path.join(REPO_DIR, 'tests', 'corpus', 'matplotlib_import.py')


def neighbours_class(folder, attacker, neighbour=SLOW_IMPORT):
    """A class of three graded side by side: a_neighbour (a copy of the correct file
    neighbour, by default one with a slower import), b_attacker (the source attacker)
    and c_reference."""
    shutil.copy(neighbour, write_submission(os.path.join(folder, 'a_neighbour'), ''))
    write_submission(os.path.join(folder, 'b_attacker'), attacker)
    shutil.copy(REFERENCE, write_submission(os.path.join(folder, 'c_reference'), ''))
    return folder


# The environment a neighbour test's grader needs beside its own: the seed (4711).
GRADE_ENV = {'TLN_SEED': '4711'}


def grade_argv(klass, python=None):
    """The `grade` command the neighbour tests run (with GRADE_ENV): --jobs 2, 20 s, no
    dataset."""
    return [python or sys.executable, '-m', 'autograder', 'grade', str(klass), '--json',
            '--jobs', '2', '--dataset', 'none', '--timeout', '20', '--no-progress']


def assert_unhurt(done, names=('a_neighbour', 'c_reference')):
    """The grader of done ended well and gave each correct student in names full marks."""
    assert done.returncode == 0, 'the grader ended with %d: %s' % (done.returncode,
                                                                  done.stderr[-3000:])
    results = {result['submission']: result for result in json.loads(done.stdout)}
    for name in names:
        result = results[name]
        assert (result['score'], result['diagnoses']) == (15.0, []), (name, result['problem'])
    return results


def _remove_cgroup(group):
    for _ in range(100):       # the sandboxes die with the grader, a moment later
        try:
            os.rmdir(group)
            return
        except OSError:
            time.sleep(0.1)
    os.rmdir(group)


def grade_in_cgroups(klass, controllers, settings=None, env=None, python=None, readings=None,
                     argv=None):
    """Grade klass with --jobs 2 (seed 4711, 20 s timeout, no dataset), the grader in new
    cgroup v1 groups of controllers (e.g. ('cpu', 'memory')), removed afterwards.

    argv: another command to run there instead (klass and python are then unused).

    settings: {(controller, file): value} written before the grader starts
    (e.g. the memory limit). python: the interpreter to grade with (default this
    one; the uid-drop layer needs one its user can run). readings: a dict that
    receives {(controller, file): text} of every file named in it, read once the
    grader has ended, before the groups go. Returns the CompletedProcess.
    """
    name = 'tln-test-%d' % os.getpid()
    groups = [os.path.join(CGROUP_ROOT, controller, name) for controller in controllers]
    made = []
    try:
        for group in groups:
            os.mkdir(group)
            made.append(group)
        for (controller, file_name), value in (settings or {}).items():
            with open(os.path.join(CGROUP_ROOT, controller, name, file_name), 'w') as handle:
                handle.write(str(value))
        enter = ' && '.join('echo $$ > %s/cgroup.procs' % group for group in groups)
        return subprocess.run(
            ['sh', '-c', enter + ' && exec "$@"', 'sh'] + (argv or grade_argv(klass, python)),
            cwd=REPO_DIR, capture_output=True, text=True, timeout=300,
            env=dict(os.environ, PYTHONPATH=REPO_DIR, **GRADE_ENV, **(env or {})))
    finally:
        for controller, file_name in list(readings or {}):
            try:
                with open(os.path.join(CGROUP_ROOT, controller, name, file_name)) as handle:
                    readings[controller, file_name] = handle.read().strip()
            except OSError:
                pass
        for group in made:
            _remove_cgroup(group)

# ------------------------------------------------------ the uid-drop layer ---

SYSTEM_PYTHON = '/usr/bin/python3'


@functools.lru_cache(maxsize=None)       # skipif marks ask at import: one probe per process
def uid_drop_missing():
    """Why the uid-drop layer cannot be tested here, or ''.

    It needs root, the users tln-student-0 and tln-student-1 (as the Gradescope
    setup.sh and .ci/run create them: the tests grade with --jobs 2), and an
    interpreter those users can run with numpy and a seccomp binding: Debian's
    python3 with python3-numpy, python3-tqdm and python3-seccomp (.ci/run
    installs them).
    """
    if os.name != 'posix' or os.geteuid() != 0:
        return 'needs root'
    users = [user[0] for user in sandbox_users()]
    if users[:2] != ['tln-student-0', 'tln-student-1']:
        return 'no users tln-student-0 and tln-student-1 (.ci/run creates them)'
    probe = subprocess.run([SYSTEM_PYTHON, '-c', 'import numpy, tqdm, seccomp'],
                           capture_output=True, user='tln-student-0')
    if probe.returncode != 0:
        return '%s lacks numpy, tqdm or seccomp for tln-student-0' % SYSTEM_PYTHON
    return ''


def sandbox_users():
    from autograder.sandbox import isolation
    return isolation.sandbox_users()


def memory_missing(needed_mb):
    """Why a test cannot grade in a memory cgroup of needed_mb MB here (it keeps 4 GB
    more free for the host), or ''."""
    missing = cgroups_missing('cpu', 'memory')
    if missing:
        return missing
    available = 0
    with open('/proc/meminfo') as handle:
        for line in handle:
            if line.startswith('MemAvailable:'):
                available = int(line.split()[1]) // 1024
    if available < needed_mb + 4096:
        return 'needs %d MB of free memory' % (needed_mb + 4096)
    return ''


def grader_tmpdir(prefix='tln-test-'):
    """A fresh temporary folder for a grader run's TMPDIR; the caller removes it.

    The grader keeps its scratch folder (staged submissions, probe inputs) in
    TMPDIR, so with TMPDIR here every sandbox process of that run names this
    folder in its command line, its working folder or its environment, and
    own_processes can tell them from another checkout's graders. It is made
    in the system's temporary folder with mode 711, as the grader's own
    scratch folder is, so a uid-drop sandbox user can pass through it.
    """
    path = tempfile.mkdtemp(prefix=prefix)
    os.chmod(path, 0o711)
    return path


def _proc_text(pid, name):
    try:
        with open('/proc/%d/%s' % (pid, name), 'rb') as handle:
            return handle.read().replace(b'\0', b' ').decode('utf-8', 'replace').strip()
    except OSError:
        return ''


def _proc_table():
    """{pid: (ppid, command line, text naming its folders and environment)} of every process."""
    table = {}
    if os.path.isdir('/proc/self'):
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            pid = int(entry)
            stat = _proc_text(pid, 'stat')
            try:
                ppid = int(stat.rsplit(')', 1)[1].split()[1])
            except (IndexError, ValueError):
                continue
            try:
                cwd = os.readlink('/proc/%d/cwd' % pid)
            except OSError:
                cwd = ''
            table[pid] = (ppid, _proc_text(pid, 'cmdline'),
                          cwd + ' ' + _proc_text(pid, 'environ'))
        return table
    listing = subprocess.run(['ps', '-eo', 'pid=,ppid=,args='], capture_output=True,
                             text=True).stdout
    for line in listing.splitlines():
        fields = line.split(None, 2)
        if len(fields) == 3 and fields[0].isdigit() and fields[1].isdigit():
            table[int(fields[0])] = (int(fields[1]), fields[2], '')
    return table


def own_processes(roots, marker=''):
    """Command lines of the running processes of this test that contain marker.

    A process is this test's when one of the folders in roots (the test's own
    temporary paths: its class, its output, the grader's TMPDIR) appears in its
    command line, working folder or environment, or in those of one of its
    ancestors. Processes of other checkouts, or of other tests, never match,
    so a grader running elsewhere on the machine cannot fail the check.
    """
    roots = [str(root).rstrip(os.sep) for root in roots]
    assert roots and all(roots), 'own_processes needs the test\'s own folders'
    # A root names itself or what is inside it, never a sibling such as root + '1'.
    pattern = re.compile('|'.join(re.escape(root) + r'(?=[/\s]|$)' for root in roots))
    table = _proc_table()
    mine = {os.getpid()}

    def linked(pid):
        seen = set()
        while pid in table and pid not in seen and pid > 1:
            seen.add(pid)
            ppid, command, context = table[pid]
            if pattern.search(command) or pattern.search(context):
                return True
            pid = ppid
        return False

    return [table[pid][1] for pid in sorted(table)
            if pid not in mine and marker in table[pid][1] and table[pid][1] and linked(pid)]


# ------------------------------------------------ the Gradescope bundle installed ---

# The private seed of the Gradescope bundle that conftest's gradescope_bundle installs.
BUNDLE_SEED = 4711


def install_gradescope_bundle(bundle, **setup_env):
    """A simulated /autograder: the bundle zip unzipped alone into a fresh folder, its
    setup.sh run there (GRADESCOPE_ROOT; TLN_SYSTEM_SETUP=0 skips apt and useradd;
    setup_env adds e.g. TLN_PYTHON), run_autograder copied beside it. Returns the
    folder (the caller removes it). It is world-traversable, so that another uid meets
    only the bundle's own modes."""
    import zipfile
    root = tempfile.mkdtemp(prefix='tln-gradescope-')
    os.chmod(root, 0o755)
    source = os.path.join(root, 'source')
    os.mkdir(source)
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            archive.extract(info, source)
            mode = info.external_attr >> 16 & 0o777
            if mode and not info.is_dir():
                os.chmod(os.path.join(source, info.filename), mode)
    setup = subprocess.run(['bash', os.path.join(source, 'setup.sh')], cwd=root,
                           env=clean_env(GRADESCOPE_ROOT=root, TLN_SYSTEM_SETUP='0',
                                         **setup_env),
                           capture_output=True, text=True, timeout=1800)
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-2000:]
    shutil.copy(os.path.join(source, 'run_autograder'), os.path.join(root, 'run_autograder'))
    return root


def run_autograder_script(root, shell_echo, env):
    """Run the bundle's run_autograder script in the simulated /autograder root, with a
    stand-in for the venv's python that only prints shell_echo (a shell word such as
    "$TLN_ISOLATION"): what the script hands the grader. Returns the CompletedProcess."""
    from autograder.platforms import gradescope
    os.makedirs(os.path.join(str(root), 'source'), exist_ok=True)
    python = os.path.join(str(root), 'venv', 'bin', 'python')
    os.makedirs(os.path.dirname(python), exist_ok=True)
    with open(python, 'w') as handle:
        handle.write('#!/bin/sh\necho %s\n' % shell_echo)
    os.chmod(python, 0o755)
    script = os.path.join(str(root), 'run_autograder')
    with open(script, 'w') as handle:
        handle.write(gradescope.RUN_AUTOGRADER)
    return subprocess.run(['bash', script], env=dict(env, GRADESCOPE_ROOT=str(root)),
                          capture_output=True, text=True)
