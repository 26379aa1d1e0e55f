"""Hostile and broken submissions: each gets a score with a reason; nothing else changes.

One class mixes good submissions with hostile ones and is graded as a batch
through the CLI; the assertions look at every student's result and at the
files a submission might try to change.
"""
import hashlib
import json
import os
import shutil
import subprocess

import pytest

from autograder.paths import REPO_DIR, SOLUTIONS_DIR
from helpers import (REFERENCE, grader_tmpdir, own_processes, reference_text, run_cli,
                     write_submission)

# Every test here grades through the command line and the sandbox.
pytestmark = pytest.mark.slow

# The batch's --timeout: each of the three hanging submissions holds a job (two of them a
# CPU) this long; the slowest correct ones (legacy_imports loads matplotlib,
# sleeps_under_timeout) took about 3.2 s on two cores running seven tasks at once.
TIMEOUT = 6
LOSS_LINE = 'loss = data_loss + reg_loss'


def at_import(code):
    """The reference with code run when the module is imported."""
    return reference_text().replace('import numpy as np\n', 'import numpy as np\n' + code + '\n', 1)


def in_loss(code):
    """The reference with code run inside loss() once y is given."""
    return reference_text().replace(LOSS_LINE, LOSS_LINE + '\n        ' + code, 1)


SOLUTION = os.path.join(SOLUTIONS_DIR, 'neural_net.py')
# Replaced by the path of the batch's gradebook when the class is written.
OUT_PLACEHOLDER = '<GRADEBOOK>'
# Replaced by the path of another student's file.
OTHER_PLACEHOLDER = '<OTHER_STUDENT>'

