"""The catalog of checks: names, points, visibility and how each is judged.

This is the only place points and thresholds are defined. The command-line
grader, the student self-check, the nbgrader test cells and the Gradescope
bundle all grade through ``CATALOG``.

A check reads the outputs of one or more probes (plan.py) run on the
student's code in the sandbox and compares them with the same probes run on
the reference solution. Feedback speaks to the student: what is wrong and
where to look.
"""
from dataclasses import dataclass
from typing import Callable, Tuple

import numpy as np

from .compare import close, finite, fmt_error, relative_error
from .plan import NO_DECAY
from .probes import PARAM_NAMES

# Relative-error tolerances.
VALUE_TOLERANCE = 1e-6      # scores, loss, trained histories
GRAD_TOLERANCE = 1e-7       # analytic gradients against the reference's
INIT_TOLERANCE = 1e-12      # seeded initial weights must match exactly
TOY_FINAL_LOSS_BAR = 0.02   # the notebook's "loss below 0.02" bar for toy training


class StudentError(Exception):
    """A probe the check needs did not produce outputs (raised, timed out...)."""


@dataclass
class Verdict:
    """Outcome of one check: points earned (0..max) and feedback text."""
    fraction: float
    feedback: str


@dataclass(frozen=True)
class Check:
    """One entry of the catalog."""
    name: str
    max_score: float
    visible: bool
    summary: str
    probes: Tuple[str, ...]
    judge: Callable


class Evidence:
    """Everything a judge may look at for one submission.

    - student(probe_id): the student's outputs, or StudentError.
    - reference(probe_id): the reference outputs.
    - inputs(probe_id): the probe's input arrays and args.
    - extra: data the grader holds back from the child (e.g. y_val).
    """

    def __init__(self, student_results, reference_results, probes, extra=None, missing_reason=''):
        self._student = student_results
        self._reference = reference_results
        self._probes = {probe['id']: probe for probe in probes}
        self.extra = extra or {}
        self._missing_reason = missing_reason

    def student(self, probe_id):
        result = self._student.get(probe_id)
        if result is None:
            raise StudentError(self._missing_reason or 'this test did not run')
        if not result['ok']:
            raise StudentError(result['error'])
        return result['outputs']

    def student_or_none(self, probe_id):
        try:
            return self.student(probe_id)
        except StudentError:
            return None

    def problem(self, probe_id, output):
        """Why the student's probe lacks an output, or ''."""
        return self._student[probe_id].get('problems', {}).get(output, '')

    def reference(self, probe_id):
        return self._reference[probe_id]['outputs']

    def reference_or_none(self, probe_id):
        result = self._reference.get(probe_id)
        return result['outputs'] if result and result['ok'] else None

    def inputs(self, probe_id):
        return self._probes[probe_id]['arrays']

    def args(self, probe_id):
        return self._probes[probe_id]['args']


def _sentence(text):
    return text[:1].upper() + text[1:] + '.'


def _linear_scores(arrays):
    """Scores without the ReLU: a frequent slip."""
    return (arrays['X'].dot(arrays['W1']) + arrays['b1']).dot(arrays['W2']) + arrays['b2']


# ---------------------------------------------------------------- judges ---

def judge_init(evidence):
    problems = []
    for probe_id in ('init_toy', 'init_hidden'):
        got, want = evidence.student(probe_id), evidence.reference(probe_id)
        std = evidence.args(probe_id)['std']
        for bias in ('b1', 'b2'):
            if np.any(got[bias] != 0):
                problems.append('%s should start at zero' % bias)
        for weight in ('W1', 'W2'):
            if close(got[weight], want[weight], INIT_TOLERANCE):
                continue
            spread = float(np.std(got[weight]))
            if spread == 0:
                problems.append('%s is all zeros: draw it with std * np.random.randn(...)' % weight)
            elif abs(spread / std - 1) > 0.5:
                problems.append('%s has standard deviation %.2g, expected about std=%g: '
                                'multiply np.random.randn(...) by std' % (weight, spread, std))
            else:
                problems.append('%s has the right scale but not the expected values: draw W1 '
                                'first and W2 second, each with std * np.random.randn(rows, '
                                'cols), and nothing else from np.random in between' % weight)
    if problems:
        return Verdict(0.0, 'Initialisation: ' + '; '.join(dict.fromkeys(problems)) + '.')
    return Verdict(1.0, 'Parameters have the right shapes, scale and seeded values.')


