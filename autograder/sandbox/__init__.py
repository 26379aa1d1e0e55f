"""The trust boundary: student code runs only in the sandbox child.

- ``session``: the ``Sandbox``, one grader process's sandbox state (layer,
  scratch folder, warm pools, CPU slots, running children, abort flag);
  ``Sandbox.run`` grade-runs one submission.
- ``records``: ``Limits`` going in, ``ChildRun`` and ``ProbeResult`` coming out.
- ``staging``: the scratch folder, the probe pack, a child's plan and files.
- ``channel_session``: the grader's side of a child's channel.
- ``cold``: a fresh child process; ``warm``: a fork of a warm-start zygote
  (``zygotes``), its channel served by a worker (``serving``); ``pool``,
  ``cpus``, ``users``: what the warm start and the uid-drop layer share out.
- ``isolation``: the layers (bubblewrap namespaces, a separate user, a
  process group, portable) and which one this machine allows.
- ``service``: the reference loss the grader serves to train, sgd and predict.
- ``child/``: everything that runs in the student's process (and all the
  kernel layer lets it see of the grader).
"""
from . import isolation
from .records import ChildRun, Limits, ProbeResult
from .session import Aborted, Sandbox
from .staging import ProbePack

__all__ = ('isolation', 'Aborted', 'ChildRun', 'Limits', 'ProbePack', 'ProbeResult', 'Sandbox')
