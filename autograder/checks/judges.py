"""The judges of the visible checks: one function per check, from Evidence to a Verdict.

(The hidden checks' judges are in hidden_judges.py: a student copy ships this module
only.)

Each judge compares the student's probe outputs with the reference's
(within the tolerances of tolerances.py), recognises known mistakes (their
ids are in diagnoses.py) and writes the feedback, which speaks to the
student: what is wrong and where to look. catalog.py pairs each judge with
its check's name, points and probes.
"""
import numpy as np

from ..sandbox.child.vocabulary import GRADS_NOT_WRITTEN, PARAM_NAMES
from .markers import not_written_message
from .evidence import StudentError, Verdict
from .probe_ids import CLASS_PROBES, OWN_LOSS
from .tolerances import (FLOAT32_ERROR, GRAD_TOLERANCE, INIT_TOLERANCE, VALUE_TOLERANCE, close,
                         close_numbers, finite, fmt_error, relative_error)


def sentence(text):
    """text as a sentence: capitalised, with a full stop."""
    return text[:1].upper() + text[1:] + '.'


# ---------------------------------------------------------------- judges ---

def judge_init(evidence):
    problems = []
    found = []
    for probe_id in ('init_toy', 'init_hidden'):
        got, want = evidence.student(probe_id), evidence.reference(probe_id)
        std = evidence.args(probe_id)['std']
        for bias in ('b1', 'b2'):
            if np.any(got[bias] != 0):
                problems.append('%s should start at zero' % bias)
                found.append('init_bias_nonzero')
        for weight in ('W1', 'W2'):
            if close(got[weight], want[weight], INIT_TOLERANCE):
                continue
            spread = float(np.std(got[weight]))
            if spread == 0:
                problems.append('%s is all zeros: draw it with std * np.random.randn(...)' % weight)
                found.append('init_wrong')
            elif abs(spread / std - 1) > 0.5:
                problems.append('%s has standard deviation %.2g, expected about std=%g: '
                                'multiply np.random.randn(...) by std' % (weight, spread, std))
                found.append('init_not_scaled')
            else:
                problems.append('%s has the right scale but not the expected values: draw W1 '
                                'first and W2 second, each with std * np.random.randn(rows, '
                                'cols), and nothing else from np.random in between' % weight)
                found.append('init_order')
    if problems:
        return Verdict(0.0, 'Initialisation: ' + '; '.join(dict.fromkeys(problems)) + '.',
                       _unique(found))
    return Verdict(1.0, 'Parameters have the right shapes, scale and seeded values.')


def _unique(items):
    return tuple(dict.fromkeys(items))


def _dtype_note(evidence, probe_ids, outputs):
    """A note naming a float type narrower than float64 in the student's outputs, or ''."""
    for probe_id in probe_ids:
        for output in outputs:
            dtype = evidence.narrow_dtype(probe_id, output)
            if dtype:
                return ('%s is computed in %s: keep every array in float64 (the default); '
                        'the notebook\'s gradient check needs float64 precision' % (output, dtype))
    return ''


def judge_scores(evidence):
    toy_ok = hidden_ok = False
    notes = []
    found = []
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
                found.append('scores_nonfinite')
            elif close(got, evidence.no_relu_scores(probe_id), VALUE_TOLERANCE):
                notes.append('scores on %s match a network without the ReLU: apply '
                             'np.maximum(0, ...) to the hidden layer' % label)
                found.append('relu_missing')
            else:
                notes.append('scores on %s are wrong (relative error %s)'
                             % (label, fmt_error(relative_error(got, want))))
    dtype_note = _dtype_note(evidence, ('scores_toy', 'scores_hidden'), ('scores',))
    if dtype_note and not (toy_ok and hidden_ok):
        notes.append(dtype_note)
        found.append('float32')
    if toy_ok and hidden_ok:
        return Verdict(1.0, 'Forward pass matches the reference scores.')
    if toy_ok:
        return Verdict(0.5, 'Scores are right on the toy model but wrong on other sizes: '
                       'compute with the shapes of X and self.params, never fixed numbers. '
                       + '; '.join(notes) + '.', _unique(found + ['hardcoded_sizes']))
    return Verdict(0.0, 'Forward pass: ' + '; '.join(notes) + '.', _unique(found))


