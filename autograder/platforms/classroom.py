"""The instructor's side of GitHub: fetch every student repository of an assignment.

What runs in a student repository (the self-check workflow, platforms/github_actions.py,
or Classroom 50's run of the public bundle, platforms/classroom50.py) is code or output
the student controls. The trusted grade stays with the instructor: ``fetch`` clones or
updates every student repository of the assignment (from a list of clone URLs, or from
the organisation's repositories with the prefix) into one folder, which ``classroom
grade`` then grades with the private seed into a gradebook.
"""
import datetime
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Optional

from ..errors import ClassroomError
from ..outputs.sanitise import terminal
from .classroom50 import TIME_FORMAT

STUDENT_ID = re.compile(r'[^A-Za-z0-9_.-]')
SUBMIT_TAGS = 'refs/tags/submit/*'
ORGANISATION = re.compile(r'[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})')


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
    """Clone URLs of the organisation's repositories whose name starts with prefix, from
    the GitHub API through the GitHub CLI (``gh api --paginate orgs/ORG/repos``)."""
    if not ORGANISATION.fullmatch(org):
        raise ClassroomError('%r is not a GitHub organisation name (letters, digits and '
                             'hyphens).' % org)
    command = ['gh', 'api', '--paginate', 'orgs/%s/repos?per_page=100' % org,
               '--jq', '.[] | [.name, .clone_url] | @tsv']
    try:
        done = run(command, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise ClassroomError('the GitHub CLI `gh` is not installed; list the clone URLs in a '
                             'file and pass --repos FILE instead.') from error
    except OSError as error:
        raise ClassroomError(str(error)) from error
    if done.returncode != 0:
        raise ClassroomError('`gh api orgs/%s/repos` failed: %s' % (org, done.stderr.strip()))
    urls = []
    for line in done.stdout.splitlines():
        name, _, url = line.partition('\t')
        if name.startswith(prefix) and name != prefix and url:
            urls.append(url)
    if not urls:
        raise ClassroomError('no repository of %s starts with %r.' % (org, prefix))
    return sorted(urls)


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


@dataclass
class Fetched:
    """What was fetched of one repository: the commit, its committer time (UTC,
    TIME_FORMAT), the Classroom 50 submit tag it came from (None: the default branch's
    HEAD) and the clone URL."""
    commit: str
    time: str
    tag: Optional[str]
    url: str


def latest_submit_tag(url):
    """(tag name, commit) of the repository's latest ``submit/*`` tag, or None.

    Classroom 50 tags every submission ``submit/<UTC timestamp>-<short sha>``; the
    greatest name is the latest submission. An annotated tag counts by its commit.
    """
    tags = {}
    for line in _git('ls-remote', '--tags', url, SUBMIT_TAGS).splitlines():
        commit, _, ref = line.partition('\t')
        name = ref[len('refs/tags/'):]
        if name.endswith('^{}'):
            tags[name[:-3]] = commit                  # the commit an annotated tag names
        else:
            tags.setdefault(name, commit)
    if not tags:
        return None
    latest = max(tags)
    return latest, tags[latest]


def _commit_time(target):
    """The committer time of HEAD in UTC, as TIME_FORMAT."""
    seconds = int(_git('log', '-1', '--format=%ct', 'HEAD', cwd=target).strip())
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime(TIME_FORMAT)


def fetch(urls, into, prefix='', log=print):
    """Clone or update every repository into into/<student>; returns (fetched, failed):
    {student: Fetched} and {student: why}.

    What is checked out is the latest ``submit/*`` tag (Classroom 50's tag mode) when the
    repository has one, else the default branch's HEAD; an existing clone is reset to it,
    so what is graded is exactly what the student submitted. Symbolic links are checked
    out as plain files holding the link's text (core.symlinks=false): a committed link
    cannot make the grader read a file of the instructor's machine. A repository that
    fails (no such repository, no commit at all) is reported and the others are fetched;
    a folder this call created for it is removed, and ``classroom grade`` grades the
    fetched ones only. ClassroomError when nothing
    can be done at all (no folder, no git).
    """
    try:
        return _fetch_all(urls, into, prefix, log)
    except OSError as error:
        raise ClassroomError(str(error)) from error


def _fetch_one(url, target):
    if os.path.isdir(os.path.join(target, '.git')):
        _git('config', 'core.symlinks', 'false', cwd=target)
    elif os.path.lexists(target):
        raise ClassroomError('%s exists and is not a clone; move it away' % target)
    else:
        _git('init', '--quiet', target)
        _git('config', 'core.symlinks', 'false', cwd=target)
    submitted = latest_submit_tag(url)
    _git('fetch', '--quiet', '--force', '--no-tags', url,
         'refs/tags/%s' % submitted[0] if submitted else 'HEAD', cwd=target)
    _git('reset', '--quiet', '--hard', 'FETCH_HEAD', cwd=target)
    _git('clean', '--quiet', '-d', '--force', '-x', cwd=target)
    commit = _git('rev-parse', 'HEAD^{commit}', cwd=target).strip()
    return Fetched(commit, _commit_time(target), submitted[0] if submitted else None, url)


def _fetch_all(urls, into, prefix, log):
    os.makedirs(into, exist_ok=True)
    fetched, failed = {}, {}
    for url in urls:
        student = student_id(url, prefix)
        if student in fetched or student in failed:
            failed[student] = 'two repositories map to the folder %s' % student
            fetched.pop(student, None)
            continue
        target = os.path.join(into, student)
        fresh = not os.path.lexists(target)
        try:
            fetched[student] = _fetch_one(url, target)
            # The tag name is the student's (git allows bidi and C1 characters in it).
            log(terminal('%s: %s at %s (%s)' % (student, url, fetched[student].commit[:12],
                                                fetched[student].tag or 'HEAD')))
        except ClassroomError as error:
            failed[student] = str(error)
            log(terminal('%s: not fetched (%s)' % (student, error)))
            if fresh and os.path.isdir(target):
                shutil.rmtree(target)       # no empty clone is left behind
    return fetched, failed
