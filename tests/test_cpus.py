"""CPU placement of warm jobs (autograder/sandbox/cpus.py): least-used CPU first."""
import os

import pytest

from autograder.sandbox import cpus
from autograder.sandbox.child.main import pin_to
from autograder.sandbox.cpus import CpuSlots


def test_each_job_gets_the_least_used_cpu_and_gives_it_back(monkeypatch):
    monkeypatch.setattr(cpus, 'current_cpu', lambda: None)
    slots = CpuSlots([3, 5])
    assert [slots.acquire() for _ in range(3)] == [3, 5, 3]
    slots.release(3)
    slots.release(3)
    assert slots.acquire() == 3       # 3 ran nothing, 5 runs one job
    assert [slots.acquire(), slots.acquire()] == [3, 5]    # a tie goes to the lower number


def test_a_tie_goes_to_the_cpu_the_grader_runs_on(monkeypatch):
    """Two graders on one machine each count only their own jobs: the first job of each
    goes where its thread runs now (where the kernel found room), not always to the lowest."""
    monkeypatch.setattr(cpus, 'current_cpu', lambda: 5)
    slots = CpuSlots([3, 5])
    assert [slots.acquire() for _ in range(3)] == [5, 3, 5]   # least used first, as before
    monkeypatch.setattr(cpus, 'current_cpu', lambda: None)    # not known: the lowest
    assert CpuSlots([3, 5]).acquire() == 3


@pytest.mark.skipif(not os.path.isfile('/proc/thread-self/stat'), reason='no /proc here')
def test_the_current_cpu_is_the_one_the_thread_may_run_on():
    before = os.sched_getaffinity(0)
    try:
        for cpu in sorted(before):
            os.sched_setaffinity(0, {cpu})
            assert cpus.current_cpu() == cpu
    finally:
        os.sched_setaffinity(0, before)


def test_nothing_is_pinned_on_one_cpu_or_when_turned_off(monkeypatch):
    assert CpuSlots([0]).acquire() is None
    assert CpuSlots([]).acquire() is None
    monkeypatch.setenv('TLN_PIN_CPUS', '0')
    assert CpuSlots([0, 1]).acquire() is None
    CpuSlots([0, 1]).release(None)    # a job that was not placed gives nothing back


@pytest.mark.skipif(not hasattr(os, 'sched_setaffinity'), reason='no affinity calls here')
def test_pinning_to_a_cpu_that_is_not_allowed_changes_nothing():
    before = os.sched_getaffinity(0)
    pin_to(None)
    pin_to(10 ** 6)
    assert os.sched_getaffinity(0) == before
