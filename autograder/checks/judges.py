"""The judges: one function per check, from Evidence to a Verdict.

Each judge compares the student's probe outputs with the reference's
(within the tolerances of tolerances.py), recognises known mistakes (their
ids are in diagnoses.py) and writes the feedback, which speaks to the
student: what is wrong and where to look. catalog.py pairs each judge with
its check's name, points and probes.
"""
import numpy as np

from ..sandbox.child.probes import INPUT_AFTER, PARAM_NAMES
from .evidence import StudentError, Verdict
from .probe_inputs import NO_DECAY, OWN_LOSS, STABILITY_OFFSET, forward_labels
from .tolerances import (CHANCE_ACCURACY, FIT_SETTINGS, FLOAT32_ERROR, GRAD_TOLERANCE,
                         INIT_TOLERANCE, TOY_FINAL_LOSS_BAR, VALUE_TOLERANCE, close, finite,
                         fmt_error, relative_error)


def sentence(text):
    """text as a sentence: capitalised, with a full stop."""
    return text[:1].upper() + text[1:] + '.'


def _linear_scores(arrays):
    """Scores without the ReLU: a frequent slip."""
    return (arrays['X'].dot(arrays['W1']) + arrays['b1']).dot(arrays['W2']) + arrays['b2']


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
            elif close(got, _linear_scores(evidence.inputs(probe_id)), VALUE_TOLERANCE):
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


GRAD_HINTS = {
    'W2': 'dW2 = hidden_activations.T @ dscores, plus 2 * reg * W2',
    'b2': 'db2 is dscores summed over the samples (axis 0)',
    'W1': 'dW1 = X.T @ dhidden, where dhidden is dscores @ W2.T with the ReLU mask '
          '(zero where the hidden pre-activation was not positive); plus 2 * reg * W1',
    'b1': 'db1 is dhidden (after the ReLU mask) summed over the samples (axis 0)',
}
LOSS_PROBES = ('loss_toy_noreg', 'loss_toy_reg', 'loss_hidden_noreg', 'loss_hidden_reg')


def _grad_issue(evidence, name):
    """None if every loss probe's gradient for name matches, else (hint, diagnosis id)."""
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
    wrong = [name for name in PARAM_NAMES if issues[name]]
    right = [name for name in PARAM_NAMES if not issues[name]]
    if not wrong:
        return Verdict(1.0, 'All four gradients match the reference (relative error < %g).'
                       % GRAD_TOLERANCE)
    lines = [issues[name][0] for name in wrong]
    found = [issues[name][1] for name in wrong]
    if 'W1' in wrong and 'W2' in right and issues['W1'][1] == 'grad_wrong':
        lines.insert(0, 'dW1 is wrong but dW2 is right: check the ReLU mask in the backward pass')
        found.insert(0, 'relu_mask_missing')
    summary = '%s wrong%s' % (', '.join('d' + n for n in wrong),
                              ('; %s right' % ', '.join('d' + n for n in right)) if right else '')
    return Verdict(len(right) / 4.0, 'Gradients: %s. %s.' % (summary, '; '.join(lines)),
                   _unique(found))


def judge_stability(evidence):
    got = evidence.student('loss_large')
    want = evidence.reference('loss_large')
    if not finite(got['loss']) or not all(finite(got.get('d' + n, 0.0)) for n in PARAM_NAMES):
        return Verdict(0.0, 'Overflow: with scores around %g the loss or its gradients become '
                       'NaN or inf, because np.exp of such scores is inf. Subtract each row\'s '
                       'maximum score (scores - scores.max(axis=1, keepdims=True)) before '
                       'np.exp.' % STABILITY_OFFSET, ('softmax_overflow',))
    if not close(got['loss'], want['loss'], VALUE_TOLERANCE):
        return Verdict(0.0, 'With scores around %g (a few units apart) the loss stays finite but '
                       'is wrong (relative error %s): compute the softmax loss of the shifted '
                       'scores exactly, without clipping or adding a small constant (if the loss '
                       'check fails too, fix that first).'
                       % (STABILITY_OFFSET, fmt_error(relative_error(got['loss'], want['loss']))),
                       ('stability_wrong_value',))
    feedback = 'Loss stays finite and correct for scores around %g.' % STABILITY_OFFSET
    extreme = evidence.student_or_none('loss_extreme')
    if extreme is not None and not finite(extreme['loss']):
        return Verdict(1.0, feedback + ' Tip (no points lost): when scores differ by thousands, '
                       'the loss becomes inf or NaN because probabilities underflow to 0 before '
                       'the log; shifting each row by its own maximum and using log-sum-exp, '
                       'shifted[y] - log(sum(exp(shifted))), stays finite.',
                       ('softmax_log_underflow',))
    return Verdict(1.0, feedback)


