"""The student stub and notebook are generated from solutions/ and stay in sync."""
import ast
import importlib.util
import json
import os
import re

import numpy as np
import pytest

from autograder.checks import markers
from autograder.release import generate as release
from autograder.paths import ASSIGNMENT_DIR, COURSE_SOURCE_DIR, SOLUTIONS_DIR
from helpers import REFERENCE, STUB, run_cli


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_files_match_release_command():
    assert release.drifted_files() == [], (
        'generated files are out of date: run `python -m autograder release`')


@pytest.mark.slow
def test_release_check_command_passes_on_the_committed_tree():
    result = run_cli('release', '--check')
    assert result.returncode == 0, result.stdout + result.stderr


def test_drift_is_detected(tmp_path):
    generated = release.generated_files()
    assert release.drifted_files(str(tmp_path)) == sorted(generated)
    for rel, text in generated.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding='utf-8')
    assert release.drifted_files(str(tmp_path)) == []
    edited = tmp_path / 'assignment' / 'neural_net.py'
    edited.write_text(edited.read_text(encoding='utf-8') + '# hand edit\n', encoding='utf-8')
    assert release.drifted_files(str(tmp_path)) == ['assignment/neural_net.py']


def test_stub_keeps_markers_and_everything_outside_them():
    with open(REFERENCE, encoding='utf-8') as handle:
        solution = handle.read().splitlines()
    with open(STUB, encoding='utf-8') as handle:
        stub = handle.read().splitlines()
    solution_regions = markers.code_regions(solution)
    stub_regions = markers.code_regions(stub)
    assert [r[2] for r in stub_regions] == [r[2] for r in solution_regions] == [
        '__init__', 'loss', 'loss', 'loss', 'train', 'train', 'predict']

    def outside(lines, regions):
        kept, cursor = [], 0
        for start, end, _ in regions:
            kept += lines[cursor:start + 1]
            cursor = end
        return kept + lines[cursor:]
    assert outside(stub, stub_regions) == outside(solution, solution_regions)
    ast.parse('\n'.join(stub))


def test_stub_imports_and_fails_clearly():
    stub = load(STUB, 'stub_neural_net')
    with pytest.raises(NotImplementedError, match='TwoLayerNet.__init__'):
        stub.TwoLayerNet(4, 10, 3)
    net = stub.TwoLayerNet.__new__(stub.TwoLayerNet)
    net.params = {'W1': np.zeros((4, 10)), 'b1': np.zeros(10), 'W2': np.zeros((10, 3)),
                  'b2': np.zeros(3)}
    X, y = np.ones((5, 4)), np.zeros(5, dtype=int)
    with pytest.raises(NotImplementedError, match='TwoLayerNet.loss'):
        net.loss(X)
    with pytest.raises(NotImplementedError, match='TwoLayerNet.train'):
        net.train(X, y, X, y, num_iters=1)
    with pytest.raises(NotImplementedError, match='TwoLayerNet.predict'):
        net.predict(X)


def test_blank_regions_rejects_broken_markers():
    with pytest.raises(markers.MarkerError, match='never closed'):
        markers.blank_regions('def f():\n    %s\n    x = 1\n' % markers.START_MARKER)
    with pytest.raises(markers.MarkerError, match='without a START'):
        markers.blank_regions('def f():\n    %s\n' % markers.END_MARKER)


def _notebook(path):
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)


def _text(cell):
    return cell['source'] if isinstance(cell['source'], str) else ''.join(cell['source'])


@pytest.mark.parametrize('folder', [SOLUTIONS_DIR, ASSIGNMENT_DIR, COURSE_SOURCE_DIR])
def test_notebooks_are_stored_without_outputs(folder):
    for cell in _notebook(os.path.join(folder, 'two_layer_net.ipynb'))['cells']:
        if cell['cell_type'] == 'code':
            assert cell['outputs'] == [] and cell['execution_count'] is None


def test_student_notebook_has_no_solutions_or_hidden_tests():
    notebook = _notebook(os.path.join(ASSIGNMENT_DIR, 'two_layer_net.ipynb'))
    text = '\n'.join(_text(cell) for cell in notebook['cells'])
    for secret in ('BEGIN SOLUTION', 'HIDDEN TESTS', 'grade_check', 'grade_best_net',
                   'I searched a small grid', 'Your explanation:** The gap'):
        assert secret not in text
    assert 'best_net = None' in text and 'raise NotImplementedError()' in text
    assert text.count('YOUR ANSWER HERE') == 2
    assert all('nbgrader' not in cell.get('metadata', {}) for cell in notebook['cells'])


