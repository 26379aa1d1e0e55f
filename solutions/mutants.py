"""Known-wrong implementations: small named edits of the reference solution.

The kit's mutation catalog, instructor only: it quotes lines of the reference,
so it lives here beside it, outside the grader package (not in the wheel, the
Gradescope bundle or a student repository; the sandbox child cannot read
solutions/). Load it with ``autograder.paths.load_mutants()``.

Each mutant is a list of (old, new) text replacements applied to
``neural_net.py`` beside this file; every ``old`` must occur exactly once, so a
mutant that no longer fits the reference fails loudly instead of silently
testing nothing. ``fails`` names the checks the grader must take points
from; every other check must keep full marks (tests/test_mutants.py).

These are the mistakes students really make; the demo command and the
benchmarks use them as sample submissions too.
"""
import os
from dataclasses import dataclass
from typing import Tuple

from autograder.errors import StaleMutant

STUDENT_FILE = 'neural_net.py'
REFERENCE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), STUDENT_FILE)


@dataclass(frozen=True)
class Mutant:
    name: str
    mistake: str
    edits: Tuple[Tuple[str, str], ...]
    fails: Tuple[str, ...]


RELU = 'np.maximum(hidden, 0.0, out=hidden)'
MASK = 'dhidden *= hidden > 0'
SAMPLE = 'batch_indices = np.random.choice(num_train, batch_size)'

