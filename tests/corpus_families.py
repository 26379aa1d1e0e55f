"""Which corpus files share a base text: FAMILY maps every tests/corpus file to its family.

Many files of tests/corpus/ were not written independently: they were made
by taking a file and changing one part (most wrong files are one mistake put
into a base text), so two files of one family are near-copies of each other
by construction. The class report's similarity screening may list them (and
need not: what they share may be the class's common code); the end-to-end
report test (tests/test_report.py) allows pairs of one family and forbids
pairs of different families at or above the threshold, and so does the
calibration (bench/similarity_calibration.py).

How the table was made: by reading the files, helped by a line-level diff
(difflib on the lines each file has outside the template; ``python
tests/corpus_families.py FILE`` prints the closest corpus files of one file
that way). The similarity screening under test was not used to decide it.
A family is a group of files with the same base text: the same variable
names, comments and statement forms, apart from the deliberate change. A file
that shares only idioms with the others (the reference's four init lines,
``X_batch = X[idx]``, ``for k in self.params: ...``, the usual softmax
lines under other names) is a family of its own, named after the file.

The families with more than one file:

- ``copy_dot_mask`` (12): backward ``dscores = probs.copy()``, ``hidden.T.dot(dscores)``,
  ``dhidden[hidden <= 0] = 0``; most also ``# first layer + relu`` /
  ``# softmax (shifted for stability)`` comments, ``sample_idx = ...,
  replace=True`` and ``scores = self.loss(X); y_pred = scores.argmax(axis=1)``.
  old_banners_vectorised has the same forward and backward lines, word for word.
- ``matmul_dW`` (8): ``hidden = np.maximum(X @ W1 + b1, 0)   # ReLU``, backward
  through ``dW2 = hidden.T @ dscores`` ... then ``grads['W1'] = dW1 + 2 * reg * W1``,
  ``dhidden[hidden == 0] = 0``, ``batch = ...; X[batch, :]``.
- ``dot_no_copy`` (7): ``dscores = probs`` (no copy), ``np.dot(hidden.T, dscores)``,
  ``np.dot(dscores, W2.T) * (hidden > 0)``, ``idx = ...``, ``np.argmax(self.loss(X), 1)``.
  dW2_from_pre_activation rewrote the ReLU lines (z1) for its mistake but kept
  the family's loss, sampling, update and predict lines.
- ``case_study`` (2): cs231n's case-study code: ``hidden_layer``, ``correct_logprobs``,
  ``data_loss`` / ``reg_loss``, the regularisation gradient added at the end.
- ``onehot_by_hand`` (2): the one-hot filled in a loop; onehot_classes_from_labels moved it
  into the backward pass with ``len(set(y))`` columns (a real student's bug).
- ``h1_dh1`` (2): ``h1`` / ``dh1`` forward and backward, word for word.

The three large families were built from one pool of region texts, so a few
smaller regions (the init variants, ``X_batch, y_batch = X[sample_idx], ...``,
the update loops, the loss variants) also recur across them; a file is in the
family whose forward and backward pass it shares.

A new corpus file needs a row here (tests/test_corpus.py checks that FAMILY
covers exactly the corpus files): the family it was made from, or its own
name if it was written from scratch.
"""
import ast
import difflib
import os
import re
import sys

