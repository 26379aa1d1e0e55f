"""Tests marked `machine` run alone, even when pytest-xdist runs the others side by side.

pyproject.toml runs the suite on two pytest-xdist workers. A few tests need the
machine to themselves: they grade inside cgroups of their own (CPU, memory), run
children as the sandbox user (the uid-drop layer, where one student's process
may signal or read every process of that user, a neighbouring worker's too), or
bound how long something takes. They carry `@pytest.mark.machine`.

A readers-writer lock between the workers: every test holds a shared lock on
machine.lock from its setup to its teardown, a `machine` test an exclusive one,
so it starts once the other workers' current tests have ended and they start
nothing new until it is done. A second file, gate.lock, makes waiting writers
come first: a `machine` test takes the gate before waiting for machine.lock, and
every test passes through the gate before its shared lock, so a worker that
starts test after test cannot keep a `machine` test waiting for ever.

The controller makes the lock folder and hands it to each worker
(workerinput); without xdist (`-n 0`, `-p no:xdist`) there is one process and
nothing to lock.
"""
import contextlib
import os
import shutil
import tempfile

import pytest

try:
    import fcntl
except ImportError:             # Windows: no flock, no lock (the kit's suite runs on Linux)
    fcntl = None

MARKER = 'machine'
_FOLDER_KEY = 'tln_machine_lock'
_made = []


def _folder():
    """The controller's lock folder, made on first use."""
    if not _made:
        _made.append(tempfile.mkdtemp(prefix='tln-pytest-lock-'))
    return _made[0]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist, controller side: hand the lock folder to a worker."""
    node.workerinput[_FOLDER_KEY] = _folder()


def pytest_unconfigure(config):
    if _made and not hasattr(config, 'workerinput'):
        shutil.rmtree(_made.pop(), ignore_errors=True)


@contextlib.contextmanager
def _locked(path, mode):
    with open(path, 'a') as handle:
        fcntl.flock(handle, mode)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _machine_held(folder, exclusive):
    gate = os.path.join(folder, 'gate.lock')
    machine = os.path.join(folder, 'machine.lock')
    if exclusive:
        with _locked(gate, fcntl.LOCK_EX), _locked(machine, fcntl.LOCK_EX):
            yield
        return
    with _locked(gate, fcntl.LOCK_EX):
        handle = open(machine, 'a')
        fcntl.flock(handle, fcntl.LOCK_SH)
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """Setup, call and teardown of one test under the lock (a worker only)."""
    folder = getattr(item.config, 'workerinput', {}).get(_FOLDER_KEY)
    if folder is None or fcntl is None:
        yield
        return
    with _machine_held(folder, item.get_closest_marker(MARKER) is not None):
        yield
