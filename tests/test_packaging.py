"""The kit as a package: a non-editable install in a fresh venv holds the engine only.

The wheel carries the grader and the stored outputs of the visible checks (so
`check` works without the reference), reads its version and run-time pins
from one place each, and holds no solutions/, no nbgrader course and no
mutation catalog. Grading from it takes the instructor's kit with `--kit DIR`
(or TLN_KIT), and says so, naming the folder, when the kit is missing. The
venv is made without system site-packages, so the editable kit cannot leak in.
"""
import json
import os
import shutil
import subprocess
import zipfile

import pytest

from autograder import __version__
from autograder.paths import REPO_DIR, runtime_requirements
from helpers import HAVE_FASHION_MNIST, bare_venv, pip_into

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """(venv python, a scratch folder, the built wheel): the wheel built from a copy of the
    kit and installed, with its dependencies, into a fresh venv."""
    root = tmp_path_factory.mktemp('wheel')
    python = bare_venv(root / 'venv')
    # `python -m pip` builds and installs for the venv (pip_into: this interpreter's pip).
    # pip_into is clean_env: with the checkout on PYTHONPATH, pip would see its egg-info as
    # the kit already installed and install nothing.
    env = pip_into(python, root / 'shims')
    source = root / 'kit'
    shutil.copytree(REPO_DIR, source, ignore=shutil.ignore_patterns(
        '.git', '__pycache__', '*.egg-info', 'build', 'datasets'))
    dist = root / 'dist'
    built = subprocess.run(['python', '-m', 'pip', 'wheel', '--quiet', '--no-deps',
                            '-w', str(dist), str(source)],
                           capture_output=True, text=True, timeout=900, env=env)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel, = dist.glob('*.whl')
    # --no-compile: no bytecode for every installed module (half the install's time); the
    # few modules the tests import are compiled when imported.
    done = subprocess.run(['python', '-m', 'pip', 'install', '--quiet', '--no-compile',
                           str(wheel)], capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    work = root / 'student'
    work.mkdir()
    return python, work, wheel


def run(python, work, *args, **env):
    return subprocess.run([python, *args], cwd=str(work), capture_output=True, text=True,
                          timeout=600, env={'PATH': os.environ.get('PATH', ''),
                                            'HOME': str(work), **env})


def test_the_wheel_holds_the_engine_not_the_course(installed):
    python, work, wheel = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert 'autograder/grading.py' in names
    assert 'autograder/release/expected_visible.json' in names
    assert not [name for name in names if 'mutants' in name]
    assert not [name for name in names if name.startswith(('solutions/', 'assignment/'))
                or name.startswith('autograder/course/')]
    found = run(python, work, '-c', 'import autograder, os; print(autograder.__version__); '
                'print(os.path.dirname(autograder.__file__))')
    version, package = found.stdout.split()
    assert version == __version__ == '2.5.2'
    assert package.startswith(str(work.parent / 'venv')) and not package.startswith(REPO_DIR)
    site = os.path.dirname(package)
    assert os.path.isfile(os.path.join(package, 'release', 'expected_visible.json'))
    assert not os.path.exists(os.path.join(site, 'solutions'))
    assert not os.path.exists(os.path.join(package, 'course'))
    assert not os.path.exists(os.path.join(package, 'mutants.py'))


def test_dependencies_come_from_the_one_pin_file(installed):
    python, work, _ = installed
    shown = run(python, work, '-c', 'import importlib.metadata as m; '
                'print("\\n".join(m.requires("two-layer-net-kit")))')
    required = [line for line in shown.stdout.splitlines() if 'extra ==' not in line]
    normal = sorted(line.replace(' ', '') for line in required)
    assert normal == sorted(line.replace(' ', '') for line in runtime_requirements())


def test_check_works_without_the_kit(installed):
    python, work, _ = installed
    shutil.copy(os.path.join(REPO_DIR, 'solutions', 'neural_net.py'), str(work))
    checked = run(python, work, '-m', 'autograder', 'check', 'neural_net.py')
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert 'All visible checks pass' in checked.stdout


def test_grade_with_kit_gives_full_marks(installed):
    """The reference, the loaders and the data come from --kit; the engine from the venv."""
    python, work, _ = installed
    submission = work / 'alice'
    submission.mkdir()
    shutil.copy(os.path.join(REPO_DIR, 'solutions', 'neural_net.py'), str(submission))
    dataset = 'fashion_mnist' if HAVE_FASHION_MNIST else 'none'
    graded = run(python, work, '-m', 'autograder', 'grade', '--kit', REPO_DIR, str(submission),
                 '--public-seed', '--json', '--dataset', dataset)
    assert graded.returncode == 0, graded.stderr[-3000:]
    result, = json.loads(graded.stdout)
    assert result['score'] == result['max_score'] == (18 if HAVE_FASHION_MNIST else 15)
    if HAVE_FASHION_MNIST:
        assert 'val_accuracy' in [check['name'] for check in result['checks']]
    by_env = run(python, work, '-m', 'autograder', 'grade', str(submission), '--public-seed',
                 '--json', '--dataset', 'none', TLN_KIT=REPO_DIR)
    assert by_env.returncode == 0, by_env.stderr[-3000:]
    assert json.loads(by_env.stdout)[0]['score'] == 15


def test_without_a_kit_each_verb_says_what_it_needs(installed, tmp_path):
    python, work, _ = installed
    shutil.copy(os.path.join(REPO_DIR, 'solutions', 'neural_net.py'), str(work))

    def error(*args, **env):
        done = run(python, work, '-m', 'autograder', *args, **env)
        assert done.returncode == 2 and 'Traceback' not in done.stderr, done.stderr
        assert done.stderr.startswith('error: ') and done.stderr.count('\n') == 1, done.stderr
        return done.stderr

    for verb in (['grade', 'neural_net.py', '--public-seed'], ['demo'],
                 ['gradescope', 'build', '--seed', '5']):
        said = error(*verb)
        assert "of the instructor's kit" in said and 'pass --kit DIR' in said, said
        assert 'needs solutions/neural_net.py (the reference solution)' in said
    assert 'solutions/mutants.py (the mutation catalog)' in error('demo')
    said = error('release', '--check')
    assert 'not inside the instructor\'s kit' in said and 'cd DIR' in said
    (tmp_path / 'out' / 'results').mkdir(parents=True)
    said = error('report', str(tmp_path / 'out'))
    assert 'assignment/neural_net.py' in said and '--kit DIR' in said
    # A wrong --kit or TLN_KIT: the folder is named, with what it lacks.
    nowhere = str(tmp_path / 'nowhere')
    said = error('grade', 'neural_net.py', '--public-seed', '--kit', nowhere)
    assert '--kit %s: no such folder' % nowhere in said
    said = error('grade', 'neural_net.py', '--public-seed', TLN_KIT=str(work))
    assert 'TLN_KIT=%s has no solutions/neural_net.py (the reference solution)' % work in said
