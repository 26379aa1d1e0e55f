"""The Gradescope bundle: its results.json, its build with a private seed, its grading
from stored outputs, the datasets its setup.sh prepares, its memory in Gradescope's
default 768 MB.

The installed zip itself (unzipped alone into a clean simulated /autograder, installed by
its own setup.sh into a fresh venv, graded by run_autograder) is test_gradescope_zip.py.
"""
import json
import os
import sys
import zipfile

import numpy as np
import pytest

from autograder.checks.probe_inputs import DEFAULT_SEED
from autograder.grading import CheckResult, GraderError, SubmissionResult
from autograder.platforms import gradescope
from autograder.sandbox import Limits
from helpers import clean_env, grade_in_cgroups, memory_missing, mutants, needs_fashion_mnist, \
    reference_text, run_autograder_script, run_cli, write_submission, STUB
# The installed zip's end-to-end tests are in test_gradescope_zip.py, which the release
# workflow runs alone.

BROKEN_GRADS = (mutants.MASK, 'pass')


# --- small pieces ------------------------------------------------------------

def sample_result():
    return SubmissionResult('s', [CheckResult('scores', 2.0, 2.0, 'ok', True),
                                  CheckResult('grads', 1.5, 3.0, 'mask', True),
                                  CheckResult('sgd', 0.0, 2.0, 'secret detail', False)])


def test_results_json_hides_hidden_checks_and_the_total():
    data = gradescope.results_json(sample_result(), {'scores', 'grads'}, 1.0)
    assert 'score' not in data          # Gradescope adds up the tests; no total leaks
    assert data['stdout_visibility'] == 'hidden'
    tests = {test['name']: test for test in data['tests']}
    assert tests['scores']['visibility'] == tests['grads']['visibility'] == 'visible'
    assert tests['sgd']['visibility'] == 'after_published'
    assert 'Visible checks: 3.5 / 5 points.' in data['output']
    assert 'secret' not in data['output'] and '5.5' not in data['output']


def test_results_json_output_has_no_escapes():
    hostile = 'boom\x1b[2J\x1b]52;c;Y3VybA==\x07\r<b>\u202eevil'
    result = SubmissionResult('s', [CheckResult('scores', 0.0, 2.0, hostile, True)],
                              problem=hostile, warnings=[hostile])
    data = gradescope.results_json(result, {'scores'}, 1.0)
    for text in (data['output'], data['tests'][0]['output']):
        assert not set(text) & set('\x1b\x07\r\u202e')
    assert 'boom&lt;b&gt;evil' in data['tests'][0]['output']   # the reason, stated once
    assert gradescope.failure_json(hostile)['output'] == 'boom&lt;b&gt;evil'


def test_results_json_is_escaped_markdown():
    """Gradescope's default format renders HTML: `in <module>` vanished from every import
    error. The results say Markdown, and student text cannot become markup or a link."""
    result = SubmissionResult('s', [CheckResult('scores', 0.0, 2.0, 'File "x", line 3, in '
                                                '<module>\n  a = b * c | [link](http://x)')])
    result.problem = 'neural_net.py fails when it is loaded: *boom* in <module>'
    data = gradescope.results_json(result, {'scores'}, 1.0)
    assert data['output_format'] == data['test_output_format'] == 'md'
    scores = next(t for t in data['tests'] if t['name'] == 'scores')
    assert 'in &lt;module&gt;' in scores['output'] and '<module>' not in scores['output']
    assert '\\[link\\]' in scores['output'] and '\\*' in scores['output']
    assert '\\|' in scores['output'] and '  \n' in scores['output']   # lines kept
    file_test = data['tests'][0]
    assert '\\*boom\\* in &lt;module&gt;' in file_test['output']
    assert file_test['visibility'] == 'visible' and file_test['status'] == 'failed'
    assert file_test['output'].startswith('Not graded: neural_net.py fails when it is loaded')


def test_build_into_a_missing_folder_is_one_error_line(tmp_path):
    done = run_cli('gradescope', 'build', '--seed', '99', '--out',
                   str(tmp_path / 'missing' / 'autograder.zip'))
    assert done.returncode == 2
    assert done.stderr.splitlines() == ['error: --out %s: the folder %s does not exist; create '
                                        'it first or choose another path.'
                                        % (tmp_path / 'missing' / 'autograder.zip',
                                           tmp_path / 'missing')]


