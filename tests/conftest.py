"""Shared fixtures: paths, a session-wide grader, helpers to write submissions."""
import os
import shutil
import subprocess
import sys

import pytest

from autograder import datasets
from autograder.grading import Grader
from autograder.paths import ASSIGNMENT_DIR, REPO_DIR, SOLUTIONS_DIR, STUDENT_FILE

REFERENCE = os.path.join(SOLUTIONS_DIR, STUDENT_FILE)
STUB = os.path.join(ASSIGNMENT_DIR, STUDENT_FILE)
HAVE_FASHION_MNIST = datasets.available('fashion_mnist')

needs_fashion_mnist = pytest.mark.skipif(
    not HAVE_FASHION_MNIST and not os.environ.get('CI'),
    reason='Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)')


@pytest.fixture(scope='session')
def grader():
    """Full grader on Fashion-MNIST (the real offline dataset)."""
    if not HAVE_FASHION_MNIST:
        if os.environ.get('CI'):
            pytest.fail('CI must install dataset-fashion-mnist (see .ci/run)')
        pytest.skip('Fashion-MNIST not installed')
    with Grader(dataset='fashion_mnist') as instance:
        yield instance


@pytest.fixture(scope='session')
def code_grader():
    """Grader without the data check (fast, no dataset needed)."""
    with Grader(dataset='none') as instance:
        yield instance


def write_submission(folder, text, name=STUDENT_FILE):
    """Write text (str or bytes) as folder/name; returns the path."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    mode = 'wb' if isinstance(text, bytes) else 'w'
    with open(path, mode) as handle:
        handle.write(text)
    return path


def reference_text():
    with open(REFERENCE, encoding='utf-8') as handle:
        return handle.read()


def public_seed(args):
    """args of a `grade` call, with --public-seed unless a --seed is given.

    The tests grade with the kit's public seed; `grade` refuses it unless told
    (real grading takes a private --seed).
    """
    args = list(args)
    if args and args[0] == 'grade' and '--seed' not in args and '--help' not in args:
        args.append('--public-seed')
    return args


def run_cli(*args, check=False, timeout=600, env=None):
    """Run `python -m autograder ARGS` from the repo root; returns CompletedProcess.

    A `grade` call without --seed gets --public-seed (public_seed)."""
    args = public_seed(args)
    result = subprocess.run([sys.executable, '-m', 'autograder', *args], cwd=REPO_DIR,
                            capture_output=True, text=True, timeout=timeout,
                            env=dict(os.environ, **(env or {})))
    if check and result.returncode != 0:
        raise AssertionError('exit %d\nstdout:\n%s\nstderr:\n%s'
                             % (result.returncode, result.stdout, result.stderr))
    return result


def copy_reference(folder):
    os.makedirs(folder, exist_ok=True)
    shutil.copy(REFERENCE, os.path.join(folder, STUDENT_FILE))
    return os.path.join(folder, STUDENT_FILE)


@pytest.fixture(scope='session')
def report_class(tmp_path_factory):
    """A synthetic class graded by the CLI into an --out folder with its class report.

    Independent students, disguised copies and broken submissions (see
    tests/synthetic_class.py); tests/corpus/*.py join when that folder exists.
    Returns (out folder, what was planted).
    """
    import synthetic_class
    root = tmp_path_factory.mktemp('report_class')
    planted = synthetic_class.write_class(str(root / 'class'))
    out = root / 'out'
    result = run_cli('grade', str(root / 'class'), '--out', str(out), '--dataset', 'none',
                     '--timeout', '5', '--jobs', '2', '--no-progress')
    # 3: every submission graded, one of them (no_file) had no gradable file.
    assert result.returncode == 3, result.stderr[-3000:]
    return out, planted
