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

The names other stages use are re-exported here, each imported when first used
(PEP 562): ``probe_ids`` or ``diagnoses`` alone (the command line's options, the
class report) do not load numpy through ``catalog``; the hidden checks' modules
are not in a student copy.
"""
import importlib

# name -> the module of this package that defines it
_NAMES = {'CATALOG': 'catalog', 'CHECKS': 'catalog', 'DATA_CHECKS': 'catalog',
          'MARKERS_CHECK': 'catalog', 'Check': 'catalog', 'markers_check': 'catalog',
          'select': 'catalog', 'STAND_IN': 'evidence', 'Evidence': 'evidence',
          'StudentError': 'evidence', 'Verdict': 'evidence',
          'BEST_NET_THRESHOLDS': 'thresholds', 'FIT_SETTINGS': 'thresholds',
          'accuracy_verdict': 'hidden_judges'}


def __getattr__(name):
    if name not in _NAMES:
        raise AttributeError('module %r has no attribute %r' % (__name__, name))
    return getattr(importlib.import_module('.' + _NAMES[name], __name__), name)


__all__ = sorted(_NAMES)
