"""Every judge of the check catalog, on synthetic evidence (no subprocess, no sandbox).

The reference outputs come from the reference solution's methods run in this
process on the grader's probe inputs (the kit's own code, never a student's),
in the format the sandbox child reports them. A "student" is the reference's
outputs, or outputs a known mistake gives, written in this module with numpy:
right answers earn 1.0, each recognised mistake its fraction and its
diagnosis id.
"""
import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from autograder import checks
from autograder.checks import diagnoses, hidden_judges, judges
from autograder.checks import Evidence, StudentError
from autograder.checks.probe_ids import CLASS_PROBES, OWN_LOSS
from autograder.checks.probe_inputs import build_probes
from autograder.sandbox import ProbeResult
from helpers import REFERENCE, load_module

PARAMS = ('W1', 'b1', 'W2', 'b2')
LOSS_PROBES = ('loss_toy_noreg', 'loss_toy_reg', 'loss_hidden_noreg', 'loss_hidden_reg')
TRAIN_KEYS = ('loss_history', 'train_acc_history', 'val_acc_history')


# ------------------------------------------------- the reference, in-process ---

def _after(arrays):
    """The child's outputs of the inputs as a call left them ('input_X', ...)."""
    return {'input_' + name: np.array(value, dtype=np.float64).reshape(-1)
            for name, value in arrays.items()}


def _net(nn, arrays):
    """A reference TwoLayerNet holding copies of the probe's parameters (no __init__)."""
    net = nn.TwoLayerNet.__new__(nn.TwoLayerNet)
    net.params = {name: np.array(arrays[name], dtype=np.float64) for name in PARAMS}
    return net


def train_run(nn, probe, frozen=None, **changes):
    """One seeded training run of the reference on probe's inputs, as the child runs it.

    changes override the probe's hyper-parameters (e.g. learning_rate=-0.1
    for a run that climbs the gradient); frozen names a parameter the update
    leaves alone (its gradient is replaced by zeros). Returns (outputs, losses
    returned by loss() at each training step, the (X, y) of every training step).
    """
    args = dict(probe['args'], **changes)
    arrays = {name: np.array(value) for name, value in probe['arrays'].items()}
    net = _net(nn, arrays)
    steps = []
    own_loss = net.loss

    def loss(X, y=None, reg=0.0):
        result = own_loss(X, y=y, reg=reg)
        if y is not None:
            steps.append(((X.copy(), np.array(y)), float(result[0])))
            if frozen:
                result[1][frozen] = np.zeros_like(result[1][frozen])
        return result
    net.loss = loss
    np.random.seed(args['seed'])
    np.random.randn(args.get('skip_normals', 0))
    stats = net.train(arrays['X'], arrays['y'].astype(np.int64), arrays['X_val'],
                      arrays['y_val'].astype(np.int64), learning_rate=args['learning_rate'],
                      learning_rate_decay=args['learning_rate_decay'], reg=args['reg'],
                      num_iters=args['num_iters'], batch_size=args['batch_size'])
    outputs = {key: np.asarray(stats[key], dtype=np.float64).reshape(-1) for key in TRAIN_KEYS}
    outputs.update({'final_' + name: net.params[name].copy() for name in PARAMS})
    outputs.update(_after({name: arrays[name] for name in ('X', 'y', 'X_val', 'y_val')}))
    return outputs, [value for _, value in steps], [batch for batch, _ in steps]


def reference_outputs(nn, probe):
    """The outputs of one probe on the reference solution."""
    args = probe['args']
    arrays = {name: np.array(value) for name, value in probe['arrays'].items()}
    if probe['kind'] == 'init':
        np.random.seed(args['seed'])
        net = nn.TwoLayerNet(args['input_size'], args['hidden_size'], args['output_size'],
                             std=args['std'])
        return {name: np.array(net.params[name], dtype=np.float64) for name in PARAMS}
    if probe['kind'] == 'train':
        return train_run(nn, probe)[0]
    net = _net(nn, arrays)
    X = arrays['X']
    if probe['kind'] == 'scores':
        return dict(_after({'X': X}), scores=net.loss(X))
    if probe['kind'] == 'predict':
        return dict(_after({'X': X}), y_pred=net.predict(X).astype(np.float64))
    assert probe['kind'] == 'loss'
    y = arrays['y'].astype(np.int64)
    loss, grads = net.loss(X, y=y, reg=args['reg'])
    outputs = {'loss': np.array([loss], dtype=np.float64)}
    outputs.update({'d' + name: np.array(grads[name], dtype=np.float64) for name in PARAMS})
    outputs.update(_after({'X': X, 'y': y}))
    return outputs


@pytest.fixture(scope='module')
def nn():
    return load_module(REFERENCE, 'judged_reference_neural_net')


@pytest.fixture(scope='module')
def world(nn):
    """Probes, reference results and what a loss service records for a right student."""
    probes = build_probes()
    by_id = {probe['id']: probe for probe in probes}
    reference = {probe['id']: ProbeResult.success(reference_outputs(nn, probe))
                 for probe in probes}
    served, batches = {}, {}
    for probe in probes:
        if probe.get('served') and probe['kind'] == 'train':
            _, served[probe['id']], batches[probe['id']] = train_run(nn, probe)
        elif probe.get('served'):
            served[probe['id']] = []      # predict: scores calls only, no loss recorded
    return SimpleNamespace(nn=nn, probes=probes, by_id=by_id, reference=reference,
                           served=served, batches=batches)


