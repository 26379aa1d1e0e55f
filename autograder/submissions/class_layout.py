"""The layout of a folder given on the command line: one student, or a class of them.

A class folder holds one entry per student (a sub-folder or a .zip), or is an
nbgrader course with ``submitted/``; a folder with neural_net.py in it, or
in a preferred folder, or holding just the assignment folder, is one student.
Only the names and kinds of entries are looked at here (links not followed);
the students' files are read by folders.py and zips.py.
"""
import os

from ..errors import SubmissionError
from ..paths import ASSIGNMENT_ID, STUDENT_FILE
from .contents import IGNORED_DIRS
from .file_choice import PREFERRED_FOLDERS


def visible_entries(folder):
    """(name, lstat-kind) of a folder's visible entries, sorted, links not followed."""
    try:
        with os.scandir(folder) as listing:
            found = []
            for entry in listing:
                if entry.name.startswith('.') or entry.name in IGNORED_DIRS:
                    continue
                try:
                    if entry.is_symlink():
                        kind = 'link'
                    elif entry.is_dir(follow_symlinks=False):
                        kind = 'dir'
                    else:
                        kind = 'file'
                except OSError:
                    kind = 'file'
                found.append((entry.name, kind))
    except OSError as error:
        raise SubmissionError('%s cannot be read (%s).' % (folder, error.strerror)) from error
    return sorted(found)


def holds_nothing(folder):
    """True for a folder without a visible entry (hidden files and caches aside)."""
    return os.path.isdir(folder) and not visible_entries(folder)


def class_root(folder):
    """The folder whose entries are students, or None for one student."""
    if os.path.lexists(os.path.join(folder, STUDENT_FILE)):
        return None
    submitted = os.path.join(folder, 'submitted')
    if os.path.lexists(submitted):
        if os.path.islink(submitted):
            raise SubmissionError('%s is a symbolic link; give the folder it points to '
                                  'instead.' % submitted)
        if os.path.isdir(submitted):
            return submitted
    entries = visible_entries(folder)
    student_like = [name for name, kind in entries
                    if kind in ('dir', 'link') or name.endswith('.zip')]
    if not student_like:
        return None
    # A folder with one sub-folder that is the assignment itself is a student,
    # and so is one with a neural_net.py in a preferred folder (a student's
    # repository: assignment/neural_net.py beside backup/ is not a class of two).
    if [name for name, _ in entries] == [ASSIGNMENT_ID]:
        return None
    if any(kind == 'dir' and name in PREFERRED_FOLDERS
           and os.path.lexists(os.path.join(folder, name, STUDENT_FILE))
           for name, kind in entries):
        return None
    return folder
