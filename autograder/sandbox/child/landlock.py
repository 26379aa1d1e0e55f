"""Landlock (Linux 5.13 and later): outside bubblewrap, the child writes in its work folder only.

Under the uid-drop and process layers the child shares the machine's file
system: file permissions stop it writing into the kit or another student's
staging folder, but not into the world-writable folders (/tmp, /var/tmp,
/dev/shm), where files outlive the batch and a tmpfs holds memory that no
limit of the child counts. The audit hook refuses those writes too, but it
runs in the student's interpreter and can be got round. Landlock is the
kernel's own: once the child restricts itself, neither it nor anything it
runs can create, write, truncate, remove or rename files anywhere but
beneath the work folder (and write to /dev/null). Reading stays as the
file permissions allow.

Landlock also keeps the child from reading the /proc files of any process
outside its own domain that need ptrace access (environ, mem, fd, cwd): under
uid-drop, the neighbours that run as the same user.

Unprivileged; where the kernel has no Landlock (older kernels, some
containers) the child goes on with its other layers, and the grader refuses
to run neighbours side by side as one user (users.UserSlots).

Test switch: TLN_TEST_LANDLOCK_OFF=1 makes the grader act as on a kernel
without Landlock (``available`` is False and no child is confined), so that
tests can show what the other layers hold alone. It is read only in a
process that pytest started (PYTEST_CURRENT_TEST set, as pytest sets it for
the test being run and the test passes it on), never in a plain grader run.
"""
import ctypes
import os
import sys

from .namespaces import PR_SET_NO_NEW_PRIVS

# System call numbers: the same on every architecture (Linux 5.13).
CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

WRITE_FILE = 1 << 1
# Removing and making entries of every kind (Landlock ABI 1).
CHANGE_ENTRIES = sum(1 << bit for bit in range(4, 13))
REFER = 1 << 13        # ABI 2: linking or renaming into another folder
TRUNCATE = 1 << 14     # ABI 3


class _RulesetAttr(ctypes.Structure):
    _fields_ = (('handled_access_fs', ctypes.c_uint64),)


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = (('allowed_access', ctypes.c_uint64), ('parent_fd', ctypes.c_int32))


TEST_SWITCH = 'TLN_TEST_LANDLOCK_OFF'


def switched_off_for_test():
    """True when a test stands for a kernel without Landlock (the module's test switch)."""
    return os.environ.get(TEST_SWITCH) == '1' and bool(os.environ.get('PYTEST_CURRENT_TEST'))


def available():
    """True when this kernel enforces Landlock (and no test has switched it off)."""
    if not sys.platform.startswith('linux') or switched_off_for_test():
        return False
    return _abi(ctypes.CDLL(None, use_errno=True)) >= 1


def _abi(libc):
    """The kernel's Landlock ABI version, or 0 without Landlock."""
    version = libc.syscall(CREATE_RULESET, None, ctypes.c_size_t(0),
                           ctypes.c_uint32(CREATE_RULESET_VERSION))
    return max(version, 0)


def confine_writes(work_dir):
    """Allow this process writes beneath work_dir only (and to /dev/null).

    Returns True when the kernel enforces it, False where Landlock is not
    available (not Linux, an older kernel, or turned off).
    """
    if not sys.platform.startswith('linux'):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    abi = _abi(libc)
    if abi < 1:
        return False
    handled = WRITE_FILE | CHANGE_ENTRIES | (REFER if abi >= 2 else 0) | (
        TRUNCATE if abi >= 3 else 0)
    attr = _RulesetAttr(handled)
    ruleset = libc.syscall(CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
                           ctypes.c_uint32(0))
    if ruleset < 0:
        return False
    try:
        for path, allowed in ((work_dir, handled), (os.devnull, WRITE_FILE)):
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = _PathBeneathAttr(allowed & handled, fd)
                if libc.syscall(ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule),
                                ctypes.c_uint32(0)) != 0:
                    return False
            finally:
                os.close(fd)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return libc.syscall(RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) == 0
    finally:
        os.close(ruleset)
