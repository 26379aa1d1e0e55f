"""nbgrader's kernels inside bubblewrap, confined like a submission, with a kernel's needs.

nbgrader runs each notebook's kernel with the rights of the user who runs
autograde. ``SandboxedExecute`` (in place of nbgrader's ``Execute``) starts
every kernel under bubblewrap instead, deny by default. The kernel sees:

- the interpreter, the standard library and the packages student code may
  import (sandbox.isolation.IMPORTABLE) plus ipykernel and its
  dependencies, read-only, at their resolved paths (the interpreter is
  started by its resolved folder, so a venv reached through a link under
  /tmp still starts);
- of the kit, the one module the hidden test cells import
  (``autograder.platforms.nbgrader_cells``) and the modules it imports, file by
  file, read-only: no checkout, no ``.git``, no ``solutions/``, no course;
- the datasets the notebook loads (CIFAR10_DIR, FASHION_MNIST_DIR, the
  system Fashion-MNIST folder), read-only;
- a scratch tmpfs at /tmp (SCRATCH_MB, 256 MB by default) holding a copy of
  the notebook's folder (its regular files only, copied by bubblewrap from
  descriptors the grader opened without following links), the kernel's
  working folder and its $HOME and $TMPDIR;
- its channels' IPC sockets (jupyter_client's ``ipc`` transport) and a
  copy of its connection file, in the scratch (CHANNELS); nbgrader reaches
  the sockets through /proc/PID/root of the sandbox. The kernel has a
  network namespace of its own and reaches no server, and no folder on the
  grader's disk is writable to it.

Not $HOME, not the Jupyter runtime or data folders, not the course folder
(gradebook.db, source/, submitted/, autograded/). nbgrader keeps the
executed notebook in its own memory and writes it into autograded/, a
folder the kernel never had: a link, FIFO or file the kernel makes stays in
its scratch, which disappears with it; nothing is read back from it.

Limits (traits of SandboxedKernelManager, configurable in nbgrader_config.py
as ``c.SandboxedKernelManager.<name>``): ``memory_mb`` (2048; the address
space), ``scratch_mb`` (256; the tmpfs), ``file_size_mb`` (256); no new
process (seccomp: platforms/kernel_syscalls.py); the course's cell and
student time limits. Its own user (65534 inside, no capabilities), PID,
IPC, UTS, cgroup, mount and network namespaces, a new session and
``--die-with-parent``. Interrupts go as messages (``interrupt_mode =
'message'``), since a signal to bubblewrap does not reach the kernel.
Where bubblewrap cannot run, nbgrader's own Execute is used
(nbgrader_autograde.kernel_executor decides).
"""
import functools
import json
import os
import resource
import select
import shutil
import subprocess
import sys
import tempfile
from contextlib import closing

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute
from traitlets import Integer

from ..errors import SubmissionError
from ..paths import PACKAGE_DIR
from ..safe_files import open_regular_at, walk_path
from ..sandbox import isolation
from . import kernel_syscalls

HIDDEN_TEST_MODULE = 'autograder.platforms.nbgrader_cells'
KERNEL_DISTRIBUTIONS = isolation.IMPORTABLE + ('ipykernel',)
SCRATCH = '/tmp'
# The kernel's channels: its copy of the connection file and its IPC sockets, in the scratch.
CHANNELS = SCRATCH + '/.channels'
CONNECTION_FILE = CHANNELS + '/kernel.json'
# Folders of the datasets the notebook's data_utils reads (besides CIFAR10_DIR and
# FASHION_MNIST_DIR): the Debian package's Fashion-MNIST.
SYSTEM_DATASET_DIRS = ('/usr/share/datasets',)
DATASET_VARIABLES = ('CIFAR10_DIR', 'FASHION_MNIST_DIR')
MAX_COPIED_FILES = 200
# Descriptors a kernel may hold (ipykernel uses about 60; each socket's buffers are memory
# no address-space limit counts).
OPEN_FILES = 256
# Environment the kernel keeps (the rest of nbgrader's is dropped).
KEPT_VARIABLES = ('PATH', 'LANG', 'TERM', 'MPLBACKEND', 'PYTHONHASHSEED') + DATASET_VARIABLES
KEPT_PREFIXES = ('LC_', 'TLN_', 'JPY_', 'NBGRADER_', 'PYDEVD_', 'OMP_', 'OPENBLAS_', 'MKL_')
SECRET_VARIABLES = ('TLN_SEED',)
# One BLAS thread unless nbgrader's environment sets a count: the notebook's small matrix
# products gain nothing from more, and on a machine with few or busy cores numpy's default
# threads fight over them (the tuning cell ran over 4 times slower: a cell time limit would
# then cut off a correct student's tuning according to the machine's load).
THREAD_VARIABLES = ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS')


