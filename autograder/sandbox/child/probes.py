"""Probes: calls into a TwoLayerNet on inputs the grader chooses.

A probe is plain data (a dict) naming a kind, a seed, scalar arguments and
input arrays. ``run_probe`` executes it against a module that defines
``TwoLayerNet`` and returns the outputs as plain float64 arrays. The same
function runs the student's module inside the sandboxed child process and the
reference module inside the grader, so both see exactly the same calls.

This module is imported by the sandbox child before any student code runs,
so it depends on numpy and the standard library only.
"""
import types

import numpy as np

from .vocabulary import GRADS_NOT_WRITTEN, INPUT_AFTER, NARROW_DTYPES, PARAM_NAMES, PROBLEMS


class ProbeOutputError(Exception):
    """Student code returned something that is not what the API promises."""


def as_float_array(value, what, shape=None):
    """Coerce a returned value to a fresh, plain float64 ndarray.

    Inputs:
    - value: whatever student code returned (array, list, number, ...).
    - what: name used in the error message, e.g. "scores".
    - shape: expected shape tuple, or None to accept any.

    Subclasses of ndarray are reduced to plain arrays and objects that
    cannot be converted raise ProbeOutputError, so no returned object can
    bring its own comparison behaviour back to the grader.
    """
    if isinstance(value, (str, bytes, dict)):
        raise ProbeOutputError('%s should be a numpy array, got %s' % (what, type(value).__name__))
    try:
        array = np.array(value, dtype=np.float64, copy=True, subok=False, order='C')
    except (TypeError, ValueError, OverflowError) as error:
        raise ProbeOutputError('%s should be a numpy array of numbers, got %s (%s)'
                               % (what, type(value).__name__, error)) from error
    if type(array) is not np.ndarray:
        raise ProbeOutputError('%s could not be turned into a plain array' % what)
    if shape is not None and array.shape != tuple(shape):
        raise ProbeOutputError('%s has shape %s, expected %s' % (what, array.shape, tuple(shape)))
    return array


def narrow_dtype(value):
    """'float32' (or 'float16') when value is a numpy float narrower than float64, else ''."""
    dtype = getattr(value, 'dtype', None)
    if isinstance(dtype, np.dtype) and dtype.kind == 'f' and dtype.itemsize < 8:
        return str(dtype)
    if isinstance(value, (list, tuple)) and value:
        return narrow_dtype(value[0])
    return ''


def _note_dtypes(out, raw_values):
    """Record in out[NARROW_DTYPES] which raw outputs were narrower than float64."""
    narrow = {name: narrow_dtype(value) for name, value in raw_values.items()}
    narrow = {name: dtype for name, dtype in narrow.items() if dtype}
    if narrow:
        out[NARROW_DTYPES] = narrow


def _make_net(module, params, served_loss=None):
    """A TwoLayerNet whose params are copies of the given arrays.

    __init__ is bypassed so that a mistake in it does not hide the result of
    the method under test. served_loss, when given, replaces the instance's
    loss method: served_loss(net, X, y=None, reg=0.0).
    """
    net = module.TwoLayerNet.__new__(module.TwoLayerNet)
    net.params = {name: np.array(params[name], dtype=np.float64) for name in PARAM_NAMES}
    if served_loss is not None:
        def loss(X, y=None, reg=0.0):
            return served_loss(net, X, y, reg)
        net.loss = loss
    return net


def _params_out(net, shapes, prefix=''):
    """Copy of net.params as float arrays checked against expected shapes."""
    if not isinstance(getattr(net, 'params', None), dict):
        raise ProbeOutputError('net.params should be a dict')
    out = {}
    for name in PARAM_NAMES:
        if name not in net.params:
            raise ProbeOutputError('net.params has no key %r' % name)
        out[prefix + name] = as_float_array(net.params[name], 'params[%r]' % name, shapes[name])
    return out


