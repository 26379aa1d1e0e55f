"""Grade every mutant of solutions/mutants.py and print the catch matrix (Markdown).

    python bench/catch_matrix.py [--dataset fashion_mnist] > docs/mutants.md

An 'x' marks a check that took points from that mutant, as measured in this
run (the test suite checks the same matrix against the catalog).
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from autograder.grading import Grader  # noqa: E402
from autograder.paths import load_mutants  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--dataset', default='fashion_mnist')
    args = parser.parse_args()
    mutants = load_mutants()
    with Grader(dataset=args.dataset) as grader, tempfile.TemporaryDirectory() as scratch:
        names = [check.name for check in grader.checks]
        print('# Mutation catalog: which check catches which mistake\n')
        print('Each row is a wrong implementation from `solutions/mutants.py` (a small named '
              'edit of the reference), graded by the real grader on %s; `x` marks a check '
              'that took points. Produced by `python bench/catch_matrix.py`; '
              '`tests/test_mutants.py` asserts the same matrix.\n\n'
              'A mistake costs points only at the checks of its own component: `train`, '
              '`sgd` and `predict` run the student\'s method with the grader\'s reference '
              'loss in place of the student\'s, so a loss or gradient bug never costs them. '
              '`val_accuracy` stays end to end (the student\'s own init, loss and train; the '
              'accuracy of the trained parameters is computed by the grader), so it also '
              'catches mistakes that stop the network from learning.\n' % grader.dataset)
        print('| mutant | mistake | ' + ' | '.join(names) + ' | score |')
        print('|---|---|' + '---|' * (len(names) + 1))
        for mutant in mutants.MUTANTS:
            path = mutants.write(mutant, os.path.join(scratch, mutant.name))
            result = grader.grade_file(path, mutant.name)
            marks = ['x' if check.score < check.max_score else '' for check in result.checks]
            print('| `%s` | %s | %s | %g / %g |' % (mutant.name, mutant.mistake, ' | '.join(marks),
                                                   result.score, result.max_score))


if __name__ == '__main__':
    main()
