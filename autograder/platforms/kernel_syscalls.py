"""The seccomp profile of an nbgrader kernel: the sandbox child's, with a kernel's needs.

A Jupyter kernel is not the sandbox child: ipykernel runs threads (its
heartbeat, IOPub and control channels) and talks to nbgrader over ZeroMQ
sockets. So this profile starts from the child's list
(sandbox/child/syscalls.DENIED) and changes three rules:

- ``clone`` is allowed for a new thread only (CLONE_THREAD set) and never
  with a namespace flag; fork and vfork stay refused, and clone3 answers
  ENOSYS (the C library then falls back to clone, which these rules judge).
  No new process can start: a cell's ``os.fork()``, ``subprocess`` or
  ``!command`` fails with PermissionError.
- ``socket`` and ``socketpair`` are allowed for the families a kernel uses:
  AF_UNIX (its channels are IPC sockets, jupyter_client's ``ipc``
  transport), AF_INET and AF_INET6 (ipykernel's output pipe and debugger
  listen on 127.0.0.1) and AF_NETLINK (ZeroMQ lists the interfaces). The
  kernel's network namespace is its own, with a loopback interface and
  nothing else: these reach no other process. Every other family (raw
  packets, Bluetooth, ...) is refused. Sockets' buffers are kernel memory
  no address-space limit counts; the descriptor limit bounds them
  (nbgrader_kernel: RLIMIT_NOFILE).
- signals: the kernel has a PID namespace of its own, so the child's
  "only to itself" rule (for layers without one) is not needed.

Everything else of the child's list stays refused with EPERM: ptrace and
the calls that reach into other processes, namespace and mount calls, BPF,
perf, userfaultfd, keys, personality, priorities and CPU placement,
io_uring, memfd and SysV shared memory and message queues, inotify and
fanotify. A call of another ABI ends the process. ``execve`` stays allowed:
bubblewrap starts the interpreter with the filter already loaded, and a
kernel that replaces itself with another program gains nothing the kernel
did not have.
"""
import errno
import functools
import socket
import tempfile

from ..sandbox.child import syscalls

CLONE_THREAD = 0x00010000
NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000,
                   0x40000000)   # NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
# ZeroMQ's threads set their scheduling parameters (to the defaults) when they start.
ALLOWED_FROM_THE_CHILDS_LIST = ('clone', 'socket', 'socketpair', 'sched_setscheduler',
                                'sched_setparam')
SOCKET_FAMILIES = (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK)
LAST_FAMILY = 63   # AF_MAX is 46 in Linux 6.x; anything above LAST_FAMILY is refused too
DENIED = tuple(name for name in syscalls.DENIED if name not in ALLOWED_FROM_THE_CHILDS_LIST)


def build_filter():
    """The kernel's SyscallFilter (ImportError without a seccomp binding)."""
    try:
        import pyseccomp as seccomp
    except ImportError:
        import seccomp
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    try:
        rules.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)
    except (AttributeError, OSError):
        pass
    denied = seccomp.ERRNO(errno.EPERM)
    for name in DENIED:
        syscalls._add_rule(rules, denied, name)
    syscalls._add_rule(rules, seccomp.ERRNO(errno.ENOSYS), 'clone3')
    # clone: refused unless it makes a thread, and refused with any namespace flag.
    rules.add_rule(denied, 'clone', seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0))
    for flag in NAMESPACE_FLAGS:
        rules.add_rule(denied, 'clone', seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    for name in ('socket', 'socketpair'):
        for family in range(LAST_FAMILY + 1):
            if family not in SOCKET_FAMILIES:
                rules.add_rule(denied, name, seccomp.Arg(0, seccomp.EQ, family))
        rules.add_rule(denied, name, seccomp.Arg(0, seccomp.GT, LAST_FAMILY))
    return rules


@functools.lru_cache(maxsize=None)
def compiled_filter():
    """The profile as a BPF program for bubblewrap's --seccomp, or None without a seccomp
    binding (pyseccomp or python3-seccomp)."""
    try:
        rules = build_filter()
        with tempfile.TemporaryFile() as handle:
            rules.export_bpf(handle)
            handle.seek(0)
            return handle.read()
    except Exception:   # no binding or no libseccomp
        return None
