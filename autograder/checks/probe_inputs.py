"""The probes a grade runs, with the inputs the grader chooses.

Every input is drawn from a seeded generator, so the same grader seed gives
the same probes on every run (and so the same grade for the same
submission). Probe ids are stable names the checks refer to.
"""
import functools

import numpy as np

from .probe_ids import CLASS_PROBES, DEFAULT_SEED, NO_DECAY, OWN_LOSS

# The stability probe: every score near STABILITY_OFFSET (exp overflows above
# about 709), with within-row gaps of a few units, so the row-max shift,
# log-sum-exp and a global-max shift all stay finite and exact.
STABILITY_OFFSET = 1000.0
STABILITY_GAP = 30.0
# The extreme probe: gaps of thousands, where normalising before the log
# underflows to log(0). Only a tip depends on it.
EXTREME_X_SCALE = 300.0

# The classic toy problem of the notebook.
TOY_INPUT_SIZE, TOY_HIDDEN_SIZE, TOY_CLASSES, TOY_SAMPLES = 4, 10, 3, 5
TOY_TRAIN_ARGS = {'learning_rate': 1e-1, 'learning_rate_decay': 0.95, 'reg': 5e-6,
                  'num_iters': 100, 'batch_size': 200, 'seed': 0,
                  'skip_normals': TOY_INPUT_SIZE * TOY_HIDDEN_SIZE + TOY_HIDDEN_SIZE * TOY_CLASSES}


# batch_size of the train check's run (its N is at least 8).
TRAIN_BATCH = 5


def toy_data():
    """The notebook's toy data: X (5, 4), y (5,) (new arrays at each call)."""
    X, y = _toy_draws()[:2]
    return X.copy(), y.copy()


def toy_params():
    """The notebook's toy model parameters (seed 0, std 1e-1; new arrays at each call)."""
    W1, W2 = _toy_draws()[2:]
    return {'W1': W1.copy(), 'b1': np.zeros(TOY_HIDDEN_SIZE), 'W2': W2.copy(),
            'b2': np.zeros(TOY_CLASSES)}


@functools.lru_cache(maxsize=1)
def _toy_draws():
    """(X, y, W1, W2) of the toy problem, drawn once per process (every grade's probes
    include them; a seeded generator costs more to make than its draws)."""
    data = np.random.RandomState(1)   # np.random.seed(1)'s stream, no global state
    X = 10 * data.randn(TOY_SAMPLES, TOY_INPUT_SIZE)
    y = np.array([0, 1, 2, 2, 1])
    weights = np.random.RandomState(0)   # the grader may train a reference meanwhile
    W1 = 1e-1 * weights.randn(TOY_INPUT_SIZE, TOY_HIDDEN_SIZE)
    W2 = 1e-1 * weights.randn(TOY_HIDDEN_SIZE, TOY_CLASSES)
    for array in (X, y, W1, W2):
        array.flags.writeable = False   # shared by every call: the callers get copies
    return X, y, W1, W2


def _random_params(rng, D, H, C, scale):
    """Params with non-zero biases, so bias mistakes show: W1 (D, H) ... b2 (C,)."""
    return {'W1': scale * rng.standard_normal((D, H)), 'b1': 0.1 * rng.standard_normal(H),
            'W2': scale * rng.standard_normal((H, C)), 'b2': 0.1 * rng.standard_normal(C)}


def _problem(rng, N, D, H, C, scale=0.3, x_scale=1.0):
    """A random classification problem: params plus X (N, D), y (N,)."""
    arrays = _random_params(rng, D, H, C, scale)
    arrays['X'] = x_scale * rng.standard_normal((N, D))
    arrays['y'] = _labels(rng, N, C)
    return arrays


def _labels(rng, N, C):
    """N labels (float) in which every one of the C classes occurs, in random order, so
    every draw of the seed exercises the same things; with fewer rows than classes (the
    class probes, which set their own labels) N distinct classes."""
    if N < C:
        return rng.permutation(C)[:N].astype(np.float64)
    labels = np.concatenate([np.arange(C), rng.integers(0, C, size=N - C)])
    return rng.permutation(labels).astype(np.float64)


def _scores(problem):
    """Two-layer scores (N, C) for problem's params and X."""
    hidden = np.maximum(problem['X'].dot(problem['W1']) + problem['b1'], 0)
    return hidden.dot(problem['W2']) + problem['b2']


