"""Numeric gradients by centred differences, for checking a backward pass."""
import numpy as np


def eval_numerical_gradient(f, x, verbose=False, h=1e-5):
    """Numeric gradient of a scalar function at x.

    Inputs:
    - f: function taking one argument and returning a float; it must read
      x (the array is modified in place and restored for every entry).
    - x: float array of any shape, the point to evaluate the gradient at.
    - verbose: if True, print every entry's gradient.
    - h: step of the centred difference.

    Returns an array shaped like x, the gradient estimate
    (f(x + h e_i) - f(x - h e_i)) / (2h) for every entry i.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        index = it.multi_index
        original = x[index]
        x[index] = original + h
        f_plus = f(x)
        x[index] = original - h
        f_minus = f(x)
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * h)
        if verbose:
            print(index, grad[index])
        it.iternext()
    return grad


def rel_error(x, y):
    """Largest relative error between two arrays of the same shape."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))
