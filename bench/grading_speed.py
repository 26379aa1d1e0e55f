"""Grading speed: the CLI grader against nbgrader autograde on the same class.

    python bench/grading_speed.py --sizes 10 50 --nbgrader-size 10 [--jobs 2]

Builds synthetic classes of N students from the reference and the mutation
catalog (cycling through them), then measures side by side in one run:
- the CLI grader, correctness checks only (--dataset none) and the full grade
  (--dataset fashion_mnist), over N = each of --sizes;
- nbgrader autograde of the same students (their neural_net.py in the released
  notebook folder, quick mode), over N = --nbgrader-size;
and prints seconds per submission and the ratios. Results are printed as a
Markdown table (docs/benchmarks.md quotes a run).
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)

from autograder.paths import COURSE_DIR, SOLUTIONS_DIR, load_mutants  # noqa: E402

NBGRADER_ENV = {'TLN_DATASET': 'fashion_mnist', 'TLN_QUICK': '1', 'TLN_CELL_TIMEOUT': '60',
                'TLN_CHECK_TIMEOUT': '30'}


def student_sources(count):
    """count source texts: the reference, then the mutants, cycling."""
    mutants = load_mutants()
    with open(os.path.join(SOLUTIONS_DIR, 'neural_net.py'), encoding='utf-8') as handle:
        pool = [handle.read()] + [mutants.apply(m) for m in mutants.MUTANTS]
    return [pool[i % len(pool)] for i in range(count)]


def build_class(folder, count):
    for index, text in enumerate(student_sources(count)):
        os.makedirs(os.path.join(folder, 'student%03d' % index))
        with open(os.path.join(folder, 'student%03d' % index, 'neural_net.py'), 'w') as out:
            out.write(text)


def time_cli(folder, dataset, jobs):
    command = [sys.executable, '-m', 'autograder', 'grade', folder, '--json', '--jobs',
               str(jobs), '--dataset', dataset, '--no-progress', '--seed', '4711']
    start = time.monotonic()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)
    seconds = time.monotonic() - start
    return seconds, json.loads(result.stdout)


def time_nbgrader(scratch, count):
    course = os.path.join(scratch, 'course')
    shutil.copytree(COURSE_DIR, course)
    env = dict(os.environ, **NBGRADER_ENV)
    subprocess.run([sys.executable, '-m', 'nbgrader', 'generate_assignment', 'two_layer_net',
                    '--force'], cwd=course,
                   env=env, check=True, capture_output=True)
    release = os.path.join(course, 'release', 'two_layer_net')
    for index, text in enumerate(student_sources(count)):
        target = os.path.join(course, 'submitted', 'student%03d' % index, 'two_layer_net')
        shutil.copytree(release, target)
        with open(os.path.join(target, 'neural_net.py'), 'w') as out:
            out.write(text)
    start = time.monotonic()
    subprocess.run([sys.executable, '-m', 'nbgrader', 'autograde', 'two_layer_net', '--force'],
                   cwd=course, env=env,
                   check=True, capture_output=True)
    return time.monotonic() - start


# Otter-Grader tests (OK format) doing the notebook's visible checks.
OTTER_TESTS = {
    'scores': r"""
>>> import numpy as np
>>> np.random.seed(1); X = 10 * np.random.randn(5, 4); y = np.array([0, 1, 2, 2, 1])
>>> np.random.seed(0); net = TwoLayerNet(4, 10, 3, std=1e-1)
>>> correct = np.asarray([[-0.81233741, -1.27654624, -0.70335995], [-0.17129677, -1.18803311, -0.47310444], [-0.51590475, -1.01354314, -0.8504215], [-0.15419291, -0.48629638, -0.52901952], [-0.00618733, -0.12435261, -0.15226949]])
>>> bool(np.sum(np.abs(net.loss(X) - correct)) < 1e-7)
True
""",
    'loss': r"""
>>> import numpy as np
>>> np.random.seed(1); X = 10 * np.random.randn(5, 4); y = np.array([0, 1, 2, 2, 1])
>>> np.random.seed(0); net = TwoLayerNet(4, 10, 3, std=1e-1)
>>> bool(abs(net.loss(X, y, reg=0.05)[0] - 1.30378789133) < 1e-10)
True
""",
    'grads': r"""
>>> import numpy as np
>>> np.random.seed(1); X = 10 * np.random.randn(5, 4); y = np.array([0, 1, 2, 2, 1])
>>> np.random.seed(0); net = TwoLayerNet(4, 10, 3, std=1e-1)
>>> _, grads = net.loss(X, y, reg=0.05)
>>> def numeric(name, h=1e-5):
...     p = net.params[name]; g = np.zeros_like(p)
...     for i in np.ndindex(p.shape):
...         old = p[i]; p[i] = old + h; a = net.loss(X, y, reg=0.05)[0]
...         p[i] = old - h; b = net.loss(X, y, reg=0.05)[0]; p[i] = old; g[i] = (a - b) / (2 * h)
...     return g
>>> all(np.max(np.abs(numeric(k) - grads[k]) / np.maximum(1e-8, np.abs(numeric(k)) + np.abs(grads[k]))) < 1e-8 for k in grads)
True
""",
    'train': r"""
