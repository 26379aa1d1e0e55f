"""One rule for which neural_net.py is graded, the same on every route.

The one in a folder named assignment/ wins, then two_layer_net/, then the one
at the top of the submission; several with none preferred get zero with the
list of files and the fix. Routes: discovery (grade, classroom), the
self-check, the Gradescope runner and nbgrader's autograde.
"""
import json
import os
import subprocess
import sys

import pytest

from autograder.platforms import gradescope
from autograder.sandbox import Limits
from autograder.submissions.discovery import discover, read_submission
from helpers import REPO_DIR, STUB, reference_text, run_cli, write_submission

REFERENCE_BYTES = reference_text().encode()


def stub_text():
    with open(STUB, encoding='utf-8') as handle:
        return handle.read()


def draft_and_final(folder):
    """A submission holding the stub in draft/ and the solution in final/."""
    write_submission(os.path.join(folder, 'draft'), stub_text())
    write_submission(os.path.join(folder, 'final'), reference_text())
    return folder


def backup_beside_assignment(folder):
    """A student repository with an old copy in backup/ beside assignment/."""
    write_submission(os.path.join(folder, 'assignment'), reference_text())
    write_submission(os.path.join(folder, 'backup'), stub_text())
    return folder


@pytest.mark.parametrize('layout, graded', [
    ({'assignment': 'a', 'two_layer_net': 't', '': 'r', 'old': 'o'}, 'a'),
    ({'two_layer_net': 't', '': 'r', 'old': 'o'}, 't'),
    ({'': 'r', 'old': 'o'}, 'r'),
    ({'repo-main/assignment': 'a', 'repo-main/backup': 'b'}, 'a'),   # GitHub's zip layout
    ({'old': 'o'}, 'o'),                                            # a single file anywhere
])
def test_the_preference_order(tmp_path, layout, graded):
    for folder, text in layout.items():
        write_submission(str(tmp_path / 'sub' / folder), text)
    submission = read_submission(str(tmp_path / 'sub'))
    assert submission.source == graded.encode()
    assert len(submission.ignored) == len(layout) - 1
    if submission.ignored:
        assert submission.note.startswith('Graded sub/')
        assert all(name in submission.note for name in submission.ignored)


def test_several_files_and_none_preferred_get_the_list_and_the_fix(tmp_path):
    submission = read_submission(draft_and_final(str(tmp_path / 'submission')))
    assert submission.source is None        # one submission, never a class of two
    assert 'draft/neural_net.py, final/neural_net.py' in submission.problem
    assert 'Keep one neural_net.py' in submission.problem
    twice = tmp_path / 'twice'
    write_submission(str(twice / 'a' / 'assignment'), 'x')
    write_submission(str(twice / 'b' / 'assignment'), 'y')
    assert 'Keep one neural_net.py' in read_submission(str(twice)).problem


def test_a_student_repository_in_a_class_is_graded_with_a_note(tmp_path):
    klass = tmp_path / 'class'
    backup_beside_assignment(str(klass / 'alice'))
    write_submission(str(klass / 'bob'), reference_text())
    found = {s.id: s for s in discover([str(klass)])}
    assert found['alice'].source == REFERENCE_BYTES
    assert found['alice'].note.startswith(
        'Graded alice/assignment/neural_net.py; ignored alice/backup/neural_net.py')
    assert found['bob'].note == ''
    # The repository given alone is one student, not a class of assignment/ and backup/.
    [alone] = discover([str(klass / 'alice')])
    assert alone.source == REFERENCE_BYTES and alone.ignored


def test_grade_writes_the_note_into_the_result(tmp_path):
    klass = tmp_path / 'class'
    backup_beside_assignment(str(klass / 'alice'))
    done = run_cli('grade', str(klass), '--json', '--dataset', 'none')
    assert done.returncode == 0, done.stderr
    [result] = json.loads(done.stdout)
    assert result['score'] == result['max_score'] and not result['problem']
    assert any('ignored alice/backup/neural_net.py' in w for w in result['warnings'])


