"""One grade on every route: the same file gets the same points per check.

A subset (the reference, the stub, three catalog mutants, and the corpus files
that import matplotlib and past.builtins) goes through
- `python -m autograder grade` (the instructor's command line),
- the Gradescope bundle, built here, installed by its own setup.sh into a
  simulated /autograder and run by its run_autograder, student code under the
  uid-drop layer where this machine has it (as in Gradescope's Docker, root
  without namespaces),
- `nbgrader autograde` on a course made from autograder/course/ (the code
  checks; its tuned network replaces val_accuracy),
- the student's `check` (the visible checks, against the stored outputs of
  the public seed),
- the Classroom 50 `autograder.py` (built by `classroom50 build`, run from a copy in
  each student's checkout as Classroom 50 runs it: the visible checks, points x 4),
and every check must get the same points everywhere it runs. The whole corpus
goes through the two cheaper routes, `grade` and the bundle.
"""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from autograder.checks import CATALOG
from autograder.platforms import gradescope
from helpers import (BUNDLE_SEED, REPO_DIR, STUB, clean_env, mutants, needs_fashion_mnist,
                     reference_text, run_cli, write_submission)

pytestmark = [pytest.mark.slow, needs_fashion_mnist]

SEED = BUNDLE_SEED     # the seed of the installed bundle (conftest), for every route
CORPUS = os.path.join(REPO_DIR, 'tests', 'corpus')
# One mutant a visible check catches, two that only hidden checks catch.
SUBSET_MUTANTS = ('relu_mask_missing', 'unstable_softmax', 'sample_without_replacement')
SUBSET_CORPUS = ('matplotlib_import', 'future_xrange')
VISIBLE = {check.name for check in CATALOG if check.visible}
ALL_CHECKS = {check.name for check in CATALOG}
FULL_MARKS = {check.name: float(check.max_score) for check in CATALOG}


