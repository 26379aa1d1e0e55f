"""``gradescope``: build the Gradescope autograder zip, or grade inside Gradescope.

    python -m autograder gradescope build --seed N [--out autograder.zip] [--dataset NAME]
    python -m autograder gradescope run --submission DIR --results FILE

See autograder/platforms/gradescope.py for what the bundle holds.
"""
from .. import datasets
from ..errors import EXIT_OK, BundleError
from ..platforms import gradescope
from ..sandbox import Limits
from .options import add_kit_option

NAME = 'gradescope'


# The bundle's dataset when the course leaves the choice to what is installed (auto): the
# one Gradescope's image installs without a download (the Debian package).
DEFAULT_DATASET = 'fashion_mnist'


def course_dataset():
    """The dataset the course names (solutions/course.json), else DEFAULT_DATASET."""
    module = datasets.data_utils()
    try:
        named = module.course_dataset()
    except module.DatasetError as error:
        raise BundleError(str(error)) from error
    return DEFAULT_DATASET if named == module.AUTO else named


def add_parser(verbs):
    parser = verbs.add_parser(NAME, help='build or run the Gradescope autograder',
                              description=__doc__.split('\n')[0])
    actions = parser.add_subparsers(dest='action', metavar='ACTION')
    actions.required = True
    build = actions.add_parser('build', help='write the autograder zip to upload')
    build.add_argument('--seed', type=int, required=True,
                       help='your private grader seed (not the public default): it fixes the '
                            'hidden inputs, and the bundle stores the reference outputs for it')
    build.add_argument('--out', default='autograder.zip', help='zip to write (%(default)s)')
    build.add_argument('--dataset', choices=gradescope.DATASETS, default=None,
                       help='data for val_accuracy (default: the course\'s, solutions/course.json, '
                            'or %s when it says auto; cifar10 bundles the md5-checked archive, '
                            'none skips the check)' % DEFAULT_DATASET)
    build.add_argument('--cifar10-archive', metavar='FILE',
                       help='cifar-10-python.tar.gz to bundle (default: the one '
                            'cifar10_download.py keeps)')
    add_kit_option(build)
    run = actions.add_parser('run', help='grade inside Gradescope (called by run_autograder)')
    run.add_argument('--submission', required=True, help='folder holding the submission')
    run.add_argument('--results', required=True, help='results.json to write')
    run.add_argument('--private', help='the bundle\'s private folder (default: beside the '
                                       'package)')
    run.add_argument('--timeout', type=float, default=60.0,
                     help='wall-clock seconds for the submission (default: %(default)s)')
    run.add_argument('--memory-mb', type=int, default=4096,
                     help='memory cap in MB (default: %(default)s)')


def run(args):
    if args.action == 'build':
        gradescope.build_zip(args.out, args.seed, args.dataset or course_dataset(),
                             args.cifar10_archive)
        return EXIT_OK
    return gradescope.run(args.submission, args.results, args.private,
                          Limits(timeout=args.timeout, memory_mb=args.memory_mb))
