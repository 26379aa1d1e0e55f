"""Grade neural_net.py files against the catalog: one grading session.

A Grader is set up once per grading session: it builds the probes
(checks/probe_inputs.py), runs them on the reference solution (through the
same sandbox, so reference and students are computed the same way, or takes
stored outputs) and then grades any number of files: each runs in the
sandbox child (sandbox/), its validated outputs become the Evidence the
judges of the catalog read (checks/), and their Verdicts become a
SubmissionResult (results.py, which also holds the JSON contract).
"""
import collections
import hashlib
import json
import os
import signal

from . import __version__
from . import checks as catalog
from . import datasets, student_imports
from .checks import hidden_feedback, markers, submission_inputs
from .checks.judges import sentence
from .checks.probe_inputs import DEFAULT_SEED, NO_DECAY, PUBLIC_PROBES, build_probes
from .errors import GraderError
from .paths import is_student_copy, package_source_files, private_dirs, reference_path, require_kit
from .release import stored_outputs
from .results import CheckResult, SubmissionResult
from .sandbox import Limits, ProbePack, required_layer, run_submission, serving, warm
from .sandbox.service import LossService, ProbeBudget, load_reference_class

MAX_SOURCE_BYTES = 1024 * 1024

# Why a file could not be loaded, by the child's failure kind: one sentence
# for the whole submission ({error} is the child's description).
IMPORT_REASONS = {
    'python2': ('neural_net.py is written for Python 2 and cannot be loaded: {error}. This '
                'assignment runs on Python 3: write print(...) with parentheses, range instead '
                'of xrange, and "except Error as e".'),
    'syntax_error': 'neural_net.py has a syntax error, so nothing could be graded: {error}.',
    'missing_import': ('neural_net.py imports a module the grader does not provide: {error}. '
                       'Only ' + student_imports.AVAILABLE + ' are available; put all your '
                       'code in neural_net.py.'),
    'no_class': ('neural_net.py defines no class TwoLayerNet: keep the class name and the file '
                 'name as given.'),
    'import_failed': 'neural_net.py fails when it is loaded: {error}.',
}
NOT_GRADED = 'Not graded: %s'


def _not_graded(selected, name, problem, diagnoses=()):
    """A result with every check at zero: the reason is stated once, in problem."""
    short = NOT_GRADED % ('the submission could not be graded (see the reason above).')
    return SubmissionResult(name, [CheckResult(check.name, 0.0, float(check.max_score), short)
                                   for check in selected],
                            problem=problem, diagnoses=tuple(diagnoses))


