"""Grade neural_net.py files against the catalog.

A Grader is set up once per grading session: it builds the probes, runs
them on the reference solution (through the same sandbox, so reference and
students are computed the same way) and then grades any number of files.

Result format (the JSON contract of ``python -m autograder grade --json``)::

    {"submission": str, "score": float, "max_score": float,
     "checks": [{"name": str, "score": float, "max_score": float,
                 "feedback": str}, ...]}
"""
import hashlib
import json
import os
import signal
from dataclasses import dataclass, field
from typing import List

from . import __version__
from . import checks as catalog
from . import datasets, expected, markers
from .plan import DEFAULT_SEED, NO_DECAY, build_probes
from .paths import COURSE_DIR, SOLUTIONS_DIR, STUDENT_FILE
from .sandbox import Limits, ProbePack, run_submission

MAX_SOURCE_BYTES = 1024 * 1024
REFERENCE_FILE = os.path.join(SOLUTIONS_DIR, STUDENT_FILE)


class GraderError(Exception):
    """The grader itself cannot run (bad settings, broken reference, no data)."""


@dataclass
class CheckResult:
    name: str
    score: float
    max_score: float
    feedback: str
    visible: bool = True

    def to_json(self):
        return {'name': self.name, 'score': self.score, 'max_score': self.max_score,
                'feedback': self.feedback}


