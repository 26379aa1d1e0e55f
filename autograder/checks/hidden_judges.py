"""The judges of the hidden checks (stability, sgd, no_mutation, val_accuracy).

Apart from judges.py (the visible checks' judges, which a student copy ships) so the
copy holds none of these definitions or thresholds: the release leaves this module out
of the export and the hidden entries out of its catalog (release/generate.py).
"""
import numpy as np

from ..sandbox.child.vocabulary import INPUT_AFTER, PARAM_NAMES
from .evidence import StudentError, Verdict
from .judges import _unique, sgd_issue, stuck_parameters
from .probe_ids import MUTATION_PROBES, NO_DECAY
from .probe_inputs import STABILITY_OFFSET, forward_labels
from .thresholds import CHANCE_ACCURACY, FIT_SETTINGS
from .tolerances import VALUE_TOLERANCE, close, finite, fmt_error, relative_error


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


# The outputs of a training run that its SGD alone decides (the train and sgd checks'
# scope); the run's accuracy histories come from predict and are judged at predict.
SGD_OUTPUTS = ('loss_history',) + tuple('final_' + name for name in PARAM_NAMES)


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
    return not _sgd_differences(got, want)


def _sgd_differences(got, want):
    """Names of the SGD_OUTPUTS of a run that differ from the reference's."""
    return [key for key in SGD_OUTPUTS if not close(got[key], want[key], VALUE_TOLERANCE)]


def _mismatch_note(got, want, what):
    """What differs in a training run, as a hint."""
    return '%s does not match the reference (%s differ)' % (
        what, ', '.join(_sgd_differences(got, want)))


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
    """Accuracy on held-out images (never sent to the child) of the network the student's
    train trained, counted only when that train is SGD (the train check's criteria)."""
    not_sgd = _not_sgd_reason(evidence) or _untrained_on_real_data(evidence)
    if not_sgd:
        return Verdict(0.0, 'The accuracy counts only a network trained by SGD, and your train '
                       'is not: %s.' % not_sgd, ('sgd_not_followed',))
    X_held, y_held = evidence.extra['held_out']
    accuracy = trained_accuracy(evidence.student('fit'), X_held, y_held)
    # The grader gives the reference's, the same for every submission, computed once.
    reference_accuracy = evidence.extra.get('reference_accuracy')
    if reference_accuracy is None:
        reference_accuracy = trained_accuracy(evidence.reference('fit'), X_held, y_held)
    settings = FIT_SETTINGS[evidence.extra['dataset']]
    return accuracy_verdict(accuracy, settings['threshold'],
                            'Training with fixed settings on %s, measured on held-out images'
                            % evidence.extra['dataset'], reference_accuracy)


# TwoLayerNet's default std: the real-data run builds its net as TwoLayerNet(D, H, C).
FIT_INIT_STD = 1e-4


def _untrained_on_real_data(evidence):
    """Why the real-data run itself was not SGD, or '': its first layer W1 left exactly at
    the values the seeded TwoLayerNet(D, H, C) starts from. SGD moves W1 at every step; a
    fit of the output layer alone (on the real data only, SGD on the small runs) leaves it
    where it started. The grader rebuilds that start from the seed (the reference's first
    draw), not from anything the child reports. Only W1: a file that leaves a bias out of
    its update is charged at train and sgd, not here."""
    got, args = evidence.student('fit'), evidence.args('fit')
    shape = (evidence.inputs('fit')['X'].shape[1], args['hidden_size'])
    start = FIT_INIT_STD * np.random.RandomState(args['seed']).randn(*shape)
    if not np.array_equal(got['final_W1'], start):
        return ''
    return ('on the real-data run W1 never left its initial values, and SGD updates it at '
            'every step')


def _not_sgd_reason(evidence):
    """Why the student's train is not SGD on the train check's hidden run, or '' (also
    '' where no loss was served, so nothing can be replayed)."""
    if evidence.served_losses('train_hidden') is None:
        return ''
    try:
        got = evidence.student('train_hidden')
    except StudentError:
        return 'train failed on the train check\'s hidden run'
    issue = sgd_issue(evidence, 'train_hidden', got,
                      stuck_parameters(evidence, 'train_hidden', got))
    return issue[0] if issue else ''