def reference_loss(nn):
    """The loss service's reference_loss, in-process."""
    def loss(params, X, y, reg):
        value, grads = _net(nn, params).loss(np.array(X), y=np.array(y), reg=reg)
        return float(value), grads
    return loss


class Case:
    """A submission under judgement: the student's probe results and the loss service.

    It starts as a right submission (the reference's outputs); a test edits it
    into a mistake and asks for the Evidence a judge reads.
    """

    def __init__(self, world):
        self.world = world
        self.results = {pid: ProbeResult.success({k: np.array(v) for k, v in
                                                  result.outputs.items()})
                        for pid, result in world.reference.items()
                        if not world.by_id[pid].get('reference_only')}
        self.service = SimpleNamespace(
            served_losses={pid: list(values) for pid, values in world.served.items()},
            first_batches={pid: batches[0][0].copy() for pid, batches in world.batches.items()},
            minibatches={pid: list(batches) for pid, batches in world.batches.items()},
            reference_loss=reference_loss(world.nn),
            reference_scores=lambda params, X: _net(world.nn, params).loss(np.array(X)))

    def inputs(self, probe_id):
        return self.world.by_id[probe_id]['arrays']

    def args(self, probe_id):
        return self.world.by_id[probe_id]['args']

    def reference(self, probe_id):
        return self.world.reference[probe_id].outputs

    def outputs(self, probe_id):
        return self.results[probe_id].outputs

    def set(self, probe_id, **outputs):
        self.results[probe_id].outputs.update(outputs)

    def fail(self, probe_id, error):
        self.results[probe_id] = ProbeResult.failure(error)

    def train_as(self, probe_id, frozen=None, **changes):
        """The student's run of a training probe is the reference's with other settings."""
        outputs, losses, batches = train_run(self.world.nn, self.world.by_id[probe_id], frozen,
                                             **changes)
        self.results[probe_id] = ProbeResult.success(outputs)
        self.service.served_losses[probe_id] = losses
        self.service.first_batches[probe_id] = batches[0][0]
        self.service.minibatches[probe_id] = batches

    def evidence(self, extra=None, missing_reason='', service=True):
        return Evidence(self.results, self.world.reference, self.world.probes, extra,
                        missing_reason, self.service if service else None)


@pytest.fixture
def case(world):
    return Case(world)


def assert_verdict(verdict, fraction, found=(), words=()):
    """verdict earns fraction with exactly the diagnosis ids found, and says words."""
    assert verdict.fraction == fraction, verdict
    assert tuple(verdict.diagnoses) == tuple(found), verdict
    assert set(verdict.diagnoses) <= set(diagnoses.LABELS), verdict
    for word in words:
        assert word in verdict.feedback, verdict
    assert verdict.feedback.strip()


# ------------------------------------------- a student's numpy, with mistakes ---

def student_init(args, mistake=None):
    """__init__ of a student: draws with np.random after seeding as the probe does."""
    D, H, C, std = args['input_size'], args['hidden_size'], args['output_size'], args['std']
    np.random.seed(args['seed'])
    scale = 1.0 if mistake == 'unscaled' else std
    if mistake == 'w2_first':
        W2 = scale * np.random.randn(H, C)
        W1 = scale * np.random.randn(D, H)
    else:
        W1 = scale * np.random.randn(D, H)
        W2 = scale * np.random.randn(H, C)
    if mistake == 'zeros':
        W1, W2 = np.zeros((D, H)), np.zeros((H, C))
    b1, b2 = np.zeros(H), np.zeros(C)
    if mistake == 'bias_ones':
        b1, b2 = np.ones(H), np.ones(C)
    return {'W1': W1, 'b1': b1, 'W2': W2, 'b2': b2}


def student_scores(arrays, relu=True, dtype=np.float64):
    X, W1, b1, W2, b2 = (np.asarray(arrays[n], dtype=dtype) for n in ('X',) + PARAMS)
    hidden = X.dot(W1) + b1
    if relu:
        hidden = np.maximum(hidden, 0)
    return hidden, hidden.dot(W2) + b2


