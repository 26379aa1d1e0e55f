"""``classroom``: fetch every student repository of a GitHub assignment, grade it.

    python -m autograder classroom fetch (--repos FILE | --org ORG --prefix NAME-) --into DIR
    TLN_SEED=N python -m autograder classroom grade (--repos FILE | --org ORG --prefix NAME-) \\
        --into DIR --out GRADES [--deadline TIME] [--classroom NAME --assignment SLUG]
        [--scores FILE] [--dataset NAME] [--jobs N]

``--repos`` is a file with one clone URL a line; ``--org``/``--prefix`` asks the
GitHub API (``gh api``) for the organisation's repositories whose names start with
the prefix. Each repository is checked out at its latest ``submit/*`` tag (Classroom
50's tag mode) or, without one, at its default branch's HEAD. ``grade`` then grades
the repositories that were fetched, and only those, with every check (hidden ones
included) and your private seed from ``TLN_SEED`` (removed from the environment
before anything is fetched or graded; never on a command line); the commit's time
fills the gradebook's timestamp column and ``--deadline`` marks late commits. With
``--classroom`` and ``--assignment`` (Classroom 50) the grades are also written as
``scores.json`` override entries (points x 4).
"""
import datetime
import os
import sys

from ..checks.probe_ids import DEFAULT_SEED
from ..errors import EXIT_INCOMPLETE, EXIT_OK, ClassroomError, UsageError
from ..paths import require_kit
from ..platforms import classroom, classroom50
from ..outputs.gradebook import Submitted
from ..outputs.sanitise import terminal
from ..sandbox import isolation, secrecy
from . import grade
from .options import (add_actions, add_grading_options, add_kit_option, take_seed,
                      with_exit_statuses)

NAME = 'classroom'


def _sources(parser):
    parser.add_argument('--repos', metavar='FILE', help='file with one clone URL a line')
    parser.add_argument('--org', help='GitHub organisation (lists its repositories with '
                                      '`gh api`)')
    parser.add_argument('--prefix', default=None,
                        help='prefix of the repository names (e.g. cs101-two-layer-net-); '
                             'stripped to name each student (default with --classroom and '
                             '--assignment: CLASSROOM-ASSIGNMENT-, as Classroom 50 names them)')
    parser.add_argument('--classroom', help='Classroom 50 classroom short name')
    parser.add_argument('--assignment', help='Classroom 50 assignment slug')
    parser.add_argument('--into', required=True, metavar='DIR',
                        help='folder with one clone per student (created or updated)')


def add_parser(verbs):
    actions = add_actions(verbs, NAME, 'fetch and grade the student repositories on GitHub',
                          __doc__)
    _sources(with_exit_statuses(actions.add_parser(
        'fetch', help='clone or update every student repository'), NAME))
    grading = with_exit_statuses(actions.add_parser(
        'grade', help='fetch, then grade with your private seed'), NAME)
    _sources(grading)
    grading.add_argument('--out', required=True, metavar='DIR',
                         help='gradebook folder (grades.csv, feedback/, results/)')
    grading.add_argument('--deadline', metavar='TIME',
                         help='ISO 8601 time with its zone (2026-10-01T23:59:00+02:00, or Z '
                              'for UTC): commits after it are marked late')
    grading.add_argument('--scores', metavar='FILE',
                         help='with --classroom and --assignment: the Classroom 50 scores.json '
                              'to write the override entries into (default: OUT/scores.json)')
    grading.add_argument('--jobs', type=int, default=os.cpu_count() or 1,
                         help='submissions graded at once (default: %(default)s)')
    add_grading_options(grading)
    grading.set_defaults(public_seed=False)
    add_kit_option(grading)


def parse_deadline(text):
    """The deadline as classroom.TIME_FORMAT text (UTC); UsageError without a zone."""
    try:
        moment = datetime.datetime.fromisoformat(text[:-1] + '+00:00' if text.endswith('Z')
                                                 else text)
    except ValueError as error:
        raise UsageError('--deadline %s is not an ISO 8601 time (e.g. 2026-10-01T23:59:00+02:00)'
                         % text) from error
    if moment.tzinfo is None:
        raise UsageError('--deadline %s has no time zone; add it (e.g. %s+02:00, or Z for UTC).'
                         % (text, text))
    return moment.astimezone(datetime.timezone.utc).strftime(classroom.TIME_FORMAT)


