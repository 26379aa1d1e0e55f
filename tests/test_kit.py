"""Where the kit comes from: --kit DIR, TLN_KIT, or the checkout around the package.

The end-to-end side (a wheel in a fresh venv grading with --kit) is in
test_packaging.py; these are the fast unit tests of autograder/paths.py and
of the one error the verbs give when the kit is missing.
"""
import os

import pytest

from autograder import cli, paths
from autograder.errors import KitMissing
from helpers import REFERENCE


@pytest.fixture(autouse=True)
def no_kit_choice(monkeypatch):
    monkeypatch.delenv(paths.KIT_ENV, raising=False)
    paths.use_kit(None)
    yield
    paths.use_kit(None)


def test_the_checkout_is_the_default_kit():
    assert paths.kit_dir() == paths.REPO_DIR
    assert paths.reference_path() == REFERENCE
    assert paths.require_kit('grade') == paths.REPO_DIR
    assert paths.private_dirs() == sorted({paths.SOLUTIONS_DIR, paths.COURSE_DIR})


def test_kit_option_wins_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.KIT_ENV, str(tmp_path / 'env'))
    assert paths.kit_dir() == str(tmp_path / 'env')
    paths.use_kit(str(tmp_path / 'option'))
    assert paths.reference_path() == str(tmp_path / 'option' / 'solutions' / 'neural_net.py')
    # Student code may read neither the chosen kit's private folders nor the checkout's.
    assert {str(tmp_path / 'option' / 'solutions'), paths.SOLUTIONS_DIR,
            str(tmp_path / 'option' / 'autograder' / 'course')} <= set(paths.private_dirs())


def test_a_wrong_kit_is_named_with_what_it_lacks(monkeypatch, tmp_path):
    paths.use_kit(str(tmp_path / 'nowhere'))
    with pytest.raises(KitMissing, match='--kit .*nowhere: no such folder'):
        paths.require_kit('grade')
    (tmp_path / 'solutions').mkdir()
    (tmp_path / 'solutions' / 'neural_net.py').write_text('')
    paths.use_kit(None)
    monkeypatch.setenv(paths.KIT_ENV, str(tmp_path))
    with pytest.raises(KitMissing) as raised:
        paths.require_kit('demo', paths.GRADING_PARTS + ('solutions/mutants.py',))
    assert str(raised.value).startswith('TLN_KIT=%s has no solutions/data_utils.py (the data '
                                        'loaders) and solutions/mutants.py' % tmp_path)
    assert raised.value.exit_code == 2


def test_the_verbs_report_a_missing_kit_once_and_forget_the_option(tmp_path, capsys):
    submission = tmp_path / 'neural_net.py'
    submission.write_text('x = 1\n')
    for argv in (['grade', str(submission), '--public-seed'], ['demo'],
                 ['gradescope', 'build', '--seed', '5'], ['report', str(tmp_path)]):
        assert cli.main(argv + ['--kit', str(tmp_path / 'nowhere')]) == 2
        err = capsys.readouterr().err
        assert err == 'error: --kit %s: no such folder; give the instructor\'s kit, the ' \
                      'checkout of this repository that holds solutions/ and autograder/course/.' \
                      '\n' % (tmp_path / 'nowhere'), argv
        assert paths.kit_dir() == paths.REPO_DIR


def test_the_mutation_catalog_lives_in_the_kit_not_the_package():
    assert not os.path.exists(os.path.join(paths.PACKAGE_DIR, 'mutants.py'))
    mutants = paths.load_mutants()
    assert mutants.__file__ == os.path.join(paths.SOLUTIONS_DIR, 'mutants.py')
    assert paths.load_mutants() is mutants
    assert not any(path.endswith('mutants.py') for path in paths.package_source_files())