@functools.lru_cache(maxsize=None)
def hidden_test_files():
    """The kit's files the hidden test module imports (sources and their cached bytecode),
    found by importing it in a fresh interpreter: nothing else of the kit."""
    code = ('import importlib.util, json, sys; import %s\n'
            'files = [m.__file__ for m in list(sys.modules.values())\n'
            '         if m.__name__.split(".")[0] == "autograder" and getattr(m, "__file__", None)]\n'
            'files += [importlib.util.cache_from_source(f) for f in files]\n'
            'print(json.dumps(files))' % HIDDEN_TEST_MODULE)
    done = subprocess.run([sys.executable, '-I', '-c', 'import sys; sys.path.insert(0, %r)\n%s'
                           % (os.path.dirname(PACKAGE_DIR), code)],
                          capture_output=True, text=True, timeout=120, cwd=PACKAGE_DIR)
    if done.returncode != 0:
        raise RuntimeError('%s cannot be imported: %s' % (HIDDEN_TEST_MODULE,
                                                           done.stderr.strip()[-500:]))
    package = os.path.realpath(PACKAGE_DIR) + os.sep
    files = {os.path.realpath(path) for path in json.loads(done.stdout)}
    return tuple(sorted(path for path in files if path.startswith(package)
                        and os.path.isfile(path)))


def dataset_folders(environ):
    """Existing dataset folders the notebook may read, outermost only, by the paths the
    notebook uses (bound there: a link's path must exist inside as it does outside)."""
    candidates = [environ.get(name, '') for name in DATASET_VARIABLES] + list(SYSTEM_DATASET_DIRS)
    found = sorted({os.path.abspath(path) for path in candidates if path and os.path.isdir(path)})
    return [path for path in found if not any(path.startswith(other + os.sep) for other in found)]


def kernel_environment(environ, python_path):
    """The kernel's environment: nbgrader's, kept to what a notebook needs (no secrets),
    with its home, temporary and cache folders in the scratch and one BLAS thread unless
    nbgrader's environment sets the count (THREAD_VARIABLES)."""
    kept = {name: value for name, value in environ.items()
            if (name in KEPT_VARIABLES or name.startswith(KEPT_PREFIXES))
            and name not in SECRET_VARIABLES}
    kept.update(HOME=SCRATCH, TMPDIR=SCRATCH, IPYTHONDIR=SCRATCH + '/.ipython',
                MPLCONFIGDIR=SCRATCH + '/.matplotlib', PYTHONPATH=python_path,
                PYTHONDONTWRITEBYTECODE='1')
    for name in THREAD_VARIABLES:
        kept.setdefault(name, '1')
    return kept


