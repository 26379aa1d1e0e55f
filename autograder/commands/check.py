"""``check``: the student self-check (visible checks only).

    python -m autograder check [PATH] [--only CHECK] [--summary FILE]

Without PATH, the current folder's neural_net.py is chosen as every grading
route chooses it (submissions/file_choice.py): assignment/neural_net.py, else
two_layer_net/neural_net.py, else ./neural_net.py (the folder of the notebook),
saying which others were left out; with none of them, the kit's
assignment/neural_net.py. PATH may also be a folder or a .zip (what you
submit): the file graded in it is chosen the same way. Prints
one line per check with what to fix, and exits non-zero when any check is not
yet full marks. --summary FILE also appends the checks as a Markdown table to
FILE (the GitHub Actions workflow gives ``$GITHUB_STEP_SUMMARY``). The grading
options of ``grade`` (--timeout, --memory-mb, --dataset, --seed, --require-markers)
are accepted for the instructor but not listed in --help: a student needs none.
"""
import dataclasses
import os

from ..checks import CATALOG
from ..checks.markers import todo_block
from ..errors import EXIT_NOT_YET, EXIT_OK, UsageError
from ..outputs.sanitise import terminal
from ..platforms import github_actions
from ..paths import ASSIGNMENT_DIR, STUDENT_FILE, reference_path
from .. import stored_outputs
from ..results import PASSED
from ..submissions.discovery import read_submission
from ..submissions.file_choice import PREFERRED_FOLDERS, choose_student_file
from .options import add_grading_options, make_grader

NAME = 'check'
VISIBLE = [check.name for check in CATALOG if check.visible]


# Where a student's file can be in the current folder, as (folder..., file) parts.
LOCAL_PLACES = tuple((folder, STUDENT_FILE) for folder in PREFERRED_FOLDERS) + ((STUDENT_FILE,),)


def default_choice():
    """(path, ignored): the neural_net.py of the current folder that a grading route would
    grade (the one rule, among LOCAL_PLACES: a grading route would see the same files there)
    and the display names of the others; else the kit's assignment/neural_net.py."""
    found = [parts for parts in LOCAL_PLACES if os.path.isfile(os.path.join(*parts))]
    if not found:
        return os.path.join(ASSIGNMENT_DIR, STUDENT_FILE), ()
    graded, ignored = choose_student_file(found, 'this folder')
    return os.path.join(*graded), tuple('/'.join(parts) for parts in ignored)


def add_parser(verbs):
    parser = verbs.add_parser(NAME, help='self-check your neural_net.py before submitting',
                              description=__doc__.split('\n')[0])
    parser.add_argument('path', nargs='?', default=None,
                        help='your neural_net.py, or a folder or .zip holding it (default: '
                             'the first of %s, as grading takes it, else the kit\'s '
                             'assignment/neural_net.py)'
                             % ', '.join('/'.join(('.',) + parts) for parts in LOCAL_PLACES))
    parser.add_argument('--only', action='append', choices=VISIBLE, metavar='CHECK',
                        help='run only this check (repeatable); one of %s' % ', '.join(VISIBLE))
    parser.add_argument(github_actions.SUMMARY_OPTION, metavar='FILE',
                        help='also append a Markdown table of the checks to FILE (e.g. '
                             '"$GITHUB_STEP_SUMMARY" in GitHub Actions)')
    # The grading options (--timeout, --seed...) are the instructor's: accepted, not listed.
    add_grading_options(parser, default_dataset='none', listed=False)


def seed_problem(seed):
    """Why --seed cannot be used here, or None."""
    if seed is None or os.path.isfile(reference_path()):
        return None
    stored = stored_outputs.load()
    public = stored.seed if stored else None
    if seed == public:
        return None
    return ('--seed %s cannot be used in this copy: the self-check compares your code with the '
            'reference outputs stored in autograder/release/expected_visible.json, which belong '
            'to the public seed %s; there is no reference solution here to compute outputs for '
            'another seed. Run `python -m autograder check` without --seed. (Your instructor '
            'grades with a seed of their own.)' % (seed, public))


def append_summary(path, result):
    try:
        with open(path, 'a', encoding='utf-8') as handle:
            handle.write(github_actions.summary_markdown(result))
    except OSError as error:
        raise UsageError('--summary %s cannot be written (%s).' % (path, error.strerror)) from error


def report_lines(result):
    """The self-check's lines for one result.

    A file that could not be loaded gets its one reason first, once, and a
    short line per check; otherwise each check's feedback, with a block the
    student has not written yet reported under the first check it stops
    (later checks stopped by the same block say so in a few words).
    """
    lines = []
    if result.problem:
        lines += ['Not graded: %s' % terminal(result.problem), '']
    lines += ['Warning: %s' % terminal(warning) for warning in result.warnings]
    todo_seen = {}
    for check in result.checks:
        if result.problem:
            feedback = 'not graded (the file could not be loaded: see above)'
        else:
            feedback = todo_feedback(check, todo_seen)
        lines.append('[%s] %-8s %g/%g  %s' % (check.mark, check.name, check.score,
                                               check.max_score, terminal(feedback)))
    return lines


def todo_feedback(check, todo_seen):
    """check.feedback, or a short pointer when its TODO block was reported already."""
    block = todo_block(check.feedback)
    if block is None:
        return check.feedback
    if block in todo_seen:
        return 'waits for the %s (TODO reported under %s above).' % (block, todo_seen[block])
    todo_seen[block] = check.name
    return check.feedback


def run(args):
    path, ignored = (args.path, ()) if args.path else default_choice()
    if not os.path.exists(path):
        raise UsageError('%s: no such file. Pass the path of your neural_net.py.' % path)
    problem = seed_problem(args.seed)
    if problem:
        raise UsageError(problem)
    # A folder or zip: the file is chosen as every grading route chooses it. The
    # student's own file on their own machine: the portable layer is enough.
    submission = read_submission(path)
    if ignored and submission.source is not None:   # say so, as a grading route would
        submission = dataclasses.replace(submission, file=path.replace(os.sep, '/'),
                                         ignored=ignored)
    with make_grader(args, visible_only=True, weaker_layers=True, one_file=True) as grader:
        if submission.source is None:
            result = grader.zero_result(path, submission.problem)
        else:
            result = grader.grade_source(submission.source, submission.file, only=args.only)
    print('Self-check of %s (visible checks; hidden checks run when you are graded)\n'
          % terminal(submission.file or path, one_line=True))
    if submission.note:
        print(terminal(submission.note) + '\n')
    for line in report_lines(result):
        print(line)
    passed = all(check.status == PASSED for check in result.checks)
    if args.summary:
        append_summary(args.summary, result.to_json(timing=False))
    print('\n%s: %g / %g points on the visible checks%s.' % (
        'All visible checks pass' if passed else 'Not yet', result.score, result.max_score,
        '' if not args.only else ' run (%s)' % ', '.join(args.only)))
    return EXIT_OK if passed else EXIT_NOT_YET
