"""The error model: one base (KitError) with an exit code, caught once in cli.main;
gradescope run writes a results.json whatever fails; one PASS/PART/FAIL rule."""
import json

import pytest

from autograder import cli, errors
from autograder.commands import report as report_command
from autograder.platforms import gradescope
from autograder.results import CheckResult

# Each error type where it is raised (the names stay importable there).
WHERE = [
    ('autograder.grading', 'GraderError'),
    ('autograder.sandbox.isolation', 'IsolationError'),
    ('autograder.submissions.discovery', 'SubmissionError'),
    ('autograder.outputs.output_folder', 'OutputError'),
    ('autograder.submissions.batch', 'BatchError'),
    ('autograder.results', 'ResultFormatError'),
    ('autograder.report', 'ReportError'),
    ('autograder.report.similarity', 'SimilarityUnavailable'),
    ('autograder.checks.markers', 'MarkerError'),
    ('autograder.release.generate', 'ReleaseError'),
    ('autograder.platforms.gradescope', 'BundleError'),
    ('autograder.platforms.classroom', 'ClassroomError'),
    ('autograder.paths', 'KitMissing'),
]


@pytest.mark.parametrize('module, name', WHERE)
def test_every_error_type_is_a_kit_error_with_exit_code_2(module, name):
    import importlib
    error_type = getattr(importlib.import_module(module), name)
    assert error_type is getattr(errors, name)
    assert issubclass(error_type, errors.KitError) and error_type.exit_code == 2


def test_value_errors_stay_value_errors():
    for error_type in (errors.ResultFormatError, errors.MarkerError, errors.StaleMutant):
        assert issubclass(error_type, ValueError)


def test_cli_prints_one_error_line_with_the_exit_code(monkeypatch, capsys):
    class Unusual(errors.KitError):
        exit_code = 5

    def fails(args):
        raise Unusual('the folder is on fire')
    monkeypatch.setattr(report_command, 'run', fails)
    assert cli.main(['report', 'anywhere']) == 5
    assert capsys.readouterr().err == 'error: the folder is on fire\n'


def test_usage_errors_of_the_commands_exit_2(tmp_path, capsys):
    assert cli.main(['report', str(tmp_path), '--threshold', '3']) == 2
    assert capsys.readouterr().err == 'error: --threshold must be in (0, 1]\n'
    assert cli.main(['check', str(tmp_path / 'missing.py')]) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: ') and err.count('\n') == 1 and 'no such file' in err
    assert cli.main(['nbgrader', 'autograde', '--course', str(tmp_path)]) == 2
    assert capsys.readouterr().err == ('error: %s is not an nbgrader course with submissions '
                                       '(no submitted/ folder in it)\n' % tmp_path)


def test_each_verb_name_is_written_once():
    assert list(cli.COMMANDS) == ['grade', 'check', 'gradescope', 'classroom', 'classroom50',
                                  'nbgrader', 'release', 'demo', 'report']
    assert all(module.NAME == name for name, module in cli.COMMANDS.items())


# --- gradescope run: a results.json on any failure ---------------------------

def submission(tmp_path):
    folder = tmp_path / 'submission'
    folder.mkdir()
    (folder / 'neural_net.py').write_text('class TwoLayerNet:\n    pass\n')
    return folder


def staff_only(results):
    """The output of the one test of results.json, which only course staff see."""
    [test] = results['tests']
    assert test['visibility'] == 'hidden' and test['max_score'] == 0
    return test['output']


def gradescope_run(tmp_path):
    results = tmp_path / 'results' / 'results.json'
    code = cli.main(['gradescope', 'run', '--submission', str(submission(tmp_path)),
                     '--results', str(results), '--private', str(tmp_path / 'private')])
    return code, json.loads(results.read_text())


def test_gradescope_run_writes_results_when_grading_raises(tmp_path, monkeypatch, capsys):
    def exploding(*args):
        raise RuntimeError('the probe plan exploded')
    monkeypatch.setattr(gradescope, 'make_grader', exploding)
    code, results = gradescope_run(tmp_path)
    assert code == 2 and results['score'] == 0.0
    assert results['output'] == gradescope.CRASHED % 'RuntimeError'
    assert staff_only(results) == ('Autograder error: the probe plan exploded (RuntimeError)')
    out, err = capsys.readouterr()
    assert 'AUTOGRADER NOT WORKING - Autograder error: the probe plan exploded' in out
    assert 'Traceback' in err and 'exploded' not in results['output']
    assert err.splitlines()[-1] == ('error: the grader failed on the submission (RuntimeError: '
                                    'the probe plan exploded)')


def test_gradescope_run_writes_results_when_a_check_raises(tmp_path, monkeypatch, capsys):
    class Grader:
        checks = []

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def grade_source(self, source, name):
            raise KeyError('W1')
    monkeypatch.setattr(gradescope, 'make_grader', lambda *args: Grader())
    code, results = gradescope_run(tmp_path)
    assert code == 2 and '(KeyError)' in results['output'] and "'W1'" in staff_only(results)
    assert 'error: the grader failed on the submission (KeyError' in capsys.readouterr().err


def test_gradescope_run_with_a_misconfigured_bundle(tmp_path, capsys):
    code, results = gradescope_run(tmp_path)       # no private/grader.json
    assert code == 2 and results['output'] == gradescope.MISCONFIGURED
    assert staff_only(results).startswith('Misconfigured bundle: cannot read the bundle')
    out, err = capsys.readouterr()
    assert 'AUTOGRADER NOT WORKING - Misconfigured bundle: cannot read the bundle' in out
    assert err.startswith('error: cannot read the bundle') and 'Traceback' not in err


# --- one status rule ----------------------------------------------------------

def test_status_and_mark_of_a_check():
    marks = [(CheckResult('c', score, 2.0, '').status, CheckResult('c', score, 2.0, '').mark)
             for score in (2.0, 0.5, 0.0)]
    assert marks == [('passed', 'PASS'), ('partial', 'PART'), ('failed', 'FAIL')]
