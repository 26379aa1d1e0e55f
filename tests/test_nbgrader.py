"""Real nbgrader round trip on a copy of the course: generate, autograde, feedback, export.

Four students: a correct one, the untouched release (stub), one with a wrong
gradient, and one whose train() never returns. The correct student's full
marks also prove that autograde grades the student's neural_net.py: the
course source holds the stub, which nbgrader would otherwise copy over it.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from autograder.checks import CATALOG
from autograder.paths import COURSE_DIR, REPO_DIR, SOLUTIONS_DIR
from helpers import import_or_skip, mutants, needs_fashion_mnist, reference_text, write_submission

pytestmark = [pytest.mark.slow, needs_fashion_mnist]

ASSIGNMENT = 'two_layer_net'
CELL_TIMEOUT = 20
CHECK_TIMEOUT = 10
ENV = {'TLN_DATASET': 'fashion_mnist', 'TLN_QUICK': '1', 'TLN_CELL_TIMEOUT': str(CELL_TIMEOUT),
       'TLN_CHECK_TIMEOUT': str(CHECK_TIMEOUT)}
# The kernels' hidden tests import `autograder`: from this checkout, not from wherever
# the kit happens to be installed.
KIT_PATH = os.pathsep.join(filter(None, [REPO_DIR, os.environ.get('PYTHONPATH')]))
AUTOGRADED_POINTS = sum(check.max_score for check in CATALOG)   # test cells == catalog
MANUAL_POINTS = 4


def nbgrader(course, *args, timeout=1200):
    result = subprocess.run([sys.executable, '-m', 'nbgrader', *args], cwd=str(course),
                            capture_output=True, text=True, timeout=timeout,
                            env=dict(os.environ, **ENV, PYTHONPATH=KIT_PATH))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def solution_tuning_cell():
    with open(os.path.join(SOLUTIONS_DIR, 'two_layer_net.ipynb'), encoding='utf-8') as handle:
        notebook = json.load(handle)
    [cell] = [c for c in notebook['cells']
              if c['metadata'].get('nbgrader', {}).get('grade_id') == 'tune']
    text = ''.join(cell['source'])
    return text.replace('### BEGIN SOLUTION\n', '').replace('### END SOLUTION\n', '')


def submit(course, student, code, tune):
    """Copy the release into submitted/<student>/ with the student's work."""
    target = course / 'submitted' / student / ASSIGNMENT
    shutil.copytree(str(course / 'release' / ASSIGNMENT), str(target))
    if code is not None:
        write_submission(str(target), code)
    if tune:
        path = target / 'two_layer_net.ipynb'
        notebook = json.loads(path.read_text())
        for cell in notebook['cells']:
            if cell['metadata'].get('nbgrader', {}).get('grade_id') == 'tune':
                cell['source'] = solution_tuning_cell()
        path.write_text(json.dumps(notebook))
    (target / 'timestamp.txt').write_text('2026-11-20 12:00:00.000000 UTC')


@pytest.fixture(scope='module')
def course(tmp_path_factory):
    import_or_skip('nbgrader')        # run below as `python -m nbgrader`
    course = tmp_path_factory.mktemp('nbgrader') / 'course'
    shutil.copytree(COURSE_DIR, str(course), ignore=shutil.ignore_patterns('release', 'submitted',
                                                                          'autograded', 'feedback',
                                                                          '*.db'))
    nbgrader(course, 'generate_assignment', ASSIGNMENT, '--force')
    submit(course, 'correct', reference_text(), tune=True)
    submit(course, 'stub', None, tune=False)
    submit(course, 'wrong_grad', mutants.apply(mutants.BY_NAME['grads_not_divided_by_n']),
           tune=True)
    submit(course, 'endless', reference_text().replace(
        'for it in range(num_iters):', 'while True:\n            it = 0'), tune=True)
    started = time.monotonic()
    autograde = nbgrader(course, 'autograde', ASSIGNMENT, '--force')
    autograde_seconds = time.monotonic() - started
    nbgrader(course, 'generate_feedback', ASSIGNMENT, '--force')
    nbgrader(course, 'export', '--to', str(course / 'grades.csv'))
    with open(course / 'grades.csv', newline='') as handle:
        grades = {row['student_id']: row for row in csv.DictReader(handle)}
    print('autograde of 4 submissions: %.1f s' % autograde_seconds)
    return {'root': course, 'grades': grades, 'seconds': autograde_seconds,
            'log': autograde.stdout + autograde.stderr}


