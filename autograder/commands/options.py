"""Options shared by the verbs that grade."""
from ..datasets import DATASET_CHOICES
from ..grading import Grader
from ..sandbox import Limits


def add_grading_options(parser, default_dataset='auto'):
    parser.add_argument('--timeout', type=float, default=60.0,
                        help='wall-clock seconds per submission (default: %(default)s)')
    parser.add_argument('--memory-mb', type=int, default=4096,
                        help='memory cap per submission in MB (default: %(default)s)')
    parser.add_argument('--dataset', choices=DATASET_CHOICES, default=default_dataset,
                        help='data for val_accuracy: auto = CIFAR-10 if present, else '
                             'Fashion-MNIST; none skips that check (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=None,
                        help='grader seed for the hidden inputs (default: the kit\'s)')
    parser.add_argument('--require-markers', nargs='?', type=float, const=1.0, default=None,
                        metavar='POINTS',
                        help='add a "markers" check worth POINTS (default 1) for keeping this '
                             'year\'s START/END CODE lines intact; without it, changed markers '
                             'only give a warning')


def make_grader(args, visible_only=False, denied_roots=()):
    """Grader from parsed options."""
    kwargs = {}
    if args.seed is not None:
        kwargs['seed'] = args.seed
    return Grader(dataset=args.dataset, visible_only=visible_only,
                  limits=Limits(timeout=args.timeout, memory_mb=args.memory_mb),
                  denied_roots=denied_roots, require_markers=args.require_markers, **kwargs)
