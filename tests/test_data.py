"""Dataset loaders: synthetic CIFAR-10 files in the real format, Fashion-MNIST."""
import gzip
import hashlib
import io
import os
import pickle
import struct
import sys
import tarfile

import numpy as np
import pytest

from autograder.paths import SOLUTIONS_DIR
from helpers import needs_fashion_mnist

sys.path.insert(0, SOLUTIONS_DIR)
import cifar10_download  # noqa: E402
import data_utils  # noqa: E402

BATCH_NAMES = data_utils.CIFAR10_TRAIN_FILES + [data_utils.CIFAR10_TEST_FILE]


def write_batch(path, count, seed):
    """A CIFAR-10 python batch: pickled dict, data uint8 (count, 3072), labels list."""
    rng = np.random.default_rng(seed)
    batch = {'batch_label': 'synthetic %d' % seed,
             'data': rng.integers(0, 256, size=(count, 3072), dtype=np.uint8),
             'labels': [int(v) for v in rng.integers(0, 10, size=count)],
             'filenames': ['img_%d.png' % i for i in range(count)]}
    with open(path, 'wb') as handle:
        pickle.dump(batch, handle, protocol=2)
    return batch


@pytest.fixture
def cifar_dir(tmp_path):
    folder = tmp_path / 'cifar-10-batches-py'
    folder.mkdir()
    batches = {name: write_batch(str(folder / name), 30, seed)
               for seed, name in enumerate(BATCH_NAMES)}
    return folder, batches


def test_load_cifar10_reads_real_format(cifar_dir):
    folder, batches = cifar_dir
    X_train, y_train, X_test, y_test = data_utils.load_cifar10(str(folder))
    assert X_train.shape == (150, 32, 32, 3) and y_train.shape == (150,)
    assert X_test.shape == (30, 32, 32, 3) and y_test.shape == (30,)
    # Channel-first rows become height x width x channel images.
    first = batches['data_batch_1']['data'][0]
    assert np.array_equal(X_train[0, :, :, 0].ravel(), first[:1024])
    assert np.array_equal(X_train[0, :, :, 2].ravel(), first[2048:])
    assert y_train[30] == batches['data_batch_2']['labels'][0]


def test_get_data_splits_and_centres(cifar_dir, monkeypatch):
    folder, _ = cifar_dir
    monkeypatch.setenv('CIFAR10_DIR', str(folder))
    data = data_utils.get_data('cifar10', num_training=100, num_validation=20, num_test=10)
    assert data['X_train'].shape == (100, 3072) and data['X_val'].shape == (20, 3072)
    assert data['X_test'].shape == (10, 3072) and data['y_val'].shape == (20,)
    assert data['X_train'].dtype == data['X_val'].dtype == data['X_test'].dtype == np.float32
    # Centred in float32: the mean is zero up to float32 rounding of values in [-255, 255].
    assert np.allclose(data['X_train'].mean(axis=0, dtype=np.float64), 0.0, atol=1e-4)
    raw = data_utils.load_cifar10(str(folder))[0].reshape(150, -1)
    assert raw.dtype == np.float32
    assert np.allclose(data['X_val'] + data['mean_image'], raw[100:120], atol=1e-4)
    assert np.allclose(data['X_test'] + data['mean_image'],
                       data_utils.load_cifar10(str(folder))[2].reshape(30, -1)[:10], atol=1e-4)


def test_get_data_reads_only_the_training_batches_it_needs(cifar_dir, monkeypatch):
    """The training batches are read one at a time, up to the rows the split asks for: a
    split within the first two batches never opens the third."""
    folder, _ = cifar_dir
    (folder / 'data_batch_3').write_bytes(b'not a pickle')
    monkeypatch.setenv('CIFAR10_DIR', str(folder))
    data = data_utils.get_data('cifar10', num_training=50, num_validation=10, num_test=5)
    assert data['X_train'].shape == (50, 3072) and data['X_val'].shape == (10, 3072)
    with pytest.raises(data_utils.DatasetError, match='data_batch_3: not a readable'):
        data_utils.get_data('cifar10', num_training=50, num_validation=11, num_test=5)


def test_dataset_setting(monkeypatch):
    monkeypatch.delenv('TLN_DATASET', raising=False)
    monkeypatch.setattr(data_utils, 'first_available', lambda: 'fashion_mnist')
    assert data_utils.selected_dataset() == 'fashion_mnist'
    monkeypatch.setattr(data_utils, 'first_available', lambda: None)
    assert data_utils.selected_dataset() == 'cifar10'
    monkeypatch.setenv('TLN_DATASET', 'Fashion-MNIST')
    assert data_utils.selected_dataset() == 'fashion_mnist'
    monkeypatch.setenv('TLN_DATASET', 'mnist')
    with pytest.raises(data_utils.DatasetError, match='TLN_DATASET'):
        data_utils.selected_dataset()


