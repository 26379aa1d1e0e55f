"""The one-process-per-student nbgrader runner's own parts (platforms/nbgrader_batch.py).

The end-to-end run (a notebook that kills nbgrader, a link to /dev/zero) is in
tests/test_nbgrader.py.
"""
import os

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