def _check_arguments(args):
    if bool(args.repos) == bool(args.org):
        raise UsageError('give either --repos FILE or --org ORG (with --prefix)')
    if bool(args.classroom) != bool(args.assignment):
        raise UsageError('--classroom and --assignment go together (Classroom 50).')
    if args.prefix is None:
        args.prefix = ('%s-%s-' % (args.classroom, args.assignment)).lower() \
            if args.classroom else ''
    if args.org and not args.prefix:
        raise UsageError('--org needs --prefix (or --classroom and --assignment): the '
                         'assignment\'s repositories are those whose names start with it.')
    if args.action == 'grade':
        take_seed(args)    # before git or gh start: $TLN_SEED leaves the environment
        if args.seed is None:
            raise UsageError('classroom grade needs your private seed: set %s=N (a whole '
                             'number of your own, the same for every group of a class).'
                             % secrecy.SEED_VARIABLE)
        if args.seed == DEFAULT_SEED:
            raise UsageError('seed %d is the public default; grade with a private seed of your '
                             'own.' % DEFAULT_SEED)
        if args.scores and not args.classroom:
            raise UsageError('--scores goes with --classroom and --assignment.')
        args.deadline = parse_deadline(args.deadline) if args.deadline else ''


def _fetch(args):
    urls = (classroom.read_repo_list(args.repos) if args.repos
            else classroom.list_with_gh(args.org, args.prefix))
    fetched, failed = classroom.fetch(urls, args.into, args.prefix)
    print('%d of %d repositories fetched into %s' % (len(fetched), len(urls), args.into),
          file=sys.stderr)
    for student in sorted(failed):
        print(terminal('not fetched: %s (%s)' % (student, failed[student])), file=sys.stderr)
    return fetched, failed


def run(args):
    _check_arguments(args)
    if args.action == 'grade':
        require_kit('classroom grade')   # before fetching: grading needs the kit
        isolation.refuse_weak('classroom grade')   # and the kernel layer, or a chosen one
    fetched, failed = _fetch(args)
    if args.action == 'fetch':
        return EXIT_INCOMPLETE if failed else EXIT_OK
    if not fetched:
        raise ClassroomError('no repository could be fetched, nothing was graded (see the '
                             'reasons above).')
    status, results = grade_fetched(args, fetched)
    if failed:
        print('%d repositories could not be fetched and are not in the gradebook: %s '
              '(exit status %d).' % (len(failed), ', '.join(sorted(failed)), EXIT_INCOMPLETE),
              file=sys.stderr)
    return EXIT_INCOMPLETE if failed or status != EXIT_OK else EXIT_OK


def grade_fetched(args, fetched):
    """Grade the fetched repositories (only those) with the grade verb's function."""
    others = [os.path.join(args.into, name) for name in os.listdir(args.into)
              if name not in fetched]
    submitted = {student: Submitted(item.time, args.deadline)
                 for student, item in fetched.items()}
    status, results = grade.grade_submissions([args.into], args, out=args.out, jobs=args.jobs,
                                              exclude=others, submitted=submitted)
    late = sorted(student for student, item in submitted.items() if item.late)
    if late:
        print('committed after the deadline %s: %s' % (args.deadline, ', '.join(late)),
              file=sys.stderr)
    if args.classroom:
        entries = [classroom50.override_entry(
            result['submission'], result,
            classroom50.identity_of(fetched[result['submission']], args.classroom),
            submitted[result['submission']].late)
            for result in results if result['submission'] in fetched]
        path = classroom50.merge_overrides(args.scores or os.path.join(args.out, 'scores.json'),
                                           args.assignment, entries)
        print('wrote %d Classroom 50 override entries (points x %d) to %s'
              % (len(entries), classroom50.SCALE, path), file=sys.stderr)
    return status, results