def judge_scores(evidence):
    toy_ok = hidden_ok = False
    notes = []
    for probe_id, label in (('scores_toy', 'the toy model'), ('scores_hidden', 'a hidden model')):
        try:
            got = evidence.student(probe_id)['scores']
        except StudentError as error:
            if probe_id == 'scores_toy':
                raise
            notes.append('on %s: %s' % (label, error))
            continue
        want = evidence.reference(probe_id)['scores']
        ok = close(got, want, VALUE_TOLERANCE)
        if probe_id == 'scores_toy':
            toy_ok = ok
        else:
            hidden_ok = ok
        if not ok:
            if not finite(got):
                notes.append('scores on %s contain NaN or inf' % label)
            elif close(got, _linear_scores(evidence.inputs(probe_id)), VALUE_TOLERANCE):
                notes.append('scores on %s match a network without the ReLU: apply '
                             'np.maximum(0, ...) to the hidden layer' % label)
            else:
                notes.append('scores on %s are wrong (relative error %s)'
                             % (label, fmt_error(relative_error(got, want))))
    if toy_ok and hidden_ok:
        return Verdict(1.0, 'Forward pass matches the reference scores.')
    if toy_ok:
        return Verdict(0.5, 'Scores are right on the toy model but wrong on other sizes: '
                       'compute with the shapes of X and self.params, never fixed numbers. '
                       + '; '.join(notes) + '.')
    return Verdict(0.0, 'Forward pass: ' + '; '.join(notes) + '.')


def _loss_value(evidence, probe_id):
    return evidence.student(probe_id)['loss'][0], evidence.reference(probe_id)['loss'][0]


def _regularisation_hint(evidence, probe_id, got):
    """Explain a loss that is right at reg=0 but wrong at reg>0."""
    arrays, reg = evidence.inputs(probe_id), evidence.args(probe_id)['reg']
    data_loss = evidence.reference(probe_id)['loss'][0] - reg * (
        np.sum(arrays['W1'] ** 2) + np.sum(arrays['W2'] ** 2))
    weights = np.sum(arrays['W1'] ** 2) + np.sum(arrays['W2'] ** 2)
    biases = np.sum(arrays['b1'] ** 2) + np.sum(arrays['b2'] ** 2)
    candidates = [
        (data_loss, 'the regularisation term is missing from the loss'),
        (data_loss + 0.5 * reg * weights, 'the regularisation term is halved: use '
                                          'reg * (sum(W1**2) + sum(W2**2)), without 0.5'),
        (data_loss + reg * (weights + biases), 'the biases are regularised too: only W1 '
                                                'and W2 are'),
    ]
    for value, hint in candidates:
        if abs(got - value) <= VALUE_TOLERANCE * max(1.0, abs(value)):
            return hint
    return 'check the term reg * (sum(W1**2) + sum(W2**2))'


def judge_loss(evidence):
    data_ok = reg_ok = True
    notes = []
    for noreg_id, reg_id in (('loss_toy_noreg', 'loss_toy_reg'),
                             ('loss_hidden_noreg', 'loss_hidden_reg')):
        got, want = _loss_value(evidence, noreg_id)
        if not close(got, want, VALUE_TOLERANCE):
            data_ok = False
            N = evidence.inputs(noreg_id)['X'].shape[0]
            if close(got, want * N, VALUE_TOLERANCE):
                notes.append('the data loss is summed over the samples instead of averaged: '
                             'divide by N')
            else:
                notes.append('the data loss (reg=0) is %.6g, expected %.6g: check the softmax '
                             'cross-entropy and the indexing of the correct class' % (got, want))
        got_reg, want_reg = _loss_value(evidence, reg_id)
        if not close(got_reg, want_reg, VALUE_TOLERANCE):
            reg_ok = False
            if data_ok:
                notes.append('the loss is right without regularisation but wrong with reg>0: '
                             + _regularisation_hint(evidence, reg_id, got_reg))
    notes = list(dict.fromkeys(notes))
    if data_ok and reg_ok:
        return Verdict(1.0, 'Loss matches the reference with and without regularisation.')
    if data_ok:
        return Verdict(0.5, _sentence('; '.join(notes)))
    return Verdict(0.0, _sentence('; '.join(notes)))


GRAD_HINTS = {
    'W2': 'dW2 = hidden_activations.T @ dscores, plus 2 * reg * W2',
    'b2': 'db2 is dscores summed over the samples (axis 0)',
    'W1': 'dW1 = X.T @ dhidden, where dhidden is dscores @ W2.T with the ReLU mask '
          '(zero where the hidden pre-activation was not positive); plus 2 * reg * W1',
    'b1': 'db1 is dhidden (after the ReLU mask) summed over the samples (axis 0)',
}


