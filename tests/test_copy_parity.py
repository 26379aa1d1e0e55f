"""A copy without the reference grades the visible checks as the kit does.

The student repository and the Classroom 50 bundle have no reference solution:
their grader reads the stored outputs and serves the stand-in loss
(autograder/checks/stand_in_loss.py) to the train and predict probes. The kit's
`check` serves the reference loss. Every file must get the same points per check
from both.
"""
import os

import numpy as np
import pytest

from autograder.checks import stand_in_loss
from autograder.grading import Grader
from autograder.release import stored_outputs
from helpers import REFERENCE, REPO_DIR, STUB, mutants

CORPUS = os.path.join(REPO_DIR, 'tests', 'corpus')


def copy_grader():
    """The grader of a copy without the reference (as the Classroom 50 bundle builds it)."""
    return Grader(dataset='none', visible_only=True, weaker_layers=True,
                  expected_file=stored_outputs.EXPECTED_FILE,
                  reference_file=os.path.join(REPO_DIR, 'no-reference-here.py'))


def kit_grader():
    return Grader(dataset='none', visible_only=True, weaker_layers=True)


def points(grader, source):
    return {check.name: check.score for check in grader.grade_source(source, 'file').checks}


def read(path):
    with open(path, 'rb') as handle:
        return handle.read()


# ------------------------------------------------------------ the stand-in loss ---

def test_stand_in_gradients_are_those_of_its_loss():
    rng = np.random.default_rng(3)
    params = {'W1': rng.standard_normal((4, 6)), 'b1': rng.standard_normal(6),
              'W2': rng.standard_normal((6, 3)), 'b2': rng.standard_normal(3)}
    X, y, reg = rng.standard_normal((5, 4)), np.array([0., 2., 1., 1., 2.]), 0.3
    loss, grads = stand_in_loss.stand_in_loss(params, X, y, reg)
    for name in params:
        numeric = np.zeros_like(params[name])
        for index in np.ndindex(params[name].shape):
            for sign in (1, -1):
                moved = {key: value.copy() for key, value in params.items()}
                moved[name][index] += sign * 1e-6
                numeric[index] += sign * stand_in_loss.stand_in_loss(moved, X, y, reg)[0] / 2e-6
        assert np.allclose(grads[name], numeric, atol=1e-6), name
    # The minibatch matters: another batch pulls towards other targets.
    other = stand_in_loss.stand_in_loss(params, X[:3], y[:3], reg)[1]
    assert not np.allclose(other['W1'], grads['W1'])


def test_stored_scores_answer_only_the_probes_own_call():
    arrays = {'W1': np.ones((2, 3)), 'b1': np.zeros(3), 'W2': np.ones((3, 2)),
              'b2': np.zeros(2), 'X': np.arange(8.).reshape(4, 2)}
    scores = np.arange(8.).reshape(4, 2) * 10
    net = stand_in_loss.stand_in_class([{'id': 'predict_hidden', 'arrays': arrays}], {
        'predict_hidden' + stand_in_loss.STORED_SCORES: {'outputs': {'scores': scores}}})()
    net.params = {name: arrays[name] for name in stand_in_loss.PARAM_NAMES}
    assert np.array_equal(net.loss(arrays['X']), scores)
    assert np.array_equal(net.loss(arrays['X'][[3, 1]]), scores[[3, 1]])   # rows, any order
    stand_in = net.loss(arrays['X'] + 1)      # rows of no stored call: the linear stand-in
    assert not np.array_equal(stand_in, scores) and stand_in.shape == scores.shape
    net.params = dict(net.params, b2=np.ones(2))
    assert not np.array_equal(net.loss(arrays['X']), scores)


def test_the_release_stores_the_reference_scores_of_predict():
    _, _, results = stored_outputs.load()
    stored = results['predict_hidden' + stand_in_loss.STORED_SCORES]['outputs']['scores']
    assert np.array_equal(np.argmax(stored, axis=1),
                          results['predict_hidden']['outputs']['y_pred'])


# ------------------------------------------------------------ copy against kit ---

def test_a_gradient_and_a_sampling_mistake_cost_train_nowhere_in_a_copy():
    """The two files of the former known gap: a copy judged train on the toy run with the
    student's own loss and sampling (train 1/2 and 0/2 there, 2/2 with the kit)."""
    with copy_grader() as copy:
        for name in ('relu_mask_missing', 'sample_without_replacement'):
            got = points(copy, mutants.apply(mutants.BY_NAME[name]).encode())
            assert got['train'] == 2.0, (name, got)
        no_relu = points(copy, mutants.apply(mutants.BY_NAME['no_relu']).encode())
        assert no_relu['predict'] == 1.0 and no_relu['scores'] == 0.0, no_relu
        assert points(copy, read(STUB)) == dict.fromkeys(no_relu, 0.0)


@pytest.mark.slow
def test_every_mutant_and_corpus_file_gets_the_same_points_in_a_copy():
    sources = {'reference': read(REFERENCE), 'stub': read(STUB)}
    sources.update(('mutant_' + mutant.name, mutants.apply(mutant).encode())
                   for mutant in mutants.MUTANTS)
    sources.update(('corpus_' + name, read(os.path.join(CORPUS, name)))
                   for name in sorted(os.listdir(CORPUS)) if name.endswith('.py'))
    with kit_grader() as kit, copy_grader() as copy:
        both = {name: (points(kit, source), points(copy, source))
                for name, source in sources.items()}
    assert len(both) > 80
    differ = {name: pair for name, pair in both.items() if pair[0] != pair[1]}
    assert not differ, differ
