"""Load CIFAR-10 or Fashion-MNIST and split it for the two-layer net.

Which dataset is used is the course's choice: ``course.json`` beside this
file (written by the kit's release from ``solutions/course.json``) names
``cifar10`` or ``fashion_mnist`` and optionally the ``folder`` it lives in
(absolute, or relative to this file's folder), which binds the notebook and
every grading route; ``auto`` (or no file) means the first installed in the order of
``DATASETS``, the order the grader's ``--dataset auto`` follows too. Under
``auto`` the environment variable ``TLN_DATASET`` may choose; a course that
names its dataset refuses another one.

Where the files are (after CIFAR10_DIR / FASHION_MNIST_DIR, the course's
``folder`` for its dataset):
- CIFAR-10: ``CIFAR10_DIR``, else ``datasets/cifar-10-batches-py`` beside this
  file. Get it with ``python cifar10_download.py`` (official tarball, md5
  verified).
- Fashion-MNIST: ``FASHION_MNIST_DIR``, else ``datasets/fashion-mnist`` beside
  this file when ``python fashion_mnist_download.py`` put the files there,
  else the directory of the Debian package ``dataset-fashion-mnist``
  (``/usr/share/datasets/fashion-mnist``).

Every loader checks what it reads and raises ``DatasetError`` naming the file,
what is wrong with it and what to do.
"""
import gzip
import json
import os
import pickle
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# In the order 'auto' tries them (the notebook and the grader alike).
DATASETS = ('cifar10', 'fashion_mnist')
COURSE_FILE = os.path.join(HERE, 'course.json')
AUTO = 'auto'
# How to get each dataset: every "not found" message ends with it.
HOW_TO_GET = ('Get CIFAR-10 (about 170 MB) with `python cifar10_download.py`, or set CIFAR10_DIR '
              'to the folder holding data_batch_1 ... test_batch; get Fashion-MNIST (about '
              '30 MB) with `python fashion_mnist_download.py`, or on Debian/Ubuntu `sudo '
              'apt-get install dataset-fashion-mnist`, or set FASHION_MNIST_DIR to the folder '
              'holding its four .gz files (both scripts are in the assignment folder).')

CIFAR10_FOLDER = 'cifar-10-batches-py'
CIFAR10_TRAIN_FILES = ['data_batch_%d' % i for i in range(1, 6)]
CIFAR10_TEST_FILE = 'test_batch'
CIFAR10_CLASSES = ['plane', 'car', 'bird', 'cat', 'deer',
                   'dog', 'frog', 'horse', 'ship', 'truck']
CIFAR10_ROW_LENGTH = 32 * 32 * 3

FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist'
FASHION_MNIST_FILES = {
    'train_images': 'train-images-idx3-ubyte.gz',
    'train_labels': 'train-labels-idx1-ubyte.gz',
    'test_images': 't10k-images-idx3-ubyte.gz',
    'test_labels': 't10k-labels-idx1-ubyte.gz',
}
FASHION_MNIST_CLASSES = ['T-shirt', 'trouser', 'pullover', 'dress', 'coat',
                         'sandal', 'shirt', 'sneaker', 'bag', 'boot']

# The classic split sizes (training, validation, test) per dataset.
SPLITS = {
    'cifar10': (49000, 1000, 1000),
    'fashion_mnist': (59000, 1000, 1000),
}
CLASS_NAMES = {'cifar10': CIFAR10_CLASSES, 'fashion_mnist': FASHION_MNIST_CLASSES}
IMAGE_SHAPES = {'cifar10': (32, 32, 3), 'fashion_mnist': (28, 28)}


class DatasetError(Exception):
    """A dataset file is missing, truncated or not in the expected format."""


def _dataset_name(value, where):
    name = str(value).strip().lower().replace('-', '_')
    if name not in DATASETS + (AUTO,):
        raise DatasetError('%s=%r is not a dataset this kit knows; use one of %s.'
                           % (where, value, ', '.join(DATASETS + (AUTO,))))
    return name


