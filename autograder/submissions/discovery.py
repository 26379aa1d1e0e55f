"""Find and read the neural_net.py of each submission on the command line.

A SUBMISSION argument may be:
- a ``neural_net.py`` file (any .py file is taken as the student's file);
- a ``.zip`` holding one neural_net.py (read in place, never extracted);
- a folder with a neural_net.py in it (a single student);
- a class folder: one sub-folder or .zip per student, found at any depth
  below that student's entry, nbgrader's ``submitted/<student>/<assignment>/``
  layout included (give the course root, ``submitted/`` or any folder of
  student folders).

Student files are untrusted. Below a command-line argument nothing is
followed or opened except regular files and real folders: a symbolic link
(to a file or a folder), a FIFO, a socket or a device is refused with its
name, files are read with a byte cap, and zips are read member by member
without trusting their headers. The student's bytes are read once, here;
grading and the content hash use those bytes, never the path again.

This module turns the arguments into submissions; the parts live beside it:
class_layout.py (one student or a class), folders.py and zips.py (reading a
folder or a zip), file_choice.py (which neural_net.py is graded),
notebooks.py and contents.py (what to say when there is none),
student_file.py (the one reader of a student's file, over safe_files.py).

Each submission becomes a Submission with a stable id (student id, or a
relative name for a path given on the command line), the bytes to grade and
a display name for them, or a problem saying why there is nothing to grade
(that student then gets zero with the reason; the batch goes on). Problems
name files relative to the submission (they reach the student); the full
path is kept in ``location`` for the instructor's console.
"""
import hashlib
import os
import stat

from ..errors import SubmissionError
from ..paths import STUDENT_FILE
from ..safe_files import clean_name
from .class_layout import class_root, holds_nothing, visible_entries
from .folders import read_folder
from .notebooks import notebook_defines_class, notebook_problem
from .student_file import MAX_NOTEBOOK_BYTES, link_problem, read_student_file
from .submission import Submission
from .zips import read_zip

__all__ = ['Submission', 'SubmissionError', 'discover', 'display_name', 'holds_nothing',
           'read_submission']


def display_name(path, is_file):
    """A relative name for a command-line path: the path as given when it is
    relative, else relative to the current folder, else its last parts."""
    normal = os.path.normpath(path)
    if not os.path.isabs(normal) and normal != '.' and not normal.startswith('..'):
        return clean_name(normal)
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, os.getcwd())
    if relative != '.' and not relative.startswith('..'):
        return clean_name(relative)
    parent, base = os.path.split(absolute)
    if is_file and os.path.basename(parent):
        return clean_name(os.path.basename(parent) + '/' + base)
    return clean_name(base or absolute)


def _from_file(path, submission_id, display, root=None):
    """A submission given as a single (non-zip) file."""
    location = os.path.abspath(path)
    try:
        info = os.lstat(path)
    except OSError as error:
        return Submission(submission_id, None, '%s cannot be read (%s).'
                          % (display, error.strerror), location=location)
    if stat.S_ISREG(info.st_mode) and not path.endswith('.py'):
        base = clean_name(os.path.basename(path))
        if path.endswith('.ipynb'):
            try:
                defines = notebook_defines_class(
                    read_student_file(path, root, display, MAX_NOTEBOOK_BYTES))
            except SubmissionError:
                defines = False
            return Submission(submission_id, None, notebook_problem(display, [base], defines),
                              location=location)
        return Submission(submission_id, None, '%s: you submitted %s, not %s. Submit your %s.'
                          % (display, base, STUDENT_FILE, STUDENT_FILE), location=location)
    try:
        source = read_student_file(path, root, display)
    except SubmissionError as error:
        return Submission(submission_id, None, str(error), location=location)
    return Submission(submission_id, display, source=source, location=location)


def _from_container(read, path, submission_id, display, root=None):
    """Submission from a zip or folder reader (zips.read_zip, folders.read_folder)."""
    location = os.path.abspath(path)
    try:
        name, source, ignored = read(path, display, root)
    except SubmissionError as error:
        return Submission(submission_id, None, str(error), location=location)
    return Submission(submission_id, name, source=source, location=location, ignored=ignored)


