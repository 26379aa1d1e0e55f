"""Download CIFAR-10 (python version), verify it and unpack it.

Usage::

    python cifar10_download.py                 # into datasets/ beside this file
    python cifar10_download.py --dest DIR      # into DIR
    python cifar10_download.py --archive FILE  # use a tarball you already have

The tarball's md5 and every extracted batch's md5 are checked against the
published values; a mismatch deletes nothing you had and says which file is
wrong. Afterwards point CIFAR10_DIR at DEST/cifar-10-batches-py (the default
DEST is where the notebook looks anyway).
"""
import argparse
import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.request

from data_utils import CIFAR10_FOLDER, HERE, DatasetError

CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz'
CIFAR10_ARCHIVE_MD5 = 'c58f30108f718f92721af3b95e74349a'
CIFAR10_BATCH_MD5 = {
    'data_batch_1': 'c99cafc152244af753f735de768cd75f',
    'data_batch_2': 'd4bba439e000b95fd0a9bffe97cbabec',
    'data_batch_3': '54ebc095f3ab1f0389bbae665268c751',
    'data_batch_4': '634d18415352ddfa80567beed471001a',
    'data_batch_5': '482c414d41f54cd18b22e5b47cb7c3cb',
    'test_batch': '40351d587109b95175f43aff81a1287e',
}


def md5_of(path, chunk_size=1 << 20):
    """Hex md5 of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b''):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(url, target):
    """Download url to target through a temporary file (no partial file left)."""
    partial = target + '.part'
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(partial, 'wb') as out:
            shutil.copyfileobj(response, out)
    except OSError as error:
        if os.path.exists(partial):
            os.remove(partial)
        raise DatasetError('could not download %s (%s). Download it by hand and run '
                           '`python cifar10_download.py --archive FILE`.' % (url, error)) from error
    os.replace(partial, target)


def verify_archive(path, expected_md5):
    """Raise DatasetError unless the file at path has the expected md5."""
    actual = md5_of(path)
    if actual != expected_md5:
        raise DatasetError('%s: md5 is %s, expected %s; the download is incomplete or corrupt. '
                           'Delete it and download again.' % (path, actual, expected_md5))


def extract(archive, dest):
    """Unpack the tarball's cifar-10-batches-py folder into dest.

    Members outside that folder, links and absolute or '..' paths are refused.
    Returns the path of the extracted folder.
    """
    try:
        tar = tarfile.open(archive, 'r:gz')
    except (tarfile.TarError, OSError) as error:
        raise DatasetError('%s: not a readable .tar.gz (%s).' % (archive, error)) from error
    with tar, tempfile.TemporaryDirectory(dir=dest) as staging:
        members = tar.getmembers()
        for member in members:
            parts = member.name.replace('\\', '/').split('/')
            if (member.name.startswith('/') or '..' in parts or parts[0] != CIFAR10_FOLDER
                    or not (member.isfile() or member.isdir())):
                raise DatasetError('%s: unexpected member %r; this is not the CIFAR-10 archive.'
                                   % (archive, member.name))
        if hasattr(tarfile, 'data_filter'):  # Python 3.12+ (and security backports)
            tar.extractall(staging, members=members, filter='data')
        else:
            tar.extractall(staging, members=members)
        target = os.path.join(dest, CIFAR10_FOLDER)
        if os.path.exists(target):
            shutil.rmtree(target)
        os.replace(os.path.join(staging, CIFAR10_FOLDER), target)
    return target


def verify_batches(folder, expected=None):
    """Check every batch file exists and matches its md5.

    expected maps batch name -> md5 (default: the official values); batches
    not in it are only checked for presence.
    """
    expected = CIFAR10_BATCH_MD5 if expected is None else expected
    for name in sorted(CIFAR10_BATCH_MD5):
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            raise DatasetError('%s: missing from the extracted archive.' % path)
        checksum = expected.get(name)
        actual = md5_of(path) if checksum else None
        if actual != checksum:
            raise DatasetError('%s: md5 is %s, expected %s; the file is corrupt. Delete %s and '
                               'run this script again.' % (path, actual, checksum, folder))


def download_cifar10(dest, url=CIFAR10_URL, archive=None, archive_md5=CIFAR10_ARCHIVE_MD5,
                     batch_md5=None):
    """Make sure dest/cifar-10-batches-py holds verified CIFAR-10 batches.

    Downloads the tarball (unless archive names a local one), checks its md5,
    unpacks it and checks each batch. Returns the batches folder.
    """
    os.makedirs(dest, exist_ok=True)
    folder = os.path.join(dest, CIFAR10_FOLDER)
    try:
        verify_batches(folder, batch_md5)
        return folder
    except DatasetError:
        pass
    if archive is None:
        archive = os.path.join(dest, os.path.basename(url))
        if not (os.path.isfile(archive) and md5_of(archive) == archive_md5):
            fetch(url, archive)
    verify_archive(archive, archive_md5)
    extract(archive, dest)
    verify_batches(folder, batch_md5)
    return folder


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--dest', default=os.path.join(HERE, 'datasets'),
                        help='folder to put cifar-10-batches-py in (default: %(default)s)')
    parser.add_argument('--archive', help='an already downloaded cifar-10-python.tar.gz')
    parser.add_argument('--url', default=CIFAR10_URL, help='where to download from')
    args = parser.parse_args(argv)
    try:
        folder = download_cifar10(args.dest, url=args.url, archive=args.archive)
    except DatasetError as error:
        print('error: %s' % error, file=sys.stderr)
        return 1
    print('CIFAR-10 is ready in %s' % folder)
    return 0


if __name__ == '__main__':
    sys.exit(main())
