"""``demo``: grade the reference, the stub and sample wrong submissions.

    python -m autograder demo [--out DIR] [--dataset NAME]

Builds a small class (reference, untouched stub, and a few mutants from the
kit's solutions/mutants.py), grades it like a real class and prints the
report: the quickest way to see what the grader does. It needs the kit
(--kit DIR for an installed grader).
"""
import os
import shutil
import tempfile

from .. import datasets
from ..errors import EXIT_NOT_YET, EXIT_OK
from ..paths import GRADING_PARTS, STUDENT_FILE, kit_path, load_mutants, require_kit
from ..outputs.feedback import table
from ..submissions.batch import Batch
from ..submissions.discovery import discover
from .options import add_grading_options, add_kit_option, make_grader

NAME = 'demo'
# What the demo needs of the kit, besides what grading needs.
DEMO_PARTS = ('assignment/neural_net.py', 'solutions/mutants.py')
SAMPLE_MUTANTS = ('relu_mask_missing', 'reg_grad_missing_factor_2', 'no_lr_decay')


def add_parser(verbs):
    parser = verbs.add_parser(NAME, help='grade the reference, the stub and sample mistakes',
                              description=__doc__.split('\n')[0])
    parser.add_argument('--out', metavar='DIR', default=None,
                        help='where to write the gradebook and feedback (default: a temporary '
                             'folder, removed afterwards)')
    parser.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    add_grading_options(parser)
    add_kit_option(parser)


def build_class(folder):
    """Write the demo class: one sub-folder per sample student."""
    mutants = load_mutants(NAME)
    shutil.copy(kit_path('solutions', STUDENT_FILE),
                os.path.join(_mkdir(folder, 'reference'), STUDENT_FILE))
    shutil.copy(kit_path('assignment', STUDENT_FILE),
                os.path.join(_mkdir(folder, 'stub'), STUDENT_FILE))
    for name in SAMPLE_MUTANTS:
        mutants.write(mutants.BY_NAME[name], os.path.join(folder, 'mutant_' + name))


def _mkdir(folder, name):
    path = os.path.join(folder, name)
    os.makedirs(path, exist_ok=True)
    return path


def run(args):
    require_kit(NAME, GRADING_PARTS + DEMO_PARTS)
    scratch = tempfile.mkdtemp(prefix='tln-demo-')
    try:
        class_dir = os.path.join(scratch, 'class')
        build_class(class_dir)
        out = args.out or os.path.join(scratch, 'out')
        if args.dataset == 'auto' and not any(datasets.available(name)
                                              for name in ('cifar10', 'fashion_mnist')):
            print('No dataset found (CIFAR-10 or Fashion-MNIST): val_accuracy is skipped.\n')
            args.dataset = 'none'
        with make_grader(args, denied_roots=[class_dir], weaker_layers=True) as grader:
            print('Grading a sample class (dataset for val_accuracy: %s)...\n'
                  % (grader.dataset or 'none'))
            results = Batch(grader, out, args.jobs).run(
                discover([class_dir]), grader.settings_key())
        print(table([result.to_json() for result in results]))
        with open(os.path.join(out, 'grades.csv'), encoding='utf-8') as handle:
            print('grades.csv:\n' + handle.read())
        if args.out:
            print('Feedback pages are in %s' % os.path.join(args.out, 'feedback'))
        scores = {r.submission: r.score for r in results}
        ok = (scores['reference'] == results[0].max_score and scores['stub'] == 0
              and all(0 < scores['mutant_' + n] < results[0].max_score for n in SAMPLE_MUTANTS))
        print('Reference full marks, stub zero, sample mistakes in between: %s'
              % ('yes' if ok else 'NO'))
        return EXIT_OK if ok else EXIT_NOT_YET
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