def _loss_value(evidence, probe_id):
    return evidence.student(probe_id)['loss'][0], evidence.reference(probe_id)['loss'][0]


HALVED_CONVENTION = ('the regularisation term is halved: this assignment uses '
                     'reg * (sum(W1**2) + sum(W2**2)) with gradient 2 * reg * W, not the older '
                     'convention 0.5 * reg * sum(W**2) with gradient reg * W')


def _regularisation_hint(evidence, probe_id, got):
    """(hint, diagnosis id) for a loss that is right at reg=0 but wrong at reg>0."""
    arrays, reg = evidence.inputs(probe_id), evidence.args(probe_id)['reg']
    weights = np.sum(arrays['W1'] ** 2) + np.sum(arrays['W2'] ** 2)
    biases = np.sum(arrays['b1'] ** 2) + np.sum(arrays['b2'] ** 2)
    data_loss = evidence.reference(probe_id)['loss'][0] - reg * weights
    candidates = [
        (data_loss, 'the regularisation term is missing from the loss', 'reg_missing'),
        (data_loss + 0.5 * reg * weights, HALVED_CONVENTION, 'reg_halved'),
        (data_loss + reg * (weights + biases), 'the biases are regularised too: only W1 '
                                                'and W2 are', 'biases_regularised'),
        (data_loss + 0.5 * reg * (weights + biases), HALVED_CONVENTION + '; and the biases are '
         'regularised too: only W1 and W2 are', 'reg_halved'),
    ]
    for value, hint, diagnosis in candidates:
        if abs(got - value) <= VALUE_TOLERANCE * max(1.0, abs(value)):
            return hint, diagnosis
    return 'check the term reg * (sum(W1**2) + sum(W2**2))', 'reg_wrong'


def judge_loss(evidence):
    data_ok = reg_ok = True
    notes = []
    found = []
    for noreg_id, reg_id in (('loss_toy_noreg', 'loss_toy_reg'),
                             ('loss_hidden_noreg', 'loss_hidden_reg')):
        got, want = _loss_value(evidence, noreg_id)
        if not close(got, want, VALUE_TOLERANCE):
            data_ok = False
            N = evidence.inputs(noreg_id)['X'].shape[0]
            if close(got, want * N, VALUE_TOLERANCE):
                notes.append('the data loss is summed over the samples instead of averaged: '
                             'divide by N')
                found.append('loss_summed')
            elif noreg_id == 'loss_toy_noreg':
                notes.append('the data loss (reg=0) on the toy model is %.6g, expected %.6g: '
                             'check the softmax cross-entropy and the indexing of the correct '
                             'class' % (got, want))
                found.append('loss_wrong')
            else:
                notes.append('the data loss (reg=0) on a hidden model is wrong (relative error '
                             '%s): check the softmax cross-entropy and the indexing of the '
                             'correct class' % fmt_error(relative_error(got, want)))
                found.append('loss_wrong')
        got_reg, want_reg = _loss_value(evidence, reg_id)
        if not close(got_reg, want_reg, VALUE_TOLERANCE):
            reg_ok = False
            if data_ok:
                hint, diagnosis = _regularisation_hint(evidence, reg_id, got_reg)
                notes.append('the loss is right without regularisation but wrong with reg>0: '
                             + hint)
                found.append(diagnosis)
    if data_ok:
        class_note = _class_loss_note(evidence)
        if class_note:
            notes.append(class_note)
            found.append('classes_from_labels')
            return Verdict(0.5 if reg_ok else 0.0, sentence('; '.join(notes)), _unique(found))
    if not (data_ok and reg_ok):
        dtype_note = _dtype_note(evidence, ('loss_toy_noreg', 'loss_hidden_noreg'), ('loss',))
        if dtype_note:
            notes.append(dtype_note)
            found.append('float32')
    notes = list(dict.fromkeys(notes))
    if data_ok and reg_ok:
        return Verdict(1.0, 'Loss matches the reference with and without regularisation.')
    if data_ok:
        return Verdict(0.5, sentence('; '.join(notes)), _unique(found))
    return Verdict(0.0, sentence('; '.join(notes)), _unique(found))


