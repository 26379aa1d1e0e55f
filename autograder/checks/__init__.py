"""What is checked and how it is judged (docs/architecture.md).

- ``catalog``: the checks, their points, visibility, probes and judge.
- ``probe_inputs``: the inputs the grader chooses for every probe (seeded).
- ``evidence``: what a judge reads (Evidence) and returns (Verdict).
- ``judges``: one judge per check, with the feedback it writes.
- ``tolerances``: tolerances, thresholds and the comparisons that use them.
- ``diagnoses``: ids of the mistakes the judges recognise.
- ``markers``: the START/END lines of the student's code regions.

The names other stages use are re-exported here.
"""
from .catalog import (CATALOG, CHECKS, DATA_CHECKS, MARKERS_CHECK, Check, markers_check,
                      select)
from .evidence import Evidence, StudentError, Verdict
from .judges import accuracy_verdict
from .tolerances import BEST_NET_THRESHOLDS, FIT_SETTINGS

__all__ = ['BEST_NET_THRESHOLDS', 'CATALOG', 'CHECKS', 'DATA_CHECKS', 'FIT_SETTINGS',
           'MARKERS_CHECK', 'Check', 'Evidence', 'StudentError', 'Verdict', 'accuracy_verdict',
           'markers_check', 'select']
