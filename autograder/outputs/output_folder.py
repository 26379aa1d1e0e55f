"""Files in the grader's output folder, written and read without following links.

- write_atomic: a reader sees the old file or the new one, never half. The
  text goes to a fresh temporary file in the target's folder, which is then
  renamed over the target (os.replace): a symbolic link or FIFO planted at
  the target is replaced itself, never written through or opened. The
  folders between the trusted root (the output folder given on the command
  line) and the file are opened with O_NOFOLLOW: a linked folder is an error.
- read_regular: reads a regular file only, up to a size cap.

Both reach the file through safe_files (the kit's one link-safe reader);
OutputError names the file and what is wrong.
"""
import errno
import os
import secrets

from ..errors import OutputError
from ..safe_files import kind_name, open_folder, read_regular as _read_regular

__all__ = ['OutputError', 'TEMPORARY_PREFIX', 'kind_name', 'read_regular', 'write_atomic']
TEMPORARY_PREFIX = '.tmp-'


def _link_message(root):
    def message(below):
        return ('%s is a symbolic link or not a folder; the grader does not write through '
                'links. Remove it or choose another --out folder.' % os.path.join(root, *below))
    return message


def _open_folder(root, parts, create):
    """Descriptor of root/parts...; every part a real folder (created if missing)."""
    if create:
        try:
            os.makedirs(root, exist_ok=True)
        except OSError as error:
            raise OutputError('cannot create the folder %s (%s).'
                              % (root, error.strerror)) from error
    return open_folder(root, parts, OutputError, link_message=_link_message(root), create=create)


def _split(path, root):
    """(root, folder parts below it, file name) for path."""
    path = os.path.abspath(path)
    if root is None:
        return os.path.dirname(path), [], os.path.basename(path)
    root = os.path.abspath(root)
    relative = os.path.relpath(path, root).split(os.sep)
    if any(part in ('', '.', '..') for part in relative):
        raise ValueError('%s is not inside %s' % (path, root))
    return root, relative[:-1], relative[-1]


def write_atomic(path, text, root=None):
    """Write text (str, or bytes) to path atomically, never through a link.

    root: a trusted folder above path (default: path's folder); the folders
    between them are created if missing and must not be links. Raises
    OutputError naming the file when it cannot be written.
    """
    data = text.encode('utf-8') if isinstance(text, str) else text
    root, parts, name = _split(path, root)
    dir_fd = _open_folder(root, parts, create=True)
    temporary = '%s%s-%s' % (TEMPORARY_PREFIX, secrets.token_hex(6), name)
    try:
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                         | os.O_CLOEXEC, 0o600, dir_fd=dir_fd)
        except OSError as error:
            raise OutputError('cannot write %s (%s).' % (path, error.strerror)) from error
        try:
            with os.fdopen(fd, 'wb') as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException as error:
            try:
                os.unlink(temporary, dir_fd=dir_fd)
            except OSError:
                pass
            if isinstance(error, OSError):
                if error.errno in (errno.EISDIR, errno.ENOTEMPTY, errno.EEXIST):
                    raise OutputError('cannot write %s: it is a folder. Remove it or choose '
                                      'another --out folder.' % path) from error
                raise OutputError('cannot write %s (%s).' % (path, error.strerror)) from error
            raise
    finally:
        os.close(dir_fd)


def read_regular(path, limit, root=None):
    """Bytes of the regular file at path (at most limit); OutputError saying why not.

    Links, FIFOs, devices and folders are refused without being followed or
    read; root as for write_atomic (folders below it must not be links).
    """
    root, parts, name = _split(path, root)
    return _read_regular(os.path.join(root, *parts, name), limit, OutputError, root=root,
                         shown=path)
