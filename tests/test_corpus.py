"""A corpus of realistic student files loses points exactly where it should.

Each file in tests/corpus/ is a complete neural_net.py as one student would
hand it in: most start from the stub's START/END regions, a few from the
older template with banner comments, some with the markers deleted or
edited. EXPECTED maps every file to the checks it must lose points at and to
text the feedback of those checks must contain. Correct files (an empty set)
must get full marks whatever their style.

Rows marked "measure" depend on measured numbers (validation accuracy after
training, floating-point error just above a tolerance); the figure is in the
comment.
"""
import os

import pytest

from autograder import checks
from corpus_families import FAMILY
from helpers import CORPUS, needs_fashion_mnist

ALL = frozenset(check.name for check in checks.CATALOG)
FULL = frozenset()


# Keys of the feedback dict that are not checks: text of the submission's
# one reason (result.problem) and of its warnings.
PROBLEM, WARNING = '(problem)', '(warning)'


def lose(*names):
    return frozenset(names)


EXPECTED = {
    # ------------------------------------------------------ correct styles ---
    'loop_loss_per_sample': (FULL, {}),             # loop over the samples for the loss
    'loop_grads_per_sample': (FULL, {}),            # loops (np.outer) for the gradients too
    'vectorised_terse': (FULL, {}),                 # one-liners, docstrings and TODOs deleted
    'onehot_by_hand': (FULL, {}),                   # one-hot matrix filled in a loop
    'onehot_np_eye': (FULL, {}),                    # np.eye(C)[y]
    'classic_shift_normalise_log': (FULL, {'stability': 'Tip (no points lost)'}),      # row-max shift, normalise, -log(probs[range(N), y])
    'log_sum_exp': (FULL, {}),                      # log-sum-exp
    'global_max_shift': (FULL, {}),                 # scores - np.max(scores) (one global max)
    'keepdims_everywhere': (FULL, {}),              # keepdims=True on every sum, .ravel() for biases
    'inplace_update_loop': (FULL, {}),              # self.params[k] -= ... over the keys
    'rebind_update_explicit': (FULL, {}),           # self.params['W1'] = self.params['W1'] - ..., 4 lines
    'grads_as_lists': (FULL, {}),                   # grads as nested Python lists, np.array in the update
    'predict_returns_list': (FULL, {}),             # predict returns a list of ints
    'helper_methods': (FULL, {}),                   # _relu/_forward/_softmax/_sample/_step helpers
    'future_xrange': (FULL, {}),                    # from builtins import range; past.builtins xrange
    'matplotlib_import': (FULL, {}),                # import matplotlib.pyplot as plt at the top
    'old_banners_vectorised': (FULL, {WARNING: 'older template'}),  # banners, 2-space indent
    'old_banners_loops': (FULL, {}),                # older template: banners, loops, xrange
    'markers_deleted': (FULL, {WARNING: 'deleted'}),  # START/END marker lines removed
    'markers_edited': (FULL, {WARNING: 'edited'}),  # marker lines edited (star lost, case, typo)
    'predict_own_forward': (FULL, {}),              # predict runs its own forward pass
    'np_dot_functions': (FULL, {}),                 # np.dot / np.multiply / np.subtract
    'matmul_operator': (FULL, {}),                  # @, no docstrings at all
    'relu_times_mask': (FULL, {}),                  # ReLU as x * (x > 0)
    'relu_bool_index': (FULL, {}),                  # ReLU by h[h < 0] = 0 on a copy
    'verbose_prints': (FULL, {}),                   # extra prints when verbose
    'float_loss': (FULL, {}),                       # loss converted with float()
    'index_rows_colon': (FULL, {}),                 # X[idx, :], += -lr * grad
    'einsum_products': (FULL, {}),                  # np.einsum for every product
    'randint_sampling': (FULL, {}),                 # np.random.randint(0, N, B): same draws as choice
    'choice_from_arange': (FULL, {}),               # np.random.choice(np.arange(N), B); np.matmul

    # -------------------------------------------------------- wrong styles ---
    # plain exp without a shift: NaN for large scores
    'no_shift_plain_exp': (lose('stability'), {'stability': 'Overflow'}),
    # older years' convention: 0.5 * reg in the loss, reg * W in the gradients
    'half_reg_old_convention': (lose('loss', 'grads'), {'loss': 'halved', 'grads': 'factor 2'}),
    # reg in the loss, reg * W (no factor 2) in the gradients
    'reg_grad_missing_factor_2': (lose('grads'), {'grads': 'factor 2'}),
    # biases in the L2 penalty, loss and gradients
    'biases_regularised': (lose('loss', 'grads'), {'loss': 'biases are regularised'}),
    # (1, H) / (1, C) bias gradients from keepdims=True; the student's update reshapes them
    'bias_grads_keepdims_2d': (lose('grads'), {'grads': 'shape'}),
    # measure: probabilities in float32; gradient errors 2e-7..9e-6 (tolerance 1e-7), loss 6e-8
    'float32_in_loss': (lose('grads'), {'grads': 'float32'}),
    # replace=(batch_size > num_train): without replacement when it can be
    'sample_replace_only_if_needed': (lose('sgd'), {'sgd': 'minibatches differ'}),
    # replace=False: raises when batch_size > num_train (toy run, small set); charged at sgd
    # only (train's run has more samples than batch_size)
    'sample_replace_false': (lose('sgd'), {'sgd': 'replacement'}),
    # measure: ReLU forgotten (forward linear, no mask back); still learns: 0.804 from the
    # trained parameters with the reference forward pass (bar 0.65)
    'relu_forgotten': (lose('scores', 'loss', 'grads', 'stability'),
                       {'scores': 'without the ReLU'}),
    # np.max(0, ...) for np.maximum: loss raises, so the student's own training cannot run;
    # no_mutation is observed on the predict/train runs that use the reference loss
    'relu_np_max_typo': (lose('scores', 'loss', 'grads', 'stability', 'val_accuracy'), {}),
    # measure: backward ignores the ReLU; still learns: 0.838
    'relu_mask_missing_backward': (lose('grads'), {'grads': 'ReLU mask'}),
    # decay line deleted
    'no_lr_decay': (lose('sgd'), {'sgd': 'never decays'}),
    # accuracies appended every iteration (decay still per epoch)
    'acc_every_iteration': (lose('sgd'), {}),
    # np.argmin; the accuracy histories of the epoch run differ too
    'predict_argmin': (lose('predict'), {'predict': 'lowest score'}),
    # measure: X -= mean inside loss; still learns: 0.836
    'mutates_X_in_loss': (lose('scores', 'loss', 'grads', 'stability', 'no_mutation'),
                          {'no_mutation': 'changed X'}),
    # print statements, except X, e: nothing loads
    'python2_print_statements': (ALL, {PROBLEM: 'written for Python 2'}),
    # measure: train body is just pass; the untrained net: 0.127
    'unfinished_train': (lose('train', 'sgd', 'val_accuracy'), {}),
    # db2 summed over axis 1: shape (N,); the student's own training raises
    'db2_wrong_axis': (lose('grads', 'val_accuracy'), {'grads': 'shape'}),
    # data loss summed, gradients averaged
    'loss_summed_not_averaged': (lose('loss', 'stability'), {'loss': 'summed'}),
    # measure: gradients not divided by N; diverges: 0.087
    'grads_not_divided_by_n': (lose('grads', 'val_accuracy'), {'grads': 'N times too large'}),
    # measure: learning rate decayed every iteration; stalls: 0.345
    'decay_every_iteration': (lose('sgd', 'val_accuracy'), {}),
    # measure: += learning_rate * grad; 0.010
    'update_uphill': (lose('train', 'sgd', 'val_accuracy'), {}),
    # W2 drawn before W1
    'init_w2_drawn_first': (lose('init'), {'init': 'W1 first'}),
    # 1e-4 written in instead of std
    'init_std_hardcoded': (lose('init'), {}),
    # measure: log(p + 1e-8); wrong only where a correct-class probability is tiny (large scores)
    'epsilon_in_log': (lose('stability'), {'stability': 'finite but is wrong'}),
    # b1 left out of the forward pass (hidden model has non-zero biases)
    'b1_missing_forward': (lose('scores', 'loss', 'grads', 'stability'), {}),
    # dW2 from the pre-activation instead of the ReLU output
    'dW2_from_pre_activation': (lose('grads'), {}),
    # argmax over axis 0: wrong shape; the student's own training raises in the epoch block
    'predict_wrong_axis': (lose('predict', 'train', 'sgd', 'val_accuracy'), {}),
    # only W1 regularised, loss and gradients
    'reg_only_W1': (lose('loss', 'grads'), {}),
    # probs[:, y] in the loss (gradients right)
    'label_index_colon': (lose('loss', 'stability'), {}),
    # b1 and b2 never updated
    'biases_not_updated': (lose('train', 'sgd'), {'sgd': 'never changes'}),
    # np.random.permutation(N)[:B]: at most N samples, other draws; charged at sgd only
    'permutation_sampling': (lose('sgd'), {'sgd': 'minibatches differ'}),
    # a real student's file: the backward pass's one-hot has len(set(y)) columns (the classes
    # present in the batch, not C); right whenever the labels hold every class
    'onehot_classes_from_labels': (lose('grads'), {'grads': 'len(set(y)) is'}),
}


