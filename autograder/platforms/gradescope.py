"""The Gradescope autograder bundle: build it, and grade inside Gradescope with it.

Gradescope unzips the bundle into ``/autograder/source``, runs ``setup.sh``
once as root when it builds the image, then ``/autograder/run_autograder``
(a copy of the bundle's) for every submission, and shows students
``/autograder/results/results.json``.

What the zip holds, all at its root::

    setup.sh            venv with the bundled kit installed from here (its
                        dependencies include what student code may import:
                        numpy, matplotlib, future; student_imports.py),
                        the unprivileged user, the dataset, the private folder locked
    run_autograder      grades /autograder/submission into results/results.json
    pyproject.toml      installs the bundled package (no download of the kit)
    autograder/         the grader package (no course; the mutation catalog is in the kit)
    assignment/         the data loaders (data_utils.py, cifar10_download.py)
    private/            root-only after setup.sh (mode 700):
      grader.json       seed, dataset, sha256 (fit_sha256) and labels of the validation split
      expected.json     the reference's outputs on every probe for that seed
      neural_net.py     the reference module, for the grader process only
      fit.npz           the val_accuracy split of the seed, stored by setup.sh from the
                        dataset (gradescope_data.py); the grader reads it
      datasets/         CIFAR-10 (--dataset cifar10), or Fashion-MNIST stored uncompressed
                        by setup.sh (gradescope_data.py); run_autograder points the loaders here

Nothing in the bundle outside private/ reveals the solution or the seed.
"""
import hashlib
import json
import os
import stat
import sys
import time
import traceback
import zipfile

import numpy as np

from ..checks.probe_ids import DEFAULT_SEED
from ..errors import EXIT_OK, BundleError, GraderError, KitError
from ..grading import Grader, not_graded_line
from ..paths import (PACKAGE_DIR, REPO_DIR, kit_path, package_source_files, reference_path,
                     require_kit, runtime_requirements)
from .. import stored_outputs
from ..datasets import FitData
from ..outputs.sanitise import GRADESCOPE_FORMATS, gradescope_output
from ..results import PASSED
from ..sandbox import Limits
from ..sandbox.isolation import KERNEL_LAYERS
from ..submissions.discovery import read_submission

PRIVATE = 'private'
GRADER_JSON = 'grader.json'
EXPECTED_JSON = 'expected.json'
REFERENCE_NAME = 'neural_net.py'
FIT_FILE = 'fit.npz'      # the val_accuracy split of the seed, stored by setup.sh
FIT_ARRAYS = ('X', 'y', 'X_val', 'y_val', 'X_held', 'y_held')
CIFAR10_ARCHIVE = 'cifar-10-python.tar.gz'
FASHION_MNIST_FOLDER = 'fashion-mnist'    # in private/datasets/, made by setup.sh
STUDENT_USER = 'tln-student'
DATASETS = ('fashion_mnist', 'cifar10', 'none')
LOADERS = ('data_utils.py', 'cifar10_download.py')
ZIP_DATE = (2020, 1, 1, 0, 0, 0)

BUNDLE_PYPROJECT = """[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "two-layer-net-grader"
version = "{version}"
description = "Two-layer net autograder, as bundled for Gradescope"
requires-python = ">=3.10"
dependencies = {dependencies}

[tool.setuptools]
packages = {packages}
"""