def student_loss(arrays, reg, mistake=None):
    """(loss, grads) of a student's softmax loss; mistake names one known slip."""
    dtype = np.float32 if mistake == 'float32' else np.float64
    X, y = np.asarray(arrays['X'], dtype=dtype), arrays['y'].astype(np.int64)
    W1, b1, W2, b2 = (np.asarray(arrays[n], dtype=dtype) for n in PARAMS)
    N = X.shape[0]
    hidden, scores = student_scores(arrays, dtype=dtype)
    rows = np.arange(N)
    with np.errstate(all='ignore'):
        if mistake == 'no_shift':
            exp = np.exp(scores)
            probs = exp / exp.sum(axis=1, keepdims=True)
            correct = -np.log(probs[rows, y])
        else:
            shifted = scores - scores.max(axis=1, keepdims=True)
            exp = np.exp(shifted)
            probs = exp / exp.sum(axis=1, keepdims=True)
            if mistake == 'epsilon_in_log':
                correct = -np.log(probs[rows, y] + 1e-8)
            elif mistake == 'log_of_probs':
                correct = -np.log(probs[rows, y])
            elif mistake == 'wrong_class':
                correct = -np.log(probs[rows, (y + 1) % probs.shape[1]])
            else:
                correct = np.log(exp.sum(axis=1)) - shifted[rows, y]
    data_loss = correct.sum() if mistake == 'loss_summed' else correct.mean()
    weights = np.sum(W1 * W1) + np.sum(W2 * W2)
    biases = np.sum(b1 * b1) + np.sum(b2 * b2)
    reg_loss = {'reg_missing': 0.0, 'reg_halved': 0.5 * reg * weights,
                'reg_on_biases': reg * (weights + biases),
                'reg_halved_on_biases': 0.5 * reg * (weights + biases),
                'reg_l1': reg * (np.abs(W1).sum() + np.abs(W2).sum())}.get(mistake, reg * weights)
    dscores = probs.copy()
    dscores[rows, y] -= 1
    if mistake != 'grads_not_divided':
        dscores /= N
    reg_grad = {'reg_grad_factor_2': 1.0, 'reg_grad_missing': 0.0}.get(mistake, 2.0) * reg
    dhidden = dscores.dot(W2.T)
    if mistake != 'relu_mask_missing':
        dhidden = dhidden * (hidden > 0)
    grads = {'W2': hidden.T.dot(dscores) + reg_grad * W2, 'b2': dscores.sum(axis=0),
             'W1': X.T.dot(dhidden) + reg_grad * W1, 'b1': dhidden.sum(axis=0)}
    if mistake == 'bias_grads_regularised':
        grads['b1'] = grads['b1'] + 2 * reg * b1
        grads['b2'] = grads['b2'] + 2 * reg * b2
    return data_loss + reg_loss, grads


def loss_outputs(case, probe_id, mistake=None):
    """The student's outputs of a loss probe, as the child reports them."""
    loss, grads = student_loss(case.inputs(probe_id), case.args(probe_id)['reg'], mistake)
    outputs = {'loss': np.array([loss], dtype=np.float64)}
    outputs.update({'d' + name: np.array(grads[name], dtype=np.float64) for name in PARAMS})
    outputs.update(_after({name: case.inputs(probe_id)[name] for name in ('X', 'y')}))
    return outputs


def with_loss_mistake(case, mistake, probe_ids=LOSS_PROBES):
    # The child reports outputs computed in a narrower float (probes.NARROW_DTYPES).
    dtypes = {'loss': 'float32', **{'d' + name: 'float32' for name in PARAMS}} if (
        mistake == 'float32') else {}
    for probe_id in probe_ids:
        case.results[probe_id] = ProbeResult.success(loss_outputs(case, probe_id, mistake),
                                                     dtypes=dtypes)
    return case


# ------------------------------------------------------------------- init ---

def test_judge_init_right(case):
    for probe_id in ('init_toy', 'init_hidden'):
        case.set(probe_id, **student_init(case.args(probe_id)))
    assert_verdict(judges.judge_init(case.evidence()), 1.0)


@pytest.mark.parametrize('mistake, found, words', [
    ('bias_ones', 'init_bias_nonzero', 'b1 should start at zero'),
    ('zeros', 'init_wrong', 'W1 is all zeros'),
    ('unscaled', 'init_not_scaled', 'multiply np.random.randn(...) by std'),
    ('w2_first', 'init_order', 'draw W1 first'),
])
def test_judge_init_mistakes(case, mistake, found, words):
    for probe_id in ('init_toy', 'init_hidden'):
        case.set(probe_id, **student_init(case.args(probe_id), mistake))
    assert_verdict(judges.judge_init(case.evidence()), 0.0, (found,), (words,))


# ----------------------------------------------------------------- scores ---

def test_judge_scores_right(case):
    for probe_id in ('scores_toy', 'scores_hidden'):
        case.set(probe_id, scores=student_scores(case.inputs(probe_id))[1])
    assert_verdict(judges.judge_scores(case.evidence()), 1.0)


def test_judge_scores_relu_missing(case):
    for probe_id in ('scores_toy', 'scores_hidden'):
        case.set(probe_id, scores=student_scores(case.inputs(probe_id), relu=False)[1])
    assert_verdict(judges.judge_scores(case.evidence()), 0.0, ('relu_missing',),
                   ('np.maximum(0, ...)',))


def test_judge_scores_hardcoded_sizes(case):
    """Right on the toy model, failing on the hidden sizes: half, with the advice."""
    case.fail('scores_hidden', 'ValueError: shapes (9,6) and (4,10) not aligned')
    assert_verdict(judges.judge_scores(case.evidence()), 0.5, ('hardcoded_sizes',),
                   ('never fixed numbers', 'not aligned'))
    case.results['scores_hidden'] = ProbeResult.success({
        'scores': case.reference('scores_hidden')['scores'] + 1.0,
        'input_X': np.ravel(case.inputs('scores_hidden')['X'])})
    assert_verdict(judges.judge_scores(case.evidence()), 0.5, ('hardcoded_sizes',))


