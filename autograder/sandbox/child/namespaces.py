"""Linux namespace, mount, capability and seccomp calls for the warm start (zygote.py).

A thin ctypes layer over the C library, used inside the bubblewrap sandbox
only: each student's process gets namespaces of its own nested in the
sandbox's (user, mount, PID, network, IPC, UTS, cgroup), fresh tmpfs
mounts, no capabilities and the seccomp filter, as bubblewrap gives a
process it starts. Every call raises OSError (with the step's name) when
the kernel refuses it; nothing here is used on other systems.
"""
import ctypes
import errno
import functools
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
ALL_NAMESPACES = (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC
                  | CLONE_NEWUTS | CLONE_NEWCGROUP)

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000

PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
LINUX_CAPABILITY_VERSION_3 = 0x20080522
LAST_CAPABILITY = 63
# Files and folders a job's tmpfs may hold.
TMPFS_INODES = 4096



@functools.lru_cache(maxsize=None)
def _c():
    """The C library (loaded on first use: importing this module works anywhere)."""
    return ctypes.CDLL(None, use_errno=True)


def _check(result, step):
    if result != 0:
        code = ctypes.get_errno() or errno.EPERM
        raise OSError(code, '%s: %s' % (step, os.strerror(code)))


def enter_new_namespaces():
    """Move this (single-threaded) process into new namespaces of every kind.

    The user namespace maps the current uid and gid to themselves, so files
    look the same inside; mounts become private (nothing propagates back).
    The new PID namespace holds the next child this process forks, as its
    process 1.
    """
    uid, gid = os.getuid(), os.getgid()
    _check(_c().unshare(ALL_NAMESPACES), 'unshare')
    for name, text in (('setgroups', 'deny'), ('uid_map', '%d %d 1' % (uid, uid)),
                       ('gid_map', '%d %d 1' % (gid, gid))):
        with open('/proc/self/' + name, 'w') as handle:
            handle.write(text)
    _check(_c().mount(b'none', b'/', None, MS_REC | MS_PRIVATE, None), 'private mounts')


def mount_tmpfs(path, size_bytes, mode=0o700, read_only=False):
    """A fresh tmpfs at path (size-capped, TMPFS_INODES entries at most; no devices, no
    set-uid files). The size cap does not count inodes: without a cap of their own, empty
    files would take kernel memory (about 1 KB each) by the million."""
    flags = MS_NOSUID | MS_NODEV | (MS_RDONLY if read_only else 0)
    options = ('size=%d,nr_inodes=%d,mode=%04o' % (max(4096, int(size_bytes)), TMPFS_INODES,
                                                    mode)).encode('ascii')
    _check(_c().mount(b'tmpfs', path.encode(), b'tmpfs', flags, options), 'tmpfs ' + path)


def remount_read_only(path):
    """Make the mount at path read-only (it stays so: no capabilities remain to undo it)."""
    _check(_c().mount(b'none', path.encode(), None,
                       MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, None),
           'read-only ' + path)


class _CapHeader(ctypes.Structure):
    _fields_ = (('version', ctypes.c_uint32), ('pid', ctypes.c_int))


class _CapData(ctypes.Structure):
    _fields_ = (('effective', ctypes.c_uint32), ('permitted', ctypes.c_uint32),
                ('inheritable', ctypes.c_uint32))


def drop_capabilities():
    """Give up every capability (bounding, ambient, effective, permitted, inheritable)."""
    for capability in range(LAST_CAPABILITY + 1):
        if _c().prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 \
                and ctypes.get_errno() != errno.EINVAL:   # EINVAL: no such capability
            _check(-1, 'bounding set')
    _c().prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_c().capset(ctypes.byref(header), data), 'capset')


class _SockFprog(ctypes.Structure):
    _fields_ = (('len', ctypes.c_ushort), ('filter', ctypes.c_void_p))


def read_seccomp_program(path):
    """The compiled filter the grader left at path, or b'' where it left none (it has
    no seccomp binding; the namespaces still hold)."""
    if not os.path.exists(path):
        return b''
    with open(path, 'rb') as handle:
        return handle.read()


def load_seccomp(program):
    """Load a compiled seccomp program (struct sock_filter array, bytes) into this process.

    no_new_privs is set first, as an unprivileged filter requires; once
    loaded, neither can be undone by the process.
    """
    _check(_c().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 'no_new_privs')
    if not program:
        return
    if len(program) % 8:
        raise OSError(errno.EINVAL, 'seccomp: the program is not whole instructions')
    buffer = ctypes.create_string_buffer(bytes(program), len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    _check(_c().prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0),
           'seccomp')