>>> import numpy as np
>>> np.random.seed(1); X = 10 * np.random.randn(5, 4); y = np.array([0, 1, 2, 2, 1])
>>> np.random.seed(0); net = TwoLayerNet(4, 10, 3, std=1e-1)
>>> bool(net.train(X, y, X, y, learning_rate=1e-1, reg=5e-6, num_iters=100)['loss_history'][-1] < 0.02)
True
""",
}


def time_otter(otter, scratch, count):
    """Seconds for `otter run` on count submissions, one after the other."""
    folder = os.path.join(scratch, 'otter')
    os.makedirs(os.path.join(folder, 'tests'))
    for name, code in OTTER_TESTS.items():
        with open(os.path.join(folder, 'tests', name + '.py'), 'w') as out:
            out.write('OK_FORMAT = True\n\ntest = %r\n' % {
                'name': name, 'points': 1, 'suites': [{
                    'cases': [{'code': code, 'hidden': False, 'locked': False}],
                    'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]})
    with open(os.path.join(folder, 'requirements.txt'), 'w') as out:
        out.write('numpy\n')
    subprocess.run([otter, 'generate', '-t', 'tests', '-o', 'autograder.zip'], cwd=folder,
                   check=True, capture_output=True)
    sources = student_sources(count)
    start = time.monotonic()
    for index, text in enumerate(sources):
        path = os.path.join(folder, 'student%03d.py' % index)
        with open(path, 'w') as out:
            out.write(text)
        out_dir = os.path.join(folder, 'out%03d' % index)
        os.makedirs(out_dir)
        subprocess.run([otter, 'run', '-a', 'autograder.zip', '--no-logo', '-o', out_dir, path],
                       cwd=folder, check=True, capture_output=True)
    return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[10, 50])
    parser.add_argument('--nbgrader-size', type=int, default=10)
    parser.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    parser.add_argument('--otter', metavar='PATH',
                        help='an `otter` executable (Otter-Grader, e.g. in its own venv) to '
                             'time `otter run` on --nbgrader-size submissions')
    args = parser.parse_args()
    print('Machine: %s, %d cores, Python %s. Command: python bench/grading_speed.py --sizes %s '
          '--nbgrader-size %d --jobs %d\n' % (platform.machine(), os.cpu_count() or 1,
                                              platform.python_version(),
                                              ' '.join(map(str, args.sizes)), args.nbgrader_size,
                                              args.jobs))
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            folder = os.path.join(scratch, 'class%d' % size)
            build_class(folder, size)
            for dataset, label in (('none', 'CLI, correctness checks'),
                                   ('fashion_mnist', 'CLI, full grade (val_accuracy)')):
                seconds, results = time_cli(folder, dataset, args.jobs)
                assert len(results) == size
                rows.append((label, size, seconds))
        nb_seconds = time_nbgrader(scratch, args.nbgrader_size)
        rows.append(('nbgrader autograde (quick notebook)', args.nbgrader_size, nb_seconds))
        if args.otter:
            otter_seconds = time_otter(args.otter, scratch, args.nbgrader_size)
            rows.append(('otter run (4 notebook-style tests)', args.nbgrader_size, otter_seconds))
    print('| grader | N | wall seconds | seconds / submission |')
    print('|---|---|---|---|')
    for label, size, seconds in rows:
        print('| %s | %d | %.1f | %.2f |' % (label, size, seconds, seconds / size))
    per = {(label, size): seconds / size for label, size, seconds in rows}
    nb = nb_seconds / args.nbgrader_size
    print()
    for size in args.sizes:
        print('N=%d: nbgrader / CLI correctness = %.1fx; nbgrader / CLI full = %.1fx' % (
            size, nb / per[('CLI, correctness checks', size)],
            nb / per[('CLI, full grade (val_accuracy)', size)]))
    if args.otter:
        otter = otter_seconds / args.nbgrader_size
        print('otter run / CLI correctness (N=%d) = %.1fx' % (
            min(args.sizes), otter / per[('CLI, correctness checks', min(args.sizes))]))
    if len(args.sizes) > 1:
        small, large = min(args.sizes), max(args.sizes)
        for label in ('CLI, correctness checks', 'CLI, full grade (val_accuracy)'):
            print('%s: per-submission time at N=%d / N=%d = %.2f (1.0 = linear growth)' % (
                label, large, small, per[(label, large)] / per[(label, small)]))


if __name__ == '__main__':
    main()
