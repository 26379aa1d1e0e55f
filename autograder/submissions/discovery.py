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

Each submission becomes a Submission with a stable id (student id, or a
relative name for a path given on the command line), the bytes to grade and
a display name for them, or a problem saying why there is nothing to grade
(that student then gets zero with the reason; the batch goes on). Problems
name files relative to the submission (they reach the student); the full
path is kept in ``location`` for the instructor's console.
"""
import errno
import hashlib
import json
import os
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Optional, Tuple

from ..errors import SubmissionError
from ..outputs.output_folder import read_capped
from ..paths import ASSIGNMENT_ID, STUDENT_FILE
from .source_rule import MAX_SOURCE_BYTES

IGNORED_DIRS = {'__pycache__', '.ipynb_checkpoints', '.git', '__MACOSX'}
MAX_ZIP_MEMBERS = 10000
MAX_ZIP_DIRECTORY_BYTES = 8 * 1024 * 1024      # the zip's central directory, read into memory
MAX_NOTEBOOK_BYTES = 16 * 1024 * 1024          # a notebook read only to explain what is wrong
MAX_SCAN_ENTRIES = 20000                       # files and folders looked at per submission
MAX_SCAN_DEPTH = 32
ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_CLASS_DEFINITION = re.compile(r'^[ \t]*class[ \t]+TwoLayerNet\b', re.MULTILINE)


@dataclass
class Submission:
    """One student's submission.

    - id: student id, or a relative name for a path given on the command line.
    - file: display name of the graded file, relative to the submission
      (e.g. ``alice/hw/neural_net.py`` or ``alice.zip:neural_net.py``), or None.
    - problem: why there is nothing to grade (shown to the student).
    - source: the bytes to grade, read once at discovery, or None.
    - location: full path of the submission on disk (for the console only).
    - ignored: display names of the other neural_net.py files it holds, left
      out by choose_student_file.
    """
    id: str
    file: Optional[str]
    problem: str = ''
    source: Optional[bytes] = None
    location: str = ''
    ignored: Tuple[str, ...] = ()

    @property
    def gradable(self):
        return self.source is not None

    @property
    def note(self):
        """The sentence saying which file was graded and which were ignored, or ''."""
        if not self.ignored or self.file is None:
            return ''
        return ('Graded %s; ignored %s (with several %s, the one in %s is graded, else the one '
                'at the top; keep one to be sure).'
                % (self.file, ', '.join(self.ignored), STUDENT_FILE,
                   ', else '.join('%s/' % name for name in PREFERRED_FOLDERS)))


def clean_name(name):
    """A file name made safe to print and store: undecodable bytes and control
    characters become '?'."""
    text = os.fsencode(name).decode('utf-8', errors='replace').replace('\ufffd', '?')
    return ''.join('?' if unicodedata.category(ch)[0] == 'C' else ch for ch in text)


def _join(parts):
    """Display form of path parts (raw names, cleaned for printing)."""
    return '/'.join(clean_name(part) for part in parts)


def _short(text, limit=120):
    return text if len(text) <= limit else text[:limit - 3] + '...'


def _kind_problem(mode, name):
    """Why a file of this mode cannot be read as a student file, or None."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return ('%s is a symbolic link; the grader does not follow links (submit the file or '
                'folder itself).' % name)
    if stat.S_ISDIR(mode):
        return '%s is a folder, not a file.' % name
    if stat.S_ISFIFO(mode):
        return '%s is a named pipe (FIFO), not a regular file.' % name
    if stat.S_ISSOCK(mode):
        return '%s is a socket, not a regular file.' % name
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return '%s is a device, not a regular file.' % name
    return '%s is not a regular file.' % name