def class_labels_text(evidence, probe_id):
    """How the labels of a CLASS_PROBES probe fall short of the classes, from the labels."""
    y = evidence.inputs(probe_id)['y']
    C = evidence.inputs(probe_id)['W2'].shape[1]
    present = len(set(y.tolist()))
    if y.size == 1:
        what = 'a single sample (its labels hold 1 of the %d classes)' % C
    elif present == 1:
        what = ('labels that are all %d, the highest class (they hold 1 of the %d classes)'
                % (int(y[0]), C))
    else:
        what = 'a minibatch whose labels hold %d of the %d classes' % (present, C)
    return ('on %s: take the number of classes from the parameters (W2.shape[1] is %d), never '
            'from the labels (len(set(y)) is %d here)' % (what, C, present))


def _class_loss_note(evidence):
    """Why the data loss fails on labels that miss classes (right elsewhere), or ''.

    A probe whose loss() raised is not charged here: its failure costs the
    grads check (where a class count from the labels usually sits: the
    one-hot of the backward pass), which names it.
    """
    for probe_id in CLASS_PROBES:
        got = evidence.student_or_none(probe_id)
        if got is None:
            continue
        want = evidence.reference(probe_id)['loss'][0]
        if not close(got['loss'][0], want, VALUE_TOLERANCE):
            return 'the data loss is wrong %s' % class_labels_text(evidence, probe_id)
    return ''


GRAD_HINTS = {
    'W2': 'dW2 = hidden_activations.T @ dscores, plus 2 * reg * W2',
    'b2': 'db2 is dscores summed over the samples (axis 0)',
    'W1': 'dW1 = X.T @ dhidden, where dhidden is dscores @ W2.T with the ReLU mask '
          '(zero where the hidden pre-activation was not positive); plus 2 * reg * W1',
    'b1': 'db1 is dhidden (after the ReLU mask) summed over the samples (axis 0)',
}
LOSS_PROBES = ('loss_toy_noreg', 'loss_toy_reg', 'loss_hidden_noreg', 'loss_hidden_reg')


def _class_grad_issue(evidence, name):
    """None if name's gradient matches on every CLASS_PROBES probe, else (hint, diagnosis id)."""
    for probe_id in CLASS_PROBES:
        outputs = evidence.student_or_none(probe_id)
        if outputs is None:
            return 'loss(X, y) failed %s' % class_labels_text(evidence, probe_id), \
                'classes_from_labels'
        got = outputs.get('d' + name)
        if got is None or not close(got, evidence.reference(probe_id)['d' + name],
                                    GRAD_TOLERANCE):
            return 'the gradients are wrong %s' % class_labels_text(evidence, probe_id), \
                'classes_from_labels'
    return None


def _grad_issue(evidence, name):
    """None if every loss probe's gradient for name matches, else (hint, diagnosis id)."""
    issue = _standard_grad_issue(evidence, name)
    return issue if issue else _class_grad_issue(evidence, name)


