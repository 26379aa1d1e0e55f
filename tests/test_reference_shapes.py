"""A submission's reference results that wait to be read validate as the computed ones do.

Under a private seed the grader computes the reference's training runs on a
submission's hidden inputs only when a judge reads them
(checks/submission_inputs.py); every student result is still validated
(grading._validated) against the names and shapes of the reference's outputs,
which for those runs come from the probe's inputs. Here they are compared with
the outputs of the runs themselves, and the validation of well-formed and forged
results with both; and close_numbers, the replay's comparison of two losses, with
close().
"""
import itertools
import math

import numpy as np
import pytest

from autograder.checks import submission_inputs
from autograder.checks.probe_inputs import build_probes
from autograder.checks.tolerances import VALUE_TOLERANCE, close, close_numbers
from autograder.grading import _validated
from autograder.paths import reference_path
from autograder.sandbox.records import ProbeResult
from autograder.sandbox.service import load_reference_class

SEEDS = range(1, 21)


@pytest.fixture(scope='module')
def reference_class():
    return load_reference_class(reference_path())


def train_probes(seed):
    return [probe for probe in build_probes(seed) if probe['kind'] == 'train']


def test_train_output_shapes_are_those_of_the_reference_runs(reference_class):
    for seed in SEEDS:
        probes = train_probes(seed)
        computed = submission_inputs.reference_outputs(reference_class, probes)
        for probe in probes:
            outputs = computed[probe['id']].outputs
            derived = submission_inputs.train_output_shapes(probe)
            assert set(derived) == set(outputs), probe['id']
            for name, shape in derived.items():
                if name.endswith('_history'):
                    assert shape == (None,) and outputs[name].ndim == 1
                else:
                    assert outputs[name].shape == shape, (seed, probe['id'], name)


def forged_results(result):
    """Well-formed and malformed variants of a student's result of a training probe."""
    outputs = result.outputs
    reshaped = dict(outputs, final_W1=outputs['final_W1'].reshape(-1))
    flat_history = dict(outputs, loss_history=outputs['loss_history'].reshape(1, -1))
    missing = {name: value for name, value in outputs.items() if name != 'final_b2'}
    extra = dict(outputs, surplus=np.zeros(3))
    longer = dict(outputs, val_acc_history=np.zeros(7), input_y=np.zeros(1))
    return [ProbeResult.success(dict(outputs)), ProbeResult.success(reshaped),
            ProbeResult.success(flat_history), ProbeResult.success(missing),
            ProbeResult.success(extra), ProbeResult.success(longer),
            ProbeResult.failure('raised')]


def test_results_validate_alike_against_waiting_and_computed_runs(reference_class):
    for seed in SEEDS[:5]:
        probes = train_probes(seed)
        computed = submission_inputs.reference_outputs(reference_class, probes)
        waiting = submission_inputs.reference_outputs(reference_class, probes, shared={})
        for probe in probes:
            for student in forged_results(computed[probe['id']]):
                one = {probe['id']: student}
                want = _validated(one, dict(computed))[probe['id']]
                got = _validated(one, waiting)[probe['id']]
                assert (got.ok, got.error, got.outputs is student.outputs) == (
                    want.ok, want.error, want.outputs is student.outputs)
        # Reading a run that waits gives the computed one.
        assert all(waiting.output_shapes(p['id']) == submission_inputs.train_output_shapes(p)
                   for p in probes)
        first = probes[0]['id']
        assert set(waiting[first].outputs) == set(computed[first].outputs)
        assert all(np.array_equal(waiting[first].outputs[name], value)
                   for name, value in computed[first].outputs.items())


def test_close_numbers_answers_as_close_does():
    values = [0.0, -0.0, 1e-12, 1.0, 1.0 + 1e-7, 1.0 + 1e-5, -1.0, 2.302585092994046,
              1e300, -1e300, math.inf, -math.inf, math.nan]
    with np.errstate(all='ignore'):   # close() divides inf by inf here
        for actual, expected in itertools.product(values, repeat=2):
            assert close_numbers(actual, expected, VALUE_TOLERANCE) == close(
                actual, expected, VALUE_TOLERANCE), (actual, expected)
