"""One error model for the kit: every error the kit reports to its user is a KitError.

A KitError's message is one sentence for the person at the keyboard (what is
wrong and what to do); ``cli.main`` catches it once, prints
``error: <message>`` on stderr and exits with its ``exit_code`` (2 unless a
subclass says otherwise: usage errors and the grader itself failing, as
``grade --help`` documents). The commands never print an error and return a
code themselves. An exception raised while handling another is raised
``from`` it, so a traceback (when there is one) shows both.

Each class is importable where it is raised, too (e.g.
``autograder.grading.GraderError``).

Not KitErrors, on purpose: what concerns the student's code rather than the
kit becomes feedback, never an exit status. ``checks.evidence.StudentError``
(a probe a judge needs produced nothing), ``sandbox.service.ServiceRefused``
(the grader's answer to a loss call it will not serve), and the sandbox
child's ``WireError``, ``ProbeOutputError`` and ``SandboxViolation`` (the
child package depends on numpy and the standard library only).
``sandbox.Aborted`` is control flow for Ctrl-C.
"""

EXIT_USAGE = 2   # usage errors, unusable outputs, the grader itself cannot run


class KitError(Exception):
    """An error the kit reports as one line, ``error: <message>``, and an exit status."""
    exit_code = EXIT_USAGE


class UsageError(KitError):
    """The command line asks for something that cannot be done (argparse checks the rest)."""


class GraderError(KitError):
    """The grader itself cannot run (bad settings, broken reference, no data). grading.py"""


class KitMissing(GraderError):
    """The instructor's kit (--kit DIR, TLN_KIT, or the checkout around the package) is
    missing or lacks what the verb needs; says which folder and what. paths.py"""


class IsolationError(GraderError):
    """The isolation layer asked for is unknown or unavailable here. sandbox/isolation.py"""


class SubmissionError(KitError):
    """A file or argument cannot be used as a submission; the message says why.
    submissions/ (one student's problem becomes that student's 0 with the
    reason; only a bad argument reaches the command line)."""


class OutputError(KitError):
    """A file or folder of the output folder cannot be used safely; says which and why.
    outputs/output_folder.py"""


class BatchError(KitError):
    """The output folder cannot be used (it would overwrite someone else's files, or write
    through a link). submissions/batch.py"""


class ResultFormatError(KitError, ValueError):
    """A stored result does not follow the schema. results.py"""


class ReportError(KitError):
    """The class report cannot be built (no such folder, unreadable template). report/"""


class SimilarityUnavailable(KitError):
    """The similarity screening cannot run here (copydetect missing). report/similarity.py"""


class MarkerError(KitError, ValueError):
    """The START / END marker lines are missing, unbalanced or nested. checks/markers.py"""


class ReleaseError(KitError):
    """The student distribution cannot be written where asked. release/generate.py"""


class BundleError(KitError):
    """The Gradescope bundle cannot be built as asked (the message says what to do).
    platforms/gradescope.py"""


class ClassroomError(KitError):
    """Fetching the student repositories failed (the message says why).
    platforms/classroom.py"""


class StaleMutant(KitError, ValueError):
    """A mutant's edit no longer matches the reference exactly once. solutions/mutants.py
    (the kit's mutation catalog, outside the package)"""
