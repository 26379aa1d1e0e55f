"""Download Fashion-MNIST (the four IDX files), verify them and put them in place.

Usage::

    python fashion_mnist_download.py                  # into datasets/fashion-mnist beside this file
    python fashion_mnist_download.py --dest DIR       # into DIR
    python fashion_mnist_download.py --source DIR     # copy from a folder you already have

Every file is checked before it is kept: a download against the md5 that
Fashion-MNIST's authors publish in their README (the table "MD5 Checksum" of
github.com/zalandoresearch/fashion-mnist), a file from ``--source`` against
the same md5 or, for a copy that was gzipped again (Debian's package
``dataset-fashion-mnist`` is one), against the checksum of its uncompressed
content. A file that fails keeps nothing half-written and names itself.

The notebook and the grader find the files in datasets/fashion-mnist beside
data_utils.py without further settings; elsewhere set FASHION_MNIST_DIR.
"""
import argparse
import gzip
import hashlib
import os
import shutil
import sys
import urllib.request

from data_utils import FASHION_MNIST_FILES, HERE, DatasetError

# The download links of the Fashion-MNIST README, then the same files in the
# authors' GitHub repository.
FASHION_MNIST_URLS = (
    'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
)
# md5 of each .gz file as published in the Fashion-MNIST README.
FASHION_MNIST_MD5 = {
    'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
    't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
    't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
}
# sha256 of each file's uncompressed IDX content, measured on the files of
# Debian's dataset-fashion-mnist (the upstream data, compressed again), so a
# recompressed copy is recognised too.
FASHION_MNIST_CONTENT_SHA256 = {
    'train-images-idx3-ubyte.gz': 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
    'train-labels-idx1-ubyte.gz': 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
    't10k-images-idx3-ubyte.gz': '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
    't10k-labels-idx1-ubyte.gz': '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
}
DEFAULT_DEST = os.path.join(HERE, 'datasets', 'fashion-mnist')


def _digest(path, algorithm, unzip=False, chunk_size=1 << 20):
    digest = hashlib.new(algorithm)
    opener = gzip.open if unzip else open
    try:
        with opener(path, 'rb') as handle:
            for chunk in iter(lambda: handle.read(chunk_size), b''):
                digest.update(chunk)
    except (OSError, EOFError):
        return None          # not a readable (gzip) file
    return digest.hexdigest()


def file_ok(path, name, md5=None, content_sha256=None):
    """True if path holds the published file `name` (or the same content recompressed)."""
    md5 = FASHION_MNIST_MD5 if md5 is None else md5
    content_sha256 = FASHION_MNIST_CONTENT_SHA256 if content_sha256 is None else content_sha256
    if not os.path.isfile(path):
        return False
    if name in md5 and _digest(path, 'md5') == md5[name]:
        return True
    return name in content_sha256 and _digest(path, 'sha256', unzip=True) == content_sha256[name]


def _place(name, dest, fill, md5, content_sha256, where):
    """Write one file through a temporary name; keep it only if it verifies."""
    target = os.path.join(dest, name)
    partial = target + '.part'
    try:
        fill(partial)
        if not file_ok(partial, name, md5, content_sha256):
            raise DatasetError('%s from %s does not match the published checksum (md5 %s); it '
                               'is incomplete, corrupt or another file.'
                               % (name, where, md5.get(name)))
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return target


def _download(url):
    def fill(partial):
        with urllib.request.urlopen(url, timeout=60) as response, open(partial, 'wb') as out:
            shutil.copyfileobj(response, out)
    return fill


def get_fashion_mnist(dest=DEFAULT_DEST, source=None, urls=FASHION_MNIST_URLS, md5=None,
                      content_sha256=None):
    """Make sure dest holds the four verified Fashion-MNIST files; returns dest.

    Files already in dest that verify are kept. Missing ones are copied from
    the folder `source`, or else downloaded (each URL of `urls` in turn).
    """
    md5 = FASHION_MNIST_MD5 if md5 is None else md5
    content_sha256 = FASHION_MNIST_CONTENT_SHA256 if content_sha256 is None else content_sha256
    os.makedirs(dest, exist_ok=True)
    for name in FASHION_MNIST_FILES.values():
        if file_ok(os.path.join(dest, name), name, md5, content_sha256):
            continue
        if source is not None:
            origin = os.path.join(source, name)
            if not os.path.isfile(origin):
                raise DatasetError('%s: not found; the folder given with --source must hold the '
                                   'four Fashion-MNIST .gz files.' % origin)
            _place(name, dest, lambda partial: shutil.copyfile(origin, partial), md5,
                   content_sha256, origin)
            continue
        problems = []
        for base in urls:
            try:
                _place(name, dest, _download(base + name), md5, content_sha256, base + name)
                break
            except (OSError, DatasetError) as error:
                problems.append('%s: %s' % (base + name, error))
        else:
            raise DatasetError('could not get %s (%s). Download the four files by hand (links in '
                               'the Fashion-MNIST README) and run `python '
                               'fashion_mnist_download.py --source FOLDER`.'
                               % (name, '; '.join(problems)))
    return dest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--dest', default=DEFAULT_DEST,
                        help='folder for the four .gz files (default: %(default)s)')
    parser.add_argument('--source', help='a folder that already holds the four .gz files '
                                         '(e.g. /usr/share/datasets/fashion-mnist)')
    args = parser.parse_args(argv)
    try:
        folder = get_fashion_mnist(args.dest, source=args.source)
    except DatasetError as error:
        print('error: %s' % error, file=sys.stderr)
        return 1
    print('Fashion-MNIST is ready in %s' % folder)
    if os.path.abspath(folder) != os.path.abspath(DEFAULT_DEST):
        print('Point the notebook and the grader at it: FASHION_MNIST_DIR=%s' % folder)
    return 0


if __name__ == '__main__':
    sys.exit(main())
