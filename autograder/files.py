"""Atomic file writes: a reader sees the old file or the new one, never half."""
import os
import tempfile


def write_atomic(path, text):
    """Write text to path via a temporary file in the same folder and rename."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix='.tmp-', suffix=os.path.basename(path))
    try:
        with os.fdopen(handle, 'w', encoding='utf-8', newline='') as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