@pytest.mark.slow
def test_build_refuses_the_public_seed_and_a_missing_one(tmp_path):
    out = tmp_path / 'autograder.zip'
    public = run_cli('gradescope', 'build', '--seed', str(DEFAULT_SEED), '--out', str(out))
    assert public.returncode == 2 and 'public default' in public.stderr
    missing = run_cli('gradescope', 'build', '--out', str(out))
    assert missing.returncode == 2 and '--seed' in missing.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


@pytest.mark.slow
def test_cifar10_build_says_when_the_archive_is_missing(tmp_path):
    out = tmp_path / 'autograder.zip'
    result = run_cli('gradescope', 'build', '--seed', '99', '--dataset', 'cifar10',
                     '--cifar10-archive', str(tmp_path / 'nope.tar.gz'), '--out', str(out))
    assert result.returncode == 2 and 'nope.tar.gz' in result.stderr
    assert 'downloads nothing' in result.stderr and not out.exists()


@pytest.mark.slow
def test_bundle_layout_has_no_public_reference(tmp_path):
    out = tmp_path / 'autograder.zip'
    gradescope.build_zip(str(out), 31337, dataset='none', log=lambda *_: None)
    with zipfile.ZipFile(str(out)) as archive:
        names = archive.namelist()
        setup = archive.read('setup.sh').decode()
        run_script = archive.read('run_autograder').decode()
        public = {name: archive.read(name).decode() for name in names
                  if not name.startswith('private/')}
        config = json.loads(archive.read('private/grader.json'))
    assert {'setup.sh', 'run_autograder', 'pyproject.toml', 'autograder/__main__.py',
            'private/expected.json', 'private/neural_net.py'} <= set(names)
    assert not any(name.startswith(('source/', 'solutions/')) for name in names)
    assert not any('mutants' in name for name in names)   # the catalog stays in the kit
    assert config['seed'] == 31337 and config['dataset'] == 'none'
    assert 'useradd --system --no-create-home' in setup and 'tln-student' in setup
    assert 'chmod 700 "$SOURCE/private"' in setup
    assert 'install --disable-pip-version-check --quiet --editable "$SOURCE"' in setup
    assert 'GRADESCOPE_ROOT' in run_script and '31337' not in run_script
    # Lines of the reference that the public stub does not hold (its signatures are the API).
    with open(STUB, encoding='utf-8') as handle:
        public_lines = {line.strip() for line in handle}
    secret_lines = [line.strip() for line in reference_text().splitlines()
                    if len(line.strip()) > 30 and not line.strip().startswith('#')
                    and line.strip() not in public_lines]
    for name, text in public.items():
        assert '31337' not in text, name
        leaked = [line for line in secret_lines if line in text]
        assert not leaked or name == 'autograder/platforms/gradescope.py', (name, leaked[:2])


CIFAR10_SEED = 4244


@pytest.fixture(scope='module')
def cifar10_bundle(tmp_path_factory):
    """CIFAR-10 at its real size in the real format (5 x 10000 training images, 10000 test
    images; synthetic: the tests cannot download it) and the Gradescope bundle built from
    it with --dataset cifar10 and seed CIFAR10_SEED, the archive's md5 standing in for
    the published one: built once for the two tests that read it (the bundle's layout,
    and the grade from its stored outputs in 768 MB). (data folder, md5, zip)."""
    import hashlib
    import tarfile
    import types
    from test_cli import write_learnable_cifar
    root = tmp_path_factory.mktemp('cifar10-bundle')
    folder = root / 'cifar-10-batches-py'
    write_learnable_cifar(folder, per_batch=10000)
    archive = root / gradescope.CIFAR10_ARCHIVE
    # Stored without compression (still the gzip format of the real tarball): the noisy
    # images would not shrink, and deflating them costs seconds.
    with tarfile.open(str(archive), 'w:gz', compresslevel=0) as tar:
        tar.add(str(folder), arcname='cifar-10-batches-py')
    digest = hashlib.md5(archive.read_bytes()).hexdigest()
    real = gradescope._load_downloader

    def with_our_md5(data_utils):
        module = real(data_utils)
        return types.SimpleNamespace(CIFAR10_ARCHIVE_MD5=digest,
                                     verify_archive=module.verify_archive)
    out = root / 'autograder.zip'
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gradescope, '_load_downloader', with_our_md5)
        patch.setenv('CIFAR10_DIR', str(folder))
        gradescope.build_zip(str(out), CIFAR10_SEED, dataset='cifar10',
                             cifar10_archive=str(archive), log=lambda *_: None)
    return folder, digest, out


