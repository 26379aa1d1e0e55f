"""Reading one file of a student's submission: the one contract of every route.

``read_student_file`` returns the bytes of a regular file reached without
links (safe_files), at most the grader's limit, or raises SubmissionError with
one sentence that names the file as the student knows it (``display``, made
printable with clean_name) and says what is wrong: a symbolic link, a FIFO, a
socket, a device, a folder, a file too large, a file that cannot be read.
"""
import stat

from .. import safe_files
from ..errors import SubmissionError
from .source_rule import MAX_SOURCE_BYTES
from ..safe_files import clean_name

MAX_NOTEBOOK_BYTES = 16 * 1024 * 1024          # a notebook read only to explain what is wrong


def shown_parts(parts):
    """Display form of path parts (raw names, cleaned for printing)."""
    return '/'.join(clean_name(part) for part in parts)


def shortened(text, limit=120):
    return text if len(text) <= limit else text[:limit - 3] + '...'


def too_large(name, size=None, limit=MAX_SOURCE_BYTES):
    """The sentence for a student's file over limit bytes (size: its size, when known)."""
    return ('%s is %s; the grader accepts files up to %d KB. Submit only your neural_net.py.'
            % (name, '%.1f MB' % (size / 1e6) if size else 'larger than that',
               limit // 1024))


def link_problem(name):
    """The sentence for a student's entry that is a symbolic link."""
    return safe_files.kind_problem(stat.S_IFLNK, name, safe_files.SUBMIT_ADVICE)


def open_student_file(path, root=None, display=None):
    """A read-only descriptor of the student's regular file at path (see read_student_file)."""
    return safe_files.open_regular(path, SubmissionError, root, display or path,
                                   safe_files.SUBMIT_ADVICE)


def read_student_file(path, root=None, display=None, limit=MAX_SOURCE_BYTES):
    """The bytes of a student's file; SubmissionError naming it if it is refused.

    Only a regular file is read: a symbolic link (also a linked folder between
    root, a trusted folder above path, and the file), a FIFO, a socket, a
    device or a folder is refused, as is a file over limit bytes (at most
    limit + 1 bytes are ever read). display: the name used in messages
    (default: path).
    """
    return safe_files.read_regular(path, limit, SubmissionError, root, display or path,
                                   too_large, safe_files.SUBMIT_ADVICE)