SETUP_SH = """#!/usr/bin/env bash
# Gradescope image set-up: runs once, as root, when the image is built.
# GRADESCOPE_ROOT (default /autograder) lets a test run it in a scratch folder;
# TLN_SYSTEM_SETUP=0 skips the system part (apt, the student user).
set -euo pipefail
ROOT="${{GRADESCOPE_ROOT:-/autograder}}"
SOURCE="$ROOT/source"
STUDENT_USER="${{TLN_STUDENT_USER:-{user}}}"
# One user per submission graded at once (the uid-drop layer never shares one).
STUDENT_USERS="${{TLN_STUDENT_USERS:-2}}"

if [ "${{TLN_SYSTEM_SETUP:-1}}" = 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y python3 python3-venv python3-pip{apt_data}
    # Student code runs as these users when the grader runs as root: $STUDENT_USER-0,
    # -1, ..., in the group $STUDENT_USER through which they read the probe inputs.
    getent group "$STUDENT_USER" >/dev/null || groupadd --system "$STUDENT_USER"
    for slot in $(seq 0 $((STUDENT_USERS - 1))); do
        if ! id -u "$STUDENT_USER-$slot" >/dev/null 2>&1; then
            useradd --system --no-create-home --shell /usr/sbin/nologin \\
                --gid "$STUDENT_USER" "$STUDENT_USER-$slot"
        fi
    done
fi

# The grader's own environment: no system site-packages, the kit from this bundle.
"${{TLN_PYTHON:-python3}}" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --disable-pip-version-check --quiet --editable "$SOURCE"
# What student code may import (autograder/student_imports.py) must be there, or a
# correct file would score 0: the image build fails here instead.
"$ROOT/venv/bin/python" -m autograder.student_imports
# Every submission runs in a fresh container of this image: byte-compile the grader and the
# loaders here, or each run compiles them again (pip compiled what it installed).
"$ROOT/venv/bin/python" -m compileall -q "$SOURCE/autograder" "$SOURCE/assignment"
{data}{fit}
# Only root may read what the grader keeps: stored outputs, seed, labels, reference.
if [ "$(id -u)" = 0 ]; then
    chown -R 0:0 "$SOURCE/{private}"
fi
chmod -R go-rwx "$SOURCE/{private}"
chmod 700 "$SOURCE/{private}"
"""

FASHION_MNIST_SETUP = """# Fashion-MNIST as apt installed it, stored once more uncompressed (gzip level 0, the same
# IDX files and loader) where only the grader reads it: every submission's run would
# inflate it again (platforms/gradescope_data.py).
"$ROOT/venv/bin/python" -m autograder.platforms.gradescope_data "$SOURCE/{private}/datasets/{folder}"
"""

CIFAR10_SETUP = """# CIFAR-10 travels in the bundle (md5-checked again here), so nothing is downloaded.
"$ROOT/venv/bin/python" "$SOURCE/assignment/cifar10_download.py" \\
    --archive "$SOURCE/{private}/datasets/{archive}" --dest "$SOURCE/{private}/datasets"
rm -f "$SOURCE/{private}/datasets/{archive}"
"""

FIT_SETUP = """# The val_accuracy split of the bundle's seed, stored ready to grade with (compared with
# grader.json first): every run would load and pool it from the dataset again.
FASHION_MNIST_DIR="${{FASHION_MNIST_DIR:-$SOURCE/{private}/datasets/{folder}}}" \\
CIFAR10_DIR="${{CIFAR10_DIR:-$SOURCE/{private}/datasets/cifar-10-batches-py}}" \\
    "$ROOT/venv/bin/python" -m autograder.platforms.gradescope_data --fit "$SOURCE/{private}"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope entry point: grade the submission, write results/results.json.
# GRADESCOPE_ROOT (default /autograder) lets a test run it in a scratch folder.
ROOT="${GRADESCOPE_ROOT:-/autograder}"
mkdir -p "$ROOT/results"
if [ "$(id -u)" = 0 ]; then
    chmod 700 "$ROOT/results"   # student code (another user) cannot write the results
fi
cd "$ROOT/source" || exit 1
# Gradescope's containers forbid user namespaces, so bubblewrap cannot run there: as
# root, student code runs as the unprivileged users setup.sh made (the uid-drop layer),
# chosen here explicitly, since the grader refuses any layer weaker than bubblewrap
# that nobody chose. An image where bubblewrap runs can set TLN_ISOLATION=bwrap.
if [ -z "${TLN_ISOLATION:-}" ] && [ "$(id -u)" = 0 ]; then
    export TLN_ISOLATION=uid-drop
fi
# The dataset setup.sh left in the private folder, unless the image names another.
DATA="$ROOT/source/private/datasets"
if [ -z "${FASHION_MNIST_DIR:-}" ] && [ -d "$DATA/fashion-mnist" ]; then
    export FASHION_MNIST_DIR="$DATA/fashion-mnist"
fi
if [ -z "${CIFAR10_DIR:-}" ] && [ -d "$DATA/cifar-10-batches-py" ]; then
    export CIFAR10_DIR="$DATA/cifar-10-batches-py"
fi
exec "$ROOT/venv/bin/python" -m autograder gradescope run \\
    --submission "$ROOT/submission" --results "$ROOT/results/results.json"
"""


