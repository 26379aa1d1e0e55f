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

The names below are imported on first use (PEP 562): a command that needs only
``secrecy`` or ``Limits`` (every start of the command line, ``report``,
``--help``) does not load numpy through ``staging``.
"""
import importlib
import types

# name -> the module of this package that defines it, imported when the name is first used
_LAZY = types.MappingProxyType({
    'isolation': None, 'ChildRun': 'records', 'Limits': 'records', 'ProbeResult': 'records',
    'Aborted': 'session', 'Sandbox': 'session', 'ProbePack': 'staging'})
__all__ = ('isolation', 'Aborted', 'ChildRun', 'Limits', 'ProbePack', 'ProbeResult', 'Sandbox')


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError('module %r has no attribute %r' % (__name__, name))
    if _LAZY[name] is None:        # a submodule (`from . import` here would call back in)
        return importlib.import_module('.' + name, __name__)
    return getattr(importlib.import_module('.' + _LAZY[name], __name__), name)