def _course_config():
    """course.json as a dict ({} without the file); DatasetError if it is malformed."""
    try:
        with open(COURSE_FILE, encoding='utf-8') as handle:
            config = json.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise DatasetError('%s: not a readable course configuration (%s).'
                           % (COURSE_FILE, error)) from error
    if (not isinstance(config, dict) or 'dataset' not in config
            or not isinstance(config.get('folder', ''), str)):
        raise DatasetError('%s: expected {"dataset": "cifar10", "fashion_mnist" or "auto"} and '
                           'optionally "folder": where that dataset lives.' % COURSE_FILE)
    return config


def course_dataset():
    """The dataset course.json names, or 'auto' (also without the file)."""
    return _dataset_name(_course_config().get('dataset', AUTO), '%s: dataset' % COURSE_FILE)


def course_folder(dataset):
    """The folder course.json gives for dataset (relative to this file's folder), or None."""
    config = _course_config()
    if not config.get('folder') or course_dataset() != dataset:
        return None
    return os.path.join(HERE, os.path.expanduser(config['folder']))


def available(dataset):
    """True if the dataset's files are where the loaders look."""
    if dataset == 'cifar10':
        return os.path.isfile(os.path.join(cifar10_dir(), CIFAR10_TRAIN_FILES[0]))
    return os.path.isfile(os.path.join(fashion_mnist_dir(), FASHION_MNIST_FILES['train_images']))


def first_available():
    """The first dataset of DATASETS whose files are installed, or None."""
    return next((name for name in DATASETS if available(name)), None)


def selected_dataset():
    """The dataset to use: the course's, else TLN_DATASET, else the first installed.

    With nothing installed, the first of DATASETS: loading it then fails with
    the message that says how to get each dataset.
    """
    course = course_dataset()
    requested = os.environ.get('TLN_DATASET', '').strip()
    requested = _dataset_name(requested, 'TLN_DATASET') if requested else AUTO
    if course != AUTO:
        if requested not in (AUTO, course):
            raise DatasetError('TLN_DATASET=%s, but this course uses %s (%s): unset '
                               'TLN_DATASET.' % (requested, course, COURSE_FILE))
        return course
    if requested != AUTO:
        return requested
    return first_available() or DATASETS[0]


def cifar10_dir():
    """Directory holding data_batch_1 ... test_batch."""
    return (os.environ.get('CIFAR10_DIR') or course_folder('cifar10')
            or os.path.join(HERE, 'datasets', CIFAR10_FOLDER))


def fashion_mnist_dir():
    """Directory holding the four Fashion-MNIST IDX .gz files."""
    if os.environ.get('FASHION_MNIST_DIR'):
        return os.environ['FASHION_MNIST_DIR']
    if course_folder('fashion_mnist'):
        return course_folder('fashion_mnist')
    local = os.path.join(HERE, 'datasets', 'fashion-mnist')
    if os.path.isfile(os.path.join(local, FASHION_MNIST_FILES['train_images'])):
        return local
    return FASHION_MNIST_SYSTEM_DIR


def _read_cifar10_batch(path):
    """Read and check one CIFAR-10 python batch as stored: data (N, 3072) uint8, labels (N,) int64."""
    if not os.path.isfile(path):
        raise DatasetError('%s: file not found (CIFAR-10). %s' % (path, HOW_TO_GET))
    try:
        with open(path, 'rb') as handle:
            batch = pickle.load(handle, encoding='latin1')
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError,
            AttributeError, ImportError, IndexError) as error:
        raise DatasetError('%s: not a readable CIFAR-10 batch (%s: %s); the file is truncated '
                           'or corrupt. Delete it and download CIFAR-10 again.'
                           % (path, type(error).__name__, error)) from error
    if not isinstance(batch, dict) or 'data' not in batch or 'labels' not in batch:
        raise DatasetError('%s: expected a pickled dict with keys "data" and "labels".' % path)
    data = np.asarray(batch['data'])
    labels = np.asarray(batch['labels'])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != CIFAR10_ROW_LENGTH:
        raise DatasetError('%s: "data" must be uint8 of shape (N, %d), found %s %s.'
                           % (path, CIFAR10_ROW_LENGTH, data.dtype, data.shape))
    if labels.ndim != 1 or labels.shape[0] != data.shape[0]:
        raise DatasetError('%s: %d labels for %d images.' % (path, labels.size, data.shape[0]))
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DatasetError('%s: labels must lie in 0..9, found %d..%d.'
                           % (path, labels.min(), labels.max()))
    return data, labels.astype(np.int64)