def _too_large(name, size=None, limit=MAX_SOURCE_BYTES):
    return ('%s is %s; the grader accepts files up to %d KB. Submit only your neural_net.py.'
            % (name, '%.1f MB' % (size / 1e6) if size else 'larger than that',
               limit // 1024))


def _relative_parts(path, root):
    parts = os.path.relpath(path, root).split(os.sep)
    if not parts or any(part in ('', '.', '..') for part in parts):
        raise ValueError('%s is not inside %s' % (path, root))
    return parts


def _open_folder(path, root, display):
    """A descriptor of the folder at path; below root (trusted) no part may be a link."""
    try:
        if root is None:
            return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        parts = _relative_parts(path, root)
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise SubmissionError('%s cannot be read (%s).' % (display, error.strerror)) from error
    for index, part in enumerate(parts):
        try:
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)
        except OSError as error:
            os.close(fd)
            if error.errno in (errno.ELOOP, errno.ENOTDIR):
                raise SubmissionError('%s is a symbolic link or not a folder; the grader does '
                                      'not follow links.' % display) from error
            raise SubmissionError('%s cannot be read (%s).' % (display, error.strerror)) from error
        os.close(fd)
        fd = child
    return fd


def _open_regular(path, root=None, display=None):
    """A read-only descriptor of the regular file at path, reached without links.

    root: a trusted folder containing path; no folder between root and the
    file may be a link. Without root, only the file itself is checked (its
    folder is the one given on the command line).
    """
    display = display or path
    if root is None:
        root, parts = os.path.dirname(path) or '.', [os.path.basename(path)]
    else:
        parts = _relative_parts(path, root)
    try:
        dir_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise SubmissionError('%s cannot be read (%s).' % (display, error.strerror)) from error
    try:
        for index, part in enumerate(parts[:-1]):
            try:
                fd = os.open(part, _DIR_FLAGS, dir_fd=dir_fd)
            except OSError as error:
                if error.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise SubmissionError(
                        '%s: %s is a symbolic link or not a folder; the grader does not follow '
                        'links.' % (display, _join(parts[:index + 1]))) from error
                raise SubmissionError('%s cannot be read (%s).'
                                      % (display, error.strerror)) from error
            os.close(dir_fd)
            dir_fd = fd
        name = parts[-1]
        try:
            info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError as error:
            raise SubmissionError('%s cannot be read (%s).' % (display, error.strerror)) from error
        problem = _kind_problem(info.st_mode, display)
        if problem:
            raise SubmissionError(problem)
        try:
            fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise SubmissionError(_kind_problem(stat.S_IFLNK, display)) from error
            raise SubmissionError('%s cannot be read (%s).' % (display, error.strerror)) from error
    finally:
        os.close(dir_fd)
    try:
        opened = os.fstat(fd)
        problem = _kind_problem(opened.st_mode, display)
        if not problem and (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            problem = '%s changed while it was being read.' % display
    except OSError as error:
        problem = '%s cannot be read (%s).' % (display, error.strerror)
    if problem:
        os.close(fd)
        raise SubmissionError(problem)
    return fd


def read_student_file(path, root=None, display=None, limit=MAX_SOURCE_BYTES):
    """The bytes of a student's file; SubmissionError naming it if it is refused.

    Only a regular file is read: a symbolic link (also a linked folder between
    root and the file), a FIFO, a socket, a device or a folder is refused, as
    is a file over limit bytes (at most limit + 1 bytes are ever read).
    display: the name used in messages (default: path).
    """
    display = display or path
    fd = _open_regular(path, root, display)
    try:
        data = read_capped(fd, limit)
        size = os.fstat(fd).st_size
    except OSError as error:
        raise SubmissionError('%s cannot be read (%s).' % (display, error.strerror)) from error
    finally:
        os.close(fd)
    if len(data) > limit:
        raise SubmissionError(_too_large(display, max(size, len(data)), limit))
    return data


def notebook_defines_class(data):
    """True if a notebook's code cells define class TwoLayerNet."""
    try:
        notebook = json.loads(data.decode('utf-8', errors='replace'))
    except ValueError:
        return bool(_CLASS_DEFINITION.search(data.decode('utf-8', errors='replace')))
    cells = notebook.get('cells') if isinstance(notebook, dict) else None
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get('cell_type') != 'code':
            continue
        source = cell.get('source', '')
        if isinstance(source, list):
            source = ''.join(part for part in source if isinstance(part, str))
        if isinstance(source, str) and _CLASS_DEFINITION.search(source):
            return True
    return False


def _notebook_problem(display, notebook_names, defines_class):
    message = ('%s: you submitted %s but not %s.' % (display, ', '.join(notebook_names),
                                                      STUDENT_FILE))
    if defines_class:
        message += (' Your class TwoLayerNet is inside the notebook; it must be in %s '
                    '(write your code between its START/END markers), and %s is the file '
                    'that is graded.' % (STUDENT_FILE, STUDENT_FILE))
    else:
        message += ' Submit your %s, which is the file that is graded.' % STUDENT_FILE
    return message


# Which neural_net.py is graded when a submission holds several: the one rule
# of every route (grade, check, classroom, Gradescope, nbgrader), documented in
# docs/grading.md. The one in a folder named assignment/ wins, then the one in a
# folder named like the assignment, then the one at the top of the submission.
PREFERRED_FOLDERS = ('assignment', ASSIGNMENT_ID)


def several_files_problem(display, candidates):
    """Why a submission with several neural_net.py and none preferred gets zero."""
    return ('%s holds %d files named %s (%s) and the grader cannot tell which one is yours: '
            'it grades the one in %s, else the one at the top, when there is exactly one. '
            'Keep one %s (delete or rename the others) and submit again.'
            % (display, len(candidates), STUDENT_FILE,
               ', '.join(_short(_join(c), 80) for c in candidates[:10])
               + (', ...' if len(candidates) > 10 else ''),
               ', else '.join('a folder named %s/' % name for name in PREFERRED_FOLDERS),
               STUDENT_FILE))


def choose_student_file(candidates, display):
    """(graded, ignored): the neural_net.py to grade among candidates (tuples of
    path parts inside one submission) and the others, or (None, ()) for none.

    One file is graded; with several, the one whose folder is named
    assignment/ wins, then two_layer_net/, then the one at the top; when the
    first of these tiers that has any holds more than one, or none has any,
    SubmissionError lists the files and says to keep one.
    """
    if len(set(candidates)) != len(candidates):
        twice = sorted({c for c in candidates if candidates.count(c) > 1})
        raise SubmissionError('%s holds %s more than once; keep only one.'
                              % (display, _join(twice[0])))
    if len(candidates) <= 1:
        return (candidates[0] if candidates else None), ()
    tiers = [[c for c in candidates if len(c) >= 2 and c[-2] == folder]
             for folder in PREFERRED_FOLDERS]
    tiers.append([c for c in candidates if len(c) == 1])
    tier = next((tier for tier in tiers if tier), [])
    if len(tier) != 1:
        raise SubmissionError(several_files_problem(display, candidates))
    return tier[0], tuple(c for c in candidates if c != tier[0])


class _Scan:
    """What a folder holds, walked without following links."""

    def __init__(self):
        self.candidates = []    # path parts of entries named neural_net.py (any kind)
        self.notebooks = []     # path parts of regular .ipynb files
        self.others = []        # path parts of other files
        self.links = []         # path parts of symbolic links (not followed)
        self.entries = 0


def _scan(folder, display, root=None):
    """Walk folder with os.scandir (follow_symlinks=False), through descriptors.

    Hidden and cache folders are skipped. Raises SubmissionError if the
    folder cannot be read or is too large to be a submission.
    """
    scan = _Scan()
    top = _open_folder(folder, root, display)

    def walk(dir_fd, prefix):
        try:
            with os.scandir(dir_fd) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            raise SubmissionError('%s cannot be read (%s).'
                                  % ('/'.join((display, _join(prefix))), error.strerror)) from error
        for entry in entries:
            scan.entries += 1
            if scan.entries > MAX_SCAN_ENTRIES:
                raise SubmissionError('%s holds more than %d files and folders; submit only '
                                      'your %s.' % (display, MAX_SCAN_ENTRIES, STUDENT_FILE))
            parts = prefix + (entry.name,)
            try:
                is_link = entry.is_symlink()
                is_dir = not is_link and entry.is_dir(follow_symlinks=False)
                is_file = not is_link and entry.is_file(follow_symlinks=False)
            except OSError:
                is_link = is_dir = is_file = False
            if entry.name == STUDENT_FILE and not is_dir:
                scan.candidates.append(parts)
            elif is_link:
                scan.links.append(parts)
            elif is_dir:
                if entry.name in IGNORED_DIRS or entry.name.startswith('.'):
                    continue
                if len(parts) > MAX_SCAN_DEPTH:
                    raise SubmissionError('%s is nested more than %d folders deep.'
                                          % (display, MAX_SCAN_DEPTH))
                try:
                    child = os.open(entry.name, _DIR_FLAGS, dir_fd=dir_fd)
                except OSError as error:
                    shown = '/'.join((display, _join(parts)))
                    raise SubmissionError('%s cannot be read (%s).'
                                          % (shown, error.strerror)) from error
                try:
                    walk(child, parts)
                finally:
                    os.close(child)
            elif is_file and entry.name.endswith('.ipynb'):
                scan.notebooks.append(parts)
            elif not entry.name.startswith('.'):
                scan.others.append(parts)

    try:
        walk(top, ())
    finally:
        os.close(top)
    return scan


def _missing_problem(display, scan, read_notebook, what='folder'):
    """The reason a folder or zip with no neural_net.py cannot be graded."""
    if scan.notebooks:
        names = sorted({clean_name(parts[-1]) for parts in scan.notebooks})
        defines = False
        for parts in scan.notebooks:
            try:
                defines = defines or notebook_defines_class(read_notebook(parts))
            except SubmissionError:
                pass
        return _notebook_problem(display, names, defines)
    if not scan.others and not scan.links:
        return '%s: this %s is empty. Submit your %s.' % (display, what, STUDENT_FILE)
    message = '%s: no %s in this %s' % (display, STUDENT_FILE, what)
    if scan.others:
        shown = [_join(parts) for parts in scan.others[:5]]
        message += ' (it holds %s%s)' % (', '.join(_short(name, 80) for name in shown),
                                         ', ...' if len(scan.others) > 5 else '')
    message += '.'
    python_files = [parts[-1] for parts in scan.others if parts[-1].endswith('.py')]
    if python_files:
        message += ' If %s is your code, rename it to %s.' % (clean_name(python_files[0]),
                                                               STUDENT_FILE)
    else:
        message += ' Submit your %s.' % STUDENT_FILE
    if scan.links:
        message += (' Symbolic links are not followed (%s).'
                    % ', '.join(_short(_join(parts), 80) for parts in scan.links[:5]))
    return message


def read_folder_submission(folder, display, root=None):
    """(file display name, bytes) of the one neural_net.py in folder.

    root: a trusted folder above folder (a class folder); folder itself must
    then not be a link. Raises SubmissionError with the reason when there is
    no neural_net.py, several and none preferred (choose_student_file), or it
    is refused (links are never followed below root, or below folder without
    root).
    """
    return _read_folder(folder, display, root)[:2]


def _read_folder(folder, display, root=None):
    """read_folder_submission, plus the display names of the ignored files."""
    scan = _scan(folder, display, root)
    chosen, ignored = choose_student_file(scan.candidates, display)
    root = root or folder
    if chosen is None:
        def read_notebook(parts):
            return read_student_file(os.path.join(folder, *parts), root=root,
                                     limit=MAX_NOTEBOOK_BYTES)
        raise SubmissionError(_missing_problem(display, scan, read_notebook))
    name = '/'.join((display, _join(chosen)))
    # Re-open through the path's folders with O_NOFOLLOW: what was scanned
    # may have been swapped for a link since.
    return (name, read_student_file(os.path.join(folder, *chosen), root=root, display=name),
            tuple('/'.join((display, _join(parts))) for parts in ignored))


def _zip_directory_size(handle, display):
    """(member count, central directory bytes) from the end record, before parsing."""
    try:
        record = zipfile._EndRecData(handle)
    except (OSError, ValueError, EOFError):
        record = None
    if record is None:
        raise SubmissionError('%s is not a zip file (or it is damaged).' % display)
    return record[zipfile._ECD_ENTRIES_TOTAL], record[zipfile._ECD_SIZE]


def _member_parts(info, display):
    name = info.filename.replace('\\', '/')
    parts = tuple(part for part in name.split('/') if part and part != '.')
    if name.startswith('/') or '..' in parts or (parts and ':' in parts[0]):
        raise SubmissionError('%s contains an unsafe path %r; zip the files without absolute '
                              'or ".." paths.' % (display, _short(info.filename, 80)))
    return parts


def _read_member(archive, info, display, limit):
    """A zip member's bytes, at most limit; SubmissionError with the reason otherwise."""
    if stat.S_ISLNK(info.external_attr >> 16):
        raise SubmissionError(_kind_problem(stat.S_IFLNK, display))
    if info.flag_bits & 0x1:
        raise SubmissionError('%s is encrypted (password-protected); zip it again without a '
                              'password.' % display)
    if info.compress_type not in ZIP_METHODS:
        method = zipfile.compressor_names.get(info.compress_type,
                                              'method %d' % info.compress_type)
        raise SubmissionError('%s is compressed with %s, which the grader cannot read; zip it '
                              'again with ordinary (deflate) compression.' % (display, method))
    if info.file_size > limit:
        raise SubmissionError(_too_large(display, info.file_size, limit))
    try:
        with archive.open(info) as member:
            data = member.read(limit + 1)
    except RuntimeError as error:
        raise SubmissionError('%s is encrypted (password-protected); zip it again without a '
                              'password.' % display) from error
    except NotImplementedError as error:
        raise SubmissionError('%s uses a zip feature the grader cannot read (%s); zip it again '
                              'with ordinary (deflate) compression.' % (display, error)) from error
    except Exception as error:   # BadZipFile (bad CRC), EOFError, zlib.error, OSError, ...
        raise SubmissionError('%s is damaged (%s); zip it again.'
                              % (display, str(error) or type(error).__name__)) from error
    if len(data) > limit:
        raise SubmissionError(_too_large(display, limit=limit))
    if getattr(member, '_compress_left', 0) > 0:
        # The header's size was reached before the compressed data ended.
        raise SubmissionError('%s is damaged: it holds more data than its zip header says; zip '
                              'it again.' % display)
    return data


def read_zip_submission(path, display, root=None):
    """(file display name, bytes) of the one neural_net.py in the zip at path.

    The zip is never extracted: its members are listed (at most
    MAX_ZIP_MEMBERS), the one neural_net.py is chosen with the same rules as
    in a folder and read through the archive with a byte cap, whatever its
    header claims. Every problem (not a zip, damaged data, bad CRC, encrypted
    or unsupported members, unsafe names, too many members) raises
    SubmissionError with the reason.
    """
    return _read_zip(path, display, root)[:2]


def _read_zip(path, display, root=None):
    """read_zip_submission, plus the display names of the ignored files."""
    fd = _open_regular(path, root, display)
    with os.fdopen(fd, 'rb') as handle:
        count, directory_bytes = _zip_directory_size(handle, display)
        if count > MAX_ZIP_MEMBERS or directory_bytes > MAX_ZIP_DIRECTORY_BYTES:
            raise SubmissionError('%s holds %d files and folders (at most %d); submit only your '
                                  '%s.' % (display, count, MAX_ZIP_MEMBERS, STUDENT_FILE))
        try:
            archive = zipfile.ZipFile(handle)
        except Exception as error:   # BadZipFile, OSError, ValueError, struct.error, ...
            raise SubmissionError('%s is not a zip file or is damaged (%s).'
                                  % (display, str(error) or type(error).__name__)) from error
        with archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise SubmissionError('%s holds %d files and folders (at most %d); submit '
                                      'only your %s.' % (display, len(infos), MAX_ZIP_MEMBERS,
                                                         STUDENT_FILE))
            scan, members = _Scan(), {}
            for info in infos:
                parts = _member_parts(info, display)
                if not parts:
                    continue
                if any(part in IGNORED_DIRS or part.startswith('.') for part in parts[:-1]):
                    continue
                if info.is_dir():
                    continue
                if parts[-1] == STUDENT_FILE:
                    scan.candidates.append(parts)
                elif parts[-1].endswith('.ipynb'):
                    scan.notebooks.append(parts)
                elif not parts[-1].startswith('.'):
                    scan.others.append(parts)
                members.setdefault(parts, info)
            chosen, ignored = choose_student_file(scan.candidates, display)
            if chosen is None:
                def read_notebook(parts):
                    return _read_member(archive, members[parts], display, MAX_NOTEBOOK_BYTES)
                raise SubmissionError(_missing_problem(display, scan, read_notebook, 'zip'))
            name = '%s:%s' % (display, _join(chosen))
            return (name, _read_member(archive, members[chosen], name, MAX_SOURCE_BYTES),
                    tuple('%s:%s' % (display, _join(parts)) for parts in ignored))


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
            return Submission(submission_id, None, _notebook_problem(display, [base], defines),
                              location=location)
        return Submission(submission_id, None, '%s: you submitted %s, not %s. Submit your %s.'
                          % (display, base, STUDENT_FILE, STUDENT_FILE), location=location)
    try:
        source = read_student_file(path, root, display)
    except SubmissionError as error:
        return Submission(submission_id, None, str(error), location=location)
    return Submission(submission_id, display, source=source, location=location)


def _from_container(read, path, submission_id, display, root=None):
    """Submission from a zip or folder reader (_read_zip, _read_folder)."""
    location = os.path.abspath(path)
    try:
        name, source, ignored = read(path, display, root)
    except SubmissionError as error:
        return Submission(submission_id, None, str(error), location=location)
    return Submission(submission_id, name, source=source, location=location, ignored=ignored)


def _from_zip(path, submission_id, display, root=None):
    return _from_container(_read_zip, path, submission_id, display, root)


def _from_folder(path, submission_id, display, root=None):
    return _from_container(_read_folder, path, submission_id, display, root)


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


def _entries(folder):
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
    return os.path.isdir(folder) and not _entries(folder)


def _class_root(folder):
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
    entries = _entries(folder)
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


def _class_members(root, excluded):
    """Submissions for each student entry of a class folder."""
    entries = _entries(root)
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
            submissions.append(Submission(student, None, _kind_problem(stat.S_IFLNK, shown),
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
            if _class_root(argument) is None:
                display = display_name(argument, False)
                submissions.append(Submission(display, None, _kind_problem(stat.S_IFLNK, display),
                                              location=os.path.abspath(argument)))
                continue
        if not folder:
            display = display_name(argument, True)
            make = _from_zip if argument.endswith('.zip') else _from_file
            submissions.append(_guarded(make, argument, display, display))
            continue
        root = _class_root(argument)
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
