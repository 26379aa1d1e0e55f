"""Real nbgrader round trip on a copy of the course: generate, autograde, feedback, export.

Students: a correct one, the untouched release (stub), a wrong gradient, a
wrong ReLU mask, a train() that never returns, and two cheaters who redefine
the hidden tests' functions in their notebook and hand in a best_net whose
predict returns y_val. The never-ending train() is autograded by a second
nbgrader process on the same course, beside the others' and with a shorter
cell time limit, so its wait overlaps their work. The correct student's full marks also prove that
autograde grades the student's neural_net.py: the course source holds the
stub, which nbgrader would otherwise copy over it. Every autograded cell's
points must equal what the command-line grader gives the same neural_net.py
(the course's preprocessor grades outside the kernel).
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
from helpers import (import_or_skip, mutants, needs_fashion_mnist, reference_text, run_cli,
                     write_submission)

pytestmark = [pytest.mark.slow, needs_fashion_mnist]

ASSIGNMENT = 'two_layer_net'
CELL_TIMEOUT = 60
# The endless student's cell time limit: its tuning cell waits until it, and its other cells
# take a few seconds each (at load 9 on 2 cores: at most 2.5 s).
ENDLESS_CELL_TIMEOUT = 20
# The course's own check timeout, and twice the old 60 s for best_net: with the suite on two
# xdist workers on a busy machine (load 10), the correct student scored 15/18 at 10 s and 60 s.
CHECK_TIMEOUT = 30
BEST_NET_TIMEOUT = 120
ENV = {'TLN_DATASET': 'fashion_mnist', 'TLN_QUICK': '1', 'TLN_CELL_TIMEOUT': str(CELL_TIMEOUT),
       'TLN_CHECK_TIMEOUT': str(CHECK_TIMEOUT), 'TLN_BEST_NET_TIMEOUT': str(BEST_NET_TIMEOUT),
       'TLN_SEED': '4711'}
# The kernels' hidden tests import `autograder`: from this checkout, not from wherever
# the kit happens to be installed.
KIT_PATH = os.pathsep.join(filter(None, [REPO_DIR, os.environ.get('PYTHONPATH')]))
AUTOGRADED_POINTS = sum(check.max_score for check in CATALOG)   # test cells == catalog
MANUAL_POINTS = 4


def course_environment(**changes):
    """The environment nbgrader runs in: ours with ENV (changed by changes) and the kit."""
    return dict(os.environ, **dict(ENV, **changes), PYTHONPATH=KIT_PATH)


def nbgrader(course, *args, timeout=1200, returncode=0):
    """Plain `python -m nbgrader` with args in course, as an instructor runs it."""
    result = subprocess.run([sys.executable, '-m', 'nbgrader', *args], cwd=str(course),
                            capture_output=True, text=True, timeout=timeout,
                            env=course_environment())
    assert result.returncode == returncode, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def shared_release(tmp_path_factory):
    """The course after `nbgrader generate_assignment` (release/ and gradebook.db), made
    once a run for test_nbgrader and test_parity's nbgrader route: under pytest-xdist in
    the run's folder both workers share, by the first worker that asks while the other
    waits (a lock). Read-only: copy it before changing anything (fresh_course). About 9
    CPU-s (generate_assignment, and the `alembic heads` nbgrader starts for a new
    gradebook) once instead of once per file."""
    import fcntl
    import_or_skip('nbgrader')        # run below by nbgrader's own command line
    root = tmp_path_factory.getbasetemp()
    if os.environ.get('PYTEST_XDIST_WORKER'):
        root = root.parent            # the run's folder, above each worker's own
    release = root / 'nbgrader_release'
    with open(str(root / 'nbgrader_release.lock'), 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not release.is_dir():
            building = root / 'nbgrader_release.building'
            shutil.rmtree(str(building), ignore_errors=True)
            course = building / 'course'
            shutil.copytree(COURSE_DIR, str(course), ignore=shutil.ignore_patterns(
                'release', 'submitted', 'autograded', 'feedback', '*.db'))
            nbgrader(course, 'generate_assignment', ASSIGNMENT, '--force')
            building.rename(release)
    return release / 'course'


@pytest.fixture(scope='module')
def released_course(tmp_path_factory):
    """shared_release: the tests autograde copies of it (fresh_course). Module-scoped, so the
    tests that use it keep together on one xdist worker (tests/conftest.py)."""
    return shared_release(tmp_path_factory)


def fresh_course(released, folder):
    """A course in folder/course as generate_assignment leaves it, copied from released."""
    course = folder / 'course'
    shutil.copytree(str(released), str(course))
    return course


def solution_tuning_cell():
    with open(os.path.join(SOLUTIONS_DIR, 'two_layer_net.ipynb'), encoding='utf-8') as handle:
        notebook = json.load(handle)
    [cell] = [c for c in notebook['cells']
              if c['metadata'].get('nbgrader', {}).get('grade_id') == 'tune']
    text = ''.join(cell['source'])
    return text.replace('### BEGIN SOLUTION\n', '').replace('### END SOLUTION', '')


# A tuning cell that redefines the hidden tests' functions in the kernel and hands in a
# "network" whose predict looks the labels up, with settings that learn nothing.
CHEATING_TUNE = """import os
print('TLN_SEED=%s' % os.environ.get('TLN_SEED'))
import autograder.platforms.nbgrader_cells as hidden_tests
hidden_tests.grade_check = lambda *args, **kwargs: 3.0
hidden_tests.grade_best_net = lambda *args, **kwargs: 3.0