def check_seed(seed):
    """Refuse a missing seed or the public default one."""
    if seed is None:
        raise BundleError('choose a private --seed: it fixes the hidden inputs, and the bundle '
                          'stores the reference outputs for it.')
    if seed == DEFAULT_SEED:
        raise BundleError('--seed %d is the kit\'s public default (the student self-check uses '
                          'it); choose a private seed of your own.' % DEFAULT_SEED)
    return seed


def default_cifar10_archive():
    """Where cifar10_download.py leaves the tarball on the builder's machine."""
    from ..datasets import data_utils
    candidates = [os.path.join(os.path.dirname(data_utils().cifar10_dir()), CIFAR10_ARCHIVE),
                  kit_path('assignment', 'datasets', CIFAR10_ARCHIVE)]
    return next((path for path in candidates if os.path.isfile(path)), candidates[-1])


def split_hash(fit):
    """sha256 over the val_accuracy split (training, validation and held-out data, labels)."""
    digest = hashlib.sha256()
    for array in (fit.X, fit.y, fit.X_val, fit.y_val, fit.X_held, fit.y_held):
        array = np.ascontiguousarray(array)   # hashed as it is: no float64 copy of the images
        digest.update(repr((array.shape, array.dtype.str)).encode())
        digest.update(memoryview(array).cast('B'))
    return digest.hexdigest()


def private_files(seed, dataset, limits=None):
    """(grader.json text, expected.json text) for a seed: runs the reference once."""
    grader = Grader(dataset=dataset, seed=seed, limits=limits, weaker_layers=True)
    with grader:
        with open(grader.reference_file, 'rb') as handle:
            outputs = stored_outputs.encode(seed, grader.reference, handle.read())
        config = {'seed': seed, 'dataset': grader.dataset or 'none',
                  'reference_sha256': grader.reference_hash}
        if grader.fit is not None:
            config['fit_sha256'] = split_hash(grader.fit)
            config['y_val'] = [int(label) for label in grader.fit.y_val]
    return json.dumps(config, indent=1, sort_keys=True) + '\n', outputs


def _public_files():
    """(path on disk, name in zip) of the package and the loaders."""
    files = [(path, os.path.relpath(path, REPO_DIR)) for path in package_source_files()]
    for name in LOADERS:
        files.append((kit_path('solutions', name), os.path.join('assignment', name)))
    return files


def _packages():
    names = sorted({os.path.dirname(os.path.relpath(path, REPO_DIR)).replace(os.sep, '.')
                    for path in package_source_files()})
    return '[%s]' % ', '.join('"%s"' % name for name in names)


def bundle_pyproject():
    """The bundle's pyproject.toml: the grader's run-time pins are its dependencies
    (what student code may import among them, student_imports.py)."""
    from .. import __version__
    return BUNDLE_PYPROJECT.format(version=__version__, packages=_packages(),
                                   dependencies=json.dumps(runtime_requirements()))


def _write_text(archive, name, text, mode=0o644):
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)


