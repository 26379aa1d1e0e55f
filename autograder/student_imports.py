"""What student code may import: the one list every route uses.

A student's neural_net.py may import the standard library and the
distributions below (with what they depend on), nothing else. The same list
decides
- what the sandbox shows the child (sandbox/isolation.py binds exactly these
  distributions and their dependencies into the bubblewrap sandbox);
- what the grader installs wherever it runs: their pins are lines of
  autograder/runtime-requirements.txt (the package's dependencies), so the
  Gradescope bundle's pyproject, the student repository's requirements.txt and
  its CI install them, and setup.sh fails the image build when one is missing
  (``python -m autograder.student_imports``);
- what the reason of a missing import tells the student (grading.py).

Older starter code begins with ``from builtins import range`` or
``from past.builtins import xrange`` (both from ``future``) and imports
matplotlib for its plots: a correct file with those imports gets full marks
on every route.
"""
import re
import sys

# The distributions (future brings past.builtins and builtins' backports).
DISTRIBUTIONS = ('numpy', 'matplotlib', 'future')
# Said to a student whose file imports something else.
AVAILABLE = ('numpy, the standard library, matplotlib and future (past.builtins, builtins)')


def _name(requirement):
    """The normalised distribution name of a requirement line ('numpy>=1.24' -> 'numpy')."""
    return re.sub(r'[-_.]+', '-', re.split(r'[\s<>=!~\[(;]', requirement.strip(), 1)[0]).lower()


def requirement_lines():
    """The pins of the student distributions, from runtime-requirements.txt (one place)."""
    from .paths import runtime_requirements
    lines = {_name(line): line for line in runtime_requirements()}
    missing = [name for name in DISTRIBUTIONS if name not in lines]
    if missing:
        raise RuntimeError('autograder/runtime-requirements.txt has no pin for %s, which '
                           'student code may import' % ', '.join(missing))
    return [lines[name] for name in DISTRIBUTIONS]


def missing_distributions():
    """Student distributions not installed in this interpreter's environment."""
    import importlib.metadata     # here: a grader that only grades never loads it
    missing = []
    for name in DISTRIBUTIONS:
        try:
            importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    return missing


def main():
    """Exit non-zero, naming them, when a student distribution is missing here."""
    missing = missing_distributions()
    if missing:
        print('error: %s, which student code may import, %s not installed for %s; a correct '
              'file importing it would score 0.' % (', '.join(missing),
                                                    'is' if len(missing) == 1 else 'are',
                                                    sys.executable), file=sys.stderr)
        return 2
    print('student imports available: %s' % ', '.join(DISTRIBUTIONS))
    return 0


if __name__ == '__main__':
    sys.exit(main())