def test_missing_folder_and_file(tmp_path, cifar_dir):
    with pytest.raises(data_utils.DatasetError, match='cifar10_download.py'):
        data_utils.load_cifar10(str(tmp_path / 'nowhere'))
    folder, _ = cifar_dir
    os.remove(folder / 'data_batch_3')
    with pytest.raises(data_utils.DatasetError, match='data_batch_3: file not found'):
        data_utils.load_cifar10(str(folder))


def test_truncated_and_wrong_batches(cifar_dir):
    folder, _ = cifar_dir
    path = folder / 'data_batch_2'
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(data_utils.DatasetError, match='data_batch_2: not a readable'):
        data_utils.load_cifar10(str(folder))
    with open(path, 'wb') as handle:
        pickle.dump({'data': np.zeros((3, 100), np.uint8), 'labels': [0, 1, 2]}, handle)
    with pytest.raises(data_utils.DatasetError, match=r'data_batch_2: "data" must be uint8'):
        data_utils.load_cifar10(str(folder))
    with open(path, 'wb') as handle:
        pickle.dump({'data': np.zeros((3, 3072), np.uint8), 'labels': [0, 1, 12]}, handle)
    with pytest.raises(data_utils.DatasetError, match='labels must lie in 0..9'):
        data_utils.load_cifar10(str(folder))
    with open(path, 'wb') as handle:
        pickle.dump([1, 2, 3], handle)
    with pytest.raises(data_utils.DatasetError, match='expected a pickled dict'):
        data_utils.load_cifar10(str(folder))


def md5(data):
    return hashlib.md5(data).hexdigest()


def make_tarball(path, cifar_folder, extra=None):
    with tarfile.open(path, 'w:gz') as tar:
        tar.add(str(cifar_folder), arcname='cifar-10-batches-py')
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with open(path, 'rb') as handle:
        return md5(handle.read())


def batch_md5s(folder):
    return {name: md5((folder / name).read_bytes()) for name in BATCH_NAMES}


def test_download_verifies_and_extracts(tmp_path, cifar_dir):
    folder, _ = cifar_dir
    tarball = tmp_path / 'cifar-10-python.tar.gz'
    archive_md5 = make_tarball(str(tarball), folder)
    dest = tmp_path / 'dest'
    result = cifar10_download.download_cifar10(
        str(dest), url=tarball.as_uri(), archive_md5=archive_md5, batch_md5=batch_md5s(folder))
    assert result == str(dest / 'cifar-10-batches-py')
    assert (dest / 'cifar-10-python.tar.gz').is_file()  # downloaded through urllib
    assert not list(dest.glob('*.part'))
    assert data_utils.load_cifar10(result)[0].shape == (150, 32, 32, 3)


def test_download_rejects_bad_md5_and_keeps_nothing_half_done(tmp_path, cifar_dir):
    folder, _ = cifar_dir
    tarball = tmp_path / 'cifar-10-python.tar.gz'
    make_tarball(str(tarball), folder)
    dest = tmp_path / 'dest'
    with pytest.raises(data_utils.DatasetError, match='md5 is .* expected 0+'):
        cifar10_download.download_cifar10(str(dest), url=tarball.as_uri(),
                                          archive_md5='0' * 32, batch_md5={})
    assert not (dest / 'cifar-10-batches-py').exists()


def test_corrupt_batch_after_extraction_is_named(tmp_path, cifar_dir):
    folder, _ = cifar_dir
    tarball = tmp_path / 'c.tar.gz'
    archive_md5 = make_tarball(str(tarball), folder)
    wrong = dict(batch_md5s(folder), data_batch_4='f' * 32)
    with pytest.raises(data_utils.DatasetError, match='data_batch_4: md5 is'):
        cifar10_download.download_cifar10(str(tmp_path / 'd'), archive=str(tarball),
                                          archive_md5=archive_md5, batch_md5=wrong)


def test_unreachable_url_gives_instructions(tmp_path):
    with pytest.raises(data_utils.DatasetError, match='--archive FILE'):
        cifar10_download.download_cifar10(str(tmp_path), url=(tmp_path / 'none.tgz').as_uri())


