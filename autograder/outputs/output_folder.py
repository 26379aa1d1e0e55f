"""Files in the grader's output folder, written and read without following links.

- write_atomic: a reader sees the old file or the new one, never half. The
  text goes to a fresh temporary file in the target's folder, which is then
  renamed over the target (os.replace): a symbolic link or FIFO planted at
  the target is replaced itself, never written through or opened. The
  folders between the trusted root (the output folder given on the command
  line) and the file are opened with O_NOFOLLOW: a linked folder is an error.
- read_regular: reads a regular file only (O_NOFOLLOW | O_NONBLOCK, then
  fstat), up to a size cap.
"""
import errno
import os
import secrets
import stat

from ..errors import OutputError

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
TEMPORARY_PREFIX = '.tmp-'


def kind_name(mode):
    """'a symbolic link', 'a FIFO', ... for a file mode that is not a regular file."""
    for test, name in ((stat.S_ISLNK, 'a symbolic link'), (stat.S_ISDIR, 'a folder'),
                       (stat.S_ISFIFO, 'a named pipe (FIFO)'), (stat.S_ISSOCK, 'a socket'),
                       (stat.S_ISCHR, 'a device'), (stat.S_ISBLK, 'a device')):
        if test(mode):
            return name
    return 'not a regular file'


def _open_folder(root, parts, path, create):
    """Descriptor of root/parts...; every part a real folder (created if missing)."""
    if create:
        try:
            os.makedirs(root, exist_ok=True)
        except OSError as error:
            raise OutputError('cannot create the folder %s (%s).'
                              % (root, error.strerror)) from error
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise OutputError('cannot open the folder %s (%s).' % (root, error.strerror)) from error
    for index, part in enumerate(parts):
        shown = os.path.join(root, *parts[:index + 1])
        try:
            if create:
                try:
                    os.mkdir(part, dir_fd=fd)
                except FileExistsError:
                    pass
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)
        except OSError as error:
            os.close(fd)
            if error.errno in (errno.ELOOP, errno.ENOTDIR):
                raise OutputError('%s is a symbolic link or not a folder; the grader does not '
                                  'write through links. Remove it or choose another --out '
                                  'folder.' % shown) from error
            raise OutputError('cannot open the folder %s (%s).'
                              % (shown, error.strerror)) from error
        os.close(fd)
        fd = child
    return fd


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
    dir_fd = _open_folder(root, parts, path, create=True)
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


def read_regular(path, limit, root=None):
    """Bytes of the regular file at path (at most limit); OutputError saying why not.

    Links, FIFOs, devices and folders are refused without being followed or
    read; root as for write_atomic (folders below it must not be links).
    """
    root, parts, name = _split(path, root)
    dir_fd = _open_folder(root, parts, path, create=False)
    try:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                         dir_fd=dir_fd)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise OutputError('%s is a symbolic link' % path) from error
            raise OutputError('%s cannot be read (%s)' % (path, error.strerror)) from error
    finally:
        os.close(dir_fd)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OutputError('%s is %s' % (path, kind_name(mode)))
        data = read_capped(fd, limit)
    except OSError as error:
        raise OutputError('%s cannot be read (%s)' % (path, error.strerror)) from error
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OutputError('%s is larger than %d bytes' % (path, limit))
    return data
