"""The reference loss, served by the grader to a student's training run.

The train, sgd and predict checks judge the student's SGD loop and predict
on their own: while those probes run, the child replaces the net's ``loss``
method by a stub that sends each call over the channel, and the grader
answers with the reference solution's result. The reference code never
enters the student's process (a student's own ``loss`` could otherwise call
it and pass the loss and grads checks, or print its source in an exception).

The grader trusts nothing in a call: it answers only for the probes that are
meant to be served, only after every probe judged on the student's own loss
has reported (so no answer can feed those results), never after the probe
itself has reported, with inputs no larger than the probe's, parameters of
the probe's shapes, integer labels in range, and at most a fixed number of
calls. Every loss it returns is recorded (the train check compares the
student's ``loss_history`` with them), and so is the first minibatch of each
run (the sgd check compares it with the specified sampling).
"""
import importlib.util

import numpy as np

from .child import channel as wire
from .child.probes import PARAM_NAMES

# Calls with y (training steps) allowed per served probe: num_iters + 1.
# Calls without y (scores, for predict) allowed: twice per step plus two.
SCORE_CALLS_PER_STEP = 2


def load_reference_class(path):
    """The reference TwoLayerNet, loaded in the grader (never in a student's process)."""
    spec = importlib.util.spec_from_file_location('_tln_reference_net', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TwoLayerNet


class ServiceRefused(Exception):
    """A loss call the grader will not answer; the message goes to the child."""


class ProbeBudget:
    """What one served probe may ask for.

    - shapes: the parameter shapes, e.g. {'W1': (D, H), ...}.
    - max_rows: largest number of samples in one call.
    - max_loss_calls / max_score_calls: call budgets.
    """

    def __init__(self, probe):
        arrays, args = probe['arrays'], probe['args']
        self.shapes = {name: tuple(np.shape(arrays[name])) for name in PARAM_NAMES}
        rows = [np.shape(arrays[key])[0] for key in ('X', 'X_val') if key in arrays]
        self.max_rows = max(rows + [int(args.get('batch_size', 0))])
        steps = int(args.get('num_iters', 0))
        self.max_loss_calls = steps + 1
        self.max_score_calls = SCORE_CALLS_PER_STEP * (steps + 1) + 2

    @property
    def input_size(self):
        return self.shapes['W1'][0]

    @property
    def classes(self):
        return self.shapes['W2'][1]


class LossService:
    """Answers one child run's loss calls with the reference loss.

    Inputs:
    - reference_class: the reference TwoLayerNet class (loaded in the grader).
    - budgets: {probe id: ProbeBudget} for the probes that are served.
    - gate_ids: ids of the probes that must have reported before any call
      is answered.
    """

    def __init__(self, reference_class, budgets, gate_ids, reference_file=None):
        self._reference_class = reference_class
        self._budgets = budgets
        self._gate_ids = frozenset(gate_ids)
        self.reference_file = reference_file   # where reference_class came from, if a file
        self._loss_calls = {probe_id: 0 for probe_id in budgets}
        self._score_calls = {probe_id: 0 for probe_id in budgets}
        self.served_losses = {probe_id: [] for probe_id in budgets}
        self.first_batches = {}

    def spec(self):
        """What another process needs to serve like this one: (reference file, budgets, gate)."""
        return self.reference_file, self._budgets, sorted(self._gate_ids)

    def record(self):
        """What serving one run left behind (calls counted, losses served, first batches)."""
        return {'loss_calls': self._loss_calls, 'score_calls': self._score_calls,
                'served_losses': self.served_losses, 'first_batches': self.first_batches}

    def adopt(self, record):
        """Take over the record of a run served in another process (serving.py)."""
        self._loss_calls = record['loss_calls']
        self._score_calls = record['score_calls']
        self.served_losses = record['served_losses']
        self.first_batches = record['first_batches']

    def answer(self, message, reported_ids, payload=None, reply_payload=None):
        """The reply (a dict) to one 'loss_call' message.

        reported_ids: probe ids whose results the child has already sent.
        payload: the payload of the call's frame (channel Received, or bytes;
        None: arrays in base64, see child/channel.py); reply_payload: a
        channel Payload that takes the reply's arrays (None: base64).
        """
        if payload is not None and not isinstance(payload, wire.Received):
            payload = wire.Received(payload)
        try:
            return self._answer(message, reported_ids, payload, reply_payload)
        except ServiceRefused as refusal:
            return {'event': 'loss_reply', 'ok': False, 'error': str(refusal)}

    def _answer(self, message, reported_ids, payload, reply_payload):
        probe_id = message.get('id')
        budget = self._budgets.get(probe_id) if isinstance(probe_id, str) else None
        if budget is None:
            raise ServiceRefused('the reference loss is served only while train and predict '
                                 'are graded')
        if not self._gate_ids.issubset(reported_ids) or probe_id in reported_ids:
            raise ServiceRefused('the reference loss is not available at this point')
        X = _one_array(message, 'X', 2, payload)
        if X.shape[0] > budget.max_rows or X.shape[1] != budget.input_size:
            raise ServiceRefused('X has shape %s; this probe passes at most (%d, %d)'
                                 % (X.shape, budget.max_rows, budget.input_size))
        params = _params(message, budget.shapes, payload)
        net = self._reference_class.__new__(self._reference_class)
        net.params = params
        if message.get('y') is None:
            self._count(self._score_calls, probe_id, budget.max_score_calls)
            with np.errstate(all='ignore'):
                scores = np.asarray(net.loss(X), dtype=np.float64)
            return {'event': 'loss_reply', 'ok': True,
                    'scores': wire.encode_arrays({'scores': scores}, reply_payload)}
        y = _labels(message, X.shape[0], budget.classes, payload)
        reg = message.get('reg')
        if isinstance(reg, bool) or not isinstance(reg, (int, float)) or not np.isfinite(reg):
            raise ServiceRefused('reg must be a finite number')
        self._count(self._loss_calls, probe_id, budget.max_loss_calls)
        with np.errstate(all='ignore'):
            loss, grads = net.loss(X, y=y, reg=float(reg))
        loss = float(loss)
        self.served_losses[probe_id].append(loss)
        self.first_batches.setdefault(probe_id, X)
        return {'event': 'loss_reply', 'ok': True, 'loss': loss,
                'grads': wire.encode_arrays({name: np.asarray(grads[name], dtype=np.float64)
                                             for name in PARAM_NAMES}, reply_payload)}

    @staticmethod
    def _count(counter, probe_id, limit):
        if counter[probe_id] >= limit:
            raise ServiceRefused('too many calls of loss() in one run (at most %d)' % limit)
        counter[probe_id] += 1


def _one_array(message, key, ndim, payload):
    try:
        array = wire.decode_arrays({key: message.get(key)}, payload)[key]
    except wire.WireError as error:
        raise ServiceRefused('%s could not be read (%s)' % (key, error)) from error
    if array.ndim != ndim:
        raise ServiceRefused('%s should have %d dimensions, got shape %s'
                             % (key, ndim, array.shape))
    return array


def _params(message, shapes, payload):
    encoded = message.get('params')
    if not isinstance(encoded, dict) or sorted(encoded) != sorted(PARAM_NAMES):
        raise ServiceRefused('self.params must hold exactly W1, b1, W2 and b2')
    try:
        params = wire.decode_arrays(encoded, payload)
    except wire.WireError as error:
        raise ServiceRefused('self.params could not be read (%s)' % error) from error
    for name in PARAM_NAMES:
        if params[name].shape != shapes[name]:
            raise ServiceRefused('self.params[%r] has shape %s, expected %s'
                                 % (name, params[name].shape, shapes[name]))
    return params


def _labels(message, rows, classes, payload):
    y = _one_array(message, 'y', 1, payload)
    if y.shape[0] != rows:
        raise ServiceRefused('y has %d labels for %d samples' % (y.shape[0], rows))
    # NaN fails both comparisons; fractions do not survive the way to integers and back.
    if y.size and not (y.min() >= 0 and y.max() < classes):
        raise ServiceRefused('y must hold integer labels from 0 to %d' % (classes - 1))
    labels = y.astype(np.int64)
    if not np.array_equal(labels, y):
        raise ServiceRefused('y must hold integer labels from 0 to %d' % (classes - 1))
    return labels
