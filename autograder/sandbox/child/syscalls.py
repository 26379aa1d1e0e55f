"""The seccomp filter of the sandbox child: no new processes or threads, no reaching out.

One definition serves every layer: under bubblewrap the grader compiles it
and hands the program in as a file (isolation.SECCOMP_FILE) that the child
loads; outside bubblewrap the child builds and loads it itself. Either way
it is loaded after the child's own watcher thread has started and before
any student code runs (a filter, once loaded, cannot be removed by the
process). It needs pyseccomp (libseccomp through ctypes) or Debian's
python3-seccomp; without either, the layers go on with their other defences.

Denied with EPERM: fork, vfork and every clone, threads included (clone3
answers ENOSYS so that the C library falls back to clone, which is
refused), ptrace and the calls that reach into other processes, namespace
and mount calls, BPF, perf, userfaultfd, keys, personality, priorities,
scheduling policy and CPU affinity, io_uring, anonymous files, SysV shared
memory and message queues, new sockets, inotify and fanotify (instances
count against a per-user limit that, under bubblewrap started by root, is
root's on the whole machine). Where the child builds the filter
itself (outside bubblewrap, where no PID namespace hides the students graded
beside it, all running as one user), signals may go to its own process only.

No threads: a student's threads that release the GIL (hashing, say) would
each be a runnable task, and where the scheduler shares a CPU per task
(a cpu cgroup: containers, systemd slices) a few hundred of them starve the
student graded beside it past its timeout. No affinity or policy change:
the grader places each job on a CPU (sandbox/cpus.py), and a student must
not move onto the neighbour's, or take a CPU with a real-time policy. No
io_uring: a ring with a polling thread (IORING_SETUP_SQPOLL) is a kernel
thread that spins for the student, on a CPU of its choice (SQ_AFF). No
memfd_create, shmget or msgget: their memory stays allocated while a
descriptor, segment or queue is kept, unmapped, so the address-space limit
(RLIMIT_AS) never sees it, and a student could hold the machine's memory a
chunk at a time. No sockets: a listening socket keeps every connection not
yet accepted, with what its client sent, on one descriptor (gigabytes no
limit counts); the child's channel is open before the filter.
"""
import errno
import os
import types

DENIED = ('fork', 'vfork', 'ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp',
          'pidfd_open', 'pidfd_send_signal', 'pidfd_getfd', 'setns', 'unshare', 'mount',
          'umount2', 'pivot_root', 'chroot', 'bpf', 'perf_event_open', 'userfaultfd', 'keyctl',
          'add_key', 'request_key', 'personality', 'setpriority', 'ioprio_set',
          'sched_setaffinity', 'sched_setscheduler', 'sched_setparam', 'sched_setattr',
          'clone', 'io_uring_setup', 'io_uring_enter', 'io_uring_register',
          'memfd_create', 'memfd_secret', 'shmget', 'msgget', 'socket', 'socketpair',
          'inotify_init', 'inotify_init1', 'fanotify_init')
# Calls that signal a process (first argument: its pid, or a thread group's).
SIGNALLING = ('kill', 'tgkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo')

# Calls Linux added since its numbering became one for all architectures (5.1):
# the same number everywhere, so a libseccomp too old to know a name still
# gets the rule by number.
UNIFIED_NUMBERS = types.MappingProxyType({
    'pidfd_send_signal': 424, 'io_uring_setup': 425, 'io_uring_enter': 426,
    'io_uring_register': 427, 'pidfd_open': 434, 'clone3': 435, 'pidfd_getfd': 438,
    'memfd_secret': 447})


def _add_rule(rules, action, name):
    """Add one rule; a name this libseccomp does not know goes by its unified number,
    or is left out (one unknown call must not cost the whole filter)."""
    try:
        rules.add_rule(action, name)
    except OSError:
        if name in UNIFIED_NUMBERS:
            rules.add_rule(action, UNIFIED_NUMBERS[name])


def build_filter(own_pid=None):
    """A SyscallFilter with the rules above (ImportError without a binding).

    own_pid: the process that loads the filter, when it builds it itself;
    its signals may then go to itself only (kill(0) and kill(-1) included:
    its process group or every process of its user would be the neighbours).
    pyseccomp (PyPI) and Debian's python3-seccomp (libseccomp's own binding)
    have the same interface; either will do.
    """
    try:
        import pyseccomp as seccomp
    except ImportError:
        import seccomp
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    try:    # a call of another ABI (x32, int 0x80) ends the process, not just its thread
        rules.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)
    except (AttributeError, OSError):   # an older libseccomp kills the thread
        pass
    denied = seccomp.ERRNO(errno.EPERM)
    for name in DENIED:
        _add_rule(rules, denied, name)
    _add_rule(rules, seccomp.ERRNO(errno.ENOSYS), 'clone3')
    if own_pid is not None:
        _add_rule(rules, denied, 'tkill')          # no pid to check; the C library uses tgkill
        for name in SIGNALLING:    # compared as 64 bits: a pid with bits above 32 is refused
            rules.add_rule(denied, name, seccomp.Arg(0, seccomp.LT, own_pid))
            rules.add_rule(denied, name, seccomp.Arg(0, seccomp.GT, own_pid))
    return rules


def install():
    """Load the filter into this process; False where it cannot be had."""
    try:
        build_filter(own_pid=os.getpid()).load()
    except Exception:   # no pyseccomp or libseccomp, or not Linux
        return False
    return True
