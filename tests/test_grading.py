"""The grader: full marks for the reference, zero for the stub, honest comparisons."""
import json
import os
from types import SimpleNamespace

import numpy as np
import pytest

from autograder import checks
from autograder.sandbox.child import channel as wire
from autograder.checks import CATALOG
from autograder.sandbox.child.probes import ProbeOutputError, as_float_array
from helpers import REFERENCE, STUB, mutants, reference_text, write_submission

CONTRACT_NAMES = {'scores', 'loss', 'grads', 'train', 'predict', 'val_accuracy'}


def test_catalog_names_and_points():
    names = [check.name for check in CATALOG]
    assert CONTRACT_NAMES <= set(names) and len(names) == len(set(names))
    assert all(check.max_score > 0 for check in CATALOG)


@pytest.mark.slow
def test_reference_gets_full_marks(grader):
    result = grader.grade_file(REFERENCE, 'reference').to_json()
    assert [c['name'] for c in result['checks']] == [c.name for c in CATALOG]
    assert result['score'] == result['max_score'] == sum(c.max_score for c in CATALOG)
    val = [c for c in result['checks'] if c['name'] == 'val_accuracy'][0]
    assert 'validation accuracy' in val['feedback']


@pytest.mark.slow
def test_stub_gets_zero_with_reasons(grader):
    result = grader.grade_file(STUB, 'stub').to_json()
    assert result['score'] == 0
    for check in result['checks']:
        assert ('NotImplementedError' in check['feedback']
                or 'could not be observed' in check['feedback']
                or 'only a network trained by SGD' in check['feedback']), check


@pytest.mark.slow
def test_grading_is_deterministic(grader, tmp_path):
    text = reference_text().replace('dscores /= N', 'dscores /= 2 * N')
    path = write_submission(str(tmp_path / 'half'), text)
    first = json.dumps(grader.grade_file(path, "x").to_json(timing=False))
    second = json.dumps(grader.grade_file(path, "x").to_json(timing=False))
    assert first == second
    assert 0 < json.loads(first)['score'] < json.loads(first)['max_score']


@pytest.mark.slow
def test_feedback_names_the_wrong_gradient(code_grader, tmp_path):
    text = reference_text().replace(mutants.MASK, 'pass')
    result = code_grader.grade_file(write_submission(str(tmp_path), text)).to_json()
    grads = [c for c in result['checks'] if c['name'] == 'grads'][0]
    assert grads['score'] == 1.5
    assert 'dW1 is wrong but dW2 is right: check the ReLU mask' in grads['feedback']
    scores = [c for c in result['checks'] if c['name'] == 'scores'][0]
    assert scores['score'] == scores['max_score']


@pytest.mark.slow
def test_feedback_separates_data_loss_from_regularisation(code_grader, tmp_path):
    text = reference_text().replace('loss = data_loss + reg_loss', 'loss = data_loss')
    result = code_grader.grade_file(write_submission(str(tmp_path), text)).to_json()
    loss = [c for c in result['checks'] if c['name'] == 'loss'][0]
    assert loss['score'] == 1.0
    assert 'right without regularisation but wrong with reg>0' in loss['feedback']


@pytest.mark.slow
def test_hardcoded_toy_sizes_get_partial_credit_and_advice(code_grader, tmp_path):
    text = reference_text().replace(
        'scores = hidden.dot(W2) + b2                  # (N, C)',
        'scores = (hidden.dot(W2) + b2)[:5, :3] if X.shape[0] == 5 else 0 * hidden[:, :1]')
    result = code_grader.grade_file(write_submission(str(tmp_path), text)).to_json()
    scores = [c for c in result['checks'] if c['name'] == 'scores'][0]
    assert 0 < scores['score'] < scores['max_score']


@pytest.mark.parametrize('value, message', [
    ('object()', 'numpy array of numbers'),
    ('"scores"', 'should be a numpy array'),
    ('{"a": 1}', 'should be a numpy array'),
])
def test_coercion_refuses_non_arrays(value, message):
    with pytest.raises(ProbeOutputError, match=message):
        as_float_array(eval(value), 'scores')


def test_coercion_strips_subclasses_and_checks_shape():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True
    liar = np.zeros((2, 3)).view(Liar)
    plain = as_float_array(liar, 'scores', (2, 3))
    assert type(plain) is np.ndarray and plain.dtype == np.float64
    with pytest.raises(ProbeOutputError, match='shape'):
        as_float_array([1.0, 2.0], 'scores', (2, 3))


def test_wire_is_strict():
    arrays = {'a': np.arange(6, dtype=float).reshape(2, 3)}
    decoded = wire.decode_arrays(wire.encode_arrays(arrays))
    assert np.array_equal(decoded['a'], arrays['a'])
    for bad in ({'a': {'shape': [2, 3], 'data': 'AAAA'}}, {'a': {'shape': [-1], 'data': ''}},
                {'a': {'shape': [1], 'data': '!!!!'}}, ['x'], {'a': 5}):
        with pytest.raises(wire.WireError):
            wire.decode_arrays(bad)
    with pytest.raises(wire.WireError):
        wire.decode_message(b'{"no_event": 1}')