def score(course, student):
    return float(course['grades'][student]['raw_score'])


def test_release_has_no_solutions(course):
    released = (course['root'] / 'release' / ASSIGNMENT / 'two_layer_net.ipynb').read_text()
    assert 'BEGIN SOLUTION' not in released and 'HIDDEN TESTS' not in released
    assert 'I searched a small grid' not in released
    stub = (course['root'] / 'release' / ASSIGNMENT / 'neural_net.py').read_text()
    assert 'raise NotImplementedError' in stub


def test_scores_are_exact_and_ordered(course):
    assert float(course['grades']['correct']['max_score']) == AUTOGRADED_POINTS + MANUAL_POINTS
    assert score(course, 'correct') == AUTOGRADED_POINTS
    assert score(course, 'stub') == 0
    # Gradients N times too large: the visible numeric check fails (grads 0); the
    # notebook's visible toy-training assert runs the student's own loss and fails
    # before the cell's partial credit is recorded (train 0; the command-line grader
    # gives train 2 here, with the served reference loss); the hidden sgd check runs
    # with the reference loss (sgd 2); the tuned net learns nothing (best_net 0);
    # scores 2 + loss 2 + predict 1 + init 1 + stability 1 + no_mutation 1 + sgd 2.
    assert score(course, 'wrong_grad') == 10
    # train() never returns: train and sgd are cut off and no best_net is produced
    # (0 + 0 + 0); everything else is earned.
    assert score(course, 'endless') == AUTOGRADED_POINTS - 2 - 2 - 3


def test_endless_loop_is_cut_off(course):
    path = course['root'] / 'autograded' / 'endless' / ASSIGNMENT / 'two_layer_net.ipynb'
    text = path.read_text()
    assert 'CellTimeoutError' in text or 'time limit' in text


def test_feedback_pages_exist(course):
    for student in ('correct', 'stub', 'wrong_grad', 'endless'):
        page = course['root'] / 'feedback' / student / ASSIGNMENT / 'two_layer_net.html'
        assert page.is_file(), student
    wrong = (course['root'] / 'feedback' / 'wrong_grad' / ASSIGNMENT /
             'two_layer_net.html').read_text()
    assert 'does not match the numeric gradient' in wrong
    assert 'N times too large' in wrong or 'divide' in wrong


def test_autograde_prints_no_config_warnings(course):
    """Config warnings are gone; the checksum warnings left are nbgrader putting the hidden
    tests back into each test cell (docs/nbgrader.md), one per test cell and student."""
    import re
    log = course['log']
    assert 'db_assignments' not in log and 'not recognized' not in log
    restored = re.findall(r"Attribute 'checksum' for cell (\w+) has changed", log)
    test_cells = {'test_%s' % check.name for check in CATALOG if check.name != 'val_accuracy'}
    assert set(restored) == test_cells | {'test_best_net'}
    assert len(restored) == 4 * len(set(restored))


def test_self_check_runs_in_the_release_folder(course, tmp_path):
    """The released notebook says to run the self-check in its own folder: that works in
    nbgrader's release layout, which has no assignment/ folder."""
    folder = tmp_path / ASSIGNMENT
    shutil.copytree(str(course['root'] / 'release' / ASSIGNMENT), str(folder))
    notebook = json.loads((folder / 'two_layer_net.ipynb').read_text())
    intro = ''.join(notebook['cells'][0]['source'])
    assert 'in the folder this notebook is in' in intro and 'python -m autograder check' in intro
    env = dict(os.environ, PYTHONPATH=REPO_DIR)

    def check():
        return subprocess.run([sys.executable, '-m', 'autograder', 'check'], cwd=str(folder),
                              capture_output=True, text=True, env=env, timeout=300)
    stub = check()
    assert stub.returncode == 1 and 'Self-check of neural_net.py' in stub.stdout, stub.stderr
    write_submission(str(folder), reference_text())
    good = check()
    assert good.returncode == 0 and '11 / 11' in good.stdout