@dataclass
class SubmissionResult:
    submission: str
    checks: List[CheckResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def score(self):
        return round(sum(check.score for check in self.checks), 4)

    @property
    def max_score(self):
        return round(sum(check.max_score for check in self.checks), 4)

    def to_json(self):
        return {'submission': self.submission, 'score': self.score,
                'max_score': self.max_score, 'checks': [c.to_json() for c in self.checks]}


def _all_zero(selected, reason, name):
    return SubmissionResult(name, [CheckResult(check.name, 0.0, float(check.max_score), reason,
                                               check.visible) for check in selected])


def source_problem(path):
    """Why a file cannot be graded at all, or None.

    Covers unreadable or oversized files and missing or altered START/END
    marker lines.
    """
    try:
        size = os.path.getsize(path)
    except OSError as error:
        return 'The submission file cannot be read (%s).' % error.strerror
    if size > MAX_SOURCE_BYTES:
        return ('neural_net.py is %.1f MB; the grader accepts files up to %d KB. Submit only '
                'your neural_net.py.' % (size / 1e6, MAX_SOURCE_BYTES // 1024))
    with open(path, 'rb') as handle:
        text = handle.read().decode('utf-8', errors='replace')
    lines = text.splitlines()
    try:
        regions = markers.code_regions(lines)
    except markers.MarkerError as error:
        return ('The START/END CODE marker lines are broken (%s). Restore them exactly as in '
                'the original neural_net.py; write code only between them.' % error)
    if not regions:
        return ('neural_net.py has no START/END CODE marker lines. Restore them exactly as in '
                'the original file; write code only between them.')
    return None


class Grader:
    """Grades files with a fixed set of probes and reference results.

    Inputs:
    - dataset: 'auto', 'cifar10', 'fashion_mnist' or 'none' (skip val_accuracy).
    - names: check names to run (default: all).
    - visible_only: only the checks students see (the self-check).
    - limits: sandbox Limits for student code.
    - seed: grader seed for the hidden inputs.
    - denied_roots: extra folders student code may not read (gradebook,
      class folder).
    - expected_file: stored reference outputs (expected.py format) to use
      instead of running the reference, e.g. a Gradescope bundle's private
      outputs for its own seed; every probe must be in it.
    - reference_file: the reference module (default solutions/neural_net.py).
    """

    def __init__(self, dataset='auto', names=None, visible_only=False, limits=None,
                 seed=DEFAULT_SEED, denied_roots=(), expected_file=None, reference_file=None):
        unknown = set(names or ()) - set(catalog.CHECKS)
        if unknown:
            raise GraderError('unknown check(s): %s' % ', '.join(sorted(unknown)))
        self.limits = limits or Limits()
        self.seed = seed
        self.expected_file = expected_file
        self.reference_file = reference_file or REFERENCE_FILE
        wants_data = any(name in catalog.DATA_CHECKS for name in (names or catalog.CHECKS))
        self.dataset = None
        fit = None
        if wants_data and not visible_only:
            try:
                self.dataset = datasets.resolve(dataset)
                if self.dataset:
                    fit = datasets.load_fit_data(self.dataset)
            except (ValueError, datasets.data_utils().DatasetError) as error:
                raise GraderError(str(error))
        self.fit = fit
        self.checks = catalog.select(names, visible_only, with_data=fit is not None)
        needed = {probe_id for check in self.checks for probe_id in check.probes}
        probes = build_probes(seed, None if fit is None else
                              {'X': fit.X, 'y': fit.y, 'X_val': fit.X_val, 'args': fit.args})
        self.probes = [p for p in probes if p['id'] in needed or
                       (p.get('reference_only') and p['id'].replace(NO_DECAY, '') in needed)]
        self.denied_roots = sorted({SOLUTIONS_DIR, COURSE_DIR, *denied_roots})
        self._student_packs = {}
        self.reference = self._reference_results()

    def _student_pack(self, checks):
        """ProbePack with the probes the given checks read (built once per set)."""
        key = tuple(check.name for check in checks)
        if key not in self._student_packs:
            needed = {probe_id for check in checks for probe_id in check.probes}
            self._student_packs[key] = ProbePack(
                [p for p in self.probes if p['id'] in needed and not p.get('reference_only')])
        return self._student_packs[key]

    def _reference_results(self):
        """Reference outputs for self.probes: run the reference, or use stored ones.

        A student distribution has no solutions/ folder; there the stored
        outputs of the visible checks (expected.py) serve the self-check.
        """
        if self.expected_file is None and os.path.isfile(self.reference_file):
            with open(self.reference_file, 'rb') as handle:
                self.reference_hash = hashlib.sha256(handle.read()).hexdigest()
            return self._run_reference()
        stored = expected.load(self.expected_file or expected.EXPECTED_FILE)
        needed = {probe['id'] for probe in self.probes}
        if self.expected_file is not None and (stored is None or stored[0] != self.seed
                                               or not needed <= set(stored[2])):
            raise GraderError('the stored reference outputs %s do not cover seed %s and '
                              'every probe of this grade; rebuild them.'
                              % (self.expected_file, self.seed))
        if stored is None or stored[0] != self.seed or not needed <= set(stored[2]):
            raise GraderError(
                'this copy of the kit has no reference solution (%s): it is a student '
                'distribution, where only the self-check (python -m autograder check) works. '
                'Grade with the instructor\'s copy of the kit.' % REFERENCE_FILE)
        self.reference_hash = stored[1]
        return {probe_id: stored[2][probe_id] for probe_id in needed}

    def _run_reference(self):
        limits = Limits(timeout=max(self.limits.timeout, 300), memory_mb=self.limits.memory_mb)
        pack = ProbePack(self.probes)
        try:
            run = run_submission(self.reference_file, pack, limits)
        finally:
            pack.close()
        failed = [run.probe_results[pid]['error'] for pid in run.probe_results
                  if not run.probe_results[pid]['ok']]
        if not run.finished or failed:
            why = (run.import_error or run.channel_error or '; '.join(failed)
                   or ('timed out' if run.timed_out else 'stopped early: ' + run.stderr))
            raise GraderError('the reference solution %s did not run cleanly (%s); the kit is '
                              'broken, not the submission.' % (self.reference_file, why))
        return run.probe_results

    def fingerprint(self):
        """Text that changes whenever the grader would grade differently."""
        return json.dumps({'version': __version__, 'seed': self.seed, 'dataset': self.dataset,
                           'checks': [[c.name, c.max_score] for c in self.checks],
                           'timeout': self.limits.timeout, 'memory_mb': self.limits.memory_mb,
                           'reference': self.reference_hash}, sort_keys=True)

    def close(self):
        for pack in self._student_packs.values():
            pack.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def zero_result(self, name, reason):
        """A result with every check at zero and the same reason."""
        return _all_zero(self.checks, reason, name)

    @property
    def max_score(self):
        return float(sum(check.max_score for check in self.checks))

    def grade_file(self, path, name=None, only=None):
        """Grade one neural_net.py; returns a SubmissionResult.

        only: names of the checks to run (default: all of this grader's);
        the child then runs just the probes those checks read.
        """
        name = name or path
        checks = [c for c in self.checks if only is None or c.name in only]
        problem = source_problem(path)
        if problem:
            return _all_zero(checks, problem, name)
        run = run_submission(path, self._student_pack(checks), self.limits, self.denied_roots)
        result = self.judge(run, name, checks)
        result.seconds = run.seconds
        return result

    def judge(self, run, name, checks):
        """Turn a ChildRun into a SubmissionResult for the given checks."""
        if not run.imported:
            reason = self._import_failure(run)
            return _all_zero(checks, reason, name)
        missing = self._missing_reason(run)
        extra = {}
        if self.fit is not None:
            extra = {'y_val': self.fit.y_val, 'dataset': self.fit.dataset}
        evidence = catalog.Evidence(run.probe_results, self.reference, self.probes, extra,
                                    missing)
        results = []
        for check in checks:
            try:
                verdict = check.judge(evidence)
            except catalog.StudentError as error:
                verdict = catalog.Verdict(0.0, '%s%s: %s' % (check.summary[:1].upper(),
                                                              check.summary[1:], error))
            score = round(float(check.max_score) * min(max(verdict.fraction, 0.0), 1.0), 4)
            results.append(CheckResult(check.name, score, float(check.max_score),
                                       verdict.feedback, check.visible))
        return SubmissionResult(name, results)

    def _import_failure(self, run):
        if run.import_error:
            return 'neural_net.py could not be loaded: %s' % run.import_error
        if run.timed_out:
            return ('Loading neural_net.py did not finish within %g s (an endless loop or a '
                    'long computation at import time?).' % self.limits.timeout)
        return self._stopped_reason(run, 'while neural_net.py was being loaded')

    def _missing_reason(self, run):
        if run.channel_error:
            return run.channel_error
        if run.timed_out:
            return ('not reached: grading stopped after the time limit of %g s (an endless loop '
                    'or very slow code?)' % self.limits.timeout)
        if not run.finished:
            return self._stopped_reason(run, 'during grading')
        return 'this test did not run'

    def _stopped_reason(self, run, when):
        code = run.returncode
        if code is not None and code < 0:
            try:
                signal_name = signal.Signals(-code).name
            except ValueError:
                signal_name = 'signal %d' % -code
            hint = {'SIGKILL': ' (memory or CPU limit?)', 'SIGXCPU': ' (CPU time limit)',
                    'SIGSEGV': ' (crash)', 'SIGXFSZ': ' (wrote too large a file)'}
            return 'the process was killed by %s %s%s' % (signal_name, when,
                                                          hint.get(signal_name, ''))
        return ('the program exited (code %s) %s: remove sys.exit / os._exit / exit() calls '
                'from neural_net.py' % (code, when))
