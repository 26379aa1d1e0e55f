"""Real data for the val_accuracy check, loaded with the kit's own loaders.

The grader imports ``solutions/data_utils.py`` (the single source of the
loaders students also get; ``assignment/data_utils.py`` in a student
distribution) by path, so grading and the notebook read data the same way.
"""
import importlib.util
import os
from dataclasses import dataclass

import numpy as np

from .errors import GraderError

from .checks import FIT_SETTINGS
from .paths import ASSIGNMENT_DIR, SOLUTIONS_DIR

DATASET_CHOICES = ('auto', 'cifar10', 'fashion_mnist', 'none')
FIT_VALIDATION_SIZE = 1000


def data_utils():
    """The kit's data_utils module (loaded once)."""
    global _DATA_UTILS
    if _DATA_UTILS is None:
        # The instructor's copy has solutions/; a student distribution only assignment/.
        path = os.path.join(SOLUTIONS_DIR, 'data_utils.py')
        if not os.path.isfile(path):
            path = os.path.join(ASSIGNMENT_DIR, 'data_utils.py')
        if not os.path.isfile(path):
            raise GraderError(
                'this installation of the grader has no kit next to it (%s is missing): '
                'grading and the data loaders need the instructor\'s kit, so run the grader '
                'from a clone of it (pip install -e . there); an installed wheel runs the '
                'self-check only (python -m autograder check).' % path)
        spec = importlib.util.spec_from_file_location('_tln_data_utils', path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _DATA_UTILS = module
    return _DATA_UTILS


_DATA_UTILS = None


def available(dataset):
    """True if the dataset's files are where the loaders look."""
    module = data_utils()
    if dataset == 'cifar10':
        return os.path.isfile(os.path.join(module.cifar10_dir(), 'data_batch_1'))
    if dataset == 'fashion_mnist':
        return os.path.isfile(os.path.join(module.fashion_mnist_dir(),
                                           module.FASHION_MNIST_FILES['train_images']))
    return False


def resolve(choice):
    """Dataset name for a --dataset choice; None means skip val_accuracy.

    'auto' picks CIFAR-10 when present, else Fashion-MNIST, else raises.
    """
    if choice not in DATASET_CHOICES:
        raise ValueError('unknown dataset %r; choose one of %s' % (choice, ', '.join(DATASET_CHOICES)))
    if choice == 'none':
        return None
    if choice == 'auto':
        for name in ('cifar10', 'fashion_mnist'):
            if available(name):
                return name
        raise data_utils().DatasetError(
            'no dataset found for val_accuracy: download CIFAR-10 (python '
            'assignment/cifar10_download.py), install the Debian package dataset-fashion-mnist, '
            'set CIFAR10_DIR / FASHION_MNIST_DIR, or pass --dataset none to skip that check')
    return choice


@dataclass
class FitData:
    """Training data for the fit probe; y_val never leaves the grader."""
    dataset: str
    X: np.ndarray       # (N, D)
    y: np.ndarray       # (N,)
    X_val: np.ndarray   # (M, D)
    y_val: np.ndarray   # (M,)
    args: dict


def load_fit_data(dataset):
    """The split the val_accuracy check trains and validates on."""
    settings = FIT_SETTINGS[dataset]
    splits = data_utils().get_data(dataset, num_training=settings['num_training'],
                                   num_validation=FIT_VALIDATION_SIZE, num_test=0)
    return FitData(dataset, splits['X_train'], splits['y_train'].astype(np.float64),
                   splits['X_val'], splits['y_val'].astype(np.float64), dict(settings['args']))