def read(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read()


def corpus_texts():
    return {'corpus_' + name[:-3]: read(os.path.join(CORPUS, name))
            for name in sorted(os.listdir(CORPUS)) if name.endswith('.py')}


def subset_texts():
    texts = {'reference': reference_text(), 'stub': read(STUB)}
    for name in SUBSET_MUTANTS:
        texts['mutant_' + name] = mutants.apply(mutants.BY_NAME[name])
    for name in SUBSET_CORPUS:
        texts['corpus_' + name] = read(os.path.join(CORPUS, name + '.py'))
    return texts


def write_folders(base, texts):
    """{name: folder holding that neural_net.py}."""
    return {name: os.path.dirname(write_submission(os.path.join(base, name), text))
            for name, text in texts.items()}


# --- route: grade --------------------------------------------------------------

def grade_points(folders):
    """{name: {check: points}} from `grade --json` (all checks, Fashion-MNIST)."""
    done = run_cli('grade', *folders.values(), '--json', '--dataset', 'fashion_mnist',
                   '--seed', str(SEED), '--jobs', '2', '--no-progress', timeout=3600)
    assert done.returncode in (0, 3), done.stderr[-3000:]
    by_folder = {os.path.basename(result['submission'].rstrip(os.sep)):
                 {check['name']: check['score'] for check in result['checks']}
                 for result in json.loads(done.stdout)}
    assert set(by_folder) == set(folders)
    return by_folder


# --- route: the Gradescope bundle ---------------------------------------------

@pytest.fixture(scope='module')
def bundle(gradescope_bundle):
    """(simulated /autograder, environment for run_autograder, layer, {text: points of
    its run}) after setup.sh: the
    bundle of seed SEED on Fashion-MNIST (conftest), student code under the uid-drop layer
    where this machine has it."""
    root, layer = gradescope_bundle()
    run_env = clean_env(GRADESCOPE_ROOT=root, **({'TLN_ISOLATION': layer} if layer else {}))
    return root, run_env, layer, {}


def bundle_points(bundle, text):
    """{check: points} of results.json after run_autograder on one submission (a text
    the module's tests already ran gets the points of that run: same bundle, same
    bytes, same grade)."""
    root, env, layer, runs = bundle
    if text not in runs:
        runs[text] = _run_bundle(root, env, layer, text)
    return runs[text]


def _run_bundle(root, env, layer, text):
    submission = os.path.join(root, 'submission')
    shutil.rmtree(submission, ignore_errors=True)
    write_submission(submission, text)
    os.chmod(submission, 0o755)
    done = subprocess.run(['bash', os.path.join(root, 'run_autograder')], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    if layer:
        assert 'the %s isolation layer' % layer in done.stdout, done.stdout
    with open(os.path.join(root, 'results', 'results.json'), encoding='utf-8') as handle:
        results = json.load(handle)
    return {test['name']: test['score'] for test in results['tests']
            if test['name'] != gradescope.FILE_TEST}


# --- route: the student's check ----------------------------------------------

CHECK_LINE = re.compile(r'^\[(?:PASS|PART|FAIL)\] (\S+)\s+([0-9.]+)/([0-9.]+) ', re.M)


def check_points(folder):
    """{visible check: points} printed by `check` on the folder."""
    done = run_cli('check', folder)
    assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-2000:]
    return {name: float(points) for name, points, _ in CHECK_LINE.findall(done.stdout)}


# --- route: nbgrader autograde -----------------------------------------------

def nbgrader_points(tmp_path_factory, tmp_path, texts):
    """{name: {code check: points}} from `nbgrader autograde` on a course of the texts (a
    copy of the course test_nbgrader generates, made once a run)."""
    from test_nbgrader import ASSIGNMENT, ENV, KIT_PATH, fresh_course, shared_release, submit
    course = fresh_course(shared_release(tmp_path_factory), tmp_path)
    for name, text in texts.items():
        submit(course, name, text, tune=False)
    # Plain `python -m nbgrader`, as an instructor runs it (test_nbgrader.nbgrader runs the
    # same, with the kit on the path and without TLN_SEED).
    done = subprocess.run([sys.executable, '-m', 'nbgrader', 'autograde', ASSIGNMENT,
                           '--force'], cwd=str(course), capture_output=True, text=True,
                          timeout=3600, env=dict(os.environ, **dict(ENV, TLN_SEED=str(SEED)),
                                                 PYTHONPATH=KIT_PATH))
    assert done.returncode in (0, 1), done.stderr[-3000:]
    from nbgrader.api import Gradebook
    points = {}
    with Gradebook('sqlite:///%s' % (course / 'gradebook.db')) as gradebook:
        for name in texts:
            points[name] = {check: gradebook.find_grade('test_' + check, 'two_layer_net',
                                                        ASSIGNMENT, name).auto_score
                            for check in ALL_CHECKS - {'val_accuracy'}}
    return points


# --- route: Classroom 50 -------------------------------------------------------

def classroom50_points(bundle_dir, tmp_path, text):
    """{visible check: points} of the result.json Classroom 50's run of the bundle writes."""
    from autograder.platforms import classroom50
    from test_classroom50 import checkout, run_bundle
    repo = checkout(tmp_path, text)
    done = run_bundle(bundle_dir, repo)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    with open(os.path.join(str(repo), 'result.json'), encoding='utf-8') as handle:
        result = json.load(handle)
    return {test['test-name']: test['score'] / classroom50.SCALE for test in result['tests']}


# --- the tests ------------------------------------------------------------------

@pytest.fixture(scope='module')
def graded(tmp_path_factory):
    """({name: folder}, {name: {check: points}}) of the subset and the whole corpus, graded
    by one `grade` call (the subset's corpus files are the corpus's)."""
    texts = dict(corpus_texts(), **subset_texts())
    folders = write_folders(str(tmp_path_factory.mktemp('parity')), texts)
    return folders, grade_points(folders)


def test_the_subset_gets_the_same_points_on_every_route(bundle, graded, tmp_path_factory,
                                                        tmp_path):
    texts = subset_texts()
    folders, by_grade = graded
    by_nbgrader = nbgrader_points(tmp_path_factory, tmp_path, texts)
    table = []
    for name, text in texts.items():
        expected = by_grade[name]
        assert set(expected) == ALL_CHECKS, name
        assert bundle_points(bundle, text) == expected, name
        assert by_nbgrader[name] == {check: points for check, points in expected.items()
                                     if check != 'val_accuracy'}, name
        assert check_points(folders[name]) == {check: points for check, points
                                               in expected.items() if check in VISIBLE}, name
        table.append((name, expected))
    # The files written for older starter code (matplotlib, past.builtins) are correct.
    for name in ['reference'] + ['corpus_' + corpus for corpus in SUBSET_CORPUS]:
        assert by_grade[name] == FULL_MARKS, name
    assert by_grade['stub'] == dict.fromkeys(ALL_CHECKS, 0.0)
    for mutant in SUBSET_MUTANTS:
        assert by_grade['mutant_' + mutant] != FULL_MARKS, mutant


def test_the_whole_corpus_gets_the_same_points_from_grade_and_the_bundle(bundle, graded):
    texts = corpus_texts()
    by_grade = graded[1]
    differ = {name: (by_grade[name], points) for name, points in
              ((name, bundle_points(bundle, text)) for name, text in texts.items())
              if points != by_grade[name]}
    assert not differ, differ


# Session scope (built once per xdist worker, a few seconds): a module-scoped fixture would
# keep these seven tests on the worker that also builds and runs the Gradescope bundle.
@pytest.fixture(scope='session')
def classroom50_bundle(tmp_path_factory):
    from test_classroom50 import built_bundle
    return built_bundle(tmp_path_factory.mktemp('c50'))


@pytest.mark.parametrize('name', [
    'reference', 'stub', 'mutant_relu_mask_missing', 'mutant_unstable_softmax',
    'mutant_sample_without_replacement', 'corpus_matplotlib_import', 'corpus_future_xrange'])
def test_check_and_classroom50_give_the_same_visible_points(classroom50_bundle, tmp_path, name):
    """Both routes a student's repository runs: the self-check and Classroom 50's bundle."""
    text = subset_texts()[name]
    [folder] = write_folders(str(tmp_path / 'subset'), {name: text}).values()
    expected = check_points(folder)
    assert set(expected) == VISIBLE
    assert classroom50_points(classroom50_bundle, tmp_path, text) == expected