def _history_note(got, want, label):
    if got.shape != want.shape:
        return '%s has %d entries, expected %d' % (label, got.size, want.size)
    return None


def _own_loss_note(evidence, probe_id):
    """Information on the student's run with their own loss, when it differs."""
    own = evidence.student_or_none(probe_id + OWN_LOSS)
    want = evidence.reference(probe_id)['loss_history']
    if evidence.served_losses(probe_id) is None:
        return (' (Self-check: training ran with your own loss(), so a loss or gradient '
                'mistake shows here too; when you are graded, train runs with the reference '
                'loss.)')
    if own is None:
        return ' For information: with your own loss() this run fails.'
    history = own['loss_history']
    if history.shape == want.shape and close(history, want, VALUE_TOLERANCE):
        return ''
    return (' For information (no points lost here): with your own loss() this run ends at '
            'loss %.4g instead of %.4f; fix the loss or grads checks first.'
            % (history[-1] if history.size else float('nan'), want[-1]))


def judge_train(evidence):
    got = evidence.student('train_toy')
    want = evidence.reference('train_toy')
    history, expected = got['loss_history'], want['loss_history']
    info = _own_loss_note(evidence, 'train_toy')
    note = _history_note(history, expected, 'loss_history')
    if note:
        return Verdict(0.0, 'Toy training: %s: append the minibatch loss once per iteration.%s'
                       % (note, info), ('history_length',))
    if close(history, expected, VALUE_TOLERANCE):
        hidden = evidence.student_or_none('train_hidden')
        differ = None if hidden is None else _train_differences(
            hidden, evidence.reference('train_hidden'), TRAINED_OUTPUTS)
        if differ is None or differ:
            what = 'it failed' if differ is None else ', '.join(differ) + ' differ'
            return Verdict(0.5, 'Toy training follows the reference exactly, but a training run '
                           'on other data does not (%s): compute everything from the arguments '
                           'of train, never from stored numbers.%s' % (what, info),
                           ('train_wrong',))
        return Verdict(1.0, 'Toy training follows the reference exactly; final loss %.4f.%s'
                       % (history[-1], info))
    served = evidence.served_losses('train_toy')
    if served is not None and (len(served) != history.size
                               or not np.array_equal(np.asarray(served), history)):
        return Verdict(0.0, 'Toy training: loss_history does not hold the values that '
                       'self.loss(X_batch, y=y_batch, reg=reg) returned at each iteration: call '
                       'it once per iteration and append its loss.%s' % info,
                       ('history_not_served_loss',))
    hints, found = _training_diagnosis(evidence, 'train_toy', got)
    if finite(history) and history[-1] < TOY_FINAL_LOSS_BAR:
        detail = '; '.join(hints) if hints else (
            'its loss history differs from the reference: sample batches with '
            'np.random.choice(num_train, batch_size) and update every parameter with '
            '-= learning_rate * grad')
        return Verdict(0.5, 'Toy training reaches final loss %.4f (below %g), but %s.%s'
                       % (history[-1], TOY_FINAL_LOSS_BAR, detail, info),
                       found or ('train_wrong',))
    if finite(history) and history[-1] > history[0]:
        return Verdict(0.0, 'Toy training makes the loss grow (%.3g to %.3g): the update must '
                       'go against the gradient (params -= learning_rate * grads).%s'
                       % (history[0], history[-1], info), ('update_uphill',))
    detail = ('; '.join(hints) + '. ') if hints else ''
    return Verdict(0.0, 'Toy training ends at loss %.4g, expected %.4f: %scheck the parameter '
                   'update and the batch sampling.%s' % (history[-1], expected[-1], detail, info),
                   found or ('train_wrong',))


