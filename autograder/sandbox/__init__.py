"""The trust boundary: student code runs only in the sandbox child.

- ``runner``: the grader's side: staging, the child process, the channel.
- ``isolation``: the layers (bubblewrap namespaces, a separate user, a
  process group, portable) and which one this machine allows.
- ``service``: the reference loss the grader serves to train, sgd and predict.
- ``child/``: everything that runs in the student's process (and all the
  kernel layer lets it see of the grader).
"""
from . import isolation
from .runner import (Aborted, ChildRun, Limits, ProbePack, abort_all, isolation_layer,
                     required_layer, reset_abort, run_submission)

__all__ = ['isolation', 'Aborted', 'ChildRun', 'Limits', 'ProbePack', 'abort_all', 'isolation_layer',
           'required_layer', 'reset_abort', 'run_submission']
