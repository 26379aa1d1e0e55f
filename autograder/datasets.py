"""Real data for the val_accuracy check, loaded with the kit's own loaders.

The grader imports the kit's ``solutions/data_utils.py`` (the single source
of the loaders students also get; ``assignment/data_utils.py`` in a student
distribution or a Gradescope bundle) by path, so grading and the notebook read
data the same way. The kit is the one in use (``paths.kit_dir``: --kit, TLN_KIT
or the checkout around the package). numpy is imported where data is loaded: the
command line reads DATASET_CHOICES at every start.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .paths import kit_path, load_module, require_kit

if TYPE_CHECKING:
    import numpy as np

DATASET_CHOICES = ('auto', 'cifar10', 'fashion_mnist', 'none')
FIT_VALIDATION_SIZE = 1000
# val_accuracy is measured on HELD_OUT_SIZE images drawn by the grading seed from the
# dataset's test split (HELD_OUT_POOL images: megabytes, far more than a 1 MB submission
# can hold); they never reach the student's process.
HELD_OUT_SIZE = 5000
HELD_OUT_POOL = 10000
HELD_OUT_STREAM = 5   # spawn key of the held-out draw in the seed's SeedSequence


def data_utils():
    """The kit's data_utils module (loaded once per kit); KitMissing without a kit."""
    # The instructor's kit has solutions/; a student distribution only assignment/.
    for folder in ('solutions', 'assignment'):
        path = kit_path(folder, 'data_utils.py')
        if os.path.isfile(path):
            return load_module(path, '_tln_data_utils')
    require_kit('grade')   # names everything grading needs of the kit, not only the loaders


def available(dataset):
    """True if the dataset's files are where the loaders look."""
    return dataset in data_utils().DATASETS and data_utils().available(dataset)


def resolve(choice):
    """Dataset name for a --dataset choice; None means skip val_accuracy.

    'auto' is the course's dataset (course.json beside the kit's data_utils.py,
    the one the notebook uses too), else the first installed in the order of
    data_utils.DATASETS (the notebook's order), else raises.
    """
    if choice not in DATASET_CHOICES:
        raise ValueError('unknown dataset %r; choose one of %s' % (choice, ', '.join(DATASET_CHOICES)))
    if choice == 'none':
        return None
    if choice == 'auto':
        module = data_utils()
        course = module.course_dataset()
        found = course if course != module.AUTO else module.first_available()
        if found is None:
            raise module.DatasetError('no dataset found for val_accuracy. %s Or pass --dataset '
                                      'none to skip that check.' % module.HOW_TO_GET)
        return found
    return choice


@dataclass
class FitData:
    """Training data for the fit probe; y_val and the held-out set never leave the grader."""
    dataset: str
    X: np.ndarray       # (N, D)
    y: np.ndarray       # (N,)
    X_val: np.ndarray   # (M, D)
    y_val: np.ndarray   # (M,)
    args: dict
    X_held: np.ndarray = None   # (HELD_OUT_SIZE, D): what val_accuracy is measured on
    y_held: np.ndarray = None   # (HELD_OUT_SIZE,)


def sum_pool(X, factor):
    """Sum square images over factor x factor blocks.

    X: (N, S * S) flattened single-channel S x S images, S a multiple of factor.
    Returns (N, (S // factor) ** 2), each value the sum of one block: each of its
    rows summed left to right, then those sums top to bottom. For factor 2 that
    is the order of numpy's ``blocks.sum(axis=(2, 4))`` (the same float32 bits,
    tests/test_data.py), at a third of its CPU time: a reduction over two short
    strided axes is numpy's slow case, elementwise adds of strided views are not.
    """
    rows, size = X.shape
    side = int(round(size ** 0.5))
    if side * side != size or side % factor:
        raise ValueError('cannot pool rows of %d values by %d: not square images of a '
                         'side divisible by %d' % (size, factor, factor))
    blocks = side // factor
    pieces = X.reshape(-1, factor)          # one row of one block per line
    row_sums = pieces[:, 0].copy()
    for column in range(1, factor):
        row_sums += pieces[:, column]
    row_sums = row_sums.reshape(rows, blocks, factor, blocks)
    pooled = row_sums[:, :, 0, :].copy()
    for line in range(1, factor):
        pooled += row_sums[:, :, line, :]
    return pooled.reshape(rows, blocks * blocks)


def held_out_rows(seed, pool=HELD_OUT_POOL, size=HELD_OUT_SIZE):
    """The test-split rows val_accuracy is measured on for a grading seed (sorted)."""
    import numpy as np
    draws = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(HELD_OUT_STREAM,)))
    return np.sort(draws.choice(pool, size, replace=False))


def load_fit_data(dataset, seed, settings):
    """The split the val_accuracy check trains on (pooled if its settings say), and the
    held-out images the seed draws from the test split.

    settings: the check's settings for this dataset (checks.FIT_SETTINGS[dataset]:
    'num_training', 'pool', 'args'); the judges own them, this module only loads data.
    """
    import numpy as np
    splits = data_utils().get_data(dataset, num_training=settings['num_training'],
                                   num_validation=FIT_VALIDATION_SIZE, num_test=HELD_OUT_POOL)
    rows = held_out_rows(seed)
    X, X_val, X_held = splits['X_train'], splits['X_val'], splits['X_test'][rows]
    del splits['X_test']
    if settings.get('pool', 1) > 1:
        X, X_val, X_held = (sum_pool(array, settings['pool']) for array in (X, X_val, X_held))
    return FitData(dataset, X, splits['y_train'].astype(np.float64),
                   X_val, splits['y_val'].astype(np.float64), dict(settings['args']),
                   X_held, splits['y_test'][rows].astype(np.float64))
