"""``check``: the student self-check (visible checks only).

    python -m autograder check [PATH]      # default: assignment/neural_net.py

Prints one line per check with what to fix, and exits non-zero when any
check is not yet full marks.
"""
import os
import sys

from ..grading import GraderError
from ..paths import ASSIGNMENT_DIR, STUDENT_FILE
from .options import add_grading_options, make_grader


def add_parser(verbs):
    parser = verbs.add_parser('check', help='self-check your neural_net.py before submitting',
                              description=__doc__.split('\n')[0])
    parser.add_argument('path', nargs='?', default=os.path.join(ASSIGNMENT_DIR, STUDENT_FILE),
                        help='your neural_net.py (default: %(default)s)')
    add_grading_options(parser, default_dataset='none')


def run(args):
    if not os.path.isfile(args.path):
        print('error: %s: no such file. Pass the path of your neural_net.py.' % args.path,
              file=sys.stderr)
        return 2
    try:
        grader = make_grader(args, visible_only=True)
    except GraderError as error:
        print('error: %s' % error, file=sys.stderr)
        return 2
    with grader:
        result = grader.grade_file(args.path, args.path)
    print('Self-check of %s (visible checks; hidden checks run when you are graded)\n'
          % args.path)
    for check in result.checks:
        mark = 'PASS' if check.score >= check.max_score else (
            'PART' if check.score > 0 else 'FAIL')
        print('[%s] %-8s %g/%g  %s' % (mark, check.name, check.score, check.max_score,
                                        check.feedback))
    passed = all(check.score >= check.max_score for check in result.checks)
    print('\n%s: %g / %g points on the visible checks.' % (
        'All visible checks pass' if passed else 'Not yet', result.score, result.max_score))
    return 0 if passed else 1
