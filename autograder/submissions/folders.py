"""A submission given as a folder: walked without following links, one file chosen and read.

Below the folder (or below the trusted class folder holding it) nothing is
followed: the walk (safe_files.walk) records links as links, and the chosen
file is opened again through its folders with O_NOFOLLOW, so a folder
swapped for a link after the walk is refused too.
"""
import os

from .. import safe_files
from ..errors import SubmissionError
from ..paths import STUDENT_FILE
from .contents import IGNORED_DIRS, Contents, missing_problem
from .file_choice import choose_student_file
from .student_file import MAX_NOTEBOOK_BYTES, read_student_file, shown_parts

MAX_SCAN_ENTRIES = 20000                       # files and folders looked at per submission
MAX_SCAN_DEPTH = 32


def _open_submission_folder(folder, root, display):
    """A descriptor of folder; below root (trusted) no part may be a link."""
    if root is None:
        return safe_files.open_root(folder, SubmissionError, display)
    return safe_files.open_folder(root, safe_files.path_parts(folder, root), SubmissionError,
                                  shown=lambda below: display)


def folder_contents(folder, display, root=None):
    """The Contents of folder, walked through descriptors without following links.

    Hidden and cache folders are skipped. Raises SubmissionError if the
    folder cannot be read or is too large or deep to be a submission.
    """
    contents, count = Contents(), 0

    def descend(entry):
        if entry.name in IGNORED_DIRS or entry.name.startswith('.'):
            return False
        if len(entry.parts) > MAX_SCAN_DEPTH:
            raise SubmissionError('%s is nested more than %d folders deep.'
                                  % (display, MAX_SCAN_DEPTH))
        return True

    top = _open_submission_folder(folder, root, display)
    walk = safe_files.walk(top, SubmissionError,
                           lambda parts: '/'.join((display, shown_parts(parts))), descend)
    try:
        for entry in walk:
            count += 1
            if count > MAX_SCAN_ENTRIES:
                raise SubmissionError('%s holds more than %d files and folders; submit only '
                                      'your %s.' % (display, MAX_SCAN_ENTRIES, STUDENT_FILE))
            if entry.name == STUDENT_FILE and not entry.is_folder:
                contents.candidates.append(entry.parts)
            elif entry.is_link:
                contents.links.append(entry.parts)
            elif entry.is_folder:
                continue
            elif entry.is_file and entry.name.endswith('.ipynb'):
                contents.notebooks.append(entry.parts)
            elif not entry.name.startswith('.'):
                contents.others.append(entry.parts)
    finally:
        walk.close()      # its open folders first, then the top
        os.close(top)
    return contents


def read_folder_submission(folder, display, root=None):
    """(file display name, bytes) of the one neural_net.py in folder.

    root: a trusted folder above folder (a class folder); folder itself must
    then not be a link. Raises SubmissionError with the reason when there is
    no neural_net.py, several and none preferred (choose_student_file), or it
    is refused (links are never followed below root, or below folder without
    root).
    """
    return read_folder(folder, display, root)[:2]


def read_folder(folder, display, root=None):
    """read_folder_submission, plus the display names of the ignored files."""
    contents = folder_contents(folder, display, root)
    chosen, ignored = choose_student_file(contents.candidates, display)
    root = root or folder
    if chosen is None:
        def read_notebook(parts):
            return read_student_file(os.path.join(folder, *parts), root=root,
                                     limit=MAX_NOTEBOOK_BYTES)
        raise SubmissionError(missing_problem(display, contents, read_notebook))
    name = '/'.join((display, shown_parts(chosen)))
    # Re-open through the path's folders with O_NOFOLLOW: what was walked
    # may have been swapped for a link since.
    return (name, read_student_file(os.path.join(folder, *chosen), root=root, display=name),
            tuple('/'.join((display, shown_parts(parts))) for parts in ignored))
