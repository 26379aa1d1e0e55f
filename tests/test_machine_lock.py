"""The lock that lets `machine` tests run alone beside other xdist workers (machine_lock.py).

Threads stand in for workers: flock locks belong to open files, so two opens in one
process exclude each other as two processes would.
"""
import threading
import time

import pytest

import machine_lock

fcntl = pytest.importorskip('fcntl')


def held_in_thread(folder, exclusive, log, name, inside=None):
    """A thread that takes the lock, logs name, calls inside() (if given), logs the end."""
    def run():
        with machine_lock._machine_held(str(folder), exclusive):
            log.append(name)
            if inside is not None:
                inside()
            log.append(name + ' done')
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def wait_until_taken(path):
    """Return once another holder has path locked (polled without blocking); fail if
    nobody takes it within a minute."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with open(path, 'a') as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            fcntl.flock(handle, fcntl.LOCK_UN)
        time.sleep(0.01)
    raise AssertionError('nobody took %s' % path.name)


def test_a_machine_test_waits_for_the_running_test_and_blocks_the_next(tmp_path):
    log, release_running = [], threading.Event()
    running = held_in_thread(tmp_path, False, log, 'running',
                             lambda: release_running.wait(60))
    wait_until_taken(tmp_path / 'machine.lock')
    machine = held_in_thread(tmp_path, True, log, 'machine')
    wait_until_taken(tmp_path / 'gate.lock')          # the machine test queues first
    following = held_in_thread(tmp_path, False, log, 'following')
    release_running.set()
    for thread in (running, machine, following):
        thread.join(60)
    assert log == ['running', 'running done', 'machine', 'machine done', 'following',
                   'following done']


def test_ordinary_tests_share_the_machine(tmp_path):
    log, both_inside, met = [], threading.Barrier(2, timeout=60), []

    def meet():
        both_inside.wait()        # raises BrokenBarrierError unless the other is inside too
        met.append(True)
    threads = [held_in_thread(tmp_path, False, log, name, meet) for name in ('first', 'second')]
    for thread in threads:
        thread.join(120)
    assert met == [True, True]