def open_scratch_copy(folder, limit_bytes):
    """[(path relative to folder, fd or None for a folder)] of the notebook's folder.

    Regular files and folders only, walked and opened without following a link
    (safe_files: from its folder's descriptor, O_NOFOLLOW, then fstat: no FIFO
    or device is read, and a folder swapped for a link is not entered); at most
    MAX_COPIED_FILES files and limit_bytes in all. SubmissionError otherwise
    (the descriptors opened so far are closed).
    """
    entries, total = [], 0
    try:
        with closing(walk_path(folder, SubmissionError)) as walk:
            for entry in walk:
                relative = os.path.join(*entry.parts)
                if entry.is_folder:
                    entries.append((relative, None))
                    continue
                if not entry.is_file:
                    raise SubmissionError('%s is not a regular file or folder: the kernel '
                                          'gets regular files only' % relative)
                fd = open_regular_at(entry.folder_fd, entry.name, SubmissionError, relative)
                entries.append((relative, fd))
                total += os.fstat(fd).st_size
                if total > limit_bytes or sum(fd is not None for _, fd in entries) \
                        > MAX_COPIED_FILES:
                    raise SubmissionError(
                        'the notebook\'s folder holds more than the kernel\'s scratch takes '
                        '(%d MB, %d files)' % (limit_bytes // 2 ** 20, MAX_COPIED_FILES))
    except BaseException:
        close_all(fd for _, fd in entries)
        raise
    return entries


def close_all(fds):
    for fd in fds:
        if fd is not None:
            os.close(fd)


def _resolved(args):
    """bwrap mount arguments with every path resolved (a link's own path may not exist
    inside: /tmp is the scratch there)."""
    arity = {'--ro-bind': 2, '--ro-bind-try': 2, '--bind': 2, '--tmpfs': 1, '--symlink': 2}
    out, index = [], 0
    while index < len(args):
        flag = args[index]
        values = args[index + 1:index + 1 + arity[flag]]
        if flag != '--symlink':
            values = [os.path.realpath(value) for value in values]
        out += [flag] + values
        index += 1 + arity[flag]
    return out


def interpreter_path(command_path):
    """The interpreter's path with its folder resolved, its own name kept (a venv's python
    is a link to the base interpreter: resolving the name would leave the venv). A bare
    name is looked up on PATH."""
    command_path = shutil.which(command_path) or command_path
    return os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(command_path))),
                        os.path.basename(command_path))


def sandboxed_command(kernel_cmd, notebook_folder, copy, scratch_mb, connection, seccomp_fd=None,
                      info_fd=None, environ=None):
    """The bwrap argv that runs kernel_cmd confined (see the module docstring).

    copy: open_scratch_copy(notebook_folder, ...); connection: (the connection
    file's path in kernel_cmd, a descriptor to read it from), copied to
    CONNECTION_FILE; seccomp_fd: a descriptor holding the compiled kernel
    profile, or None; info_fd: where bubblewrap writes the sandbox's pid.
    The kernel works in SCRATCH/<the notebook folder's name>.
    """
    environ = os.environ if environ is None else environ
    work = os.path.join(SCRATCH, os.path.basename(os.path.normpath(notebook_folder)))
    argv = [isolation.bwrap_binary(), '--unshare-all', '--die-with-parent', '--new-session',
            '--uid', str(isolation.INSIDE_UID), '--gid', str(isolation.INSIDE_UID),
            '--cap-drop', 'ALL', '--hostname', 'sandbox',
            # The scratch first: the binds below may lie beneath it (a venv under /tmp).
            '--size', str(scratch_mb * 2 ** 20), '--perms', '0700', '--tmpfs', SCRATCH]
    argv += _resolved(isolation._system_binds() + isolation._python_binds(KERNEL_DISTRIBUTIONS))
    interpreter = interpreter_path(kernel_cmd[0])
    argv += ['--ro-bind', os.path.dirname(interpreter), os.path.dirname(interpreter)]
    argv += ['--dev', '/dev', '--proc', '/proc']
    for path in hidden_test_files():
        argv += ['--ro-bind', path, path]
    for path in dataset_folders(environ):
        argv += ['--ro-bind', path, path]
    argv += ['--dir', CHANNELS, '--file', str(connection[1]), CONNECTION_FILE, '--dir', work]
    for relative, fd in copy:
        target = os.path.join(work, relative)
        argv += ['--dir', target] if fd is None else ['--file', str(fd), target]
    # In its own PID namespace the kernel's parent is bubblewrap's init: pid 1 turns
    # ipykernel's parent poller off (jupyter_client sets nbgrader's pid after the
    # environment is built); --die-with-parent does that job.
    argv += ['--chdir', work, '--setenv', 'JPY_PARENT_PID', '1']
    if seccomp_fd is not None:
        argv += ['--seccomp', str(seccomp_fd)]
    if info_fd is not None:
        argv += ['--info-fd', str(info_fd)]
    read_only = ['/dev'] + [os.path.realpath(path) for path in isolation._site_dirs()] + ['/']
    for path in read_only:
        argv += ['--remount-ro', path]
    inside_cmd = [CONNECTION_FILE if arg == connection[0] else arg for arg in kernel_cmd[1:]]
    return argv + ['--', interpreter] + inside_cmd


