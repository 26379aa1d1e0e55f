"""Plain helpers and constants the test modules share (fixtures live in conftest.py).

Test modules import from here (`from helpers import ...`); pytest puts tests/
on sys.path (pyproject.toml: pythonpath), so this works in every import mode.
"""
import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

from autograder import datasets
from autograder.paths import ASSIGNMENT_DIR, REPO_DIR, SOLUTIONS_DIR, STUDENT_FILE

REFERENCE = os.path.join(SOLUTIONS_DIR, STUDENT_FILE)
STUB = os.path.join(ASSIGNMENT_DIR, STUDENT_FILE)
HAVE_FASHION_MNIST = datasets.available('fashion_mnist')

needs_fashion_mnist = pytest.mark.skipif(
    not HAVE_FASHION_MNIST and not os.environ.get('CI'),
    reason='Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)')


def write_submission(folder, text, name=STUDENT_FILE):
    """Write text (str or bytes) as folder/name; returns the path."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    mode = 'wb' if isinstance(text, bytes) else 'w'
    with open(path, mode) as handle:
        handle.write(text)
    return path


def reference_text():
    with open(REFERENCE, encoding='utf-8') as handle:
        return handle.read()


def load_module(path, name):
    """Import the Python file at path as a fresh module called name (kit files only)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def public_seed(args):
    """args of a `grade` call, with --public-seed unless a --seed is given.

    The tests grade with the kit's public seed; `grade` refuses it unless told
    (real grading takes a private --seed).
    """
    args = list(args)
    if args and args[0] == 'grade' and '--seed' not in args and '--help' not in args:
        args.append('--public-seed')
    return args


def run_cli(*args, check=False, timeout=600, env=None):
    """Run `python -m autograder ARGS` from the repo root; returns CompletedProcess.

    A `grade` call without --seed gets --public-seed (public_seed)."""
    args = public_seed(args)
    result = subprocess.run([sys.executable, '-m', 'autograder', *args], cwd=REPO_DIR,
                            capture_output=True, text=True, timeout=timeout,
                            env=dict(os.environ, **(env or {})))
    if check and result.returncode != 0:
        raise AssertionError('exit %d\nstdout:\n%s\nstderr:\n%s'
                             % (result.returncode, result.stdout, result.stderr))
    return result


def copy_reference(folder):
    os.makedirs(folder, exist_ok=True)
    shutil.copy(REFERENCE, os.path.join(folder, STUDENT_FILE))
    return os.path.join(folder, STUDENT_FILE)

