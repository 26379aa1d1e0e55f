"""nbgrader autograde with the points computed outside the student's kernel.

nbgrader runs each notebook in a kernel that the student's code controls: a
cell can redefine any function the hidden tests call, and a tuned network's
``predict`` can return ``y_val``. So no autograded cell's points come from the
kernel. ``SandboxGrades``, registered in the course's nbgrader_config.py right
after nbgrader's ``Execute``, replaces the outputs of every autograded test
cell with the grader's own verdict:

- ``test_<check>`` cells: the student's ``neural_net.py`` (next to the
  notebook) graded in the sandbox on the code checks of the catalog, exactly
  as ``python -m autograder grade --dataset none`` grades it;
- ``test_best_net``: a fresh ``TwoLayerNet`` from that ``neural_net.py``,
  trained in the sandbox with the hyper-parameters the student declares in
  the tuning cell (``best_hyperparameters``, printed by the locked cell
  ``declare_best``) on the notebook's training split; its accuracy on
  held-out test images the seed draws (never sent to the child) comes from
  the trained parameters and the grader's forward pass, against the
  notebook's bar (checks.BEST_NET_THRESHOLDS), and counts only when the
  file's train passes the train check (SGD, judges.sgd_issue).

Each cell gets the feedback as stdout and the points as its result, which
nbgrader's SaveAutoGrades reads as partial credit. Nothing here raises for
anything a submission does: a failure is a cell at zero with the reason.
``SnapshotStudentFile``, right before ``Execute``, reads ``neural_net.py``
before the kernel starts, so a notebook that rewrites the file is graded on
what was submitted.

Settings (traits, set in nbgrader_config.py): ``seed`` (private grading
seed; None uses the kit's public one and logs a warning), ``dataset``,
``check_timeout``, ``best_net_timeout`` and ``best_net_memory_mb``.
"""
import atexit
import json
import math
import os

import numpy as np
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Float, Integer, Unicode

from .. import datasets
from ..checks import BEST_NET_THRESHOLDS, CATALOG, DATA_CHECKS, accuracy_verdict
from ..checks.hidden_judges import trained_accuracy
from ..checks.probe_ids import DEFAULT_SEED
from ..errors import IsolationError
from ..grading import Grader
from ..outputs.sanitise import notebook_output
from ..paths import STUDENT_FILE
from ..sandbox import Limits, Sandbox, secrecy
from ..submissions import discovery
from ..submissions.source_rule import source_problem
from .nbgrader_batch import kernel_refusal

CODE_CELLS = {'test_' + check.name: check.name for check in CATALOG
              if check.name not in DATA_CHECKS}
BEST_NET_CELL = 'test_best_net'
DECLARE_CELL = 'declare_best'
DECLARATION_PREFIX = 'best_hyperparameters = '
MAX_DECLARATION_CHARS = 4096
SNAPSHOT_KEY = 'tln_student_file'

# name: (type, smallest, largest, default when not declared; None = required)
HYPERPARAMETERS = {
    'hidden_size': (int, 1, 1000, None),
    'learning_rate': (float, 0.0, 10.0, None),
    'reg': (float, 0.0, 1000.0, None),
    'num_iters': (int, 1, 20000, None),
    'batch_size': (int, 1, 5000, None),
    'learning_rate_decay': (float, 0.0, 1.0, 0.95),
    'seed': (int, 0, 2 ** 32 - 1, 0),
}


class DeclarationError(ValueError):
    """The notebook does not declare usable best_hyperparameters (the message says why)."""


def checked_hyperparameters(raw):
    """The declared settings as a dict of plain ints and floats, or DeclarationError."""
    if not isinstance(raw, dict):
        raise DeclarationError('best_hyperparameters should be a dict, not %s'
                               % type(raw).__name__)
    unknown = sorted(str(name) for name in set(raw) - set(HYPERPARAMETERS))
    if unknown:
        raise DeclarationError('best_hyperparameters has keys the grader does not know: %s '
                               '(it takes %s)' % (', '.join(unknown)[:200],
                                                  ', '.join(HYPERPARAMETERS)))
    return {name: _checked_value(name, raw.get(name, spec[3]), *spec[:3])
            for name, spec in HYPERPARAMETERS.items()}