@pytest.mark.slow
def test_cifar10_bundle_carries_the_verified_archive(cifar10_bundle):
    """With --dataset cifar10 the archive travels in private/ and setup.sh unpacks it; the
    stored outputs belong to the data the builder has (synthetic batches here, with the
    published md5 replaced by theirs)."""
    import hashlib
    _, digest, out = cifar10_bundle
    with zipfile.ZipFile(str(out)) as bundle:
        info = bundle.getinfo('private/datasets/' + gradescope.CIFAR10_ARCHIVE)
        assert info.external_attr >> 16 & 0o777 == 0o600
        assert hashlib.md5(bundle.read(info)).hexdigest() == digest
        setup = bundle.read('setup.sh').decode()
        config = json.loads(bundle.read('private/grader.json'))
    assert 'cifar10_download.py" \\\n    --archive "$SOURCE/private/datasets/' in setup
    assert 'dataset-fashion-mnist' not in setup
    assert config['dataset'] == 'cifar10' and len(config['y_val']) == 1000
    assert config['seed'] == CIFAR10_SEED


def write_private(folder, seed, dataset='none'):
    config, outputs = gradescope.private_files(seed, dataset)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / gradescope.GRADER_JSON).write_text(config)
    (folder / gradescope.EXPECTED_JSON).write_text(outputs)
    return json.loads(config)


@pytest.mark.slow
def test_grading_from_stored_outputs_without_the_reference(tmp_path):
    """The bundle's grader reads its seed and stored outputs, never runs the reference, and
    refuses outputs stored for another seed."""
    private = tmp_path / 'private'
    write_private(private, 777)
    submission = tmp_path / 'submission'
    write_submission(str(submission), reference_text().replace(*BROKEN_GRADS))
    grader = gradescope.make_grader(str(private), str(submission), Limits(timeout=60))
    with grader:
        assert grader.seed == 777 and grader.reference_file.startswith(str(private))
        result = grader.grade_file(str(submission / 'neural_net.py'))
    scores = {check.name: check.score for check in result.checks}
    assert scores['grads'] == 1.5 and 'val_accuracy' not in scores
    config = json.loads((private / gradescope.GRADER_JSON).read_text())
    (private / gradescope.GRADER_JSON).write_text(json.dumps(dict(config, seed=778)))
    with pytest.raises(GraderError, match='do not cover seed 778'):
        gradescope.make_grader(str(private), str(submission), Limits())


@pytest.mark.slow
@needs_fashion_mnist
def test_other_validation_data_than_at_build_time_is_refused(tmp_path):
    private = tmp_path / 'private'
    config = write_private(private, 778, 'fashion_mnist')
    assert len(config['y_val']) == 1000 and len(config['fit_sha256']) == 64
    (private / gradescope.GRADER_JSON).write_text(json.dumps(dict(config, fit_sha256='0' * 64)))
    with pytest.raises(GraderError, match='differ from the data the bundle was built with'):
        gradescope.make_grader(str(private), str(tmp_path), Limits())


