"""The warm path under bubblewrap: a submission runs in a fork of a warm-start zygote.

The zygote (zygotes.py, child/zygote.py) has started Python and imported numpy
and the child package once, in a bubblewrap sandbox; each submission is a
fork of it confined in namespaces of its own. Its channel is served by a
serving worker (serving.py) where the loss service has a reference file,
else by a thread of the grader (channel_session.py). The results are the
same as a cold run's (cold.py). Zygotes, workers and CPUs come from the
Sandbox (session.py) that runs the job.

``TLN_WARM_START=0`` switches the warm start off (pool.Pool.acquire).
"""
import json
import os
import signal
import sys
import threading
import time

from . import isolation, staging
from .channel_session import start_reader
from .pool import WarmStartFailed
from .serving import ServingWorker
from .zygotes import Zygote, ZygoteGone, job_descriptors

__all__ = ('WarmStartFailed', 'ZygoteGone', 'acquire', 'run_warm', 'start_zygote')


def start_zygote(box):
    """A new warm-start zygote (zygotes.Zygote) under bwrap, with box's child code."""
    inside = isolation.INSIDE_ROOT
    return Zygote(os.path.join(inside, 'start_child.py'), staging.code_binds(box.child_code()),
                  staging.hidden_folders(), staging.child_environment(inside + '/work'),
                  box.scratch_folder())


def acquire(box, service):
    """(zygote or None, serving worker or None) of box for one run; a new worker starts
    beside a new zygote rather than after it. The worker is None where the channel is
    served by the grader (a loss service without a reference file)."""
    def new_zygote():
        return start_zygote(box)
    if service is not None and service.reference_file is None:
        return box.zygotes.acquire(new_zygote), None
    found = {}
    starter = None
    if not box.workers.has_idle():
        starter = threading.Thread(target=lambda: found.update(
            worker=box.workers.acquire(ServingWorker)))
        starter.start()
    zygote = box.zygotes.acquire(new_zygote)
    if starter is None:
        found['worker'] = box.workers.acquire(ServingWorker)
    else:
        starter.join()
    return zygote, found.get('worker')


def _serve_elsewhere(box, worker, channel_fd, replies_fd, service, stop_child, limits, cpu):
    """Hand the channel to a serving worker (serving.py); its collector, or None (serve here)."""
    if worker is None:
        return None
    try:
        collector = worker.serve(channel_fd, replies_fd, service, limits.channel_caps, stop_child,
                                 cpu)
    except WarmStartFailed:
        box.workers.release(worker, False)
        return None
    return collector


def _adopt(box, run, service, collector):
    """Take the served run's results from the worker, and give the worker back."""
    try:
        served, record = collector.result(timeout=10)
    finally:
        box.workers.release(collector.worker, collector.answer is not None)
    for name in ('imported', 'import_error', 'import_kind', 'probe_results', 'finished',
                 'channel_error'):
        setattr(run, name, getattr(served, name))
    if service is not None:
        service.adopt(record)


def run_warm(box, staged, run, zygote, worker, source, pack, limits, denied_roots, service):
    """This submission in a fork of a warm-start zygote (box: the Sandbox; staged: its
    staging folder; results go into run). Raises WarmStartFailed before any student code
    runs when the fork cannot be confined."""
    plan_path, source_path = os.path.join(staged, 'plan.json'), os.path.join(staged, 'source')
    with open(plan_path, 'wb') as handle:
        handle.write(json.dumps(staging.plan(pack, limits, denied_roots, 'bwrap', None)).encode())
    with open(source_path, 'wb') as handle:
        handle.write(source)
    channel_in, channel_out = os.pipe()
    replies_in, replies_out = os.pipe()
    reusable = False
    cpu = box.cpus.acquire()
    started = time.monotonic()
    with open(os.path.join(staged, 'stderr'), 'wb') as err:
        fds = [channel_out, replies_in]
        collector = _serve_elsewhere(box, worker, channel_in, replies_out, service, zygote.kill,
                                     limits, cpu)
        reader = None
        if collector is None:
            reader = start_reader(run, os.fdopen(channel_in, 'rb'),
                                  os.fdopen(replies_out, 'wb'), service, zygote.kill, limits)
        try:
            with box.running(zygote.proc):
                try:
                    try:
                        fds = job_descriptors(plan_path, source_path, pack.array_file,
                                              channel_out, replies_in, err.fileno())
                        zygote.submit(fds, cpu)
                    finally:
                        for fd in fds:
                            if fd != err.fileno():
                                os.close(fd)
                    code = zygote.wait(limits.timeout)
                    run.timed_out = code is None
                    run.returncode = -signal.SIGKILL if code is None else code
                    reusable = code is not None
                finally:
                    box.cpus.release(cpu)
                    if not reusable:
                        zygote.kill()
        finally:
            if reader is not None:
                reader.join(timeout=10)
            box.zygotes.release(zygote, reusable)
            if collector is not None and sys.exc_info()[0] is not None:
                collector.join(timeout=10)    # the job failed: give the worker back
                box.workers.release(collector.worker, collector.answer is not None)
        if collector is not None:
            _adopt(box, run, service, collector)
    run.seconds = time.monotonic() - started
