"""Submission: one student's entry, the bytes to grade or why there are none."""
from dataclasses import dataclass
from typing import Optional, Tuple

from ..paths import STUDENT_FILE
from .file_choice import PREFERRED_FOLDERS


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
