"""GitHub Classroom: the student workflow (lint, contents) and the instructor's
fetch-and-grade of every student repository, on local bare repositories."""
import csv
import os
import shutil
import subprocess

import pytest

from autograder.checks import CATALOG
from autograder.platforms import classroom
from helpers import REFERENCE, STUB, import_or_skip, mutants, reference_text, run_cli

# PyYAML comes with the notebook packages of requirements.txt.
yaml = import_or_skip('yaml')

GIT_ENV = {'GIT_AUTHOR_NAME': 'Student', 'GIT_AUTHOR_EMAIL': 'student@example.invalid',
           'GIT_COMMITTER_NAME': 'Student', 'GIT_COMMITTER_EMAIL': 'student@example.invalid'}


def git(*args, cwd=None):
    return subprocess.run(['git', *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env=dict(os.environ, **GIT_ENV)).stdout


def test_student_workflow_reports_the_visible_checks():
    data = yaml.safe_load(classroom.student_workflow())
    assert data['permissions'] == {'checks': 'write', 'actions': 'read', 'contents': 'read'}
    [job] = data['jobs'].values()
    assert job['if'] == "github.actor != 'github-classroom[bot]'"
    graders = [s for s in job['steps'] if s.get('uses') == classroom.COMMAND_GRADER]
    visible = [check for check in CATALOG if check.visible]
    assert [s['id'] for s in graders] == [check.name for check in visible]
    for step, check in zip(graders, visible):
        assert step['with']['command'] == 'python -m autograder check --only %s' % check.name
        assert float(step['with']['max-score']) == check.max_score
    [reporter] = [s for s in job['steps'] if s.get('uses') == classroom.REPORTER]
    assert reporter['with']['runners'].split(',') == [check.name for check in visible]
    for check in visible:
        assert reporter['env']['%s_RESULTS' % check.name.upper()] == \
            '${{ steps.%s.outputs.result }}' % check.name
    assert 'secrets.' not in classroom.student_workflow()
    for step in job['steps']:                   # only this repository, no token
        assert not {'token', 'repository'} & set(step.get('with', {})), step


@pytest.mark.slow
def test_exported_student_workflow_passes_actionlint(tmp_path):
    binary = shutil.which('actionlint')
    if binary is None:
        pytest.fail('actionlint is missing: pip install -r requirements.txt')
    run_cli('release', '--student-repo', str(tmp_path / 'repo'), check=True)
    path = tmp_path / 'repo' / '.github' / 'workflows' / 'classroom.yml'
    done = subprocess.run([binary, '-no-color', str(path)], cwd=str(tmp_path / 'repo'),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_student_ids_and_repo_lists(tmp_path):
    assert classroom.student_id('https://github.com/org/two-layer-net-alice.git',
                                'two-layer-net-') == 'alice'
    assert classroom.student_id('git@github.com:org/hw-bob', 'hw-') == 'bob'
    assert classroom.student_id('/srv/git/weird name.git') == 'weird_name'
    listing = tmp_path / 'repos.txt'
    listing.write_text('# class of 2026\nhttps://x/a.git\n\n  https://x/b.git  # late\n')
    assert classroom.read_repo_list(str(listing)) == ['https://x/a.git', 'https://x/b.git']
    listing.write_text('# nobody\n')
    with pytest.raises(classroom.ClassroomError, match='lists no repository'):
        classroom.read_repo_list(str(listing))


def test_gh_listing_filters_by_prefix():
    class Done:
        returncode = 0
        stderr = ''
        stdout = ('hw-alice\thttps://github.com/org/hw-alice\n'
                  'hw\thttps://github.com/org/hw\nother\thttps://github.com/org/other\n')
    calls = []

    def fake_run(command, **kwargs):
        calls.append(command)
        return Done()
    assert classroom.list_with_gh('org', 'hw-', run=fake_run) == [
        'https://github.com/org/hw-alice.git']
    assert calls[0][:4] == ['gh', 'repo', 'list', 'org']


def make_student_repo(base, name, code):
    """A bare repository like Classroom's: the bot's first commit (the export), then work."""
    work = base / 'work' / name
    run_cli('release', '--student-repo', str(work), check=True)
    git('init', '-q', '-b', 'main', cwd=str(work))
    git('add', '-A', cwd=str(work))
    git('commit', '-q', '-m', 'Initial commit', cwd=str(work))
    if code is not None:
        (work / 'assignment' / 'neural_net.py').write_text(code)
        git('commit', '-q', '-am', 'my solution', cwd=str(work))
    bare = base / 'remote' / ('two-layer-net-%s.git' % name)
    git('clone', '-q', '--bare', str(work), str(bare))
    return work, bare


def test_a_committed_symlink_is_fetched_as_text(tmp_path):
    """A student cannot point neural_net.py at a file of the grading machine."""
    work = tmp_path / 'work'
    (work / 'assignment').mkdir(parents=True)
    os.symlink(os.path.abspath(REFERENCE), str(work / 'assignment' / 'neural_net.py'))
    git('init', '-q', '-b', 'main', cwd=str(work))
    git('add', '-A', cwd=str(work))
    git('commit', '-q', '-m', 'sneaky', cwd=str(work))
    bare = tmp_path / 'hw-eve.git'
    git('clone', '-q', '--bare', str(work), str(bare))
    for _ in range(2):                        # a fresh clone, then an update of it
        fetched, failed = classroom.fetch([str(bare)], str(tmp_path / 'class'), 'hw-',
                                          log=lambda *_: None)
        assert list(fetched) == ['eve'] and not failed
        path = tmp_path / 'class' / 'eve' / 'assignment' / 'neural_net.py'
        assert not path.is_symlink() and path.read_text() == os.path.abspath(REFERENCE)


@pytest.mark.slow
def test_fetch_and_grade_every_student_repository(tmp_path):
    alice_work, alice = make_student_repo(tmp_path, 'alice', reference_text())
    _, bob = make_student_repo(tmp_path, 'bob', mutants.apply(mutants.BY_NAME['no_lr_decay']))
    _, carol = make_student_repo(tmp_path, 'carol', None)       # never pushed any work
    listing = tmp_path / 'repos.txt'
    missing = tmp_path / 'remote' / 'two-layer-net-dave.git'
    listing.write_text('\n'.join(str(path) for path in (alice, bob, carol, missing)) + '\n')
    into, out = tmp_path / 'class', tmp_path / 'grades'

    fetched = run_cli('classroom', 'fetch', '--repos', str(listing), '--prefix',
                      'two-layer-net-', '--into', str(into))
    assert fetched.returncode == 1 and 'dave: not fetched' in fetched.stdout, fetched.stdout
    assert sorted(os.listdir(into)) == ['alice', 'bob', 'carol']
    assert (into / 'carol' / 'assignment' / 'neural_net.py').read_text() == open(STUB).read()

    # Alice pushes again (even rewriting history): the next fetch grades what she pushed.
    (alice_work / 'assignment' / 'neural_net.py').write_text(
        reference_text().replace(mutants.MASK, 'pass'))
    git('commit', '-q', '--amend', '-am', 'rewritten', cwd=str(alice_work))
    git('push', '-q', '--force', str(alice), 'main', cwd=str(alice_work))
    (into / 'alice' / 'scratch.txt').write_text('left over')

    refused = run_cli('classroom', 'grade', '--repos', str(listing), '--into', str(into),
                      '--seed', '20231', '--out', str(out))
    assert refused.returncode == 2 and 'public default' in refused.stderr
    graded = run_cli('classroom', 'grade', '--repos', str(listing), '--prefix', 'two-layer-net-',
                     '--into', str(into), '--out', str(out),
                     '--dataset', 'none', '--jobs', '2', env={'TLN_SEED': '4242'})
    assert graded.returncode == 1, graded.stderr           # dave's repository is missing
    assert not (into / 'alice' / 'scratch.txt').exists()
    with open(out / 'grades.csv', newline='') as handle:
        rows = {row['student_id']: row for row in csv.DictReader(handle)}
    assert sorted(rows) == ['alice', 'bob', 'carol']
    assert float(rows['carol']['score']) == 0
    assert float(rows['bob']['sgd']) < 2 and float(rows['bob']['grads']) == 3  # hidden check
    assert float(rows['alice']['grads']) == 1.5
    assert 'stability' in rows['alice'] and 'no_mutation' in rows['alice']