def _cifar10_images(batches):
    """Stack (data, labels) batches of _read_cifar10_batch as float32 images.

    The float32 array is allocated once and each batch is converted into its
    rows (no float64 copy, no concatenation); the list is emptied as it goes,
    so each uint8 batch is freed once copied.
    Returns X (N, 32, 32, 3) float32 in [0, 255] and y (N,) int64.
    """
    rows = sum(data.shape[0] for data, _ in batches)
    X = np.empty((rows, 32, 32, 3), dtype=np.float32)
    y = np.empty(rows, dtype=np.int64)
    start = 0
    while batches:
        data, labels = batches.pop(0)
        stop = start + data.shape[0]
        X[start:stop] = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        y[start:stop] = labels
        start = stop
    return X, y


def load_cifar10_batch(path):
    """Read one CIFAR-10 python batch.

    Returns X, shape (N, 32, 32, 3) float32 in [0, 255], and y, shape (N,)
    int64 in [0, 10).
    """
    return _cifar10_images([_read_cifar10_batch(path)])


def _first_rows(batches, rows):
    """The first rows of a sequence of (data, labels) batches (all of them for None)."""
    kept, count = [], 0
    for data, labels in batches:
        if rows is not None:
            data, labels = data[:rows - count], labels[:rows - count]
        kept.append((data, labels))
        count += data.shape[0]
        if rows is not None and count >= rows:
            break       # the batches after it are never read
    return kept


def load_cifar10(root=None, train_rows=None, test_rows=None):
    """Load CIFAR-10 from root (default: cifar10_dir()).

    Returns X_train (50000, 32, 32, 3), y_train (50000,), X_test (10000, 32,
    32, 3), y_test (10000,) for the real data (smaller for smaller batches);
    images float32 in [0, 255], labels int64. train_rows / test_rows: keep
    only the first that many images of each split (None: all); the training
    batches are read one at a time, and those past train_rows not at all.
    """
    root = root or cifar10_dir()
    if not os.path.isdir(root):
        raise DatasetError('%s: folder not found (CIFAR-10). %s' % (root, HOW_TO_GET))
    train = (_read_cifar10_batch(os.path.join(root, name)) for name in CIFAR10_TRAIN_FILES)
    X_train, y_train = _cifar10_images(_first_rows(train, train_rows))
    test = [_read_cifar10_batch(os.path.join(root, CIFAR10_TEST_FILE))]
    X_test, y_test = _cifar10_images(_first_rows(test, test_rows))
    return X_train, y_train, X_test, y_test


def _read_idx(path, expected_dims, rows=None):
    """Read a gzipped IDX file of unsigned bytes.

    Returns (array, count): a uint8 array with expected_dims dimensions, e.g.
    (N, 28, 28) for images and (N,) for labels, and the number of items the
    header declares. rows: read only the first that many items (None: all of
    them, and the file must hold exactly what its header promises); the bytes
    after them are never inflated.
    """
    if not os.path.isfile(path):
        raise DatasetError('%s: file not found (Fashion-MNIST). %s' % (path, HOW_TO_GET))
    try:
        with gzip.open(path, 'rb') as handle:
            header = handle.read(4)
            if len(header) < 4:
                raise DatasetError('%s: too short to be an IDX file (%d bytes).'
                                   % (path, len(header)))
            zero, dtype_code, dims = struct.unpack('>HBB', header)
            if zero != 0 or dtype_code != 0x08 or dims != expected_dims:
                raise DatasetError('%s: not an IDX file of unsigned bytes with %d dimensions '
                                   '(header %s).' % (path, expected_dims, header.hex()))
            sizes = handle.read(4 * dims)
            if len(sizes) < 4 * dims:
                raise DatasetError('%s: too short to be an IDX file (%d bytes).'
                                   % (path, 4 + len(sizes)))
            shape = struct.unpack('>' + 'I' * dims, sizes)
            count, item_bytes = shape[0], int(np.prod(shape[1:]))
            if rows is not None and rows < count:
                shape = (rows,) + shape[1:]
                raw = handle.read(rows * item_bytes)
            else:
                raw = handle.read()
    except (OSError, EOFError) as error:
        raise DatasetError('%s: not a readable gzip file (%s); it is truncated or corrupt.'
                           % (path, error)) from error
    expected_bytes = shape[0] * item_bytes
    if len(raw) != expected_bytes:
        raise DatasetError('%s: header promises %d bytes of data for shape %s, file has %d; '
                           'it is truncated or corrupt.'
                           % (path, expected_bytes, shape, len(raw)))
    return np.frombuffer(raw, dtype=np.uint8).reshape(shape), count


