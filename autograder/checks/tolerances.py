"""Numeric comparisons the checks share."""
import numpy as np


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
    if not np.all(np.isfinite(actual)):
        return float('inf')
    return float(np.max(np.abs(actual - expected)
                        / np.maximum(1e-8, np.abs(actual) + np.abs(expected))))


def close(actual, expected, tolerance):
    """True when actual matches expected to the relative tolerance."""
    return relative_error(actual, expected) < tolerance


def finite(array):
    return bool(np.all(np.isfinite(array)))


def fmt_error(value):
    """Relative error for feedback, coarse enough to be stable run to run."""
    if not np.isfinite(value):
        return 'not finite'
    return '%.0e' % value
