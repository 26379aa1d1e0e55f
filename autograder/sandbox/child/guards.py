"""In-process guards for the sandbox child, installed before student code runs.

An audit hook (PEP 578, which Python code cannot remove) refuses:
- opening files for writing anywhere but the submission's own work folder;
- reading files under a denied folder (the kit's repository, the solutions,
  the gradebook, other students' folders) unless a longer allowed folder
  contains them (e.g. a virtual environment inside the repository);
- starting processes, opening network connections, calling into C through
  ctypes, sending signals, and renaming, deleting or changing files outside
  the work folder.

This is one layer of several: the grader also runs the child in its own
process group with resource limits (and as an unprivileged user when it is
root), stages a copy of the submission, and computes every expected value
itself.
"""
import os
import sys

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

BLOCKED_EVENTS = frozenset({
    'os.system', 'os.exec', 'os.spawn', 'os.posix_spawn', 'os.fork', 'os.forkpty',
    'subprocess.Popen', 'pty.spawn', 'os.kill', 'os.killpg', 'signal.pthread_kill',
    'socket.connect', 'socket.bind', 'socket.sendto', 'socket.sendmsg',
    'ctypes.dlopen', 'ctypes.dlsym', 'ctypes.call_function', 'ctypes.cdata',
    'ctypes.cdata/buffer', 'ctypes.addressof', 'ctypes.string_at', 'ctypes.wstring_at',
    'sys.remote_exec', 'os.setuid', 'os.setgid',
})

# Events whose first argument (or first two) is a path that may only lie in
# the work folder.
PATH_CHANGING_EVENTS = frozenset({
    'os.remove', 'os.rename', 'os.rmdir', 'os.mkdir', 'os.chmod', 'os.chown',
    'os.symlink', 'os.link', 'os.truncate', 'os.utime', 'shutil.rmtree',
    'shutil.move', 'shutil.copyfile', 'shutil.copytree', 'os.chflags', 'os.setxattr',
    'os.removexattr',
})


class SandboxViolation(PermissionError):
    """Student code tried something the sandbox does not allow."""


def _norm(path):
    return os.path.realpath(os.fsdecode(path))


def _inside(path, root):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def install(work_dir, allowed_read_roots, denied_roots):
    """Install the audit hook.

    Inputs:
    - work_dir: the only folder student code may write to.
    - allowed_read_roots: folders it may read (Python, site-packages, system
      folders, its own staged copy).
    - denied_roots: folders it may not read; where an allowed and a denied
      root both contain a path, the longer (more specific) one decides.
    """
    work_dir = _norm(work_dir)
    rules = sorted([(_norm(root), True) for root in allowed_read_roots] +
                   [(_norm(root), False) for root in denied_roots] +
                   [(work_dir, True)], key=lambda rule: len(rule[0]), reverse=True)

    def may_read(path):
        for root, allowed in rules:
            if _inside(path, root):
                return allowed
        return False

    def check_write(path, event):
        if path in ('/dev/null',):
            return
        if not _inside(path, work_dir):
            raise SandboxViolation('%s of %s is not allowed: student code may only write '
                                   'inside its own folder' % (event, path))

    def hook(event, args):
        if event == 'open':
            target = args[0]
            if target is None or isinstance(target, int):
                return
            path = _norm(target)
            mode = args[1] if len(args) > 1 and isinstance(args[1], str) else ''
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            if any(letter in mode for letter in 'wax+') or flags & _WRITE_FLAGS:
                check_write(path, 'opening for writing')
            elif not may_read(path):
                raise SandboxViolation('reading %s is not allowed from student code' % path)
        elif event == 'import' and args and args[0] in UNAUDITED_SPAWNERS:
            raise SandboxViolation('importing %s is not allowed in student code' % args[0])
        elif event in BLOCKED_EVENTS:
            raise SandboxViolation('%s is not allowed in student code' % event)
        elif event in PATH_CHANGING_EVENTS:
            for target in args[:2]:
                if isinstance(target, (str, bytes, os.PathLike)):
                    check_write(_norm(target), event)

    _close_process_backdoors()
    sys.addaudithook(hook)


# Modules that start processes without raising an audit event of their own.
UNAUDITED_SPAWNERS = ('_posixsubprocess',)


def _close_process_backdoors():
    """Disable process creation that bypasses the audit events above.

    subprocess is imported first (matplotlib and others import it, and that
    must keep working); its raw fork_exec is then replaced, and importing the
    C module afresh is refused by the hook (event 'import').
    """
    import subprocess  # noqa: F401 - loaded now so later imports need no new module

    def refuse(*args, **kwargs):
        raise SandboxViolation('starting processes is not allowed in student code')

    for name in UNAUDITED_SPAWNERS:
        module = sys.modules.get(name)
        if module is not None and hasattr(module, 'fork_exec'):
            module.fork_exec = refuse
    if hasattr(subprocess, '_fork_exec'):
        subprocess._fork_exec = refuse


def preload():
    """Load now what install() and default_read_roots() load on first use.

    Called by the warm start's zygote (zygote.py) before it forks any
    student's process, so that each fork finds them loaded instead of paying
    about 5 ms to import subprocess and read the interpreter's paths.
    """
    import subprocess  # noqa: F401 - _close_process_backdoors patches it
    import sysconfig
    sysconfig.get_paths()


def default_read_roots(staged_dir):
    """Folders student code may read: Python's own, site-packages, system."""
    import site
    import sysconfig
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, staged_dir,
             '/usr', '/lib', '/lib64', '/etc', '/dev', '/sys', '/proc/%d' % os.getpid(),
             '/proc/cpuinfo', '/proc/meminfo', '/proc/stat'}
    roots.update(sysconfig.get_paths().values())
    roots.update(getattr(site, 'getsitepackages', lambda: [])())
    return sorted(root for root in roots if root)