def test_tarball_with_path_traversal_is_refused(tmp_path, cifar_dir):
    folder, _ = cifar_dir
    tarball = tmp_path / 'evil.tar.gz'
    archive_md5 = make_tarball(str(tarball), folder, extra={'../evil.txt': b'x'})
    with pytest.raises(data_utils.DatasetError, match='unexpected member'):
        cifar10_download.download_cifar10(str(tmp_path / 'd'), archive=str(tarball),
                                          archive_md5=archive_md5, batch_md5={})
    assert not (tmp_path / 'evil.txt').exists()


def test_official_checksums_are_the_published_ones():
    assert cifar10_download.CIFAR10_ARCHIVE_MD5 == 'c58f30108f718f92721af3b95e74349a'
    assert sorted(cifar10_download.CIFAR10_BATCH_MD5) == sorted(BATCH_NAMES)
    assert cifar10_download.CIFAR10_URL.endswith('/cifar-10-python.tar.gz')


def write_idx(path, array):
    header = struct.pack('>HBB', 0, 8, array.ndim) + struct.pack('>' + 'I' * array.ndim,
                                                                 *array.shape)
    with gzip.open(path, 'wb') as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


def test_idx_reader_on_synthetic_files(tmp_path):
    rng = np.random.default_rng(0)
    images = {'train': rng.integers(0, 256, (50, 28, 28)), 'test': rng.integers(0, 256, (20, 28, 28))}
    for part, prefix in (('train', 'train'), ('test', 't10k')):
        write_idx(tmp_path / ('%s-images-idx3-ubyte.gz' % prefix), images[part])
        write_idx(tmp_path / ('%s-labels-idx1-ubyte.gz' % prefix),
                  rng.integers(0, 10, len(images[part])))
    X_train, y_train, X_test, y_test = data_utils.load_fashion_mnist(str(tmp_path))
    assert X_train.shape == (50, 28, 28) and np.array_equal(X_train, images['train'])
    assert y_test.shape == (20,)
    # Truncated data and a wrong header are named.
    path = tmp_path / 't10k-images-idx3-ubyte.gz'
    with gzip.open(path, 'rb') as handle:
        raw = handle.read()
    with gzip.open(path, 'wb') as handle:
        handle.write(raw[:-100])
    with pytest.raises(data_utils.DatasetError, match='t10k-images-idx3-ubyte.gz: header promises'):
        data_utils.load_fashion_mnist(str(tmp_path))
    with gzip.open(path, 'wb') as handle:
        handle.write(b'\x00\x00\x0d\x03' + raw[4:])
    with pytest.raises(data_utils.DatasetError, match='not an IDX file'):
        data_utils.load_fashion_mnist(str(tmp_path))
    path.write_bytes(b'not gzip at all')
    with pytest.raises(data_utils.DatasetError, match='not a readable gzip'):
        data_utils.load_fashion_mnist(str(tmp_path))


def test_idx_reader_reads_only_the_rows_asked_for(tmp_path):
    """train_rows / test_rows: the first rows, without inflating the rest (a file cut
    after them still loads; one cut inside them is named), and the header counts of
    images and labels must still agree."""
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (50, 28, 28))
    labels = rng.integers(0, 10, 50)
    for prefix in ('train', 't10k'):
        write_idx(tmp_path / ('%s-images-idx3-ubyte.gz' % prefix), images)
        write_idx(tmp_path / ('%s-labels-idx1-ubyte.gz' % prefix), labels)
    X_train, y_train, X_test, y_test = data_utils.load_fashion_mnist(str(tmp_path), 30, 7)
    assert np.array_equal(X_train, images[:30]) and X_train.dtype == np.float32
    assert np.array_equal(y_train, labels[:30]) and y_train.dtype == np.int64
    assert X_test.shape == (7, 28, 28) and np.array_equal(y_test, labels[:7])
    assert data_utils.load_fashion_mnist(str(tmp_path), 80)[0].shape == (50, 28, 28)
    path = tmp_path / 'train-images-idx3-ubyte.gz'
    raw = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(raw[:16 + 40 * 784]))
    assert np.array_equal(data_utils.load_fashion_mnist(str(tmp_path), 30)[0], images[:30])
    with pytest.raises(data_utils.DatasetError, match='train-images-idx3-ubyte.gz: header '
                                                      'promises 32144 bytes'):
        data_utils.load_fashion_mnist(str(tmp_path), 40 + 1)
    write_idx(path, images)
    write_idx(tmp_path / 't10k-labels-idx1-ubyte.gz', labels[:49])
    with pytest.raises(data_utils.DatasetError, match='50 test images but 49 labels'):
        data_utils.load_fashion_mnist(str(tmp_path), 10, 10)


