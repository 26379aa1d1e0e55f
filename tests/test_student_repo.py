"""The student export as a student gets it: a fresh venv without system
site-packages, the export installed in it, nothing of the development
checkout importable. Only `check` works there; everything else says so."""
import os
import shutil
import subprocess
import tempfile

import pytest

from autograder.paths import REPO_DIR
from helpers import bare_venv, clean_env, pip_into, reference_text, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def student(tmp_path_factory):
    """(export folder, venv python) with the export pip-installed in a fresh venv."""
    base = tmp_path_factory.mktemp('student')
    repo = base / 'repo'
    python = bare_venv(base / 'venv')
    subprocess.run(['git', 'init', '-q', str(repo)], check=True)
    run_cli('release', '--student-repo', str(repo), check=True)
    # Installed as the exported workflow installs it: its pip step, its `python -m pip`
    # installing into the venv (the venv has no pip of its own: bare_venv).
    install = subprocess.run(['bash', '-c', workflow_install_step(repo)], cwd=str(repo),
                             capture_output=True, text=True,
                             env=pip_into(python, base / 'shims'))
    assert install.returncode == 0, install.stderr[-2000:]
    return repo, python


def workflow_install_step(repo):
    """The run: line of the exported workflow step that pip-installs the self-check."""
    import yaml
    folder = repo / '.github' / 'workflows'
    runs = [step['run'] for name in sorted(os.listdir(str(folder)))
            for job in yaml.safe_load((folder / name).read_text())['jobs'].values()
            for step in job['steps'] if 'pip install' in step.get('run', '')]
    assert len(runs) == 1, runs
    return runs[0]


def in_venv(student, *args, cwd=None):
    repo, python = student
    return subprocess.run([python, *args], cwd=str(cwd or tempfile.gettempdir()),
                          capture_output=True, text=True, env=clean_env(), timeout=300)


@pytest.mark.parametrize('name', ['matplotlib_import', 'future_xrange'])
def test_check_gives_full_marks_to_the_old_starter_imports(student, name):
    """The student's CI environment has what student code may import (matplotlib,
    future): a correct file importing them passes every visible check."""
    repo, _ = student
    path = os.path.join(REPO_DIR, 'tests', 'corpus', name + '.py')
    done = in_venv(student, '-m', 'autograder', 'check', path, cwd=repo)
    assert done.returncode == 0 and '11 / 11' in done.stdout, done.stdout + done.stderr


def test_the_export_is_what_the_venv_imports(student):
    repo, _ = student
    found = in_venv(student, '-c', 'import autograder; print(autograder.__file__)')
    location = os.path.realpath(found.stdout.strip())
    assert location == os.path.realpath(str(repo / 'autograder' / '__init__.py')), found.stderr
    assert in_venv(student, '-c', 'import nbgrader').returncode != 0


def test_only_check_is_offered(student, tmp_path):
    repo, _ = student
    usage = in_venv(student, '-m', 'autograder', '--help')
    assert 'check' in usage.stdout and 'gradescope' not in usage.stdout
    for args in (['grade', 'assignment/neural_net.py'],
                 ['gradescope', 'build', '--seed', '5', '--out', str(tmp_path / 'a.zip')],
                 ['release', '--student-repo', str(tmp_path / 'copy')],
                 ['classroom', 'fetch', '--repos', 'x', '--into', str(tmp_path / 'c')],
                 ['demo']):
        done = in_venv(student, '-m', 'autograder', *args, cwd=repo)
        assert done.returncode == 2, (args, done.stderr)
        assert 'not part of this student copy' in done.stderr and 'python -m autograder check' \
            in done.stderr, args
        assert 'Traceback' not in done.stderr, args
    assert list(tmp_path.iterdir()) == []        # no partial zip, no copy


def test_check_works_from_the_root_and_from_the_notebook_folder(student):
    repo, _ = student
    stub = in_venv(student, '-m', 'autograder', 'check', cwd=repo)
    assert stub.returncode == 1 and '0 / 11' in stub.stdout, stub.stdout + stub.stderr
    shutil.copy(str(repo / 'assignment' / 'neural_net.py'), str(repo / 'stub.bak'))
    try:
        (repo / 'assignment' / 'neural_net.py').write_text(reference_text())
        good = in_venv(student, '-m', 'autograder', 'check', cwd=repo / 'assignment')
        assert good.returncode == 0 and '11 / 11' in good.stdout, good.stdout + good.stderr
        assert 'Self-check of neural_net.py' in good.stdout
        one = in_venv(student, '-m', 'autograder', 'check', '--only', 'grads', cwd=repo)
        assert one.returncode == 0 and '3 / 3' in one.stdout
    finally:
        shutil.move(str(repo / 'stub.bak'), str(repo / 'assignment' / 'neural_net.py'))


def test_check_with_a_seed_explains_the_public_one(student):
    repo, _ = student
    done = in_venv(student, '-m', 'autograder', 'check', '--seed', '5', cwd=repo)
    assert done.returncode == 2 and 'Traceback' not in done.stderr
    assert 'public seed' in done.stderr and 'expected_visible.json' in done.stderr


def test_the_datasets_the_readme_names_are_there(student):
    repo, _ = student
    readme = (repo / 'README.md').read_text()
    for script in ('cifar10_download.py', 'fashion_mnist_download.py'):
        assert script in readme and (repo / 'assignment' / script).is_file()
    help_text = in_venv(student, 'fashion_mnist_download.py', '--help', cwd=repo / 'assignment')
    assert help_text.returncode == 0 and '--source' in help_text.stdout