MUTANTS = (
    Mutant('no_relu', 'forward pass without the ReLU',
           ((RELU, 'pass'),),
           ('scores', 'loss', 'grads', 'stability')),
    Mutant('relu_mask_missing', 'backward pass ignores the ReLU',
           ((MASK, 'pass'),),
           ('grads',)),
    Mutant('relu_mask_inverted', 'ReLU mask zeroes the active units instead of the inactive',
           ((MASK, 'dhidden *= hidden <= 0'),),
           ('grads', 'val_accuracy')),
    Mutant('loss_sum_not_mean', 'data loss summed over samples instead of averaged',
           (('data_loss = -log_probs_correct.mean()', 'data_loss = -log_probs_correct.sum()'),),
           ('loss', 'stability')),
    Mutant('grads_not_divided_by_n', 'gradients not divided by N',
           (('dscores /= N', 'pass'),),
           ('grads', 'val_accuracy')),
    Mutant('reg_grad_missing_factor_2', 'L2 gradient reg*W instead of 2*reg*W',
           (("grads['W2'] += 2.0 * reg * W2", "grads['W2'] += reg * W2"),
            ("grads['W1'] += 2.0 * reg * W1", "grads['W1'] += reg * W1")),
           ('grads',)),
    Mutant('reg_loss_halved', 'regularisation loss 0.5*reg*sum(W**2)',
           (('reg_loss = reg * (', 'reg_loss = 0.5 * reg * ('),),
           ('loss',)),
    Mutant('reg_missing_from_loss', 'regularisation term left out of the loss',
           (('loss = data_loss + reg_loss', 'loss = data_loss'),),
           ('loss',)),
    Mutant('biases_regularised', 'biases included in the L2 penalty',
           (('reg_loss = reg * (np.vdot(W1, W1) + np.vdot(W2, W2))',
             'reg_loss = reg * (np.vdot(W1, W1) + np.vdot(W2, W2) + np.vdot(b1, b1) '
             '+ np.vdot(b2, b2))'),),
           ('loss',)),
    Mutant('db1_wrong_axis', 'db1 summed over the hidden units instead of the samples',
           (("grads['b1'] = dhidden.sum(axis=0)", "grads['b1'] = dhidden.sum(axis=1)"),),
           ('grads', 'val_accuracy')),
    Mutant('unstable_softmax', 'softmax without subtracting the row maximum',
           (('shifted = scores - scores.max(axis=1, keepdims=True)', 'shifted = scores'),),
           ('stability',)),
    Mutant('wrong_label_index', 'correct-class scores picked with [:, y] instead of [rows, y]',
           (('log_probs_correct = shifted[rows, y]', 'log_probs_correct = shifted[:, y]'),),
           ('loss', 'stability')),
    Mutant('hardcoded_toy_sizes', 'sizes of the toy problem written as numbers',
           (('N, D = X.shape', 'N, D = 5, 4'),),
           ('loss', 'grads', 'stability', 'val_accuracy')),
    Mutant('predict_wrong_axis', 'argmax over the samples instead of the classes',
           (('y_pred = np.argmax(self.loss(X), axis=1)', 'y_pred = np.argmax(self.loss(X), axis=0)'),),
           ('train', 'sgd', 'predict', 'val_accuracy')),
    Mutant('predict_argmin', 'predict returns the lowest-scoring class',
           (('y_pred = np.argmax(self.loss(X), axis=1)', 'y_pred = np.argmin(self.loss(X), axis=1)'),),
           ('predict',)),
    Mutant('sample_without_replacement', 'batches drawn without replacement',
           ((SAMPLE, 'batch_indices = np.random.choice(num_train, batch_size, replace=False)'),),
           ('sgd',)),
    Mutant('sample_in_order', 'batches taken in order instead of sampled with np.random.choice',
           ((SAMPLE, 'batch_indices = np.arange(it * batch_size, (it + 1) * batch_size) '
                     '% num_train'),),
           ('sgd',)),
    Mutant('b2_never_updated', 'one parameter left out of the update',
           (('for name in self.params:', "for name in ('W1', 'b1', 'W2'):"),),
           ('train', 'sgd')),
    Mutant('update_uphill', 'update adds the gradient (+=) instead of subtracting it',
           (('self.params[name] -= step', 'self.params[name] += step'),),
           ('train', 'sgd', 'val_accuracy')),
    Mutant('no_lr_decay', 'learning rate never decays',
           (('learning_rate *= learning_rate_decay', 'pass'),),
           ('sgd',)),
    Mutant('init_not_scaled', 'initial weights not multiplied by std',
           (("self.params['W1'] = std * np.random.randn(input_size, hidden_size)",
             "self.params['W1'] = np.random.randn(input_size, hidden_size)"),
            ("self.params['W2'] = std * np.random.randn(hidden_size, output_size)",
             "self.params['W2'] = np.random.randn(hidden_size, output_size)")),
           ('init',)),
    Mutant('init_order_swapped', 'W2 drawn before W1',
           (("        self.params['W1'] = std * np.random.randn(input_size, hidden_size)\n"
             "        self.params['b1'] = np.zeros(hidden_size)\n"
             "        self.params['W2'] = std * np.random.randn(hidden_size, output_size)\n",
             "        self.params['W2'] = std * np.random.randn(hidden_size, output_size)\n"
             "        self.params['W1'] = std * np.random.randn(input_size, hidden_size)\n"
             "        self.params['b1'] = np.zeros(hidden_size)\n"),),
           ('init',)),
    Mutant('biases_init_nonzero', 'biases initialised to a constant instead of zeros',
           (("self.params['b1'] = np.zeros(hidden_size)",
             "self.params['b1'] = 0.01 * np.ones(hidden_size)"),),
           ('init',)),
    Mutant('predict_clobbers_input', 'predict overwrites the array it is given',
           (('y_pred = np.argmax(self.loss(X), axis=1)',
             'y_pred = np.argmax(self.loss(X), axis=1)\n        X *= 0  # frees nothing'),),
           ('no_mutation',)),
)
BY_NAME = {mutant.name: mutant for mutant in MUTANTS}


def reference_source():
    with open(REFERENCE_FILE, encoding='utf-8') as handle:
        return handle.read()


def apply(mutant, source=None):
    """Source text of the mutant (the reference with its edits applied)."""
    source = reference_source() if source is None else source
    for old, new in mutant.edits:
        count = source.count(old)
        if count != 1:
            raise StaleMutant('mutant %s: %r occurs %d times in the reference (expected once)'
                              % (mutant.name, old, count))
        source = source.replace(old, new)
    return source


def write(mutant, folder):
    """Write the mutant as folder/neural_net.py; returns that path."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, STUDENT_FILE)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(apply(mutant))
    return path
