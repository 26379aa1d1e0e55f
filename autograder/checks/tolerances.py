"""How close is close enough, and the bars a check must clear.

The relative-error tolerances of the comparisons, the toy training bar, the
accuracy thresholds with the val_accuracy run's fixed settings, and the
comparisons that apply them. Points are in catalog.py; every number that
decides a verdict is here (docs/grading.md gives the measurements behind
them).
"""
import numpy as np

# Relative-error tolerances.
VALUE_TOLERANCE = 1e-6      # scores, loss, trained histories
GRAD_TOLERANCE = 1e-7       # analytic gradients against the reference's
INIT_TOLERANCE = 1e-12      # seeded initial weights must match exactly
# A gradient wrong by less than this (but above GRAD_TOLERANCE) is off by
# rounding, as float32 arithmetic (eps 1.2e-7) gives, not by a formula.
FLOAT32_ERROR = 1e-4

# Training run of val_accuracy: fixed hyper-parameters, per dataset. The
# threshold leaves a clear margin below what the reference reaches, and above
# what mistakes that still learn reach (docs/grading.md). 'pool': images are
# summed over pool x pool blocks first (Fashion-MNIST 28x28 -> 14x14: a
# quarter of the training cost, and the same separation measured).
FIT_SETTINGS = {
    'fashion_mnist': {'num_training': 10000, 'threshold': 0.65, 'pool': 2,
                      'args': {'hidden_size': 50, 'num_classes': 10, 'learning_rate': 1e-3,
                               'learning_rate_decay': 0.95, 'reg': 0.25, 'num_iters': 300,
                               'batch_size': 200, 'seed': 0}},
    'cifar10': {'num_training': 10000, 'threshold': 0.24,
                'args': {'hidden_size': 50, 'num_classes': 10, 'learning_rate': 1e-4,
                         'learning_rate_decay': 0.95, 'reg': 0.25, 'num_iters': 1000,
                         'batch_size': 200, 'seed': 0}},
}
# The notebook's bar for the student's tuned best_net (nbgrader cell).
BEST_NET_THRESHOLDS = {'cifar10': 0.48, 'fashion_mnist': 0.85}
CHANCE_ACCURACY = 0.1



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