def load_fashion_mnist(root=None, train_rows=None, test_rows=None):
    """Load Fashion-MNIST from root (default: fashion_mnist_dir()).

    Returns X_train (60000, 28, 28), y_train (60000,), X_test (10000, 28,
    28), y_test (10000,); images float32 in [0, 255], labels int64.
    train_rows / test_rows: keep only the first that many of each split (the
    rest of the files is never read).
    """
    root = root or fashion_mnist_dir()
    arrays, counts = {}, {}
    for key, filename in FASHION_MNIST_FILES.items():
        rows = train_rows if key.startswith('train') else test_rows
        arrays[key], counts[key] = _read_idx(os.path.join(root, filename),
                                             3 if key.endswith('images') else 1, rows)
    for part in ('train', 'test'):
        images, labels = counts[part + '_images'], counts[part + '_labels']
        if images != labels:
            raise DatasetError('%s: %d %s images but %d labels.' % (root, images, part, labels))
    return (arrays['train_images'].astype(np.float32),
            arrays['train_labels'].astype(np.int64),
            arrays['test_images'].astype(np.float32),
            arrays['test_labels'].astype(np.int64))


def load_raw(dataset, root=None, train_rows=None, test_rows=None):
    """Load a dataset by name; returns X_train, y_train, X_test, y_test (images float32).

    train_rows / test_rows: keep only the first that many images of each split (None: all).
    """
    if dataset == 'cifar10':
        return load_cifar10(root, train_rows, test_rows)
    if dataset == 'fashion_mnist':
        return load_fashion_mnist(root, train_rows, test_rows)
    raise DatasetError('unknown dataset %r; use one of %s.' % (dataset, ', '.join(DATASETS)))


def get_data(dataset=None, num_training=None, num_validation=None, num_test=None, root=None):
    """Load a dataset, split it and preprocess it for the two-layer net.

    The validation set is the num_validation samples right after the first
    num_training training samples; the test set is the first num_test test
    samples. Every image is flattened to a row and the mean training image
    is subtracted from all three sets.

    Returns a dict with X_train (num_training, D), y_train (num_training,),
    X_val (num_validation, D), y_val, X_test (num_test, D), y_test (images
    float32, labels int64), and mean_image (D,) float64; D = 3072 for
    CIFAR-10, 784 for Fashion-MNIST.
    """
    dataset = dataset or selected_dataset()
    default_train, default_val, default_test = SPLITS[dataset]
    num_training = default_train if num_training is None else num_training
    num_validation = default_val if num_validation is None else num_validation
    num_test = default_test if num_test is None else num_test

    # Only the rows of the split are read and converted (float32: CIFAR-10's whole training
    # set as float64 would be 1.2 GB), and the preprocessing works in place.
    X_train, y_train, X_test, y_test = load_raw(dataset, root, num_training + num_validation,
                                                num_test)
    if num_training + num_validation > X_train.shape[0] or num_test > X_test.shape[0]:
        raise DatasetError('%s has %d training and %d test samples; asked for %d + %d and %d.'
                           % (dataset, X_train.shape[0], X_test.shape[0],
                              num_training, num_validation, num_test))
    D = int(np.prod(IMAGE_SHAPES[dataset]))
    X_train = X_train.reshape(X_train.shape[0], D)   # views: the arrays are contiguous
    X_test = X_test.reshape(X_test.shape[0], D)
    mean_image = X_train[:num_training].mean(axis=0, dtype=np.float64)
    X_train -= mean_image.astype(np.float32)
    X_test -= mean_image.astype(np.float32)
    return {
        'X_train': X_train[:num_training], 'y_train': y_train[:num_training],
        'X_val': X_train[num_training:], 'y_val': y_train[num_training:],
        'X_test': X_test, 'y_test': y_test,
        'mean_image': mean_image,
    }
