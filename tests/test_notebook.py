"""The solution notebook runs end to end headless (nbclient) on Fashion-MNIST.

The tests that execute a notebook are slow and need the data, nbformat and
nbclient (imported when such a test runs: a machine without them still
collects this module); the checks of the stored notebooks read their JSON.
"""
import json
import os
import shutil

import pytest

from autograder.checks import BEST_NET_THRESHOLDS, CHECKS
from autograder.paths import ASSIGNMENT_DIR, REPO_DIR, SOLUTIONS_DIR
from helpers import import_or_skip, needs_fashion_mnist

# The kernels import `autograder` from this checkout, not from wherever the kit is installed.
KIT_PATH = os.pathsep.join(filter(None, [REPO_DIR, os.environ.get('PYTHONPATH')]))


def runs_notebook(test):
    """Mark of a test that executes a notebook: slow tier, Fashion-MNIST needed."""
    return pytest.mark.slow(needs_fashion_mnist(test))


def notebook_tools():
    """(nbformat, nbclient.NotebookClient), or a skip where they are not installed."""
    nbformat = import_or_skip('nbformat')
    return nbformat, import_or_skip('nbclient').NotebookClient


def scratch_notebook(source_dir, folder, reference=False):
    """Copy the .py and .ipynb files of source_dir into folder (with the reference
    neural_net.py over the stub if reference); returns the notebook read from there."""
    nbformat, _ = notebook_tools()
    for name in os.listdir(source_dir):
        if name.endswith(('.py', '.ipynb')):
            shutil.copy(os.path.join(source_dir, name), folder)
    if reference:
        shutil.copy(os.path.join(SOLUTIONS_DIR, 'neural_net.py'), folder)
    return nbformat.read(os.path.join(str(folder), 'two_layer_net.ipynb'), as_version=4)


