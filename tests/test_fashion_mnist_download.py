"""fashion_mnist_download.py on small synthetic IDX files (no network: file:// URLs)."""
import gzip
import hashlib
import importlib
import os
import struct
import sys

import numpy as np
import pytest

from autograder.paths import SOLUTIONS_DIR

sys.path.insert(0, SOLUTIONS_DIR)
download = importlib.import_module('fashion_mnist_download')
data_utils = importlib.import_module('data_utils')
NAMES = list(data_utils.FASHION_MNIST_FILES.values())


def idx_bytes(array):
    header = struct.pack('>HBB', 0, 0x08, array.ndim) + struct.pack('>' + 'I' * array.ndim,
                                                                    *array.shape)
    return header + array.astype(np.uint8).tobytes()


def synthetic(folder, train=30, test=10, mtime=0):
    """The four files, small; returns (md5 of each .gz, sha256 of each content)."""
    rng = np.random.default_rng(0)
    arrays = {'train-images-idx3-ubyte.gz': rng.integers(0, 256, (train, 28, 28)),
              'train-labels-idx1-ubyte.gz': rng.integers(0, 10, train),
              't10k-images-idx3-ubyte.gz': rng.integers(0, 256, (test, 28, 28)),
              't10k-labels-idx1-ubyte.gz': rng.integers(0, 10, test)}
    folder.mkdir(parents=True, exist_ok=True)
    md5, content = {}, {}
    for name, array in arrays.items():
        raw = idx_bytes(array)
        with open(folder / name, 'wb') as handle:
            handle.write(gzip.compress(raw, mtime=mtime))
        md5[name] = hashlib.md5((folder / name).read_bytes()).hexdigest()
        content[name] = hashlib.sha256(raw).hexdigest()
    return md5, content


def test_published_checksums_are_pinned():
    assert download.FASHION_MNIST_MD5['train-images-idx3-ubyte.gz'] == \
        '8d4fb7e6c68d591d4c3dfef9ec88bf0d'
    assert sorted(download.FASHION_MNIST_MD5) == sorted(NAMES)
    assert sorted(download.FASHION_MNIST_CONTENT_SHA256) == sorted(NAMES)


def test_download_verifies_and_the_loader_reads_it(tmp_path):
    md5, content = synthetic(tmp_path / 'server')
    dest = tmp_path / 'dest'
    url = (tmp_path / 'server').as_uri() + '/'
    download.get_fashion_mnist(str(dest), urls=(url,), md5=md5, content_sha256=content)
    assert sorted(os.listdir(dest)) == sorted(NAMES)
    X_train, y_train, X_test, y_test = data_utils.load_fashion_mnist(str(dest))
    assert X_train.shape == (30, 28, 28) and y_test.shape == (10,)


def test_a_corrupt_download_is_not_kept_and_the_next_source_is_tried(tmp_path):
    md5, content = synthetic(tmp_path / 'good')
    synthetic(tmp_path / 'bad', train=31)             # other bytes: wrong checksums
    dest = tmp_path / 'dest'
    bad, good = [(tmp_path / name).as_uri() + '/' for name in ('bad', 'good')]
    with pytest.raises(data_utils.DatasetError, match='does not match the published checksum'):
        download.get_fashion_mnist(str(dest), urls=(bad,), md5=md5, content_sha256=content)
    assert os.listdir(dest) == []                     # nothing half-written
    download.get_fashion_mnist(str(dest), urls=(bad, good), md5=md5, content_sha256=content)
    assert sorted(os.listdir(dest)) == sorted(NAMES)


def test_local_folder_and_recompressed_copies(tmp_path):
    md5, content = synthetic(tmp_path / 'official')
    synthetic(tmp_path / 'repacked', mtime=12345)     # same content, other gzip bytes
    repacked_md5 = hashlib.md5((tmp_path / 'repacked' / NAMES[0]).read_bytes()).hexdigest()
    assert repacked_md5 != md5[NAMES[0]]
    dest = tmp_path / 'dest'
    download.get_fashion_mnist(str(dest), source=str(tmp_path / 'repacked'), md5=md5,
                               content_sha256=content)
    assert sorted(os.listdir(dest)) == sorted(NAMES)
    with pytest.raises(data_utils.DatasetError, match='not found'):
        download.get_fashion_mnist(str(tmp_path / 'other'), source=str(tmp_path / 'nowhere'),
                                   md5=md5, content_sha256=content)


def test_command_line_reports_errors_without_traceback(tmp_path, capsys):
    code = download.main(['--dest', str(tmp_path / 'd'), '--source', str(tmp_path / 'none')])
    assert code == 1 and 'error:' in capsys.readouterr().err


@pytest.mark.skipif(not os.path.isdir(data_utils.FASHION_MNIST_SYSTEM_DIR),
                    reason='dataset-fashion-mnist not installed')
@pytest.mark.slow
def test_debian_copy_is_recognised(tmp_path):
    """Debian's files are the upstream data gzipped again: the content checksums match."""
    dest = download.get_fashion_mnist(str(tmp_path),
                                      source=data_utils.FASHION_MNIST_SYSTEM_DIR)
    X_train, y_train, _, _ = data_utils.load_fashion_mnist(dest)
    assert X_train.shape == (60000, 28, 28)
