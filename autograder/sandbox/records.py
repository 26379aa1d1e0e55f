"""The records that cross the sandbox's boundary: limits going in, results coming out.

- ``Limits``: what one child may use.
- ``ProbeResult``: one probe's outcome as the grader keeps it. The child sends
  a JSON header and raw bytes (child/channel.py); the grader's channel session
  (channel_session.py) turns each message into a ProbeResult once, checking
  every field as untrusted data, and nothing after it reads the child's dicts.
  The reference's results (run in the sandbox, computed in-process or stored)
  are ProbeResults too.
- ``ChildRun``: everything that came back from one child process.
"""
from dataclasses import dataclass, field

MAX_CHANNEL_BYTES = 64 * 1024 * 1024
# Descriptors a child may hold: each open file, pipe or socket can keep kernel memory
# that no address-space limit sees.
CHILD_OPEN_FILES = 256
# Characters kept of the child's texts (an error message, an exception's name).
MAX_ERROR_CHARS = 2000
MAX_EXCEPTION_CHARS = 100
MAX_LINE_NUMBER = 10 ** 6


@dataclass
class Limits:
    """Resource limits for one submission's child process."""
    timeout: float = 60.0          # wall-clock seconds for the whole run
    memory_mb: int = 4096          # address-space cap
    file_size_mb: int = 64         # largest file the child may write (and its work folder)
    output_mb: int = 16            # largest message on the channel (one probe's outputs)

    @property
    def channel_caps(self):
        """(bytes per channel frame, bytes in all) the grader reads from the child."""
        frame = self.output_mb * 1024 * 1024
        return frame, max(MAX_CHANNEL_BYTES, 2 * frame)

    def for_child(self, processes=0):
        """The limits the child applies to itself (plan.json)."""
        return {'memory_mb': self.memory_mb, 'cpu_seconds': int(self.timeout) + 5,
                'file_size_mb': self.file_size_mb, 'processes': processes,
                'open_files': CHILD_OPEN_FILES}


@dataclass
class ProbeResult:
    """One probe's outcome.

    - ok: the probe ran and returned outputs.
    - outputs: {name: float64 array} (ok only).
    - problems: {output name: why it is missing or unusable} the child reported
      (gradients not written, say).
    - dtypes: {output name: the narrower float the student computed it in}.
    - error: what went wrong (not ok): the child's text, or the grader's sentence.
    - exception: the exception's class name (not ok), or ''.
    - line: the line of neural_net.py it was raised on, or None.
    """
    ok: bool
    outputs: dict = field(default_factory=dict)
    problems: dict = field(default_factory=dict)
    dtypes: dict = field(default_factory=dict)
    error: str = ''
    exception: str = ''
    line: object = None

    @classmethod
    def success(cls, outputs, problems=None, dtypes=None):
        return cls(True, outputs, dict(problems or {}), dict(dtypes or {}))

    @classmethod
    def failure(cls, error, exception='', line=None):
        """A failed probe; error, exception and line are cut to size and checked here."""
        return cls(False, error=str(error)[:MAX_ERROR_CHARS],
                   exception=str(exception)[:MAX_EXCEPTION_CHARS],
                   line=line if type(line) is int and 0 < line < MAX_LINE_NUMBER else None)


@dataclass
class ChildRun:
    """What came back from one child process."""
    imported: bool = False
    import_error: str = ''
    import_kind: str = ''
    probe_results: dict = field(default_factory=dict)   # probe id -> ProbeResult
    finished: bool = False
    timed_out: bool = False
    returncode: int = 0
    seconds: float = 0.0
    stderr: str = ''
    channel_error: str = ''
    isolation: str = ''