@pytest.mark.slow
@needs_fashion_mnist
def test_a_bundle_whose_dataset_is_missing_fails_loudly_for_staff(tmp_path):
    """Built for Fashion-MNIST, graded on an image without it: the student is told that
    staff see why, staff get the reason in a hidden test and in the autograder output, and
    run exits non-zero."""
    private = tmp_path / 'private'
    write_private(private, 4243, 'fashion_mnist')
    submission = tmp_path / 'submission'
    write_submission(str(submission), reference_text())
    results = tmp_path / 'results.json'
    (tmp_path / 'no-data').mkdir()
    done = run_cli('gradescope', 'run', '--submission', str(submission), '--results',
                   str(results), '--private', str(private),
                   env={'FASHION_MNIST_DIR': str(tmp_path / 'no-data')})
    assert done.returncode == 2 and 'Traceback' not in done.stderr
    assert done.stdout.startswith('AUTOGRADER NOT WORKING - Misconfigured bundle: ')
    assert 'no-data' in done.stdout and done.stderr.startswith('error: ')
    data = json.loads(results.read_text())
    assert data['output'] == gradescope.MISCONFIGURED and data['output_format'] == 'md'
    [staff] = data['tests']
    assert staff['name'] == gradescope.STAFF_TEST and staff['visibility'] == 'hidden'
    assert 'no-data' in staff['output'] and 'no-data' not in data['output']


# --- the dataset setup.sh prepares ---------------------------------------------

def test_setup_stores_fashion_mnist_uncompressed_and_loadable(tmp_path, monkeypatch):
    """setup.sh's data step: the four IDX files again, as gzip without compression (no
    smaller than their contents), which the kit's loader reads into the same arrays."""
    import gzip
    from autograder.datasets import data_utils
    from autograder.platforms import gradescope_data
    from test_data import write_idx
    rng = np.random.default_rng(0)
    source = tmp_path / 'apt'
    source.mkdir()
    for name, shape in (('train-images-idx3-ubyte.gz', (60, 28, 28)),
                        ('train-labels-idx1-ubyte.gz', (60,)),
                        ('t10k-images-idx3-ubyte.gz', (20, 28, 28)),
                        ('t10k-labels-idx1-ubyte.gz', (20,))):
        write_idx(source / name, rng.integers(0, 10, shape))
    monkeypatch.setenv('FASHION_MNIST_DIR', str(source))
    dest = tmp_path / 'private' / 'datasets' / gradescope.FASHION_MNIST_FOLDER
    assert gradescope_data.main([str(dest)]) == 0
    for path in source.iterdir():
        with gzip.open(str(path), 'rb') as packed, gzip.open(str(dest / path.name)) as stored:
            content = packed.read()
            assert stored.read() == content, path.name
        assert (dest / path.name).stat().st_size > len(content), path.name
    for got, expected in zip(data_utils().load_fashion_mnist(str(dest)),
                             data_utils().load_fashion_mnist(str(source))):
        assert np.array_equal(got, expected) and got.dtype == expected.dtype
    assert '{private}/datasets/{folder}' in gradescope.FASHION_MNIST_SETUP


