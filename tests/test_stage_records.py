"""Records at stage boundaries are typed: a catalog entry takes keyword fields only, and
stored reference outputs come back as a StoredOutputs named tuple."""
import numpy as np
import pytest

from autograder import stored_outputs
from autograder.checks import CATALOG, Check
from autograder.sandbox import ProbeResult


def test_a_check_is_built_with_keyword_fields_only():
    first = CATALOG[0]
    with pytest.raises(TypeError):
        Check(first.name, first.max_score, True, first.summary, first.probes, first.judge)
    again = Check(name=first.name, max_score=first.max_score, visible=first.visible,
                  summary=first.summary, probes=first.probes, judge=first.judge)
    assert again == first


def test_stored_outputs_read_back_as_a_named_tuple():
    outputs = {'scores': np.arange(6, dtype=np.float64).reshape(2, 3)}
    text = stored_outputs.encode(7, {'scores_toy': ProbeResult.success(outputs)}, b'ref')
    stored = stored_outputs.decode(text)
    assert isinstance(stored, stored_outputs.StoredOutputs)
    assert stored.seed == 7 and len(stored.reference_sha256) == 64
    assert np.array_equal(stored.results['scores_toy'].outputs['scores'], outputs['scores'])
    assert stored.covers(7, {'scores_toy'})
    assert not stored.covers(8, {'scores_toy'}) and not stored.covers(7, {'scores_toy', 'x'})
    assert stored_outputs.same(text, text)
    assert stored.probes == ()
    probe = {'id': 'scores_toy', 'kind': 'scores', 'args': {}, 'arrays': {'X': np.ones((2, 4))}}
    with_inputs = stored_outputs.decode(stored_outputs.encode(
        7, {'scores_toy': ProbeResult.success(outputs)}, b'ref', [probe]))
    [back] = with_inputs.probes
    assert back['id'] == 'scores_toy' and np.array_equal(back['arrays']['X'], np.ones((2, 4)))


def test_the_shipped_outputs_are_the_visible_checks_at_the_public_seed():
    from autograder.checks.probe_inputs import DEFAULT_SEED
    stored = stored_outputs.load()
    assert stored is not None and stored.seed == DEFAULT_SEED
    visible = {probe for check in CATALOG if check.visible for probe in check.probes}
    assert stored.covers(DEFAULT_SEED, visible)
