"""Every verb keeps its row of errors.EXIT_CODES: each documented failure status is what the
verb returns in that case (in-process, through cli.main), and each verb's --help shows
its table. Cases that need the sandbox or a full grading run are in the slow tier; where
the case needs nbgrader or a regenerated kit, the step beneath the command is replaced
and the test checks the command's own mapping to the status."""
import os
import shutil

import pytest

from autograder import cli, errors
from autograder.commands import demo as demo_command
from autograder.commands import nbgrader as nbgrader_command
from autograder.commands.options import exit_status_help
from autograder.paths import REPO_DIR
from autograder.platforms import nbgrader_batch
from autograder.release import generate

STUB = os.path.join(REPO_DIR, 'assignment', 'neural_net.py')
REFERENCE = os.path.join(REPO_DIR, 'solutions', 'neural_net.py')
PRIVATE_SEED = '8675309'


def grade_usage(tmp_path, monkeypatch):
    (tmp_path / 'empty').mkdir()
    return ['grade', str(tmp_path / 'empty')]          # "no submissions found"


def grade_not_gradable(tmp_path, monkeypatch):
    monkeypatch.setenv('TLN_SEED', PRIVATE_SEED)
    (tmp_path / 'class' / 'alice').mkdir(parents=True)
    (tmp_path / 'class' / 'alice' / 'notes.txt').write_text('no neural_net.py here\n')
    return ['grade', str(tmp_path / 'class'), '--dataset', 'none', '--no-report',
            '--out', str(tmp_path / 'out')]


def check_missing_file(tmp_path, monkeypatch):
    return ['check', str(tmp_path / 'missing.py')]


def check_the_stub(tmp_path, monkeypatch):
    return ['check', STUB]


def gradescope_misconfigured(tmp_path, monkeypatch):
    (tmp_path / 'submission').mkdir()
    (tmp_path / 'submission' / 'neural_net.py').write_text('class TwoLayerNet:\n    pass\n')
    return ['gradescope', 'run', '--submission', str(tmp_path / 'submission'),
            '--results', str(tmp_path / 'results.json'), '--private', str(tmp_path / 'none')]


def classroom_usage(tmp_path, monkeypatch):
    return ['classroom', 'fetch', '--into', str(tmp_path / 'class')]   # no --repos, no --org


def classroom_not_fetched(tmp_path, monkeypatch):
    if shutil.which('git') is None:
        pytest.skip('git is not installed')
    (tmp_path / 'repos.txt').write_text(str(tmp_path / 'no-such-repository') + '\n')
    return ['classroom', 'fetch', '--repos', str(tmp_path / 'repos.txt'),
            '--into', str(tmp_path / 'class')]


def classroom50_unwritable(tmp_path, monkeypatch):
    return ['classroom50', 'build', '--out', REFERENCE]       # a file, not a folder


def nbgrader_no_course(tmp_path, monkeypatch):
    return ['nbgrader', 'autograde', '--course', str(tmp_path)]


def nbgrader_student_not_autograded(tmp_path, monkeypatch):
    (tmp_path / 'submitted' / 'alice' / 'two_layer_net').mkdir(parents=True)
    monkeypatch.setattr(nbgrader_command, 'refuse_weak_layers', lambda: None)
    monkeypatch.setattr(nbgrader_batch, 'autograde_student', lambda course, assignment,
                        student, timeout, **_: nbgrader_batch.StudentRun(
                            student, False, 'nbgrader was killed', 0.0))
    return ['nbgrader', 'autograde', '--course', str(tmp_path)]


def release_usage(tmp_path, monkeypatch):
    return ['release', '--platform', 'classroom50']           # without --student-repo


def release_drift(tmp_path, monkeypatch):
    monkeypatch.setattr(generate, 'drifted_files', lambda: ['assignment/neural_net.py'])
    return ['release', '--check']


def demo_no_kit(tmp_path, monkeypatch):
    return ['demo', '--kit', str(tmp_path / 'no-kit')]


def demo_unexpected_grades(tmp_path, monkeypatch):
    def reference_twice(folder):   # the "stub" is the reference: it gets full marks
        for name in ('reference', 'stub'):
            os.makedirs(os.path.join(folder, name))
            shutil.copy(REFERENCE, os.path.join(folder, name, 'neural_net.py'))
    monkeypatch.setattr(demo_command, 'build_class', reference_twice)
    monkeypatch.setattr(demo_command, 'SAMPLE_MUTANTS', ())
    return ['demo', '--dataset', 'none', '--jobs', '1']


slow = pytest.mark.slow
# (verb, status, the case); every status other than 0 of the table has one.
CASES = [
    ('grade', errors.EXIT_USAGE, grade_usage),
    pytest.param('grade', errors.EXIT_INCOMPLETE, grade_not_gradable, marks=slow),
    ('check', errors.EXIT_USAGE, check_missing_file),
    pytest.param('check', errors.EXIT_NOT_YET, check_the_stub, marks=slow),
    ('gradescope', errors.EXIT_USAGE, gradescope_misconfigured),
    ('classroom', errors.EXIT_USAGE, classroom_usage),
    ('classroom', errors.EXIT_INCOMPLETE, classroom_not_fetched),
    ('classroom50', errors.EXIT_USAGE, classroom50_unwritable),
    ('nbgrader', errors.EXIT_USAGE, nbgrader_no_course),
    ('nbgrader', errors.EXIT_INCOMPLETE, nbgrader_student_not_autograded),
    ('release', errors.EXIT_USAGE, release_usage),
    ('release', errors.EXIT_NOT_YET, release_drift),
    ('demo', errors.EXIT_USAGE, demo_no_kit),
    pytest.param('demo', errors.EXIT_NOT_YET, demo_unexpected_grades, marks=slow),
    ('report', errors.EXIT_USAGE, lambda tmp_path, monkeypatch: ['report', str(tmp_path / 'no')]),
]


def case_values(case):
    return case.values if hasattr(case, 'values') else case


def test_every_failure_status_of_the_table_has_a_case():
    cases = {(verb, status) for verb, status, _run in map(case_values, CASES)}
    table = {(verb, status) for verb, codes in errors.EXIT_CODES.items()
             for status in codes if status != errors.EXIT_OK}
    assert cases == table
    assert set(errors.EXIT_CODES) == set(cli.COMMANDS)


@pytest.mark.parametrize('verb, status, case', CASES)
def test_the_verb_exits_with_the_status_of_its_table(verb, status, case, tmp_path, monkeypatch,
                                                     capsys):
    assert status in errors.EXIT_CODES[verb]
    argv = case(tmp_path, monkeypatch)
    assert argv[0] == verb
    assert cli.main(argv) == status, capsys.readouterr()


@pytest.mark.parametrize('verb', sorted(errors.EXIT_CODES))
def test_each_verb_shows_its_exit_statuses_in_its_help(verb, capsys):
    with pytest.raises(SystemExit):
        cli.main([verb, '--help'])
    out = capsys.readouterr().out
    assert out.rstrip().endswith(exit_status_help(verb).rstrip())
    for status in errors.EXIT_CODES[verb]:
        assert '\n  %3d  ' % status in out