def test_solution_notebook_covers_the_walkthrough():
    notebook = _notebook(os.path.join(SOLUTIONS_DIR, 'two_layer_net.ipynb'))
    text = '\n'.join(_text(cell) for cell in notebook['cells'])
    for piece in ('correct_scores', '1.30378789133', 'eval_numerical_gradient',
                  "plt.plot(stats['loss_history'])", 'get_data(DATASET)', 'hidden_size = 50',
                  'learning_rate=1e-4', 'reg=0.25', 'show_net_weights', 'best_net',
                  'Test accuracy', 'Inline Question 1', 'Inline Question 2'):
        assert piece in text, piece
    answer = [_text(c) for c in notebook['cells'] if 'Your explanation' in _text(c)][0]
    assert re.search(r'\*\*Your answer:\*\* 1 and 3', answer)


@pytest.mark.slow
def test_student_repository_has_no_solution_and_self_checks(tmp_path):
    import subprocess
    import sys
    dest = tmp_path / 'student'
    result = run_cli('release', '--student-repo', str(dest))
    assert result.returncode == 0, result.stderr
    files = [p for p in dest.rglob('*') if p.is_file()]
    assert not (dest / 'solutions').exists() and not (dest / 'autograder' / 'course').exists()
    assert not [p for p in files if 'mutants' in p.name]   # the catalog stays in the kit
    with open(REFERENCE, encoding='utf-8') as handle:
        solution_lines = {line.strip() for line in handle
                          if line.strip() and not line.strip().startswith('#')}
    stub_lines = set((dest / 'assignment' / 'neural_net.py').read_text().splitlines())
    secret = solution_lines - {line.strip() for line in stub_lines}
    assert len(secret) > 20
    for path in files:
        text = path.read_text(encoding='utf-8', errors='replace')
        assert 'BEGIN SOLUTION' not in text or path.name == 'generate.py', path
        leaked = [line for line in secret if len(line) > 25 and line in text]
        assert not leaked, (path, leaked[:3])

    def check(*args):
        return subprocess.run([sys.executable, '-m', 'autograder', *args], cwd=str(dest),
                              capture_output=True, text=True, timeout=300)
    stub = check('check')
    assert stub.returncode == 1 and '0 / 11' in stub.stdout
    (dest / 'assignment' / 'neural_net.py').write_text(open(REFERENCE).read())
    good = check('check')
    assert good.returncode == 0 and '11 / 11' in good.stdout, good.stdout + good.stderr
    grading = check('grade', 'assignment/neural_net.py')
    assert grading.returncode == 2 and 'not part of this student copy' in grading.stderr
    assert 'Traceback' not in grading.stderr
    # A second export into the same folder is allowed; a foreign folder is not.
    assert run_cli('release', '--student-repo', str(dest)).returncode == 0
    (tmp_path / 'other').mkdir()
    (tmp_path / 'other' / 'thesis.tex').write_text('precious')
    refused = run_cli('release', '--student-repo', str(tmp_path / 'other'))
    assert refused.returncode == 2 and 'not an earlier student export' in refused.stderr
    assert (tmp_path / 'other' / 'thesis.tex').read_text() == 'precious'


@pytest.mark.slow
def test_student_export_accepts_an_empty_or_git_init_folder(tmp_path):
    import subprocess
    empty = tmp_path / 'empty'
    empty.mkdir()
    assert run_cli('release', '--student-repo', str(empty)).returncode == 0
    fresh = tmp_path / 'fresh'
    subprocess.run(['git', 'init', '-q', str(fresh)], check=True)
    done = run_cli('release', '--student-repo', str(fresh))
    assert done.returncode == 0, done.stderr
    assert (fresh / '.git' / 'HEAD').is_file() and (fresh / 'README.md').is_file()
    itself = run_cli('release', '--student-repo', '.')
    assert itself.returncode == 2 and 'kit itself' in itself.stderr


def test_student_export_files():
    files = release.student_repo_files()
    ignore = files['.gitignore'].splitlines()
    for pattern in ('datasets/', '__pycache__/', '.ipynb_checkpoints/', 'checkpoints/'):
        assert pattern in ignore, pattern
    assert 'assignment/fashion_mnist_download.py' in files
    assert 'assignment/cifar10_download.py' in files
    workflow = files['.github/workflows/self-check.yml']
    assert 'GRADER_TOKEN' not in workflow and 'secrets.' not in workflow
    readme = files['README.md']
    for text in ('python cifar10_download.py', 'python fashion_mnist_download.py',
                 'apt-get install dataset-fashion-mnist', 'Windows', 'macOS',
                 '$env:TLN_DATASET', 'python -m autograder check'):
        assert text in readme, text
