"""How close is close enough, and the bars a check must clear.

The relative-error tolerances of the comparisons and the comparisons that
apply them; the accuracy thresholds and the val_accuracy run's fixed settings
are in thresholds.py (hidden checks: not in a student copy). Points are in
catalog.py; docs/grading.md gives the measurements behind the numbers.
"""
import math

import numpy as np

# Relative-error tolerances.
VALUE_TOLERANCE = 1e-6      # scores, loss, trained histories
GRAD_TOLERANCE = 1e-7       # analytic gradients against the reference's
INIT_TOLERANCE = 1e-12      # seeded initial weights must match exactly
# A gradient wrong by less than this (but above GRAD_TOLERANCE) is off by
# rounding, as float32 arithmetic (eps 1.2e-7) gives, not by a formula.
FLOAT32_ERROR = 1e-4




def relative_error(actual, expected):
    """Largest element-wise relative error, as in the notebook's rel_error.

    Both arrays must have the same shape; NaN or inf in actual gives inf.
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        return float('inf')
    if actual.size == 0:
        return 0.0
    # The arrays' own methods: the same reductions as np.all and np.max, without their
    # dispatch (the judges compare many small arrays per grade).
    if not np.isfinite(actual).all():
        return float('inf')
    return float((np.abs(actual - expected)
                  / np.maximum(1e-8, np.abs(actual) + np.abs(expected))).max())


def close(actual, expected, tolerance):
    """True when actual matches expected to the relative tolerance."""
    return relative_error(actual, expected) < tolerance


def close_numbers(actual, expected, tolerance):
    """close() of two Python floats, without the arrays: the same answer, as a float
    and a 0-d float64 array give the same results to -, abs, + and /."""
    if not math.isfinite(actual):
        return False
    # NaN compares false, as in close(); max() where np.maximum would give NaN has a NaN
    # numerator then (expected NaN), so the quotient is NaN either way.
    return abs(actual - expected) / max(1e-8, abs(actual) + abs(expected)) < tolerance


def finite(array):
    return bool(np.all(np.isfinite(array)))


def fmt_error(value):
    """Relative error for feedback, coarse enough to be stable run to run."""
    if not np.isfinite(value):
        return 'not finite'
    return '%.0e' % value