@pytest.mark.parametrize('factor', [2, 4])
def test_sum_pool_adds_each_block_in_a_fixed_order(factor):
    """Rows of a block left to right, then top to bottom, in float32: for factor 2 the
    very bits of numpy's sum over the block axes, which the pooled Fashion-MNIST of
    val_accuracy had before (grades and the Gradescope bundle's fit_sha256 unchanged)."""
    from autograder import datasets
    rng = np.random.default_rng(factor)
    X = (rng.standard_normal((300, 784)) * 100).astype(np.float32)
    pooled = datasets.sum_pool(X, factor)
    side = 28 // factor
    blocks = X.reshape(300, side, factor, side, factor)
    expected = np.zeros((300, side, side), np.float32)
    for line in range(factor):
        row_sum = blocks[:, :, line, :, 0].copy()
        for column in range(1, factor):
            row_sum += blocks[:, :, line, :, column]
        expected = row_sum if line == 0 else expected + row_sum
    assert pooled.dtype == np.float32 and pooled.shape == (300, side * side)
    assert pooled.tobytes() == expected.reshape(300, -1).tobytes()
    if factor == 2:
        assert pooled.tobytes() == blocks.sum(axis=(2, 4)).reshape(300, -1).tobytes()
    with pytest.raises(ValueError, match='not square images'):
        datasets.sum_pool(X[:, :783], factor)


def test_missing_fashion_mnist_names_the_package(tmp_path):
    with pytest.raises(data_utils.DatasetError, match='dataset-fashion-mnist'):
        data_utils.load_fashion_mnist(str(tmp_path))


@pytest.mark.slow
@needs_fashion_mnist
def test_real_fashion_mnist_split():
    data = data_utils.get_data('fashion_mnist')
    assert data['X_train'].shape == (59000, 784) and data['X_val'].shape == (1000, 784)
    assert data['X_test'].shape == (1000, 784)
    assert set(np.unique(data['y_train'])) == set(range(10))


def float64_fit_data(fit, settings):
    """fit's val_accuracy split rebuilt as 2.3.0's loader did: every image float64 from
    the start, centred in float64 (then pooled as the grader pools it)."""
    from autograder import datasets
    X_train, _, X_test, _ = data_utils.load_fashion_mnist()
    rows = settings['num_training']
    train = X_train.reshape(X_train.shape[0], -1).astype(np.float64)
    mean_image = train[:rows].mean(axis=0)
    X = train[:rows] - mean_image
    X_val = train[rows:rows + datasets.FIT_VALIDATION_SIZE] - mean_image
    X_held = (X_test.reshape(X_test.shape[0], -1).astype(np.float64) - mean_image)[
        datasets.held_out_rows(4242)]
    pool = settings['pool']
    return [datasets.sum_pool(array, pool) for array in (X, X_val, X_held)]


@pytest.mark.slow
@needs_fashion_mnist
def test_float32_images_leave_the_reference_accuracy_on_fashion_mnist_unchanged():
    """The loaders give float32 images (CIFAR-10 fits in 768 MB); the reference trained
    the grader's way on them reaches the very accuracy it reaches on the float64 images
    of 2.3.0, so the val_accuracy threshold stays."""
    from autograder import datasets
    from autograder.checks.thresholds import FIT_SETTINGS
    from autograder.checks.hidden_judges import trained_accuracy
    from autograder.paths import load_module
    from autograder.sandbox.child.probes import probe_fit
    reference = load_module(os.path.join(SOLUTIONS_DIR, 'neural_net.py'), '_reference_f32')
    settings = FIT_SETTINGS['fashion_mnist']
    fit = datasets.load_fit_data('fashion_mnist', 4242, settings)
    assert fit.X.dtype == fit.X_val.dtype == fit.X_held.dtype == np.float32
    X, X_val, X_held = float64_fit_data(fit, settings)
    assert np.allclose(fit.X, X, atol=1e-3) and not np.array_equal(fit.X, X)
    accuracies = []
    for images in ((fit.X, fit.X_val, fit.X_held), (X, X_val, X_held)):
        arrays = {'X': images[0], 'y': fit.y, 'X_val': images[1]}
        trained = probe_fit(reference, settings['args'], arrays)
        accuracies.append(trained_accuracy(trained, images[2], fit.y_held))
    assert accuracies[0] == accuracies[1] and accuracies[0] > settings['threshold']
