"""Shared fixtures: session-wide graders and a graded class.

Plain helpers and constants are in helpers.py (import them from there, never
from conftest).
"""
import os

import pytest

from autograder.grading import Grader
from helpers import HAVE_FASHION_MNIST, run_cli


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