def _from_zip(path, submission_id, display, root=None):
    return _from_container(read_zip, path, submission_id, display, root)


def _from_folder(path, submission_id, display, root=None):
    return _from_container(read_folder, path, submission_id, display, root)


def _guarded(make, path, submission_id, *args):
    """make(...) for one submission; any unexpected error becomes its problem,
    so one student's broken submission never stops the batch."""
    try:
        return make(path, submission_id, *args)
    except Exception as error:  # noqa: BLE001 - a last line of defence, reported
        detail = error.strerror if isinstance(error, OSError) and error.strerror else error
        return Submission(submission_id, None, '%s could not be read (%s: %s).'
                          % (args[0] if args else submission_id, type(error).__name__, detail),
                          location=os.path.abspath(path))


def _class_members(root, excluded):
    """Submissions for each student entry of a class folder."""
    entries = visible_entries(root)
    names = {name for name, _ in entries}
    submissions, taken = [], set()
    for name, kind in entries:
        path = os.path.join(root, name)
        if os.path.realpath(path) in excluded:
            continue
        if kind == 'file' and not name.endswith('.zip'):
            continue                       # loose files beside the students
        # alice.zip is student alice, unless a folder alice is there too.
        stem = name[:-len('.zip')] if name.endswith('.zip') and kind != 'dir' else name
        student = clean_name(stem if stem not in names or stem == name else name)
        if student in taken:               # names that differ only in unprintable bytes
            student += '-' + hashlib.sha256(os.fsencode(name)).hexdigest()[:8]
        taken.add(student)
        shown = clean_name(name)
        if kind == 'dir':
            submissions.append(_guarded(_from_folder, path, student, shown, root))
        elif kind == 'link':
            submissions.append(Submission(student, None, link_problem(shown),
                                          location=os.path.abspath(path)))
        else:
            submissions.append(_guarded(_from_zip, path, student, shown, root))
    return submissions


def read_submission(path, display=None):
    """The Submission at path, always one student's, never split into a class.

    path: a neural_net.py, a .zip or a folder (e.g. Gradescope's
    /autograder/submission, a student's repository, nbgrader's submitted
    folder of one student); in a folder or zip the file is chosen by
    choose_student_file. Problems are recorded in the Submission, named with
    display (default: display_name).
    """
    is_folder = os.path.isdir(path)
    display = display or display_name(path, not is_folder)
    if is_folder:
        make = _from_folder
    else:
        make = _from_zip if path.endswith('.zip') else _from_file
    return _guarded(make, path, display, display)


def discover(arguments, exclude=()):
    """Submissions for the command-line arguments, in a stable order.

    exclude: folders never taken as students (e.g. the grader's output folder
    when it lies inside the class folder). Raises SubmissionError for an
    argument that does not exist or two submissions with the same id; every
    problem with one submission is recorded in that Submission instead.
    """
    excluded = {os.path.realpath(path) for path in exclude}
    submissions = []
    for argument in arguments:
        if not os.path.lexists(argument):
            raise SubmissionError('%s: no such file or folder.' % argument)
        folder = os.path.isdir(argument)
        if folder and os.path.islink(argument.rstrip(os.sep) or argument):
            # A link to a class folder is the instructor's; a link to one
            # student's folder may be a student's, and is refused.
            if class_root(argument) is None:
                display = display_name(argument, False)
                submissions.append(Submission(display, None, link_problem(display),
                                              location=os.path.abspath(argument)))
                continue
        if not folder:
            display = display_name(argument, True)
            make = _from_zip if argument.endswith('.zip') else _from_file
            submissions.append(_guarded(make, argument, display, display))
            continue
        root = class_root(argument)
        if root is None:
            display = display_name(argument, False)
            submissions.append(_guarded(_from_folder, argument, display, display))
            continue
        submissions.extend(_class_members(root, excluded))
    seen = {}
    for submission in submissions:
        if submission.id in seen:
            raise SubmissionError('two submissions share the id %r (%s and %s); grade them '
                                  'separately.' % (submission.id, seen[submission.id],
                                                   submission.location))
        seen[submission.id] = submission.location
    return submissions