def test_judge_scores_nonfinite_and_float32(case):
    scores = case.reference('scores_toy')['scores'].copy()
    scores[0, 0] = np.nan
    case.set('scores_toy', scores=scores)
    case.set('scores_hidden', scores=case.reference('scores_hidden')['scores'] * 1.01)
    case.results['scores_hidden'].dtypes = {'scores': 'float32'}
    assert_verdict(judges.judge_scores(case.evidence()), 0.0, ('scores_nonfinite', 'float32'),
                   ('NaN or inf', 'float32'))


def test_judge_scores_toy_failure_is_the_students_error(case):
    case.fail('scores_toy', 'NotImplementedError: TwoLayerNet.loss')
    with pytest.raises(StudentError, match='NotImplementedError'):
        judges.judge_scores(case.evidence())


# ------------------------------------------------------------------- loss ---

def test_judge_loss_right(case):
    assert_verdict(judges.judge_loss(with_loss_mistake(case, None).evidence()), 1.0)


@pytest.mark.parametrize('mistake, found, words', [
    ('reg_missing', 'reg_missing', 'missing from the loss'),
    ('reg_halved', 'reg_halved', 'older convention 0.5 * reg'),
    ('reg_on_biases', 'biases_regularised', 'only W1 and W2 are'),
    ('reg_halved_on_biases', 'reg_halved', 'biases are regularised too'),
    ('reg_l1', 'reg_wrong', 'reg * (sum(W1**2) + sum(W2**2))'),
])
def test_judge_loss_regularisation_mistakes(case, mistake, found, words):
    """Right data loss, wrong penalty: half the points."""
    verdict = judges.judge_loss(with_loss_mistake(case, mistake).evidence())
    assert_verdict(verdict, 0.5, (found,), ('right without regularisation', words))


@pytest.mark.parametrize('mistake, found, words', [
    ('loss_summed', 'loss_summed', 'divide by N'),
    ('wrong_class', 'loss_wrong', 'indexing of the correct class'),
])
def test_judge_loss_data_loss_mistakes(case, mistake, found, words):
    assert_verdict(judges.judge_loss(with_loss_mistake(case, mistake).evidence()), 0.0,
                   (found,), (words,))


def test_judge_loss_names_a_float32_computation(case):
    with_loss_mistake(case, 'wrong_class')
    for probe_id in LOSS_PROBES:
        case.results[probe_id].dtypes = {'loss': 'float32'}
    assert_verdict(judges.judge_loss(case.evidence()), 0.0, ('loss_wrong', 'float32'),
                   ('loss is computed in float32',))


# ------------------------------------------------------------------ grads ---

def test_judge_grads_right(case):
    assert_verdict(judges.judge_grads(with_loss_mistake(case, None).evidence()), 1.0)


@pytest.mark.parametrize('mistake, fraction, found, words', [
    ('reg_grad_factor_2', 0.5, ('reg_grad_factor_2',), 'missing the factor 2'),
    ('reg_grad_missing', 0.5, ('reg_grad_missing',), 'missing the regularisation gradient'),
    ('bias_grads_regularised', 0.5, ('biases_regularised',), 'biases are not regularised'),
    ('grads_not_divided', 0.0, ('grads_not_divided',), 'divide the gradient by N'),
    ('relu_mask_missing', 0.5, ('relu_mask_missing', 'grad_wrong'), 'check the ReLU mask'),
    # Everything in float32: its rounding errors sit at the tolerance (1e-7), so a
    # gradient returned in float32 is wrong on every draw, however close.
    ('float32', 0.0, ('float32',), 'the size of float32 rounding'),
])
def test_judge_grads_mistakes(case, mistake, fraction, found, words):
    verdict = judges.judge_grads(with_loss_mistake(case, mistake).evidence())
    assert_verdict(verdict, fraction, found, (words,))


def test_judge_grads_float32_rounding(case):
    """Off by float32 rounding only: named as such, whether or not the dtype was seen."""
    for probe_id in LOSS_PROBES:
        outputs = case.outputs(probe_id)
        for name in ('dW1', 'db1'):
            outputs[name] = outputs[name] * (1 + 2e-6)
    assert_verdict(judges.judge_grads(case.evidence()), 0.5, ('float32',),
                   ('float32 rounding', 'keep every array in float64'))
    case.results['loss_toy_noreg'].dtypes = {'dW1': 'float32', 'db1': 'float32'}
    assert_verdict(judges.judge_grads(case.evidence()), 0.5, ('float32',))


def test_judge_grads_shape_missing_and_nonfinite(case):
    """A (1, n) bias gradient and a missing key cost their gradient only."""
    for probe_id in LOSS_PROBES:
        outputs = case.outputs(probe_id)
        H = outputs.pop('db1').shape[0]
        del outputs['dW1']
        case.results[probe_id].problems = {
            'db1': "grads['b1'] has shape (1, %d), expected (%d,)" % (H, H),
            'dW1': "grads has no key 'W1'"}
        outputs['dW2'] = outputs['dW2'] * np.nan
    verdict = judges.judge_grads(case.evidence())
    assert_verdict(verdict, 0.25, ('grad_missing', 'grad_shape', 'grads_nonfinite'),
                   ('keepdims=True', "grads has no key 'W1'", 'dW2 contains NaN or inf',
                    'db2 right'))


