"""The Gradescope zip itself: unzipped alone into a clean simulated /autograder,
installed by its own setup.sh into a fresh venv, then graded by run_autograder.

TLN_GRADESCOPE_ZIP=path tests that zip: the release workflow runs this file alone on the
very zip it uploads (the kit's own Gradescope code is tested by test_gradescope.py, in
the suite CI runs on every push). Otherwise the zip is the bundle of helpers.BUNDLE_SEED
on Fashion-MNIST that conftest's gradescope_bundle installs (test_parity grades with it
too).
"""
import json
import os
import shutil
import subprocess
import tempfile

import pytest

from autograder.outputs.sanitise import gradescope_output
from helpers import clean_env, install_gradescope_bundle, mutants, needs_fashion_mnist, \
    reference_text, write_submission

BROKEN_GRADS = (mutants.MASK, 'pass')
ZIP_ENV = 'TLN_GRADESCOPE_ZIP'
NOBODY = 65534


@pytest.fixture(scope='module')
def gradescope_root(gradescope_bundle):
    """A simulated /autograder holding the unzipped bundle, after setup.sh: the zip
    TLN_GRADESCOPE_ZIP names, else the bundle of helpers.BUNDLE_SEED on Fashion-MNIST
    that test_parity grades with too (conftest)."""
    given = os.environ.get(ZIP_ENV)
    if not given:
        yield gradescope_bundle()[0]
        return
    root = install_gradescope_bundle(os.path.abspath(given))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def venv_python(root):
    return os.path.join(root, 'venv', 'bin', 'python')


@pytest.mark.slow
def test_setup_installs_the_bundle_alone_in_a_clean_venv(gradescope_root):
    with open(os.path.join(gradescope_root, 'venv', 'pyvenv.cfg')) as handle:
        assert 'include-system-site-packages = false' in handle.read()
    probe = subprocess.run([venv_python(gradescope_root), '-c',
                            'import autograder, numpy; print(autograder.__file__)'],
                           cwd=tempfile.gettempdir(), env=clean_env(), capture_output=True,
                           text=True, check=True)
    location = os.path.realpath(probe.stdout.strip())
    assert location.startswith(os.path.realpath(gradescope_root) + os.sep), location
    missing = subprocess.run([venv_python(gradescope_root), '-c', 'import nbgrader'],
                             env=clean_env(), capture_output=True, text=True)
    assert missing.returncode != 0   # nothing of the development environment is visible


@pytest.mark.slow
def test_setup_stores_the_split_the_bundle_was_built_with(gradescope_root, tmp_path,
                                                          monkeypatch):
    """setup.sh stores the val_accuracy split of the bundle's seed in private/: the split
    grader.json's fit_sha256 and labels name, which the grader then reads instead of the
    dataset (it grades with the dataset gone); where the image's data differ from the
    build's, nothing is stored and the image build fails."""
    from autograder.errors import BundleError
    from autograder.platforms import gradescope, gradescope_data
    from autograder.sandbox import Limits
    private = os.path.join(gradescope_root, 'source', 'private')
    settings = gradescope.load_private(private)
    fit = gradescope.load_fit(private, settings)
    if settings['dataset'] == 'none':
        assert fit is None
        return
    assert gradescope.split_hash(fit) == settings['fit_sha256']
    assert [int(label) for label in fit.y_val] == settings['y_val']
    datasets = os.path.join(private, 'datasets')
    monkeypatch.setenv('FASHION_MNIST_DIR', os.path.join(datasets, 'fashion-mnist'))
    monkeypatch.setenv('CIFAR10_DIR', os.path.join(datasets, 'cifar-10-batches-py'))
    other = tmp_path / 'other'
    other.mkdir()
    (other / gradescope.GRADER_JSON).write_text(json.dumps(dict(settings, fit_sha256='0' * 64)))
    with pytest.raises(BundleError, match='differ from the data the bundle was built with'):
        gradescope_data.store_fit(str(other))
    assert [path.name for path in other.iterdir()] == [gradescope.GRADER_JSON]
    # Without the dataset, the bundle's private folder alone: graded from the stored split.
    alone = tmp_path / 'private'
    shutil.copytree(private, str(alone), ignore=shutil.ignore_patterns('datasets'))
    for variable in ('FASHION_MNIST_DIR', 'CIFAR10_DIR'):
        monkeypatch.setenv(variable, str(tmp_path / 'no-data'))
    with gradescope.make_grader(str(alone), str(tmp_path), Limits()) as grader:
        assert gradescope.split_hash(grader.fit) == settings['fit_sha256']


def switch_user_prefix():
    """How to run a command as another uid here: directly as root, else through sudo -n."""
    if os.geteuid() == 0:
        return []
    if shutil.which('sudo') and subprocess.run(['sudo', '-n', 'true'],
                                               capture_output=True).returncode == 0:
        return ['sudo', '-n']       # e.g. GitHub's runners: a user with password-less sudo
    return None


@pytest.mark.slow
@pytest.mark.skipif(switch_user_prefix() is None,
                    reason='switching to another uid needs root or password-less sudo')
