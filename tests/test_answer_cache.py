"""The answer cache of the served reference loss (autograder/sandbox/service.py).

A call answered before is answered again from the cache: the same bytes, and
the same checks and record as if it were computed; refusals are not kept,
and the cache stays within its size.
"""
import io

import numpy as np
import pytest

from autograder.checks.probe_inputs import build_probes
from autograder.sandbox.child import channel
from autograder.sandbox.channel_session import ChannelSession
from autograder.sandbox.records import ChildRun, ProbeResult
from autograder.sandbox.service import (AnswerCache, LossService, ProbeBudget,
                                        load_reference_class)
from helpers import REFERENCE

PARAMS = ('W1', 'b1', 'W2', 'b2')


def probe_named(name):
    return next(p for p in build_probes() if p['id'] == name)


def call_frame(probe, with_labels=True, rows=None):
    """(header, payload) bytes of one loss call on the probe's own arrays."""
    arrays = probe['arrays']
    X = arrays['X'] if rows is None else np.resize(arrays['X'], (rows, arrays['X'].shape[1]))
    payload = channel.Payload()
    message = {'event': 'loss_call', 'id': probe['id'], 'reg': 0.1, 'X': payload.add(X),
               'y': payload.add(np.resize(arrays['y'], X.shape[0])) if with_labels else None,
               'params': channel.encode_arrays({n: arrays[n] for n in PARAMS}, payload)}
    return channel.read_frame(io.BytesIO(channel.encode_message(message, payload)), 10 ** 7)


@pytest.fixture(scope='module')
def reference():
    return load_reference_class(REFERENCE)


def service_for(reference, probe, cache, gate=(), budget_probe=None):
    budget = ProbeBudget(budget_probe or probe)
    return LossService(reference, {probe['id']: budget}, list(gate), cache=cache)


def answer(service, frame, reported=()):
    """The reply frame (bytes) to one call, the probes in reported having reported."""
    run = ChildRun()
    run.probe_results.update({probe_id: ProbeResult.failure('') for probe_id in reported})
    return ChannelSession(run, service).feed(*frame)


def reply_of(frame_bytes):
    header, payload = channel.read_frame(io.BytesIO(frame_bytes), 10 ** 7)
    return channel.decode_message(header), payload


def test_a_replayed_answer_is_the_computed_one_and_is_recorded_alike(reference):
    probe = probe_named('train_toy')
    cache = AnswerCache()
    replayed = dict(probe, replayed=True)    # its minibatches are kept, as train_hidden's
    first, second, uncached = (service_for(reference, probe, c, budget_probe=replayed)
                               for c in (cache, cache, AnswerCache(max_bytes=0)))
    frames = [call_frame(probe), call_frame(probe, with_labels=False)]
    for frame in frames:
        computed = answer(first, frame)
        assert cache.get(*frame) is not None
        assert answer(second, frame) == computed == answer(uncached, frame)
    for service in (second, uncached):
        record, expected = service.record(), first.record()
        assert record['served_losses'] == expected['served_losses']
        assert record['loss_calls'] == expected['loss_calls']
        assert record['score_calls'] == expected['score_calls']
        assert np.array_equal(record['first_batches'][probe['id']],
                              expected['first_batches'][probe['id']])
        # Every minibatch (X, y), replayed or computed: the train check replays the update.
        assert [[np.asarray(a).tolist() for a in batch] for batch in
                record['minibatches'][probe['id']]] == \
            [[np.asarray(a).tolist() for a in batch] for batch in
             expected['minibatches'][probe['id']]]
        assert len(record['minibatches'][probe['id']]) == 1
    message, _ = reply_of(answer(second, frames[0]))
    assert message['ok'] is True and isinstance(message['loss'], float)
    assert second.served_losses[probe['id']] == [message['loss']] * 2
    assert np.array_equal(second.first_batches[probe['id']], probe['arrays']['X'])
    assert second.record()['score_calls'][probe['id']] == 1
    assert second.record()['loss_calls'][probe['id']] == 2


