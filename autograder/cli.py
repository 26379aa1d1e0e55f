"""Command line: ``python -m autograder VERB ...`` (also the ``tln-grader`` script).

Verbs, one module each under autograder/commands/, named for its verb:
- grade       grade submissions (files, folders, zips, a class) -> table / JSON / gradebook
- check       the student self-check of neural_net.py (visible checks)
- gradescope  build the Gradescope autograder zip, or run inside Gradescope
- classroom   fetch every student repository of a GitHub assignment and grade it
- classroom50 build the public autograder folder of a Classroom 50 assignment
- nbgrader    autograde an nbgrader class, one student per nbgrader process
- release     regenerate assignment/ and the nbgrader source from solutions/
- demo        grade the reference, the stub and sample wrong submissions
- report      rebuild the class report of an --out folder; compare two gradings

A student distribution (``release --student-repo``) offers ``check`` only;
the other verbs say so instead of failing halfway. Errors: see main().
"""
import argparse
import importlib
import sys
from collections.abc import Mapping

from .errors import EXIT_INTERRUPTED, KitError, UsageError
from .outputs.sanitise import terminal
from .paths import is_student_copy, require_kit, use_kit
from .sandbox import secrecy

# The verbs in the order --help lists them, and the module of autograder/commands/ of each
# (its NAME is the verb). A module is imported when its verb is used or listed: a student
# copy holds the `check` module alone (release/generate.py).
VERB_MODULES = (('grade', 'grade'), ('check', 'check'), ('gradescope', 'gradescope'),
                ('classroom', 'classroom'), ('classroom50', 'classroom50'),
                ('nbgrader', 'nbgrader'), ('release', 'release'), ('demo', 'demo'),
                ('report', 'report'))
STUDENT_COMMANDS = ('check',)


class Commands(Mapping):
    """verb -> its command module, imported on first use."""

    def __init__(self, verb_modules):
        self._modules = dict(verb_modules)

    def __getitem__(self, verb):
        return importlib.import_module('.commands.' + self._modules[verb], __package__)

    def __contains__(self, verb):
        return verb in self._modules      # without importing it

    def __iter__(self):
        return iter(self._modules)

    def __len__(self):
        return len(self._modules)


COMMANDS = Commands(VERB_MODULES)


def build_parser(student=False, only=None):
    """The parser of every verb, or (only: a verb) of that verb alone, which then imports
    its own module only: a run inside Gradescope or a student's `check` does not load the
    other verbs' modules (the arguments after the verb parse the same)."""
    parser = argparse.ArgumentParser(
        prog='python -m autograder',
        description='Autograder for the two-layer neural network assignment.' + (
            ' This is a student copy: it offers the self-check only.' if student else ''))
    verbs = parser.add_subparsers(dest='verb', metavar='VERB')
    verbs.required = True
    from .commands.options import with_exit_statuses   # a student copy holds it too
    for name in COMMANDS:
        if (not student or name in STUDENT_COMMANDS) and only in (None, name):
            COMMANDS[name].add_parser(verbs)
            with_exit_statuses(verbs.choices[name], name)   # errors.EXIT_CODES
    return parser


def instructor_only(verb):
    """The message a student copy gives for an instructor's verb."""
    return ('`python -m autograder %s` is for instructors and is not part of this student copy '
            'of the kit (it has no reference solution). Here you can run `python -m autograder '
            'check`: the self-check of your neural_net.py on the visible checks.' % verb)


def main(argv=None):
    """Run one verb; returns the exit status.

    The one place errors reach the user: a KitError (autograder/errors.py)
    becomes one line, ``error: <message>``, on stderr and its exit_code.
    Usage errors argparse finds exit with 2 as well. What each verb returns
    otherwise is errors.EXIT_CODES (its --help shows it).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    # Student code under the weaker layers shares the process namespace: nothing of this
    # process (its environment, memory, descriptors) may be readable there.
    secrecy.make_undumpable()
    try:
        student = is_student_copy()
        if student:
            verb = next((word for word in argv if not word.startswith('-')), None)
            if verb in COMMANDS and verb not in STUDENT_COMMANDS:
                raise UsageError(instructor_only(verb))
        named = argv[0] if argv and argv[0] in COMMANDS else None   # else every verb: --help
        args = build_parser(student, named).parse_args(argv)
        use_kit(getattr(args, 'kit', None))   # --kit DIR of an instructor's verb (paths.py)
        try:
            if getattr(args, 'kit', None):
                require_kit(args.verb, ())       # a folder that is not there: said at once
            return COMMANDS[args.verb].run(args)
        finally:
            use_kit(None)
    except KitError as error:
        print('error: %s' % terminal(error), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print('\ninterrupted: finished results are kept; run the same command again to resume.',
              file=sys.stderr)
        return EXIT_INTERRUPTED
