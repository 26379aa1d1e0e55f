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
import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers import REFERENCE, write_submission
from autograder.paths import REPO_DIR

pytestmark = pytest.mark.slow

CGROUP_ROOT = '/sys/fs/cgroup/cpu'
CORPUS = os.path.join(REPO_DIR, 'tests', 'corpus')

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


def grade_in_own_cgroup(tmp_path, pin):
    """Grade {a slower correct student, the hog, the reference} with --jobs 2 in a new
    cpu cgroup; returns {submission: result}."""
    klass = tmp_path / 'class'
    shutil.copy(os.path.join(CORPUS, 'matplotlib_import.py'),
                write_submission(str(klass / 'a_neighbour'), ''))
    write_submission(str(klass / 'b_hog'), HOG)
    shutil.copy(REFERENCE, write_submission(str(klass / 'c_reference'), ''))
    group = os.path.join(CGROUP_ROOT, 'tln-test-%d' % os.getpid())
    os.mkdir(group)
    try:
        enter = 'echo $$ > %s/cgroup.procs && exec "$@"' % group
        done = subprocess.run(
            ['sh', '-c', enter, 'sh', sys.executable, '-m', 'autograder', 'grade', str(klass),
             '--json', '--jobs', '2', '--dataset', 'none', '--seed', '4711', '--timeout', '20',
             '--no-progress'],
            cwd=REPO_DIR, capture_output=True, text=True, timeout=300,
            env=dict(os.environ, TLN_PIN_CPUS=pin, PYTHONPATH=REPO_DIR))
    finally:
        os.rmdir(group)
    assert done.returncode == 0, done.stderr[-3000:]
    return {result['submission']: result for result in json.loads(done.stdout)}


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.isdir(CGROUP_ROOT)
                    or (os.cpu_count() or 1) < 2,
                    reason='needs root, the cgroup v1 cpu controller and two CPUs')
@pytest.mark.parametrize('pin', ['1', '0'])
def test_a_student_on_the_neighbours_cpu_does_not_time_it_out(tmp_path, pin):
    results = grade_in_own_cgroup(tmp_path, pin)
    assert results['c_reference']['score'] == results['c_reference']['max_score']
    neighbour = results['a_neighbour']
    assert (neighbour['score'], neighbour['diagnoses']) == (15.0, []), neighbour['problem']
    hog = results['b_hog']
    assert hog['score'] == 0 and 'Operation not permitted' in hog['problem'], hog['problem']