def sandbox_pid(info_fd, timeout=60.0):
    """The pid (outside) of the sandbox's first process, from bubblewrap's --info-fd; None
    when bubblewrap stopped before writing it."""
    text = b''
    while b'}' not in text:
        ready, _, _ = select.select([info_fd], [], [], timeout)
        chunk = os.read(info_fd, 4096) if ready else b''
        if not chunk:
            return None
        text += chunk
    return int(json.loads(text.decode('ascii'))['child-pid'])


def _limit_resources(memory_mb, file_size_mb):
    """preexec_fn: the kernel's limits, inherited through bubblewrap."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2 ** 20,) * 2)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_mb * 2 ** 20,) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES,) * 2)
    return limit


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel under bubblewrap on a scratch copy of its folder, with IPC channels
    in a private folder; interrupts it by message."""

    memory_mb = Integer(2048, help='address-space limit of a notebook\'s kernel in MB (CIFAR-10\'s '
                                   'X_train in float64 alone is 1.2 GB)').tag(config=True)
    scratch_mb = Integer(256, help='size of the kernel\'s scratch tmpfs in MB (its copy of '
                                   'the notebook folder, $HOME, $TMPDIR)').tag(config=True)
    file_size_mb = Integer(256, help='largest file the kernel may write, in MB').tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # The grader's copy of the connection file (the kernel gets a copy of its own).
        self.private_folder = tempfile.mkdtemp(prefix='tln-kernel-')
        self.transport = 'ipc'
        self.connection_file = os.path.join(self.private_folder, 'kernel.json')
        self.ip = CHANNELS + '/kernel-ipc'

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        folder = kw.get('cwd') or os.getcwd()
        self.kernel_spec.interrupt_mode = 'message'
        self.ip = CHANNELS + '/kernel-ipc'
        copy = open_scratch_copy(folder, self.scratch_mb * 2 ** 20)
        fds = [fd for _, fd in copy if fd is not None]
        connection = os.open(self.connection_file, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        info_read, info_write = os.pipe()
        fds += [connection, info_write]
        program = kernel_syscalls.compiled_filter()
        if program is not None:
            seccomp_read, seccomp_write = os.pipe()
            os.write(seccomp_write, program)   # a few hundred bytes: fits the pipe buffer
            os.close(seccomp_write)
            fds.append(seccomp_read)
        else:
            self.log.warning('Kernel sandbox without its seccomp profile (pip install '
                             'pyseccomp): a kernel can start processes')
        try:
            argv = sandboxed_command(kernel_cmd, folder, copy, self.scratch_mb,
                                     (self.connection_file, connection),
                                     seccomp_read if program else None, info_write)
            python_path = os.path.dirname(os.path.realpath(PACKAGE_DIR))
            kw = dict(kw, cwd=self.private_folder, pass_fds=fds,
                      env=kernel_environment(kw.get('env') or os.environ, python_path),
                      preexec_fn=_limit_resources(self.memory_mb, self.file_size_mb))
            self.log.info('Kernel sandbox: %s', ' '.join(argv))
            launched = await super()._async_launch_kernel(argv, **kw)
        finally:
            close_all(fds)
        try:
            pid = sandbox_pid(info_read)
        finally:
            os.close(info_read)
        if pid is not None:
            # The kernel's sockets lie in its scratch; nbgrader reaches them through the
            # sandbox's root (same user: /proc/PID/root), no folder of its own shared.
            self.ip = '/proc/%d/root%s/kernel-ipc' % (pid, CHANNELS)
        return launched

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self.private_folder, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources


class SandboxedExecute(Execute):
    """nbgrader's Execute with every kernel in bubblewrap (SandboxedKernelManager)."""

    def __init__(self, *args, **kwargs):
        kwargs['kernel_manager_class'] = SandboxedKernelManager
        super().__init__(*args, **kwargs)
