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


@dataclass(frozen=True, kw_only=True)
class Check:
    """One entry of the catalog, built with keyword fields only (``visible=True``, never a
    bare ``True``): visible checks run in the self-check and show before publication."""
    name: str
    max_score: float
    visible: bool
    summary: str
    probes: Tuple[str, ...]
    judge: Callable


CATALOG = (
    Check(name='init', max_score=1, visible=True,
          summary='parameter shapes, zero biases, std scale and seeded draw order',
          probes=('init_toy', 'init_hidden'), judge=judge_init),
    Check(name='scores', max_score=2, visible=True,
          summary='forward pass scores on the toy model and on a model of other sizes',
          probes=('scores_toy', 'scores_hidden'), judge=judge_scores),
    Check(name='loss', max_score=2, visible=True, summary='softmax loss with reg=0 and reg>0',
          probes=('loss_toy_noreg', 'loss_toy_reg', 'loss_hidden_noreg', 'loss_hidden_reg')
          + CLASS_PROBES, judge=judge_loss),
    Check(name='grads', max_score=3, visible=True,
          summary='gradients dW1, db1, dW2, db2 against the reference',
          probes=('loss_toy_noreg', 'loss_toy_reg', 'loss_hidden_noreg', 'loss_hidden_reg')
          + CLASS_PROBES, judge=judge_grads),
    Check(name='stability', max_score=1, visible=False,
          summary='finite, correct loss for large scores',
          probes=('loss_large', 'loss_extreme'), judge=judge_stability),
    Check(name='train', max_score=2, visible=True,
          summary='the SGD loop of train() and its parameter update',
          probes=('train_toy', 'train_hidden', 'train_toy' + OWN_LOSS), judge=judge_train),
    Check(name='sgd', max_score=2, visible=False,
          summary='sampling with replacement, epochs, learning-rate decay',
          probes=('train_small_set', 'train_epochs'), judge=judge_sgd),
    Check(name='predict', max_score=1, visible=True, summary='predicted labels',
          probes=('predict_hidden',), judge=judge_predict),
    Check(name='no_mutation', max_score=1, visible=False,
          summary='loss, predict and train leave their inputs unchanged',
          probes=MUTATION_PROBES, judge=judge_no_mutation),
    Check(name='val_accuracy', max_score=3, visible=False,
          summary='accuracy on held-out images after SGD training on real data',
          probes=('fit', 'train_hidden'), judge=judge_val_accuracy),
)
CHECKS = {check.name: check for check in CATALOG}
DATA_CHECKS = ('val_accuracy',)
MARKERS_CHECK = 'markers'
DEFAULT_MARKER_POINTS = 1.0


def markers_check(points=DEFAULT_MARKER_POINTS):
    """The optional check an instructor adds with --require-markers."""
    return Check(name=MARKERS_CHECK, max_score=float(points), visible=True,
                 summary='START/END marker lines kept', probes=(), judge=judge_markers)


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
