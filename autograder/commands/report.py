"""``report``: rebuild the class report of an --out folder, or compare two gradings.

    python -m autograder report DIR [--compare OLD_DIR] [--threshold T]
                                    [--template FILE] [--no-similarity]

Writes DIR/report.html and DIR/report.md from DIR/results and DIR/sources
(for example after grading several groups into DIR). With --compare, also
prints the students whose grade changed since the grading in OLD_DIR and at
which checks (and adds that list to the report).
"""
import sys

from .. import report as class_report
from ..errors import EXIT_OK, ReportError, UsageError
from ..paths import require_kit
from .options import add_kit_option

NAME = 'report'


def add_parser(verbs):
    parser = verbs.add_parser(NAME, help='rebuild the class report of an --out folder',
                              description=__doc__.split('\n')[0])
    parser.add_argument('out', metavar='DIR', help='the --out folder of a grading')
    parser.add_argument('--compare', metavar='OLD_DIR',
                        help='list the students whose grade changed since this grading')
    parser.add_argument('--threshold', type=float, default=None,
                        help='similarity listed from this score (0-1; default: %g)'
                        % similarity_threshold())
    parser.add_argument('--template', default=None,
                        help='the stub students started from; its lines are left out of the '
                             'similarity screening (default: the kit\'s '
                             'assignment/neural_net.py)')
    parser.add_argument('--no-similarity', dest='similarity', action='store_false',
                        help='skip the similarity screening')
    add_kit_option(parser)


def similarity_threshold():
    from ..report.similarity import THRESHOLD
    return THRESHOLD


def run(args):
    if args.threshold is not None and not 0 < args.threshold <= 1:
        raise UsageError('--threshold must be in (0, 1]')
    if args.similarity and args.template is None:
        require_kit(NAME, ('assignment/neural_net.py',))   # the default template
    report = class_report.build(args.out, template=args.template, similarity=args.similarity,
                                threshold=args.threshold, compare_dir=args.compare)
    if report.changes is not None:
        from ..report.markdown import change_lines
        print('Grade changes since %s:' % args.compare)
        print('\n'.join(change_lines(report.changes)))
    print(summary_line(report, args.out), file=sys.stderr)
    return EXIT_OK


def summary_line(report, out):
    stats = report.summary.stats()
    pairs = report.screening.pairs if report.screening is not None else []
    return ('wrote the class report %s/report.html and report.md: %d students%s, %d similar '
            'pair(s)' % (out.rstrip('/'), stats['count'],
                         ', mean %.2f' % stats['mean'] if stats['count'] else '', len(pairs)))


def after_grading(out):
    """Build the report at the end of `grade --out`; ReportError if it cannot be written."""
    try:
        built = class_report.build(out)
    except Exception as error:  # the grades are written: say so, never hide it
        raise ReportError('the class report could not be written (%s: %s); the grades are '
                          'complete. Retry with: python -m autograder report %s'
                          % (type(error).__name__, error, out)) from error
    print(summary_line(built, out), file=sys.stderr)