def source_problem(source):
    """Why the bytes of a neural_net.py cannot be graded at all, or None."""
    if len(source) > MAX_SOURCE_BYTES:
        return ('neural_net.py is %.1f MB; the grader accepts files up to %d KB. Submit only '
                'your neural_net.py.' % (len(source) / 1e6, MAX_SOURCE_BYTES // 1024))
    if not source.strip():
        return 'neural_net.py is empty.'
    return None


def read_source(path):
    """The first MAX_SOURCE_BYTES + 1 bytes of path (enough to tell it is too large)."""
    with open(path, 'rb') as handle:
        return handle.read(MAX_SOURCE_BYTES + 1)


def package_code_hash():
    """Hash of the grader package's code: a changed check never reuses old results."""
    digest = hashlib.sha256()
    for path in package_source_files():
        with open(path, 'rb') as handle:
            digest.update(os.path.basename(path).encode() + b'\0' + handle.read())
    return digest.hexdigest()


class Grader:
    """Grades files with a fixed set of probes and reference results.

    Inputs:
    - dataset: 'auto', 'cifar10', 'fashion_mnist' or 'none' (skip val_accuracy).
    - visible_only: only the checks students see (the self-check).
    - limits: sandbox Limits for student code.
    - seed: grader seed for the hidden inputs.
    - denied_roots: extra folders student code may not read (gradebook,
      class folder).
    - require_markers: None (markers cost nothing), or the points of an
      extra 'markers' check for this year's START/END lines kept intact.
    - expected_file: stored reference outputs (release/stored_outputs.py format) to use
      instead of running the reference, e.g. a Gradescope bundle's private
      outputs for its own seed; every probe must be in it.
    - reference_file: the reference module (default: the kit's solutions/neural_net.py).
    - weaker_layers: True where only the user's own file or the kit's code runs (the
      self-check, release, demo, the Gradescope build): the sandbox may fall back to
      a weaker layer than bubblewrap by itself. False (grading students): bubblewrap,
      or the layer TLN_ISOLATION names, else IsolationError (runner.required_layer).
    """

    def __init__(self, dataset='auto', visible_only=False, limits=None, seed=DEFAULT_SEED,
                 denied_roots=(), expected_file=None, reference_file=None, require_markers=None,
                 weaker_layers=False):
        self.limits = limits or Limits()
        self.seed = seed
        self.isolation = required_layer(weaker_layers)   # IsolationError: a GraderError
        self.expected_file = expected_file
        self.reference_file = reference_file or reference_path()
        self.dataset = None
        fit = None
        if not visible_only:
            try:
                self.dataset = datasets.resolve(dataset)
                if self.dataset:
                    fit = datasets.load_fit_data(self.dataset, seed)
            except (ValueError, datasets.data_utils().DatasetError) as error:
                raise GraderError(str(error)) from error
        self.fit = fit
        self.checks = catalog.select(visible_only, with_data=fit is not None)
        if require_markers is not None:
            if not require_markers > 0:
                raise GraderError('--require-markers takes a positive number of points')
            self.checks.append(catalog.markers_check(require_markers))
        self.require_markers = require_markers
        self._fit_inputs = None if fit is None else {'X': fit.X, 'y': fit.y, 'X_val': fit.X_val,
                                                      'args': fit.args}
        self.probes = self._needed_probes(build_probes(seed, self._fit_inputs))
        self.denied_roots = sorted({*private_dirs(), *denied_roots})
        self._student_packs = {}
        self.reference_class = None
        self.reference = self._reference_results()
        # Under a private seed, hidden inputs of each submission's own (submission_inputs.py).
        self.per_submission = submission_inputs.per_submission(seed, self.reference_class)

    def _needed_probes(self, probes):
        """The probes of build_probes that this grader's checks read (with their
        reference-only variants), in order."""
        needed = {probe_id for check in self.checks for probe_id in check.probes}
        return [p for p in probes if p['id'] in needed or
                (p.get('reference_only') and p['id'].replace(NO_DECAY, '') in needed)]

    def submission_probes(self, source):
        """(probes, reference results) for one submission's bytes.

        Under a private seed the hidden probes are drawn for this submission
        (an HMAC of its bytes keyed by the seed) and the reference's outputs on
        them computed here; the shared probes (toy data, fit) keep the outputs
        computed once. Otherwise every submission gets the session's probes.
        """
        if not self.per_submission:
            return self.probes, self.reference
        return self.probes_for_seed(submission_inputs.submission_seed(self.seed, source))

    def probes_for_seed(self, hidden_seed):
        """(probes, reference results) with the hidden inputs drawn from hidden_seed."""
        probes = self._needed_probes(build_probes(hidden_seed, self._fit_inputs))
        hidden = [probe for probe in probes if not submission_inputs.is_shared(probe)]
        shared = {probe['id']: self.reference[probe['id']] for probe in probes
                  if submission_inputs.is_shared(probe)}
        return probes, collections.ChainMap(
            shared, submission_inputs.reference_outputs(self.reference_class, hidden))

    def _chosen(self, checks, probes):
        """The probes of probes the child runs for the given checks, in order."""
        needed = {probe_id for check in checks for probe_id in check.probes}
        return [p for p in probes if p['id'] in needed and not p.get('reference_only')]

    def _student_pack(self, checks):
        """(ProbePack, gate ids, budgets) for the probes the given checks read (built once)."""
        key = tuple(check.name for check in checks)
        if key not in self._student_packs:
            chosen = self._chosen(checks, self.probes)
            serve = self.reference_class is not None
            budgets = {p['id']: ProbeBudget(p) for p in chosen if serve and p.get('served')}
            first_served = next((i for i, p in enumerate(chosen) if p['id'] in budgets),
                                len(chosen))
            gate = [p['id'] for p in chosen[:first_served]]
            if self.per_submission:   # hidden probes go inline, per submission
                chosen = [p for p in chosen if submission_inputs.is_shared(p)]
            self._student_packs[key] = (ProbePack(chosen, served=serve), gate, budgets)
        return self._student_packs[key]

    def loss_service(self, checks, probes):
        """The LossService of one run of the given checks on probes (a submission's), or
        None where nothing is served."""
        _, gate, budgets = self._student_pack(checks)
        budgets = {p['id']: ProbeBudget(p) for p in self._chosen(checks, probes)
                   if p['id'] in budgets}
        return (LossService(self.reference_class, budgets, gate, self.reference_file)
                if budgets else None)

    def _reference_results(self):
        """Reference outputs for self.probes: run the reference, or use stored ones.

        A student distribution has no solutions/ folder; there the stored
        outputs of the visible checks (release/stored_outputs.py) serve the self-check, and
        the student's own loss stands in for the served reference loss.
        """
        if self.expected_file is None and os.path.isfile(self.reference_file):
            with open(self.reference_file, 'rb') as handle:
                self.reference_hash = hashlib.sha256(handle.read()).hexdigest()
            self.reference_class = load_reference_class(self.reference_file)
            return self._run_reference()
        stored = stored_outputs.load(self.expected_file or stored_outputs.EXPECTED_FILE)
        needed = {probe['id'] for probe in self.probes}
        if self.expected_file is not None and (stored is None or stored[0] != self.seed
                                               or not needed <= set(stored[2])):
            raise GraderError('the stored reference outputs %s do not cover seed %s and '
                              'every probe of this grade; rebuild them.'
                              % (self.expected_file, self.seed))
        if stored is None or stored[0] != self.seed or not needed <= set(stored[2]):
            if not is_student_copy():
                require_kit('grade')   # an installed wheel: names the folder, says --kit
            raise GraderError(
                'this copy of the kit has no reference solution (%s): it is a student '
                'distribution, where only the self-check (python -m autograder check) works. '
                'Grade with the instructor\'s copy of the kit.' % self.reference_file)
        self.reference_hash = stored[1]
        if self.expected_file is not None and os.path.isfile(self.reference_file):
            # A Gradescope bundle keeps the reference in its root-only folder: the
            # grader serves its loss to train, sgd and predict (never to the child).
            self.reference_class = load_reference_class(self.reference_file)
        return {probe_id: stored[2][probe_id] for probe_id in needed}

    def _run_reference(self):
        limits = Limits(timeout=max(self.limits.timeout, 300), memory_mb=self.limits.memory_mb)
        pack = ProbePack(self.probes)
        try:
            run = run_submission(read_source(self.reference_file), pack, limits)
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

    def settings_key(self):
        """Text that changes whenever the grader would grade differently."""
        return json.dumps({'version': __version__, 'seed': self.seed, 'dataset': self.dataset,
                           'checks': [[c.name, c.max_score] for c in self.checks],
                           'timeout': self.limits.timeout, 'memory_mb': self.limits.memory_mb,
                           'reference': self.reference_hash, 'code': package_code_hash()},
                          sort_keys=True)

    def close(self):
        for pack, _, _ in self._student_packs.values():
            pack.close()
        self._student_packs.clear()
        warm.POOL.close_all()     # idle warm-start zygotes (sandbox/warm.py)
        serving.POOL.close_all()  # and serving workers (sandbox/serving.py)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def zero_result(self, name, reason, diagnoses=('no_file',)):
        """A result with every check at zero and the reason stated once."""
        return _not_graded(self.checks, name, reason, diagnoses)

    @property
    def max_score(self):
        return float(sum(check.max_score for check in self.checks))

    def grade_file(self, path, name=None, only=None):
        """Grade one neural_net.py file; returns a SubmissionResult."""
        try:
            source = read_source(path)
        except OSError as error:
            return self.zero_result(name or path, 'The submission file cannot be read (%s).'
                                    % error.strerror)
        return self.grade_source(source, name or path, only)

    def grade_source(self, source, name, only=None):
        """Grade the bytes of one neural_net.py; returns a SubmissionResult.

        only: names of the checks to run (default: all of this grader's);
        the child then runs just the probes those checks read.
        """
        checks = [c for c in self.checks if only is None or c.name in only]
        problem = source_problem(source)
        if problem:
            return _not_graded(checks, name, problem, ('no_file',))
        intact, warning = markers.marker_status(source.decode('utf-8', errors='replace'))
        pack, gate, budgets = self._student_pack(checks)
        probes, reference = self.submission_probes(source)
        if self.per_submission:
            pack = pack.with_inline(self._chosen(checks, probes))
        service = self.loss_service(checks, probes)
        run = run_submission(source, pack, self.limits, self.denied_roots, service)
        result = self.judge(run, name, checks, (intact, warning), service, source,
                            probes, reference)
        result.seconds = run.seconds
        result.isolation = run.isolation
        refused = self._foreign_calls_note(service)
        result.warnings = tuple(note for note in (warning, refused) if note)
        if refused:
            result.diagnoses = tuple(result.diagnoses) + ('foreign_loss_calls',)
        return result

    def _foreign_calls_note(self, service):
        """The sentence naming the loss calls refused for claiming another test's id, or ''."""
        calls = {} if service is None else service.foreign_calls
        if not calls:
            return ''
        known = {probe['id'] for probe in self.probes}
        named = sorted({probe_id if probe_id in known else 'an unknown id'
                        for probe_id in calls})
        return ('The grader refused %d call(s) of its reference loss made under the id of a '
                'test that was not running (%s): it answers only the test that is running, '
                'and these calls earned nothing.' % (sum(calls.values()), ', '.join(named)))

    def judge(self, run, name, checks, marker_status=(True, ''), service=None, source=b'',
              probes=None, reference=None):
        """Turn a ChildRun into a SubmissionResult for the given checks.

        What the child said about a probe on hidden inputs, or one that was
        served the reference loss, is replaced by fixed sentences
        (checks/hidden_feedback.py; source: the submission's bytes). probes,
        reference: the submission's (submission_probes), default the session's.
        """
        probes = self.probes if probes is None else probes
        reference = self.reference if reference is None else reference
        if not run.imported:
            problem, diagnosis = self._import_failure(run)
            return _not_graded(checks, name, problem, (diagnosis,))
        missing = self._missing_reason(run)
        extra = {'markers': marker_status}
        if self.fit is not None:
            extra.update(held_out=(self.fit.X_held, self.fit.y_held), dataset=self.fit.dataset)
        served = service.served_losses if service is not None else ()
        open_ids = {probe_id for probe_id in PUBLIC_PROBES if probe_id not in served}
        student = hidden_feedback.restrict(run.probe_results, open_ids, source)
        evidence = catalog.Evidence(_validated(student, reference), reference,
                                    probes, extra, missing, service)
        results = []
        for check in checks:
            try:
                verdict = check.judge(evidence)
            except catalog.StudentError as error:
                verdict = catalog.Verdict(0.0, '%s%s: %s' % (check.summary[:1].upper(),
                                                              check.summary[1:], error))
            score = round(float(check.max_score) * min(max(verdict.fraction, 0.0), 1.0), 4)
            results.append(CheckResult(check.name, score, float(check.max_score),
                                       verdict.feedback, tuple(verdict.diagnoses)))
        diagnoses = ()
        if run.timed_out:
            diagnoses = ('timeout',)
        elif not run.finished:
            diagnoses = ('crashed',)
        return SubmissionResult(name, results, diagnoses=diagnoses)

    def _import_failure(self, run):
        """(one-sentence reason, diagnosis id) for a file that did not load."""
        if run.import_error:
            kind = run.import_kind or 'import_failed'
            return IMPORT_REASONS[kind].format(error=run.import_error.rstrip('.')), kind
        if run.timed_out:
            return ('Loading neural_net.py did not finish within %g s (an endless loop or a '
                    'long computation at import time?).' % self.limits.timeout, 'timeout')
        if run.channel_error:
            return 'neural_net.py could not be graded: %s.' % run.channel_error, 'crashed'
        return sentence(self._stopped_reason(run, 'while neural_net.py was being loaded')), \
            'crashed'

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


def _validated(student_results, reference_results):
    """The student's probe results, each checked against the reference's outputs.

    A result whose outputs have names or shapes the reference's do not have
    becomes a failed probe with the reason (so no judge ever indexes a
    missing key or compares arrays of a forged shape). Gradients the child
    marked as unusable (problems) may be absent.
    """
    checked = {}
    for probe_id, result in student_results.items():
        reference = reference_results.get(probe_id)
        if reference is None or not result.get('ok'):
            checked[probe_id] = result
            continue
        want = reference['outputs']
        got = result['outputs']
        excused = set(result.get('problems', {}))
        extra = set(got) - set(want)
        missing = set(want) - set(got) - excused
        wrong = sorted(name for name in set(got) & set(want)
                       if (got[name].ndim != 1 if name.endswith('_history')
                           else got[name].shape != want[name].shape))
        if extra or missing or wrong:
            # Names the reference's outputs only: an extra one's name is the child's text.
            names = sorted(missing) + wrong + (['outputs of other names'] if extra else [])
            checked[probe_id] = {'ok': False, 'error': 'the outputs of this test are malformed '
                                 '(%s)' % ', '.join(names)}
        else:
            checked[probe_id] = result
    return checked