FAMILY = {
    # ------------------------------------------------------------ copy_dot_mask
    'acc_every_iteration': 'copy_dot_mask',
    'b1_missing_forward': 'copy_dot_mask',
    'biases_regularised': 'copy_dot_mask',
    'db2_wrong_axis': 'copy_dot_mask',
    'float32_in_loss': 'copy_dot_mask',
    'grads_not_divided_by_n': 'copy_dot_mask',
    'init_w2_drawn_first': 'copy_dot_mask',
    'old_banners_vectorised': 'copy_dot_mask',
    'permutation_sampling': 'copy_dot_mask',
    'reg_only_W1': 'copy_dot_mask',
    'relu_forgotten': 'copy_dot_mask',
    'unfinished_train': 'copy_dot_mask',
    # ---------------------------------------------------------------- matmul_dW
    'biases_not_updated': 'matmul_dW',
    'epsilon_in_log': 'matmul_dW',
    'loss_summed_not_averaged': 'matmul_dW',
    'mutates_X_in_loss': 'matmul_dW',
    'no_lr_decay': 'matmul_dW',
    'predict_wrong_axis': 'matmul_dW',
    'sample_replace_false': 'matmul_dW',
    'update_uphill': 'matmul_dW',
    # -------------------------------------------------------------- dot_no_copy
    'dW2_from_pre_activation': 'dot_no_copy',
    'decay_every_iteration': 'dot_no_copy',
    'init_std_hardcoded': 'dot_no_copy',
    'label_index_colon': 'dot_no_copy',
    'predict_argmin': 'dot_no_copy',
    'relu_np_max_typo': 'dot_no_copy',
    'sample_replace_only_if_needed': 'dot_no_copy',
    # ----------------------------------------------------------- smaller families
    'classic_shift_normalise_log': 'case_study',
    'half_reg_old_convention': 'case_study',
    'future_xrange': 'h1_dh1',
    'no_shift_plain_exp': 'h1_dh1',
    # ------------------------------------------- written from scratch (own family)
    'bias_grads_keepdims_2d': 'bias_grads_keepdims_2d',
    'choice_from_arange': 'choice_from_arange',
    'einsum_products': 'einsum_products',
    'float_loss': 'float_loss',
    'global_max_shift': 'global_max_shift',
    'grads_as_lists': 'grads_as_lists',
    'helper_methods': 'helper_methods',
    'index_rows_colon': 'index_rows_colon',
    'inplace_update_loop': 'inplace_update_loop',
    'keepdims_everywhere': 'keepdims_everywhere',
    'log_sum_exp': 'log_sum_exp',
    'loop_grads_per_sample': 'loop_grads_per_sample',
    'loop_loss_per_sample': 'loop_loss_per_sample',
    'markers_deleted': 'markers_deleted',
    'markers_edited': 'markers_edited',
    'matmul_operator': 'matmul_operator',
    'matplotlib_import': 'matplotlib_import',
    'np_dot_functions': 'np_dot_functions',
    'old_banners_loops': 'old_banners_loops',
    'onehot_by_hand': 'onehot_by_hand',
    'onehot_classes_from_labels': 'onehot_by_hand',
    'onehot_np_eye': 'onehot_np_eye',
    'predict_own_forward': 'predict_own_forward',
    'predict_returns_list': 'predict_returns_list',
    'python2_print_statements': 'python2_print_statements',
    'randint_sampling': 'randint_sampling',
    'rebind_update_explicit': 'rebind_update_explicit',
    'reg_grad_missing_factor_2': 'reg_grad_missing_factor_2',
    'relu_bool_index': 'relu_bool_index',
    'relu_mask_missing_backward': 'relu_mask_missing_backward',
    'relu_times_mask': 'relu_times_mask',
    'vectorised_terse': 'vectorised_terse',
    'verbose_prints': 'verbose_prints',
}


def members():
    """{family: sorted file names}."""
    out = {}
    for name, family in sorted(FAMILY.items()):
        out.setdefault(family, []).append(name)
    return out


# ------------------------------------------------- the line diff used to build FAMILY

_MARKER = re.compile(r'(START|END)\s+OF\s+YOUR\s+C', re.IGNORECASE)


def code_lines(text, template_text):
    """The stripped lines a file has outside the template, in order.

    Leaves out blank lines, the template's lines, docstrings, marker and
    banner lines; in a file of the older template (no START/END regions)
    only the lines inside its banner regions count.
    """
    from autograder.checks import markers
    lines = text.splitlines()
    template = {line.strip() for line in template_text.splitlines()}
    docstrings = set()
    try:
        for node in ast.walk(ast.parse(text)):
            if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str)):
                docstrings.update(range(node.lineno - 1, node.end_lineno))
    except SyntaxError:
        pass
    try:
        regions = markers.code_regions(lines)
    except markers.MarkerError:
        regions = []
    banners = [] if regions else markers.banner_regions(lines)
    inside = {i for start, end, _f in banners for i in range(start + 1, end)} or None
    return [line.strip() for i, line in enumerate(lines)
            if line.strip() and line.strip() not in template and i not in docstrings
            and not _MARKER.search(line) and set(line.strip()) - {'#', ' '}
            and (inside is None or i in inside)]


def shared(a_lines, b_lines):
    """Share of the shorter list of lines found, in order, in the other list."""
    matcher = difflib.SequenceMatcher(None, a_lines, b_lines, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    return same / max(1, min(len(a_lines), len(b_lines)))


def main(argv):
    """Print the corpus files closest to the file argv[0] by shared code lines."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.dirname(here))
    from autograder.paths import ASSIGNMENT_DIR, STUDENT_FILE
    with open(os.path.join(ASSIGNMENT_DIR, STUDENT_FILE), encoding='utf-8') as handle:
        template = handle.read()
    with open(argv[0], encoding='utf-8', errors='replace') as handle:
        mine = code_lines(handle.read(), template)
    corpus = os.path.join(here, 'corpus')
    rows = []
    for name in sorted(os.listdir(corpus)):
        if name.endswith('.py') and os.path.abspath(os.path.join(corpus, name)) != \
                os.path.abspath(argv[0]):
            with open(os.path.join(corpus, name), encoding='utf-8', errors='replace') as handle:
                rows.append((shared(mine, code_lines(handle.read(), template)), name[:-3]))
    for share, name in sorted(rows, reverse=True)[:8]:
        print('%.2f  %-32s %s' % (share, name, FAMILY.get(name, '(no row)')))


if __name__ == '__main__':
    main(sys.argv[1:])