def corpus_names():
    return sorted(name[:-3] for name in os.listdir(CORPUS) if name.endswith('.py'))


def test_table_and_folder_agree():
    names = set(corpus_names())
    assert names - set(EXPECTED) == set(), 'corpus files without a row in EXPECTED'
    assert set(EXPECTED) - names == set(), 'rows of EXPECTED without a corpus file'
    assert len(names) >= 44
    for name, (lost, feedback) in EXPECTED.items():
        assert isinstance(lost, frozenset) and lost <= ALL, name
        assert set(feedback) - {PROBLEM, WARNING} <= lost | ALL, name
    # Every file has a family (tests/corpus_families.py), for the report's similarity test.
    assert names - set(FAMILY) == set(), 'corpus files without a row in corpus_families.FAMILY'
    assert set(FAMILY) - names == set(), 'rows of corpus_families.FAMILY without a corpus file'


@pytest.mark.slow
@needs_fashion_mnist
@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_corpus_file_loses_exactly_its_checks(kit_grade, name):
    expected, feedback = EXPECTED[name]
    result = kit_grade('corpus_' + name)      # the full grade of tests/corpus/NAME.py
    by_name = {check.name: check for check in result.checks}
    lost = {check.name for check in result.checks if check.score < check.max_score}
    assert lost == set(expected), {check: by_name[check].feedback
                                   for check in lost ^ set(expected) if check in by_name}
    for check, text in feedback.items():
        if check == PROBLEM:
            assert text in result.problem, result.problem
        elif check == WARNING:
            assert any(text in warning for warning in result.warnings), result.warnings
        else:
            assert text in by_name[check].feedback, (check, by_name[check].feedback)
    if expected == ALL:
        # Nothing could run: every check at zero, for one reason stated once.
        assert all(check.score == 0 for check in result.checks)
        assert result.problem and len({check.feedback for check in result.checks}) == 1
        assert result.problem not in result.checks[0].feedback
    else:
        assert result.problem == ''
