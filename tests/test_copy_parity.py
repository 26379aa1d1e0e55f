"""A copy without the reference grades the visible checks as the kit does.

The student repository and the Classroom 50 bundle have no reference solution:
their grader reads the stored outputs and serves the stand-in loss
(autograder/checks/stand_in_loss.py) to the train and predict probes. The kit
serves the reference loss. Every file must get the same points per visible check
from both.
"""
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from autograder.checks import CATALOG, stand_in_loss
from autograder.grading import Grader
from autograder import stored_outputs
from autograder.sandbox import ProbeResult
from helpers import REFERENCE, REPO_DIR, STUB, kit_files, mutants, run_cli


def copy_grader():
    """The grader of a copy without the reference (as the Classroom 50 bundle builds it)."""
    return Grader(dataset='none', visible_only=True, weaker_layers=True,
                  expected_file=stored_outputs.EXPECTED_FILE,
                  reference_file=os.path.join(REPO_DIR, 'no-reference-here.py'))


def points(grader, source):
    return {check.name: check.score for check in grader.grade_source(source, 'file').checks}


def read(path):
    with open(path, 'rb') as handle:
        return handle.read()


# ------------------------------------------------------------ the stand-in loss ---

def test_stand_in_gradients_are_those_of_its_loss():
    rng = np.random.default_rng(3)
    params = {'W1': rng.standard_normal((4, 6)), 'b1': rng.standard_normal(6),
              'W2': rng.standard_normal((6, 3)), 'b2': rng.standard_normal(3)}
    X, y, reg = rng.standard_normal((5, 4)), np.array([0., 2., 1., 1., 2.]), 0.3
    loss, grads = stand_in_loss.stand_in_loss(params, X, y, reg)
    for name in params:
        numeric = np.zeros_like(params[name])
        for index in np.ndindex(params[name].shape):
            for sign in (1, -1):
                moved = {key: value.copy() for key, value in params.items()}
                moved[name][index] += sign * 1e-6
                numeric[index] += sign * stand_in_loss.stand_in_loss(moved, X, y, reg)[0] / 2e-6
        assert np.allclose(grads[name], numeric, atol=1e-6), name
    # The minibatch matters: another batch pulls towards other targets.
    other = stand_in_loss.stand_in_loss(params, X[:3], y[:3], reg)[1]
    assert not np.allclose(other['W1'], grads['W1'])


def test_stored_scores_answer_only_the_probes_own_call():
    arrays = {'W1': np.ones((2, 3)), 'b1': np.zeros(3), 'W2': np.ones((3, 2)),
              'b2': np.zeros(2), 'X': np.arange(8.).reshape(4, 2)}
    scores = np.arange(8.).reshape(4, 2) * 10
    net = stand_in_loss.stand_in_class([{'id': 'predict_hidden', 'arrays': arrays}], {
        'predict_hidden' + stand_in_loss.STORED_SCORES: ProbeResult.success({'scores': scores})})()
    net.params = {name: arrays[name] for name in stand_in_loss.PARAM_NAMES}
    assert np.array_equal(net.loss(arrays['X']), scores)
    assert np.array_equal(net.loss(arrays['X'][[3, 1]]), scores[[3, 1]])   # rows, any order
    stand_in = net.loss(arrays['X'] + 1)      # rows of no stored call: the linear stand-in
    assert not np.array_equal(stand_in, scores) and stand_in.shape == scores.shape
    net.params = dict(net.params, b2=np.ones(2))
    assert not np.array_equal(net.loss(arrays['X']), scores)


def test_the_release_stores_the_reference_scores_of_predict():
    results = stored_outputs.load().results
    stored = results['predict_hidden' + stand_in_loss.STORED_SCORES].outputs['scores']
    assert np.array_equal(np.argmax(stored, axis=1),
                          results['predict_hidden'].outputs['y_pred'])


# ------------------------------------------------------------ copy against kit ---