def _standard_grad_issue(evidence, name):
    """None if name's gradient matches on every probe of LOSS_PROBES, else (hint, id)."""
    for probe_id in LOSS_PROBES:
        outputs = evidence.student(probe_id)
        if 'd' + name not in outputs:
            problem = evidence.problem(probe_id, 'd' + name)
            if 'shape' in problem:
                return problem + (' (keepdims=True leaves a (1, n) row: sum with axis=0 and '
                                  'no keepdims, or reshape)' if 'b' in name else ''), 'grad_shape'
            return problem or 'd%s is missing' % name, 'grad_missing'
        got = outputs['d' + name]
        want = evidence.reference(probe_id)['d' + name]
        # Float32 rounding sits at the tolerance: a float32 gradient would pass or not
        # by the draw of the inputs, so it never passes.
        if close(got, want, GRAD_TOLERANCE) and not evidence.narrow_dtype(probe_id, 'd' + name):
            continue
        if not finite(got):
            return 'd%s contains NaN or inf' % name, 'grads_nonfinite'
        reg = evidence.args(probe_id)['reg']
        N = evidence.inputs(probe_id)['X'].shape[0]
        if name.startswith('W') and reg > 0:
            weight = evidence.inputs(probe_id)[name]
            data_part = want - 2 * reg * weight
            if close(got, data_part + reg * weight, GRAD_TOLERANCE):
                return ('d%s is missing the factor 2 of the L2 gradient: d/dW of reg*sum(W**2) '
                        'is 2*reg*W (reg*W belongs to the older 0.5 * reg convention, which '
                        'this assignment does not use)' % name, 'reg_grad_factor_2')
            if close(got, data_part, GRAD_TOLERANCE):
                return ('d%s is missing the regularisation gradient 2*reg*%s' % (name, name),
                        'reg_grad_missing')
        if name.startswith('b') and reg > 0 and close(got, want + 2 * reg * evidence.inputs(
                probe_id)[name], GRAD_TOLERANCE):
            return ('d%s includes a regularisation gradient: the biases are not regularised'
                    % name, 'biases_regularised')
        if close(got, want * N, GRAD_TOLERANCE):
            return 'd%s is N times too large: divide the gradient by N' % name, 'grads_not_divided'
        error = relative_error(got, want)
        dtype = evidence.narrow_dtype(probe_id, 'd' + name) or (
            'float32' if error < FLOAT32_ERROR else '')
        if dtype:
            return ('d%s is off by relative error %s, the size of %s rounding: keep every array '
                    'in float64, with no astype(np.float32) or dtype=np.float32 (the notebook\'s '
                    'gradient check needs float64 precision)' % (name, fmt_error(error), dtype),
                    'float32')
        return 'd%s is wrong (relative error %s): %s' % (
            name, fmt_error(relative_error(got, want)), GRAD_HINTS[name]), 'grad_wrong'
    return None


def judge_grads(evidence):
    issues = {name: _grad_issue(evidence, name) for name in PARAM_NAMES}
    if all(issues[name] and issues[name][0] == GRADS_NOT_WRITTEN for name in PARAM_NAMES):
        return Verdict(0.0, sentence('%s: loss(X, y) returns None for the gradients'
                                     % not_written_message('loss', 'backward pass')))
    wrong = [name for name in PARAM_NAMES if issues[name]]
    right = [name for name in PARAM_NAMES if not issues[name]]
    if not wrong:
        return Verdict(1.0, 'All four gradients match the reference (relative error < %g).'
                       % GRAD_TOLERANCE)
    lines = list(dict.fromkeys(issues[name][0] for name in wrong))
    found = [issues[name][1] for name in wrong]
    if 'W1' in wrong and 'W2' in right and issues['W1'][1] == 'grad_wrong':
        lines.insert(0, 'dW1 is wrong but dW2 is right: check the ReLU mask in the backward pass')
        found.insert(0, 'relu_mask_missing')
    summary = '%s wrong%s' % (', '.join('d' + n for n in wrong),
                              ('; %s right' % ', '.join('d' + n for n in right)) if right else '')
    return Verdict(len(right) / 4.0, 'Gradients: %s. %s.' % (summary, '; '.join(lines)),
                   _unique(found))


def _own_loss_note(evidence, probe_id):
    """Information on the student's run with their own loss, when it differs from the
    same run with the reference loss (the student's own, else the reference's)."""
    own = evidence.student_or_none(probe_id + OWN_LOSS)
    want = evidence.reference(probe_id)['loss_history']
    served_run = evidence.student_or_none(probe_id)
    if served_run is not None and evidence.served_losses(probe_id) is not None:
        want = served_run['loss_history']
    if own is None:
        return ' For information: with your own loss() this run fails.'
    history = own['loss_history']
    if history.shape == want.shape and close(history, want, VALUE_TOLERANCE):
        return ''
    return (' For information (no points lost here): with your own loss() this run ends at '
            'loss %.4g instead of %.4g; fix the loss or grads checks first.'
            % (history[-1] if history.size else float('nan'),
               want[-1] if want.size else float('nan')))