def _checked_value(name, value, kind, low, high):
    """One declared setting as kind, within [low, high]; DeclarationError otherwise."""
    if value is None:
        raise DeclarationError('best_hyperparameters has no %r' % name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DeclarationError('best_hyperparameters[%r] should be a number, not %s'
                               % (name, type(value).__name__))
    # Compare before converting: a huge int (10**400) overflows float() and isfinite().
    if isinstance(value, float) and not math.isfinite(value) or not low <= value <= high \
            or (name == 'learning_rate' and value <= 0):
        raise DeclarationError('best_hyperparameters[%r] = %s is outside what the grader '
                               'trains with (%s to %s)' % (name, _short(value), low, high))
    if kind is int and value != int(value):
        raise DeclarationError('best_hyperparameters[%r] should be a whole number, not %s'
                               % (name, _short(value)))
    return kind(value)


def _short(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + '...'


def grade_id_of(cell):
    """The nbgrader grade id of a notebook cell, or None."""
    return cell.get('metadata', {}).get('nbgrader', {}).get('grade_id')


def _cell(notebook, grade_id):
    return next((cell for cell in notebook.cells if grade_id_of(cell) == grade_id), None)


def declared_hyperparameters(notebook):
    """The hyper-parameters the executed notebook's declare_best cell printed.

    Raises DeclarationError saying what the student should do.
    """
    cell = _cell(notebook, DECLARE_CELL)
    if cell is None:
        raise DeclarationError('the notebook has no cell %r (the locked cell after the tuning '
                               'cell); use the notebook as released' % DECLARE_CELL)
    for output in cell.get('outputs', []):
        if output.get('output_type') == 'error':
            raise DeclarationError('the cell after the tuning cell failed (%s: %s)'
                                   % (output.get('ename'), str(output.get('evalue'))[:300]))
    text = ''.join(output.get('text', '') for output in cell.get('outputs', [])
                   if output.get('output_type') == 'stream' and output.get('name') == 'stdout')
    lines = [line for line in text.splitlines() if line.startswith(DECLARATION_PREFIX)]
    if not lines:
        raise DeclarationError('best_hyperparameters was not printed by the cell after the '
                               'tuning cell; set it in the tuning cell and run the notebook '
                               'from the top')
    declaration = lines[-1][len(DECLARATION_PREFIX):]
    if len(declaration) > MAX_DECLARATION_CHARS:
        raise DeclarationError('best_hyperparameters is too long to be a few settings')
    try:
        raw = json.loads(declaration)
    except (ValueError, RecursionError) as error:
        raise DeclarationError('best_hyperparameters could not be read (%s)'
                               % str(error)[:200]) from error
    return checked_hyperparameters(raw)


class BestNetTraining:
    """The notebook's training and validation split (data_utils.get_data), loaded once and
    written once into a probe pack that every student's re-training run reads, and the
    held-out test images the seed draws (datasets.held_out_rows), never sent to the child:
    the accuracy is measured on those, not on the validation labels the student has."""

    def __init__(self, dataset, limits, sandbox, seed=DEFAULT_SEED):
        splits = datasets.data_utils().get_data(dataset, num_test=datasets.HELD_OUT_POOL)
        self.dataset = dataset
        self.limits = limits
        self.sandbox = sandbox
        self.X_val = splits['X_val']             # (M, D): the tuning split the child trains with
        rows = datasets.held_out_rows(seed)
        self.X_held = splits['X_test'][rows]     # (HELD_OUT_SIZE, D): never sent to the child
        self.y_held = splits['y_test'][rows]
        self.num_train, self.input_size = splits['X_train'].shape      # X_train is (N, D)
        self.num_classes = len(datasets.data_utils().CLASS_NAMES[dataset])
        self.pack = sandbox.probe_pack([{'id': 'best_net', 'kind': 'fit', 'args': {},
                                'arrays': {'X': splits['X_train'],
                                           'y': splits['y_train'].astype(np.float64),
                                           'X_val': self.X_val}}])

    def close(self):
        self.pack.close()

    def verdict(self, source, hyper):
        """(fraction, feedback) for a fresh network from source trained with hyper.

        source: bytes of the student's neural_net.py; hyper: checked_hyperparameters.
        The accuracy comes from the trained parameters with the grader's forward pass.
        """
        D, H, C = self.input_size, hyper['hidden_size'], self.num_classes
        args = dict(hyper, batch_size=min(hyper['batch_size'], self.num_train), num_classes=C)
        limits = Limits(timeout=self.limits.timeout, memory_mb=self.limits.memory_mb,
                        file_size_mb=self.limits.file_size_mb, output_mb=_output_mb(D, H, C))
        run = self.sandbox.run(source, self.pack.with_args('best_net', args), limits)
        result = run.probe_results.get('best_net')
        if result is None or not result.ok:
            if result is not None:
                why = result.error or 'it failed'
            elif run.timed_out:
                why = 'it did not finish within %g s' % limits.timeout
            else:
                why = run.import_error or run.channel_error or 'it stopped early'
            return 0.0, 'Training a fresh network with your best_hyperparameters failed: %s.' % why
        want = {'final_W1': (D, H), 'final_b1': (H,), 'final_W2': (H, C), 'final_b2': (C,)}
        outputs = result.outputs
        if set(outputs) != set(want) or any(outputs[name].shape != shape
                                            for name, shape in want.items()):
            return 0.0, ('Training a fresh network with your best_hyperparameters gave '
                         'malformed parameters.')
        accuracy = trained_accuracy(outputs, self.X_held, self.y_held)
        settings = ', '.join('%s=%g' % item for item in sorted(hyper.items()))
        verdict = accuracy_verdict(accuracy, BEST_NET_THRESHOLDS[self.dataset],
                                   'A fresh network from your neural_net.py trained with your '
                                   'best_hyperparameters (%s) on %s, measured on held-out '
                                   'images' % (settings, self.dataset))
        return verdict.fraction, verdict.feedback


def _output_mb(input_size, hidden_size, num_classes):
    """Channel room for the trained parameters (float64) with a margin."""
    values = (input_size + 1 + num_classes) * hidden_size + num_classes
    return max(16, values * 8 // 2 ** 20 + 2)


def submitted_source(folder):
    """(bytes, None) of the student's neural_net.py in folder, or (b'', why it
    cannot be graded).

    The file is chosen by the rule of every route
    (file_choice.choose_student_file: beside the notebook unless an assignment/
    or two_layer_net/ folder holds one). Only a regular file is read (no
    symbolic link, FIFO or device), at most the grader's size limit.
    """
    submission = discovery.read_submission(folder, display='the submitted folder')
    if submission.source is None:
        return b'', submission.problem.rstrip('.')
    return submission.source, source_problem(submission.source)


class NotebookGrader:
    """Grades executed notebooks' folders for the autograded cells (one per autograde run)."""

    def __init__(self, seed=DEFAULT_SEED, dataset=None, check_timeout=30.0,
                 best_net_limits=None):
        self.sandbox = Sandbox()    # the children of both, closed by close()
        self.grader = Grader(dataset='none', limits=Limits(timeout=check_timeout), seed=seed,
                             sandbox=self.sandbox)
        self.seed = seed
        self.dataset = dataset or datasets.data_utils().selected_dataset()
        self.best_net_limits = best_net_limits or Limits(timeout=600.0, memory_mb=8192)
        self._training = None

    def close(self):
        self.grader.close()
        if self._training is not None:
            self._training.close()
        self.sandbox.close()

    def training(self):
        if self._training is None:
            self._training = BestNetTraining(self.dataset, self.best_net_limits, self.sandbox,
                                             self.seed)
        return self._training

    def cell_grades(self, student_file, notebook):
        """{grade_id: (points, max_points, feedback)} for an executed notebook.

        student_file: (bytes of neural_net.py, problem or None), from submitted_source
        before the notebook ran (its kernel could rewrite the file).
        """
        max_points = {check.name: float(check.max_score) for check in CATALOG}
        source, problem = student_file
        grades = {}
        if problem:
            for grade_id, name in dict(CODE_CELLS, **{BEST_NET_CELL: 'val_accuracy'}).items():
                grades[grade_id] = (0.0, max_points[name], 'Not graded: %s' % problem)
            return grades
        result = self.grader.grade_source(source, STUDENT_FILE)
        by_name = {check.name: check for check in result.checks}
        for grade_id, name in CODE_CELLS.items():
            check = by_name[name]
            feedback = ('Not graded: %s' % result.problem) if result.problem else check.feedback
            grades[grade_id] = (check.score, check.max_score, '[%s] %s' % (name, feedback))
        best_max = max_points['val_accuracy']
        if result.problem:
            grades[BEST_NET_CELL] = (0.0, best_max, 'Not graded: %s' % result.problem)
            return grades
        if by_name['train'].score == 0:
            # The accuracy pays only for SGD: the train check's criteria (checks/judges.py).
            grades[BEST_NET_CELL] = (0.0, best_max, 'The accuracy counts only a network trained '
                                     'by SGD, and your train does not pass the SGD criteria of '
                                     'the train check (see its feedback).')
            return grades
        try:
            hyper = declared_hyperparameters(notebook)
        except DeclarationError as error:
            grades[BEST_NET_CELL] = (0.0, best_max, 'Not graded: %s.' % error)
            return grades
        except Exception as error:   # a notebook crafted to break the reader: never raise
            grades[BEST_NET_CELL] = (0.0, best_max, 'Not graded: best_hyperparameters could '
                                     'not be read (%s).' % type(error).__name__)
            return grades
        fraction, feedback = self.training().verdict(source, hyper)
        grades[BEST_NET_CELL] = (round(best_max * fraction, 4), best_max, feedback)
        return grades


def _graded_outputs(points, max_points, feedback, execution_count):
    text = '%s\nPoints: %g / %g (graded outside this notebook, from your %s)\n' % (
        notebook_output(feedback), points, max_points, STUDENT_FILE)
    return [new_output('stream', name='stdout', text=text),
            new_output('execute_result', data={'text/plain': repr(float(points))},
                       execution_count=execution_count)]


class SnapshotStudentFile(NbGraderPreprocessor):
    """Reads the student's neural_net.py before the notebook runs (right before Execute).

    It reads the file as the student submitted it, in nbgrader's submitted/
    folder: nbgrader's own copy into autograded/ follows symbolic links (a
    link to the solution would arrive as a regular file), and the kernel runs
    the notebook with the grading user's rights, so it could rewrite the
    autograded copy. SandboxGrades grades the bytes read here.
    """

    def preprocess(self, nb, resources):
        resources[SNAPSHOT_KEY] = submitted_source(self._submitted_folder(resources))
        return nb, resources

    def _submitted_folder(self, resources):
        info = resources.get('nbgrader', {})
        if 'student' not in info or 'assignment' not in info:
            return resources.get('metadata', {}).get('path') or '.'
        from nbgrader.coursedir import CourseDirectory
        coursedir = CourseDirectory(config=self.config)
        return coursedir.format_path(coursedir.submitted_directory, info['student'],
                                     info['assignment'])


class RefuseCopiedTestCells(NbGraderPreprocessor):
    """Fails one notebook, with the reason, when two cells share an nbgrader grade id.

    nbgrader's DeduplicateIds would blank the copy's metadata and its
    CheckCellMetadata then stops the whole class's autograde (SchemaTooOldError);
    a plain error here fails this student's notebook only. Put first in
    Autograde.sanitize_preprocessors.
    """

    def preprocess(self, nb, resources):
        seen = set()
        for cell in nb.cells:
            grade_id = grade_id_of(cell)
            if grade_id in seen:
                raise ValueError('%s has two cells with the grade id %r (a copied test or '
                                 'answer cell?): nbgrader cannot grade it; the student should '
                                 'delete the copy and resubmit'
                                 % (resources.get('nbgrader', {}).get('notebook', 'the notebook'),
                                    grade_id))
            if grade_id:
                seen.add(grade_id)
        return nb, resources


class SandboxGrades(NbGraderPreprocessor):
    """Writes the grader's points into every autograded test cell (after Execute)."""

    seed = Integer(None, allow_none=True,
                   help='private grader seed for the hidden inputs').tag(config=True)
    dataset = Unicode('', help='cifar10 or fashion_mnist (default: TLN_DATASET, as the '
                               'kernels read it)').tag(config=True)
    check_timeout = Float(30.0, help='sandbox seconds for the code checks').tag(config=True)
    best_net_timeout = Float(600.0, help='sandbox seconds for re-training the tuned '
                                         'network').tag(config=True)
    best_net_memory_mb = Integer(8192, help='memory cap of that run in MB').tag(config=True)

    _grader = None

    def notebook_grader(self):
        if SandboxGrades._grader is None:
            if self.seed is None:
                self.log.warning('SandboxGrades: no private seed set (TLN_SEED); the hidden '
                                 'inputs use the kit\'s public seed %d', DEFAULT_SEED)
            SandboxGrades._grader = grader = NotebookGrader(
                seed=DEFAULT_SEED if self.seed is None else self.seed,
                dataset=self.dataset or None, check_timeout=self.check_timeout,
                best_net_limits=Limits(timeout=self.best_net_timeout,
                                       memory_mb=self.best_net_memory_mb))
            atexit.register(grader.close)   # removes the probe files when nbgrader exits
        return SandboxGrades._grader

    def preprocess(self, nb, resources):
        student_file = resources.get(SNAPSHOT_KEY)
        if student_file is None:
            raise ValueError('SandboxGrades needs SnapshotStudentFile before Execute in '
                             'Autograde.autograde_preprocessors (use autograde_preprocessors())')
        grades = self.notebook_grader().cell_grades(student_file, nb)
        for cell in nb.cells:
            grade_id = grade_id_of(cell)
            if cell.cell_type == 'code' and grade_id in grades:
                cell.outputs = _graded_outputs(*grades[grade_id], cell.get('execution_count'))
                self.log.info('%s: %g / %g', grade_id, grades[grade_id][0], grades[grade_id][1])
        return nb, resources


_PRIVATE_SEED = None


def private_seed_from_environment(variable='TLN_SEED'):
    """The private seed from $TLN_SEED, which is removed from the environment (the students'
    kernels inherit nbgrader's) and remembered for later loads of the config; or None."""
    global _PRIVATE_SEED
    secrecy.make_undumpable()   # nbgrader's own /proc/PID/environ still holds it
    value = os.environ.pop(variable, '')
    if value:
        try:
            _PRIVATE_SEED = int(value)
        except ValueError:
            raise ValueError('%s must be a whole number, not %r' % (variable, value)) from None
    return _PRIVATE_SEED


def sanitize_preprocessors():
    """nbgrader's sanitize preprocessors with RefuseCopiedTestCells first."""
    from nbgrader.converters.autograde import Autograde
    return [RefuseCopiedTestCells] + list(Autograde.class_traits()['sanitize_preprocessors']
                                          .default())


def autograde_preprocessors():
    """nbgrader's autograde preprocessors, with SnapshotStudentFile right before Execute
    and SandboxGrades right after it."""
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import Execute
    default = list(Autograde.class_traits()['autograde_preprocessors'].default())
    position = default.index(Execute)
    return (default[:position] + [SnapshotStudentFile, kernel_executor(), SandboxGrades]
            + default[position + 1:])


class RefusedExecute(Execute):
    """Stands in for Execute where no kernel may run: every notebook fails with the reason
    and the fix, and no kernel starts (the course's config still loads for nbgrader's
    other commands)."""

    def preprocess(self, nb, resources):
        raise IsolationError(kernel_refusal())


def kernel_executor():
    """SandboxedExecute (kernels in bubblewrap); nbgrader's Execute when TLN_KERNEL_SANDBOX=0
    chooses it explicitly; else RefusedExecute (kernel_refusal says why)."""
    if os.environ.get('TLN_KERNEL_SANDBOX', '') == '0':
        return Execute
    if kernel_refusal():
        return RefusedExecute
    from .nbgrader_kernel import SandboxedExecute
    return SandboxedExecute
