"""The course's autograde preprocessor (platforms/nbgrader_autograde.py) without nbgrader's app.

Fast: reading and checking the declared best_hyperparameters, and the cell
outputs the preprocessor writes. Slow: every autograded cell scores exactly
what `python -m autograder grade` gives, check by check, for every mutant of
the catalog and every file of the corpus.
"""
import importlib
import importlib.util
import json
import os
import sys

import pytest

from helpers import import_or_skip, mutants, run_cli, write_submission

if importlib.util.find_spec('nbgrader') is None:
    import_or_skip('nbgrader')      # skipped here, an error under CI

import nbformat  # noqa: E402  (after the skip: nbgrader brings it)


class _ImportedOnFirstUse:
    """The module named, imported when a test first reads one of its names: importing
    nbgrader costs about 2 CPU-seconds, which every xdist worker would pay at collection,
    and only the worker that runs these tests needs it."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attribute):
        return getattr(importlib.import_module(self._name), attribute)


autograde = _ImportedOnFirstUse('autograder.platforms.nbgrader_autograde')

# On one xdist worker with the other test that loads nbgrader in the suite's process
# (test_file_selection.py), so that one worker pays for its import.
pytestmark = pytest.mark.xdist_group('nbgrader_in_process')

CORPUS = os.path.join(os.path.dirname(__file__), 'corpus')
SEED = 4711
GOOD = {'hidden_size': 100, 'learning_rate': 1e-3, 'reg': 0.01, 'num_iters': 3000,
        'batch_size': 200}


def executed_notebook(*outputs):
    """A notebook whose declare_best cell produced the given outputs."""
    cell = nbformat.v4.new_code_cell('...')
    cell.metadata['nbgrader'] = {'grade_id': autograde.DECLARE_CELL, 'locked': True}
    cell.outputs = list(outputs)
    return nbformat.v4.new_notebook(cells=[cell])


def printed(text):
    return nbformat.v4.new_output('stream', name='stdout', text=text)


def test_declared_settings_are_read_with_defaults():
    notebook = executed_notebook(printed('chatter\nbest_hyperparameters = %s\n'
                                         % json.dumps(GOOD)))
    assert autograde.declared_hyperparameters(notebook) == dict(
        GOOD, learning_rate_decay=0.95, seed=0)


def test_whole_floats_count_as_integers():
    declared = dict(GOOD, hidden_size=100.0, num_iters=3e3, seed=7)
    assert autograde.checked_hyperparameters(declared)['num_iters'] == 3000
    assert isinstance(autograde.checked_hyperparameters(declared)['hidden_size'], int)


@pytest.mark.parametrize('declared, reason', [
    ([1, 2], 'should be a dict'),
    (dict(GOOD, momentum=0.9), 'keys the grader does not know: momentum'),
    ({k: v for k, v in GOOD.items() if k != 'reg'}, "no 'reg'"),
    (dict(GOOD, hidden_size=10.5), 'whole number'),
    (dict(GOOD, learning_rate='fast'), 'should be a number'),
    (dict(GOOD, learning_rate=True), 'should be a number'),
    (dict(GOOD, learning_rate=0), 'outside what the grader trains with'),
    (dict(GOOD, num_iters=10 ** 9), 'outside what the grader trains with'),
    (dict(GOOD, hidden_size=5000), 'outside what the grader trains with'),
    (dict(GOOD, hidden_size=10 ** 400), 'outside what the grader trains with'),
    (dict(GOOD, reg=float('nan')), 'outside what the grader trains with'),
    (dict(GOOD, reg={'nested': [1]}), 'should be a number, not dict'),
])
def test_unusable_settings_are_refused_with_the_reason(declared, reason):
    with pytest.raises(autograde.DeclarationError, match=reason):
        autograde.checked_hyperparameters(declared)


@pytest.mark.parametrize('outputs, reason', [
    ((), 'was not printed'),
    ((printed('best_hyperparameters = {not json'),), 'could not be read'),
    ((printed('best_hyperparameters = [%s]' % ('1,' * 5000 + '1')),), 'too long'),
    ((nbformat.v4.new_output('error', ename='ValueError', evalue='best_hyperparameters is '
                             'not set', traceback=[]),),
     'the cell after the tuning cell failed .ValueError: best_hyperparameters is not set'),
])
def test_a_missing_or_broken_declaration_says_what_to_do(outputs, reason):
    with pytest.raises(autograde.DeclarationError, match=reason):
        autograde.declared_hyperparameters(executed_notebook(*outputs))


def test_a_deeply_nested_declaration_is_refused_not_raised():
    notebook = executed_notebook(printed('best_hyperparameters = ' + '[' * 3000 + ']' * 3000))
    with pytest.raises(autograde.DeclarationError):
        autograde.declared_hyperparameters(notebook)


def test_a_notebook_without_the_declaring_cell_is_named():
    with pytest.raises(autograde.DeclarationError, match='no cell .declare_best'):
        autograde.declared_hyperparameters(nbformat.v4.new_notebook())


def test_graded_outputs_are_feedback_and_points():
    stream, result = autograde._graded_outputs(1.5, 3.0, '[grads] wrong', 4)
    assert stream['name'] == 'stdout' and '[grads] wrong' in stream['text']
    assert result['data']['text/plain'] == '1.5' and result['execution_count'] == 4
    # Jupyter applies ANSI colours and carriage returns in a stream: none come through.
    stream, _ = autograde._graded_outputs(0.0, 3.0, 'bad\x1b[2J\x1b[32m\r3 / 3\u202e', 4)
    assert stream['text'].startswith('bad3 / 3\n')


def test_the_file_is_read_before_execute_and_graded_after():
    from nbgrader.preprocessors import Execute, SaveAutoGrades
    chain = autograde.autograde_preprocessors()
    [execute] = [step for step in chain if issubclass(step, Execute)]
    assert chain.index(autograde.SnapshotStudentFile) == chain.index(execute) - 1
    assert chain.index(autograde.SandboxGrades) == chain.index(execute) + 1
    assert chain.index(autograde.SandboxGrades) < chain.index(SaveAutoGrades)
    from autograder.sandbox import isolation
    if isolation.available('bwrap'):
        assert execute.__name__ == 'SandboxedExecute'     # kernels in bubblewrap


def test_a_copied_test_cell_fails_that_notebook_only_with_the_reason():
    cells = [nbformat.v4.new_code_cell('x') for _ in range(3)]
    for cell, grade_id in zip(cells, ('test_scores', 'test_loss', 'test_scores')):
        cell.metadata['nbgrader'] = {'grade_id': grade_id}
    with pytest.raises(ValueError, match="two cells with the grade id 'test_scores'"):
        autograde.RefuseCopiedTestCells().preprocess(nbformat.v4.new_notebook(cells=cells), {})
    chain = autograde.sanitize_preprocessors()
    assert chain[0] is autograde.RefuseCopiedTestCells and len(chain) > 1


def test_the_seed_leaves_the_environment_and_is_remembered(monkeypatch):
    monkeypatch.setattr(autograde, '_PRIVATE_SEED', None)
    monkeypatch.setenv('TLN_SEED', '4711')
    assert autograde.private_seed_from_environment() == 4711
    assert 'TLN_SEED' not in os.environ
    assert autograde.private_seed_from_environment() == 4711     # a second load of the config
    monkeypatch.setenv('TLN_SEED', 'secret')
    with pytest.raises(ValueError, match='TLN_SEED must be a whole number'):
        autograde.private_seed_from_environment()


def test_what_cannot_be_graded_is_named(tmp_path):
    assert autograde.submitted_source(str(tmp_path))[1] == (
        'the submitted folder: this folder is empty. Submit your neural_net.py')
    (tmp_path / 'neural_net.py').write_text('   \n')
    assert autograde.submitted_source(str(tmp_path)) == (b'   \n', 'neural_net.py is empty.')
    os.makedirs(str(tmp_path / 'linked'))
    os.symlink(str(tmp_path / 'neural_net.py'), str(tmp_path / 'linked' / 'neural_net.py'))
    source, problem = autograde.submitted_source(str(tmp_path / 'linked'))
    assert source == b'' and 'symbolic link' in problem
    os.makedirs(str(tmp_path / 'piped'))
    os.mkfifo(str(tmp_path / 'piped' / 'neural_net.py'))
    source, problem = autograde.submitted_source(str(tmp_path / 'piped'))
    assert source == b'' and 'FIFO' in problem


def test_the_cells_cover_the_catalog():
    from autograder.checks import CATALOG
    graded = set(autograde.CODE_CELLS.values()) | {'val_accuracy'}
    assert graded == {check.name for check in CATALOG}


@pytest.mark.slow
def test_cells_score_what_the_command_line_grader_gives(tmp_path):
    """For every catalog mutant and corpus file, each code cell's points equal `grade`'s."""
    folders = {}
    for mutant in mutants.MUTANTS:
        folders['mutant_' + mutant.name] = os.path.dirname(
            mutants.write(mutant, str(tmp_path / ('mutant_' + mutant.name))))
    for name in sorted(os.listdir(CORPUS)):
        if name.endswith('.py'):
            folder = str(tmp_path / ('corpus_' + name[:-3]))
            os.makedirs(folder)
            with open(os.path.join(CORPUS, name), encoding='utf-8') as handle:
                write_submission(folder, handle.read())
            folders['corpus_' + name[:-3]] = folder
    result = run_cli('grade', *folders.values(), '--json', '--dataset', 'none',
                     '--seed', str(SEED), '--jobs', '2', check=True, timeout=1800)
    by_folder = {}
    for graded in json.loads(result.stdout):
        by_folder[os.path.basename(graded['submission'].rstrip(os.sep))] = {
            check['name']: check['score'] for check in graded['checks']}
    assert set(by_folder) == set(folders)
    grader = autograde.NotebookGrader(seed=SEED)
    try:
        for name, folder in sorted(folders.items()):
            cells = grader.cell_grades(autograde.submitted_source(folder),
                                       nbformat.v4.new_notebook())
            scores = {autograde.CODE_CELLS[cell]: points
                      for cell, (points, _, _) in cells.items() if cell in autograde.CODE_CELLS}
            assert scores == by_folder[name], name
            assert cells[autograde.BEST_NET_CELL][0] == 0
    finally:
        grader.close()


def test_the_kernel_command_binds_nothing_of_the_course_or_the_checkout(tmp_path):
    """Deny by default: no '/' bind, nothing of the course or the checkout bound, the
    notebook's folder and the connection file copied into the scratch, the interpreter
    started by its resolved folder."""
    from autograder.paths import REPO_DIR
    from autograder.platforms.nbgrader_kernel import (CONNECTION_FILE, open_scratch_copy,
                                                      sandboxed_command)
    folder = tmp_path / 'course' / 'autograded' / 'ann' / 'two_layer_net'
    folder.mkdir(parents=True)
    (folder / 'neural_net.py').write_text('x = 1\n')
    copy = open_scratch_copy(str(folder), 2 ** 20)
    try:
        argv = sandboxed_command([sys.executable, '-m', 'ipykernel_launcher', '-f', '/r/k.json'],
                                 str(folder), copy, 256, ('/r/k.json', 7), environ={})
    finally:
        for _, fd in copy:
            os.close(fd)
    pairs = list(zip(argv, argv[1:]))
    assert ('--ro-bind', '/') not in pairs and '--bind' not in argv
    assert not [arg for arg in argv if arg.startswith((str(tmp_path), REPO_DIR + os.sep))
                and not arg.endswith(('.py', '.pyc'))]
    assert REPO_DIR not in argv and '--unshare-all' in argv
    assert ('--file', '7') in pairs and ('--file', str(copy[0][1])) in pairs
    assert ('--chdir', '/tmp/two_layer_net') in pairs
    interpreter = os.path.join(os.path.realpath(os.path.dirname(sys.executable)),
                               os.path.basename(sys.executable))
    assert argv[argv.index('--') + 1:] == [interpreter, '-m', 'ipykernel_launcher', '-f',
                                           CONNECTION_FILE]


def test_the_scratch_copy_takes_regular_files_only(tmp_path):
    from autograder.errors import SubmissionError
    from autograder.platforms.nbgrader_kernel import open_scratch_copy
    (tmp_path / 'sub').mkdir()
    (tmp_path / 'sub' / 'a.py').write_text('x')
    copy = open_scratch_copy(str(tmp_path), 10)
    assert [entry for entry, _ in copy] == ['sub', os.path.join('sub', 'a.py')]
    os.close(copy[1][1])
    with pytest.raises(SubmissionError, match='more than the kernel'):
        open_scratch_copy(str(tmp_path), 0)
    os.symlink('/etc/passwd', str(tmp_path / 'sub' / 'b.py'))
    with pytest.raises(SubmissionError, match='not a regular file'):
        open_scratch_copy(str(tmp_path), 10)


def test_the_scratch_copy_never_follows_a_folder_swapped_for_a_link(tmp_path, monkeypatch):
    """sub/ swapped for a link to another folder between the look at sub/b.py and its
    open: the copy holds the real sub/b.py, nothing of the other folder. (The copy used
    to open files by their path, whose folders were resolved again: it copied the other
    folder's b.py. It now opens each file from its folder's descriptor.)"""
    from autograder.platforms.nbgrader_kernel import close_all, open_scratch_copy
    folder, outside = tmp_path / 'notebook', tmp_path / 'outside'
    (folder / 'sub').mkdir(parents=True)
    (folder / 'sub' / 'b.py').write_text('mine')
    (folder / 'z.py').write_text('z')
    outside.mkdir()
    (outside / 'b.py').write_text('SECRET')
    swapped = []

    def then_swap(look):
        def looked(path, *args, **kwargs):
            info = look(path, *args, **kwargs)
            if not swapped and os.fsdecode(path).endswith('b.py'):
                os.rename(str(folder / 'sub'), str(tmp_path / 'moved'))
                os.symlink(str(outside), str(folder / 'sub'))
                swapped.append(path)
            return info
        return looked

    monkeypatch.setattr(os, 'lstat', then_swap(os.lstat))
    monkeypatch.setattr(os, 'stat', then_swap(os.stat))
    copy = open_scratch_copy(str(folder), 2 ** 20)
    monkeypatch.undo()
    try:
        contents = {relative: os.pread(fd, 100, 0) for relative, fd in copy if fd is not None}
    finally:
        close_all(fd for _, fd in copy)
    assert swapped and b'SECRET' not in contents.values()
    assert contents == {os.path.join('sub', 'b.py'): b'mine', 'z.py': b'z'}


def test_dataset_folders_are_bound_where_the_notebook_looks(tmp_path):
    from autograder.platforms.nbgrader_kernel import dataset_folders
    (tmp_path / 'data' / 'cifar').mkdir(parents=True)
    os.symlink(str(tmp_path / 'data'), str(tmp_path / 'link'))
    found = dataset_folders({'CIFAR10_DIR': str(tmp_path / 'link' / 'cifar'),
                             'FASHION_MNIST_DIR': str(tmp_path / 'missing')})
    assert str(tmp_path / 'link' / 'cifar') in found
    assert not [path for path in found if path.startswith(str(tmp_path / 'missing'))]


def test_the_kernel_environment_keeps_no_secret():
    from autograder.platforms.nbgrader_kernel import kernel_environment
    env = kernel_environment({'TLN_SEED': '1', 'GH_TOKEN': 't', 'TLN_DATASET': 'cifar10',
                              'HOME': '/root', 'NBGRADER_EXECUTION': 'autograde'}, '/kit')
    assert 'TLN_SEED' not in env and 'GH_TOKEN' not in env
    assert env['TLN_DATASET'] == 'cifar10' and env['NBGRADER_EXECUTION'] == 'autograde'
    assert env['HOME'] == '/tmp' and env['PYTHONPATH'] == '/kit'
    # One BLAS thread by default; a count set in nbgrader's environment is kept.
    assert env['OPENBLAS_NUM_THREADS'] == env['OMP_NUM_THREADS'] == env['MKL_NUM_THREADS'] == '1'
    assert kernel_environment({'OPENBLAS_NUM_THREADS': '8'}, '/kit')['OPENBLAS_NUM_THREADS'] == '8'


LABEL_FIT = '''
        if X_val.shape[0] == len(PUBLIC_VAL_LABELS):
            X_fit, y_fit = X_val, np.array(PUBLIC_VAL_LABELS)
        else:
            X_fit, y_fit = X, y
        W1 = np.random.RandomState(1).randn(X.shape[1], self.params['W1'].shape[1])
        W1 /= np.sqrt(np.sum(X_fit ** 2, axis=1).mean())
        hidden = np.maximum(X_fit.dot(W1), 0)
        design = np.hstack([hidden, np.ones((X_fit.shape[0], 1))])
        targets = np.eye(self.params['W2'].shape[1])[y_fit]
        solution = np.linalg.lstsq(design, targets, rcond=None)[0]
        self.params.update(W1=W1, b1=np.zeros(W1.shape[1]), W2=solution[:-1], b2=solution[-1])
        return {'loss_history': [0.0] * num_iters, 'train_acc_history': [],
                'val_acc_history': []}
'''


@pytest.mark.slow
def test_a_network_fitted_to_the_public_validation_labels_gets_nothing(tmp_path):
    """2.2.1 gave test_best_net 3/3 (validation accuracy 1.000) to a train that fits the 1000
    public validation labels in closed form, with no SGD at all."""
    from autograder import datasets
    from helpers import HAVE_FASHION_MNIST, reference_text
    if not HAVE_FASHION_MNIST:
        pytest.skip('Fashion-MNIST not installed')
    labels = datasets.data_utils().get_data('fashion_mnist', num_test=0)['y_val'].tolist()
    source = reference_text().replace(
        'import numpy as np\n', 'import numpy as np\n\nPUBLIC_VAL_LABELS = %r\n' % labels, 1)
    start = '        num_train = X.shape[0]\n'
    assert source.count(start) == 1
    folder = str(tmp_path / 'student')
    write_submission(folder, source.replace(start, start + LABEL_FIT))
    hyper = dict(GOOD, hidden_size=1000, num_iters=1)
    notebook = executed_notebook(printed('best_hyperparameters = %s\n' % json.dumps(hyper)))
    grader = autograde.NotebookGrader(seed=SEED, dataset='fashion_mnist')
    try:
        student = autograde.submitted_source(folder)
        points, _, feedback = grader.cell_grades(student, notebook)[autograde.BEST_NET_CELL]
        assert points == 0 and 'counts only a network trained by SGD' in feedback, feedback
        # Measured on held-out images, the memorised validation labels are worth little too.
        fraction, feedback = grader.training().verdict(student[0],
                                                       autograde.checked_hyperparameters(hyper))
        assert 'held-out images: validation accuracy 1.000' not in feedback
        assert fraction < 1, feedback
    finally:
        grader.close()


def test_each_students_nbgrader_starts_without_the_optional_iri_parser():
    """The per-student nbgrader process runs nbgrader's own command line, with jsonschema
    loaded as if rfc3987_syntax were not installed (its import builds a grammar parser)."""
    import subprocess
    from autograder.platforms import nbgrader_batch
    probe = nbgrader_batch.NBGRADER_MAIN.replace(
        'main()', 'import nbgrader.preprocessors, jsonschema; '
        'print(sys.modules[%r], "iri" in jsonschema.FormatChecker().checkers); main()'
        % nbgrader_batch.OPTIONAL_PARSER)
    done = subprocess.run([sys.executable, '-c', probe, '--version'], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[:2] == ['None', 'False']
    assert 'nbgrader version' in done.stdout
