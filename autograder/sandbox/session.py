"""The Sandbox: everything one grader process keeps while it runs submissions.

Whoever runs submissions makes one (the Grader makes its own unless it is
given one; the grade command, the nbgrader autograde preprocessor and
others share one between their parts) and closes it when done:

- the isolation layer, chosen once (isolation.py);
- the scratch folder (staging.py), removed by close() or at exit, and the
  byte-compiled copy of the child package in it;
- the warm start's pools: zygotes (zygotes.py) and serving workers
  (serving.py); the CPU slots of warm jobs (cpus.py); the uid-drop layer's
  users (users.py); the loss service's answer caches (service.py);
- the children running now and the abort flag: abort_all() (Ctrl-C of a
  batch) kills them and makes their runs raise Aborted.

run() grade-runs one submission: under bubblewrap in a fork of a warm-start
zygote (warm.py) where that works, else in a fresh child (cold.py).
Nothing of this lives in module globals: two Sandboxes in one process are
independent, and a test makes its own.
"""
import contextlib
import os
import shutil
import sys
import tempfile
import threading
import weakref

from . import isolation, staging, warm
from .cold import kill_group, run_cold
from .cpus import CpuSlots
from .pool import Pool
from .records import ChildRun
from .service import AnswerCache
from .users import UserSlots


class Aborted(Exception):
    """Grading was stopped (Ctrl-C): this run's result must not be recorded."""


