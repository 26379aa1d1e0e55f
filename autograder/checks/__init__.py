"""What is checked and how it is judged (see docs/architecture.md).

Re-exports the catalog's public names, which every grading path uses.
"""
from .judges import (BEST_NET_THRESHOLDS, CATALOG, CHECKS, DATA_CHECKS, FIT_SETTINGS,
                     MARKERS_CHECK, Check, Evidence, StudentError, Verdict, accuracy_verdict,
                     markers_check, select)

__all__ = ['BEST_NET_THRESHOLDS', 'CATALOG', 'CHECKS', 'DATA_CHECKS', 'FIT_SETTINGS',
           'MARKERS_CHECK', 'Check', 'Evidence', 'StudentError', 'Verdict', 'accuracy_verdict',
           'markers_check', 'select']