def test_judge_grads_shape_alone(case):
    for probe_id in LOSS_PROBES:
        outputs = case.outputs(probe_id)
        for name in ('db1', 'db2'):
            n = outputs.pop(name).shape[0]
            case.results[probe_id].problems[name] = (
                "grads['%s'] has shape (1, %d), expected (%d,)" % (name[1:], n, n))
    assert_verdict(judges.judge_grads(case.evidence()), 0.5, ('grad_shape',), ('keepdims',))


def classes_from_labels_outputs(case, probe_id):
    """A real student's backward pass: a one-hot of len(set(y)) columns (None: it raises)."""
    arrays = case.inputs(probe_id)
    y = arrays['y'].astype(np.int64)
    loss, grads = student_loss(arrays, case.args(probe_id)['reg'])
    hidden, scores = student_scores(arrays)
    probs = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    onehot = np.zeros((y.size, len(set(y.tolist()))))
    try:
        onehot[np.arange(y.size), y] = 1
        dscores = (probs - onehot) / y.size
    except (IndexError, ValueError):
        return None
    dhidden = dscores.dot(arrays['W2'].T) * (hidden > 0)
    grads = {'W2': hidden.T.dot(dscores), 'b2': dscores.sum(axis=0),
             'W1': arrays['X'].T.dot(dhidden), 'b1': dhidden.sum(axis=0)}
    outputs = {'loss': np.array([loss])}
    outputs.update({'d' + name: grads[name] for name in PARAMS})
    return outputs


def test_class_probes_miss_classes_under_every_seed():
    """Whatever the seed draws, the three probes' labels fall short of the classes alike."""
    for seed in range(100):
        by_id = {probe['id']: probe for probe in build_probes(seed)}
        C = by_id['loss_hidden_noreg']['arrays']['W2'].shape[1]
        labels = {pid: by_id[pid]['arrays']['y'] for pid in CLASS_PROBES}
        assert sorted(set(labels['loss_missing_class'].tolist())) == list(range(C - 1))
        assert labels['loss_one_sample'].tolist() == [0.0]
        assert set(labels['loss_top_class'].tolist()) == {C - 1.0}
        assert all(by_id[pid]['args']['reg'] == 0 for pid in CLASS_PROBES)


def test_judge_grads_class_count_taken_from_the_labels(case):
    """The one-hot of len(set(y)) columns: right while the labels hold every class."""
    for probe_id in CLASS_PROBES:
        outputs = classes_from_labels_outputs(case, probe_id)
        if outputs is None:
            case.fail(probe_id, 'IndexError: index 2 is out of bounds')
        else:
            case.set(probe_id, **outputs)
    assert case.results['loss_missing_class'].ok is False     # (N, C-1) one-hot
    assert case.results['loss_one_sample'].ok is True         # (1, 1) broadcasts
    evidence = case.evidence()
    C = case.inputs('loss_missing_class')['W2'].shape[1]
    assert_verdict(judges.judge_grads(evidence), 0.0, ('classes_from_labels',),
                   ('loss(X, y) failed', 'labels hold %d of the %d classes' % (C - 1, C),
                    'len(set(y)) is %d here' % (C - 1)))
    # The loss itself is right wherever it returned: nothing lost at loss.
    assert_verdict(judges.judge_loss(evidence), 1.0)
    case.results['loss_missing_class'] = dataclasses.replace(
        case.world.reference['loss_missing_class'])
    assert_verdict(judges.judge_grads(case.evidence()), 0.0, ('classes_from_labels',),
                   ('the gradients are wrong on a single sample', 'len(set(y)) is 1 here'))


def test_judge_loss_class_count_taken_from_the_labels(case):
    """A data loss wrong only on labels that miss classes costs the data-loss half."""
    loss = case.outputs('loss_top_class')['loss']
    case.set('loss_top_class', loss=loss * 1.5)
    C = case.inputs('loss_top_class')['W2'].shape[1]
    assert_verdict(judges.judge_loss(case.evidence()), 0.5, ('classes_from_labels',),
                   ('labels that are all %d, the highest class' % (C - 1),
                    'len(set(y)) is 1 here'))
    assert_verdict(judges.judge_grads(case.evidence()), 1.0)


# -------------------------------------------------------------- stability ---

def test_judge_stability_right(case):
    with_loss_mistake(case, None, ('loss_large', 'loss_extreme'))
    assert_verdict(hidden_judges.judge_stability(case.evidence()), 1.0)


@pytest.mark.parametrize('mistake, fraction, found, words', [
    ('no_shift', 0.0, 'softmax_overflow', "Subtract each row's maximum score"),
    ('epsilon_in_log', 0.0, 'stability_wrong_value', 'without clipping or adding'),
    ('log_of_probs', 1.0, 'softmax_log_underflow', 'Tip (no points lost)'),
])
def test_judge_stability_mistakes(case, mistake, fraction, found, words):
    with_loss_mistake(case, mistake, ('loss_large', 'loss_extreme'))
    assert_verdict(hidden_judges.judge_stability(case.evidence()), fraction, (found,), (words,))


def test_judge_stability_overflow_in_the_gradients_only(case):
    grads = case.outputs('loss_large')
    grads['dW1'] = np.full_like(grads['dW1'], np.inf)
    assert_verdict(hidden_judges.judge_stability(case.evidence()), 0.0, ('softmax_overflow',))


