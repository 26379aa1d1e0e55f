"""Files reached and read without following links: the one module that does it.

Student submissions (submissions/), the grader's output folder (outputs/)
and the nbgrader verbs (platforms/nbgrader_*.py) read folders that someone
else may control. Everything below a trusted root is reached through
descriptors, one name at a time, with ``O_NOFOLLOW``: a symbolic link, to a
file or a folder, is never followed, so nothing here leaves its root, even
when a folder is swapped for a link while it is being read. Only regular
files are read (``O_NONBLOCK``, then ``fstat``: a FIFO or a device is never
read from), and never more than a cap plus one byte.

Each function raises the KitError class its caller passes (``error``:
SubmissionError for a student's files, OutputError for the output folder)
with one sentence naming the file and what is wrong. Names in messages are
made printable with ``clean_name``.
"""
import errno
import os
import stat
import unicodedata
from dataclasses import dataclass
from typing import Tuple

FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_ROOT_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC     # the trusted root itself
LINK_REFUSED = 'the grader does not follow links'
SUBMIT_ADVICE = ' (submit the file or folder itself)'   # to a student


def clean_name(name):
    """A file name made safe to print and store: undecodable bytes and control
    characters become '?'."""
    text = os.fsencode(name).decode('utf-8', errors='replace').replace('\ufffd', '?')
    return ''.join('?' if unicodedata.category(ch)[0] == 'C' else ch for ch in text)


def kind_name(mode):
    """'a symbolic link', 'a named pipe (FIFO)', ... for a mode that is not a regular file."""
    for test, name in ((stat.S_ISLNK, 'a symbolic link'), (stat.S_ISDIR, 'a folder'),
                       (stat.S_ISFIFO, 'a named pipe (FIFO)'), (stat.S_ISSOCK, 'a socket'),
                       (stat.S_ISCHR, 'a device'), (stat.S_ISBLK, 'a device')):
        if test(mode):
            return name
    return 'not a regular file'


def kind_problem(mode, name, link_advice=''):
    """Why the file name of this mode is not read as a regular file, or None.

    link_advice: words added to the sentence about a link (e.g. SUBMIT_ADVICE).
    """
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return '%s is a symbolic link; %s%s.' % (name, LINK_REFUSED, link_advice)
    if stat.S_ISDIR(mode):
        return '%s is a folder, not a file.' % name
    kind = kind_name(mode)
    if kind == 'not a regular file':
        return '%s is not a regular file.' % name
    return '%s is %s, not a regular file.' % (name, kind)


def cannot_read(error, name, os_error):
    """error('<name> cannot be read (<reason>).'), to raise from os_error."""
    return error('%s cannot be read (%s).' % (name, os_error.strerror or os_error))


def path_parts(path, root):
    """The names from root down to path; ValueError when path is not below root."""
    parts = os.path.relpath(path, root).split(os.sep)
    if not parts or any(part in ('', '.', '..') for part in parts):
        raise ValueError('%s is not inside %s' % (path, root))
    return parts


def open_root(root, error, shown=None):
    """A descriptor of the trusted folder root (the caller's own: it may be a link)."""
    try:
        return os.open(root, _ROOT_FLAGS)
    except OSError as os_error:
        raise cannot_read(error, shown or root, os_error) from os_error


def open_folder_at(dir_fd, name, error, shown, link_message=None):
    """A descriptor of the folder name inside dir_fd, which must not be a link.

    link_message: the sentence raised when name is a link or not a folder
    (default: '<shown> is a symbolic link or not a folder; the grader does not
    follow links.').
    """
    try:
        return os.open(name, FOLDER_FLAGS, dir_fd=dir_fd)
    except OSError as os_error:
        if os_error.errno in (errno.ELOOP, errno.ENOTDIR):
            raise error(link_message or '%s is a symbolic link or not a folder; %s.'
                        % (shown, LINK_REFUSED)) from os_error
        raise cannot_read(error, shown, os_error) from os_error


def open_folder(root, parts, error, shown=None, link_message=None, create=False):
    """A descriptor of root/parts..., every part a real folder below the trusted root.

    shown(parts so far) -> the name in messages (default: the folder's path);
    link_message(parts so far) -> the sentence for a link (see open_folder_at);
    create: make missing folders (the output folder).
    """
    shown = shown or (lambda below: os.path.join(root, *below))
    fd = open_root(root, error, shown(()))
    for index, part in enumerate(parts):
        below = tuple(parts[:index + 1])
        try:
            if create:
                try:
                    os.mkdir(part, dir_fd=fd)
                except FileExistsError:
                    pass
                except OSError as os_error:
                    raise cannot_read(error, shown(below), os_error) from os_error
            child = open_folder_at(fd, part, error, shown(below),
                                   link_message(below) if link_message else None)
        finally:
            os.close(fd)
        fd = child
    return fd


