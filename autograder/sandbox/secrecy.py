"""What student code must never read of the grader: the private seed and any token.

Where student code shares the grader's process namespace (the uid-drop and
process layers), it can read ``/proc/PID/cmdline`` of every process and
``/proc/PID/environ`` of every process of its own user that is dumpable. So:

- the private seed travels in the environment variable ``TLN_SEED``, never on a
  command line: ``take_private_seed`` reads it and removes it from
  ``os.environ`` before any child starts (``grade``, ``classroom grade``; the
  nbgrader course's config does the same in the nbgrader process);
- ``make_undumpable`` makes the grader's process not dumpable
  (``prctl(PR_SET_DUMPABLE, 0)``): the kernel then hands its ``/proc`` files
  (``environ``, ``mem``, ``fd``...) to root, and no process of the same user
  may read them or attach to it, so a token such as ``GH_TOKEN`` in the
  environment the grader was started with stays out of reach; the flag is
  reset by ``execve``, so the sandbox children and the zygotes get their own;
- every sandbox child gets an environment built from an allow-list
  (staging.PASSTHROUGH_ENV and the child's own settings), never the grader's.
"""
import ctypes
import os
import sys

SEED_VARIABLE = 'TLN_SEED'
PR_SET_DUMPABLE = 4


def make_undumpable():
    """Make this process not dumpable (Linux); True when the kernel took it."""
    if not sys.platform.startswith('linux'):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def take_private_seed(variable=SEED_VARIABLE):
    """The whole number in $variable, removed from the environment; None when unset.

    Raises ValueError naming the variable when its value is not a whole number.
    """
    value = os.environ.pop(variable, '').strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError('%s must be a whole number (the private grader seed), not %r'
                         % (variable, value[:40])) from None
