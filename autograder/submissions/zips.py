"""A submission given as a zip: read in place, member by member, never extracted.

Nothing in the zip is trusted: the member count and the size of its central
directory are read from the end record before the directory is parsed, each
member's name is checked (no absolute or ".." paths), and the chosen member
is read through the archive with a byte cap whatever its header claims. Links,
encrypted members and unknown compression methods are refused with the reason.
"""
import os
import stat
import zipfile

from ..errors import SubmissionError
from .source_rule import MAX_SOURCE_BYTES
from ..paths import STUDENT_FILE
from .contents import IGNORED_DIRS, Contents, missing_problem
from .file_choice import choose_student_file
from .student_file import (MAX_NOTEBOOK_BYTES, link_problem, open_student_file, shortened,
                           shown_parts, too_large)

MAX_ZIP_MEMBERS = 10000
MAX_ZIP_DIRECTORY_BYTES = 8 * 1024 * 1024      # the zip's central directory, read into memory
ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


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
                              'or ".." paths.' % (display, shortened(info.filename, 80)))
    return parts


def _read_member(archive, info, display, limit):
    """A zip member's bytes, at most limit; SubmissionError with the reason otherwise."""
    if stat.S_ISLNK(info.external_attr >> 16):
        raise SubmissionError(link_problem(display))
    if info.flag_bits & 0x1:
        raise SubmissionError('%s is encrypted (password-protected); zip it again without a '
                              'password.' % display)
    if info.compress_type not in ZIP_METHODS:
        method = zipfile.compressor_names.get(info.compress_type,
                                              'method %d' % info.compress_type)
        raise SubmissionError('%s is compressed with %s, which the grader cannot read; zip it '
                              'again with ordinary (deflate) compression.' % (display, method))
    if info.file_size > limit:
        raise SubmissionError(too_large(display, info.file_size, limit))
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
        raise SubmissionError(too_large(display, limit=limit))
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
    return read_zip(path, display, root)[:2]


def read_zip(path, display, root=None):
    """read_zip_submission, plus the display names of the ignored files."""
    fd = open_student_file(path, root, display)
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
            contents, members = Contents(), {}
            for info in infos:
                parts = _member_parts(info, display)
                if not parts:
                    continue
                if any(part in IGNORED_DIRS or part.startswith('.') for part in parts[:-1]):
                    continue
                if info.is_dir():
                    continue
                if parts[-1] == STUDENT_FILE:
                    contents.candidates.append(parts)
                elif parts[-1].endswith('.ipynb'):
                    contents.notebooks.append(parts)
                elif not parts[-1].startswith('.'):
                    contents.others.append(parts)
                members.setdefault(parts, info)
            chosen, ignored = choose_student_file(contents.candidates, display)
            if chosen is None:
                def read_notebook(parts):
                    return _read_member(archive, members[parts], display, MAX_NOTEBOOK_BYTES)
                raise SubmissionError(missing_problem(display, contents, read_notebook, 'zip'))
            name = '%s:%s' % (display, shown_parts(chosen))
            return (name, _read_member(archive, members[chosen], name, MAX_SOURCE_BYTES),
                    tuple('%s:%s' % (display, shown_parts(parts)) for parts in ignored))