# ------------------------------------------------------------------ train ---

def test_judge_train_right(case):
    assert_verdict(judges.judge_train(case.evidence()), 1.0, (),
                   ('follows params -= learning_rate * grads', 'follows the reference exactly'))


def test_judge_train_own_loss_note(case):
    """Information only: a twin run with the student's loss."""
    case.fail('train_toy' + OWN_LOSS, 'NotImplementedError: loss')
    assert_verdict(judges.judge_train(case.evidence()), 1.0, (),
                   ('with your own loss() this run fails',))


def test_judge_train_in_a_copy_judges_the_update_and_reports_the_own_loss_toy_run(case):
    """A copy without the reference serves train_hidden only (the stand-in loss): train is
    judged on it as graded, and the toy run, on the student's own loss, is information."""
    del case.service.served_losses['train_toy']
    assert_verdict(judges.judge_train(case.evidence()), 1.0, (),
                   ('follows params -= learning_rate * grads',
                    'Toy training with your own loss() follows the reference exactly'))
    case.train_as('train_toy', seed=1)
    del case.service.served_losses['train_toy']
    assert_verdict(judges.judge_train(case.evidence()), 1.0, (),
                   ("with your own loss() the notebook's toy run ends at loss",))
    case.fail('train_toy', 'NotImplementedError: loss')
    assert_verdict(judges.judge_train(case.evidence()), 1.0, (),
                   ('failed with your own loss()',))



def test_judge_train_in_a_copy_says_which_loss_each_run_had(case):
    """A copy serves train_hidden the stand-in loss and runs the toy run on the student's own
    loss: the feedback says both (with the reference served, it names no stand-in), and an
    own-loss toy run that an update mistake moved is put down to that mistake, not to loss
    or grads."""
    assert 'stand-in' not in judges.judge_train(case.evidence()).feedback
    copy = {checks.STAND_IN: True}
    del case.service.served_losses['train_toy']
    assert_verdict(judges.judge_train(case.evidence(copy)), 1.0, (),
                   ("answered that run's loss() calls with a stand-in loss",
                    'Toy training with your own loss() follows the reference exactly'))
    case.train_as('train_hidden', frozen='b2')
    case.train_as('train_toy', frozen='b2')
    del case.service.served_losses['train_toy']
    verdict = judges.judge_train(case.evidence(copy))
    assert_verdict(verdict, 0.5, ('param_not_updated',),
                   ('b2 never changes', 'stand-in loss',
                    "with your own loss() the notebook's toy run ends at loss",
                    'the update mistake shows there too'))
    assert 'fix those checks first' not in verdict.feedback


def test_visible_summaries_hold_on_every_route():
    """A visible check's summary opens its feedback where a probe it reads failed (grading.py):
    the self-check shows it too, where no input is hidden and a copy serves no reference loss."""
    for check in checks.CATALOG:
        if check.visible:
            assert 'hidden' not in check.summary and 'reference loss' not in check.summary, \
                check

@pytest.mark.parametrize('changes', [{'seed': 1}, {'learning_rate_decay': 1.0}])
def test_judge_train_leaves_sampling_and_decay_to_sgd(case, changes):
    """Other minibatches or no decay in the toy run: information at train, points at sgd."""
    case.train_as('train_toy', **changes)
    assert_verdict(judges.judge_train(case.evidence()), 1.0, (), ('toy run ends at loss',))


def test_judge_train_replays_the_update_on_the_students_own_minibatches(case):
    """Other minibatches (another stream) still follow params -= learning_rate * grads."""
    case.train_as('train_hidden', seed=case.args('train_hidden')['seed'] + 1)
    assert case.service.first_batches['train_hidden'].tolist() != \
        case.world.batches['train_hidden'][0][0].tolist()
    assert_verdict(judges.judge_train(case.evidence()), 1.0)


def test_judge_train_parameters_that_do_not_follow_the_update(case):
    """Trained parameters that the replayed update does not give (e.g. a fit after the loop)."""
    case.set('train_hidden', final_W1=case.outputs('train_hidden')['final_W1'] + 0.5)
    assert_verdict(judges.judge_train(case.evidence()), 0.0, ('sgd_not_followed',),
                   ('the grader replayed that update',))
    case.fail('train_hidden', 'IndexError: index 5 is out of bounds')
    with pytest.raises(StudentError):
        judges.judge_train(case.evidence())


def test_judge_train_calls_and_minibatch_sizes(case):
    batches = case.service.minibatches['train_hidden']
    case.service.minibatches['train_hidden'] = batches[:-1]
    assert_verdict(judges.judge_train(case.evidence()), 0.0, ('sgd_not_followed',),
                   ('called 29 times in 30 iterations',))
    case.service.minibatches['train_hidden'] = [(X[:-1], y[:-1]) for X, y in batches]
    assert_verdict(judges.judge_train(case.evidence()), 0.0, ('sgd_not_followed',),
                   ('expected batch_size=5',))
    case.service.minibatches['train_hidden'] = [(2 * X, y) for X, y in batches]
    assert_verdict(judges.judge_train(case.evidence()), 0.0, ('sgd_not_followed',),
                   ('not rows of X with their labels',))


