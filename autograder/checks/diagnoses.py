"""Stable ids of the mistakes the judges recognise, with a short label each.

A judge that recognises a known mistake attaches its id to the verdict; the
results JSON stores the ids of every check, and the class report groups
students by them (never by parsing feedback text). Ids are part of the result
schema: rename one only together with a schema version bump.
"""

LABELS = {
    # forward pass and loss
    'relu_missing': 'forward pass without the ReLU',
    'hardcoded_sizes': 'sizes written as numbers instead of taken from the arrays',
    'scores_nonfinite': 'scores contain NaN or inf',
    'loss_summed': 'data loss summed over the samples instead of averaged',
    'loss_wrong': 'softmax cross-entropy data loss wrong',
    'reg_missing': 'regularisation term missing from the loss',
    'reg_halved': 'regularisation loss halved (0.5 * reg, an older convention)',
    'biases_regularised': 'biases included in the L2 penalty',
    'reg_wrong': 'regularisation term wrong',
    'float32': 'computed in float32 instead of float64',
    'classes_from_labels': 'number of classes taken from the labels instead of from W2',
    # numerical stability
    'softmax_overflow': 'softmax not shifted: exp overflows for large scores',
    'softmax_log_underflow': 'log of normalised probabilities underflows at extreme scores',
    'stability_wrong_value': 'loss wrong for large scores',
    # backward pass
    'relu_mask_missing': 'backward pass ignores the ReLU mask',
    'reg_grad_factor_2': 'L2 gradient reg*W instead of 2*reg*W',
    'reg_grad_missing': 'L2 gradient missing',
    'grads_not_divided': 'gradients not divided by N',
    'grad_shape': 'gradient with the wrong shape (e.g. (1, C) bias gradient)',
    'grad_missing': 'gradient missing from the dict',
    'grads_nonfinite': 'gradients contain NaN or inf',
    'grad_wrong': 'gradient wrong',
    # training
    'param_not_updated': 'a parameter is never updated',
    'no_lr_decay': 'learning rate never decays',
    'update_uphill': 'update goes up the gradient',
    'history_length': 'loss or accuracy history of the wrong length',
    'history_not_served_loss': 'loss_history does not record the losses that loss() returned',
    'sampling': 'minibatches not sampled with replacement as specified',
    'sgd_not_followed': 'train does not update by params -= learning_rate * grads of one '
                        'loss() call per iteration on batch_size samples',
    'train_wrong': 'training run differs from the reference',
    # init, predict, inputs
    'init_not_scaled': 'initial weights not multiplied by std',
    'init_order': 'initial weights drawn in another order',
    'init_bias_nonzero': 'biases not initialised to zero',
    'init_wrong': 'initialisation wrong',
    'predict_argmin': 'predict returns the lowest-scoring class',
    'predict_wrong': 'predictions wrong',
    'input_mutated': 'an input array is modified in place',
    'low_accuracy': 'validation accuracy below the threshold',
    # whole submission
    'python2': 'Python 2 file',
    'syntax_error': 'syntax error',
    'no_class': 'no TwoLayerNet class',
    'missing_import': 'imports a module the grader does not provide',
    'import_failed': 'neural_net.py fails when loaded',
    'no_file': 'no gradable neural_net.py',
    'timeout': 'time limit reached',
    'crashed': 'process killed or exited',
    'markers': 'START/END marker lines missing or edited',
    'foreign_loss_calls': "asked the grader's reference loss under another test's id",
}


def label(diagnosis_id):
    """Short human-readable description of a diagnosis id (the id itself if unknown)."""
    return LABELS.get(diagnosis_id, diagnosis_id.replace('_', ' '))