def open_regular_at(dir_fd, name, error, shown, link_advice=''):
    """A read-only descriptor of the regular file name inside dir_fd.

    A link, FIFO, socket, device or folder is refused (kind_problem) without
    being opened for reading, and so is a file swapped between the look and
    the open.
    """
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError as os_error:
        raise cannot_read(error, shown, os_error) from os_error
    problem = kind_problem(info.st_mode, shown, link_advice)
    if problem:
        raise error(problem)
    try:
        fd = os.open(name, FILE_FLAGS, dir_fd=dir_fd)
    except OSError as os_error:
        if os_error.errno == errno.ELOOP:
            raise error(kind_problem(stat.S_IFLNK, shown, link_advice)) from os_error
        raise cannot_read(error, shown, os_error) from os_error
    try:
        opened = os.fstat(fd)
        problem = kind_problem(opened.st_mode, shown)
        if not problem and (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            problem = '%s changed while it was being read.' % shown
    except OSError as os_error:
        problem = '%s cannot be read (%s).' % (shown, os_error.strerror)
    if problem:
        os.close(fd)
        raise error(problem)
    return fd


def open_regular(path, error, root=None, shown=None, link_advice=''):
    """A read-only descriptor of the regular file at path, reached without links.

    root: a trusted folder above path; no folder between root and the file
    may be a link. Without root, only the file itself is checked (its folder
    is the caller's). shown: the file's name in messages (default: path);
    link_advice: see kind_problem.
    """
    shown = shown or path
    if root is None:
        root, parts = os.path.dirname(path) or '.', [os.path.basename(path)]
    else:
        parts = path_parts(path, root)

    def link_message(below):
        return ('%s: %s is a symbolic link or not a folder; %s.'
                % (shown, '/'.join(clean_name(part) for part in below), LINK_REFUSED))

    dir_fd = open_folder(root, parts[:-1], error, lambda below: shown, link_message)
    try:
        return open_regular_at(dir_fd, parts[-1], error, shown, link_advice)
    finally:
        os.close(dir_fd)


def read_capped(fd, limit):
    """Up to limit + 1 bytes from fd (so a longer file is detected)."""
    chunks, total = [], 0
    while total <= limit:
        chunk = os.read(fd, min(1 << 16, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b''.join(chunks)


def too_large(name, size, limit):
    """The sentence for a file over its limit (its size in bytes, when known, else None)."""
    return '%s is larger than %d bytes.' % (name, limit)


def read_regular(path, limit, error, root=None, shown=None, too_large_message=too_large,
                 link_advice=''):
    """The bytes of the regular file at path (open_regular), at most limit.

    A longer file raises error(too_large_message(shown, size, limit)); at
    most limit + 1 bytes are ever read, whatever the file claims.
    """
    shown = shown or path
    fd = open_regular(path, error, root, shown, link_advice)
    try:
        data = read_capped(fd, limit)
        size = os.fstat(fd).st_size
    except OSError as os_error:
        raise cannot_read(error, shown, os_error) from os_error
    finally:
        os.close(fd)
    if len(data) > limit:
        raise error(too_large_message(shown, max(size, len(data)), limit))
    return data


@dataclass(frozen=True)
class Entry:
    """One entry met by walk(): its names from the top, its mode (lstat: a link is a
    link), and the descriptor of the folder holding it (open while the entry is current)."""
    parts: Tuple[str, ...]
    mode: int
    folder_fd: int

    @property
    def name(self):
        return self.parts[-1]

    @property
    def is_link(self):
        return stat.S_ISLNK(self.mode)

    @property
    def is_folder(self):
        return stat.S_ISDIR(self.mode)

    @property
    def is_file(self):
        return stat.S_ISREG(self.mode)


def walk(top_fd, error, shown, descend=lambda entry: True):
    """Every entry below the folder top_fd, sorted by name, depth first, never through a link.

    A folder is yielded before what it holds; it is entered (with O_NOFOLLOW,
    from its parent's descriptor) when descend(entry) is true. A link is
    yielded as a link and never followed, so the walk stays below top_fd.
    shown(parts) -> the name of a folder in messages; a folder that cannot be
    listed or entered raises error('<name> cannot be read (<reason>).').
    top_fd stays open (the caller's).
    """
    def entries(dir_fd, prefix):
        try:
            with os.scandir(dir_fd) as listing:
                names = sorted(entry.name for entry in listing)
        except OSError as os_error:
            raise cannot_read(error, shown(prefix), os_error) from os_error
        for name in names:
            try:
                mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
            except OSError:
                mode = 0          # gone or unreadable: neither a file, a folder nor a link
            entry = Entry(prefix + (name,), mode, dir_fd)
            yield entry
            if entry.is_folder and descend(entry):
                try:
                    child = os.open(name, FOLDER_FLAGS, dir_fd=dir_fd)
                except OSError as os_error:
                    raise cannot_read(error, shown(entry.parts), os_error) from os_error
                try:
                    yield from entries(child, entry.parts)
                finally:
                    os.close(child)

    return entries(top_fd, ())


def walk_path(folder, error, descend=lambda entry: True):
    """walk() of the folder at path folder (the caller's own), with names relative to it."""
    top = open_root(folder, error)
    try:
        yield from walk(top, error, lambda parts: os.path.join(folder, *parts), descend)
    finally:
        os.close(top)
