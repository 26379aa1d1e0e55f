"""``check``: the student self-check (visible checks only).

    python -m autograder check [PATH] [--only CHECK]

PATH defaults to ./neural_net.py when the current folder has one (the folder
of the notebook, in a student repository or in nbgrader's release layout),
else to assignment/neural_net.py. Prints one line per check with what to fix,
and exits non-zero when any check is not yet full marks.
"""
import os

from ..checks import CATALOG
from ..errors import UsageError
from ..paths import ASSIGNMENT_DIR, STUDENT_FILE, reference_path
from ..release import stored_outputs
from ..results import PASSED
from .options import add_grading_options, make_grader

NAME = 'check'
VISIBLE = [check.name for check in CATALOG if check.visible]


def default_path():
    """./neural_net.py if there is one, else the kit's assignment/neural_net.py."""
    if os.path.isfile(STUDENT_FILE):
        return STUDENT_FILE
    return os.path.join(ASSIGNMENT_DIR, STUDENT_FILE)


def add_parser(verbs):
    parser = verbs.add_parser(NAME, help='self-check your neural_net.py before submitting',
                              description=__doc__.split('\n')[0])
    parser.add_argument('path', nargs='?', default=None,
                        help='your neural_net.py (default: ./neural_net.py if present, else '
                             'assignment/neural_net.py)')
    parser.add_argument('--only', action='append', choices=VISIBLE, metavar='CHECK',
                        help='run only this check (repeatable); one of %s' % ', '.join(VISIBLE))
    add_grading_options(parser, default_dataset='none')


def seed_problem(seed):
    """Why --seed cannot be used here, or None."""
    if seed is None or os.path.isfile(reference_path()):
        return None
    stored = stored_outputs.load()
    public = stored[0] if stored else None
    if seed == public:
        return None
    return ('--seed %s cannot be used in this copy: the self-check compares your code with the '
            'reference outputs stored in autograder/release/expected_visible.json, which belong '
            'to the public seed %s; there is no reference solution here to compute outputs for '
            'another seed. Run `python -m autograder check` without --seed. (Your instructor '
            'grades with a seed of their own.)' % (seed, public))


def run(args):
    path = args.path or default_path()
    if not os.path.isfile(path):
        raise UsageError('%s: no such file. Pass the path of your neural_net.py.' % path)
    problem = seed_problem(args.seed)
    if problem:
        raise UsageError(problem)
    # The student's own file on their own machine: the portable layer is enough.
    with make_grader(args, visible_only=True, weaker_layers=True) as grader:
        result = grader.grade_file(path, path, only=args.only)
    print('Self-check of %s (visible checks; hidden checks run when you are graded)\n' % path)
    for check in result.checks:
        print('[%s] %-8s %g/%g  %s' % (check.mark, check.name, check.score, check.max_score,
                                        check.feedback))
    passed = all(check.status == PASSED for check in result.checks)
    print('\n%s: %g / %g points on the visible checks%s.' % (
        'All visible checks pass' if passed else 'Not yet', result.score, result.max_score,
        '' if not args.only else ' run (%s)' % ', '.join(args.only)))
    return 0 if passed else 1