def test_only_a_replayed_probes_minibatches_are_kept(reference):
    """The train check replays train_hidden's minibatches only: no other run's are kept
    (the toy run's 100 minibatches of 200 rows would be sent back for every grade)."""
    probe = probe_named('train_toy')
    assert not probe.get('replayed') and probe_named('train_hidden')['replayed']
    service = service_for(reference, probe, AnswerCache())
    answer(service, call_frame(probe))
    record = service.record()
    assert len(record['served_losses'][probe['id']]) == 1
    assert np.array_equal(record['first_batches'][probe['id']], probe['arrays']['X'])
    assert record['minibatches'][probe['id']] == []


def test_a_replay_passes_the_gate_the_budget_and_the_shapes_again(reference):
    probe = probe_named('train_toy')
    cache = AnswerCache()
    frame = call_frame(probe)
    answer(service_for(reference, probe, cache), frame)
    assert cache.get(*frame) is not None

    gated = service_for(reference, probe, cache, gate=['loss_toy_reg'])
    refused, _ = reply_of(answer(gated, frame))
    assert refused['ok'] is False and 'not available' in refused['error']
    assert gated.served_losses[probe['id']] == []
    finished = service_for(reference, probe, cache)
    refused, _ = reply_of(answer(finished, frame, [probe['id']]))
    assert refused['ok'] is False and 'not available' in refused['error']

    budgeted = service_for(reference, probe, cache)
    for _ in range(probe['args']['num_iters'] + 1):
        assert reply_of(answer(budgeted, frame))[0]['ok'] is True
    refused, _ = reply_of(answer(budgeted, frame))
    assert refused['ok'] is False and 'too many calls' in refused['error']

    # The same probe id with smaller inputs allowed (another seed, another budget).
    narrow = dict(probe, args=dict(probe['args'], batch_size=2),
                  arrays=dict(probe['arrays'], X=probe['arrays']['X'][:2],
                              X_val=probe['arrays']['X_val'][:2]))
    small = service_for(reference, probe, cache, budget_probe=narrow)
    refused, _ = reply_of(answer(small, frame))
    assert refused['ok'] is False and 'at most' in refused['error']


def test_refusals_are_not_kept_and_the_cache_stays_within_its_size(reference):
    probe = probe_named('train_toy')
    cache = AnswerCache()
    gated = service_for(reference, probe, cache, gate=['loss_toy_reg'])
    answer(gated, call_frame(probe))
    assert cache.used == 0 and cache.get(*call_frame(probe)) is None

    small = AnswerCache(max_bytes=6000)
    service = service_for(reference, probe, small)
    frames = [call_frame(probe, rows=rows) for rows in range(1, 40)]
    replies = [answer(service, frame) for frame in frames]
    assert 0 < small.used <= small.max_bytes
    assert any(small.get(*frame) is None for frame in frames)
    again = service_for(reference, probe, small)
    assert [answer(again, frame) for frame in frames] == replies


def test_different_reference_classes_never_share_answers(reference):
    probe = probe_named('train_toy')

    class Other(reference):
        def loss(self, X, y=None, reg=0.0):
            result = super().loss(X, y, reg)
            return result if y is None else (result[0] + 1.0, result[1])

    frame = call_frame(probe)
    ours = reply_of(answer(LossService(reference, {probe['id']: ProbeBudget(probe)}, []),
                           frame))[0]
    theirs = reply_of(answer(LossService(Other, {probe['id']: ProbeBudget(probe)}, []),
                             frame))[0]
    assert theirs['loss'] == pytest.approx(ours['loss'] + 1.0)


class UnhashableBytes(bytes):
    def __hash__(self):
        raise AssertionError('the payload was hashed')


def test_a_frame_longer_than_any_stored_call_is_not_hashed(reference):
    """Probe results (up to a few MB) pass the cache without their bytes being hashed."""
    probe = probe_named('train_toy')
    cache = AnswerCache()
    header, payload = call_frame(probe)
    answer(service_for(reference, probe, cache), (header, payload))
    assert cache.get(header, UnhashableBytes(payload + b'x')) is None
    with pytest.raises(AssertionError, match='hashed'):      # the same length is looked up
        cache.get(header, UnhashableBytes(payload))


