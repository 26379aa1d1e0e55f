"""The instructor's side of GitHub: fetch every student repository of an assignment.

What runs in a student repository (the self-check workflow, platforms/github_actions.py,
or Classroom 50's run of the public bundle, platforms/classroom50.py) is code or output
the student controls. The trusted grade stays with the instructor: ``fetch`` clones or
updates every student repository of the assignment (from a list of clone URLs, or from
the organisation's repositories with the prefix) into one folder, which ``classroom
grade`` then grades with the private seed into a gradebook.
"""
import os
import re
import subprocess

from ..errors import ClassroomError

STUDENT_ID = re.compile(r'[^A-Za-z0-9_.-]')


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
