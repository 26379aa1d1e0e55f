"""``classroom50``: the assignment's autograder folder for Classroom 50.

    python -m autograder classroom50 build --out DIR

Copy DIR to ``<classroom>/autograders/<slug>/`` of your organisation's ``classroom50``
configuration repository. It is public (Classroom 50 serves it from Pages): it holds
the grader and the visible checks' reference outputs every student copy holds, no
solution and no private seed. Classroom 50 runs its ``autograder.py`` on every
submission; it writes ``result.json`` (visible checks, points x 4: 44 at most) and
``release-body.md``. Grade for real with ``classroom grade`` (docs/ci.md).
"""
from ..errors import EXIT_OK
from ..platforms import classroom50
from .options import add_actions

NAME = 'classroom50'


def add_parser(verbs):
    actions = add_actions(verbs, NAME, 'build the autograder folder for Classroom 50', __doc__)
    build = actions.add_parser('build', help='write autograder.py and what it needs into DIR')
    build.add_argument('--out', required=True, metavar='DIR',
                       help='folder to write (missing, empty, or an earlier build)')


def run(args):
    written = classroom50.build(args.out)
    print('wrote the Classroom 50 autograder (%d files) to %s: copy it to '
          '<classroom>/autograders/<slug>/ of your classroom50 repository'
          % (len(written), args.out))
    return EXIT_OK