def test_judge_train_history_not_served_loss(case):
    case.set('train_hidden', loss_history=case.outputs('train_hidden')['loss_history'] + 0.01)
    assert_verdict(judges.judge_train(case.evidence()), 0.0, ('history_not_served_loss',),
                   ('self.loss(X_batch, y=y_batch, reg=reg)',))


def test_judge_train_uphill(case):
    case.train_as('train_hidden', learning_rate=-0.1)
    assert_verdict(judges.judge_train(case.evidence()), 0.0, ('update_uphill',),
                   ('params -= learning_rate * grads',))


def test_judge_train_parameter_not_updated(case):
    case.train_as('train_hidden', frozen='b2')
    assert_verdict(judges.judge_train(case.evidence()), 0.5, ('param_not_updated',),
                   ('b2 never changes',))
    case.set('train_hidden', final_W1=case.outputs('train_hidden')['final_W1'] + 0.5)
    assert_verdict(judges.judge_train(case.evidence()), 0.0,
                   ('param_not_updated', 'sgd_not_followed'), ('b2 never changes',))


# -------------------------------------------------------------------- sgd ---

def test_judge_sgd_right(case):
    assert_verdict(hidden_judges.judge_sgd(case.evidence()), 1.0)


def test_judge_sgd_sampling_without_replacement(case):
    case.fail('train_small_set', "ValueError: Cannot take a larger sample than population "
              "when 'replace=False'")
    assert_verdict(hidden_judges.judge_sgd(case.evidence()), 0.5, ('sampling',),
                   ('sample with replacement',))


def test_judge_sgd_sampling_from_the_first_batch(case):
    for probe_id in ('train_small_set', 'train_epochs'):
        case.train_as(probe_id, seed=case.args(probe_id)['seed'] + 1)
    assert_verdict(hidden_judges.judge_sgd(case.evidence()), 0.0, ('sampling',),
                   ('the minibatches differ',))


def test_judge_sgd_no_lr_decay(case):
    for probe_id in ('train_small_set', 'train_epochs'):
        case.train_as(probe_id, learning_rate_decay=1.0)
    assert_verdict(hidden_judges.judge_sgd(case.evidence()), 0.0, ('no_lr_decay',),
                   ('multiply it by learning_rate_decay once per epoch',))


def test_judge_sgd_accuracies_once_per_iteration(case):
    per_iteration = np.zeros(case.args('train_epochs')['num_iters'])
    case.set('train_epochs', train_acc_history=per_iteration, val_acc_history=per_iteration)
    assert_verdict(hidden_judges.judge_sgd(case.evidence()), 0.5, ('history_length',),
                   ('record accuracies once per epoch',))


def test_judge_sgd_accuracies_from_predict(case):
    """Loss history and weights right, accuracies wrong: predict's fault, judged at predict
    (how many labels a wrong predict gets right depends on the draw of the inputs)."""
    accuracies = case.outputs('train_epochs')['val_acc_history']
    case.set('train_epochs', val_acc_history=1 - accuracies)
    assert_verdict(hidden_judges.judge_sgd(case.evidence()), 1.0)


def test_judge_sgd_parameter_not_updated(case):
    case.train_as('train_epochs', frozen='b2')
    assert_verdict(hidden_judges.judge_sgd(case.evidence()), 0.5, ('param_not_updated',),
                   ('b2 never changes',))


# ---------------------------------------------------------------- predict ---

def test_judge_predict_right(case):
    scores = student_scores(case.inputs('predict_hidden'))[1]
    case.set('predict_hidden', y_pred=np.argmax(scores, axis=1).astype(np.float64))
    assert_verdict(judges.judge_predict(case.evidence()), 1.0)


def test_judge_predict_argmin(case):
    scores = student_scores(case.inputs('predict_hidden'))[1]
    case.set('predict_hidden', y_pred=np.argmin(scores, axis=1).astype(np.float64))
    assert_verdict(judges.judge_predict(case.evidence()), 0.0, ('predict_argmin',),
                   ('np.argmax',))


def test_judge_predict_wrong(case):
    y_pred = case.outputs('predict_hidden')['y_pred'].copy()
    y_pred[:3] = (y_pred[:3] + 1) % case.inputs('predict_hidden')['W2'].shape[1]
    case.set('predict_hidden', y_pred=y_pred)
    assert_verdict(judges.judge_predict(case.evidence()), 0.0, ('predict_wrong',),
                   ('on 3 of %d samples' % y_pred.size,))


# ------------------------------------------------------------ no_mutation ---

def test_judge_no_mutation_right(case):
    assert_verdict(hidden_judges.judge_no_mutation(case.evidence()), 1.0)


def test_judge_no_mutation_input_mutated(case):
    case.set('loss_toy_reg', input_X=2 * np.ravel(case.inputs('loss_toy_reg')['X']))
    case.set('train_toy', input_X_val=np.ravel(case.inputs('train_toy')['X_val']) + 1)
    assert_verdict(hidden_judges.judge_no_mutation(case.evidence()), 0.0, ('input_mutated',),
                   ('loss() changed X', 'train() changed X_val', 'X - m rather than X -= m'))


