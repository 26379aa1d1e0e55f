"""Grade neural_net.py files against the catalog: one grading session.

A Grader is set up once per grading session: it builds the probes
(checks/probe_inputs.py), runs them on the reference solution (the same probe
code as a student's child runs: in this process, the val_accuracy training
in the sandbox; or takes stored outputs) and then grades any number of files: each runs in the
sandbox child (sandbox/), its validated outputs become the Evidence the
judges of the catalog read (checks/), and their Verdicts become a
SubmissionResult (results.py, which also holds the JSON contract).
"""
import collections
import functools
import hashlib
import json
import os
import signal
import threading

from . import __version__
from . import checks as catalog
from . import datasets, stored_outputs, student_imports
from .checks import hidden_feedback, markers, submission_inputs
from .checks.stand_in_loss import served_ids, stand_in_class
from .checks.judges import sentence
from .checks.probe_ids import DEFAULT_SEED, NO_DECAY, NO_RELU, PUBLIC_PROBES
from .errors import GraderError
from .paths import is_student_copy, package_source_files, private_dirs, reference_path, require_kit
from .results import CheckResult, SubmissionResult
from .sandbox import Limits, ProbeResult, Sandbox
from .sandbox.service import LossService, ProbeBudget, load_reference_class
from .submissions.source_rule import read_source, source_problem

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


# Submission-level diagnoses of a file that exists but did not load.
LOAD_FAILURES = ('python2', 'syntax_error', 'missing_import', 'no_class', 'import_failed',
                 'timeout', 'crashed')


def not_graded_line(diagnoses):
    """What each check says when nothing could be graded: complete by itself (it points at
    no other text, which a route may not show beside it); the reason is the result's
    problem, stated once."""
    if set(diagnoses) & set(LOAD_FAILURES):
        return NOT_GRADED % 'neural_net.py could not be loaded, so no check ran.'
    return NOT_GRADED % 'there was no neural_net.py that could be graded, so no check ran.'


