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

from autograder import mutants  # noqa: E402
from autograder.paths import COURSE_DIR, SOLUTIONS_DIR  # noqa: E402

NBGRADER_ENV = {'TLN_DATASET': 'fashion_mnist', 'TLN_QUICK': '1', 'TLN_CELL_TIMEOUT': '60',
                'TLN_CHECK_TIMEOUT': '30'}


def student_sources(count):
    """count source texts: the reference, then the mutants, cycling."""
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
               str(jobs), '--dataset', dataset, '--no-progress']
    start = time.monotonic()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)
    seconds = time.monotonic() - start
    return seconds, json.loads(result.stdout)


def time_nbgrader(scratch, count):
    course = os.path.join(scratch, 'course')
    shutil.copytree(COURSE_DIR, course)
    env = dict(os.environ, **NBGRADER_ENV)
    subprocess.run(['nbgrader', 'generate_assignment', 'two_layer_net', '--force'], cwd=course,
                   env=env, check=True, capture_output=True)
    release = os.path.join(course, 'release', 'two_layer_net')
    for index, text in enumerate(student_sources(count)):
        target = os.path.join(course, 'submitted', 'student%03d' % index, 'two_layer_net')
        shutil.copytree(release, target)
        with open(os.path.join(target, 'neural_net.py'), 'w') as out:
            out.write(text)
    start = time.monotonic()
    subprocess.run(['nbgrader', 'autograde', 'two_layer_net', '--force'], cwd=course, env=env,
                   check=True, capture_output=True)
    return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[10, 50])
    parser.add_argument('--nbgrader-size', type=int, default=10)
    parser.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
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
    if len(args.sizes) > 1:
        small, large = min(args.sizes), max(args.sizes)
        for label in ('CLI, correctness checks', 'CLI, full grade (val_accuracy)'):
            print('%s: per-submission time at N=%d / N=%d = %.2f (1.0 = linear growth)' % (
                label, large, small, per[(label, large)] / per[(label, small)]))


if __name__ == '__main__':
    main()