def judge_train(evidence):
    """The update rule, replayed on the student's own minibatches with the loss served
    (the reference's, or in a copy without it the stand-in's: stand_in_loss.py)."""
    got = evidence.student('train_hidden')
    stuck = stuck_parameters(evidence, 'train_hidden', got)
    issue = sgd_issue(evidence, 'train_hidden', got, stuck)
    update_right = issue is None and not stuck
    toy = _stand_in_note(evidence, 'train_hidden') + _toy_note(evidence, update_right)
    if update_right:
        return Verdict(1.0, 'Training follows params -= learning_rate * grads on its own '
                       'minibatches, one loss() call per iteration, and loss_history holds the '
                       'losses loss() returned.%s' % toy)
    hints, found = [], []
    if stuck:
        hints.append('%s never change%s: update every parameter in self.params'
                     % (', '.join(stuck), '' if len(stuck) > 1 else 's'))
        found.append('param_not_updated')
    if issue is not None:
        hints.append(issue[0])
        found.append(issue[1])
    # Every parameter it does update follows the rule: half the points.
    fraction = 0.5 if issue is None and len(stuck) < len(PARAM_NAMES) else 0.0
    return Verdict(fraction, 'Training on hidden data: %s.%s' % ('; '.join(hints), toy),
                   _unique(found))


def _stand_in_note(evidence, probe_id):
    """What answered loss() in probe_id's run, where it was not the reference: '' or a
    sentence (a copy without the reference serves the stand-in loss: stand_in_loss.py)."""
    if not evidence.served_stand_in(probe_id):
        return ''
    return (' This copy has no reference solution, so the grader answered that run\'s loss() '
            'calls with a stand-in loss; the update is judged with it the same way as with the '
            'reference loss when you are graded.')


def _toy_note(evidence, update_right=True):
    """Information on the notebook's toy run (no points: sampling, epochs and decay are sgd's).
    update_right: the judged run follows the update rule (else the feedback names its mistake)."""
    want = evidence.reference('train_toy')['loss_history']
    if not evidence.was_served('train_toy'):
        return _own_toy_note(evidence, want, update_right)
    info = _own_loss_note(evidence, 'train_toy')
    try:
        history = evidence.student('train_toy')['loss_history']
    except StudentError:
        return (' For information: the notebook\'s toy run (5 samples, batch_size 200) '
                'failed; sampling, epochs and decay are graded by the sgd check.')
    if history.shape == want.shape and close(history, want, VALUE_TOLERANCE):
        return ' Toy training follows the reference exactly; final loss %.4f.%s' % (
            history[-1], info)
    return (' For information: the notebook\'s toy run ends at loss %.4g instead of %.4f; '
            'sampling, epochs and decay are graded by the sgd check.%s'
            % (history[-1] if history.size else float('nan'), want[-1], info))


def _own_toy_note(evidence, want, update_right):
    """Information on the notebook's toy run where it ran on the student's own loss (a copy
    without the reference): no points, whatever the loss or the sampling does to it. A run
    that ends elsewhere points at loss and grads, or at the update mistake train names."""
    own = evidence.student_or_none('train_toy')
    if own is None:
        return (' For information: the notebook\'s toy run (5 samples, batch_size 200) failed '
                'with your own loss(); sampling, epochs and decay are graded by the sgd check.')
    history = own['loss_history']
    if history.shape == want.shape and close(history, want, VALUE_TOLERANCE):
        return (' Toy training with your own loss() follows the reference exactly; final loss '
                '%.4f.' % history[-1])
    cause = ('a loss or grads mistake shows there (fix those checks first)' if update_right
             else 'the update mistake shows there too')
    return (' For information (no points lost here): with your own loss() the notebook\'s toy '
            'run ends at loss %.4g instead of %.4f; %s, and sampling, epochs and decay are '
            'graded by the sgd check.'
            % (history[-1] if history.size else float('nan'), want[-1], cause))


def stuck_parameters(evidence, probe_id, got):
    """Names of the parameters a training run left at their initial values."""
    start = evidence.inputs(probe_id)
    return [name for name in PARAM_NAMES if np.array_equal(got['final_' + name], start[name])]


def sgd_issue(evidence, probe_id, got, frozen=()):
    """None when probe_id's run is SGD on its own minibatches, else (hint, diagnosis id).
    Worked out once per submission (the train and val_accuracy checks both ask); got is
    the student's outputs of probe_id.

    SGD here: loss() called once per iteration on batch_size rows of X with
    their labels, loss_history holding the losses it returned, and every
    parameter (but those in frozen) updated by params -= learning_rate *
    grads, which the grader replays with the reference loss on the same
    minibatches (the probe has no decay: learning_rate stays constant).
    """
    return evidence.once(('sgd_issue', probe_id, tuple(frozen)),
                         lambda: _sgd_issue(evidence, probe_id, got, frozen))


