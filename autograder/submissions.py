"""Find the neural_net.py of each submission on the command line.

A SUBMISSION argument may be:
- a ``neural_net.py`` file (any .py file is taken as the student's file);
- a ``.zip`` holding one neural_net.py (extracted safely: no absolute paths,
  no ``..``, no links, size-capped);
- a folder with a neural_net.py in it (a single student);
- a class folder: one sub-folder or .zip per student, found at any depth
  below that student's entry, nbgrader's ``submitted/<student>/<assignment>/``
  layout included (give the course root, ``submitted/`` or any folder of
  student folders).

Each submission becomes a Submission with a stable id (student id or path)
and the path of the file to grade, or a problem explaining why there is
none (that student then gets zero with the reason; the batch goes on).
"""
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from typing import Optional

from .paths import ASSIGNMENT_ID, STUDENT_FILE

MAX_ZIP_MEMBER_BYTES = 20 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 100 * 1024 * 1024
IGNORED_DIRS = {'__pycache__', '.ipynb_checkpoints', '.git', '__MACOSX'}


class SubmissionError(Exception):
    """A command-line argument is not a submission at all."""


@dataclass
class Submission:
    """One student's submission."""
    id: str                      # student id, or the path given
    file: Optional[str]          # the neural_net.py to grade, or None
    problem: str = ''            # why there is no file


def _find_student_file(folder):
    """neural_net.py inside folder, or None if absent.

    When there are several, the one directly in folder wins, then the one in
    a folder named like the assignment; otherwise SubmissionError.
    """
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS and not d.startswith('.'))
        if STUDENT_FILE in files:
            found.append(os.path.join(root, STUDENT_FILE))
    if len(found) > 1:
        top = os.path.join(folder, STUDENT_FILE)
        if top in found:
            return top
        preferred = [path for path in found
                     if os.path.basename(os.path.dirname(path)) == ASSIGNMENT_ID]
        if len(preferred) == 1:
            return preferred[0]
        raise SubmissionError('%s holds %d files named %s (%s); keep only one.'
                              % (folder, len(found), STUDENT_FILE,
                                 ', '.join(os.path.relpath(p, folder) for p in found)))
    return found[0] if found else None


def extract_zip(path, dest):
    """Extract a zip safely into dest; raise SubmissionError if it is unsafe.

    Refuses absolute paths, '..' components, symbolic links and archives
    that unpack to more than the size caps.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise SubmissionError('%s is not a readable zip file (%s).' % (path, error))
    with archive:
        total = 0
        for info in archive.infolist():
            name = info.filename.replace('\\', '/')
            parts = [part for part in name.split('/') if part]
            if name.startswith('/') or '..' in parts or (parts and ':' in parts[0]):
                raise SubmissionError('%s contains an unsafe path %r; zip the files without '
                                      'absolute or ".." paths.' % (path, info.filename))
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise SubmissionError('%s contains a symbolic link %r.' % (path, info.filename))
            if info.file_size > MAX_ZIP_MEMBER_BYTES:
                raise SubmissionError('%s: %r is too large (%d bytes).'
                                      % (path, info.filename, info.file_size))
            total += info.file_size
            if total > MAX_ZIP_TOTAL_BYTES:
                raise SubmissionError('%s unpacks to more than %d MB.'
                                      % (path, MAX_ZIP_TOTAL_BYTES // 2 ** 20))
        for info in archive.infolist():
            parts = [part for part in info.filename.replace('\\', '/').split('/') if part]
            if not parts or info.is_dir():
                continue
            target = os.path.join(dest, *parts)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with archive.open(info) as source, open(target, 'wb') as out:
                shutil.copyfileobj(source, out)


class Workspace:
    """Temporary folder for extracted zips; remove with close()."""

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix='tln-submissions-')
        self._count = 0

    def unzip(self, path):
        self._count += 1
        dest = os.path.join(self.folder, str(self._count))
        os.makedirs(dest)
        extract_zip(path, dest)
        return dest

    def close(self):
        shutil.rmtree(self.folder, ignore_errors=True)


def _from_zip(workspace, path, submission_id):
    try:
        folder = workspace.unzip(path)
        found = _find_student_file(folder)
    except SubmissionError as error:
        return Submission(submission_id, None, str(error))
    if found is None:
        return Submission(submission_id, None, '%s holds no %s.' % (path, STUDENT_FILE))
    return Submission(submission_id, found)


def _from_folder(path, submission_id):
    try:
        found = _find_student_file(path)
    except SubmissionError as error:
        return Submission(submission_id, None, str(error))
    if found is None:
        return Submission(submission_id, None, 'no %s in %s.' % (STUDENT_FILE, path))
    return Submission(submission_id, found)


def _class_root(folder):
    """The folder whose sub-folders are students, or None for one student."""
    if os.path.isfile(os.path.join(folder, STUDENT_FILE)):
        return None
    submitted = os.path.join(folder, 'submitted')
    if os.path.isdir(submitted):
        return submitted
    entries = [e for e in os.listdir(folder) if not e.startswith('.') and e not in IGNORED_DIRS]
    student_like = [e for e in entries if os.path.isdir(os.path.join(folder, e))
                    or e.endswith('.zip')]
    if not student_like:
        return None
    # A folder with one sub-folder that is the assignment itself is a student.
    if entries == [ASSIGNMENT_ID]:
        return None
    return folder


def discover(arguments, workspace, exclude=()):
    """Submissions for the command-line arguments, in a stable order.

    exclude: folders never taken as students (e.g. the grader's output folder
    when it lies inside the class folder). Raises SubmissionError for an
    argument that does not exist.
    """
    excluded = {os.path.realpath(path) for path in exclude}
    submissions = []
    for argument in arguments:
        if not os.path.exists(argument):
            raise SubmissionError('%s: no such file or folder.' % argument)
        if os.path.isfile(argument):
            if argument.endswith('.zip'):
                submissions.append(_from_zip(workspace, argument, argument))
            else:
                submissions.append(Submission(argument, argument))
            continue
        root = _class_root(argument)
        if root is None:
            submissions.append(_from_folder(argument, argument))
            continue
        for entry in sorted(os.listdir(root)):
            path = os.path.join(root, entry)
            if entry.startswith('.') or entry in IGNORED_DIRS or os.path.realpath(path) in excluded:
                continue
            if os.path.isdir(path):
                submissions.append(_from_folder(path, entry))
            elif entry.endswith('.zip'):
                submissions.append(_from_zip(workspace, path, entry[:-len('.zip')]))
    seen = set()
    for submission in submissions:
        if submission.id in seen:
            raise SubmissionError('two submissions share the id %r; grade them separately.'
                                  % submission.id)
        seen.add(submission.id)
    return submissions