def _grads_out(grads, shapes):
    """Gradient outputs 'dW1'... plus PROBLEMS for the keys that are unusable.

    One malformed gradient does not hide the others (or the loss), nor does
    a backward pass not written yet (grads None).
    """
    if grads is None:
        return {PROBLEMS: {'d' + name: GRADS_NOT_WRITTEN for name in PARAM_NAMES}}
    if not isinstance(grads, dict):
        raise ProbeOutputError('grads should be a dict, got %s' % type(grads).__name__)
    out = {}
    problems = {}
    for name in PARAM_NAMES:
        try:
            if name not in grads:
                raise ProbeOutputError('grads has no key %r' % name)
            out['d' + name] = as_float_array(grads[name], 'grads[%r]' % name, shapes[name])
        except ProbeOutputError as error:
            problems['d' + name] = str(error)
    if problems:
        out[PROBLEMS] = problems
    return out


def _shapes(params):
    return {name: np.shape(params[name]) for name in PARAM_NAMES}


def _inputs_after(inputs):
    """The input arrays as the student's call left them, flattened, for the grader to
    compare with its own copies (no comparison is made here, in the student's process)."""
    return {INPUT_AFTER + key: np.array(value, dtype=np.float64).reshape(-1)
            for key, value in inputs.items()}


def probe_init(module, args, arrays):
    """Construct a seeded net; outputs its parameters."""
    D, H, C = args['input_size'], args['hidden_size'], args['output_size']
    np.random.seed(args['seed'])
    net = module.TwoLayerNet(D, H, C, std=args['std'])
    shapes = {'W1': (D, H), 'b1': (H,), 'W2': (H, C), 'b2': (C,)}
    return _params_out(net, shapes)


def probe_scores(module, args, arrays):
    """Scores of a net with given params: outputs 'scores' (N, C)."""
    net = _make_net(module, arrays)
    X = arrays['X']
    scores = net.loss(X)
    out = {'scores': as_float_array(scores, 'scores', (X.shape[0], arrays['W2'].shape[1]))}
    out.update(_inputs_after({'X': X}))
    _note_dtypes(out, {'scores': scores})
    return out


def probe_loss(module, args, arrays):
    """Loss and gradients: outputs 'loss' (1,), 'dW1', 'db1', 'dW2', 'db2'."""
    net = _make_net(module, arrays)
    X, y = arrays['X'], arrays['y'].astype(np.int64)
    result = net.loss(X, y=y, reg=args['reg'])
    if not isinstance(result, tuple) or len(result) != 2:
        raise ProbeOutputError('loss(X, y) should return a tuple (loss, grads), got %s'
                               % type(result).__name__)
    loss, grads = result
    out = {'loss': as_float_array(loss, 'the loss', ()).reshape(1)}
    out.update(_grads_out(grads, _shapes(arrays)))
    out.update(_inputs_after({'X': X, 'y': y}))
    raw = {'loss': loss}
    if isinstance(grads, dict):
        raw.update({'d' + name: grads.get(name) for name in PARAM_NAMES})
    _note_dtypes(out, raw)
    return out


def probe_predict(module, args, arrays, served_loss=None):
    """Predictions of a net with given params: outputs 'y_pred' (N,).

    With served_loss, the net's loss method is replaced by it, so a predict
    that calls self.loss(X) is judged on its own code only.
    """
    net = _make_net(module, arrays, served_loss)
    X = arrays['X']
    y_pred = net.predict(X)
    out = {'y_pred': as_float_array(y_pred, 'predict(X)', (X.shape[0],))}
    out.update(_inputs_after({'X': X}))
    return out


