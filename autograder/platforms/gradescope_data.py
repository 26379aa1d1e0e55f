"""The Gradescope bundle's Fashion-MNIST, prepared once when the image is built.

Gradescope grades every submission in a fresh container of the image that
setup.sh built, so what a run does to its data it does again for the next
submission. apt installs Fashion-MNIST as gzip files; inflating them (26 MB of
training images into 47 MB) was about a fifth of the CPU time of each run
for a submission. setup.sh therefore stores the same four IDX files once more in the
bundle's private folder as gzip *without compression* (level 0): the same
format, read by the same loader with the same checks, and the grader still
compares the split with the one the bundle was built with (grader.json's
fit_sha256) on every run. run_autograder points the loader there
(FASHION_MNIST_DIR).

    python -m autograder.platforms.gradescope_data DEST

Then setup.sh stores the val_accuracy split of the bundle's seed itself in the private
folder (FIT_FILE: the arrays the grader trains and measures on, as .npy in an uncompressed
zip), after comparing it with grader.json's fit_sha256: loading, converting and pooling
them from the IDX files was about an eighth of the CPU time of each run. The grader reads
that file where it exists (gradescope.load_fit), and still compares it with fit_sha256 on every run.

    python -m autograder.platforms.gradescope_data --fit PRIVATE_DIR
"""
import contextlib
import gzip
import os
import shutil
import sys

from ..datasets import data_utils
from ..errors import BundleError, KitError


@contextlib.contextmanager
def replaced_when_written(path):
    """The name of a file to write path's new content to: it replaces path when the block
    ends without an error, and is removed otherwise (path is never left half written)."""
    partial = path + '.part'
    try:
        yield partial
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def store_uncompressed(dest, source=None):
    """Copy Fashion-MNIST's four .gz files from source (default: where the kit's loader
    finds them) into the folder dest, each re-written as gzip without compression.
    Returns dest."""
    loaders = data_utils()
    source = source or loaders.fashion_mnist_dir()
    os.makedirs(dest, exist_ok=True)
    for name in loaders.FASHION_MNIST_FILES.values():
        path, target = os.path.join(source, name), os.path.join(dest, name)
        try:
            with replaced_when_written(target) as partial, gzip.open(path, 'rb') as packed, \
                    open(partial, 'wb') as raw, \
                    gzip.GzipFile(fileobj=raw, mode='wb', compresslevel=0, mtime=0,
                                  filename=name[:-len('.gz')]) as stored:
                shutil.copyfileobj(packed, stored, 1 << 20)
        except (OSError, EOFError) as error:
            raise BundleError('cannot store %s uncompressed in %s (%s); install the Debian '
                              'package dataset-fashion-mnist or set FASHION_MNIST_DIR.'
                              % (path, dest, error)) from error
    return dest


def store_fit(private_dir):
    """Store the val_accuracy split of the bundle's seed and dataset (grader.json) in
    private_dir/FIT_FILE, once it matches the split the bundle was built with. Returns the
    file's path."""
    import numpy as np
    from ..checks import FIT_SETTINGS
    from ..datasets import load_fit_data
    from .gradescope import FIT_ARRAYS, FIT_FILE, load_private, split_hash
    settings = load_private(private_dir)
    try:
        fit = load_fit_data(settings['dataset'], settings['seed'],
                            FIT_SETTINGS[settings['dataset']])
    except data_utils().DatasetError as error:
        raise BundleError(str(error)) from error
    if split_hash(fit) != settings.get('fit_sha256'):
        raise BundleError('the %s data on this image differ from the data the bundle was '
                          'built with; install the same dataset or rebuild the bundle.'
                          % settings['dataset'])
    path = os.path.join(private_dir, FIT_FILE)
    try:
        with replaced_when_written(path) as partial, open(partial, 'wb') as handle:
            np.savez(handle, **{name: getattr(fit, name) for name in FIT_ARRAYS})
    except OSError as error:
        raise BundleError('cannot write %s (%s).' % (path, error.strerror or error)) from error
    return path


USAGE = ('usage: python -m autograder.platforms.gradescope_data DEST\n'
         '       python -m autograder.platforms.gradescope_data --fit PRIVATE_DIR')


def main(argv=None):
    """setup.sh's steps: store the data in DEST, or (--fit) the split in PRIVATE_DIR;
    `error: ...` and exit 2 if it cannot."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) not in (1, 2) or (len(argv) == 2) != (argv[0] == '--fit'):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        if argv[0] == '--fit':
            print('val_accuracy split stored in %s' % store_fit(argv[1]))
            return 0
        print('Fashion-MNIST stored uncompressed in %s' % store_uncompressed(argv[0]))
    except KitError as error:
        print('error: %s' % error, file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == '__main__':
    sys.exit(main())
