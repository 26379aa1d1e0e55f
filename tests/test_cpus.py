"""CPU placement of warm jobs (autograder/sandbox/cpus.py): least-used CPU first."""
import os

import pytest

from autograder.sandbox.child.main import pin_to
from autograder.sandbox.cpus import CpuSlots


def test_each_job_gets_the_least_used_cpu_and_gives_it_back():
    slots = CpuSlots([3, 5])
    assert [slots.acquire() for _ in range(3)] == [3, 5, 3]
    slots.release(3)
    slots.release(3)
    assert slots.acquire() == 3       # 3 ran nothing, 5 runs one job
    assert [slots.acquire(), slots.acquire()] == [3, 5]    # a tie goes to the lower number


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
