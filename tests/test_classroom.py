"""The instructor's fetch-and-grade of every student repository on GitHub (plain or
Classroom 50), on local bare repositories."""
import csv
import json
import os
import subprocess

import pytest

from autograder.checks import CATALOG
from autograder.platforms import classroom
from classroom50_contract import validate_result
from helpers import REFERENCE, mutants, reference_text, run_cli

GIT_ENV = {'GIT_AUTHOR_NAME': 'Student', 'GIT_AUTHOR_EMAIL': 'student@example.invalid',
           'GIT_COMMITTER_NAME': 'Student', 'GIT_COMMITTER_EMAIL': 'student@example.invalid'}


def git(*args, cwd=None, when=None):
    """git with a fixed identity; when: the commit time (ISO 8601)."""
    dates = {'GIT_AUTHOR_DATE': when, 'GIT_COMMITTER_DATE': when} if when else {}
    return subprocess.run(['git', *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env=dict(os.environ, **GIT_ENV, **dates)).stdout


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
        stdout = ('hw-bob\thttps://github.com/org/hw-bob.git\n'
                  'hw-alice\thttps://github.com/org/hw-alice.git\n'
                  'hw\thttps://github.com/org/hw.git\nother\thttps://github.com/org/other.git\n')
    calls = []

    def fake_run(command, **kwargs):
        calls.append(command)
        return Done()
    assert classroom.list_with_gh('org', 'hw-', run=fake_run) == [
        'https://github.com/org/hw-alice.git', 'https://github.com/org/hw-bob.git']
    assert calls[0][:3] == ['gh', 'api', '--paginate'] and 'orgs/org/repos' in calls[0][3]
    with pytest.raises(classroom.ClassroomError, match='not a GitHub organisation'):
        classroom.list_with_gh('org/../users/x', 'hw-', run=fake_run)


def make_student_repo(base, name, code, when=None):
    """A bare repository made from the template: the export as first commit, then work
    committed at when."""
    work = base / 'work' / name
    run_cli('release', '--student-repo', str(work), check=True)
    git('init', '-q', '-b', 'main', cwd=str(work))
    git('add', '-A', cwd=str(work))
    git('commit', '-q', '-m', 'Initial commit', cwd=str(work), when='2026-08-31T09:00:00Z')
    if code is not None:
        (work / 'assignment' / 'neural_net.py').write_text(code)
        git('commit', '-q', '-am', 'my solution', cwd=str(work), when=when)
    bare = base / 'remote' / ('cs-tln-%s.git' % name)
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


def fake_gh(tmp_path, listing):
    """A `gh` on PATH that answers `gh api ... orgs/ORG/repos` with listing (name, URL)."""
    folder = tmp_path / 'bin'
    folder.mkdir()
    answer = tmp_path / 'gh-answer.tsv'
    answer.write_text(''.join('%s\t%s\n' % pair for pair in listing))
    script = folder / 'gh'
    script.write_text('#!/bin/sh\n[ "$1" = api ] || exit 1\ncase "$*" in *orgs/org/repos*) '
                      'cat "%s";; *) echo "unexpected: $*" >&2; exit 1;; esac\n' % answer)
    script.chmod(0o755)
    return {'PATH': '%s%s%s' % (folder, os.pathsep, os.environ['PATH'])}


def test_fetch_reports_what_cannot_be_fetched_and_leaves_no_folder(tmp_path):
    """A missing repository and one with no commit (a clone without HEAD): listed, no
    folder left to grade, exit status 3."""
    empty = tmp_path / 'remote' / 'cs-tln-erin.git'
    git('init', '-q', '--bare', str(empty))
    env = fake_gh(tmp_path, [('cs-tln-erin', str(empty)),
                             ('cs-tln-dave', str(tmp_path / 'remote' / 'cs-tln-dave.git')),
                             ('other', 'x')])
    done = run_cli('classroom', 'fetch', '--org', 'org', '--classroom', 'cs', '--assignment',
                   'tln', '--into', str(tmp_path / 'class'), env=env)
    assert done.returncode == 3, done.stderr
    assert 'not fetched: dave' in done.stderr and 'not fetched: erin' in done.stderr
    assert os.listdir(str(tmp_path / 'class')) == []


@pytest.mark.slow
def test_fetch_and_grade_every_student_repository(tmp_path):
    alice_work, alice = make_student_repo(tmp_path, 'alice', reference_text(),
                                          when='2026-09-01T10:00:00+02:00')
    bob_work, bob = make_student_repo(tmp_path, 'bob',
                                      mutants.apply(mutants.BY_NAME['no_lr_decay']),
                                      when='2026-09-03T08:00:00Z')
    # Bob submits (Classroom 50 tags the submission), then pushes a broken file: the
    # submission is graded, not the branch.
    git('tag', 'submit/2026-09-03T08-00-00Z-bob0001', cwd=str(bob_work))
    (bob_work / 'assignment' / 'neural_net.py').write_text('syntax error (\n')
    git('commit', '-q', '-am', 'oops', cwd=str(bob_work), when='2026-09-04T08:00:00Z')
    git('push', '-q', '--force', '--tags', str(bob), 'main', cwd=str(bob_work))
    _, carol = make_student_repo(tmp_path, 'carol', None)       # never pushed any work
    empty = tmp_path / 'remote' / 'cs-tln-erin.git'
    git('init', '-q', '--bare', str(empty))                      # accepted, nothing in it
    missing = tmp_path / 'remote' / 'cs-tln-dave.git'
    listing = [(os.path.basename(str(path))[:-4], str(path))
               for path in (alice, bob, carol, missing, empty)]
    env = fake_gh(tmp_path, listing)
    into, out = tmp_path / 'class', tmp_path / 'grades'
    source = ['--org', 'org', '--classroom', 'cs', '--assignment', 'tln', '--into', str(into)]

    # A folder left from an earlier year is never graded either.
    (into / 'zoe' / 'assignment').mkdir(parents=True)
    (into / 'zoe' / 'assignment' / 'neural_net.py').write_text(reference_text())
    # Alice pushes again (even rewriting history): the next fetch grades what she pushed.
    first = run_cli('classroom', 'fetch', *source, env=env)
    assert first.returncode == 3, first.stderr
    (alice_work / 'assignment' / 'neural_net.py').write_text(
        reference_text().replace(mutants.MASK, 'pass'))
    git('commit', '-q', '--amend', '-am', 'rewritten', cwd=str(alice_work),
        when='2026-09-01T10:00:00+02:00')
    git('push', '-q', '--force', str(alice), 'main', cwd=str(alice_work))
    (into / 'alice' / 'scratch.txt').write_text('left over')

    refused = run_cli('classroom', 'grade', *source, '--seed', '20231', '--out', str(out),
                      env=env)
    assert refused.returncode == 2 and 'public default' in refused.stderr
    naive = run_cli('classroom', 'grade', *source, '--seed', '4242', '--out', str(out),
                    '--deadline', '2026-09-02T00:00', env=env)
    assert naive.returncode == 2 and 'no time zone' in naive.stderr
    graded = run_cli('classroom', 'grade', *source, '--out', str(out),
                     '--dataset', 'none', '--jobs', '2', '--deadline',
                     '2026-09-02T00:00:00+00:00', env=dict(env, TLN_SEED='4242'))
    assert graded.returncode == 3, graded.stderr          # dave and erin cannot be fetched
    assert 'not fetched: dave' in graded.stderr and 'not fetched: erin' in graded.stderr
    assert 'committed after the deadline 2026-09-02T00:00:00Z: bob' in graded.stderr
    assert not (into / 'alice' / 'scratch.txt').exists() and not (into / 'erin').exists()
    with open(out / 'grades.csv', newline='') as handle:
        rows = {row['student_id']: row for row in csv.DictReader(handle)}
    assert sorted(rows) == ['alice', 'bob', 'carol']
    assert float(rows['carol']['score']) == 0
    assert float(rows['bob']['sgd']) < 2 and float(rows['bob']['grads']) == 3  # hidden check
    assert float(rows['alice']['grads']) == 1.5
    assert 'stability' in rows['alice'] and 'no_mutation' in rows['alice']
    assert rows['alice']['timestamp'] == '2026-09-01T08:00:00Z'
    assert rows['bob']['timestamp'] == '2026-09-03T08:00:00Z'
    assert {name: row['late'] for name, row in rows.items()} == {
        'alice': 'no', 'bob': 'yes', 'carol': 'no'}
    assert {row['duedate'] for row in rows.values()} == {'2026-09-02T00:00:00Z'}

    scores = json.loads((out / 'scores.json').read_text())
    entries = {e['owner']: e for e in scores['assignments']['tln']['entries']}
    assert sorted(entries) == ['alice', 'bob', 'carol']
    for owner, entry in entries.items():
        [record] = entry['submissions']
        assert entry['override'] is True
        assert validate_result(dict(record, assignment='tln'), 'cs', 'tln', owner) is None
        graded = [c.name for c in CATALOG if c.name in rows[owner]]    # val_accuracy: no data
        assert record['max-score'] == 4 * float(rows[owner]['max_score']) == 72 - 4 * 3
        assert record['score'] == sum(int(float(rows[owner][name]) * 4) for name in graded)
        assert [t['test-name'] for t in record['tests']] == graded
    bob_record = entries['bob']['submissions'][0]
    assert bob_record['submission'] == 'submit/2026-09-03T08-00-00Z-bob0001'
    assert bob_record['late'] is True and bob_record['datetime'] == '2026-09-03T08:00:00Z'
    assert entries['alice']['submissions'][0]['submission'].startswith('submit/HEAD-')


def test_an_empty_class_folder_is_no_submission(tmp_path):
    """It used to be graded as one student named after the folder."""
    (tmp_path / 'class').mkdir()
    (tmp_path / 'class' / '.DS_Store').write_text('')
    done = run_cli('grade', str(tmp_path / 'class'), '--dataset', 'none')
    assert done.returncode == 2 and 'no submissions found' in done.stderr, done.stderr
    assert 'Traceback' not in done.stderr


def test_deadlines_need_a_zone_and_compare_in_utc():
    from autograder.commands.classroom import parse_deadline
    from autograder.errors import UsageError
    from autograder.outputs.gradebook import Submitted
    assert parse_deadline('2026-10-01T23:59:00+02:00') == '2026-10-01T21:59:00Z'
    assert parse_deadline('2026-10-01T21:59:00Z') == '2026-10-01T21:59:00Z'
    for text in ('2026-10-01T23:59', 'next friday'):
        with pytest.raises(UsageError):
            parse_deadline(text)
    assert Submitted('2026-10-01T21:59:01Z', '2026-10-01T21:59:00Z').late is True
    assert Submitted('2026-10-01T21:59:00Z', '2026-10-01T21:59:00Z').late is False
    assert Submitted('2026-10-01T21:59:00Z').late is None


def test_latest_submit_tag_is_the_greatest_name_and_annotated_tags_count_by_commit(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    git('init', '-q', '-b', 'main', cwd=str(work))
    commits = []
    for day in ('01', '02', '03'):
        (work / 'neural_net.py').write_text('# day %s\n' % day)
        git('add', '-A', cwd=str(work))
        git('commit', '-q', '-m', day, cwd=str(work), when='2026-09-%sT08:00:00Z' % day)
        commits.append(git('rev-parse', 'HEAD', cwd=str(work)).strip())
    git('tag', 'submit/2026-09-01T08-00-00Z-aaaaaaa', commits[0], cwd=str(work))
    git('tag', '-a', '-m', 'two', 'submit/2026-09-02T08-00-00Z-bbbbbbb', commits[1],
        cwd=str(work))
    git('tag', 'milestone-1', commits[2], cwd=str(work))       # not a submission
    assert classroom.latest_submit_tag(str(work)) == ('submit/2026-09-02T08-00-00Z-bbbbbbb',
                                                      commits[1])
    fetched, failed = classroom.fetch([str(work)], str(tmp_path / 'class'), log=lambda *_: None)
    assert not failed and fetched['work'].commit == commits[1]
    assert fetched['work'].time == '2026-09-02T08:00:00Z'
    assert fetched['work'].tag == 'submit/2026-09-02T08-00-00Z-bbbbbbb'


def test_a_tag_name_reaches_the_fetch_log_inert(tmp_path):
    """Tag names are the student's: git allows any character from U+0020 on in them
    (bidi overrides, zero-width and C1 characters included), and fetch logs the tag."""
    work = tmp_path / 'work'
    work.mkdir()
    git('init', '-q', '-b', 'main', cwd=str(work))
    (work / 'neural_net.py').write_text('# mine\n')
    git('add', '-A', cwd=str(work))
    git('commit', '-q', '-m', 'one', cwd=str(work), when='2026-09-01T08:00:00Z')
    git('tag', 'submit/z\u202eevil\u200b\u009b2J', cwd=str(work))
    lines = []
    fetched, failed = classroom.fetch([str(work)], str(tmp_path / 'class'), log=lines.append)
    assert not failed and fetched['work'].tag.startswith('submit/z')
    assert lines and not [line for line in lines if set(line) & {'\u202e', '\u200b', '\u009b'}]
    assert '(submit/zevil)' in lines[0]            # U+009B 2J: a CSI sequence, removed
