"""The one-process-per-student nbgrader runner's own parts (platforms/nbgrader_batch.py).

The end-to-end run (a notebook that kills nbgrader, a link to /dev/zero) is in
tests/test_nbgrader.py.
"""
import json
import os
import subprocess
import sys

from autograder.platforms import nbgrader_batch


def test_only_regular_files_and_folders_pass(tmp_path):
    (tmp_path / 'sub').mkdir()
    (tmp_path / 'sub' / 'neural_net.py').write_text('x = 1\n')
    assert nbgrader_batch.refused_entry(str(tmp_path)) is None
    os.symlink('/dev/zero', str(tmp_path / 'sub' / 'data.bin'))
    assert nbgrader_batch.refused_entry(str(tmp_path)) == (os.path.join('sub', 'data.bin'),
                                                           'a symbolic link')
    os.remove(str(tmp_path / 'sub' / 'data.bin'))
    os.mkfifo(str(tmp_path / 'pipe'))
    assert nbgrader_batch.refused_entry(str(tmp_path)) == ('pipe', 'a named pipe (FIFO)')


def test_a_linked_student_folder_is_not_a_student(tmp_path):
    (tmp_path / 'submitted' / 'ann' / 'two_layer_net').mkdir(parents=True)
    (tmp_path / 'submitted' / 'bob' / 'two_layer_net').mkdir(parents=True)
    os.symlink(str(tmp_path / 'submitted' / 'ann'), str(tmp_path / 'submitted' / 'eve'))
    assert nbgrader_batch.students(str(tmp_path), 'two_layer_net') == ['ann', 'bob']
    assert nbgrader_batch.students(str(tmp_path), 'two_layer_net', ['bob']) == ['bob']


def test_the_reason_is_the_exception_nbgrader_logged():
    log = (b'[AutogradeApp | ERROR] There was an error processing assignment\n'
           b'Traceback (most recent call last):\n'
           b"ValueError: two_layer_net has two cells with the grade id 'test_scores'\n"
           b'[AutogradeApp | ERROR] Please see the the above traceback\n')
    assert nbgrader_batch._last_error(log).startswith('ValueError: two_layer_net has two')
    assert nbgrader_batch._last_error(b'[X | ERROR] it broke\nbye\n') == '[X | ERROR] it broke'
    assert nbgrader_batch._last_error(b'') == 'no output'


# --- the class's parent (platforms/nbgrader_fork_server.py), with a stand-in program ---

STAND_IN = '''import json, os, sys, time


def main():
    action = sys.argv[1]
    if action == 'describe':
        print(json.dumps({'pid': os.getpid(), 'sid': os.getsid(0), 'ppid': os.getppid(),
                          'args': sys.argv[1:], 'input': sys.stdin.read(),
                          'loaded': sorted(name for name in ('numpy', 'stand_in_preloaded')
                                           if name in sys.modules)}))
        print('to stderr', file=sys.stderr)
    elif action == 'fail':
        sys.exit(3)
    elif action == 'kill':
        os.kill(os.getpid(), 9)
    elif action == 'hang':
        time.sleep(600)
    elif action == 'kill_parent':
        os.kill(os.getppid(), 9)
'''


def stand_in_server(folder, preloaded=('stand_in_preloaded',), preload_text=''):
    """A ForkServer in folder whose students run STAND_IN's main (nbgrader's stand-in)."""
    from autograder.platforms.nbgrader_fork_server import ForkServer
    (folder / 'stand_in.py').write_text(STAND_IN)
    (folder / 'stand_in_preloaded.py').write_text(preload_text)
    return ForkServer(str(folder), program='stand_in:main', preloaded=preloaded)


def test_each_student_is_a_fork_of_the_parent_in_a_session_of_its_own(tmp_path):
    with stand_in_server(tmp_path) as server:
        code, output = server.run(['describe', '--student', 'ann'], timeout=60)
        assert code == 0, output
        lines = output.decode().splitlines()
        seen = json.loads(lines[0])
        assert lines[1] == 'to stderr'                       # stderr on the same pipe
        assert seen['ppid'] == server.process.pid            # forked from the parent
        assert seen['sid'] == seen['pid'] != server.process.pid     # its own session
        assert seen['args'] == ['describe', '--student', 'ann'] and seen['input'] == ''
        assert seen['loaded'] == ['stand_in_preloaded']      # loaded by the parent, no numpy
        assert server.run(['fail'], timeout=60) == (3, b'')
        assert server.run(['kill'], timeout=60) == (-9, b'')
        parent = server.process.pid
        again = server.run(['describe'], timeout=60)
        assert again[0] == 0 and server.process.pid == parent       # the same parent


def test_a_student_past_its_time_or_one_that_kills_the_parent_costs_only_itself(tmp_path):
    with stand_in_server(tmp_path) as server:
        assert server.run(['hang'], timeout=1) == (None, b'')
        assert server.run(['describe'], timeout=60)[0] == 0
        first_parent = server.process.pid
        assert server.run(['kill_parent'], timeout=60)[0] == -9
        code, output = server.run(['describe'], timeout=60)
        assert code == 0 and server.process.pid != first_parent     # a new parent
        assert json.loads(output.decode().splitlines()[0])['ppid'] \
            == server.process.pid


def test_a_parent_with_threads_forks_no_student(tmp_path):
    """A fork copies only the calling thread: a parent whose preloaded modules started a
    thread refuses, and the batch starts a fresh interpreter (run gives None)."""
    threaded = 'import threading, time\nthreading.Thread(target=time.sleep, args=(600,), ' \
               'daemon=True).start()\n'
    with stand_in_server(tmp_path, preload_text=threaded) as server:
        assert server.run(['describe'], timeout=60) is None
        assert 'threads are running' in server.problem
    with stand_in_server(tmp_path, preloaded=('no_such_module',)) as server:
        assert server.run(['describe'], timeout=60) is None
        assert 'no_such_module' in server.problem


def test_the_parent_loads_no_numpy_and_may_fork_when_alone():
    done = subprocess.run([sys.executable, '-c', 'import sys; from autograder.platforms.'
                           'nbgrader_fork_server import fork_problem; '
                           'print(repr(fork_problem()), "numpy" in sys.modules)'],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["''", 'False'], done.stderr