def _stability_problem(rng, N, D, H, C):
    """Scores within STABILITY_GAP of each other, all near STABILITY_OFFSET.

    The widest row spans exactly STABILITY_GAP, and its sample's label is
    its lowest-scoring class, so one correct-class probability is about
    exp(-STABILITY_GAP): exact in float64, but not if a constant is added
    inside the log.
    """
    problem = _problem(rng, N, D, H, C)
    scores = _scores(problem) - problem['b2']
    spread = scores.max(axis=1) - scores.min(axis=1)
    problem['W2'] = problem['W2'] * (STABILITY_GAP / spread.max())
    problem['b2'] = np.full(C, STABILITY_OFFSET)
    widest = int(np.argmax(spread))
    labels = problem['y']
    labels[widest] = float(np.argmin(scores[widest]))
    # That label may have taken the only row of a class: give each class missing now a
    # row of a class that occurs twice (never the widest), so every class still occurs.
    for missing in sorted(set(range(C)) - set(labels.astype(int).tolist())):
        counts = np.bincount(labels.astype(int), minlength=C)
        row = next(row for row in range(N) if row != widest and counts[int(labels[row])] > 1)
        labels[row] = float(missing)
    return problem


def no_relu_scores(arrays):
    """Scores without the ReLU (a frequent slip, which the scores judge recognises)."""
    return (arrays['X'].dot(arrays['W1']) + arrays['b1']).dot(arrays['W2']) + arrays['b2']


def forward_labels(problem):
    """argmax of the two-layer scores for problem's params and X: (N,) ints."""
    return np.argmax(_scores(problem), axis=1)


def _varied_problem(rng, N, D, H, C):
    """A problem whose predicted labels take at least min(C, 3) values."""
    while True:
        problem = _problem(rng, N, D, H, C, scale=1.0)
        if len(set(forward_labels(problem).tolist())) >= min(C, 3):
            return problem


def _class_problems(rng, N, D, H, C):
    """{probe id: problem} for CLASS_PROBES, labels fixed by construction.

    - loss_missing_class: every class but the highest, each at least once;
    - loss_one_sample: one sample of class 0 (a (1, 1) one-hot broadcasts
      silently: wrong values rather than an error);
    - loss_top_class: every label is the highest class, C - 1.
    """
    rows = max(N, 2 * C)
    missing = _problem(rng, rows, D, H, C)
    missing['y'] = rng.permutation(np.arange(rows) % (C - 1)).astype(np.float64)
    single = _problem(rng, 1, D, H, C)
    single['y'] = np.zeros(1)
    top = _problem(rng, N, D, H, C)
    top['y'] = np.full(N, C - 1, dtype=np.float64)
    return dict(zip(CLASS_PROBES, (missing, single, top)))