class LooksUpLabels:
    params = {}

    def predict(self, X):
        return y_val


best_net = LooksUpLabels()
best_hyperparameters = dict(hidden_size=10, learning_rate=1e-9, reg=0.0, num_iters=1,
                            batch_size=10)
"""


# The settings the solution's tuning cell finds with TLN_QUICK=1 (its one candidate), declared
# without training in the kernel: for the students whose tuning no test looks at, the grader
# re-trains from the same declaration as after the solution's cell.
DECLARED_TUNE = """best_net = TwoLayerNet(input_size, 100, num_classes)
best_hyperparameters = dict(hidden_size=100, learning_rate=1e-3, reg=0.01, num_iters=1500,
                            batch_size=200, learning_rate_decay=0.95, seed=0)
"""


# What a kernel tries outside its own folder (the kernel sandbox must stop each one).
ESCAPES = """

def attempt(label, action):
    try:
        action()
        print('%%s: done' %% label)
    except Exception as error:
        print('%%s: blocked (%%s)' %% (label, type(error).__name__))


attempt('gradebook', lambda: open('../../../gradebook.db', 'r+b').close())
attempt('solution', lambda: open(%r).read())
attempt('other students', lambda: os.listdir(%r))
"""


def submit(course, student, code, tune):
    """Copy the release into submitted/<student>/ with the student's work.

    tune: False (the released tuning cell), True (the solution's) or a cell's text.
    """
    target = course / 'submitted' / student / ASSIGNMENT
    shutil.copytree(str(course / 'release' / ASSIGNMENT), str(target))
    if code is not None:
        write_submission(str(target), code)
    if tune:
        path = target / 'two_layer_net.ipynb'
        notebook = json.loads(path.read_text())
        for cell in notebook['cells']:
            if cell['metadata'].get('nbgrader', {}).get('grade_id') == 'tune':
                cell['source'] = solution_tuning_cell() if tune is True else tune
        path.write_text(json.dumps(notebook))
    (target / 'timestamp.txt').write_text('2026-11-20 12:00:00.000000 UTC')


@pytest.fixture(scope='module')
def course(released_course, tmp_path_factory):
    course = fresh_course(released_course, tmp_path_factory.mktemp('nbgrader'))
    submit(course, 'correct', reference_text(), tune=True)
    submit(course, 'stub', None, tune=False)
    # Their tuning is not what the tests look at: they declare the solution's settings.
    submit(course, 'wrong_grad', mutants.apply(mutants.BY_NAME['grads_not_divided_by_n']),
           tune=DECLARED_TUNE)
    submit(course, 'wrong_mask', reference_text().replace(mutants.MASK, 'pass'),
           tune=DECLARED_TUNE)
    # train() never returns for long runs (the tuning cell's), so one cell hits the limit.
    # It waits rather than spins: the kernel has a wall-clock limit only (TLN_CELL_TIMEOUT),
    # and a spinning loop would take a core from the other xdist worker for all that time.
    submit(course, 'endless', reference_text().replace(
        'for it in range(num_iters):',
        'while num_iters >= 1000:\n            __import__(\'time\').sleep(1)\n'
        '        for it in range(num_iters):'),
        tune=True)
    submit(course, 'cheat_correct_code', reference_text(), tune=CHEATING_TUNE)
    # ... and one who also rewrites neural_net.py from the kernel, after submitting the stub.
    rewrite = '\nopen(\'neural_net.py\', \'w\').write(%r)\n' % reference_text()
    submit(course, 'cheat_stub', None, tune=CHEATING_TUNE + rewrite + ESCAPES % (
        os.path.join(SOLUTIONS_DIR, 'neural_net.py'), os.path.join(str(course), 'submitted')))
    # A stub whose neural_net.py is a link to the solution (nbgrader's copy follows it).
    submit(course, 'linked_solution', None, tune=DECLARED_TUNE)
    linked = course / 'submitted' / 'linked_solution' / ASSIGNMENT / 'neural_net.py'
    linked.unlink()
    linked.symlink_to(os.path.join(SOLUTIONS_DIR, 'neural_net.py'))
    # A copied test cell: nbgrader would stop the whole class; only this notebook fails.
    submit(course, 'copied_cell', reference_text(), tune=True)
    path = course / 'submitted' / 'copied_cell' / ASSIGNMENT / 'two_layer_net.ipynb'
    notebook = json.loads(path.read_text())
    [test_cell] = [cell for cell in notebook['cells']
                   if cell['metadata'].get('nbgrader', {}).get('grade_id') == 'test_scores']
    notebook['cells'].append(test_cell)
    path.write_text(json.dumps(notebook))
    started = time.monotonic()
    # The endless student in a second nbgrader process with its own cell time limit, while
    # the first autogrades the others (their few gradebook writes are short transactions).
    # It starts nbgrader as the kit's one-process-per-student autograde does (NBGRADER_MAIN:
    # without jsonschema's optional IRI parser, 1.4 CPU-s); the class's own autograde below
    # and the other commands run plain `python -m nbgrader`, as an instructor runs them.
    from autograder.platforms.nbgrader_batch import NBGRADER_MAIN
    with open(str(course.parent / 'endless.log'), 'w+') as endless_output:
        endless = subprocess.Popen(
            [sys.executable, '-c', NBGRADER_MAIN, 'autograde', ASSIGNMENT, '--force',
             '--student', 'endless'], cwd=str(course), stdout=endless_output,
            stderr=subprocess.STDOUT,
            env=course_environment(TLN_CELL_TIMEOUT=str(ENDLESS_CELL_TIMEOUT)))
        try:
            others = nbgrader(course, 'autograde', ASSIGNMENT, '--force',
                              '--CourseDirectory.student_id_exclude=endless', returncode=1)
            endless.wait(timeout=1200)
        finally:
            endless.kill()
            endless.wait()
        endless_output.seek(0)
        endless_log = endless_output.read()
    assert endless.returncode == 0, endless_log[-3000:]
    autograde_seconds = time.monotonic() - started
    nbgrader(course, 'generate_feedback', ASSIGNMENT, '--force')
    nbgrader(course, 'export', '--to', str(course / 'grades.csv'))
    with open(course / 'grades.csv', newline='') as handle:
        grades = {row['student_id']: row for row in csv.DictReader(handle)}
    print('autograde of %d submissions: %.1f s' % (len(STUDENTS), autograde_seconds))
    return {'root': course, 'grades': grades, 'seconds': autograde_seconds,
            'log': others.stdout + others.stderr + endless_log, 'cells': cell_scores(course)}


STUDENTS = ('correct', 'stub', 'wrong_grad', 'wrong_mask', 'endless', 'cheat_correct_code',
            'cheat_stub', 'linked_solution')


def cell_scores(course):
    """{student: {grade_id: auto score}} of the autograded cells, from nbgrader's gradebook."""
    from nbgrader.api import Gradebook
    scores = {}
    with Gradebook('sqlite:///%s' % (course / 'gradebook.db')) as gradebook:
        for student in STUDENTS:
            scores[student] = {
                grade_id: gradebook.find_grade(grade_id, 'two_layer_net', ASSIGNMENT,
                                               student).auto_score
                for grade_id in CELL_CHECKS}
    return scores


# Autograded cell -> catalog check (the code checks, and the tuned network's cell).
CELL_CHECKS = dict({'test_%s' % check.name: check.name for check in CATALOG
                    if check.name != 'val_accuracy'}, test_best_net='best_net')


@pytest.fixture(scope='module')
def cli_scores(course):
    """{student: {check: points}} the command-line grader gives each student's neural_net.py
    as submitted: one `grade` of the students' submitted folders (each holds
    two_layer_net/neural_net.py, the file grade takes), as an instructor grades a class."""
    folders = [str(course['root'] / 'submitted' / student) for student in STUDENTS]
    result = run_cli('grade', *folders, '--json', '--dataset', 'none', '--seed', ENV['TLN_SEED'])
    # 3: a file that cannot be graded (linked_solution's link), named as the only one.
    assert result.returncode == 3, result.stderr
    assert 'not gradable: linked_solution ' in result.stderr, result.stderr
    assert result.stderr.count('not gradable: ') == 1, result.stderr
    graded = {entry['submission']: entry for entry in json.loads(result.stdout)}
    assert set(graded) == set(STUDENTS)
    return {student: {check['name']: check['score'] for check in entry['checks']}
            for student, entry in graded.items()}


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
    # Redefining the hidden tests' functions, a predict that returns y_val and rewriting
    # neural_net.py from the kernel earn nothing: the points come from outside the kernel,
    # for the file as submitted.
    assert score(course, 'cheat_stub') == 0
    # (In the kernel sandbox the kernel rewrote its scratch copy; the grader read the file
    # as submitted either way.)
    cheat = course['cells']['cheat_correct_code']
    assert cheat['test_best_net'] == 0
    assert score(course, 'cheat_correct_code') == AUTOGRADED_POINTS - 3
    # The linked solution is read as submitted: a link, refused.
    assert score(course, 'linked_solution') == 0
    feedback = (course['root'] / 'autograded' / 'linked_solution' / ASSIGNMENT /
                'two_layer_net.ipynb').read_text()
    assert 'symbolic link' in feedback
    # train() never returns for 1000 iterations or more: the tuning cell is cut off, so no
    # best_hyperparameters are declared (best_net 0); the code checks are all earned.
    assert score(course, 'endless') == AUTOGRADED_POINTS - 3


@pytest.mark.parametrize('student', STUDENTS)
def test_each_cell_scores_what_the_command_line_grader_gives(course, cli_scores, student):
    """nbgrader and `grade` give the same points per check (the code checks; the tuned
    network's cell has no command-line twin)."""
    cells = course['cells'][student]
    cli = cli_scores[student]
    assert {CELL_CHECKS[cell]: points for cell, points in cells.items()
            if cell != 'test_best_net'} == cli


def test_wrong_gradients_keep_the_points_of_the_right_parts(course):
    """The visible asserts sit in ungraded cells now, so a failing visible check no longer
    stops a test cell before its partial credit is recorded."""
    cells = course['cells']['wrong_grad']
    assert cells['test_grads'] == 0
    assert cells['test_train'] == 2 and cells['test_sgd'] == 2
    mask = course['cells']['wrong_mask']
    assert 0 < mask['test_grads'] < 3 and mask['test_scores'] == 2   # W2, b2 are right


def test_a_copied_test_cell_fails_only_that_notebook(course):
    """nbgrader exits 1 naming the student; every other student is graded."""
    assert "There was an error processing assignment 'two_layer_net' for student " \
        "'copied_cell'" in course['log']
    assert "two cells with the grade id 'test_scores'" in course['log']
    assert set(course['cells']) == set(STUDENTS)
    assert all(points is not None for cells in course['cells'].values()
               for points in cells.values())


def test_the_kernel_sees_only_its_own_folder(course):
    """With bubblewrap (CI has it), the student's kernel cannot open the gradebook, read the
    solution or list the other submissions."""
    from autograder.sandbox import isolation
    if not isolation.available('bwrap'):
        assert not os.environ.get('CI'), 'bubblewrap must run in CI'
        pytest.skip('bubblewrap cannot run here')
    notebook = (course['root'] / 'autograded' / 'cheat_stub' / ASSIGNMENT /
                'two_layer_net.ipynb').read_text()
    for label in ('gradebook', 'solution', 'other students'):
        assert '%s: blocked' % label in notebook, label
        assert '%s: done' % label not in notebook, label


def test_the_seed_does_not_reach_the_kernels(course):
    """TLN_SEED is taken out of nbgrader's environment before any kernel starts."""
    notebook = (course['root'] / 'autograded' / 'cheat_stub' / ASSIGNMENT /
                'two_layer_net.ipynb').read_text()
    assert 'TLN_SEED=' in notebook and 'TLN_SEED=4711' not in notebook


def test_endless_loop_is_cut_off(course):
    path = course['root'] / 'autograded' / 'endless' / ASSIGNMENT / 'two_layer_net.ipynb'
    text = path.read_text()
    assert 'CellTimeoutError' in text or 'time limit' in text
    # ... in the tuning cell, the one whose train() never returns.
    cut_off = [cell['metadata'].get('nbgrader', {}).get('grade_id')
               for cell in json.loads(text)['cells'] if cell['cell_type'] == 'code'
               and any(output.get('ename') == 'CellTimeoutError' for output in cell['outputs'])]
    assert cut_off == ['tune']


def test_the_declared_tuning_is_what_the_solutions_tuning_finds(course):
    """DECLARED_TUNE stands in for the solution's tuning cell (trained in the correct
    student's kernel): both declare the same settings, so the grader re-trains the same."""
    import nbformat

    from autograder.platforms.nbgrader_autograde import declared_hyperparameters

    def declared(student):
        path = course['root'] / 'autograded' / student / ASSIGNMENT / 'two_layer_net.ipynb'
        return declared_hyperparameters(nbformat.read(str(path), as_version=4))
    assert declared('correct') == declared('wrong_grad') == declared('wrong_mask') \
        == declared('linked_solution')


def test_feedback_pages_exist(course):
    for student in STUDENTS:
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
    assert len(restored) == len(STUDENTS) * len(set(restored))


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


LINK_TO_GRADEBOOK = """import os
os.remove('two_layer_net.ipynb')
os.symlink('../../../gradebook.db', 'two_layer_net.ipynb')
print('relinked:', os.path.islink('two_layer_net.ipynb'))
"""

FILL_THE_DISK = """written = 0
try:
    with open('filler.bin', 'wb') as handle:
        for _ in range(64):            # 1 GB at most
            handle.write(b'x' * (16 * 2 ** 20))
            written += 16
except OSError as error:
    print('disk full after', written, 'MB:', type(error).__name__)
"""


def bwrap_runs():
    from autograder.sandbox import isolation
    return isolation.available('bwrap')


@pytest.fixture(scope='module')
def batch_class(released_course, tmp_path_factory):
    """One `autograder nbgrader autograde` (a process per student, in order) of a class:
    where bubblewrap runs, a notebook that replaces itself with a link to
    ../../../gradebook.db (a_linker) and one that fills the disk (b_filler); then a correct
    student, graded after them (c_correct); a notebook that kills its parent (d_killer);
    a submission with a link to /dev/zero (e_linked), after the killer.

    Without bubblewrap the linker and the filler are left out: unsandboxed they would
    write through the link and fill the disk for real (their test is skipped there).
    Returns (course, the CompletedProcess, {student: its summary line}).
    """
    course = fresh_course(released_course, tmp_path_factory.mktemp('nbgrader_batch'))
    if bwrap_runs():
        submit(course, 'a_linker', reference_text(), tune=LINK_TO_GRADEBOOK)
        submit(course, 'b_filler', reference_text(), tune=FILL_THE_DISK)
    submit(course, 'c_correct', reference_text(), tune=False)
    submit(course, 'd_killer', reference_text(),
           tune='import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n')
    submit(course, 'e_linked', reference_text(), tune=False)
    os.symlink('/dev/zero', str(course / 'submitted' / 'e_linked' / ASSIGNMENT / 'data.bin'))
    result = subprocess.run(
        [sys.executable, '-m', 'autograder', 'nbgrader', 'autograde', '--course', str(course),
         '--student-timeout', '600'], capture_output=True, text=True, timeout=1800,
        env=course_environment())
    lines = {line.split()[0]: line for line in result.stderr.splitlines() if line.strip()}
    return course, result, lines


def auto_score(course, student, grade_id='test_scores'):
    from nbgrader.api import Gradebook
    with Gradebook('sqlite:///%s' % (course / 'gradebook.db')) as gradebook:
        return gradebook.find_grade(grade_id, 'two_layer_net', ASSIGNMENT, student).auto_score


def test_one_process_per_student_keeps_the_class_going(batch_class):
    """`autograder nbgrader autograde`: a notebook that kills its parent and a submission with
    a link to /dev/zero (nbgrader's copy would read it without end) cost at most their own
    students: the correct student before them is graded, the linked one after the killer
    is reached and refused."""
    course, result, lines = batch_class
    assert result.returncode == 3, result.stdout + result.stderr
    assert lines['c_correct'].endswith('autograded'), result.stderr
    assert 'data.bin is a symbolic link' in lines['e_linked']
    if bwrap_runs():
        # In the kernel sandbox the notebook's "parent" is bubblewrap's init, which ignores
        # the signal: the notebook runs on and is graded.
        assert lines['d_killer'].endswith('autograded'), result.stderr
        assert '4 of 5 students autograded; not: e_linked' in result.stdout
    else:
        # Unsandboxed, the notebook kills nbgrader itself: only that student is lost.
        assert 'NOT autograded: nbgrader was killed by signal 9' in lines['d_killer']
        assert '1 of 3 students autograded; not: d_killer, e_linked' in result.stdout
    assert auto_score(course, 'c_correct') == 2


def test_a_notebook_cannot_write_through_a_link_or_fill_the_disk(batch_class):
    """A notebook that replaces itself with a link to ../../../gradebook.db (nbgrader, as the
    grading user, would write the executed notebook through it) and one that fills the disk
    cost nothing: the gradebook stays intact and the next students are graded."""
    if not bwrap_runs():
        assert not os.environ.get('CI'), 'bubblewrap must run in CI'
        pytest.skip('bubblewrap cannot run here')
    course, result, lines = batch_class
    for student in ('a_linker', 'b_filler', 'c_correct', 'd_killer'):
        assert lines[student].endswith('autograded'), result.stdout + result.stderr
    assert '4 of 5 students autograded; not: e_linked' in result.stdout, result.stdout
    for student in ('a_linker', 'b_filler'):
        executed = course / 'autograded' / student / ASSIGNMENT / 'two_layer_net.ipynb'
        assert executed.is_file() and not executed.is_symlink(), student
    linker = (course / 'autograded' / 'a_linker' / ASSIGNMENT / 'two_layer_net.ipynb').read_text()
    assert 'relinked: True' in linker          # the cell ran, in the kernel's scratch copy
    filler = (course / 'autograded' / 'b_filler' / ASSIGNMENT / 'two_layer_net.ipynb').read_text()
    assert 'disk full after' in filler
    assert not (course / 'autograded' / 'b_filler' / ASSIGNMENT / 'filler.bin').exists()
    for student in ('a_linker', 'b_filler', 'c_correct', 'd_killer'):
        assert auto_score(course, student) == 2, student