def execute(notebook, folder, **options):
    """Run the notebook in folder on Fashion-MNIST, quick mode, importing this checkout,
    with one BLAS thread (as the student README advises on few or busy cores: numpy's
    default threads made the notebook's training many times slower here)."""
    _, NotebookClient = notebook_tools()
    old_env = dict(os.environ)
    os.environ.update(TLN_DATASET='fashion_mnist', TLN_QUICK='1', PYTHONPATH=KIT_PATH,
                      OPENBLAS_NUM_THREADS='1', OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    try:
        NotebookClient(notebook, timeout=600, kernel_name='python3',
                       resources={'metadata': {'path': str(folder)}}, **options).execute()
    finally:
        os.environ.clear()
        os.environ.update(old_env)


def stored_cells(path):
    """The cells of a stored notebook as dicts, each source joined into one string."""
    with open(path, encoding='utf-8') as handle:
        cells = json.load(handle)['cells']
    for cell in cells:
        if isinstance(cell['source'], list):
            cell['source'] = ''.join(cell['source'])
    return cells


@pytest.fixture(scope='module')
def executed(tmp_path_factory):
    """The solution notebook executed in a scratch copy of solutions/ (quick mode)."""
    folder = tmp_path_factory.mktemp('solution_run')
    notebook = scratch_notebook(SOLUTIONS_DIR, folder)
    execute(notebook, folder)
    return notebook


def outputs(notebook):
    for cell in notebook.cells:
        if cell.cell_type == 'code':
            for output in cell.outputs:
                yield cell, output


@runs_notebook
def test_runs_without_errors(executed):
    errors = [o for _, o in outputs(executed) if o.output_type == 'error']
    assert errors == []


@runs_notebook
def test_plots_are_produced(executed):
    images = [cell.metadata.get('nbgrader', {}).get('grade_id')
              for cell, o in outputs(executed) if 'image/png' in o.get('data', {})]
    # Toy loss curve, loss/accuracy history, first-layer weights twice.
    assert images == ['check_train', 'plot_history', 'show_weights', 'show_best_weights']


@runs_notebook
def test_every_test_cell_earns_full_points(executed):
    graded = 0
    for cell in executed.cells:
        meta = cell.metadata.get('nbgrader', {})
        if not meta.get('grade') or cell.cell_type != 'code':
            continue
        results = [o for o in cell.outputs if o.output_type == 'execute_result']
        assert len(results) == 1, meta['grade_id']
        assert float(results[0].data['text/plain']) == meta['points'], meta['grade_id']
        graded += 1
    assert graded == 10


def test_test_cell_points_come_from_the_catalog():
    for cell in stored_cells(os.path.join(SOLUTIONS_DIR, 'two_layer_net.ipynb')):
        meta = cell['metadata'].get('nbgrader', {})
        if meta.get('grade') and cell['cell_type'] == 'code':
            name = meta['grade_id'][len('test_'):]
            check = CHECKS['val_accuracy' if name == 'best_net' else name]
            assert meta['points'] == check.max_score, meta['grade_id']


@runs_notebook
def test_best_net_reaches_the_bar(executed):
    text = ''.join(o.get('text', '') for _, o in outputs(executed) if o.output_type == 'stream')
    line = [l for l in text.splitlines() if l.startswith('Validation accuracy of best_net')][0]
    accuracy = float(line.split(':')[1])
    assert accuracy >= BEST_NET_THRESHOLDS['fashion_mnist']
    assert 'Test accuracy' in text


@pytest.fixture(scope='module')
def student_run(tmp_path_factory):
    """The student notebook with the reference neural_net.py, run as a student who has not
    tuned yet runs it: every cell, a failing cell keeping its error and the run going on
    (the tuning cell as released sets best_net = None, then raises NotImplementedError).
    Returns (the executed notebook, the index of the tuning cell)."""
    folder = tmp_path_factory.mktemp('student_run')
    notebook = scratch_notebook(ASSIGNMENT_DIR, folder, reference=True)
    [tune] = [i for i, cell in enumerate(notebook.cells) if 'best_net = None' in cell.source]
    execute(notebook, folder, allow_errors=True)
    return notebook, tune


def failed_cells(notebook):
    """{index: first error output} of the code cells of notebook that raised."""
    failed = {i: [o for o in cell.outputs if o.output_type == 'error']
              for i, cell in enumerate(notebook.cells) if cell.cell_type == 'code'}
    return {i: errors[0] for i, errors in failed.items() if errors}


@runs_notebook
def test_student_notebook_runs_until_the_tuning_cell(student_run):
    """With a correct neural_net.py, every check of the student notebook passes and the
    first stop is the tuning cell the student has to write."""
    notebook, tune = student_run
    failed = failed_cells(notebook)
    assert min(failed) == tune, {i: notebook.cells[i].source[:200] for i in failed}
    assert failed[tune].ename == 'NotImplementedError'


@runs_notebook
def test_cells_after_tuning_say_to_set_best_net(student_run):
    """A student who leaves best_net unset gets a sentence that says what to do in every
    cell that needs it, not an AttributeError on None."""
    notebook, tune = student_run
    failed = {i: error for i, error in failed_cells(notebook).items() if i != tune}
    assert sorted(failed) and min(failed) > tune
    # the declared settings, the weights plot, the best_net check, the test accuracy
    assert len(failed) == 4
    for error in failed.values():
        assert error.ename == 'ValueError' and 'AttributeError' not in error.evalue
        assert 'in the tuning cell above' in error.evalue
        assert 'set best_net' in error.evalue or 'best_hyperparameters is not set' in error.evalue


def test_self_check_instructions_hold_in_the_notebook_folder():
    intro = stored_cells(os.path.join(ASSIGNMENT_DIR, 'two_layer_net.ipynb'))[0]['source']
    assert 'in the folder this notebook is in' in intro
    assert 'python -m autograder check' in intro and 'assignment/neural_net.py' not in intro
