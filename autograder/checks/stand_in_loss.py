"""The loss served where there is no reference: student copies and the Classroom 50 bundle.

With the reference at hand, the grader serves its loss to the train and predict
probes (sandbox/service.py), so those checks judge the student's SGD loop and
predict alone. A copy without the reference used to run them on the student's own
loss, so a gradient or sampling mistake cost `train` there as well, and a forward-pass
mistake cost `predict`. Here is what a copy serves instead, through the same
LossService (its budgets, gate and record):

- A labelled call (a training step): a stand-in loss, a quadratic pull of each
  parameter towards a target made from the minibatch. The train check asks only
  whether the loop calls loss() once per iteration on a minibatch of X with its
  labels, keeps the losses it returned and follows params -= learning_rate * grads
  with the gradients it returned; the judge replays that update with whichever loss
  was served (judges.sgd_issue), so any loss the grader computes tells a right loop
  from a wrong one. This one is not the assignment's maths (no softmax, no ReLU, no
  backward pass to read off).
- A call without labels (scores): on the inputs of a predict probe, the reference's
  scores stored at release time (STORED_SCORES in the stored outputs); elsewhere (the
  accuracy histories of a training run, which no check judges) a stand-in linear map.

numpy only: it runs in the grader of a student copy.
"""
import numpy as np

from ..sandbox.child.vocabulary import PARAM_NAMES
from ..sandbox.records import ProbeResult

# Served probes a copy answers (train_toy runs on the student's own loss there).
SERVED_IN_COPIES = ('predict_hidden', 'train_hidden')
# Probes whose scores call the stored outputs answer, and the suffix of that entry.
SCORED_PROBES = ('predict_hidden',)
STORED_SCORES = '_reference_scores'
TARGET_SCALE = 0.1


def _targets(X, y, shapes):
    """{parameter: target} drawn from the minibatch (X, y): smooth, bounded, never zero."""
    hidden, classes = shapes['b1'][0], shapes['b2'][0]
    columns = np.tanh(X.mean(axis=0)) if X.shape[0] else np.zeros(X.shape[1])
    label = float(np.mean(y)) if y.size else 0.0
    units, outputs = np.arange(hidden), np.arange(classes)
    return {'W1': TARGET_SCALE * np.outer(columns, np.cos(units + label)),
            'b1': TARGET_SCALE * np.sin(units - label),
            'W2': TARGET_SCALE * np.outer(np.cos(units * (1.0 + label)), np.sin(outputs + 1.0)),
            'b2': TARGET_SCALE * np.cos(outputs + label)}


def stand_in_loss(params, X, y, reg):
    """(loss, grads): 0.5 * sum of |p - target(p)|^2 plus reg * (|W1|^2 + |W2|^2)."""
    targets = _targets(X, y, {name: np.shape(params[name]) for name in PARAM_NAMES})
    loss, grads = 0.0, {}
    for name in PARAM_NAMES:
        pull = params[name] - targets[name]
        loss += 0.5 * float(np.sum(pull * pull))
        grads[name] = pull
        if name.startswith('W'):
            loss += reg * float(np.sum(params[name] * params[name]))
            grads[name] = pull + 2.0 * reg * params[name]
    return loss, grads


class StoredScores:
    """The reference's scores on one probe's inputs: rows of X answered by their bytes,
    for the probe's own parameters only."""

    def __init__(self, arrays, scores):
        self.params = {name: np.asarray(arrays[name], dtype=np.float64) for name in PARAM_NAMES}
        self.rows = {row.tobytes(): scores[index]
                     for index, row in enumerate(np.asarray(arrays['X'], dtype=np.float64))}

    def answer(self, params, X):
        """The stored scores of X's rows (N, C), or None where this call is not the probe's."""
        if not all(np.array_equal(params[name], self.params[name]) for name in PARAM_NAMES):
            return None
        rows = [self.rows.get(row.tobytes()) for row in np.asarray(X, dtype=np.float64)]
        if not rows or any(row is None for row in rows):
            return None
        return np.array(rows)


class StandInNet:
    """What the LossService of a copy calls in place of the reference TwoLayerNet (it sets
    params on an instance made with __new__, then calls loss)."""
    stored = ()

    def loss(self, X, y=None, reg=0.0):
        X = np.asarray(X, dtype=np.float64)
        params = {name: np.asarray(self.params[name], dtype=np.float64) for name in PARAM_NAMES}
        if y is not None:
            return stand_in_loss(params, X, np.asarray(y, dtype=np.float64), reg)
        for stored in self.stored:
            scores = stored.answer(params, X)
            if scores is not None:
                return scores
        return X.dot(params['W1']).dot(params['W2']) + params['b2']


def served_ids(stored_results):
    """The probes of SERVED_IN_COPIES a copy serves with these stored results: a predict
    probe only with its stored scores (else it runs on the student's own loss)."""
    return tuple(probe_id for probe_id in SERVED_IN_COPIES if probe_id not in SCORED_PROBES
                 or probe_id + STORED_SCORES in stored_results)


def stand_in_class(probes, stored_results):
    """A StandInNet class answering the scores of SCORED_PROBES from stored_results (the
    stored outputs' results: probe id + STORED_SCORES -> ProbeResult with outputs {'scores'})."""
    stored = tuple(StoredScores(probe['arrays'],
                                stored_results[probe['id'] + STORED_SCORES].outputs['scores'])
                   for probe in probes if probe['id'] in SCORED_PROBES
                   and probe['id'] + STORED_SCORES in stored_results)
    return type('StandInNet', (StandInNet,), {'stored': stored})


def reference_scores(reference_class, probes):
    """{probe id + STORED_SCORES: result} of the reference's scores on SCORED_PROBES' inputs
    (the release stores them beside the visible outputs)."""
    results = {}
    for probe in probes:
        if probe['id'] not in SCORED_PROBES:
            continue
        net = reference_class.__new__(reference_class)
        net.params = {name: np.array(probe['arrays'][name], dtype=np.float64)
                      for name in PARAM_NAMES}
        scores = np.asarray(net.loss(np.array(probe['arrays']['X'])), dtype=np.float64)
        results[probe['id'] + STORED_SCORES] = ProbeResult.success({'scores': scores})
    return results
