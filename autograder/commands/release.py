"""``release``: regenerate the student files and the nbgrader source from solutions/.

    python -m autograder release           # write assignment/ and the course source
    python -m autograder release --check   # list files that differ; exit 1 (EXIT_NOT_YET) if any
    python -m autograder release --student-repo DIR [--platform github|classroom50]
                                           # a student distribution, no solutions

It regenerates files of the kit it belongs to (assignment/, the course source,
the package's expected_visible.json), so it runs from the instructor's
checkout, never from an installed wheel, and ignores TLN_KIT.
"""
import sys

from ..errors import EXIT_NOT_YET, EXIT_OK, KitMissing, UsageError
from ..paths import PACKAGE_DIR, REPO_DIR, in_checkout, use_kit
from ..release import generate as release

NAME = 'release'


def add_parser(verbs):
    parser = verbs.add_parser(NAME, help='generate assignment/ and the nbgrader source',
                              description=__doc__.split('\n')[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument('--check', action='store_true',
                      help='do not write; exit 1 if any generated file is out of date')
    mode.add_argument('--student-repo', metavar='DIR',
                      help='write a student repository (assignment, grader without course or '
                           'solutions, stored outputs for the self-check) into DIR')
    parser.add_argument('--platform', choices=release.PLATFORMS, default='github',
                        help='with --student-repo: github adds the self-check workflow '
                             '(.github/workflows/self-check.yml); classroom50 adds no workflow '
                             '(Classroom 50 writes its own autograde.yaml) (default: '
                             '%(default)s)')


def run(args):
    if not in_checkout():
        raise KitMissing(
            '`release` regenerates the files of the kit this grader belongs to, and this '
            'installation (%s) is not inside the instructor\'s kit (no solutions/ beside it): '
            'run it from the kit, `cd DIR && python -m autograder release`, or install the kit '
            'with `pip install -e DIR`.' % PACKAGE_DIR)
    use_kit(REPO_DIR)   # the checkout itself, whatever TLN_KIT says
    if args.platform != 'github' and not args.student_repo:
        raise UsageError('--platform goes with --student-repo DIR.')
    if args.student_repo:
        written = release.export_student_repo(args.student_repo, args.platform)
        print('wrote %d files of the student repository to %s' % (len(written),
                                                                 args.student_repo))
        return EXIT_OK
    if args.check:
        drifted = release.drifted_files()
        for path in drifted:
            print('out of date: %s' % path)
        if drifted:
            print('run `python -m autograder release` and commit the result', file=sys.stderr)
            return EXIT_NOT_YET
        print('all generated files are up to date')
        return EXIT_OK
    written = release.write_release()
    for path in written:
        print('wrote %s' % path)
    if not written:
        print('all generated files were already up to date')
    return EXIT_OK