def _sgd_issue(evidence, probe_id, got, frozen):
    args, arrays = evidence.args(probe_id), evidence.inputs(probe_id)
    batches, served = evidence.minibatches(probe_id), evidence.served_losses(probe_id)
    steps, size = args['num_iters'], args['batch_size']
    if len(batches) != steps:
        return ('loss(X_batch, y=y_batch, reg=reg) was called %d times in %d iterations: call '
                'it once per iteration and update the parameters with its gradients'
                % (len(batches), steps), 'sgd_not_followed')
    sizes = sorted({X.shape[0] for X, _ in batches})
    if sizes != [size]:
        return ('the minibatches have %s rows, expected batch_size=%d'
                % (', '.join(map(str, sizes)), size), 'sgd_not_followed')
    if not _rows_with_labels(arrays, batches):
        return ('the minibatches are not rows of X with their labels from y',
                'sgd_not_followed')
    history = got['loss_history']
    if history.size != len(served) or not np.array_equal(np.asarray(served), history):
        return ('loss_history does not hold the values that self.loss(X_batch, y=y_batch, '
                'reg=reg) returned at each iteration: call it once per iteration and append '
                'its loss', 'history_not_served_loss')
    for sign in (1.0, -1.0):
        if _replays(evidence, probe_id, got, sign * args['learning_rate'], frozen):
            if sign > 0:
                return None
            return ('the update goes up the gradient: params -= learning_rate * grads, not +=',
                    'update_uphill')
    return ('the parameters do not follow params -= learning_rate * grads with the gradients '
            'loss() returned (the grader replayed that update on your minibatches)',
            'sgd_not_followed')


def _rows_with_labels(arrays, batches):
    """True when every minibatch row is a row of X, paired with its label from y."""
    labels = {}
    for row, label in zip(arrays['X'], arrays['y']):
        labels.setdefault(row.tobytes(), set()).add(float(label))
    return all(float(label) in labels.get(row.tobytes(), ())
               for X, y in batches for row, label in zip(np.asarray(X, dtype=np.float64),
                                                         np.asarray(y, dtype=np.float64)))


def _replays(evidence, probe_id, got, learning_rate, frozen):
    """True when the reference update with learning_rate reproduces the run's losses and
    final parameters on its minibatches (frozen parameters held fixed)."""
    params = {name: np.array(evidence.inputs(probe_id)[name]) for name in PARAM_NAMES}
    reg = evidence.args(probe_id)['reg']
    for (X, y), served in zip(evidence.minibatches(probe_id), evidence.served_losses(probe_id)):
        loss, grads = evidence.reference_loss(params, X, y, reg)
        if not close_numbers(served, loss, VALUE_TOLERANCE):   # both Python floats
            return False
        for name in PARAM_NAMES:
            if name not in frozen:
                params[name] = params[name] - learning_rate * grads[name]
    return all(close(got['final_' + name], params[name], VALUE_TOLERANCE)
               for name in PARAM_NAMES)


def judge_predict(evidence):
    got = evidence.student('predict_hidden')['y_pred']
    want = evidence.reference('predict_hidden')['y_pred']
    if np.array_equal(got, want):
        return Verdict(1.0, 'Predictions match the reference.')
    scores = evidence.reference_scores('predict_hidden')
    if scores is not None and np.array_equal(got, np.argmin(scores, axis=1)):
        return Verdict(0.0, 'predict returns the class with the lowest score: use np.argmax.',
                       ('predict_argmin',))
    return Verdict(0.0, 'predict disagrees with the reference on %d of %d samples: return '
                   'np.argmax(scores, axis=1).' % (int(np.sum(got != want)), got.size),
                   ('predict_wrong',))


def judge_markers(evidence):
    intact, warning = evidence.extra['markers']
    if intact:
        return Verdict(1.0, 'The START/END CODE marker lines are intact.')
    return Verdict(0.0, warning.replace(' (graded as usual)', '') + ' This course requires '
                   'them exactly as in the original neural_net.py.', ('markers',))