def build_zip(out, seed, dataset='fashion_mnist', cifar10_archive=None, log=print):
    """Write the Gradescope bundle; returns the member names.

    The zip is written next to out and renamed into place only when it is
    complete, so a failed build leaves no partial zip behind.
    """
    check_seed(seed)
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise BundleError('--out %s: the folder %s does not exist; create it first or choose '
                          'another path.' % (out, folder))
    if os.path.isdir(out):
        raise BundleError('--out %s is a folder; give the path of the zip to write (e.g. '
                          '%s).' % (out, os.path.join(out, 'autograder.zip')))
    if dataset not in DATASETS:
        raise BundleError('unknown dataset %r; choose one of %s' % (dataset, ', '.join(DATASETS)))
    require_kit('gradescope build', ('solutions/neural_net.py',)
                + tuple('solutions/' + name for name in LOADERS))
    if dataset == 'cifar10':
        cifar10_archive = cifar10_archive or default_cifar10_archive()
        if not os.path.isfile(cifar10_archive):
            raise BundleError(
                'the bundle carries CIFAR-10 so that the image build downloads nothing, and '
                'there is no %s here. Run `python assignment/cifar10_download.py` (it keeps the '
                'md5-checked tarball), pass --cifar10-archive FILE, or build with --dataset '
                'fashion_mnist (installed by apt in setup.sh).' % cifar10_archive)
        from ..datasets import data_utils
        download = _load_downloader(data_utils)
        try:
            download.verify_archive(cifar10_archive, download.CIFAR10_ARCHIVE_MD5)
        except data_utils().DatasetError as error:
            raise BundleError(str(error)) from error
    try:
        grader_json, expected_json = private_files(seed, dataset)
    except GraderError as error:
        raise BundleError(str(error)) from error
    apt_data = ' dataset-fashion-mnist' if dataset == 'fashion_mnist' else ''
    data_setup = {'cifar10': CIFAR10_SETUP.format(private=PRIVATE, archive=CIFAR10_ARCHIVE),
                  'fashion_mnist': FASHION_MNIST_SETUP.format(private=PRIVATE,
                                                              folder=FASHION_MNIST_FOLDER),
                  }.get(dataset, '')
    fit_setup = '' if dataset == 'none' else FIT_SETUP.format(private=PRIVATE,
                                                              folder=FASHION_MNIST_FOLDER)
    setup = SETUP_SH.format(user=STUDENT_USER, apt_data=apt_data, data=data_setup,
                            fit=fit_setup, private=PRIVATE)
    members = []
    partial = out + '.part'
    try:
        with zipfile.ZipFile(partial, 'w', zipfile.ZIP_DEFLATED) as archive:
            _write_text(archive, 'setup.sh', setup, 0o755)
            _write_text(archive, 'run_autograder', RUN_AUTOGRADER, 0o755)
            _write_text(archive, 'pyproject.toml', bundle_pyproject())
            for path, name in _public_files():
                with open(path, encoding='utf-8') as handle:
                    _write_text(archive, name, handle.read())
            _write_text(archive, '%s/%s' % (PRIVATE, GRADER_JSON), grader_json, 0o600)
            _write_text(archive, '%s/%s' % (PRIVATE, EXPECTED_JSON), expected_json, 0o600)
            with open(reference_path(), encoding='utf-8') as handle:
                _write_text(archive, '%s/%s' % (PRIVATE, REFERENCE_NAME), handle.read(), 0o600)
            if dataset == 'cifar10':
                info = zipfile.ZipInfo('%s/datasets/%s' % (PRIVATE, CIFAR10_ARCHIVE),
                                       date_time=ZIP_DATE)
                info.external_attr = (stat.S_IFREG | 0o600) << 16
                with open(cifar10_archive, 'rb') as source, archive.open(info, 'w') as target:
                    for chunk in iter(lambda: source.read(1 << 20), b''):
                        target.write(chunk)
            members = archive.namelist()
        os.replace(partial, out)
    except OSError as error:
        raise BundleError('cannot write %s (%s).' % (out, error.strerror or error)) from error
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    log('wrote %s (%d files; val_accuracy on %s; private seed stored in %s/)'
        % (out, len(members), dataset, PRIVATE))
    return members


