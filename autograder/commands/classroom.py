"""``classroom``: fetch every student repository of a GitHub Classroom assignment, grade it.

    python -m autograder classroom fetch (--repos FILE | --org ORG --prefix NAME-) --into DIR
    TLN_SEED=N python -m autograder classroom grade (--repos FILE | --org ORG --prefix NAME-) \\
        --into DIR --out GRADES [--dataset NAME] [--jobs N]

``--repos`` is a file with one clone URL a line; ``--org``/``--prefix`` asks
the GitHub CLI (``gh repo list``) for the organisation's repositories whose
names start with the assignment's prefix. ``grade`` fetches, then runs
``python -m autograder grade DIR --out GRADES``: all checks, hidden ones
included, with your private seed from ``TLN_SEED`` (removed from the
environment before anything is fetched or graded; never on a command line).
"""
import sys

from ..checks.probe_inputs import DEFAULT_SEED
from ..datasets import DATASET_CHOICES
from ..errors import UsageError
from ..paths import require_kit
from ..platforms import classroom
from ..sandbox import isolation, secrecy
from . import grade
from .options import add_kit_option, take_seed

NAME = 'classroom'


def _sources(parser):
    parser.add_argument('--repos', metavar='FILE', help='file with one clone URL a line')
    parser.add_argument('--org', help='GitHub organisation of the classroom (uses `gh`)')
    parser.add_argument('--prefix', default='',
                        help='assignment prefix of the repository names (e.g. two-layer-net-); '
                             'stripped to name each student')
    parser.add_argument('--into', required=True, metavar='DIR',
                        help='folder with one clone per student (created or updated)')


def add_parser(verbs):
    parser = verbs.add_parser(NAME, help='fetch and grade GitHub Classroom repositories',
                              description=__doc__.split('\n')[0])
    actions = parser.add_subparsers(dest='action', metavar='ACTION')
    actions.required = True
    _sources(actions.add_parser('fetch', help='clone or update every student repository'))
    grading = actions.add_parser('grade', help='fetch, then grade with your private seed')
    _sources(grading)
    grading.add_argument('--seed', type=int, default=None,
                         help='your private grader seed (not the public default); better in '
                              '$%s, as a command line is readable by every process of the '
                              'machine' % secrecy.SEED_VARIABLE)
    grading.add_argument('--out', required=True, metavar='DIR',
                         help='gradebook folder (grades.csv, feedback/, results/)')
    grading.add_argument('--dataset', choices=DATASET_CHOICES, default='auto',
                         help='data for val_accuracy (%(default)s)')
    grading.add_argument('--jobs', type=int, default=None, help='submissions graded at once')
    add_kit_option(grading)


def run(args):
    if bool(args.repos) == bool(args.org):
        raise UsageError('give either --repos FILE or --org ORG (with --prefix)')
    if args.action == 'grade':
        take_seed(args)    # before git or gh start: $TLN_SEED leaves the environment
        if args.seed is None:
            raise UsageError('classroom grade needs your private seed: set %s=N (a whole '
                             'number of your own, the same for every group of a class).'
                             % secrecy.SEED_VARIABLE)
        if args.seed == DEFAULT_SEED:
            raise UsageError('seed %d is the public default; grade with a private seed of your '
                             'own.' % DEFAULT_SEED)
        require_kit('classroom grade')   # before fetching: grading needs the kit
        isolation.refuse_weak('classroom grade')   # and the kernel layer, or a chosen one
    urls = (classroom.read_repo_list(args.repos) if args.repos
            else classroom.list_with_gh(args.org, args.prefix))
    fetched, failed = classroom.fetch(urls, args.into, args.prefix)
    print('%d repositories fetched into %s%s' % (
        len(fetched), args.into, '; %d failed: %s' % (len(failed), ', '.join(sorted(failed)))
        if failed else ''), file=sys.stderr)
    if args.action == 'fetch':
        return 1 if failed else 0
    argv = [args.into, '--out', args.out, '--dataset', args.dataset]
    if args.jobs:
        argv += ['--jobs', str(args.jobs)]
    from ..cli import build_parser
    grading = build_parser().parse_args(['grade'] + argv)
    grading.seed, grading.seed_on_command_line = args.seed, args.seed_on_command_line
    code = grade.run(grading)
    return code or (1 if failed else 0)
