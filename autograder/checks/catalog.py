"""The catalog of checks: names, points, visibility, probes and judge of each.

This is the only place points are defined (tolerances and thresholds are in
tolerances.py). The command-line grader, the student self-check, the
nbgrader test cells and the Gradescope bundle all grade through ``CATALOG``.

A check reads the outputs of one or more probes (probe_inputs.py) run on the
student's code in the sandbox and compares them with the same probes run on
the reference solution; its judge (judges.py; hidden_judges.py for the hidden
checks) turns that Evidence into a Verdict.
"""
from dataclasses import dataclass
from typing import Callable, Tuple

from .judges import (judge_grads, judge_init, judge_loss, judge_markers, judge_predict,
                     judge_scores, judge_train)
# The hidden checks' judges: the student copy's catalog is this file without this line and
# without the hidden checks' entries (release/generate.py writes it).
from .hidden_judges import judge_no_mutation, judge_sgd, judge_stability, judge_val_accuracy
from .probe_ids import CLASS_PROBES, MUTATION_PROBES, OWN_LOSS


@dataclass(frozen=True)
class Check:
    """One entry of the catalog."""
    name: str
    max_score: float
    visible: bool
    summary: str
    probes: Tuple[str, ...]
    judge: Callable


CATALOG = (
    Check('init', 1, True, 'parameter shapes, zero biases, std scale and seeded draw order',
          ('init_toy', 'init_hidden'), judge_init),
    Check('scores', 2, True, 'forward pass scores on the toy model and on hidden sizes',
          ('scores_toy', 'scores_hidden'), judge_scores),
    Check('loss', 2, True, 'softmax loss with reg=0 and reg>0',
          ('loss_toy_noreg', 'loss_toy_reg', 'loss_hidden_noreg', 'loss_hidden_reg')
          + CLASS_PROBES, judge_loss),
    Check('grads', 3, True, 'gradients dW1, db1, dW2, db2 against the reference',
          ('loss_toy_noreg', 'loss_toy_reg', 'loss_hidden_noreg', 'loss_hidden_reg')
          + CLASS_PROBES, judge_grads),
    Check('stability', 1, False, 'finite, correct loss for large scores',
          ('loss_large', 'loss_extreme'), judge_stability),
    Check('train', 2, True, 'the SGD update on hidden data (with the reference loss)',
          ('train_toy', 'train_hidden', 'train_toy' + OWN_LOSS), judge_train),
    Check('sgd', 2, False, 'sampling with replacement, epochs, learning-rate decay',
          ('train_small_set', 'train_epochs'), judge_sgd),
    Check('predict', 1, True, 'predicted labels', ('predict_hidden',), judge_predict),
    Check('no_mutation', 1, False, 'loss, predict and train leave their inputs unchanged',
          MUTATION_PROBES, judge_no_mutation),
    Check('val_accuracy', 3, False, 'accuracy on held-out images after SGD training on real data',
          ('fit', 'train_hidden'), judge_val_accuracy),
)
CHECKS = {check.name: check for check in CATALOG}
DATA_CHECKS = ('val_accuracy',)
MARKERS_CHECK = 'markers'
DEFAULT_MARKER_POINTS = 1.0


def markers_check(points=DEFAULT_MARKER_POINTS):
    """The optional check an instructor adds with --require-markers."""
    return Check(MARKERS_CHECK, float(points), True, 'START/END marker lines kept', (),
                 judge_markers)


def select(visible_only=False, with_data=True):
    """Checks of the catalog, in catalog order, filtered."""
    chosen = []
    for check in CATALOG:
        if visible_only and not check.visible:
            continue
        if not with_data and check.name in DATA_CHECKS:
            continue
        chosen.append(check)
    return chosen
