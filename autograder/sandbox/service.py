"""The reference loss, served by the grader to a student's training run.

The train, sgd and predict checks judge the student's SGD loop and predict
on their own: while those probes run, the child replaces the net's ``loss``
method by a stub that sends each call over the channel, and the grader
answers with the reference solution's result. The reference code never
enters the student's process (a student's own ``loss`` could otherwise call
it and pass the loss and grads checks, or print its source in an exception).

The grader trusts nothing in a call: it answers only after every probe
judged on the student's own loss has reported (so no answer can feed those
results), and then only the probe that is running (the first served probe
that has not reported; the child names its probe in each call, and a call
naming any other is refused, counted and named in the result), with inputs
no larger than the probe's, parameters of the probe's shapes, integer
labels in range, calls of the probe's kind (a predict probe asks for scores
only), and at most a fixed number of calls. Every loss it returns is
recorded (the train check compares the student's ``loss_history`` with
them), and so is the first minibatch of each run (the sgd check compares it
with the specified sampling) and every minibatch of the run the train check
replays the reference update on (its probe is marked 'replayed').

Students whose SGD loop is right ask the same questions in the same order
(the reference loss drives their parameters alike), so every answer is kept
in an AnswerCache by the exact bytes of the call, and a call seen before is
answered from it after the same checks and with the same record as the
first time (see AnswerCache).
"""
import collections
import importlib.util
import math
import threading

import numpy as np

from .child import channel as wire
from .child.vocabulary import PARAM_NAMES

# Calls with y (training steps) allowed per served probe: num_iters + 1.
# Calls without y (scores, for predict) allowed: twice per step plus two.
SCORE_CALLS_PER_STEP = 2