def test_check_follows_the_rule(tmp_path):
    ambiguous = run_cli('check', draft_and_final(str(tmp_path / 'one')))
    assert ambiguous.returncode == 1
    assert 'draft/neural_net.py, final/neural_net.py' in ambiguous.stdout
    assert 'Keep one neural_net.py' in ambiguous.stdout
    preferred = run_cli('check', backup_beside_assignment(str(tmp_path / 'repo')))
    assert preferred.returncode == 0, preferred.stdout + preferred.stderr
    assert 'ignored' in preferred.stdout and 'repo/backup/neural_net.py' in preferred.stdout


def check_in(folder):
    """`python -m autograder check` without a path, run in folder (the kit on the path)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [REPO_DIR] + [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]))
    return subprocess.run([sys.executable, '-m', 'autograder', 'check'], cwd=str(folder),
                          env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_check_without_a_path_grades_the_file_the_routes_grade(tmp_path):
    # A finished file at the top of the repository beside the stub in assignment/: every
    # route grades assignment/ (the one rule), so the self-check must too, and say so
    # (it graded the top one, 11/11, while Classroom 50 gave 0/44).
    repo = tmp_path / 'repo'
    write_submission(str(repo / 'assignment'), stub_text())
    write_submission(str(repo), reference_text())
    done = check_in(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert 'Self-check of assignment/neural_net.py' in done.stdout, done.stdout
    assert 'ignored neural_net.py' in done.stdout, done.stdout
    # In the notebook's folder (assignment/ itself) its own file is the one.
    inside = check_in(repo / 'assignment')
    assert 'Self-check of neural_net.py' in inside.stdout and 'ignored' not in inside.stdout


@pytest.mark.xdist_group('nbgrader_in_process')     # beside test_nbgrader_autograde.py
def test_nbgrader_follows_the_rule(tmp_path):
    # Imported here, not at collection: nbgrader's import costs a process 2 CPU-s.
    from autograder.platforms import nbgrader_autograde
    draft_and_final(str(tmp_path / 'ambiguous'))
    source, problem = nbgrader_autograde.submitted_source(str(tmp_path / 'ambiguous'))
    assert source == b'' and 'Keep one neural_net.py' in problem
    folder = tmp_path / 'beside'
    write_submission(str(folder), reference_text())
    write_submission(str(folder / 'old'), stub_text())
    assert nbgrader_autograde.submitted_source(str(folder)) == (REFERENCE_BYTES, None)


@pytest.fixture(scope='module')
def private_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp('bundle') / 'private'
    config, outputs = gradescope.private_files(2024, 'none')
    folder.mkdir()
    (folder / gradescope.GRADER_JSON).write_text(config)
    (folder / gradescope.EXPECTED_JSON).write_text(outputs)
    return str(folder)


def gradescope_results(private_dir, submission, tmp_path):
    results = tmp_path / 'results.json'
    lines = []
    assert gradescope.run(submission, str(results), private_dir, Limits(timeout=60),
                          log=lines.append) == 0
    return json.loads(results.read_text()), lines


@pytest.mark.slow
def test_gradescope_draft_and_final_is_zero_with_the_reason_visible(private_dir, tmp_path):
    results, _ = gradescope_results(private_dir, draft_and_final(str(tmp_path / 'submission')),
                                    tmp_path)
    file_test = results['tests'][0]
    assert file_test['name'] == gradescope.FILE_TEST and file_test['visibility'] == 'visible'
    assert file_test['status'] == 'failed'
    assert 'draft/neural\\_net.py' in file_test['output'] or \
        'draft/neural_net.py' in file_test['output']
    assert 'Keep one neural_net.py' in file_test['output']
    assert len(results['tests']) > 1 and all(t['score'] == 0 for t in results['tests'])


@pytest.mark.slow
def test_gradescope_names_the_graded_and_the_ignored_file(private_dir, tmp_path):
    submission = backup_beside_assignment(str(tmp_path / 'submission'))
    results, lines = gradescope_results(private_dir, submission, tmp_path)
    file_test = results['tests'][0]
    assert file_test['status'] == 'passed' and file_test['visibility'] == 'visible'
    assert file_test['output'].startswith('Graded submission/assignment/neural_net.py; '
                                          'ignored submission/backup/neural_net.py')
    graded = results['tests'][1:]
    assert all(t['score'] == t['max_score'] for t in graded) and graded
    assert any('isolation layer' in line for line in lines)
