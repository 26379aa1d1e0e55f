"""The reference solution reproduces the classic assignment's figures."""
import numpy as np
import pytest

from helpers import REFERENCE, load_module

CORRECT_SCORES = np.asarray([
    [-0.81233741, -1.27654624, -0.70335995],
    [-0.17129677, -1.18803311, -0.47310444],
    [-0.51590475, -1.01354314, -0.8504215],
    [-0.15419291, -0.48629638, -0.52901952],
    [-0.00618733, -0.12435261, -0.15226949]])
CORRECT_LOSS = 1.30378789133
CORRECT_TOY_TRAIN_LOSS = 0.017149607938732048


@pytest.fixture(scope='module')
def nn():
    return load_module(REFERENCE, 'reference_neural_net')


@pytest.fixture(scope='module')
def gradient_check():
    return load_module(REFERENCE.replace('neural_net.py', 'gradient_check.py'),
                       'reference_gradient_check')


def toy(nn):
    np.random.seed(1)
    X = 10 * np.random.randn(5, 4)
    y = np.array([0, 1, 2, 2, 1])
    np.random.seed(0)
    net = nn.TwoLayerNet(4, 10, 3, std=1e-1)
    return net, X, y


def test_params_shapes_and_init(nn):
    np.random.seed(0)
    net = nn.TwoLayerNet(7, 5, 3, std=0.5)
    assert {k: v.shape for k, v in net.params.items()} == {
        'W1': (7, 5), 'b1': (5,), 'W2': (5, 3), 'b2': (3,)}
    np.random.seed(0)
    assert np.array_equal(net.params['W1'], 0.5 * np.random.randn(7, 5))
    assert np.array_equal(net.params['W2'], 0.5 * np.random.randn(5, 3))
    assert not net.params['b1'].any() and not net.params['b2'].any()


def test_scores_match_classic_figures(nn):
    net, X, _ = toy(nn)
    difference = np.sum(np.abs(net.loss(X) - CORRECT_SCORES))
    assert difference < 1e-7
    assert difference > 0  # the classic figures are rounded to 8 decimals


def test_loss_matches_classic_figure(nn):
    net, X, y = toy(nn)
    loss, _ = net.loss(X, y, reg=0.05)
    assert abs(loss - CORRECT_LOSS) < 1e-12


def test_gradients_match_numeric(nn, gradient_check):
    net, X, y = toy(nn)
    _, grads = net.loss(X, y, reg=0.05)
    assert sorted(grads) == ['W1', 'W2', 'b1', 'b2']
    for name in grads:
        numeric = gradient_check.eval_numerical_gradient(
            lambda _: net.loss(X, y, reg=0.05)[0], net.params[name])
        assert gradient_check.rel_error(numeric, grads[name]) < 1e-8, name


def test_toy_training_matches_classic_figure(nn):
    net, X, y = toy(nn)
    stats = net.train(X, y, X, y, learning_rate=1e-1, reg=5e-6, num_iters=100)
    assert len(stats['loss_history']) == 100
    assert abs(stats['loss_history'][-1] - CORRECT_TOY_TRAIN_LOSS) < 1e-12
    # Epoch = max(5 / 200, 1) = 1 iteration: one accuracy entry per iteration.
    assert len(stats['train_acc_history']) == len(stats['val_acc_history']) == 100


def test_predict_returns_int_labels(nn):
    net, X, _ = toy(nn)
    y_pred = net.predict(X)
    assert y_pred.shape == (5,)
    assert np.issubdtype(y_pred.dtype, np.integer)
    assert np.array_equal(y_pred, np.argmax(net.loss(X), axis=1))


def test_loss_is_stable_for_large_scores(nn):
    net, X, y = toy(nn)
    net.params['W2'] *= 1e4
    loss, grads = net.loss(X, y)
    assert np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads.values())


def test_loss_and_predict_are_vectorised():
    """No Python loops in loss or predict (the only loop in the file is train's)."""
    import ast
    with open(REFERENCE, encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    methods = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    for name in ('loss', 'predict'):
        loops = [n for n in ast.walk(methods[name])
                 if isinstance(n, (ast.For, ast.While, ast.comprehension))]
        assert not loops, '%s has a Python loop at line %d' % (name, loops[0].lineno)


def test_inputs_unchanged(nn):
    net, X, y = toy(nn)
    X0, y0 = X.copy(), y.copy()
    net.loss(X, y, reg=0.1)
    net.predict(X)
    net.train(X, y, X, y, num_iters=3)
    assert np.array_equal(X, X0) and np.array_equal(y, y0)
