"""The kit as a package: a non-editable install in a fresh venv holds the engine only.

The wheel carries the grader and the stored outputs of the visible checks (so
`check` works without the reference), reads its version and run-time pins
from one place each, and says clearly that grading needs the kit.
"""
import os
import shutil
import subprocess
import sys

import pytest

from autograder import __version__
from autograder.paths import REPO_DIR, runtime_requirements

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp('wheel')
    venv = root / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
    python = str(venv / 'bin' / 'python')
    source = root / 'kit'
    shutil.copytree(REPO_DIR, source, ignore=shutil.ignore_patterns(
        '.git', '__pycache__', '*.egg-info', 'build', 'datasets'))
    done = subprocess.run([python, '-m', 'pip', 'install', '--quiet', str(source)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    work = root / 'student'
    work.mkdir()
    return python, work


def run(python, work, *args):
    return subprocess.run([python, *args], cwd=str(work), capture_output=True, text=True,
                          timeout=300, env={'PATH': os.environ.get('PATH', ''), 'HOME': str(work)})


def test_the_wheel_holds_the_engine_not_the_course(installed):
    python, work = installed
    found = run(python, work, '-c', 'import autograder, os; print(autograder.__version__); '
                'print(os.path.dirname(autograder.__file__))')
    version, package = found.stdout.split()
    assert version == __version__ == '2.0.0'
    assert not package.startswith(REPO_DIR)
    site = os.path.dirname(package)
    assert os.path.isfile(os.path.join(package, 'release', 'expected_visible.json'))
    assert not os.path.exists(os.path.join(site, 'solutions'))
    assert not os.path.exists(os.path.join(package, 'course'))


def test_dependencies_come_from_the_one_pin_file(installed):
    python, work = installed
    shown = run(python, work, '-c', 'import importlib.metadata as m; '
                'print("\\n".join(m.requires("two-layer-net-kit")))')
    required = [line for line in shown.stdout.splitlines() if 'extra ==' not in line]
    normal = sorted(line.replace(' ', '') for line in required)
    assert normal == sorted(line.replace(' ', '') for line in runtime_requirements())


def test_check_works_and_grade_says_it_needs_the_kit(installed):
    python, work = installed
    shutil.copy(os.path.join(REPO_DIR, 'solutions', 'neural_net.py'), str(work))
    checked = run(python, work, '-m', 'autograder', 'check', 'neural_net.py')
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert 'All visible checks pass' in checked.stdout
    graded = run(python, work, '-m', 'autograder', 'grade', 'neural_net.py', '--public-seed')
    assert graded.returncode == 2 and 'Traceback' not in graded.stderr
    assert "need the instructor's kit" in graded.stderr