def _training_diagnosis(evidence, probe_id, got):
    """(hints, diagnosis ids) of known training mistakes recognisable from a run's outputs."""
    hints, found = [], []
    start = evidence.inputs(probe_id)
    stuck = [name for name in PARAM_NAMES if np.array_equal(got['final_' + name], start[name])]
    if stuck:
        hints.append('%s never changes: update every parameter in self.params'
                     % ', '.join(stuck))
        found.append('param_not_updated')
    batch = evidence.first_batch(probe_id)
    if batch is not None and not np.array_equal(batch, _specified_first_batch(evidence,
                                                                              probe_id)):
        hints.append('the minibatches differ from X[np.random.choice(num_train, batch_size)] '
                     '(sampling with replacement, one call per iteration, before anything else '
                     'draws from np.random)')
        found.append('sampling')
    no_decay = evidence.reference_or_none(probe_id + NO_DECAY)
    if no_decay is not None and close(got['loss_history'], no_decay['loss_history'],
                                      VALUE_TOLERANCE):
        hints.append('the learning rate never decays: multiply it by learning_rate_decay '
                     'once per epoch')
        found.append('no_lr_decay')
    return hints, found


# What training produces apart from predict: the train check's scope.
TRAINED_OUTPUTS = ('loss_history',) + tuple('final_' + name for name in PARAM_NAMES)
TRAIN_OUTPUTS = TRAINED_OUTPUTS + ('train_acc_history', 'val_acc_history')


def _specified_first_batch(evidence, probe_id):
    """The first minibatch the specified sampling draws in probe_id's run (B, D)."""
    args, X = evidence.args(probe_id), evidence.inputs(probe_id)['X']
    draws = np.random.RandomState(args['seed'])   # the stream np.random.seed(seed) gives
    draws.randn(args.get('skip_normals', 0))
    return X[draws.choice(X.shape[0], args['batch_size'])]


def _sgd_matches(got, want):
    """Whether a run's training matches (loss history, final weights). Its accuracy
    histories come from predict, judged at predict: how many labels a wrong predict gets
    right, and so whether its accuracies happen to equal the reference's, depends on the
    draw of the inputs."""
    return not _train_differences(got, want, TRAINED_OUTPUTS)


def _train_differences(got, want, keys=TRAIN_OUTPUTS):
    """Names of the training outputs (of keys) that differ from the reference's."""
    return [key for key in keys if not close(got[key], want[key], VALUE_TOLERANCE)]


def _mismatch_note(got, want, what):
    """What differs in a training run, as a hint."""
    return '%s does not match the reference (%s differ)' % (
        what, ', '.join(_train_differences(got, want, TRAINED_OUTPUTS)))


def judge_sgd(evidence):
    notes = []
    found = []
    points = 0.0
    try:
        small = evidence.student('train_small_set')
    except StudentError as failure:
        notes.append('training on fewer samples than batch_size failed (%s): sample with '
                     'replacement, np.random.choice(num_train, batch_size)' % failure)
        found.append('sampling')
    else:
        if _sgd_matches(small, evidence.reference('train_small_set')):
            points += 0.5
        else:
            hints, ids = _training_diagnosis(evidence, 'train_small_set', small)
            notes.extend(hints or [_mismatch_note(small, evidence.reference('train_small_set'),
                                                  'training with fewer samples than batch_size')])
            found.extend(ids or ['train_wrong'])
    epochs = evidence.student('train_epochs')
    want = evidence.reference('train_epochs')
    per_epoch = False
    for key in ('train_acc_history', 'val_acc_history'):
        note = _history_note(epochs[key], want[key], key)
        if note:
            per_epoch = True
            notes.append('%s: record accuracies once per epoch (every max(num_train / '
                         'batch_size, 1) iterations)' % note)
            found.append('history_length')
    if not per_epoch and _sgd_matches(epochs, want):
        points += 0.5
    elif not per_epoch:
        hints, ids = _training_diagnosis(evidence, 'train_epochs', epochs)
        notes.extend(hints or [_mismatch_note(epochs, want, 'multi-epoch training')])
        found.extend(ids or ['train_wrong'])
    if not notes:
        return Verdict(1.0, 'Minibatch sampling, epochs and learning-rate decay behave as '
                       'specified.')
    return Verdict(points, 'SGD details: %s.' % '; '.join(dict.fromkeys(notes)), _unique(found))


