"""Checks for notebook test cells (nbgrader): the same catalog, in a cell.

During ``nbgrader autograde`` these functions grade nothing: they return 0
and say so, and the course's autograde preprocessor
(platforms/nbgrader_autograde.py) writes every test cell's points from the
grader's own run outside the student's kernel, which the student's code
cannot reach. Without that preprocessor registered the cells stay at 0
(never full marks by accident). Outside autograde (``nbgrader validate``, an
instructor running the source notebook) they grade as described below.

``grade_check(name)`` grades the ``neural_net.py`` next to the notebook in
the sandbox on that check alone (so a hang elsewhere in the file cannot cost
this cell its points), prints the feedback and returns the points as a plain
float, which nbgrader reads as the cell's partial credit.

``grade_best_net(net)`` measures the student's tuned network on the
validation split and applies the catalog's threshold for the dataset.

The sandbox time limit per check is ``TLN_CHECK_TIMEOUT`` seconds (default
30); keep it below the course's cell timeout. ``TLN_REQUIRE_MARKERS=POINTS``
in the course's environment adds the ``markers`` check (``grade_check('markers')``),
as ``grade --require-markers`` does.
"""
import atexit
import os
import warnings

import numpy as np

from .. import checks as catalog
from .. import datasets
from ..grading import Grader
from ..outputs.sanitise import notebook_output
from ..sandbox import Limits
from ..sandbox.child.probes import as_float_array

_GRADER = None
OUTSIDE = ('[%s] graded outside this notebook by the course\'s autograde preprocessor '
           '(nbgrader_config.py); 0 points unless it is registered.')


def _in_autograde():
    return os.environ.get('NBGRADER_EXECUTION') == 'autograde'


def _grader():
    global _GRADER
    if _GRADER is None:
        timeout = float(os.environ.get('TLN_CHECK_TIMEOUT', '30'))
        markers = os.environ.get('TLN_REQUIRE_MARKERS')
        # This runs in the notebook's own kernel (nbgrader validate), beside the code
        # it grades: a weaker sandbox layer than bubblewrap gives away nothing more.
        _GRADER = Grader(dataset='none', limits=Limits(timeout=timeout),
                         require_markers=float(markers) if markers else None,
                         weaker_layers=True)
        atexit.register(_GRADER.close)   # removes its probe folder when the kernel exits
    return _GRADER


def grade_check(name, path='neural_net.py'):
    """Points of one catalog check for path (default: ./neural_net.py)."""
    if _in_autograde():
        print(OUTSIDE % name)
        return 0.0
    if name not in {check.name for check in _grader().checks}:
        raise ValueError('%r is not a code check of this grader' % name)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        result = _grader().grade_file(os.path.abspath(path), os.path.basename(path), only=[name])
    [check] = result.checks
    if result.problem:
        print('Not graded: %s' % notebook_output(result.problem))
    print('[%s] %g / %g: %s' % (check.name, check.score, check.max_score,
                                notebook_output(check.feedback)))
    return float(check.score)


def grade_best_net(net, dataset=None):
    """Points of the val_accuracy check for a trained network object."""
    if _in_autograde():
        print(OUTSIDE % 'best_net')
        return 0.0
    dataset = dataset or datasets.data_utils().selected_dataset()
    splits = datasets.data_utils().get_data(dataset, num_test=0)
    check = catalog.CHECKS['val_accuracy']
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            y_pred = as_float_array(net.predict(splits['X_val']), 'best_net.predict(X_val)',
                                    splits['y_val'].shape)
        accuracy = float(np.mean(y_pred == splits['y_val']))
        verdict = catalog.accuracy_verdict(accuracy, catalog.BEST_NET_THRESHOLDS[dataset],
                                           'best_net on %s' % dataset)
    except Exception as error:  # the student's object may fail in any way
        verdict = catalog.Verdict(0.0, 'best_net could not be evaluated: %s: %s'
                                  % (type(error).__name__, error))
    points = float(round(check.max_score * verdict.fraction, 4))
    print('[best_net] %g / %g: %s' % (points, check.max_score, notebook_output(verdict.feedback)))
    return points