class Sandbox:
    """One grader process's sandbox state (see the module's docstring)."""

    def __init__(self):
        self._lock = threading.RLock()
        self._scratch = None
        self._remove_scratch = None
        self._child_code = None
        self._layer = None
        self.zygotes = Pool()
        self.workers = Pool()
        self.cpus = CpuSlots()
        self.users = UserSlots()
        self._running = set()
        self._running_lock = threading.Lock()
        self._aborted = threading.Event()
        self._answer_caches = weakref.WeakKeyDictionary()

    # ------------------------------------------------------------ layer ---

    def isolation_layer(self):
        """Name of the isolation layer this Sandbox's children run under (chosen once).

        Where bubblewrap is the layer to try first, a warm-start zygote that starts
        and reports ready (it imported numpy in the sandbox, as an unprivileged
        user, and confined a test fork) proves the layer; it then serves the first
        grade instead of a separate probe's Python start.
        """
        with self._lock:
            if self._layer is None:
                if os.environ.get('TLN_ISOLATION', 'bwrap') in ('', 'bwrap') \
                        and sys.platform.startswith('linux') and isolation.bwrap_binary():
                    zygote = self.zygotes.acquire(lambda: warm.start_zygote(self))
                    if zygote is not None:
                        self.zygotes.release(zygote, True)
                        self._layer = 'bwrap'
                if self._layer is None:
                    self._layer = isolation.choose()
                if self._layer == 'uid-drop' and self._scratch is not None:
                    # The uid-drop user may pass through to its own staging folder
                    # but cannot list this one.
                    os.chmod(self._scratch, 0o711)
            return self._layer

    def required_layer(self, weaker_ok=False):
        """isolation_layer(), where a route that grades students may use it.

        Such a route (weaker_ok False) grades under the kernel layer (bwrap) or
        under the layer TLN_ISOLATION names explicitly; anything else raises
        IsolationError with why bubblewrap cannot run and the fix, before any
        student code runs. weaker_ok: the route runs only the user's own file or
        the kit's (the student self-check, release, demo, the Gradescope build),
        which may fall back to the strongest layer the machine has.
        """
        layer = self.isolation_layer()
        if layer == 'bwrap' or weaker_ok or isolation.requested_layer():
            return layer
        raise isolation.IsolationError(isolation.refusal())

    def concurrency_note(self, jobs):
        """A line for grade when the uid-drop layer has fewer users than jobs, else ''."""
        if self.isolation_layer() != 'uid-drop':
            return ''
        users = self.users.users()
        if len(users) >= jobs:
            return ''
        return ('note: uid-drop runs each submission as a user of its own and has %d (%s), so '
                '%d submission(s) run at once, not %d: create tln-student-0..%d (the '
                'Gradescope setup.sh and .ci/run show how) for more.'
                % (len(users), ', '.join(user[0] for user in users), len(users), jobs,
                   jobs - 1))

    # ---------------------------------------------------------- staging ---

    def scratch_folder(self):
        """This Sandbox's private scratch folder (made once; removed by close() or at exit)."""
        with self._lock:
            if self._scratch is None:
                self._scratch = staging.make_scratch(shared=self._layer == 'uid-drop')
                self._remove_scratch = weakref.finalize(self, shutil.rmtree, self._scratch, True)
            return self._scratch

    def child_code(self):
        """start_child.py the children run: the byte-compiled copy in the scratch folder."""
        with self._lock:
            if self._child_code is None:
                self._child_code = staging.copy_child_code(self.scratch_folder())
            return self._child_code

    def probe_pack(self, probes, served=False):
        """A staging.ProbePack of probes in the scratch folder, readable by the children."""
        group = self.users.group() if self.isolation_layer() == 'uid-drop' else None
        return staging.ProbePack(probes, self.scratch_folder(), group, served)

    def answer_cache(self, reference_class):
        """The loss service's AnswerCache for one reference class (made on first use)."""
        with self._lock:
            cache = self._answer_caches.get(reference_class)
            if cache is None:
                cache = self._answer_caches[reference_class] = AnswerCache()
            return cache

    # -------------------------------------------------------------- run ---

    def run(self, source, pack, limits, denied_roots=(), service=None):
        """Grade-run one neural_net.py in a sandboxed child.

        Inputs:
        - source: the bytes of the student's neural_net.py (already read and
          size-checked by the grader; the child gets its own copy).
        - pack: ProbePack with the probes to run (probe_pack).
        - limits: records.Limits.
        - denied_roots: folders the in-process guards refuse to read (kit,
          gradebook, other students).
        - service: LossService answering the loss calls of served probes, or None.

        Under bwrap the child is a fork of a warm-start zygote (warm.py) where
        that works, else a fresh process (cold.py); the results are the same.
        Returns a ChildRun. Never raises for anything the student code does;
        Aborted after abort_all().
        """
        layer = self.isolation_layer()
        zygote, worker = warm.acquire(self, service) if layer == 'bwrap' else (None, None)
        if zygote is not None:
            try:
                return self._in_staging(warm.run_warm, zygote, worker, source, pack, limits,
                                        denied_roots, service)
            except warm.WarmStartFailed as error:   # before any student code ran
                if not isinstance(error, warm.ZygoteGone):
                    self.zygotes.disable(str(error))
        elif worker is not None:
            self.workers.release(worker, True)
        return self._in_staging(run_cold, layer, source, pack, limits, denied_roots, service)

    def _in_staging(self, function, *args):
        """function(self, staged, ChildRun, *args) with a fresh staging folder, removed
        afterwards."""
        staged = tempfile.mkdtemp(prefix='run-', dir=self.scratch_folder())
        try:
            run = ChildRun(isolation=self.isolation_layer())
            function(self, staged, run, *args)
            if self._aborted.is_set():
                raise Aborted()
            run.stderr = staging.tail(os.path.join(staged, 'stderr'))
            return run
        finally:
            shutil.rmtree(staged, ignore_errors=True)

    @contextlib.contextmanager
    def running(self, proc):
        """Counts proc (a child, or a zygote running a job) among those abort_all() kills."""
        with self._running_lock:
            self._running.add(proc)
        try:
            yield proc
        finally:
            with self._running_lock:
                self._running.discard(proc)

    # ------------------------------------------------------ interruption ---

    def reset_abort(self):
        """A new batch starts: runs no longer raise Aborted."""
        self._aborted.clear()

    def abort_all(self):
        """Kill every running child and make their runs raise Aborted."""
        self._aborted.set()
        with self._running_lock:
            running = list(self._running)
        layer = self._layer
        for proc in running:
            kill_group(proc, layer)

    def close(self):
        """Close the idle zygotes and serving workers and remove the scratch folder
        (probe packs in it included). The Sandbox may be used again: it makes them anew."""
        self.zygotes.close_all()
        self.workers.close_all()
        with self._lock:
            if self._remove_scratch is not None:
                self._remove_scratch()
            self._scratch = self._remove_scratch = self._child_code = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