def test_setup_without_fashion_mnist_fails_naming_the_file(tmp_path, monkeypatch, capsys):
    from autograder.platforms import gradescope_data
    monkeypatch.setenv('FASHION_MNIST_DIR', str(tmp_path / 'nothing'))
    assert gradescope_data.main([str(tmp_path / 'dest')]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith('error: cannot store %s' % (tmp_path / 'nothing'))
    assert 'dataset-fashion-mnist' in line and not list((tmp_path / 'dest').iterdir())


@pytest.mark.parametrize('preset', [None, 'FASHION_MNIST_DIR', 'CIFAR10_DIR'])
def test_run_autograder_points_the_loaders_at_the_private_datasets(tmp_path, preset):
    """Where setup.sh left a dataset in private/datasets, the grader reads it there (the
    uncompressed Fashion-MNIST, the unpacked CIFAR-10), unless the image names its own."""
    datasets = tmp_path / 'source' / 'private' / 'datasets'
    for folder in (gradescope.FASHION_MNIST_FOLDER, 'cifar-10-batches-py'):
        (datasets / folder).mkdir(parents=True)
    env = {key: value for key, value in clean_env().items()
           if key not in ('FASHION_MNIST_DIR', 'CIFAR10_DIR')}
    if preset:
        env[preset] = '/the/image/s/own'
    done = run_autograder_script(tmp_path, '"$FASHION_MNIST_DIR|$CIFAR10_DIR"', env)
    expected = {'FASHION_MNIST_DIR': str(datasets / gradescope.FASHION_MNIST_FOLDER),
                'CIFAR10_DIR': str(datasets / 'cifar-10-batches-py')}
    if preset:
        expected[preset] = '/the/image/s/own'
    assert done.stdout.strip() == '%(FASHION_MNIST_DIR)s|%(CIFAR10_DIR)s' % expected, done.stderr


# --- Gradescope's default memory ----------------------------------------------

GRADESCOPE_MEMORY_MB = 768      # Gradescope's default container memory


def full_grade_in_default_memory(tmp_path, private, env=None):
    """The bundle's grading of the reference from the private folder (its seed's stored
    outputs, val_accuracy on its dataset) in a memory cgroup of Gradescope's default
    768 MB, grader and sandbox together (swap included where the kernel counts it).
    Returns the graded tests of results.json and the cgroup's readings (max usage,
    failcnt)."""
    submission = tmp_path / 'submission'
    write_submission(str(submission), reference_text())
    results = tmp_path / 'results.json'
    limit = GRADESCOPE_MEMORY_MB * 2 ** 20
    settings = {('memory', 'memory.limit_in_bytes'): limit}
    if os.path.exists('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'):
        settings[('memory', 'memory.memsw.limit_in_bytes')] = limit
    readings = {('memory', 'memory.max_usage_in_bytes'): None,
                ('memory', 'memory.failcnt'): None}
    done = grade_in_cgroups(None, ['memory'], settings, readings=readings, env=env, argv=[
        sys.executable, '-m', 'autograder', 'gradescope', 'run', '--submission',
        str(submission), '--results', str(results), '--private', str(private)])
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    tests = json.loads(results.read_text())['tests']
    return [test for test in tests if test['max_score']], readings


def assert_full_marks_within_the_limit(graded, readings):
    assert sum(t['max_score'] for t in graded) == 18
    assert all(t['score'] == t['max_score'] for t in graded), graded
    assert 'val_accuracy' in {t['name'] for t in graded}
    assert readings[('memory', 'memory.failcnt')] == '0', readings   # no allocation refused
    assert int(readings[('memory', 'memory.max_usage_in_bytes')]) < GRADESCOPE_MEMORY_MB * 2 ** 20


needs_default_memory = pytest.mark.skipif(bool(memory_missing(GRADESCOPE_MEMORY_MB)),
                                          reason=memory_missing(GRADESCOPE_MEMORY_MB) or 'runs')


@pytest.mark.slow
@needs_fashion_mnist
@needs_default_memory
def test_the_full_grade_on_fashion_mnist_fits_in_768_mb(tmp_path):
    """A correct file, val_accuracy on Fashion-MNIST included, gets full marks in 768 MB
    and no allocation is ever refused."""
    write_private(tmp_path / 'private', 4242, 'fashion_mnist')
    assert_full_marks_within_the_limit(*full_grade_in_default_memory(tmp_path,
                                                                     tmp_path / 'private'))


def drop_from_page_cache(folder):
    """Flush the files of folder and drop them from the page cache: the grader's reads are
    then charged to its own memory cgroup, as on a fresh Gradescope container."""
    for path in folder.iterdir():
        descriptor = os.open(str(path), os.O_RDONLY)
        try:
            os.fsync(descriptor)
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(descriptor)


@pytest.mark.slow
@needs_default_memory
def test_the_full_grade_on_cifar10_fits_in_768_mb(cifar10_bundle, tmp_path):
    """CIFAR-10 at its real size (synthetic images: the tests cannot download it) fits in
    Gradescope's default memory: the loader reads only the training batches the split
    needs, one at a time, into float32, and the children map the images as float32. The
    stored outputs are those of the CIFAR-10 bundle (cifar10_bundle)."""
    folder, _, bundle = cifar10_bundle
    private = tmp_path / 'private'
    private.mkdir()
    with zipfile.ZipFile(str(bundle)) as archive:
        for name in (gradescope.GRADER_JSON, gradescope.EXPECTED_JSON):
            (private / name).write_bytes(archive.read('private/' + name))
    drop_from_page_cache(folder)
    graded, readings = full_grade_in_default_memory(tmp_path, private,
                                                    env={'CIFAR10_DIR': str(folder)})
    assert_full_marks_within_the_limit(graded, readings)
    [val] = [test for test in graded if test['name'] == 'val_accuracy']
    assert 'on cifar10' in val['output']
