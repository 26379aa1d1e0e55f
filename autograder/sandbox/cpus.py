"""Where a warm job runs: the student's process and its serving worker on one CPU.

A correctness grade is about 400 round trips between the student's process
(its train and predict call the served loss) and the worker that answers
them (serving.py). Each side blocks while the other works, so a job never
needs two CPUs at once; but when the two sides sit on different CPUs, every
round trip wakes a sleeping CPU (on a virtual machine, an inter-processor
interrupt and a VM exit each way) and moves the frame's cache lines across.
On one CPU the sender blocks and the receiver runs at once. Measured on a
2-core virtual machine, a class of 100 correct submissions, one job: 16.0
and 16.5 s with everything on one CPU, 18.5 and 19.4 s unpinned.

The Sandbox (session.py) hands each warm job the least-used CPU of those it may run on
(os.sched_getaffinity); among equally used ones, the CPU the grader's thread runs on at
that moment, where the kernel tells (Linux), else the lowest. Two graders on one machine
(two pytest-xdist workers, two courses) each count only their own jobs: with the lowest
CPU alone, both pinned their first job to CPU 0 and left the other core idle. The
kernel has just woken the grader's thread on a CPU that had room for it, which another
grader's pinned job does not fill. The keeper of the job's sandbox (child/zygote.py)
and the serving worker pin themselves to it (child/main.pin_to), and the student's process
inherits the keeper's. Where there is one CPU, or no affinity call
(macOS, Windows), nothing is pinned. ``TLN_PIN_CPUS=0`` turns it off.
"""
import os
import threading


class CpuSlots:
    """Counts warm jobs per CPU; acquire() gives the least-used CPU, or None."""

    def __init__(self, cpus=None):
        if cpus is None:
            cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else []
        self._jobs = {cpu: 0 for cpu in cpus}
        self._lock = threading.Lock()

    def acquire(self):
        """The CPU for one more job (release it when the job ends), or None: do not pin."""
        if len(self._jobs) < 2 or os.environ.get('TLN_PIN_CPUS', '1') == '0':
            return None
        here = current_cpu()
        with self._lock:
            cpu = min(self._jobs, key=lambda each: (self._jobs[each], each != here, each))
            self._jobs[cpu] += 1
            return cpu

    def release(self, cpu):
        if cpu is not None:
            with self._lock:
                self._jobs[cpu] -= 1


def current_cpu():
    """The CPU the calling thread runs on (Linux: field 39 of /proc/thread-self/stat), or
    None where that cannot be read."""
    try:
        with open('/proc/thread-self/stat', 'rb') as handle:
            # The fields after the command name (which may hold spaces) start at field 3.
            return int(handle.read().rsplit(b')', 1)[1].split()[39 - 3])
    except (OSError, ValueError, IndexError):
        return None