def test_judge_no_mutation_reads_the_probes_that_ran(case):
    for probe_id in ('scores_toy', 'loss_toy_reg', 'train_toy'):
        case.fail(probe_id, 'NotImplementedError')
    assert_verdict(hidden_judges.judge_no_mutation(case.evidence()), 1.0)
    case.fail('predict_hidden', 'NotImplementedError')
    with pytest.raises(StudentError, match='could not be observed'):
        hidden_judges.judge_no_mutation(case.evidence())


# ----------------------------------------------------------- val_accuracy ---

def accuracy_evidence(world, dataset, right):
    """Evidence of a fit run on ten one-hot classes, 20 samples each.

    The reference's trained network recognises every class; the student's
    sends the samples of the last round((1 - right) * 10) classes to the next
    class, so its validation accuracy is right (0.1 steps).
    """
    classes = 10
    y_val = np.arange(200) % classes
    X_val = np.eye(classes)[y_val]
    fit = {'X': X_val.copy(), 'y': y_val.astype(np.float64), 'X_val': X_val,
           'args': checks.FIT_SETTINGS[dataset]['args']}
    trained = {'final_W1': np.eye(classes), 'final_b1': np.zeros(classes),
               'final_W2': np.eye(classes), 'final_b2': np.zeros(classes)}
    W2 = np.eye(classes)
    for label in range(classes - int(round((1 - right) * classes)), classes):
        W2[label] = np.roll(np.eye(classes)[label], 1)
    reference = dict(world.reference, fit=ProbeResult.success(trained))
    student = {'fit': ProbeResult.success(dict(trained, final_W2=W2))}
    return Evidence(student, reference, build_probes(fit=fit),
                    {'held_out': (X_val, y_val), 'dataset': dataset})


@pytest.mark.parametrize('dataset, right, fraction, found', [
    ('fashion_mnist', 1.0, 1.0, ()),
    ('fashion_mnist', 0.5, 0.5, ('low_accuracy',)),
    ('fashion_mnist', 0.2, 0.0, ('low_accuracy',)),
    ('cifar10', 0.3, 1.0, ()),
    ('cifar10', 0.2, 0.5, ('low_accuracy',)),
])
def test_judge_val_accuracy_thresholds(world, dataset, right, fraction, found):
    verdict = hidden_judges.judge_val_accuracy(accuracy_evidence(world, dataset, right))
    assert_verdict(verdict, fraction, found,
                   ('on %s, measured on held-out images: validation accuracy %.3f'
                    % (dataset, right),
                    'the reference reaches 1.000'))


def test_judge_val_accuracy_failed_fit_is_the_students_error(world):
    evidence = accuracy_evidence(world, 'fashion_mnist', 1.0)
    evidence._student['fit'] = ProbeResult.failure('MemoryError')
    with pytest.raises(StudentError, match='MemoryError'):
        hidden_judges.judge_val_accuracy(evidence)


def test_judge_val_accuracy_is_measured_on_the_held_out_images(world):
    """Not on the X_val the child was given: a network fitted to those gets nothing for it."""
    evidence = accuracy_evidence(world, 'fashion_mnist', 1.0)
    X_held, y_held = evidence.extra['held_out']
    evidence.extra['held_out'] = (X_held, (y_held + 1) % 10)
    assert_verdict(hidden_judges.judge_val_accuracy(evidence), 0.0, ('low_accuracy',),
                   ('held-out images', 'validation accuracy 0.000'))


@pytest.mark.parametrize('how, words', [
    ('closed_form', 'called 0 times in 30 iterations'),
    ('ignore_then_fit', 'do not follow params -= learning_rate * grads'),
    ('failed', 'train failed'),
])
def test_judge_val_accuracy_needs_sgd(case, how, words):
    """A train that is not SGD on the train check's run gets nothing, whatever the accuracy."""
    if how == 'closed_form':
        case.service.served_losses['train_hidden'] = []
        case.service.minibatches['train_hidden'] = []
    elif how == 'ignore_then_fit':
        case.set('train_hidden', final_W2=case.outputs('train_hidden')['final_W2'] * 3)
    else:
        case.fail('train_hidden', 'ValueError: x')
    extra = {'held_out': (np.zeros((2, 2)), np.zeros(2)), 'dataset': 'fashion_mnist'}
    assert_verdict(hidden_judges.judge_val_accuracy(case.evidence(extra)), 0.0, ('sgd_not_followed',),
                   ('counts only a network trained by SGD', words))


# ---------------------------------------------------------------- markers ---

def test_judge_markers_right(case):
    assert_verdict(judges.judge_markers(case.evidence({'markers': (True, '')})), 1.0)


def test_judge_markers_edited(case):
    warning = ('The START/END CODE marker lines were changed or removed (graded as usual).')
    verdict = judges.judge_markers(case.evidence({'markers': (False, warning)}))
    assert_verdict(verdict, 0.0, ('markers',), ('marker lines were changed or removed.',
                                                'exactly as in the original neural_net.py'))
    assert '(graded as usual)' not in verdict.feedback


# --------------------------------------------------------------- coverage ---

def test_every_judge_has_unit_tests():
    judges = {check.judge.__name__ for check in checks.CATALOG} | {
        checks.markers_check().judge.__name__}
    tested = {name for name in judges
              if any(test.startswith('test_%s_' % name) for test in globals())}
    assert tested == judges
    assert all(name.startswith('judge_') for name in judges)

