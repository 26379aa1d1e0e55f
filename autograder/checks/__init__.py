"""What is checked and how it is judged (docs/architecture.md).

- ``catalog``: the checks, their points, visibility, probes and judge.
- ``probe_inputs``: the inputs the grader chooses for every probe (seeded).
- ``evidence``: what a judge reads (Evidence) and returns (Verdict).
- ``probe_ids``: the probe ids and suffixes the checks share, the public seed.
- ``judges``: one judge per visible check, with the feedback it writes;
  ``hidden_judges``: the hidden checks' (not in a student copy).
- ``tolerances``: tolerances and the comparisons that use them; ``thresholds``: the
  accuracy checks' settings and bars (not in a student copy).
- ``stand_in_loss``: the loss a copy without the reference serves to train and predict.
- ``diagnoses``: ids of the mistakes the judges recognise.
- ``markers``: the START/END lines of the student's code regions.

The names other stages use are re-exported here.
"""
from .catalog import (CATALOG, CHECKS, DATA_CHECKS, MARKERS_CHECK, Check, markers_check,
                      select)
from .evidence import STAND_IN, Evidence, StudentError, Verdict

# Names of the hidden checks' modules (not in a student copy), imported when first used.
_HIDDEN = {'BEST_NET_THRESHOLDS': 'thresholds', 'FIT_SETTINGS': 'thresholds',
           'accuracy_verdict': 'hidden_judges'}


def __getattr__(name):
    if name in _HIDDEN:
        import importlib
        return getattr(importlib.import_module('.' + _HIDDEN[name], __name__), name)
    raise AttributeError('module %r has no attribute %r' % (__name__, name))


__all__ = ['BEST_NET_THRESHOLDS', 'CATALOG', 'CHECKS', 'DATA_CHECKS', 'FIT_SETTINGS',
           'MARKERS_CHECK', 'STAND_IN', 'Check', 'Evidence', 'StudentError', 'Verdict',
           'accuracy_verdict', 'markers_check', 'select']
