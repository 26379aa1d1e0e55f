"""A student graded beside others cannot take the memory the batch runs in.

The child caps its address space (RLIMIT_AS, Limits.memory_mb: 4 GB), but
memory that is never mapped is not address space: anonymous files from
memfd_create (allowed by the seccomp filter and by the audit hook), each
filled with posix_fallocate below RLIMIT_FSIZE and merely kept open, with
RLIMIT_NOFILE raised to its hard limit (20000 here, 1 GB short of a
terabyte). The pages are charged to the memory cgroup of the batch but to
no process's resident size, so the OOM killer passes over the hog and
kills the largest process it sees: the grader. From the hostile review
(worktree wt-attack3): in a memory cgroup of 2 x 4 GB + 1 GB (what
--jobs 2 with the default limits needs), the grader was killed by the
cgroup's OOM killer in 3 of 3 runs (exit -9, no result for anyone;
without the hog the batch peaks at about 150 MB and grades 15/15). On a
host without a memory limit the same hog exhausts the machine. Since
2.2.1 the seccomp filter refuses memfd_create (and SysV shmget) and the
child may hold 256 descriptors.

The test grades {a slower correct student, the hog, the reference} with
--jobs 2 inside a memory (and cpu) cgroup of its own; it needs root, the
cgroup v1 memory and cpu controllers, two CPUs and enough free memory that
the hog (capped at the cgroup's limit plus 2 GB, should the cgroup fail)
cannot hurt the host; it is skipped elsewhere.
"""
import pytest

from helpers import assert_unhurt, grade_in_cgroups, memory_missing, neighbours_class

# In cgroups of its own, beside no other test (tests/machine_lock.py).
pytestmark = [pytest.mark.slow, pytest.mark.machine]

# 2 jobs x Limits.memory_mb (4096) + 1 GB for the grader and its helpers.
LIMIT_MB = 2 * 4096 + 1024
HOG_CAP_MB = LIMIT_MB + 2048

HOG = '''import os
import resource
import time

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
chunk = 63 << 20                                   # below RLIMIT_FSIZE (64 MB)
held = []
while len(held) * chunk < (%d << 20):              # a cap, for the host's sake
    try:
        fd = os.memfd_create('hog')
        os.posix_fallocate(fd, 0, chunk)           # real pages, never mapped: not RLIMIT_AS
    except OSError:
        break
    held.append(fd)
if held:
    time.sleep(15)                                 # held while the others run
''' % HOG_CAP_MB


def why_skipped():
    return memory_missing(HOG_CAP_MB)


@pytest.mark.skipif(bool(why_skipped()), reason=why_skipped() or 'runs')
def test_a_student_cannot_exhaust_the_batchs_memory_with_unmapped_files(tmp_path):
    done = grade_in_cgroups(neighbours_class(str(tmp_path / 'class'), HOG), ['memory', 'cpu'],
                            settings={('memory', 'memory.limit_in_bytes'): LIMIT_MB << 20})
    results = assert_unhurt(done)
    assert results['b_attacker']['score'] == 0