def _load_downloader(data_utils):
    """The kit's cifar10_download module (beside data_utils)."""
    import importlib.util
    folder = os.path.dirname(data_utils().__file__)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(
        '_tln_cifar10_download', os.path.join(folder, 'cifar10_download.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- inside Gradescope -------------------------------------------------------

def default_private_dir():
    """The bundle's private folder (beside the installed package)."""
    return os.path.join(os.path.dirname(PACKAGE_DIR), PRIVATE)


def load_private(private_dir):
    """The bundle's grader settings (grader.json) as a dict."""
    path = os.path.join(private_dir, GRADER_JSON)
    try:
        with open(path, encoding='utf-8') as handle:
            return json.load(handle)
    except (OSError, ValueError) as error:
        raise GraderError('cannot read the bundle\'s %s (%s); rebuild the bundle with '
                          '`python -m autograder gradescope build`.' % (path, error)) from error


def load_fit(private_dir, settings):
    """The FitData setup.sh stored in private_dir for settings (grader.json; written by
    gradescope_data.store_fit), or None where there is no such file (the grader then loads
    the dataset)."""
    path = os.path.join(private_dir, FIT_FILE)
    if settings.get('dataset', 'none') == 'none' or not os.path.isfile(path):
        return None
    from ..checks import FIT_SETTINGS
    try:
        with np.load(path) as stored:
            arrays = {name: stored[name] for name in FIT_ARRAYS}
        args = dict(FIT_SETTINGS[settings['dataset']]['args'])
    except (OSError, ValueError, KeyError) as error:
        raise GraderError('cannot read the bundle\'s %s (%s); rebuild the bundle with '
                          '`python -m autograder gradescope build`.' % (path, error)) from error
    return FitData(settings['dataset'], arrays['X'], arrays['y'], arrays['X_val'],
                   arrays['y_val'], args, arrays['X_held'], arrays['y_held'])


# The file test: which neural_net.py was graded, or why none could be (visible).
FILE_TEST = 'submitted file'
# A test only course staff see, when the bundle itself is at fault.
STAFF_TEST = 'autograder configuration (staff only)'


def _file_test(result, note):
    """The visible test naming the graded file, or the reason there is none."""
    if result.problem:     # the one place that states the reason
        text, status = 'Not graded: %s' % result.problem, 'failed'
    else:
        text, status = note or 'Graded %s.' % result.submission, 'passed'
    return {'name': FILE_TEST, 'score': 0.0, 'max_score': 0.0, 'output': gradescope_output(text),
            'status': status, 'visibility': 'visible'}


def results_json(result, visible_names, seconds, note=''):
    """Gradescope's results.json for one SubmissionResult.

    Visible checks are shown at once; hidden ones are ``after_published``.
    There is no top-level score (Gradescope adds up the tests and, while
    tests are hidden, does not show students the total), and the top-level
    output only speaks of the visible checks. A visible test of no points
    names the graded file (note: which others were ignored) or why nothing
    could be graded. All text is Markdown (``output_format``), escaped.
    """
    tests = [_file_test(result, note)]
    for check in result.checks:
        visible = check.name in visible_names
        tests.append({'name': check.name, 'score': check.score, 'max_score': check.max_score,
                      'output': gradescope_output(check.feedback),
                      'status': 'passed' if check.status == PASSED else 'failed',
                      'visibility': 'visible' if visible else 'after_published'})
    shown = [test for test in tests[1:] if test['visibility'] == 'visible']
    hidden = len(tests) - 1 - len(shown)
    visible_line = 'Visible checks: %g / %g points.' % (
        round(sum(t['score'] for t in shown), 4), sum(t['max_score'] for t in shown))
    if hidden:
        visible_line += (' %d more check(s) are graded now and shown, with your total, when '
                         'grades are published.' % hidden)
    # Where nothing was graded the output opens with that (the visible file test, first
    # of the tests, states the reason once).
    lines = [not_graded_line(result.diagnoses)] if result.problem else []
    lines.append(visible_line)
    lines.extend('Warning: %s' % warning for warning in result.warnings)
    return {'execution_time': round(seconds, 1),
            'output': '\n\n'.join(gradescope_output(line) for line in lines),
            'visibility': 'visible', 'stdout_visibility': 'hidden',
            'tests': tests, **GRADESCOPE_FORMATS}


def failure_json(message, staff_detail=None):
    """results.json when nothing could be graded (no check is revealed).

    staff_detail: why the autograder itself failed, in a test that only
    course staff see (Gradescope's ``hidden`` visibility).
    """
    tests = []
    if staff_detail:
        tests.append({'name': STAFF_TEST, 'score': 0.0, 'max_score': 0.0,
                      'output': gradescope_output(staff_detail),
                      'status': 'failed', 'visibility': 'hidden'})
    return {'score': 0.0, 'output': gradescope_output(message),
            'visibility': 'visible', 'stdout_visibility': 'hidden', 'tests': tests,
            **GRADESCOPE_FORMATS}


def _write_json(path, data):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(data, handle, indent=1)


def make_grader(private_dir, submission_dir, limits):
    """The Grader of a bundle: its seed and dataset, its stored outputs and split (where
    setup.sh stored it), no reference run."""
    settings = load_private(private_dir)
    grader = Grader(dataset=settings['dataset'], seed=settings['seed'], limits=limits,
                    fit=load_fit(private_dir, settings),
                    denied_roots=[os.path.abspath(submission_dir), os.path.abspath(private_dir)],
                    expected_file=os.path.join(private_dir, EXPECTED_JSON),
                    reference_file=os.path.join(private_dir, REFERENCE_NAME))
    if grader.fit is not None:
        if split_hash(grader.fit) != settings.get('fit_sha256') or [
                int(label) for label in grader.fit.y_val] != settings.get('y_val'):
            grader.close()
            raise GraderError('the %s data on this machine differ from the data the bundle was '
                              'built with; install the same dataset or rebuild the bundle.'
                              % settings['dataset'])
    return grader


MISCONFIGURED = ('The autograder could not grade this submission: it is misconfigured, not '
                 'your code. Your course staff see the reason on this submission\'s page; '
                 'resubmit once they have fixed it.')
CRASHED = ('The autograder failed on this submission (%s), a fault of the grader, not a grade. '
           'Your course staff see the details on this submission\'s page.')


def run(submission_dir, results_path, private_dir=None, limits=None, log=print):
    """Grade the submission folder and write results.json; returns an exit code.

    results.json is written whatever happens. The submission folder is one
    student's, never split into a class; its file is chosen by the rule of
    every route (file_choice.choose_student_file), and a submission that cannot
    be read gets the reason (exit 0: that is its grade). When the grader
    itself fails (a misconfigured bundle, e.g. its dataset missing on the
    image, or any exception while grading) students get a message that
    reveals nothing of the grader, course staff get the reason in a test only
    they see and in the autograder output (stdout, shown to staff), and the
    error goes on to the command line (cli.py: one ``error:`` line, exit 2);
    an unexpected exception's traceback is printed on stderr first.
    """
    started = time.monotonic()
    submission = read_submission(submission_dir, display='submission')
    try:
        result, visible, layer = _grade(submission, submission_dir,
                                        private_dir or default_private_dir(), limits or Limits())
    except Exception as error:
        known = isinstance(error, KitError)
        detail = ('%s: %s' % ('Misconfigured bundle' if isinstance(error, GraderError)
                              else 'Autograder error', error))
        if not known:
            detail += ' (%s)' % type(error).__name__
        _write_json(results_path, failure_json(
            MISCONFIGURED if isinstance(error, GraderError) else CRASHED % type(error).__name__,
            staff_detail=detail))
        log('AUTOGRADER NOT WORKING - %s' % detail)
        if known:
            raise
        traceback.print_exc()
        raise GraderError('the grader failed on the submission (%s: %s)'
                          % (type(error).__name__, error)) from error
    _write_json(results_path, results_json(result, visible, time.monotonic() - started,
                                           submission.note))
    log('%g / %g (student code ran under the %s isolation layer%s)'
        % (result.score, result.max_score, layer, '' if layer in KERNEL_LAYERS else
           ': WEAK, not isolated from the grader by the kernel'))
    for warning in result.warnings:
        log('warning: %s' % warning)
    return EXIT_OK


def _grade(submission, submission_dir, private_dir, limits):
    """(SubmissionResult, names of the visible checks, isolation layer) with the bundle's
    grader."""
    with make_grader(private_dir, submission_dir, limits) as grader:
        if submission.source is None:
            result = grader.zero_result(submission.file or 'submission', submission.problem)
        else:
            result = grader.grade_source(submission.source, submission.file)
        if submission.note:
            result.warnings += (submission.note,)
        return (result, {check.name for check in grader.checks if check.visible},
                result.isolation or grader.isolation)
