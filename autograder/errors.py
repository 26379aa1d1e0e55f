"""One error model for the kit: every error the kit reports to its user is a KitError.

A KitError's message is one sentence for the person at the keyboard (what is
wrong and what to do); ``cli.main`` catches it once, prints
``error: <message>`` on stderr and exits with its ``exit_code`` (EXIT_USAGE,
2: usage errors and the grader itself failing). The commands never print an
error and return a code themselves; what each verb returns is in EXIT_CODES
below. An exception raised while handling another is raised
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

# Exit statuses, the same number meaning the same thing in every verb.
EXIT_OK = 0            # the verb did what it was asked (students may still lose points)
EXIT_NOT_YET = 1       # a verdict, not an error: the thing checked is not there yet
EXIT_USAGE = 2         # a KitError: usage errors, unusable outputs, the grader itself cannot run
EXIT_INCOMPLETE = 3    # done for all but some submissions, students or repositories (listed)
EXIT_INTERRUPTED = 130   # Ctrl-C: finished results are kept (cli.main)

KIT_ERROR = ('a KitError, `error: <message>` on stderr: a usage error, or the kit, an output '
             'or the grader itself cannot be used')
# The exit statuses of each verb (docs/architecture.md, "Exit statuses", repeats this
# table; a test compares them and runs each verb's failure modes). Every verb also
# exits EXIT_INTERRUPTED on Ctrl-C.
EXIT_CODES = {
    'grade': {
        EXIT_OK: 'every submission was graded (students may lose points; a file that does '
                 'not run still gets its grade)',
        EXIT_USAGE: KIT_ERROR + ' (or it failed on some submission: the others are graded, '
                    'that one is left out of --out so a re-run retries it)',
        EXIT_INCOMPLETE: 'some submission had no gradable neural_net.py (missing, a notebook '
                         'only, an empty student folder, a damaged zip, a link, FIFO or '
                         'device, a file over 1 MB...): it got 0 with the reason, the others '
                         'were graded; their paths are listed on stderr',
    },
    'check': {
        EXIT_OK: 'every visible check run passes',
        EXIT_NOT_YET: 'not yet: some visible check loses points (or the file could not be '
                      'graded: the reason is printed)',
        EXIT_USAGE: KIT_ERROR,
    },
    'gradescope': {
        EXIT_OK: 'build: the zip is written; run: results.json holds the grade',
        EXIT_USAGE: KIT_ERROR + ' (run: results.json still says what failed)',
    },
    'classroom': {
        EXIT_OK: 'every repository was fetched and (grade) every submission graded',
        EXIT_USAGE: KIT_ERROR + ', or no repository could be fetched at all',
        EXIT_INCOMPLETE: 'some repository could not be fetched (listed; never graded), or '
                         'some submission had no gradable neural_net.py (as grade)',
    },
    'classroom50': {
        EXIT_OK: 'the public autograder folder is written',
        EXIT_USAGE: KIT_ERROR,
    },
    'nbgrader': {
        EXIT_OK: 'every student was autograded',
        EXIT_USAGE: KIT_ERROR + ' (no course folder, no submitted/ folder in it, or bubblewrap '
                    'cannot run here and no weaker layer was chosen explicitly)',
        EXIT_INCOMPLETE: 'some student was not autograded (each is listed with why)',
    },
    'release': {
        EXIT_OK: 'the generated files are written, or (--check) up to date',
        EXIT_NOT_YET: '--check: some generated file is out of date (listed)',
        EXIT_USAGE: KIT_ERROR,
    },
    'demo': {
        EXIT_OK: 'the reference got full marks, the stub zero, each sample mistake in between',
        EXIT_NOT_YET: 'some sample was not graded as expected',
        EXIT_USAGE: KIT_ERROR,
    },
    'report': {
        EXIT_OK: 'the class report is written',
        EXIT_USAGE: KIT_ERROR,
    },
}


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