def build_probes(seed=DEFAULT_SEED, fit=None):
    """All probes of a grade, in the order the child runs them.

    Inputs:
    - seed: grader seed; it fixes the hidden dimensions and inputs.
    - fit: None, or a dict describing the val_accuracy training run with
      keys 'X' (N, D), 'y' (N,), 'X_val' (M, D) and 'args' (hyper-parameters).

    Returns a list of dicts with 'id', 'kind', 'args' and 'arrays'.
    """
    rng = np.random.default_rng(seed)
    X_toy, y_toy = toy_data()
    toy = dict(toy_params(), X=X_toy, y=y_toy.astype(np.float64))
    # Hidden sizes never equal the toy sizes (4, 10, 3), so sizes written as
    # numbers fail on every draw; N >= C, so every class occurs in every probe.
    D, H, C, N = (int(rng.integers(low, high)) for low, high in
                  ((6, 15), (11, 16), (4, 7), (8, 16)))
    hidden = _problem(rng, N, D, H, C)
    hidden_reg = float(np.round(rng.uniform(0.05, 0.5), 3))
    large = _stability_problem(rng, N, D, H, C)
    extreme = _problem(rng, N, D, H, C, scale=1.0, x_scale=EXTREME_X_SCALE)
    predicted = _varied_problem(rng, max(N, 12), D, H, C)
    hidden_train = _problem(rng, N, D, H, C)
    sgd = _problem(rng, 30, D, H, C)
    sgd.update(X_val=rng.standard_normal((12, D)),
               y_val=_labels(rng, 12, C))
    tiny = _problem(rng, 6, D, H, C)
    tiny.update(X_val=tiny['X'].copy(), y_val=tiny['y'].copy())
    sgd_args = {'learning_rate': 0.05, 'learning_rate_decay': 0.5, 'reg': 0.01,
                'num_iters': 9, 'batch_size': 10, 'seed': int(rng.integers(1000))}

    def params_and(problem, *keys):
        names = ('W1', 'b1', 'W2', 'b2') + keys
        return {name: problem[name] for name in names}

    probes = [
        {'id': 'init_toy', 'kind': 'init',
         'args': {'input_size': 4, 'hidden_size': 10, 'output_size': 3, 'std': 1e-1, 'seed': 0},
         'arrays': {}},
        {'id': 'init_hidden', 'kind': 'init',
         'args': {'input_size': D, 'hidden_size': H, 'output_size': C, 'std': 3e-2,
                  'seed': int(rng.integers(1000))}, 'arrays': {}},
        {'id': 'scores_toy', 'kind': 'scores', 'args': {}, 'arrays': params_and(toy, 'X')},
        {'id': 'scores_hidden', 'kind': 'scores', 'args': {}, 'arrays': params_and(hidden, 'X')},
        {'id': 'loss_toy_noreg', 'kind': 'loss', 'args': {'reg': 0.0},
         'arrays': params_and(toy, 'X', 'y')},
        {'id': 'loss_toy_reg', 'kind': 'loss', 'args': {'reg': 0.05},
         'arrays': params_and(toy, 'X', 'y')},
        {'id': 'loss_hidden_noreg', 'kind': 'loss', 'args': {'reg': 0.0},
         'arrays': params_and(hidden, 'X', 'y')},
        {'id': 'loss_hidden_reg', 'kind': 'loss', 'args': {'reg': hidden_reg},
         'arrays': params_and(hidden, 'X', 'y')},
        {'id': 'loss_large', 'kind': 'loss', 'args': {'reg': 0.0},
         'arrays': params_and(large, 'X', 'y')},
        {'id': 'loss_extreme', 'kind': 'loss', 'args': {'reg': 0.0},
         'arrays': params_and(extreme, 'X', 'y')},
        # Served probes: the student's method runs with the grader's reference
        # loss in place of its own (service.py), after all the probes above.
        {'id': 'predict_hidden', 'kind': 'predict', 'args': {}, 'served': True,
         'arrays': params_and(predicted, 'X')},
        {'id': 'train_toy', 'kind': 'train', 'args': dict(TOY_TRAIN_ARGS), 'served': True,
         'arrays': dict(toy, X_val=toy['X'], y_val=toy['y'])},
        {'id': 'train_epochs', 'kind': 'train', 'args': sgd_args, 'served': True,
         'arrays': params_and(sgd, 'X', 'y', 'X_val', 'y_val')},
        {'id': 'train_small_set', 'kind': 'train', 'served': True,
         'args': dict(sgd_args, num_iters=3, batch_size=20),
         'arrays': params_and(tiny, 'X', 'y', 'X_val', 'y_val')},
        # The train check's run, on data the grading seed draws (stored outputs of
        # the public toy run cannot stand in for training): more samples than
        # batch_size and no decay, so sampling, epochs and decay (the sgd
        # check's) cannot change what it judges: the update on the student's
        # own minibatches (judges.py), which the loss service keeps for it ('replayed';
        # no other run's minibatches are kept: the toy run's 100 would be 0.8 MB).
        {'id': 'train_hidden', 'kind': 'train', 'served': True, 'replayed': True,
         'args': dict(TOY_TRAIN_ARGS, seed=int(rng.integers(1000)), skip_normals=0,
                      num_iters=30, batch_size=TRAIN_BATCH, learning_rate_decay=1.0),
         'arrays': dict(params_and(hidden_train, 'X', 'y'), X_val=hidden_train['X'],
                        y_val=hidden_train['y'])},
        # The toy run again with the student's own loss: information only.
        {'id': 'train_toy' + OWN_LOSS, 'kind': 'train', 'args': dict(TOY_TRAIN_ARGS),
         'arrays': dict(toy, X_val=toy['X'], y_val=toy['y'])},
    ]
    # Drawn after every other input, so adding them left the other probes as they were.
    class_probes = [{'id': probe_id, 'kind': 'loss', 'args': {'reg': 0.0},
                     'arrays': params_and(problem, 'X', 'y')}
                    for probe_id, problem in _class_problems(rng, N, D, H, C).items()]
    after = [p['id'] for p in probes].index('loss_extreme') + 1
    probes[after:after] = class_probes
    # Reference-only variants: run on the reference solution so feedback can
    # recognise a student's result as a known mistake.
    for probe in [p for p in probes if p['kind'] == 'train' and p.get('served')]:
        probes.append({'id': probe['id'] + NO_DECAY, 'kind': 'train', 'reference_only': True,
                       'args': dict(probe['args'], learning_rate_decay=1.0),
                       'arrays': probe['arrays']})
    if fit is not None:
        probes.append({'id': 'fit', 'kind': 'fit', 'args': dict(fit['args']),
                       'arrays': {'X': fit['X'], 'y': fit['y'], 'X_val': fit['X_val']}})
    return probes
