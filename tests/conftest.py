"""Shared fixtures: session-wide graders and a graded class.

Plain helpers and constants are in helpers.py (import them from there, never
from conftest).
"""
import os
import shutil
import sys

# One BLAS thread in every process of the suite (a setting already made is kept), set
# before numpy is first imported and inherited by the xdist workers and every command the
# tests start: two workers, each with a grader and its children, share two cores, and
# numpy's default of a thread per core makes them wait on each other's spinning threads.
for _variable in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_variable, '1')

# The suite's processes load jsonschema (through nbformat) without its optional
# rfc3987_syntax parser, as the kit's per-student nbgrader processes do
# (platforms/nbgrader_batch.NBGRADER_MAIN): building it costs a process about 1.4
# CPU-seconds. Commands the tests start are fresh processes and keep whatever their own
# code does.
sys.modules.setdefault('rfc3987_syntax', None)

import pytest  # noqa: E402  (the imports below load numpy)

from autograder.grading import Grader  # noqa: E402
from helpers import HAVE_FASHION_MNIST, run_cli  # noqa: E402

# Tests marked `machine` run alone beside the other xdist workers (tests/machine_lock.py).
pytest_plugins = ['machine_lock']

# Session fixtures too dear to build on each xdist worker (the graded class, the installed
# Gradescope bundle).
ONE_WORKER_FIXTURES = ('report_class', 'gradescope_bundle', 'kit_grade')


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Under pytest-xdist (--dist loadgroup), the tests sharing a fixture that is built once
    per process go to one worker, so it is built once: a module-scoped fixture (a graded
    class, an nbgrader course, a fresh venv) keeps its module's tests together, and the
    tests of ONE_WORKER_FIXTURES keep together across modules.

    Then the order in which the workers take them (pyproject: --no-loadscope-reorder keeps
    it): the `machine` tests first, then the slow tests that keep together (a group is one
    unit of work, minutes long for the Gradescope bundle's parity tests or the nbgrader
    course), then the other slow tests, the fast tier last. A `machine` test waits until
    the other worker's running test has ended, which idles one core for as long as that
    test has left; at the start the other worker runs machine tests too. The longest units
    start early and the many short tests come last, so the two workers finish together."""
    for item in items:
        group = _shared_fixture_group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
    items[:] = sorted(items, key=_run_order)


def _run_order(item):
    """0: machine tests, 1: slow tests kept together, 2: other slow tests, 3: the fast
    tier (sorted() keeps the collection order within each)."""
    if item.get_closest_marker('machine') is not None:
        return 0
    if item.get_closest_marker('slow') is None:
        return 3
    return 1 if item.get_closest_marker('xdist_group') is not None else 2


def _shared_fixture_group(item):
    names = getattr(item, 'fixturenames', ())
    for name in ONE_WORKER_FIXTURES:
        if name in names:
            return name
    definitions = getattr(item, '_fixtureinfo', None)
    definitions = definitions.name2fixturedefs if definitions else {}
    if any(defs and defs[-1].scope == 'module' for name, defs in definitions.items()
           if name in names):
        return item.module.__name__
    return None


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
def kit_grade(request):
    """The kit's grade (the grader fixture: every check, Fashion-MNIST) of one of
    helpers.kit_files() (the reference, the stub, a mutant, a corpus file): call it with
    the file's name for its SubmissionResult. Each file is graded once per process, on
    first ask: test_corpus and test_mutants judge these grades, test_copy_parity compares
    a copy's points with them. Where Fashion-MNIST is missing (never under CI: the grader
    fixture fails there) the grades are code_grader's, without val_accuracy, and the
    tests that need that check are skipped (helpers.needs_fashion_mnist)."""
    from helpers import kit_files
    use = 'grader' if HAVE_FASHION_MNIST or os.environ.get('CI') else 'code_grader'
    grader = request.getfixturevalue(use)
    files = kit_files()
    grades = {}

    def grade(name):
        if name not in grades:
            grades[name] = grader.grade_source(files[name], name)
        return grades[name]
    return grade


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


@pytest.fixture(scope='session')
def gradescope_bundle(tmp_path_factory):
    """The Gradescope bundle of helpers.BUNDLE_SEED on Fashion-MNIST, built and installed by its own
    setup.sh into a simulated /autograder once for test_parity and test_gradescope (about
    20 CPU-seconds each time), on first use: call it for (root, layer).

    layer is 'uid-drop' where this machine can run student code as the bundle's users
    (helpers.uid_drop_missing), as in Gradescope's Docker; the venv is then built from
    the system python3, which those users may run. Otherwise ''.
    """
    from autograder.platforms import gradescope
    from helpers import BUNDLE_SEED, SYSTEM_PYTHON, install_gradescope_bundle, uid_drop_missing
    installed = []

    def install():
        if not installed:
            zipped = str(tmp_path_factory.mktemp('gradescope-bundle') / 'autograder.zip')
            gradescope.build_zip(zipped, BUNDLE_SEED, dataset='fashion_mnist', log=lambda *_: None)
            layer = '' if uid_drop_missing() else 'uid-drop'
            installed.append((install_gradescope_bundle(
                zipped, **({'TLN_PYTHON': SYSTEM_PYTHON} if layer else {})), layer))
        return installed[0]
    yield install
    for root, _ in installed:
        shutil.rmtree(root, ignore_errors=True)
