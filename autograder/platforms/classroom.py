"""GitHub Classroom: the student repository's workflow, and the instructor's fetch.

Two sides, trusted differently:

- The workflow in each student repository (``student_workflow()``, written
  to ``.github/workflows/classroom.yml`` by ``release --student-repo``) is
  code the student can edit. It only runs the visible self-checks against
  the stored outputs the student has anyway, and reports them to Classroom
  with the autograding reporter actions. No token, no private repository.
- Hidden grading stays with the instructor: ``fetch`` clones or updates
  every student repository of the assignment (from a list of clone URLs, or
  from ``gh repo list``) into one folder, which ``grade`` then grades with
  the private seed into a gradebook.
"""
import os
import re
import subprocess

from ..checks import CATALOG
from ..errors import ClassroomError

COMMAND_GRADER = 'classroom-resources/autograding-command-grader@v1'
REPORTER = 'classroom-resources/autograding-grading-reporter@v1'
CLASSROOM_BOT = 'github-classroom[bot]'
STUDENT_ID = re.compile(r'[^A-Za-z0-9_.-]')


def student_workflow(python='3.12', timeout_minutes=5):
    """The student repository's workflow: one command-grader step per visible check."""
    visible = [check for check in CATALOG if check.visible]
    lines = [
        '# GitHub Classroom autograding of this repository (written by the instructor\'s',
        '# `python -m autograder release --student-repo`).',
        '#',
        '# It runs the visible self-checks (`python -m autograder check --only NAME`)',
        '# against the reference outputs stored in autograder/release/expected_visible.json',
        '# and reports their points to GitHub Classroom. It uses nothing but this',
        '# repository: no token, no private repository, no hidden checks. Your',
        '# instructor grades the hidden checks separately.',
        'name: classroom-autograding',
        '',
        'on:',
        '  push:',
        '  workflow_dispatch:',
        '  repository_dispatch:',
        '',
        'permissions:',
        '  checks: write',
        '  actions: read',
        '  contents: read',
        '',
        'jobs:',
        '  autograding:',
        '    # GitHub Classroom\'s bot makes the first commit; there is nothing to grade yet.',
        "    if: github.actor != '%s'" % CLASSROOM_BOT,
        '    runs-on: ubuntu-latest',
        '    timeout-minutes: 20',
        '    steps:',
        '      - uses: actions/checkout@v5',
        '      - uses: actions/setup-python@v6',
        '        with:',
        '          python-version: "%s"' % python,
        # The grader's run-time pins: what student code may import included
        # (student_imports.py), so the check runs in the environment of every route.
        '      - name: Install the self-check',
        '        run: python -m pip install -r autograder/runtime-requirements.txt && '
        'python -m pip install --no-deps -e .',
    ]
    for check in visible:
        lines += [
            '      - name: %s' % check.name,
            '        id: %s' % check.name,
            '        uses: %s' % COMMAND_GRADER,
            '        with:',
            '          test-name: %s' % check.name,
            '          command: python -m autograder check --only %s' % check.name,
            '          timeout: %d' % timeout_minutes,
            '          max-score: %g' % check.max_score,
        ]
    lines += [
        '      - name: Report the points to GitHub Classroom',
        '        uses: %s' % REPORTER,
        '        env:',
    ]
    lines += ['          %s_RESULTS: "${{ steps.%s.outputs.result }}"'
              % (check.name.upper(), check.name) for check in visible]
    lines += [
        '        with:',
        '          runners: %s' % ','.join(check.name for check in visible),
    ]
    return '\n'.join(lines) + '\n'


def read_repo_list(path):
    """Clone URLs from a file: one a line; blank lines and # comments are skipped."""
    urls = []
    try:
        with open(path, encoding='utf-8') as handle:
            for line in handle:
                line = line.split('#', 1)[0].strip()
                if line:
                    urls.append(line)
    except OSError as error:
        raise ClassroomError(str(error)) from error
    if not urls:
        raise ClassroomError('%s lists no repository (one clone URL a line).' % path)
    return urls


def list_with_gh(org, prefix, run=subprocess.run):
    """Clone URLs of the organisation's repositories whose name starts with prefix."""
    try:
        done = run(['gh', 'repo', 'list', org, '--limit', '4000', '--json', 'name,url',
                    '--jq', '.[] | [.name, .url] | @tsv'], capture_output=True, text=True)
    except FileNotFoundError as error:
        raise ClassroomError('the GitHub CLI `gh` is not installed; list the clone URLs in a '
                             'file and pass --repos FILE instead.') from error
    except OSError as error:
        raise ClassroomError(str(error)) from error
    if done.returncode != 0:
        raise ClassroomError('`gh repo list %s` failed: %s' % (org, done.stderr.strip()))
    urls = []
    for line in done.stdout.splitlines():
        name, _, url = line.partition('\t')
        if name.startswith(prefix) and name != prefix:
            urls.append(url + '.git' if not url.endswith('.git') else url)
    if not urls:
        raise ClassroomError('no repository of %s starts with %r.' % (org, prefix))
    return urls


def student_id(url, prefix=''):
    """Folder name for a repository: its name without .git and without the assignment prefix."""
    name = url.rstrip('/').rsplit('/', 1)[-1].rsplit(':', 1)[-1]
    if name.endswith('.git'):
        name = name[:-4]
    if prefix and name.startswith(prefix) and len(name) > len(prefix):
        name = name[len(prefix):]
    name = STUDENT_ID.sub('_', name).strip('.') or 'repository'
    return name


def _git(*args, cwd=None):
    done = subprocess.run(['git', *args], cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, GIT_TERMINAL_PROMPT='0'))
    if done.returncode != 0:
        raise ClassroomError('git %s failed: %s' % (' '.join(args), done.stderr.strip()))
    return done.stdout


def fetch(urls, into, prefix='', log=print):
    """Clone or update every repository into into/<student>; returns {student: commit}.

    An existing clone is reset to the remote's default branch, so what is
    graded is exactly what the student pushed. Symbolic links are checked out
    as plain files holding the link's text (core.symlinks=false): a committed
    link cannot make the grader read a file of the instructor's machine.
    Repositories that fail are reported and skipped; the others are fetched.
    ClassroomError when nothing can be fetched (no folder, no git).
    """
    try:
        return _fetch_all(urls, into, prefix, log)
    except OSError as error:
        raise ClassroomError(str(error)) from error


def _fetch_all(urls, into, prefix, log):
    os.makedirs(into, exist_ok=True)
    fetched, failed = {}, {}
    for url in urls:
        student = student_id(url, prefix)
        if student in fetched or student in failed:
            failed[student] = 'two repositories map to the folder %s' % student
            continue
        target = os.path.join(into, student)
        try:
            if os.path.isdir(os.path.join(target, '.git')):
                _git('config', 'core.symlinks', 'false', cwd=target)
                _git('fetch', '--quiet', '--force', url, 'HEAD', cwd=target)
                _git('reset', '--quiet', '--hard', 'FETCH_HEAD', cwd=target)
                _git('clean', '--quiet', '-d', '--force', '-x', cwd=target)
            elif os.path.exists(target):
                raise ClassroomError('%s exists and is not a clone; move it away' % target)
            else:
                _git('clone', '--quiet', '--config', 'core.symlinks=false', url, target)
            fetched[student] = _git('rev-parse', 'HEAD', cwd=target).strip()
            log('%s: %s at %s' % (student, url, fetched[student][:12]))
        except ClassroomError as error:
            failed[student] = str(error)
            log('%s: not fetched (%s)' % (student, error))
    return fetched, failed