def judge_predict(evidence):
    got = evidence.student('predict_hidden')['y_pred']
    want = evidence.reference('predict_hidden')['y_pred']
    if np.array_equal(got, want):
        return Verdict(1.0, 'Predictions match the reference.')
    arrays = evidence.inputs('predict_hidden')
    lowest = forward_labels(dict(arrays, W2=-arrays['W2'], b2=-arrays['b2']))
    if np.array_equal(got, lowest):
        return Verdict(0.0, 'predict returns the class with the lowest score: use np.argmax.',
                       ('predict_argmin',))
    return Verdict(0.0, 'predict disagrees with the reference on %d of %d samples: return '
                   'np.argmax(scores, axis=1).' % (int(np.sum(got != want)), got.size),
                   ('predict_wrong',))


MUTATION_PROBES = ('scores_toy', 'loss_toy_reg', 'predict_hidden', 'train_toy')
MUTATION_INPUTS = {
    'scores': ('X',), 'loss': ('X', 'y'), 'predict': ('X',), 'train': ('X', 'X_val', 'y', 'y_val'),
}


def judge_no_mutation(evidence):
    """Compares the inputs as the student's calls left them (sent back as data) with the
    grader's own copies: no comparison is made in the student's process."""
    changed = []
    observed = [probe_id for probe_id in MUTATION_PROBES
                if evidence.student_or_none(probe_id) is not None]
    if not observed:
        raise StudentError('none of loss, predict or train ran without an error, so their '
                           'effect on the inputs could not be observed')
    for probe_id in observed:
        after = evidence.student(probe_id)
        method = probe_id.split('_')[0]
        changed.extend('%s() changed %s' % (method, name)
                       for name in sorted(MUTATION_INPUTS[method])
                       if not np.array_equal(after[INPUT_AFTER + name],
                                             np.ravel(evidence.inputs(probe_id)[name])))
    if changed:
        return Verdict(0.0, 'Inputs were modified in place: %s. Work on new arrays (e.g. '
                       'X - m rather than X -= m).' % ', '.join(changed), ('input_mutated',))
    return Verdict(1.0, 'No input array is modified.')


def accuracy_verdict(accuracy, threshold, what, reference_accuracy=None):
    """Full marks at or above threshold, half above the midpoint from chance."""
    detail = '%s: validation accuracy %.3f (needs %.2f' % (what, accuracy, threshold)
    if reference_accuracy is not None:
        detail += '; the reference reaches %.3f' % reference_accuracy
    detail += ')'
    if accuracy >= threshold:
        return Verdict(1.0, detail + '.')
    if accuracy >= (CHANCE_ACCURACY + threshold) / 2:
        return Verdict(0.5, detail + ': the network learns, but not well enough.',
                       ('low_accuracy',))
    return Verdict(0.0, detail + ': the network does not learn; fix the checks above first.',
                   ('low_accuracy',))


def trained_accuracy(outputs, X_val, y_val):
    """Validation accuracy of trained parameters ('final_W1'...) with the grader's forward pass.

    The student's predict plays no part: a predict that looks labels up or
    memorises the training set cannot raise it.
    """
    params = {name: outputs['final_' + name] for name in PARAM_NAMES}
    with np.errstate(all='ignore'):
        y_pred = forward_labels(dict(params, X=X_val))
    return float(np.mean(y_pred == y_val))


def judge_val_accuracy(evidence):
    y_val = evidence.extra['y_val']
    X_val = evidence.inputs('fit')['X_val']
    accuracy = trained_accuracy(evidence.student('fit'), X_val, y_val)
    reference_accuracy = trained_accuracy(evidence.reference('fit'), X_val, y_val)
    settings = FIT_SETTINGS[evidence.extra['dataset']]
    return accuracy_verdict(accuracy, settings['threshold'],
                            'Training with fixed settings on %s' % evidence.extra['dataset'],
                            reference_accuracy)


def judge_markers(evidence):
    intact, warning = evidence.extra['markers']
    if intact:
        return Verdict(1.0, 'The START/END CODE marker lines are intact.')
    return Verdict(0.0, warning.replace(' (graded as usual)', '') + ' This course requires '
                   'them exactly as in the original neural_net.py.', ('markers',))
