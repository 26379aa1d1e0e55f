"""What a judge reads and what it returns.

``Evidence`` holds everything a judge may look at for one submission: the
student's validated probe outputs, the reference's, the probe inputs, data
the grader holds back from the child, and the loss service's record. A
judge returns a ``Verdict``; ``StudentError`` says a probe it needs produced
no outputs (the student's code raised, timed out...), which the grader turns
into zero points with the reason. It is about the student's code, not the
kit: it never reaches the command line (see autograder/errors.py).
"""
from dataclasses import dataclass
from typing import Tuple

from .probe_ids import NO_RELU

# The key of Evidence.extra that says a copy's stand-in loss was served.
STAND_IN = 'stand_in'


class StudentError(Exception):
    """A probe the check needs did not produce outputs (raised, timed out...)."""


@dataclass
class Verdict:
    """Outcome of one check: the fraction of its points earned (0..1), the
    feedback text, and the ids of the mistakes recognised (diagnoses.py)."""
    fraction: float
    feedback: str
    diagnoses: Tuple[str, ...] = ()


class Evidence:
    """Everything a judge may look at for one submission.

    - student(probe_id): the student's outputs, or StudentError.
    - reference(probe_id): the reference outputs.
    - inputs(probe_id): the probe's input arrays and args.
    - extra: data the grader holds back from the child (e.g. y_val), and what the judges
      say depends on: STAND_IN (True in a copy without the reference, whose served probes
      got the stand-in loss of stand_in_loss.py).
    - service: the LossService that answered the student's served probes
      (its served_losses, first_batches and minibatches), or None where no loss was
      served (checks that read no served probe).
    - once(key, compute): compute() the first time key is asked, then the same value: what
      several judges read (the replay of the train check's run) is worked out once.
    """

    def __init__(self, student_results, reference_results, probes, extra=None, missing_reason='',
                 service=None):
        self._student = student_results
        self._reference = reference_results
        self._probes = {probe['id']: probe for probe in probes}
        self.extra = extra or {}
        self._missing_reason = missing_reason
        self._service = service
        self._once = {}

    def once(self, key, compute):
        if key not in self._once:
            self._once[key] = compute()
        return self._once[key]

    def served_losses(self, probe_id):
        """Losses served to the student's run of probe_id, or None if not served."""
        if self._service is None:
            return None
        return self._service.served_losses.get(probe_id, [])

    def served_stand_in(self, probe_id):
        """Whether probe_id's run was served the stand-in loss of a copy without the
        reference (stand_in_loss.py) rather than the reference's."""
        return bool(self.extra.get(STAND_IN)) and self.was_served(probe_id)

    def was_served(self, probe_id):
        """Whether probe_id's run was served a loss (the reference's, or the stand-in's
        of a copy without it: stand_in_loss.py)."""
        return self._service is not None and probe_id in self._service.served_losses

    def first_batch(self, probe_id):
        """X of the first training call of probe_id's run (N, D), or None."""
        if self._service is None:
            return None
        return self._service.first_batches.get(probe_id)

    def minibatches(self, probe_id):
        """[(X, y)] of every training call of probe_id's run, in order, or None."""
        if self._service is None:
            return None
        return self._service.minibatches.get(probe_id, [])

    def reference_loss(self, params, X, y, reg):
        """(loss, grads) of the reference solution (the service's) at params on X, y."""
        return self._service.reference_loss(params, X, y, reg)

    def reference_scores(self, probe_id):
        """The reference's scores (N, C) on probe_id's parameters and X, from the loss
        service (the reference class, or in a copy the stored scores: stand_in_loss.py);
        None where probe_id was not served."""
        if not self.was_served(probe_id):
            return None
        arrays = self.inputs(probe_id)
        return self._service.reference_scores(arrays, arrays['X'])

    def no_relu_scores(self, probe_id):
        """Scores of probe_id's network without the ReLU: stored with the outputs in a copy,
        else computed from its inputs (probe_inputs.py, which a copy does not hold)."""
        stored = self._reference.get(probe_id + NO_RELU)
        if stored is not None:
            return stored.outputs['scores']
        from .probe_inputs import no_relu_scores
        return no_relu_scores(self.inputs(probe_id))

    def narrow_dtype(self, probe_id, output):
        """'float32' when the student computed that output in a narrower float, else ''."""
        result = self._student.get(probe_id)
        return '' if result is None else result.dtypes.get(output, '')

    def student(self, probe_id):
        result = self._student.get(probe_id)
        if result is None:
            raise StudentError(self._missing_reason or 'this test did not run')
        if not result.ok:
            raise StudentError(result.error)
        return result.outputs

    def student_or_none(self, probe_id):
        try:
            return self.student(probe_id)
        except StudentError:
            return None

    def problem(self, probe_id, output):
        """Why the student's probe lacks an output, or ''."""
        return self._student[probe_id].problems.get(output, '')

    def reference(self, probe_id):
        return self._reference[probe_id].outputs

    def reference_or_none(self, probe_id):
        result = self._reference.get(probe_id)
        return result.outputs if result is not None and result.ok else None

    def inputs(self, probe_id):
        return self._probes[probe_id]['arrays']

    def args(self, probe_id):
        return self._probes[probe_id]['args']
