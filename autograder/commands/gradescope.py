"""``gradescope``: the Gradescope autograder bundle, and its run inside Gradescope.

    python -m autograder gradescope build [--out autograder.zip] [--dataset cifar10] [--seed N]
    python -m autograder gradescope run --submission DIR --results FILE [--dataset NAME]

``build`` writes a zip with ``setup.sh`` and ``run_autograder`` at its top and
the grader under ``source/``. On Gradescope, ``setup.sh`` installs numpy and
fetches the dataset once, when the image is built; ``run_autograder`` calls
``gradescope run``, which grades /autograder/submission and writes
/autograder/results/results.json in Gradescope's format: one test per check,
hidden checks with visibility ``after_published``.
"""
import json
import os
import sys
import time
import zipfile

from ..grading import GraderError
from ..paths import REPO_DIR, SOLUTIONS_DIR, package_source_files
from ..plan import DEFAULT_SEED
from ..submissions import SubmissionError, discover
from .options import add_grading_options, make_grader

BUNDLED_SOLUTION_FILES = ('neural_net.py', 'data_utils.py', 'cifar10_download.py')

SETUP_SH = """#!/usr/bin/env bash
# Gradescope image set-up: Python packages and the grading dataset.
set -euo pipefail
apt-get update
apt-get install -y python3 python3-pip
python3 -m pip install --break-system-packages 'numpy>=1.24' 'tqdm>=4.66' 2>/dev/null \\
    || python3 -m pip install 'numpy>=1.24' 'tqdm>=4.66'
cd /autograder/source
DATASET={dataset}
if [ "$DATASET" = cifar10 ]; then
    python3 solutions/cifar10_download.py --dest /autograder/source/datasets
elif [ "$DATASET" = fashion_mnist ]; then
    apt-get install -y dataset-fashion-mnist
fi
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope entry point: grade the submission, write results/results.json.
ROOT="${{GRADESCOPE_ROOT:-/autograder}}"
cd "$ROOT/source"
export CIFAR10_DIR="${{CIFAR10_DIR:-$ROOT/source/datasets/cifar-10-batches-py}}"
exec python3 -m autograder gradescope run --submission "$ROOT/submission" \\
    --results "$ROOT/results/results.json" --dataset {dataset} --seed {seed}
"""


def add_parser(verbs):
    parser = verbs.add_parser('gradescope', help='build or run the Gradescope autograder',
                              description=__doc__.split('\n')[0])
    actions = parser.add_subparsers(dest='action', metavar='ACTION')
    actions.required = True
    build = actions.add_parser('build', help='write the autograder zip to upload')
    build.add_argument('--out', default='autograder.zip', help='zip to write (%(default)s)')
    build.add_argument('--dataset', choices=('cifar10', 'fashion_mnist', 'none'),
                       default='cifar10', help='data for val_accuracy (%(default)s)')
    build.add_argument('--seed', type=int, default=DEFAULT_SEED,
                       help='grader seed baked into the bundle; choose your own so hidden '
                            'inputs are not the public default (%(default)s)')
    run = actions.add_parser('run', help='grade inside Gradescope (called by run_autograder)')
    run.add_argument('--submission', required=True, help='folder holding the submission')
    run.add_argument('--results', required=True, help='results.json to write')
    add_grading_options(run)


def _bundle_files():
    """(path on disk, path in zip) for the grader's own files."""
    files = [(path, os.path.join('source', os.path.relpath(path, REPO_DIR)))
             for path in package_source_files()]
    for name in BUNDLED_SOLUTION_FILES:
        files.append((os.path.join(SOLUTIONS_DIR, name), os.path.join('source', 'solutions', name)))
    return files


def build_zip(out, dataset, seed=DEFAULT_SEED):
    """Write the Gradescope autograder zip; returns the list of member names."""
    members = []
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as archive:
        for name, text in (('setup.sh', SETUP_SH.format(dataset=dataset)),
                           ('run_autograder', RUN_AUTOGRADER.format(dataset=dataset,
                                                                    seed=seed))):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o755 << 16
            archive.writestr(info, text)
            members.append(name)
        for path, arcname in _bundle_files():
            archive.write(path, arcname)
            members.append(arcname)
    return members


def results_json(result, visible_names, seconds):
    """Gradescope's results.json content for one SubmissionResult."""
    tests = []
    for check in result.checks:
        tests.append({'name': check.name, 'score': check.score, 'max_score': check.max_score,
                      'output': check.feedback,
                      'status': 'passed' if check.score >= check.max_score else 'failed',
                      'visibility': 'visible' if check.name in visible_names
                      else 'after_published'})
    return {'score': result.score, 'execution_time': round(seconds, 1),
            'output': 'Autograder: %g / %g points. Hidden checks are shown when grades are '
                      'published.' % (result.score, result.max_score),
            'visibility': 'visible', 'stdout_visibility': 'hidden', 'tests': tests}


def _write_failure(path, message):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump({'score': 0.0, 'output': message, 'visibility': 'visible', 'tests': []},
                  handle, indent=1)


def run(args):
    if args.action == 'build':
        members = build_zip(args.out, args.dataset, args.seed)
        print('wrote %s (%d files; dataset for val_accuracy: %s)' % (args.out, len(members),
                                                                    args.dataset))
        return 0
    started = time.monotonic()
    try:
        submission = discover([args.submission])[0]
    except SubmissionError as error:
        _write_failure(args.results, 'Could not read the submission: %s' % error)
        return 0
    try:
        grader = make_grader(args, denied_roots=[os.path.abspath(args.submission)])
    except GraderError as error:
        _write_failure(args.results, 'The autograder is misconfigured: %s' % error)
        print('error: %s' % error, file=sys.stderr)
        return 2
    with grader:
        if submission.source is None:
            result = grader.zero_result('submission', submission.problem)
        else:
            result = grader.grade_source(submission.source, 'submission')
        visible = {check.name for check in grader.checks if check.visible}
    data = results_json(result, visible, time.monotonic() - started)
    os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
    with open(args.results, 'w', encoding='utf-8') as handle:
        json.dump(data, handle, indent=1)
    print('%g / %g' % (result.score, result.max_score))
    return 0