# name -> (file content, words the feedback must contain, max score allowed or exact)
HOSTILE = {
    'infinite_loop_import': (at_import('while True:\n    pass'), 'did not finish within', 0),
    'infinite_loop_loss': (in_loss('while True: pass'), 'time limit', None),
    'memory_bomb': (at_import('hog = bytearray(50 * 2 ** 30)'), 'MemoryError', 0),
    'memory_bomb_numpy': (in_loss('hog = np.ones(50 * 2 ** 30 // 8)'), 'MemoryError', None),
    'spawns_children': (at_import(
        'import subprocess\nsubprocess.Popen(["sleep", "313"])'), 'not allowed', 0),
    'forks': (at_import('import os\nif os.fork() == 0:\n    import time; time.sleep(313)'),
              'not allowed', 0),
    'raw_fork_exec': (at_import(
        'import sys, subprocess\n'
        'raw = getattr(subprocess, "_fork_exec", None) or subprocess._posixsubprocess.fork_exec\n'
        'try:\n    raw([b"/bin/sleep"], [b"/bin/sleep"], True, (), None, None,'
        ' -1, -1, -1, -1, -1, -1, -1, -1, False, False, None, None, None, -1, None)\n'
        'except TypeError:\n    pass\n'
        'sys.modules.pop("_posixsubprocess", None)\nimport _posixsubprocess'), 'not allowed', 0),
    'sys_exit_import': (at_import('import sys\nsys.exit(0)'), 'SystemExit', 0),
    'os_exit_import': (at_import('import os\nos._exit(0)'), 'exited (code 0)', 0),
    'sys_exit_loss': (in_loss('import sys; sys.exit(0)'), 'SystemExit', None),
    'os_exit_loss': (in_loss('import os; os._exit(0)'), 'exited (code 0)', None),
    'reads_solution': (at_import(
        'exec(open(%r).read())' % SOLUTION), 'not allowed', 0),
    'overwrites_solution': (at_import(
        'open(%r, "w").write("broken")' % SOLUTION), 'not allowed', 0),
    'overwrites_gradebook': (at_import(
        'open(%r, "w").write("student_id,score\\nmallory,100\\n")' % OUT_PLACEHOLDER),
        'not allowed', 0),
    'overwrites_other_student': (at_import(
        'open(%r, "w").write("broken")' % OTHER_PLACEHOLDER), 'not allowed', 0),
    'reads_other_student': (at_import(
        'exec(open(%r).read())' % OTHER_PLACEHOLDER), 'not allowed', 0),
    'monkeypatches_numpy': (at_import(
        'np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n'
        'np.isfinite = lambda *a, **k: np.bool_(True)') + '\n', None, 18),
    'monkeypatches_grader': (
        open(os.path.join(REPO_DIR, 'assignment', 'neural_net.py')).read().replace(
            'import numpy as np\n', 'import numpy as np\ntry:\n'
            '    import autograder.checks, autograder.compare\n'
            '    autograder.checks.close = lambda *a, **k: True\n'
            '    autograder.compare.relative_error = lambda *a, **k: 0.0\n'
            '    autograder.checks.CHECKS.clear()\n'
            'except Exception:\n    pass\n', 1), 'NotImplementedError', 0),
    'fake_results_on_stdout': (
        open(os.path.join(REPO_DIR, 'assignment', 'neural_net.py')).read().replace(
            'import numpy as np\n', 'import numpy as np\nimport json\nprint(json.dumps([{'
            '"submission": "x", "score": 18, "max_score": 18, "checks": []}]))\n'
            'print("All tests passed! 18/18")\n', 1), 'NotImplementedError', 0),
    'wrong_shape_scores': (reference_text().replace(
        'scores = hidden.dot(W2) + b2                  # (N, C)',
        'scores = (hidden.dot(W2) + b2).T'), 'shape', None),
    'syntax_error': (reference_text().replace('def predict(self, X):', 'def predict(self, X)'),
                     'SyntaxError', 0),
    'python2_print': (at_import('print "hello"'), 'written for Python 2', 0),
    # Markers never gate grading: a warning, full marks.
    'markers_deleted': (reference_text().replace(
        '# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****', '# end'), None, 18),
    'non_utf8': (b'\xff\xfe' + reference_text().encode('utf-8'), 'SyntaxError', 0),
    'empty_file': ('', 'neural_net.py is empty', 0),
    'ten_megabytes': (reference_text() + '#' + 'x' * (10 * 2 ** 20) + '\n', 'accepts files up to',
                      0),
    'sleeps_over_timeout': (at_import('import time\ntime.sleep(%d)' % (TIMEOUT + 3)),
                            'did not finish within', 0),
    'sleeps_under_timeout': (at_import('import time\ntime.sleep(%d)' % (TIMEOUT // 3)), None, 18),
    'legacy_imports': (at_import(
        'from builtins import range\nfrom past.builtins import xrange\n'
        'import matplotlib.pyplot as plt'), None, 18),
}


def sha(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.fixture(scope='module')
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp('hostile')
    # The grader's scratch folder goes to a TMPDIR of this test's own, so the
    # process checks see this batch's processes only (never another checkout's).
    scratch = grader_tmpdir()
    try:
        yield dict(grade_hostile_class(root, {'TMPDIR': scratch}), roots=[root, scratch])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def grade_hostile_class(root, env):
    klass = root / 'class'
    out = root / 'out'
    for name, (content, _, _) in HOSTILE.items():
        if isinstance(content, str):
            content = content.replace(OUT_PLACEHOLDER, str(out / 'grades.csv')).replace(
                OTHER_PLACEHOLDER, str(klass / 'good_2' / 'neural_net.py'))
        write_submission(str(klass / name), content)
    for name in ('good_1', 'good_2'):
        write_submission(str(klass / name), reference_text())
    # Finish a first pass on a good student's file (its id: good_1/neural_net.py) so
    # there is a gradebook to attack (its class report of one would be rewritten below).
    run_cli('grade', str(klass / 'good_1' / 'neural_net.py'), '--out', str(out),
            '--dataset', 'fashion_mnist', '--no-report', check=True, env=env)
    solution_hash = sha(REFERENCE)
    result = run_cli('grade', str(klass), '--out', str(out), '--jobs', '2', '--json',
                     '--timeout', str(TIMEOUT), '--dataset', 'fashion_mnist', env=env)
    # ten_megabytes is refused when it is read: exit status 3, everyone else graded.
    assert result.returncode == 3, result.stderr
    return {'results': {r['submission']: r for r in json.loads(result.stdout)},
            'out': out, 'klass': klass, 'solution_hash': solution_hash}


@pytest.mark.parametrize('name', sorted(HOSTILE))
def test_each_gets_a_score_with_a_reason(graded, name):
    _, words, expected = HOSTILE[name]
    result = graded['results'][name]
    feedback = ' '.join([result['problem']] + [check['feedback'] for check in result['checks']])
    if words:
        assert words in feedback, feedback[:2000]
    if expected is not None:
        assert result['score'] == expected, feedback[:2000]
    else:
        assert 0 < result['score'] < result['max_score'], feedback[:2000]


def test_good_students_are_unaffected(graded):
    for name in ('good_1', 'good_2'):
        assert graded['results'][name]['score'] == 18


def test_protected_files_are_unchanged(graded):
    assert sha(REFERENCE) == graded['solution_hash']
    assert sha(graded['klass'] / 'good_2' / 'neural_net.py') == sha(
        graded['klass'] / 'good_1' / 'neural_net.py')
    with open(graded['out'] / 'grades.csv') as handle:
        text = handle.read()
    assert 'mallory' not in text
    # header + hostile + 2 good + the first pass's good_1/neural_net.py
    assert text.count('\n') == 1 + len(HOSTILE) + 2 + 1


def test_no_process_outlives_its_submission(graded):
    roots = graded['roots']
    assert own_processes(roots, 'sleep 313') == []
    assert own_processes(roots, 'start_child.py') == []     # the sandbox children
    assert own_processes(roots) == []


def slow_class(folder, count=8, seconds=0.5):
    """A class whose every submission takes `seconds` to load (with --jobs 2, the signal
    sent at the second result leaves at least 3 rounds of `seconds` to run)."""
    for index in range(count):
        write_submission(str(folder / ('s%02d' % index)),
                         at_import('import time\ntime.sleep(%g)' % seconds))


def wait_for_results(out, count, proc, limit=120):
    """Wait until count submissions are finished: their results written and the gradebook
    listing them (the batch writes a submission's result, then the gradebook: a signal
    between the two would find a gradebook one row short, which resuming mends)."""
    import csv
    import time
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        folder = out / 'results'
        if folder.is_dir() and len([f for f in os.listdir(folder) if f.endswith('.json')]) >= count:
            try:
                with open(out / 'grades.csv', newline='') as handle:
                    if len(list(csv.DictReader(handle))) >= count:
                        return
            except FileNotFoundError:
                pass
        time.sleep(0.1)
    raise AssertionError('the batch did not produce %d results in time' % count)


# A race: the signal must come while the batch still runs (a busy machine let it finish
# first under two xdist workers): beside no other test (tests/machine_lock.py).
@pytest.mark.machine
@pytest.mark.parametrize('signal_name', ['SIGINT', 'SIGKILL'])
def test_interrupted_batch_keeps_results_and_resumes(tmp_path, signal_name, request):
    import csv
    import signal
    import sys
    klass, out = tmp_path / 'class', tmp_path / 'out'
    slow_class(klass)
    scratch = grader_tmpdir()
    request.addfinalizer(lambda: shutil.rmtree(scratch, ignore_errors=True))
    env = dict(os.environ, TMPDIR=scratch)
    # No class report: what is checked is results/ and the gradebook (the report over
    # reused results is built in test_cli.py's rerun; here it cost about 2 CPU-seconds).
    command = [sys.executable, '-m', 'autograder', 'grade', str(klass), '--out', str(out),
               '--jobs', '2', '--dataset', 'none', '--public-seed', '--no-report']
    # As from a terminal: SIGINT at its default (a pytest-xdist worker ignores it, and a
    # program started with SIGINT ignored keeps ignoring it).
    proc = subprocess.Popen(command, cwd=REPO_DIR, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    wait_for_results(out, 2, proc)
    proc.send_signal(getattr(signal, signal_name))
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == (130 if signal_name == 'SIGINT' else -9), stderr
    finished = sorted(os.listdir(out / 'results'))
    assert 2 <= len(finished) < 8
    for name in finished:
        with open(out / 'results' / name) as handle:
            assert json.load(handle)['result']['score'] == 15
    with open(out / 'grades.csv', newline='') as handle:
        assert len(list(csv.DictReader(handle))) >= 2
    import time
    time.sleep(0.5)
    roots = [tmp_path, scratch]
    assert own_processes(roots, str(klass)) == []              # the grader
    assert own_processes(roots, 'start_child.py') == []        # its sandbox children
    again = subprocess.run(command, cwd=REPO_DIR, capture_output=True, text=True, timeout=300,
                           env=env)
    assert again.returncode == 0, again.stderr
    assert '%d unchanged submission(s) reused' % len(finished) in again.stderr
    with open(out / 'grades.csv', newline='') as handle:
        rows = list(csv.DictReader(handle))
    assert [row['student_id'] for row in rows] == ['s%02d' % i for i in range(8)]
    assert all(float(row['score']) == 15 for row in rows)


def test_regrading_is_byte_identical(tmp_path, graded):
    klass = graded['klass']
    outputs = []
    # What is compared: the JSON and the gradebook (no class report: about 2 CPU-seconds a
    # run, never compared; tests/test_report.py and test_cli.py build it).
    for run in ('a', 'b'):
        result = run_cli('grade', str(klass / 'good_1'), str(klass / 'wrong_shape_scores'),
                         str(klass / 'monkeypatches_numpy'), '--out', str(tmp_path / run),
                         '--json', '--dataset', 'fashion_mnist', '--no-report', check=True)
        with open(tmp_path / run / 'grades.csv', 'rb') as handle:
            outputs.append((result.stdout, handle.read()))
    assert outputs[0] == outputs[1]
