"""Training speed of the reference against its BLAS bound (and PyTorch, if installed).

    python bench/training_speed.py [--iters 1000] [--repeats 3]

For each shape (hidden 50 and 200; input 3072 = CIFAR-10 and 784 =
Fashion-MNIST; batch 200, 10 classes, 10,000 training and 1,000 validation
rows of random data) it times, side by side in one run:
- reference: solutions/neural_net.py TwoLayerNet.train;
- BLAS bound: only the matrix products that training performs (five per
  iteration, plus the per-epoch predictions), on arrays of the same shapes;
- PyTorch (CPU), if importable: the same loop with torch tensors (float64).
It prints the best of --repeats for each and the ratios reference / bound and
reference / torch.
"""
import argparse
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'solutions'))

from neural_net import TwoLayerNet  # noqa: E402

NUM_TRAIN, NUM_VAL, BATCH, CLASSES = 10000, 1000, 200, 10


def best_of(repeats, function):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def reference_run(X, y, X_val, y_val, hidden, iters):
    def run():
        np.random.seed(0)
        net = TwoLayerNet(X.shape[1], hidden, CLASSES)
        net.train(X, y, X_val, y_val, learning_rate=1e-4, reg=0.25, num_iters=iters,
                  batch_size=BATCH)
    return run


def blas_bound_run(X, X_val, hidden, iters):
    """The matrix products of training alone (no gather, softmax, updates)."""
    D = X.shape[1]
    rng = np.random.default_rng(0)
    W1, W2 = rng.standard_normal((D, hidden)), rng.standard_normal((hidden, CLASSES))
    X_batch = X[:BATCH].copy()
    hidden_act = rng.standard_normal((BATCH, hidden))
    dscores = rng.standard_normal((BATCH, CLASSES))
    epoch = max(NUM_TRAIN // BATCH, 1)

    def run():
        for it in range(iters):
            X_batch.dot(W1)                 # forward, first layer
            hidden_act.dot(W2)              # forward, second layer
            hidden_act.T.dot(dscores)       # dW2
            dscores.dot(W2.T)               # dhidden
            X_batch.T.dot(hidden_act)       # dW1
            if it % epoch == 0:             # per-epoch accuracy: predict batch and val
                X_batch.dot(W1).dot(W2)
                X_val.dot(W1).dot(W2)
    return run


def torch_run(torch, X, y, X_val, y_val, hidden, iters):
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    Xv, yv = torch.from_numpy(X_val), torch.from_numpy(y_val)
    D = X.shape[1]
    epoch = max(NUM_TRAIN // BATCH, 1)

    def predict(W1, b1, W2, b2, data):
        return (torch.clamp(data @ W1 + b1, min=0) @ W2 + b2).argmax(dim=1)

    def run():
        generator = torch.Generator().manual_seed(0)
        W1 = 1e-4 * torch.randn(D, hidden, dtype=torch.float64, generator=generator)
        W2 = 1e-4 * torch.randn(hidden, CLASSES, dtype=torch.float64, generator=generator)
        b1 = torch.zeros(hidden, dtype=torch.float64)
        b2 = torch.zeros(CLASSES, dtype=torch.float64)
        lr, reg = 1e-4, 0.25
        for it in range(iters):
            index = torch.randint(NUM_TRAIN, (BATCH,), generator=generator)
            xb, ybatch = Xt[index], yt[index]
            h = torch.clamp(xb @ W1 + b1, min=0)
            scores = h @ W2 + b2
            probs = torch.softmax(scores, dim=1)
            probs[torch.arange(BATCH), ybatch] -= 1
            probs /= BATCH
            dW2 = h.T @ probs + 2 * reg * W2
            db2 = probs.sum(0)
            dh = probs @ W2.T
            dh[h <= 0] = 0
            dW1 = xb.T @ dh + 2 * reg * W1
            db1 = dh.sum(0)
            W1 -= lr * dW1
            b1 -= lr * db1
            W2 -= lr * dW2
            b2 -= lr * db2
            if it % epoch == 0:
                (predict(W1, b1, W2, b2, xb) == ybatch).double().mean()
                (predict(W1, b1, W2, b2, Xv) == yv).double().mean()
                lr *= 0.95
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--iters', type=int, default=1000)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()
    try:
        import torch
        torch.set_num_threads(os.cpu_count() or 1)
    except ImportError:
        torch = None
    print('Machine: %s, %d cores, Python %s, NumPy %s%s; OPENBLAS_CORETYPE=%s. Command: '
          'python bench/training_speed.py --iters %d --repeats %d\n' % (
              platform.machine(), os.cpu_count() or 1, platform.python_version(),
              np.__version__, ', PyTorch %s' % torch.__version__ if torch else ', no PyTorch',
              os.environ.get('OPENBLAS_CORETYPE', '(unset)'), args.iters, args.repeats))
    print('| D | H | reference s | BLAS bound s | reference / bound | PyTorch s | '
          'reference / PyTorch |')
    print('|---|---|---|---|---|---|---|')
    rng = np.random.default_rng(0)
    for D in (3072, 784):
        X = rng.standard_normal((NUM_TRAIN, D)) * 50
        y = rng.integers(0, CLASSES, NUM_TRAIN)
        X_val = rng.standard_normal((NUM_VAL, D)) * 50
        y_val = rng.integers(0, CLASSES, NUM_VAL)
        for hidden in (50, 200):
            ref = best_of(args.repeats, reference_run(X, y, X_val, y_val, hidden, args.iters))
            bound = best_of(args.repeats, blas_bound_run(X, X_val, hidden, args.iters))
            if torch is not None:
                tt = best_of(args.repeats, torch_run(torch, X, y, X_val, y_val, hidden,
                                                     args.iters))
                torch_cells = '%.2f | %.2f' % (tt, ref / tt)
            else:
                torch_cells = 'n/a | n/a'
            print('| %d | %d | %.2f | %.2f | %.2f | %s |' % (D, hidden, ref, bound, ref / bound,
                                                          torch_cells))


if __name__ == '__main__':
    main()