def _not_graded(selected, name, problem, diagnoses=()):
    """A result with every check at zero: the reason is stated once, in problem."""
    short = not_graded_line(diagnoses)
    return SubmissionResult(name, [CheckResult(check.name, 0.0, float(check.max_score), short)
                                   for check in selected],
                            problem=problem, diagnoses=tuple(diagnoses))


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
    - expected_file: stored reference outputs (stored_outputs.py format) to use
      instead of running the reference, e.g. a Gradescope bundle's private
      outputs for its own seed; every probe must be in it.
    - reference_file: the reference module (default: the kit's solutions/neural_net.py).
    - fit: the datasets.FitData of dataset and seed, loaded already (a Gradescope
      bundle's, prepared when its image was built), instead of loading the dataset.
    - weaker_layers: True where only the user's own file or the kit's code runs (the
      self-check, release, demo, the Gradescope build): the sandbox may fall back to
      a weaker layer than bubblewrap by itself. False (grading students): bubblewrap,
      or the layer TLN_ISOLATION names, else IsolationError (Sandbox.required_layer).
    - sandbox: the Sandbox that runs the children (session.py), shared with the caller,
      who closes it; default: one of the Grader's own, closed by close().
    - one_file: the session grades a single file (the self-check): a thread of this
      process serves the reference loss to it, as no serving worker process would pay
      for its start (sandbox/serving.py serves the runs of a batch).
    """

    def __init__(self, dataset='auto', visible_only=False, limits=None, seed=DEFAULT_SEED,
                 denied_roots=(), expected_file=None, reference_file=None, require_markers=None,
                 fit=None, weaker_layers=False, sandbox=None, one_file=False):
        self.limits = limits or Limits()
        self.one_file = one_file
        self.seed = seed
        # A Sandbox of its own is closed by close(), and here if setting up fails: its
        # zygotes and scratch folder go now, not whenever the collector gets to them.
        self._own_sandbox = sandbox is None
        self.sandbox = Sandbox() if sandbox is None else sandbox
        self._student_packs = {}
        try:
            # IsolationError (a GraderError) where the layer may not grade students, said
            # now; a route that may fall back (weaker_layers) has it chosen when a child
            # first runs: release and a Gradescope build without data run none (isolation).
            self._weaker_layers = weaker_layers
            if not weaker_layers:
                self.sandbox.required_layer(weaker_layers)
            self.expected_file = expected_file
            self.reference_file = reference_file or reference_path()
            self.dataset = None
            loaded, fit = fit, None
            if not visible_only:
                try:
                    self.dataset = datasets.resolve(dataset)
                    if self.dataset:
                        fit = loaded or datasets.load_fit_data(
                            self.dataset, seed, catalog.FIT_SETTINGS[self.dataset])
                except (ValueError, datasets.data_utils().DatasetError) as error:
                    raise GraderError(str(error)) from error
            self.fit = fit
            self.checks = catalog.select(visible_only, with_data=fit is not None)
            if require_markers is not None:
                if not require_markers > 0:
                    raise GraderError('--require-markers takes a positive number of points')
                self.checks.append(catalog.markers_check(require_markers))
            self.require_markers = require_markers
            self._fit_inputs = None if fit is None else {'X': fit.X, 'y': fit.y,
                                                         'X_val': fit.X_val, 'args': fit.args}
            self.probes = self._needed_probes(self._all_probes(seed))
            self.denied_roots = sorted({*private_dirs(), *denied_roots})
            self._held_out_accuracy = None
            self._reference_accuracy_lock = threading.Lock()
            self.reference_class = None
            self.stand_in = False     # no reference here: checks/stand_in_loss.py serves
            self._stand_in_ids = ()   # the probes it serves
            self.reference = self._reference_results()
            # Under a private seed, each submission's own hidden inputs (submission_inputs.py).
            self.per_submission = submission_inputs.per_submission(
                seed, None if self.stand_in else self.reference_class)
        except BaseException:
            self.close()
            raise

    def _all_probes(self, seed):
        """Every probe of a grade with this seed: drawn (checks/probe_inputs.py), or in a
        copy without the reference, those stored with the visible outputs for its seed
        (a student copy has no probe_inputs.py)."""
        if not os.path.isfile(self.reference_file):
            stored = self.stored_reference
            if stored is not None and stored.seed == seed and stored.probes:
                return list(stored.probes)
        from .checks.probe_inputs import build_probes
        return build_probes(seed, self._fit_inputs)

    @functools.cached_property
    def stored_reference(self):
        """The StoredOutputs of expected_file (default: the visible ones a copy ships), read
        and parsed once; None where the file does not exist."""
        return stored_outputs.load(self.expected_file or stored_outputs.EXPECTED_FILE)

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
        from .checks.probe_inputs import build_probes
        probes = self._needed_probes(build_probes(hidden_seed, self._fit_inputs))
        hidden = [probe for probe in probes if not submission_inputs.is_shared(probe)]
        shared = {probe['id']: self.reference[probe['id']] for probe in probes
                  if submission_inputs.is_shared(probe)}
        return probes, submission_inputs.reference_outputs(self.reference_class, hidden, shared)

    def _chosen(self, checks, probes):
        """The probes of probes the child runs for the given checks, in order."""
        needed = {probe_id for check in checks for probe_id in check.probes}
        return [p for p in probes if p['id'] in needed and not p.get('reference_only')]

    def _student_pack(self, checks):
        """(ProbePack, gate ids, budgets) for the probes the given checks read (built once)."""
        key = tuple(check.name for check in checks)
        if key not in self._student_packs:
            chosen = [self._served_here(p) for p in self._chosen(checks, self.probes)]
            serve = self.reference_class is not None
            budgets = {p['id']: ProbeBudget(p) for p in chosen if serve and p.get('served')}
            first_served = next((i for i, p in enumerate(chosen) if p['id'] in budgets),
                                len(chosen))
            gate = [p['id'] for p in chosen[:first_served]]
            if self.per_submission:   # hidden probes go inline, per submission
                chosen = [p for p in chosen if submission_inputs.is_shared(p)]
            self._student_packs[key] = (self.sandbox.probe_pack(chosen, served=serve), gate,
                                        budgets)
        return self._student_packs[key]

    def _served_here(self, probe):
        """probe as this grader runs it: without the reference, only the probes the stand-in
        loss serves (stand_in_loss.served_ids); the others run on the student's own."""
        if self.stand_in and probe.get('served') and probe['id'] not in self._stand_in_ids:
            return dict(probe, served=False)
        return probe

    def loss_service(self, checks, probes):
        """The LossService of one run of the given checks on probes (a submission's), or
        None where nothing is served."""
        _, gate, budgets = self._student_pack(checks)
        budgets = {p['id']: ProbeBudget(p) for p in self._chosen(checks, probes)
                   if p['id'] in budgets}
        # Without a reference file the sandbox serves the loss in a thread of this process:
        # the self-check (one_file) and a copy's stand-in loss.
        return (LossService(self.reference_class, budgets, gate,
                            None if self.stand_in or self.one_file else self.reference_file,
                            self.sandbox.answer_cache(self.reference_class))
                if budgets else None)

    def _reference_results(self):
        """Reference outputs for self.probes: run the reference, or use stored ones.

        A student distribution has no solutions/ folder; there the stored
        outputs of the visible checks (stored_outputs.py) serve the self-check, and
        checks/stand_in_loss.py answers the served probes' loss calls (train's update rule
        is judged as with the reference; predict gets the reference's stored scores).
        """
        if self.expected_file is None and os.path.isfile(self.reference_file):
            with open(self.reference_file, 'rb') as handle:
                self.reference_hash = hashlib.sha256(handle.read()).hexdigest()
            self.reference_class = load_reference_class(self.reference_file)
            return self._run_reference()
        stored = self.stored_reference
        needed = {probe['id'] for probe in self.probes}
        covered = stored is not None and stored.covers(self.seed, needed)
        if self.expected_file is not None and not covered:
            raise GraderError('the stored reference outputs %s do not cover seed %s and '
                              'every probe of this grade; rebuild them.'
                              % (self.expected_file, self.seed))
        if not covered:
            if not is_student_copy():
                require_kit('grade')   # an installed wheel: names the folder, says --kit
            raise GraderError(
                'this copy of the kit has no reference solution (%s): it is a student '
                'distribution, where only the self-check (python -m autograder check) works. '
                'Grade with the instructor\'s copy of the kit.' % self.reference_file)
        self.reference_hash = stored.reference_sha256
        if self.expected_file is not None and os.path.isfile(self.reference_file):
            # A Gradescope bundle keeps the reference in its root-only folder: the
            # grader serves its loss to train, sgd and predict (never to the child).
            self.reference_class = load_reference_class(self.reference_file)
        else:
            self.reference_class = stand_in_class(self.probes, stored.results)
            self.stand_in = True
            self._stand_in_ids = served_ids(stored.results)
        # With the scores without the ReLU that a copy stores (the scores judge's hint).
        return {probe_id: stored.results[probe_id] for probe_id in stored.results
                if probe_id.replace(NO_RELU, '') in needed}

    def _run_reference(self):
        """The reference's results on self.probes: computed in this process (trusted kit
        code, as for every submission's hidden inputs: submission_inputs.py), except the
        val_accuracy training run ('fit'), which runs in the sandbox as a student's does
        (its BLAS threads and limits are the child's)."""
        in_process = submission_inputs.reference_outputs(
            self.reference_class, [p for p in self.probes if p['kind'] != 'fit'])
        fit = [p for p in self.probes if p['kind'] == 'fit']
        if not fit:
            return in_process
        return collections.ChainMap(self._run_in_sandbox(fit), in_process)

    def _run_in_sandbox(self, probes):
        """{probe id: result} of the reference run on probes in the sandbox child."""
        limits = Limits(timeout=max(self.limits.timeout, 300), memory_mb=self.limits.memory_mb)
        pack = self.sandbox.probe_pack(probes)
        try:
            run = self.sandbox.run(read_source(self.reference_file), pack, limits)
        finally:
            pack.close()
        failed = [result.error for result in run.probe_results.values() if not result.ok]
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

    @property
    def isolation(self):
        """The isolation layer this grader's children run under (Sandbox.required_layer)."""
        return self.sandbox.required_layer(self._weaker_layers)

    def close(self):
        for pack, _, _ in self._student_packs.values():
            pack.close()
        self._student_packs.clear()
        if self._own_sandbox:
            self.sandbox.close()   # idle zygotes and serving workers, the scratch folder

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
        run = self.sandbox.run(source, pack, self.limits, self.denied_roots, service)
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
        served = 'stand-in' if self.stand_in else 'reference'   # what this copy serves
        return ('The grader refused %d call(s) of its %s loss made under the id of a '
                'test that was not running (%s): it answers only the test that is running, '
                'and these calls earned nothing.' % (sum(calls.values()), served,
                                                     ', '.join(named)))

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
        extra = {'markers': marker_status, catalog.STAND_IN: self.stand_in}
        if self.fit is not None:
            extra.update(held_out=(self.fit.X_held, self.fit.y_held), dataset=self.fit.dataset,
                         reference_accuracy=self._reference_accuracy(reference))
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

    def _reference_accuracy(self, reference):
        """The reference network's accuracy on the held-out images (the val_accuracy
        feedback quotes it), computed once: the 'fit' run is the same for every submission.
        None where the reference has no fit result."""
        with self._reference_accuracy_lock:
            if self._held_out_accuracy is None and 'fit' in reference:
                from .checks.hidden_judges import trained_accuracy   # instructor only
                self._held_out_accuracy = trained_accuracy(
                    reference['fit'].outputs, self.fit.X_held, self.fit.y_held)
            return self._held_out_accuracy

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
        want = _reference_shapes(reference_results, probe_id)
        if want is None or not result.ok:
            checked[probe_id] = result
            continue
        got = result.outputs
        excused = set(result.problems)
        extra = set(got) - set(want)
        missing = set(want) - set(got) - excused
        wrong = sorted(name for name in set(got) & set(want)
                       if (got[name].ndim != 1 if name.endswith('_history')
                           else got[name].shape != want[name]))
        if extra or missing or wrong:
            # Names the reference's outputs only: an extra one's name is the child's text.
            names = sorted(missing) + wrong + (['outputs of other names'] if extra else [])
            checked[probe_id] = ProbeResult.failure('the outputs of this test are malformed '
                                                    '(%s)' % ', '.join(names))
        else:
            checked[probe_id] = result
    return checked


def _reference_shapes(reference_results, probe_id):
    """{output name: shape} of the reference's result of probe_id, or None where it has
    none: a submission's (submission_inputs.ReferenceResults) tells them without running
    a training run no judge has read yet."""
    if isinstance(reference_results, submission_inputs.ReferenceResults):
        return reference_results.output_shapes(probe_id)
    result = reference_results.get(probe_id)
    return None if result is None else submission_inputs.output_shapes(result)
