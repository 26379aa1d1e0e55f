"""Command line: ``python -m autograder VERB ...`` (also the ``tln-grader`` script).

Verbs, one module each under autograder/commands/:
- grade       grade submissions (files, folders, zips, a class) -> table / JSON / gradebook
- check       the student self-check of assignment/neural_net.py (visible checks)
- gradescope  build the Gradescope autograder zip, or run inside Gradescope
- release     regenerate assignment/ and the nbgrader source from solutions/
- demo        grade the reference, the stub and sample wrong submissions
- report      rebuild the class report of an --out folder; compare two gradings
"""
import argparse
import sys

from .commands import check, demo, gradescope, grade, release, report

COMMANDS = {'grade': grade, 'check': check, 'gradescope': gradescope, 'release': release,
            'demo': demo, 'report': report}


def build_parser():
    parser = argparse.ArgumentParser(
        prog='python -m autograder',
        description='Autograder for the two-layer neural network assignment.')
    verbs = parser.add_subparsers(dest='verb', metavar='VERB')
    verbs.required = True
    for name, module in COMMANDS.items():
        module.add_parser(verbs)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.verb].run(args)
    except KeyboardInterrupt:
        print('\ninterrupted: finished results are kept; run the same command again to resume.',
              file=sys.stderr)
        return 130