def test_a_gradient_and_a_sampling_mistake_cost_train_nowhere_in_a_copy():
    """The two files of the former known gap: a copy judged train on the toy run with the
    student's own loss and sampling (train 1/2 and 0/2 there, 2/2 with the kit)."""
    with copy_grader() as copy:
        for name in ('relu_mask_missing', 'sample_without_replacement'):
            got = points(copy, mutants.apply(mutants.BY_NAME[name]).encode())
            assert got['train'] == 2.0, (name, got)
        no_relu = points(copy, mutants.apply(mutants.BY_NAME['no_relu']).encode())
        assert no_relu['predict'] == 1.0 and no_relu['scores'] == 0.0, no_relu
        # The hints that need a forward pass come from the stored outputs there.
        for name, check, diagnosis in (('no_relu', 'scores', 'relu_missing'),
                                       ('predict_argmin', 'predict', 'predict_argmin')):
            result = copy.grade_source(mutants.apply(mutants.BY_NAME[name]).encode(), name)
            assert diagnosis in {check_.name: check_.diagnoses
                                 for check_ in result.checks}[check], name
        assert points(copy, read(STUB)) == dict.fromkeys(no_relu, 0.0)


@pytest.mark.slow
def test_every_mutant_and_corpus_file_gets_the_same_points_in_a_copy(kit_grade):
    """The copy grades each file here; the kit's points are those of its grade of the same
    bytes (conftest's kit_grade, which test_corpus and test_mutants judge), on the visible
    checks: the only ones a copy has."""
    sources = kit_files()
    with copy_grader() as copy:
        copy_points = {name: points(copy, source) for name, source in sources.items()}
    visible = [check.name for check in CATALOG if check.visible]
    both = {}
    for name in sources:
        assert list(copy_points[name]) == visible, name
        kit = {check.name: check.score for check in kit_grade(name).checks}
        both[name] = ({check: kit[check] for check in visible}, copy_points[name])
    assert len(both) > 80
    differ = {name: pair for name, pair in both.items() if pair[0] != pair[1]}
    assert not differ, differ


# ------------------------------------------------------------ what a copy holds ---

# Definitions a public copy must not hold: the hidden checks' judges and bars, the code
# that draws the probes (with its forward passes), the class report, the instructor's verbs.
HIDDEN_DEFINITIONS = (
    'def judge_stability', 'def judge_sgd', 'def judge_no_mutation', 'def judge_val_accuracy',
    'def accuracy_verdict', 'def trained_accuracy', 'FIT_SETTINGS = ', 'BEST_NET_THRESHOLDS = ',
    'CHANCE_ACCURACY = ', 'def build_probes', 'def forward_labels', 'def _scores',
    'def _stability_problem', '\ndef no_relu_scores', 'def _linear_scores',
    "Check(name='stability'", "Check(name='sgd'", "Check(name='no_mutation'",
    "Check(name='val_accuracy'",
    'import copydetect')
INSTRUCTOR_MODULES = (
    'checks/hidden_judges.py', 'checks/thresholds.py', 'checks/probe_inputs.py',
    'checks/diagnoses.py', 'report', 'release/generate.py', 'submissions/batch.py',
    'platforms/gradescope.py', 'platforms/nbgrader_cells.py', 'platforms/nbgrader_autograde.py',
    'platforms/classroom.py') + tuple('commands/%s.py' % verb for verb in (
        'grade', 'gradescope', 'nbgrader', 'classroom', 'classroom50', 'release', 'report',
        'demo'))
HIDDEN_PROBES = ('loss_large', 'loss_extreme', 'train_epochs', 'train_small_set', '"fit"')


def package_files(root):
    """{path under root ('/'-separated): text} of a copy's grader package."""
    files = {}
    for folder, _, names in os.walk(os.path.join(str(root), 'autograder')):
        for name in names:
            if name.endswith(('.py', '.json')):
                path = os.path.join(folder, name)
                with open(path, encoding='utf-8') as handle:
                    files[os.path.relpath(path, str(root)).replace(os.sep, '/')] = handle.read()
    return files


