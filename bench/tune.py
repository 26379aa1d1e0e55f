"""Random hyper-parameter search for the reference TwoLayerNet, in the notebook's spirit.

    python bench/tune.py --dataset fashion_mnist --budget 600
    python bench/tune.py --dataset cifar10 --budget 1500

Samples hidden size, learning rate, regularisation and iterations at random
until the time budget (seconds) is spent, with a progress bar; then reports
the best configuration's validation and test accuracy (full test set), writes
a Markdown results table and a plot of validation accuracy against learning
rate and regularisation to docs/ (or --out-dir).
"""
import argparse
import math
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, 'solutions'))

import data_utils  # noqa: E402
from neural_net import TwoLayerNet  # noqa: E402

SEARCH = {
    'hidden_size': (100, 200, 300, 500),
    'learning_rate': (3e-4, 3e-3),      # log-uniform
    'reg': (1e-4, 0.3),                 # log-uniform
    'num_iters': (2000, 4000, 8000),
}
CIFAR_LEARNING_RATE_SCALE = 0.5         # raw mean-centred CIFAR pixels need smaller steps


def sample(rng, dataset):
    def log_uniform(low, high):
        return float(math.exp(rng.uniform(math.log(low), math.log(high))))
    config = {'hidden_size': int(rng.choice(SEARCH['hidden_size'])),
              'learning_rate': log_uniform(*SEARCH['learning_rate']),
              'reg': log_uniform(*SEARCH['reg']),
              'num_iters': int(rng.choice(SEARCH['num_iters']))}
    if dataset == 'cifar10':
        config['learning_rate'] *= CIFAR_LEARNING_RATE_SCALE
    return config


def train(data, config, seed):
    np.random.seed(seed)
    net = TwoLayerNet(data['X_train'].shape[1], config['hidden_size'], 10)
    net.train(data['X_train'], data['y_train'], data['X_val'], data['y_val'],
              learning_rate=config['learning_rate'], learning_rate_decay=0.95,
              reg=config['reg'], num_iters=config['num_iters'], batch_size=200)
    return net


def accuracy(net, X, y):
    return float(np.mean(net.predict(X) == y))


def write_report(path, dataset, rows, best, test_acc, budget, seconds):
    lines = ['# Tuning the reference on %s' % dataset, '',
             'Command: `python bench/tune.py --dataset %s --budget %d`; machine: %s, %d cores, '
             'Python %s, NumPy %s; %.0f s, %d runs.' % (
                 dataset, budget, platform.machine(), os.cpu_count() or 1,
                 platform.python_version(), np.__version__, seconds, len(rows)), '',
             '**Best:** hidden %d, learning rate %.2e, reg %.2e, %d iterations: validation '
             '%.3f, test %.4f (all %d test images).' % (
                 best['hidden_size'], best['learning_rate'], best['reg'], best['num_iters'],
                 best['val_acc'], test_acc, best['test_size']), '',
             '| hidden | learning rate | reg | iterations | val acc | seconds |',
             '|---|---|---|---|---|---|']
    for row in sorted(rows, key=lambda r: -r['val_acc']):
        lines.append('| %d | %.2e | %.2e | %d | %.3f | %.1f |' % (
            row['hidden_size'], row['learning_rate'], row['reg'], row['num_iters'],
            row['val_acc'], row['seconds']))
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(lines) + '\n')


def write_plot(path, dataset, rows):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    lr = [r['learning_rate'] for r in rows]
    reg = [r['reg'] for r in rows]
    acc = [r['val_acc'] for r in rows]
    figure, axis = plt.subplots(figsize=(7, 5))
    points = axis.scatter(lr, reg, c=acc, s=[r['hidden_size'] / 3 for r in rows], cmap='viridis')
    axis.set_xscale('log')
    axis.set_yscale('log')
    axis.set_xlabel('learning rate')
    axis.set_ylabel('regularisation strength')
    axis.set_title('%s: validation accuracy (marker size = hidden units)' % dataset)
    figure.colorbar(points, label='validation accuracy')
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--dataset', choices=data_utils.DATASETS, default='fashion_mnist')
    parser.add_argument('--budget', type=float, default=600, help='seconds of search')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out-dir', default=os.path.join(REPO, 'docs'))
    args = parser.parse_args()
    from tqdm import tqdm

    data = data_utils.get_data(args.dataset)
    full_test = data_utils.get_data(args.dataset, num_test=10000)
    rng = np.random.default_rng(args.seed)
    rows = []
    best_net, best = None, None
    started = time.monotonic()
    with tqdm(total=int(args.budget), unit='s', desc='tuning %s' % args.dataset) as bar:
        while time.monotonic() - started < args.budget:
            config = sample(rng, args.dataset)
            run_start = time.monotonic()
            net = train(data, config, seed=len(rows))
            row = dict(config, val_acc=accuracy(net, data['X_val'], data['y_val']),
                       seconds=time.monotonic() - run_start)
            rows.append(row)
            if best is None or row['val_acc'] > best['val_acc']:
                best_net, best = net, row
            bar.set_postfix(best='%.3f' % best['val_acc'], runs=len(rows))
            bar.update(min(int(args.budget), int(time.monotonic() - started)) - bar.n)
    test_acc = accuracy(best_net, full_test['X_test'], full_test['y_test'])
    best['test_size'] = full_test['X_test'].shape[0]
    seconds = time.monotonic() - started
    os.makedirs(args.out_dir, exist_ok=True)
    report = os.path.join(args.out_dir, 'tuning-%s.md' % args.dataset)
    plot = os.path.join(args.out_dir, 'tuning-%s.png' % args.dataset)
    write_report(report, args.dataset, rows, best, test_acc, args.budget, seconds)
    write_plot(plot, args.dataset, rows)
    print('best: %s -> val %.3f, test %.4f; wrote %s and %s'
          % ({k: best[k] for k in ('hidden_size', 'learning_rate', 'reg', 'num_iters')},
             best['val_acc'], test_acc, report, plot))


if __name__ == '__main__':
    main()
