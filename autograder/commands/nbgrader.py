"""``nbgrader``: autograde an nbgrader class one student per nbgrader process.

    python -m autograder nbgrader autograde [--course DIR] [--student ID ...]
                                            [--student-timeout S]

Runs ``nbgrader autograde two_layer_net --student ID --force`` in the course
folder for each submitted student, each in its own process with a wall-clock
limit, after refusing submissions that hold links, FIFOs or devices. A
notebook that kills nbgrader, hangs or cannot be graded costs only its own
student; the summary names why. Each student's process is forked from a
parent that loaded nbgrader once for the class. See
autograder/platforms/nbgrader_batch.py and nbgrader_fork_server.py.
"""
import os
import sys

from ..errors import EXIT_INCOMPLETE, EXIT_OK, IsolationError, UsageError
from ..outputs.sanitise import terminal
from ..paths import ASSIGNMENT_ID
from ..platforms import nbgrader_batch
from ..platforms.nbgrader_fork_server import ForkServer
from ..sandbox import isolation
from .options import with_exit_statuses

NAME = 'nbgrader'


def add_parser(verbs):
    parser = verbs.add_parser(NAME, help='autograde an nbgrader class, one student at a time',
                              description=__doc__.split('\n')[0])
    actions = parser.add_subparsers(dest='action', metavar='ACTION')
    actions.required = True
    autograde = with_exit_statuses(actions.add_parser(
        'autograde', help='nbgrader autograde, one process per student'), NAME)
    autograde.add_argument('--course', default='.',
                           help='the nbgrader course folder (default: the current folder)')
    autograde.add_argument('--student', action='append', default=[], metavar='ID',
                           help='autograde only this student (repeatable)')
    autograde.add_argument('--student-timeout', type=float, default=3600.0, metavar='S',
                           help='wall-clock seconds for one student\'s whole autograde '
                                '(default: %(default)s)')


def refuse_weak_layers():
    """Stop (IsolationError, exit 2) before any student where bubblewrap cannot run, unless
    the weaker layers are chosen explicitly: TLN_KERNEL_SANDBOX=0 for the students' kernels,
    TLN_ISOLATION for the grader's sandbox (docs/nbgrader.md)."""
    refusal = nbgrader_batch.kernel_refusal()
    if refusal:
        raise IsolationError(refusal)
    isolation.refuse_weak('nbgrader autograde')


def run(args):
    course = os.path.abspath(args.course)
    if not os.path.isdir(os.path.join(course, 'submitted')):
        raise UsageError('%s is not an nbgrader course with submissions (no submitted/ '
                         'folder in it)' % course)
    if not args.student_timeout > 0:
        raise UsageError('--student-timeout takes a positive number of seconds')
    ids = nbgrader_batch.students(course, ASSIGNMENT_ID, args.student)
    missing = sorted(set(args.student) - set(ids))
    if missing:
        raise UsageError('no submission of %s in %s' % (', '.join(missing),
                                                       os.path.join(course, 'submitted')))
    refuse_weak_layers()
    failed = []
    with ForkServer(course) as fork_server:
        for student in ids:
            result = nbgrader_batch.autograde_student(course, ASSIGNMENT_ID, student,
                                                      args.student_timeout,
                                                      fork_server=fork_server)
            state = 'autograded' if result.ok else 'NOT autograded: ' + result.reason
            print('%-24s %6.1f s  %s' % (terminal(student, one_line=True), result.seconds,
                                         terminal(state, one_line=True)), file=sys.stderr)
            if not result.ok:
                failed.append(result)
    print('%d of %d students autograded%s' % (len(ids) - len(failed), len(ids),
          '' if not failed else '; not: ' + terminal(', '.join(r.student for r in failed),
                                                    one_line=True)))
    return EXIT_INCOMPLETE if failed else EXIT_OK