def _grad_issue(evidence, name):
    """None if every loss probe's gradient for name matches, else a hint."""
    for probe_id in ('loss_toy_noreg', 'loss_toy_reg', 'loss_hidden_noreg', 'loss_hidden_reg'):
        outputs = evidence.student(probe_id)
        if 'd' + name not in outputs:
            return evidence.problem(probe_id, 'd' + name) or 'd%s is missing' % name
        got = outputs['d' + name]
        want = evidence.reference(probe_id)['d' + name]
        if close(got, want, GRAD_TOLERANCE):
            continue
        if not finite(got):
            return 'd%s contains NaN or inf' % name
        reg = evidence.args(probe_id)['reg']
        N = evidence.inputs(probe_id)['X'].shape[0]
        if name.startswith('W') and reg > 0:
            weight = evidence.inputs(probe_id)[name]
            data_part = want - 2 * reg * weight
            if close(got, data_part + reg * weight, GRAD_TOLERANCE):
                return ('d%s is missing the factor 2 of the L2 gradient: d/dW of reg*sum(W**2) '
                        'is 2*reg*W' % name)
            if close(got, data_part, GRAD_TOLERANCE):
                return 'd%s is missing the regularisation gradient 2*reg*%s' % (name, name)
        if close(got, want * N, GRAD_TOLERANCE):
            return 'd%s is N times too large: divide the gradient by N' % name
        return 'd%s is wrong (relative error %s): %s' % (
            name, fmt_error(relative_error(got, want)), GRAD_HINTS[name])
    return None


def judge_grads(evidence):
    issues = {name: _grad_issue(evidence, name) for name in PARAM_NAMES}
    wrong = [name for name in PARAM_NAMES if issues[name]]
    right = [name for name in PARAM_NAMES if not issues[name]]
    if not wrong:
        return Verdict(1.0, 'All four gradients match the reference (relative error < %g).'
                       % GRAD_TOLERANCE)
    lines = [issues[name] for name in wrong]
    if 'W1' in wrong and 'W2' in right:
        lines.insert(0, 'dW1 is wrong but dW2 is right: check the ReLU mask in the backward pass')
    summary = '%s wrong%s' % (', '.join('d' + n for n in wrong),
                              ('; %s right' % ', '.join('d' + n for n in right)) if right else '')
    return Verdict(len(right) / 4.0, 'Gradients: %s. %s.' % (summary, '; '.join(lines)))


def judge_stability(evidence):
    got = evidence.student('loss_large')
    want = evidence.reference('loss_large')
    if not finite(got['loss']) or not all(finite(got.get('d' + n, 0.0)) for n in PARAM_NAMES):
        return Verdict(0.0, 'With large scores (hundreds) the loss or its gradients become NaN '
                       'or inf: subtract each row\'s maximum score before np.exp.')
    if not close(got['loss'], want['loss'], VALUE_TOLERANCE):
        return Verdict(0.0, 'With large scores the loss is %.6g, expected %.6g: compute the '
                       'softmax in a numerically stable way (shift by the row maximum).'
                       % (got['loss'][0], want['loss'][0]))
    return Verdict(1.0, 'Loss stays finite and correct for large scores.')


def _history_note(got, want, label):
    if got.shape != want.shape:
        return '%s has %d entries, expected %d' % (label, got.size, want.size)
    return None


def judge_train(evidence):
    got = evidence.student('train_toy')
    want = evidence.reference('train_toy')
    history, expected = got['loss_history'], want['loss_history']
    note = _history_note(history, expected, 'loss_history')
    if note:
        return Verdict(0.0, 'Toy training: %s: append the minibatch loss once per iteration.'
                       % note)
    if close(history, expected, VALUE_TOLERANCE):
        return Verdict(1.0, 'Toy training follows the reference exactly; final loss %.4f.'
                       % history[-1])
    hints = _training_diagnosis(evidence, 'train_toy', got)
    if hints and finite(history) and history[-1] < TOY_FINAL_LOSS_BAR:
        return Verdict(0.5, 'Toy training reaches final loss %.4f, but %s.'
                       % (history[-1], '; '.join(hints)))
    if finite(history) and history[-1] < TOY_FINAL_LOSS_BAR:
        return Verdict(0.5, 'Toy training reaches final loss %.4f (below %g) but its loss '
                       'history differs from the reference: fix any loss or gradient problem '
                       'first; otherwise sample batches with np.random.choice(num_train, '
                       'batch_size) and update every parameter with -= learning_rate * grad.'
                       % (history[-1], TOY_FINAL_LOSS_BAR))
    if finite(history) and history[-1] > history[0]:
        return Verdict(0.0, 'Toy training makes the loss grow (%.3g to %.3g): the update must '
                       'go against the gradient (params -= learning_rate * grads).'
                       % (history[0], history[-1]))
    return Verdict(0.0, 'Toy training ends at loss %.4g, expected %.4f: check the parameter '
                   'update and the batch sampling.' % (history[-1], expected[-1]))


