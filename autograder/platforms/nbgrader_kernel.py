"""nbgrader's kernels inside bubblewrap: a student's notebook sees only its own folder.

nbgrader runs each notebook's kernel with the rights of the user who runs
autograde. ``SandboxedExecute`` (in place of nbgrader's ``Execute``) starts
every kernel under bubblewrap instead:

- the file system read-only (``--ro-bind / /``), with the notebook's own
  folder writable (``autograded/<student>/<assignment>``: the notebook may
  write its files there);
- a private, empty ``/tmp`` (and ``$TMPDIR``): the grader's probe files stay
  out of sight; import paths that live there (a venv, the kit) are bound
  back read-only;
- the course folder (``gradebook.db``, ``source/``, ``submitted/``, other
  students), the kit's ``solutions/`` and nbgrader course replaced by empty
  tmpfs;
- its own PID, IPC and UTS namespaces, a new session and
  ``--die-with-parent``: it cannot signal nbgrader or outlive it.

The network namespace is shared: the kernel talks to nbgrader over TCP on
localhost. Interrupts go as messages (``interrupt_mode = 'message'``), since
a signal to bubblewrap does not reach the kernel in its own session.
Where bubblewrap cannot run, nbgrader's own Execute is used and autograde logs
a warning (nbgrader_autograde.autograde_preprocessors).
"""
import os
import sys
import tempfile

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute

from ..paths import COURSE_DIR, kit_path
from ..sandbox import isolation


def _existing(folders):
    """Real paths of the folders that exist, without repeats or '/', outermost first."""
    found = []
    for folder in folders:
        folder = os.path.realpath(folder)
        if os.path.isdir(folder) and folder not in found and folder != '/':
            found.append(folder)
    return sorted(found, key=len)


def private_tmp_folders():
    """The temporary folders a kernel gets as its own empty tmpfs (the grader's probe files
    live there)."""
    return _existing(['/tmp', tempfile.gettempdir()])


def python_folders():
    """What the kernel's Python needs that may live in a temporary folder: the interpreter's
    prefixes and every import path (a venv or the kit checked out under /tmp)."""
    paths = [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))]
    paths += [path for path in sys.path if path]
    paths += [path for path in os.environ.get('PYTHONPATH', '').split(os.pathsep) if path]
    private = private_tmp_folders()
    inside = [path for path in _existing(paths)
              if any(path == tmp or path.startswith(tmp + os.sep) for tmp in private)]
    # Only the outermost of nested paths is needed.
    return [path for path in inside
            if not any(path.startswith(other + os.sep) for other in inside)]


def hidden_folders(notebook_folder):
    """Folders a kernel must not see (each becomes an empty tmpfs), outermost first.

    The course root is three levels above the notebook's folder in nbgrader's layout
    (autograded/<student>/<assignment>).
    """
    course_root = os.path.join(notebook_folder, os.pardir, os.pardir, os.pardir)
    return _existing([course_root, kit_path('solutions'), COURSE_DIR])


def sandboxed_command(kernel_cmd, notebook_folder):
    """The kernel's command line wrapped in bubblewrap (see the module docstring)."""
    notebook_folder = os.path.realpath(notebook_folder)
    argv = [isolation.bwrap_binary(), '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc',
            '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent',
            '--new-session',
            # In its own PID namespace the kernel's parent is bubblewrap's init (pid 1), and
            # ipykernel would take nbgrader (JPY_PARENT_PID) for gone: pid 1 turns its parent
            # poller off; --die-with-parent does that job instead.
            '--setenv', 'JPY_PARENT_PID', '1',
            # The home folder is read-only: IPython's and matplotlib's caches go to the tmpfs.
            '--setenv', 'IPYTHONDIR', '/tmp/ipython', '--setenv', 'MPLCONFIGDIR', '/tmp/matplotlib']
    # Mounts apply in order, later over earlier: private /tmp, then what Python needs back
    # (read-only), then the course and the kit's solutions hidden again, then the notebook.
    for folder in private_tmp_folders():
        argv += ['--tmpfs', folder]
    for folder in python_folders():
        argv += ['--ro-bind', folder, folder]
    for folder in hidden_folders(notebook_folder):
        argv += ['--tmpfs', folder]
    # The connection file (often in the temporary folder) stays readable; that file only.
    connection = next((arg for arg in kernel_cmd if arg.endswith('.json')), None)
    if connection:
        connection = os.path.realpath(connection)
        argv += ['--ro-bind', connection, connection]
    argv += ['--bind', notebook_folder, notebook_folder, '--chdir', notebook_folder, '--']
    return argv + list(kernel_cmd)


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel under bubblewrap; interrupts it by message."""

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        folder = kw.get('cwd') or os.getcwd()
        self.kernel_spec.interrupt_mode = 'message'
        argv = sandboxed_command(kernel_cmd, folder)
        self.log.info('Kernel sandbox: %s', ' '.join(argv))
        return await super()._async_launch_kernel(argv, **kw)


class SandboxedExecute(Execute):
    """nbgrader's Execute with every kernel in bubblewrap (SandboxedKernelManager)."""

    def __init__(self, *args, **kwargs):
        kwargs['kernel_manager_class'] = SandboxedKernelManager
        super().__init__(*args, **kwargs)
