"""nbgrader autograde of a class, one student per nbgrader process.

nbgrader grades a whole class in one process whose kernels run the
students' notebooks unsandboxed, so one notebook can stop the class: a cell
that kills its parent (nbgrader), a file linked to /dev/zero that nbgrader's
copy reads without end, a notebook whose cells run for hours. Here each
student is autograded by its own ``nbgrader autograde ASSIGNMENT --student
ID`` with a wall-clock limit, after a check of the submitted folder that
refuses links, FIFOs, sockets and devices (nbgrader follows them). One
student's failure is that student's line in the summary; the others are
graded. Each student's process is a fork of a parent that has loaded
nbgrader once for the class (nbgrader_fork_server.py), or a fresh
interpreter where that parent cannot fork it. What a kernel can still do
with the grading user's rights is described in docs/nbgrader.md.
"""
import os
import re
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass

from ..errors import SubmissionError
from ..safe_files import kind_name, walk_path
from ..sandbox import isolation
from .nbgrader_fork_server import OPTIONAL_PARSER, kill_session

IGNORED = {'.ipynb_checkpoints', '__pycache__'}
# A student's process started as a fresh interpreter, without jsonschema's optional IRI
# parser (nbgrader_fork_server.OPTIONAL_PARSER), as the class's parent loads nbgrader.
NBGRADER_MAIN = ('import sys; sys.modules.setdefault(%r, None); '
                 'from nbgrader.apps.nbgraderapp import main; main()' % OPTIONAL_PARSER)


KERNEL_WEAKER_CHOICE = ('To run the students\' kernels unsandboxed anyway, with every right '
                        'of the user who runs nbgrader (docs/nbgrader.md), set '
                        'TLN_KERNEL_SANDBOX=0 explicitly.')


def kernel_refusal():
    """Why the students' kernels may not run here (bubblewrap cannot, and TLN_KERNEL_SANDBOX=0
    did not choose unsandboxed kernels), with the fix; '' when they may. Here, not beside
    the preprocessors that also ask it (nbgrader_autograde): the class's process refuses
    before any student without loading nbgrader, which its students' processes load."""
    if os.environ.get('TLN_KERNEL_SANDBOX', '') == '0' or isolation.available('bwrap'):
        return ''
    return isolation.refusal('nbgrader autograde (the students\' kernels)', KERNEL_WEAKER_CHOICE)


@dataclass
class StudentRun:
    """How one student's autograde went: ok, or the reason it did not."""
    student: str
    ok: bool
    reason: str = ''
    seconds: float = 0.0


def refused_entry(folder):
    """Path (relative to folder) and kind of the first entry nbgrader must not copy, or None.

    Only regular files and folders are allowed; links are never followed
    (safe_files.walk). SubmissionError when a folder cannot be read.
    """
    with closing(walk_path(folder, SubmissionError,
                           lambda entry: entry.name not in IGNORED)) as entries:
        for entry in entries:
            if not (entry.is_file or entry.is_folder):
                return os.path.join(*entry.parts), kind_name(entry.mode)
    return None


def students(course, assignment, only=()):
    """Sorted student ids with a submitted/<id>/<assignment> folder (or only those given)."""
    submitted = os.path.join(course, 'submitted')
    found = sorted(name for name in os.listdir(submitted)
                   if os.path.isdir(os.path.join(submitted, name, assignment))
                   and not os.path.islink(os.path.join(submitted, name)))
    return [name for name in found if not only or name in only]


def autograde_student(course, assignment, student, timeout, extra_args=(), fork_server=None):
    """Autograde one student in its own nbgrader process; returns a StudentRun.

    fork_server: the class's ForkServer (the process is forked from its parent), or None
    (a fresh interpreter)."""
    started = time.monotonic()
    folder = os.path.join(course, 'submitted', student, assignment)
    try:
        refused = refused_entry(folder)
    except SubmissionError as error:
        return StudentRun(student, False, str(error).rstrip('.'))
    if refused:
        return StudentRun(student, False, '%s is %s: nbgrader would follow it; the student '
                          'should submit regular files only' % refused)
    args = ['autograde', assignment, '--student', student, '--force', *extra_args]
    ended = fork_server.run(args, timeout) if fork_server is not None else None
    returncode, output = ended or _fresh_process(course, args, timeout)
    seconds = time.monotonic() - started
    if returncode is None:
        return StudentRun(student, False, 'autograde did not finish within %g s' % timeout,
                          seconds)
    if returncode == 0:
        return StudentRun(student, True, '', seconds)
    if returncode < 0:
        return StudentRun(student, False, 'nbgrader was killed by signal %d (by the notebook?)'
                          % -returncode, seconds)
    return StudentRun(student, False, 'nbgrader failed (exit %d): %s'
                      % (returncode, _last_error(output)), seconds)


def _fresh_process(course, args, timeout):
    """(exit code or None past timeout, output) of nbgrader with args in a new interpreter,
    whose session is killed afterwards (processes the notebook left behind)."""
    with open(os.devnull, 'rb') as no_input:
        process = subprocess.Popen([sys.executable, '-c', NBGRADER_MAIN, *args], cwd=course,
                                   stdin=no_input, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_session(process.pid)
            return None, process.communicate()[0]
        finally:
            kill_session(process.pid)
    return process.returncode, output


EXCEPTION_LINE = re.compile(r'^\s*[A-Za-z_][\w.]*(Error|Exception): ')


def _last_error(output):
    """The most telling line of nbgrader's output: the last exception, else the last ERROR."""
    lines = output.decode('utf-8', errors='replace').splitlines()
    chosen = ([line for line in lines if EXCEPTION_LINE.match(line)]
              or [line for line in lines if '| ERROR]' in line] or lines or ['no output'])
    text = chosen[-1].strip()
    return text if len(text) <= 300 else text[:297] + '...'