def _training_diagnosis(evidence, probe_id, got):
    """Known training mistakes recognisable from a run's outputs, as hints."""
    hints = []
    start = evidence.inputs(probe_id)
    stuck = [name for name in PARAM_NAMES if np.array_equal(got['final_' + name], start[name])]
    if stuck:
        hints.append('%s never changes: update every parameter in self.params'
                     % ', '.join(stuck))
    no_decay = evidence.reference_or_none(probe_id + NO_DECAY)
    if no_decay is not None and close(got['loss_history'], no_decay['loss_history'],
                                      VALUE_TOLERANCE):
        hints.append('the learning rate never decays: multiply it by learning_rate_decay '
                     'once per epoch')
    return hints


def _train_matches(got, want):
    keys = ('loss_history', 'train_acc_history', 'val_acc_history') + tuple(
        'final_' + name for name in PARAM_NAMES)
    return all(close(got[key], want[key], VALUE_TOLERANCE) for key in keys)


def judge_sgd(evidence):
    notes = []
    points = 0.0
    try:
        small = evidence.student('train_small_set')
    except StudentError as failure:
        notes.append('training on fewer samples than batch_size failed (%s): sample with '
                     'replacement, np.random.choice(num_train, batch_size)' % failure)
    else:
        if _train_matches(small, evidence.reference('train_small_set')):
            points += 0.5
        else:
            notes.extend(_training_diagnosis(evidence, 'train_small_set', small) or [
                'training with fewer samples than batch_size does not match the reference'])
    epochs = evidence.student('train_epochs')
    want = evidence.reference('train_epochs')
    for key in ('train_acc_history', 'val_acc_history'):
        note = _history_note(epochs[key], want[key], key)
        if note:
            notes.append('%s: record accuracies once per epoch (every max(num_train / '
                         'batch_size, 1) iterations)' % note)
    if _train_matches(epochs, want):
        points += 0.5
    elif not any('once per epoch' in note for note in notes):
        notes.extend(_training_diagnosis(evidence, 'train_epochs', epochs) or [
            'multi-epoch training does not match the reference (loss history, accuracy '
            'history or final weights differ)'])
    if not notes:
        return Verdict(1.0, 'Minibatch sampling, epochs and learning-rate decay behave as '
                       'specified.')
    return Verdict(points, 'SGD details: %s. If loss or grads lose points too, fix those first.'
                   % '; '.join(dict.fromkeys(notes)))


def judge_predict(evidence):
    got = evidence.student('predict_hidden')['y_pred']
    want = evidence.reference('predict_hidden')['y_pred']
    if np.array_equal(got, want):
        return Verdict(1.0, 'Predictions match the reference.')
    scores = evidence.reference('scores_hidden')['scores']
    if np.array_equal(got, np.argmin(scores, axis=1)):
        return Verdict(0.0, 'predict returns the class with the lowest score: use np.argmax.')
    return Verdict(0.0, 'predict disagrees with the reference on %d of %d samples: return '
                   'np.argmax(scores, axis=1).' % (int(np.sum(got != want)), got.size))


MUTATION_PROBES = ('scores_toy', 'loss_toy_reg', 'predict_hidden', 'train_toy')
MUTATION_INPUTS = {
    'scores': ('X',), 'loss': ('X', 'y'), 'predict': ('X',), 'train': ('X', 'X_val', 'y', 'y_val'),
}


def judge_no_mutation(evidence):
    changed = []
    observed = [probe_id for probe_id in MUTATION_PROBES
                if evidence.student_or_none(probe_id) is not None]
    if not observed:
        raise StudentError('none of loss, predict or train ran without an error, so their '
                           'effect on the inputs could not be observed')
    for probe_id in observed:
        flags = evidence.student(probe_id)['unchanged']
        method = probe_id.split('_')[0]
        names = sorted(MUTATION_INPUTS[method])
        changed.extend('%s() changed %s' % (method, name)
                       for name, flag in zip(names, flags) if flag != 1.0)
    if changed:
        return Verdict(0.0, 'Inputs were modified in place: %s. Work on new arrays (e.g. '
                       'X - m rather than X -= m).' % ', '.join(changed))
    return Verdict(1.0, 'No input array is modified.')