def load_reference_class(path):
    """The reference TwoLayerNet, loaded in the grader (never in a student's process)."""
    spec = importlib.util.spec_from_file_location('_tln_reference_net', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TwoLayerNet


# What an answered call leaves to check and record again when it is replayed:
# the probe, X's shape (N, D), the parameter shapes (in PARAM_NAMES order), the
# loss served (None: a scores call), X itself (a loss call's minibatch) and its labels.
ServedCall = collections.namedtuple('ServedCall',
                                    'probe_id x_shape param_shapes loss batch labels')
# Bytes of cached calls and replies kept per reference class and process.
CACHE_BYTES = 64 * 1024 * 1024


class AnswerCache:
    """Replies already computed, by the exact frame of the call (header and payload bytes).

    The answer to a call depends only on its bytes and the reference class,
    so a stored reply is the reply the reference would compute again; the
    service still applies every check (gate, budget, shapes) and records
    the loss and minibatch before it replays one (LossService.replay).
    Refusals are never stored. Bounded: past max_bytes, calls are answered
    as before without being stored. Shared by the runs of one Sandbox
    (Sandbox.answer_cache: threads of the grader) or of one serving worker.

    Every frame of a channel may be looked up (before it is decoded); one
    with a longer payload than any stored call (a probe's outputs, say) is
    a miss without hashing its bytes.
    """

    def __init__(self, max_bytes=CACHE_BYTES):
        self.max_bytes = max_bytes
        self.used = 0
        self._entries = {}
        self._longest_payload = -1
        self._lock = threading.Lock()
        # The train judge's replays (LossService.reference_loss): (loss, grads) by the
        # exact inputs, within the same max_bytes.
        self._losses = {}

    def get(self, header, payload):
        """(ServedCall, reply frame) stored for this call, or None."""
        if len(payload) > self._longest_payload:
            return None
        return self._entries.get((header, payload))

    def loss(self, key):
        """(loss, read-only grads) stored for the inputs of key (LossService.reference_loss),
        or None."""
        return self._losses.get(key)

    def put_loss(self, key, answer):
        size = sum(len(part[2]) for part in key[2]) + sum(
            grad.nbytes for grad in answer[1].values())
        with self._lock:
            self._store(self._losses, key, answer, size)

    def put(self, header, payload, call, frame):
        size = len(header) + len(payload) + len(frame) + (
            0 if call.batch is None else call.batch.nbytes)
        with self._lock:
            if self._store(self._entries, (header, payload), (call, frame), size):
                self._longest_payload = max(self._longest_payload, len(payload))

    def _store(self, table, key, value, size):
        """Keep value under key in table (either kind of answer) unless it is there or
        its size (plus 512 bytes of bookkeeping) would take the cache past max_bytes;
        True when kept. The caller holds the lock."""
        size += 512
        if self.used + size > self.max_bytes or key in table:
            return False
        self.used += size
        table[key] = value
        return True


class ServiceRefused(Exception):
    """A loss call the grader will not answer; the message goes to the child."""


class ProbeBudget:
    """What one served probe may ask for.

    - shapes: the parameter shapes, e.g. {'W1': (D, H), ...}.
    - max_rows: largest number of samples in one call.
    - max_loss_calls / max_score_calls: call budgets.
    - keeps_minibatches: whether the run's minibatches are kept (the probe is 'replayed':
      the train check replays the reference update on them).
    """

    def __init__(self, probe):
        arrays, args = probe['arrays'], probe['args']
        self.shapes = {name: tuple(np.shape(arrays[name])) for name in PARAM_NAMES}
        rows = [np.shape(arrays[key])[0] for key in ('X', 'X_val') if key in arrays]
        self.max_rows = max(rows + [int(args.get('batch_size', 0))])
        steps = int(args.get('num_iters', 0))
        # predict calls loss(X) without labels: a labelled call is no part of it.
        self.max_loss_calls = 0 if probe['kind'] == 'predict' else steps + 1
        self.max_score_calls = SCORE_CALLS_PER_STEP * (steps + 1) + 2
        self.keeps_minibatches = bool(probe.get('replayed'))

    @property
    def input_size(self):
        return self.shapes['W1'][0]

    @property
    def classes(self):
        return self.shapes['W2'][1]

    def check_x(self, shape):
        """Refuse an X of shape (N, D) larger than this probe passes."""
        if shape[0] > self.max_rows or shape[1] != self.input_size:
            raise ServiceRefused('X has shape %s; this probe passes at most (%d, %d)'
                                 % (shape, self.max_rows, self.input_size))

    def check_params(self, shapes):
        """Refuse parameters (shapes in PARAM_NAMES order) not of this probe's shapes."""
        for name, shape in zip(PARAM_NAMES, shapes):
            if shape != self.shapes[name]:
                raise ServiceRefused('self.params[%r] has shape %s, expected %s'
                                     % (name, shape, self.shapes[name]))


# Distinct ids of refused calls kept by name (the rest are counted under OTHER_ID).
MAX_NAMED_REFUSALS = 16
OTHER_ID = '?'


class LossService:
    """Answers one child run's loss calls with the reference loss.

    Inputs:
    - reference_class: the reference TwoLayerNet class (loaded in the grader).
    - budgets: {probe id: ProbeBudget} for the probes that are served.
    - gate_ids: ids of the probes that must have reported before any call
      is answered.
    - cache: the AnswerCache to use, shared by the runs of one reference class
      (Sandbox.answer_cache; default: a new one, for this run alone).
    """

    def __init__(self, reference_class, budgets, gate_ids, reference_file=None, cache=None):
        self._reference_class = reference_class
        self._cache = AnswerCache() if cache is None else cache
        self._budgets = budgets
        self._gate_ids = frozenset(gate_ids)
        self.reference_file = reference_file   # where reference_class came from, if a file
        self._loss_calls = {probe_id: 0 for probe_id in budgets}
        self._score_calls = {probe_id: 0 for probe_id in budgets}
        self.served_losses = {probe_id: [] for probe_id in budgets}
        self.first_batches = {}
        self.minibatches = {probe_id: [] for probe_id in budgets}
        # Calls made under the id of a probe that was not running: {id: count}.
        self.foreign_calls = {}

    def spec(self):
        """What another process needs to serve like this one: (reference file, budgets, gate)."""
        return self.reference_file, self._budgets, sorted(self._gate_ids)

    def record(self):
        """What serving one run left behind (calls counted, losses served, first batches)."""
        return {'loss_calls': self._loss_calls, 'score_calls': self._score_calls,
                'served_losses': self.served_losses, 'first_batches': self.first_batches,
                'minibatches': self.minibatches, 'foreign_calls': self.foreign_calls}

    def adopt(self, record):
        """Take over the record of a run served in another process (serving.py)."""
        self._loss_calls = record['loss_calls']
        self._score_calls = record['score_calls']
        self.served_losses = record['served_losses']
        self.first_batches = record['first_batches']
        self.minibatches = record['minibatches']
        self.foreign_calls = record['foreign_calls']

    def reference_loss(self, params, X, y, reg):
        """(loss, grads) of the reference at params (copied) on X, y: the grader's replay.

        The answer is kept in the cache by the inputs' exact bytes (dtypes, shapes, reg's
        bits): submissions whose training loop is right replay the same minibatches from
        the same parameters where their inputs are the same (one seed for a class), and the
        reference gives the same answer to the same bytes. The grads are read-only.
        """
        # The key from the inputs as they are; the reference computes on copies.
        arrays = [np.asarray(params[name], dtype=np.float64) for name in PARAM_NAMES]
        arrays += [np.asarray(X), np.asarray(y)]
        key = (type(reg).__name__, float(reg).hex(),
               tuple((array.dtype.str, array.shape, array.tobytes()) for array in arrays))
        found = self._cache.loss(key)
        if found is not None:
            return found[0], dict(found[1])
        arrays = [np.array(array) for array in arrays]
        net = self._reference_class.__new__(self._reference_class)
        net.params = dict(zip(PARAM_NAMES, arrays))
        with np.errstate(all='ignore'):
            loss, grads = net.loss(arrays[-2], y=arrays[-1], reg=reg)
        grads = {name: np.array(grads[name], dtype=np.float64) for name in PARAM_NAMES}
        for grad in grads.values():
            grad.flags.writeable = False
        self._cache.put_loss(key, (float(loss), grads))
        return float(loss), dict(grads)

    def reference_scores(self, params, X):
        """Scores (N, C) of the reference at params (copied) on X: for the predict judge."""
        net = self._reference_class.__new__(self._reference_class)
        net.params = {name: np.array(params[name], dtype=np.float64) for name in PARAM_NAMES}
        with np.errstate(all='ignore'):
            return np.asarray(net.loss(np.array(X)), dtype=np.float64)

    def running(self, reported_ids):
        """The id of the served probe running now (the first not reported), or None
        before the gate is passed and after the last served probe."""
        if not self._gate_ids.issubset(reported_ids):
            return None
        return next((probe_id for probe_id in self._budgets if probe_id not in reported_ids),
                    None)

    def answer(self, message, reported_ids, payload=None, reply_payload=None):
        """The reply (a dict) to one 'loss_call' message.

        reported_ids: probe ids whose results the child has already sent.
        payload: the payload of the call's frame (channel Received, or bytes;
        None: arrays in base64, see child/channel.py); reply_payload: a
        channel Payload that takes the reply's arrays (None: base64).
        """
        return self._answered(message, reported_ids, payload, reply_payload)[0]

    def reply_frame(self, message, reported_ids, header, payload):
        """The encoded reply frame to one 'loss_call' frame (header and payload bytes,
        message: the decoded header); an answered call is kept in the cache."""
        reply_payload = wire.Payload()
        reply, call = self._answered(message, reported_ids, payload, reply_payload)
        frame = wire.encode_message(reply, reply_payload)
        if call is not None:
            self._cache.put(header, payload, call, frame)
        return frame

    def replay(self, header, payload, reported_ids):
        """The reply frame to a call answered before (same bytes), checked and recorded
        as the first answer was; None when it is not in the cache or this run may not
        have it (the full path then answers, and refuses, with the reason)."""
        found = self._cache.get(header, payload)
        if found is None:
            return None
        call, frame = found
        try:
            budget = self._admit(call.probe_id, reported_ids, count_foreign=False)
            budget.check_x(call.x_shape)
            budget.check_params(call.param_shapes)
            self._record(call, budget)
        except ServiceRefused:
            return None
        return frame

    def _answered(self, message, reported_ids, payload, reply_payload):
        """(reply dict, ServedCall or None for a refusal)."""
        if payload is not None and not isinstance(payload, wire.Received):
            payload = wire.Received(payload)
        try:
            return self._answer(message, reported_ids, payload, reply_payload)
        except ServiceRefused as refusal:
            return {'event': 'loss_reply', 'ok': False, 'error': str(refusal)}, None

    def _admit(self, probe_id, reported_ids, count_foreign=True):
        """The budget of a call for probe_id at this point of the run (else refused).

        Only the running probe is answered; a call under any other id (a probe
        that has reported, one still to come, one never served) is refused
        and, with count_foreign, counted in foreign_calls.
        """
        budget = self._budgets.get(probe_id) if isinstance(probe_id, str) else None
        running = self.running(reported_ids)
        if running is not None and probe_id != running:
            if count_foreign:
                self._count_foreign(probe_id)
            raise ServiceRefused('the reference loss answers only the test that is running')
        if budget is None:
            raise ServiceRefused('the reference loss is served only while train and predict '
                                 'are graded')
        if running is None:
            raise ServiceRefused('the reference loss is not available at this point')
        return budget

    def _count_foreign(self, probe_id):
        named = (isinstance(probe_id, str) and len(probe_id) <= 64
                 and (probe_id in self.foreign_calls
                      or len(self.foreign_calls) < MAX_NAMED_REFUSALS))
        key = probe_id if named else OTHER_ID
        self.foreign_calls[key] = self.foreign_calls.get(key, 0) + 1

    def _record(self, call, budget):
        """Count one call against its budget, then keep what it served."""
        self._count(call.probe_id, call.loss is not None, budget)
        self._keep(call, budget)

    def _count(self, probe_id, with_labels, budget):
        """Count a loss call (with_labels) or a scores call; refused past the budget."""
        counter, limit = ((self._loss_calls, budget.max_loss_calls) if with_labels
                          else (self._score_calls, budget.max_score_calls))
        if counter[probe_id] >= limit:
            if with_labels and limit == 0:
                raise ServiceRefused('this test calls loss(X) without labels only')
            raise ServiceRefused('too many calls of loss() in one run (at most %d)' % limit)
        counter[probe_id] += 1

    def _keep(self, call, budget):
        """Keep a loss call's loss, its first minibatch's X and, where the budget says so,
        every minibatch (X, y) (scores calls: nothing).

        The train check replays the reference update on the minibatches a
        run asked for (checks/judges.py); the sgd check compares the first.
        """
        if call.loss is not None:
            self.served_losses[call.probe_id].append(call.loss)
            self.first_batches.setdefault(call.probe_id, call.batch)
            if budget.keeps_minibatches:
                self.minibatches[call.probe_id].append((call.batch, call.labels))

    def _answer(self, message, reported_ids, payload, reply_payload):
        probe_id = message.get('id')
        budget = self._admit(probe_id, reported_ids)
        X = _one_array(message, 'X', 2, payload)
        budget.check_x(X.shape)
        params = _params(message, budget, payload)
        net = self._reference_class.__new__(self._reference_class)
        net.params = params
        param_shapes = tuple(params[name].shape for name in PARAM_NAMES)
        if message.get('y') is None:
            self._count(probe_id, False, budget)
            with np.errstate(all='ignore'):
                scores = np.asarray(net.loss(X), dtype=np.float64)
            return ({'event': 'loss_reply', 'ok': True,
                     'scores': wire.encode_arrays({'scores': scores}, reply_payload)},
                    ServedCall(probe_id, X.shape, param_shapes, None, None, None))
        y = _labels(message, X.shape[0], budget.classes, payload)
        reg = _finite_number(message.get('reg'), 'reg')
        self._count(probe_id, True, budget)
        with np.errstate(all='ignore'):
            loss, grads = net.loss(X, y=y, reg=reg)
        X.flags.writeable = False      # kept as a minibatch, maybe by many runs
        y.flags.writeable = False
        call = ServedCall(probe_id, X.shape, param_shapes, float(loss), X, y)
        self._keep(call, budget)
        return ({'event': 'loss_reply', 'ok': True, 'loss': call.loss,
                 'grads': wire.encode_arrays({name: np.asarray(grads[name], dtype=np.float64)
                                              for name in PARAM_NAMES}, reply_payload)}, call)


def _finite_number(value, name):
    """value (a JSON number from the child) as a finite float, else refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ServiceRefused('%s must be a finite number' % name)
    try:
        number = float(value)        # an int past the float range overflows
    except OverflowError:
        number = float('inf')
    if not math.isfinite(number):
        raise ServiceRefused('%s must be a finite number' % name)
    return number


def _one_array(message, key, ndim, payload):
    try:
        array = wire.decode_arrays({key: message.get(key)}, payload)[key]
    except wire.WireError as error:
        raise ServiceRefused('%s could not be read (%s)' % (key, error)) from error
    if array.ndim != ndim:
        raise ServiceRefused('%s should have %d dimensions, got shape %s'
                             % (key, ndim, array.shape))
    return array


def _params(message, budget, payload):
    encoded = message.get('params')
    if not isinstance(encoded, dict) or sorted(encoded) != sorted(PARAM_NAMES):
        raise ServiceRefused('self.params must hold exactly W1, b1, W2 and b2')
    try:
        params = wire.decode_arrays(encoded, payload)
    except wire.WireError as error:
        raise ServiceRefused('self.params could not be read (%s)' % error) from error
    budget.check_params(tuple(params[name].shape for name in PARAM_NAMES))
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