def assert_public(root):
    files = package_files(root)
    assert 'autograder/checks/judges.py' in files and 'autograder/sandbox/session.py' in files
    for module in INSTRUCTOR_MODULES:
        assert not [rel for rel in files if rel == 'autograder/' + module
                    or rel.startswith('autograder/%s/' % module)], module
    for rel, text in files.items():
        for definition in HIDDEN_DEFINITIONS:
            assert definition not in text, (rel, definition)
    stored = files['autograder/release/expected_visible.json']
    for probe_id in HIDDEN_PROBES:
        assert probe_id not in stored, probe_id


CHECK_LINE = re.compile(r'^\[(PASS|PART|FAIL)\] (\S+)\s+([0-9.]+)/([0-9.]+) ', re.M)


def check_marks(python, cwd, path, env):
    done = subprocess.run([python, '-m', 'autograder', 'check', path], cwd=str(cwd), env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    marks = CHECK_LINE.findall(done.stdout)
    assert len(marks) == 6, done.stdout
    return marks


@pytest.mark.slow
def test_the_student_copy_holds_only_what_check_needs_and_check_runs_from_it_alone(tmp_path):
    repo = tmp_path / 'repo'
    # A venv of its own (the system's packages for numpy, as pip may be offline here; no
    # pip in it, which nothing here runs), the export as the working folder: the kit is
    # nowhere on the path. The venv is made while the export is written.
    venv = tmp_path / 'venv'
    making = subprocess.Popen([sys.executable, '-m', 'venv', '--system-site-packages',
                               '--without-pip', str(venv)])
    try:
        assert run_cli('release', '--student-repo', str(repo)).returncode == 0
    finally:
        assert making.wait(timeout=300) == 0, 'python -m venv failed'
    assert_public(repo)
    python = str(venv / 'bin' / 'python')
    env = {key: value for key, value in os.environ.items()
           if key not in ('TLN_KIT', 'PYTHONPATH', 'PYTHONHOME')}
    where = subprocess.run([python, '-c', 'import autograder; print(autograder.__file__)'],
                           cwd=str(repo), env=env, capture_output=True, text=True, timeout=60)
    assert where.stdout.startswith(str(repo)), where.stdout + where.stderr
    sources = {'reference': read(REFERENCE), 'stub': read(STUB)}
    for name in ('relu_mask_missing', 'sample_without_replacement', 'no_relu',
                 'predict_argmin', 'b2_never_updated'):
        sources[name] = mutants.apply(mutants.BY_NAME[name]).encode()
    for name, source in sources.items():
        path = str(tmp_path / name / 'neural_net.py')
        os.makedirs(os.path.dirname(path))
        with open(path, 'wb') as handle:
            handle.write(source)
    # Each file's check in the copy and in the kit run side by side.
    with ThreadPoolExecutor(2) as pool:
        marks = {name: (pool.submit(check_marks, python, repo, str(tmp_path / name /
                                                                   'neural_net.py'), env),
                        pool.submit(check_marks, sys.executable, REPO_DIR,
                                    str(tmp_path / name / 'neural_net.py'),
                                    dict(env, PYTHONPATH=REPO_DIR)))
                 for name in sources}
        for name, (in_copy, in_kit) in marks.items():
            assert in_copy.result() == in_kit.result(), name


@pytest.mark.slow
def test_the_classroom50_bundle_holds_only_the_visible_checks(tmp_path):
    assert run_cli('classroom50', 'build', '--out', str(tmp_path / 'bundle')).returncode == 0
    assert_public(tmp_path / 'bundle' / 'lib')


def test_the_student_copy_installs_only_the_packages_it_holds():
    """pip install of the export builds from its pyproject.toml: every package named there is
    in the export (autograder.report, left out, stopped the install)."""
    from autograder.release import generate
    files = generate.student_repo_files()
    setting = re.search(r'^packages = \[([^\]]*)\]', files['pyproject.toml'], re.M).group(1)
    packages = re.findall(r'"([\w.]+)"', setting)
    held = {os.path.dirname(rel).replace(os.sep, '.') for rel in files
            if rel.startswith('autograder') and rel.endswith('__init__.py')}
    assert sorted(packages) == sorted(held) and 'autograder.sandbox.child' in packages