# Training run of val_accuracy: fixed hyper-parameters, per dataset. The
# threshold leaves a clear margin below what the reference reaches (docs/grading.md).
FIT_SETTINGS = {
    'fashion_mnist': {'num_training': 10000, 'threshold': 0.75,
                      'args': {'hidden_size': 50, 'num_classes': 10, 'learning_rate': 1e-3,
                               'learning_rate_decay': 0.95, 'reg': 0.25, 'num_iters': 300,
                               'batch_size': 200, 'seed': 0}},
    'cifar10': {'num_training': 10000, 'threshold': 0.24,
                'args': {'hidden_size': 50, 'num_classes': 10, 'learning_rate': 1e-4,
                         'learning_rate_decay': 0.95, 'reg': 0.25, 'num_iters': 1000,
                         'batch_size': 200, 'seed': 0}},
}
# The notebook's bar for the student's tuned best_net (nbgrader cell).
BEST_NET_THRESHOLDS = {'cifar10': 0.48, 'fashion_mnist': 0.85}
CHANCE_ACCURACY = 0.1


def accuracy_verdict(accuracy, threshold, what, reference_accuracy=None):
    """Full marks at or above threshold, half above the midpoint from chance."""
    detail = '%s: validation accuracy %.3f (needs %.2f' % (what, accuracy, threshold)
    if reference_accuracy is not None:
        detail += '; the reference reaches %.3f' % reference_accuracy
    detail += ')'
    if accuracy >= threshold:
        return Verdict(1.0, detail + '.')
    if accuracy >= (CHANCE_ACCURACY + threshold) / 2:
        return Verdict(0.5, detail + ': the network learns, but not well enough.')
    return Verdict(0.0, detail + ': the network does not learn; fix the checks above first.')


def judge_val_accuracy(evidence):
    y_val = evidence.extra['y_val']
    y_pred = evidence.student('fit')['y_pred']
    accuracy = float(np.mean(y_pred == y_val))
    reference_accuracy = float(np.mean(evidence.reference('fit')['y_pred'] == y_val))
    settings = FIT_SETTINGS[evidence.extra['dataset']]
    return accuracy_verdict(accuracy, settings['threshold'],
                            'Training with fixed settings on %s' % evidence.extra['dataset'],
                            reference_accuracy)


CATALOG = (
    Check('init', 1, True, 'parameter shapes, zero biases, std scale and seeded draw order',
          ('init_toy', 'init_hidden'), judge_init),
    Check('scores', 2, True, 'forward pass scores on the toy model and on hidden sizes',
          ('scores_toy', 'scores_hidden'), judge_scores),
    Check('loss', 2, True, 'softmax loss with reg=0 and reg>0',
          ('loss_toy_noreg', 'loss_toy_reg', 'loss_hidden_noreg', 'loss_hidden_reg'), judge_loss),
    Check('grads', 3, True, 'gradients dW1, db1, dW2, db2 against the reference',
          ('loss_toy_noreg', 'loss_toy_reg', 'loss_hidden_noreg', 'loss_hidden_reg'),
          judge_grads),
    Check('stability', 1, False, 'finite, correct loss for large scores', ('loss_large',),
          judge_stability),
    Check('train', 2, True, 'toy training loss history', ('train_toy',), judge_train),
    Check('sgd', 2, False, 'sampling with replacement, epochs, learning-rate decay',
          ('train_small_set', 'train_epochs'), judge_sgd),
    Check('predict', 1, True, 'predicted labels', ('predict_hidden', 'scores_hidden'),
          judge_predict),
    Check('no_mutation', 1, False, 'loss, predict and train leave their inputs unchanged',
          MUTATION_PROBES, judge_no_mutation),
    Check('val_accuracy', 3, False, 'validation accuracy after training on real data',
          ('fit',), judge_val_accuracy),
)
CHECKS = {check.name: check for check in CATALOG}
DATA_CHECKS = ('val_accuracy',)


def select(names=None, visible_only=False, with_data=True):
    """Checks of the catalog, in catalog order, filtered."""
    chosen = []
    for check in CATALOG:
        if names is not None and check.name not in names:
            continue
        if visible_only and not check.visible:
            continue
        if not with_data and check.name in DATA_CHECKS:
            continue
        chosen.append(check)
    return chosen
