"""Options shared by the verbs that grade (and --kit, shared by the instructor's verbs)."""
import argparse
import textwrap

from ..checks.probe_ids import DEFAULT_SEED
from ..datasets import DATASET_CHOICES
from ..errors import EXIT_CODES, EXIT_INTERRUPTED, UsageError
from ..paths import KIT_ENV, require_kit
from ..sandbox import secrecy


def exit_status_help(verb):
    """The exit statuses of verb as its --help shows them (errors.EXIT_CODES)."""
    rows = sorted(EXIT_CODES[verb].items()) + [
        (EXIT_INTERRUPTED, 'interrupted (Ctrl-C): finished results are kept')]
    lines = ['exit status:']
    for code, meaning in rows:
        lines += textwrap.wrap(meaning, 79, initial_indent='  %3d  ' % code,
                               subsequent_indent=' ' * 7)
    return '\n'.join(lines) + '\n'


def with_exit_statuses(parser, verb):
    """Show verb's exit statuses at the end of parser's --help; returns parser."""
    parser.epilog = exit_status_help(verb)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def add_actions(verbs, name, help_text, doc):
    """A verb with required sub-actions (``classroom fetch``...); returns the subparsers."""
    parser = verbs.add_parser(name, help=help_text, description=doc.split('\n')[0])
    actions = parser.add_subparsers(dest='action', metavar='ACTION')
    actions.required = True
    return actions


def add_kit_option(parser):
    """--kit DIR: the instructor's kit, for an installed grader (cli.main applies it)."""
    parser.add_argument('--kit', metavar='DIR',
                        help='the instructor\'s kit: the checkout of this repository holding '
                             'solutions/ and autograder/course/ (default: $%s, else the '
                             'checkout this grader is installed from; an installed wheel '
                             'holds the engine only)' % KIT_ENV)


def add_grading_options(parser, default_dataset='auto', listed=True):
    """--timeout, --memory-mb, --dataset, --seed, --require-markers: how a grade is made.

    listed=False: accepted but left out of --help (the self-check: a student needs none of
    them; an instructor running it in the kit still may)."""
    def shown(text):
        return text if listed else argparse.SUPPRESS

    parser.add_argument('--timeout', type=float, default=60.0,
                        help=shown('wall-clock seconds per submission (default: %(default)s)'))
    parser.add_argument('--memory-mb', type=int, default=4096,
                        help=shown('memory cap per submission in MB (default: %(default)s)'))
    parser.add_argument('--dataset', choices=DATASET_CHOICES, default=default_dataset,
                        help=shown('data for val_accuracy: auto = CIFAR-10 if present, else '
                                   'Fashion-MNIST; none skips that check (default: '
                                   '%(default)s)'))
    parser.add_argument('--seed', type=int, default=None,
                        help=shown('grader seed for the hidden inputs (default: the kit\'s '
                                   'public one); grade takes a private seed from $%s instead, '
                                   'as a command line is readable by every process of the '
                                   'machine' % secrecy.SEED_VARIABLE))
    parser.add_argument('--require-markers', nargs='?', type=float, const=1.0, default=None,
                        metavar='POINTS',
                        help=shown('add a "markers" check worth POINTS (default 1) for keeping '
                                   'this year\'s START/END CODE lines intact; without it, '
                                   'changed markers only give a warning'))


def add_seed_guard(parser):
    """--public-seed: what grading with the kit's public seed needs."""
    parser.add_argument('--public-seed', action='store_true',
                        help='grade with the kit\'s public seed, whose visible outputs ship to '
                             'students (demos and tests); real grading takes a private --seed')


def take_seed(args):
    """Set args.seed from --seed or $TLN_SEED (removed from the environment here, before any
    child starts) and args.seed_on_command_line; UsageError for a bad or a second seed.
    Done once: a verb that calls another (classroom grade) has taken the seed already."""
    if hasattr(args, 'seed_on_command_line'):
        return args.seed
    try:
        from_environment = secrecy.take_private_seed()
    except ValueError as error:
        raise UsageError(str(error)) from None
    args.seed_on_command_line = args.seed is not None
    if from_environment is not None:
        if args.seed is not None and args.seed != from_environment:
            raise UsageError('two seeds: --seed %d and $%s; give the private seed once, in $%s'
                             % (args.seed, secrecy.SEED_VARIABLE, secrecy.SEED_VARIABLE))
        args.seed = from_environment
    return args.seed


def refuse_seed_on_command_line(args, layer):
    """UsageError when a private --seed would be readable by student code under layer.

    Outside bubblewrap student code shares the grader's process namespace and reads any
    process's /proc/PID/cmdline; the public seed is no secret."""
    if layer != 'bwrap' and args.seed_on_command_line and args.seed != DEFAULT_SEED:
        raise UsageError(
            'a private --seed is on the grader\'s command line, which student code reads '
            '(/proc/PID/cmdline) under the %s layer. Pass it in the environment instead: '
            '%s=N (read and removed before any student code runs).'
            % (layer, secrecy.SEED_VARIABLE))


def refuse_public_seed(args):
    """Raise UsageError when grading would use the public seed without --public-seed."""
    if args.seed in (None, DEFAULT_SEED) and not args.public_seed:
        raise UsageError(
            'grading needs a private seed: the public seed %d\'s outputs ship to students '
            '(autograder/release/expected_visible.json), who could hard-code them. Set %s=N '
            '(keep N private, and the same for every group of a class), or pass --public-seed '
            'for a demo or a test.' % (DEFAULT_SEED, secrecy.SEED_VARIABLE))


def make_grader(args, visible_only=False, denied_roots=(), weaker_layers=False, sandbox=None,
                one_file=False):
    """Grader from parsed options; all checks need the kit (KitMissing says which folder).

    weaker_layers: the command runs only the user's own or the kit's files; one_file: it
    grades a single file; sandbox: the command's Sandbox, or None (the Grader makes its
    own). See Grader."""
    from ..grading import Grader          # numpy and the sandbox: not for --help
    from ..sandbox import Limits
    if not visible_only:
        require_kit(args.verb)
    kwargs = {}
    if args.seed is not None:
        kwargs['seed'] = args.seed
    return Grader(dataset=args.dataset, visible_only=visible_only,
                  limits=Limits(timeout=args.timeout, memory_mb=args.memory_mb),
                  denied_roots=denied_roots, require_markers=args.require_markers,
                  weaker_layers=weaker_layers, sandbox=sandbox, one_file=one_file, **kwargs)