def probe_train(module, args, arrays, served_loss=None):
    """Seeded training from given params.

    Outputs 'loss_history' (num_iters,), 'train_acc_history' and
    'val_acc_history' (one entry per epoch), the final parameters
    ('final_W1', ...) and the four input arrays as the call left them ('input_X', ...).

    With served_loss, the net's loss method is replaced by it (the grader's
    reference loss), so the SGD loop is judged apart from the student's loss.
    """
    net = _make_net(module, arrays, served_loss)
    X, y = arrays['X'], arrays['y'].astype(np.int64)
    X_val, y_val = arrays['X_val'], arrays['y_val'].astype(np.int64)
    np.random.seed(args['seed'])
    # Advance the generator as a seeded __init__ would have, so a toy run
    # reproduces the notebook's "seed, build the net, train" figures.
    np.random.randn(args.get('skip_normals', 0))
    stats = net.train(X, y, X_val, y_val, learning_rate=args['learning_rate'],
                      learning_rate_decay=args['learning_rate_decay'], reg=args['reg'],
                      num_iters=args['num_iters'], batch_size=args['batch_size'], verbose=False)
    if not isinstance(stats, dict):
        raise ProbeOutputError('train should return a dict, got %s' % type(stats).__name__)
    out = {}
    for key in ('loss_history', 'train_acc_history', 'val_acc_history'):
        if key not in stats:
            raise ProbeOutputError('the dict returned by train has no key %r' % key)
        out[key] = as_float_array(stats[key], key).reshape(-1)
    out.update(_params_out(net, _shapes(arrays), prefix='final_'))
    out.update(_inputs_after({'X': X, 'y': y, 'X_val': X_val, 'y_val': y_val}))
    return out


def probe_fit(module, args, arrays):
    """Seeded init and training on real data; outputs the trained parameters.

    Outputs 'final_W1' (D, H), 'final_b1' (H,), 'final_W2' (H, C) and
    'final_b2' (C,). The validation labels are not part of the probe, and
    the student's predict is not used: the grader computes the validation
    accuracy from these parameters with the reference forward pass.
    """
    X, y, X_val = arrays['X'], arrays['y'].astype(np.int64), arrays['X_val']
    D, H, C = X.shape[1], args['hidden_size'], args['num_classes']
    np.random.seed(args['seed'])
    net = module.TwoLayerNet(D, H, C)
    # The validation set the student's train sees carries no real labels.
    net.train(X, y, X_val, np.zeros(X_val.shape[0], dtype=np.int64),
              learning_rate=args['learning_rate'],
              learning_rate_decay=args['learning_rate_decay'], reg=args['reg'],
              num_iters=args['num_iters'], batch_size=args['batch_size'], verbose=False)
    return _params_out(net, {'W1': (D, H), 'b1': (H,), 'W2': (H, C), 'b2': (C,)},
                       prefix='final_')


PROBE_KINDS = types.MappingProxyType({
    'init': probe_init,
    'scores': probe_scores,
    'loss': probe_loss,
    'predict': probe_predict,
    'train': probe_train,
    'fit': probe_fit,
})


# Probe kinds that can run with the grader's reference loss in place of the
# student's (so they judge one component only).
SERVABLE_KINDS = ('predict', 'train')


def run_probe(module, probe, arrays, served_loss=None, copy=True):
    """Run one probe against module.

    Inputs:
    - module: a module object defining TwoLayerNet.
    - probe: dict with 'kind' (a key of PROBE_KINDS) and 'args'.
    - arrays: dict of input arrays for this probe (never modified: the
      probe works on copies, unless copy is False).
    - served_loss: for kinds in SERVABLE_KINDS, a function
      (net, X, y, reg) -> scores or (loss, grads) that replaces net.loss.
    - copy: False when arrays are already this probe's own (the sandbox
      child's copy-on-write views, which no other probe reads).

    Returns a dict of output name -> float64 ndarray. Exceptions raised by
    the code under test propagate to the caller.
    """
    own_copies = {name: np.array(value) if copy else value for name, value in arrays.items()}
    if served_loss is not None and probe['kind'] in SERVABLE_KINDS:
        return PROBE_KINDS[probe['kind']](module, probe['args'], own_copies, served_loss)
    return PROBE_KINDS[probe['kind']](module, probe['args'], own_copies)