def test_the_childs_loss_calls_are_the_frames_a_fresh_encoding_gives():
    """The child keeps a run's loss-call headers encoded (child/main.py, ServedLoss): each
    frame is still byte for byte the frame of its message encoded afresh, which the cache
    keys on, whatever changes between calls (reg's sign of zero, the rows, the labels, an
    id that student code replaced by a list)."""
    from autograder.sandbox.child.main import ServedLoss

    probe = probe_named('train_hidden')
    arrays = probe['arrays']
    sent, replies = [], io.BytesIO()

    def send(header, payload):
        sent.append(channel.encode_message(header, payload))
        reply = channel.Payload()
        if b'"y":null' in header:
            message = {'scores': channel.encode_arrays({'scores': np.zeros((5, 3))}, reply)}
        else:
            message = {'loss': 1.0, 'grads': channel.encode_arrays(
                {n: np.zeros_like(arrays[n]) for n in PARAMS}, reply)}
        replies.seek(0)
        replies.truncate()
        replies.write(channel.encode_message(dict(message, event='loss_reply', ok=True), reply))
        replies.seek(0)

    served = ServedLoss(send, replies)
    net = type('Net', (), {})()
    net.params = {n: arrays[n] for n in PARAMS}
    calls = [('train_hidden', 5, True, 0.0), ('train_hidden', 5, True, -0.0),
             ('train_hidden', 5, True, 0.0), ('train_hidden', 7, True, 0.0),
             ('train_hidden', 5, False, 0.0), (['train_hidden'], 5, True, 0.0),
             ('train_hidden', 5, True, 0.0)]
    for probe_id, rows, labelled, reg in calls:
        served.probe_id = probe_id
        X = arrays['X'][:rows]
        y = arrays['y'][:rows] if labelled else None
        served(net, X, y, reg)
        payload = channel.Payload()
        message = {'event': 'loss_call', 'id': probe_id, 'X': payload.add(X),
                   'y': None if y is None else payload.add(y), 'reg': reg,
                   'params': channel.encode_arrays(net.params, payload)}
        assert sent[-1] == channel.encode_message(message, payload), (probe_id, rows, reg)
    assert b'"reg":-0.0' in sent[1] and b'"reg":0.0' in sent[2]


def test_the_judges_replayed_losses_are_computed_once_per_exact_inputs(reference):
    """LossService.reference_loss (the train judge's replay) keeps its answers in the cache
    by the inputs' exact bytes: the same inputs are answered as computed, read-only, without
    the reference running again; inputs differing in one bit, in reg's sign of zero or in
    the labels' dtype are computed afresh."""
    calls = []

    class Counting(reference):
        def loss(self, X, y=None, reg=0.0):
            calls.append(1)
            return super().loss(X, y=y, reg=reg)

    probe = probe_named('train_hidden')
    arrays = probe['arrays']
    params = {n: arrays[n] for n in PARAMS}
    X, y = arrays['X'][:5], arrays['y'][:5].astype(np.int64)
    cache = AnswerCache()
    first = service_for(Counting, probe, cache).reference_loss(params, X, y, 0.1)
    again = service_for(Counting, probe, cache).reference_loss(params, X, y, 0.1)
    fresh = service_for(reference, probe, AnswerCache()).reference_loss(params, X, y, 0.1)
    assert len(calls) == 1
    for got in (first, again):
        assert got[0] == fresh[0]
        for name in PARAMS:
            assert np.array_equal(got[1][name], fresh[1][name])
            assert not got[1][name].flags.writeable
    nudged = dict(params, W1=np.nextafter(params['W1'], np.inf))
    service = service_for(Counting, probe, cache)
    service.reference_loss(nudged, X, y, 0.1)
    service.reference_loss(params, X, y.astype(np.int32), 0.1)
    service.reference_loss(params, X, y, 0.0)
    service.reference_loss(params, X, y, -0.0)
    assert len(calls) == 5
