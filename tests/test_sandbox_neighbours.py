"""A student graded beside another cannot crowd it out of its CPU.

The grader places each warm job, with its serving worker, on a CPU of its
own (sandbox/cpus.py). The attacker below moves itself onto the neighbour's
CPU and starts a few hundred threads that release the GIL. Where the
scheduler shares a CPU per task (a cpu cgroup: containers, systemd slices),
that starved the pinned neighbour past its timeout: 0/15 in 3 of 3 runs
before the seccomp filter refused affinity changes and threads (15/15
unpinned, where the neighbour could move to the CPU the hog left; with more
jobs than CPUs the threads alone would crowd whoever shares the hog's). On a host whose processes sit in the root cpu
cgroup, autogroup (one scheduling group per session) hides the effect, so
the test grades the class inside a cpu cgroup of its own: it needs root and
the cgroup v1 cpu controller, and is skipped elsewhere. The refusals
themselves are checked on every machine (tests/test_sandbox.py: moves_cpu,
starts_threads; tests/test_warm_start.py).
"""
import pytest

from helpers import assert_unhurt, cgroups_missing, grade_in_cgroups, neighbours_class

# In cgroups of its own, beside no other test (tests/machine_lock.py).
pytestmark = [pytest.mark.slow, pytest.mark.machine]

HOG = '''import hashlib
import os
import threading
import time

mine = os.sched_getaffinity(0)                 # the CPU the grader placed this job on
others = {cpu for cpu in range(os.cpu_count()) if cpu not in mine}
os.sched_setaffinity(0, others or mine)        # the neighbour's (threads inherit it)
data = b'x' * (4 << 20)


def spin():
    while True:
        hashlib.sha256(data).digest()          # releases the GIL: every thread runnable


for _ in range(200):
    threading.Thread(target=spin, daemon=True).start()
while True:
    time.sleep(1)
'''


@pytest.mark.skipif(bool(cgroups_missing('cpu')), reason=cgroups_missing('cpu') or 'runs')
@pytest.mark.parametrize('pin', ['1', '0'])
def test_a_student_on_the_neighbours_cpu_does_not_time_it_out(tmp_path, pin):
    done = grade_in_cgroups(neighbours_class(str(tmp_path / 'class'), HOG), ['cpu'],
                            env={'TLN_PIN_CPUS': pin})
    results = assert_unhurt(done)
    hog = results['b_attacker']
    assert hog['score'] == 0 and 'Operation not permitted' in hog['problem'], hog['problem']
