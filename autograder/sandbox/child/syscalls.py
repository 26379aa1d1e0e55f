"""The seccomp filter of the sandbox child: no new processes, no reaching out.

One definition serves two layers: the grader compiles it for bubblewrap
(``--seccomp``), and outside bubblewrap the child loads it itself before any
student code runs (a filter, once loaded, cannot be removed by the process).
It needs pyseccomp (libseccomp through ctypes) or Debian's python3-seccomp;
without either, both layers go on with their other defences.

Denied with EPERM: fork, vfork and clone without CLONE_THREAD (threads
stay possible; clone3 answers ENOSYS so that the C library falls back to
clone), ptrace and the calls that reach into other processes, namespace and
mount calls, BPF, perf, userfaultfd, keys, personality, priorities.
"""
import errno

CLONE_THREAD = 0x00010000
DENIED = ('fork', 'vfork', 'ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp',
          'pidfd_open', 'pidfd_send_signal', 'pidfd_getfd', 'setns', 'unshare', 'mount',
          'umount2', 'pivot_root', 'chroot', 'bpf', 'perf_event_open', 'userfaultfd', 'keyctl',
          'add_key', 'request_key', 'personality', 'setpriority', 'ioprio_set')


def build_filter():
    """A SyscallFilter with the rules above (ImportError without a binding).

    pyseccomp (PyPI) and Debian's python3-seccomp (libseccomp's own binding)
    have the same interface; either will do.
    """
    try:
        import pyseccomp as seccomp
    except ImportError:
        import seccomp
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    denied = seccomp.ERRNO(errno.EPERM)
    for name in DENIED:
        rules.add_rule(denied, name)
    rules.add_rule(denied, 'clone', seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0))
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), 'clone3')
    return rules


def install():
    """Load the filter into this process; False where it cannot be had."""
    try:
        build_filter().load()
    except Exception:   # no pyseccomp or libseccomp, or not Linux
        return False
    return True