def test_private_folder_is_unreadable_for_other_users(gradescope_root):
    private = os.path.join(gradescope_root, 'source', 'private')
    assert os.stat(private).st_mode & 0o777 == 0o700
    if os.geteuid() == 0:
        assert os.stat(private).st_uid == 0

    def as_nobody(*command):
        return subprocess.run(switch_user_prefix() + [
            'setpriv', '--reuid=%d' % NOBODY, '--regid=%d' % NOBODY, '--clear-groups', '--',
            *command], capture_output=True, text=True, cwd='/')
    # Control: the same uid reads the public part of the bundle.
    public = as_nobody('cat', os.path.join(gradescope_root, 'source', 'autograder', 'checks',
                                         'probe_inputs.py'))
    assert public.returncode == 0 and 'DEFAULT_SEED' in public.stdout
    listing = as_nobody('ls', private)
    assert listing.returncode != 0 and 'Permission denied' in listing.stderr
    names = os.listdir(private)
    assert {'grader.json', 'expected.json', 'neural_net.py'} <= set(names)
    for name in names:
        denied = as_nobody('cat', os.path.join(private, name))
        assert denied.returncode != 0 and 'Permission denied' in denied.stderr, name


def run_autograder_env(root):
    """The environment run_autograder runs in here. As root it would choose the uid-drop
    layer (test_weak_layers checks that choice), whose users cannot run this simulated
    image's venv Python (it lives under the tester's home): the machine's kernel layer
    stands in for it."""
    return clean_env(GRADESCOPE_ROOT=root, TLN_ISOLATION='bwrap')


def grade_in_gradescope(root, text):
    submission = os.path.join(root, 'submission')
    shutil.rmtree(submission, ignore_errors=True)
    write_submission(submission, text)
    results = os.path.join(root, 'results', 'results.json')
    if os.path.exists(results):
        os.remove(results)
    done = subprocess.run(['bash', os.path.join(root, 'run_autograder')], cwd=root,
                          env=run_autograder_env(root), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(results, encoding='utf-8') as handle:
        return json.load(handle)


def visible_points(results):
    return sum(t['score'] for t in results['tests'] if t['visibility'] == 'visible')


@pytest.mark.slow
@needs_fashion_mnist
def test_correct_wrong_and_broken_submissions(gradescope_root):
    correct = grade_in_gradescope(gradescope_root, reference_text())
    tests = {test['name']: test for test in correct['tests']}
    assert all(t['score'] == t['max_score'] for t in correct['tests'])
    assert sum(t['max_score'] for t in correct['tests']) == 18
    assert tests['val_accuracy']['visibility'] == 'after_published'
    assert tests['sgd']['visibility'] == 'after_published'
    assert correct['output'].startswith('Visible checks: 11 / 11 points.')

    wrong = grade_in_gradescope(gradescope_root, reference_text().replace(*BROKEN_GRADS))
    tests = {test['name']: test for test in wrong['tests']}
    assert tests['grads']['score'] == 1.5 and tests['grads']['visibility'] == 'visible'
    # One component per check: the bundle serves its reference loss from the private
    # folder, so a gradient bug costs grads only, never the SGD checks.
    assert tests['sgd']['score'] == tests['sgd']['max_score']
    assert tests['train']['score'] == tests['train']['max_score']
    assert 'score' not in wrong
    assert wrong['output'].startswith('Visible checks: %g / 11 points.' % visible_points(wrong))

    broken = grade_in_gradescope(gradescope_root,
                                 'import a_module_nobody_has\n' + reference_text())
    assert broken['tests'] and all(t['score'] == 0 for t in broken['tests'])
    assert_one_reason_first(broken, 'imports a module the grader does not provide')
    assert 'a_module_nobody_has' in broken['tests'][0]['output']
    assert 'Visible checks: 0 / 11 points.' in broken['output']
    syntax = grade_in_gradescope(gradescope_root, reference_text() + '\ndef broken(:\n')
    assert_one_reason_first(syntax, 'has a syntax error')
    assert syntax['tests'][0]['output'].count('line ') == 1      # its location, named once


def assert_one_reason_first(results, reason):
    """Nothing graded: the output opens with that, the reason is stated once, in the
    first (visible) test, and no test points at text elsewhere."""
    assert results['output'].startswith(
        gradescope_output('Not graded: neural_net.py could not be loaded'))
    text = json.dumps(results)
    assert text.count(reason) == 1 and reason in results['tests'][0]['output']
    assert 'above' not in text and 'below' not in text


@pytest.mark.slow
def test_a_missing_submission_gets_a_message(gradescope_root):
    submission = os.path.join(gradescope_root, 'submission')
    shutil.rmtree(submission, ignore_errors=True)
    os.makedirs(submission)
    with open(os.path.join(submission, 'notes.txt'), 'w') as handle:
        handle.write('forgot the file')
    done = subprocess.run(['bash', os.path.join(gradescope_root, 'run_autograder')],
                          env=run_autograder_env(gradescope_root), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with open(os.path.join(gradescope_root, 'results', 'results.json')) as handle:
        results = json.load(handle)
    assert all(t['score'] == 0 for t in results['tests'])
    assert 'neural_net.py' in results['output']