ATTACKS = {
    'always_equal_scores': (
        'scores = hidden.dot(W2) + b2                  # (N, C)',
        'class Eq:\n            def __eq__(self, o): return True\n'
        '            def __array__(self, *a, **k): raise TypeError("no")\n'
        '        scores = Eq()'),
    'nan_scores': ('scores = hidden.dot(W2) + b2                  # (N, C)',
                   'scores = np.full((N, W2.shape[1]), np.nan)'),
    'inf_loss': ('loss = data_loss + reg_loss', 'loss = np.inf'),
    'list_scores_wrong_shape': ('scores = hidden.dot(W2) + b2                  # (N, C)',
                                'scores = (hidden.dot(W2) + b2).ravel().tolist()'),
}


@pytest.mark.slow
@pytest.mark.parametrize('attack', sorted(ATTACKS))
def test_fake_outputs_do_not_pass(code_grader, tmp_path, attack):
    old, new = ATTACKS[attack]
    text = reference_text()
    assert old in text
    path = write_submission(str(tmp_path), text.replace(old, new))
    result = code_grader.grade_file(path).to_json()
    target = 'loss' if attack == 'inf_loss' else 'scores'
    check = [c for c in result['checks'] if c['name'] == target][0]
    assert check['score'] == 0, check


@pytest.mark.slow
def test_list_outputs_of_the_right_shape_are_accepted(code_grader, tmp_path):
    text = reference_text().replace('return y_pred', 'return y_pred.tolist()')
    result = code_grader.grade_file(write_submission(str(tmp_path), text)).to_json()
    assert result['score'] == result['max_score']


def test_accuracy_verdict_thresholds():
    assert checks.accuracy_verdict(0.80, 0.75, 'x').fraction == 1.0
    assert checks.accuracy_verdict(0.50, 0.75, 'x').fraction == 0.5
    assert checks.accuracy_verdict(0.20, 0.75, 'x').fraction == 0.0


def test_a_one_file_session_serves_the_loss_itself():
    """check grades one file: its loss service has no reference file, so the runner serves
    it from a thread of the grader instead of starting a serving worker process."""
    from autograder.grading import Grader
    for one_file in (True, False):
        with Grader(dataset='none', visible_only=True, weaker_layers=True,
                    one_file=one_file) as grader:
            service = grader.loss_service(grader.checks, grader.probes)
            assert service is not None
            assert (service.reference_file is None) == one_file


def test_the_refused_calls_warning_names_the_loss_this_grader_serves(tmp_path):
    """The kit serves the reference loss; a copy without the reference (here: the reference
    file missing) serves its stand-in, and the warning about calls under another test's id
    says which."""
    from autograder.grading import Grader
    service = SimpleNamespace(foreign_calls={'loss_toy_reg': 2})
    for reference_file, served in ((None, 'reference'), (str(tmp_path / 'none.py'), 'stand-in')):
        with Grader(dataset='none', visible_only=True, weaker_layers=True, one_file=True,
                    reference_file=reference_file) as grader:
            assert grader.stand_in == (served == 'stand-in')
            note = grader._foreign_calls_note(service)
        assert 'refused 2 call(s) of its %s loss' % served in note, note


def test_a_grader_that_fails_to_set_up_closes_its_own_sandbox_at_once(monkeypatch):
    """A failure after the Grader made its Sandbox (here a bad --require-markers, checked
    once the isolation layer, and under bubblewrap a zygote, are up) closes that Sandbox
    before the error leaves the constructor; a Sandbox it was given is the caller's."""
    from autograder import grading
    from autograder.errors import GraderError
    from autograder.sandbox import Sandbox

    class Recorded(Sandbox):
        made = []

        def __init__(self):
            super().__init__()
            self.closed = 0
            self.scratch = None
            Recorded.made.append(self)

        def close(self):
            self.closed += 1
            self.scratch = self.scratch or self._scratch
            super().close()

    monkeypatch.setattr(grading, 'Sandbox', Recorded)
    with pytest.raises(GraderError, match='require-markers'):
        grading.Grader(dataset='none', visible_only=True, weaker_layers=True, require_markers=0)
    [own] = Recorded.made
    assert own.closed == 1
    assert own.scratch is None or not os.path.exists(own.scratch)
    given = Recorded()
    with pytest.raises(GraderError, match='require-markers'):
        grading.Grader(dataset='none', visible_only=True, weaker_layers=True, require_markers=0,
                       sandbox=given)
    assert given.closed == 0
    given.close()


def test_a_grader_parses_its_stored_outputs_once(tmp_path, monkeypatch):
    """A copy without the reference reads its probes and their outputs from one file
    (expected_visible.json; the Classroom 50 bundle names it as expected_file): one parse
    per grader. The kit, with the reference, reads none."""
    from autograder import grading, stored_outputs
    parses = []
    parse = stored_outputs.json.loads
    monkeypatch.setattr(stored_outputs, 'json', SimpleNamespace(
        loads=lambda text: parses.append(1) or parse(text), dumps=json.dumps))
    missing = str(tmp_path / 'none.py')
    for expected_file, reference_file, count in ((None, missing, 1),
                                                  (stored_outputs.EXPECTED_FILE, missing, 1),
                                                  (None, None, 0)):
        del parses[:]
        with grading.Grader(dataset='none', visible_only=True, weaker_layers=True, one_file=True,
                            expected_file=expected_file, reference_file=reference_file) as grader:
            assert grader.stand_in == (reference_file is not None)
        assert len(parses) == count, (expected_file, reference_file)
