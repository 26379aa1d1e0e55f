"""Classroom 50 (foundation50/classroom50, the open-source successor of GitHub Classroom).

Two products, on the two sides of the trust boundary:

- The assignment's public autograder folder (``build``, the ``classroom50 build``
  verb): the teacher copies it to ``<classroom>/autograders/<slug>/`` of the
  organisation's ``classroom50`` configuration repository. Classroom 50 publishes it
  on a public Pages site as a tarball and, on every submission, runs
  ``python autograder.py`` with the student's checkout as working directory. So the
  folder holds nothing private: ``autograder.py``, what a student copy holds of this
  grader package (``lib/autograder/``: the visible checks only, public_copy.py)
  with this module, and the reference outputs of the visible checks that every
  student copy already holds
  (``autograder/release/expected_visible.json``, public seed). It runs the visible
  checks only and writes ``./result.json`` (``classroom50/result/v1``) and
  ``./release-body.md``. What it reports is what the student's self-check reports:
  feedback, not the grade (the student controls the repository it runs in).
- The trusted grade (``override_entry``, ``merge_overrides``; the ``classroom grade``
  verb): every check, hidden ones included, with the instructor's private seed,
  written as Classroom 50 ``scores.json`` entries marked ``"override": true`` so
  its score collector keeps them.

Classroom 50 scores are integers: every check's points are multiplied by ``SCALE``
(4; the smallest partial credit of a check is a quarter point), so the full grade
is 18 x 4 = 72 and the public bundle's visible checks are worth 11 x 4 = 44.
"""
import datetime
import json
import math
import os
import shutil
import urllib.parse

from ..checks import CATALOG
from ..errors import ClassroomError, KitError
from ..paths import PACKAGE_DIR, REPO_DIR, RUNTIME_REQUIREMENTS_FILE
from .. import stored_outputs
from ..results import PASSED, check_status
from ..outputs.sanitise import markdown_code_block
from . import github_actions

TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'          # UTC, as Classroom 50 writes times

RESULT_SCHEMA = 'classroom50/result/v1'
SCORES_SCHEMA = 'classroom50/scores/v1'
SUBMIT_TAG_PREFIX = 'submit/'
RESULT_FILE = 'result.json'
RELEASE_BODY_FILE = 'release-body.md'
ENTRYPOINT = 'autograder.py'
LIBRARY = 'lib'
SCALE = 4

ENTRYPOINT_TEXT = '''"""Classroom 50 autograder of the two-layer neural network assignment.

Written by `python -m autograder classroom50 build`; public (Classroom 50 serves it
from Pages). Classroom 50 runs it with the student's checkout as the working
directory; it grades the visible checks of the student's neural_net.py with the
grader copied beside it (lib/), never with anything of the checkout, and writes
./result.json and ./release-body.md. Points are the checks' points x 4.
"""
import os
import subprocess
import sys

# Started without -I, Python has already run whatever sitecustomize.py or .pth file
# PYTHONPATH reaches, the student's checkout included, with its exit hooks: start
# again isolated (exec drops those hooks; PYTHONPATH and user site are ignored).
if not sys.flags.isolated:
    os.execv(sys.executable, [sys.executable, '-I', os.path.abspath(__file__)] + sys.argv[1:])

HERE = os.path.dirname(os.path.abspath(__file__))
LIBRARY = os.path.join(HERE, 'lib')
CHECKOUT = os.path.realpath(os.getcwd())


def _outside_checkout(entry):
    real = os.path.realpath(entry or os.curdir)
    return real != CHECKOUT and not real.startswith(CHECKOUT + os.sep)


def _install_requirements():
    """Classroom 50's Python (setup-python) has no numpy: install the grader's run-time
    requirements with pip into a folder beside this file, once."""
    site = os.path.join(HERE, 'site-packages')
    if not os.path.isdir(site):
        requirements = os.path.join(LIBRARY, 'autograder', 'runtime-requirements.txt')
        done = subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet',
                               '--disable-pip-version-check', '--target', site, '-r',
                               requirements])
        if done.returncode != 0:
            sys.exit('autograder.py: could not install %s with pip (exit %d); install numpy '
                     'on the runner (docs/ci.md of the kit)' % (requirements,
                                                                    done.returncode))
    sys.path.insert(1, site)


# The student's checkout holds a copy of the grader they can edit: never import it.
sys.path[:] = [LIBRARY] + [entry for entry in sys.path if entry and _outside_checkout(entry)]
try:
    import numpy  # noqa: F401
except ImportError:
    _install_requirements()
import autograder  # noqa: E402
if os.path.dirname(os.path.dirname(os.path.abspath(autograder.__file__))) != LIBRARY:
    sys.exit('autograder.py: imported the grader from %s, not from %s' % (autograder.__file__,
                                                                          LIBRARY))
from autograder.platforms.classroom50 import run_in_bundle  # noqa: E402

sys.exit(run_in_bundle(os.getcwd()))
'''


def points(value):
    """Classroom 50's integer points for a check's points: x SCALE, never rounded up."""
    return int(math.floor(value * SCALE + 1e-9))


def full_marks(visible_only):
    return sum(points(check.max_score) for check in CATALOG
               if check.visible or not visible_only)


def tests_of(result):
    """Classroom 50 ``tests`` for a result dict (SubmissionResult.to_json())."""
    return [{'test-name': check['name'],
             'passed': check_status(check['score'], check['max_score']) == PASSED,
             'score': min(points(check['score']), points(check['max_score'])),
             'max-score': points(check['max_score'])} for check in result['checks']]


def result_payload(result, identity):
    """The result.json dict; identity: classroom, assignment, submission, commit, release,
    review, datetime (Classroom 50's runner stamps owner, assignment_type and datetime)."""
    tests = tests_of(result)
    payload = {'schema': RESULT_SCHEMA}
    payload.update(identity)
    payload.update({'score': sum(t['score'] for t in tests),
                    'max-score': sum(t['max-score'] for t in tests), 'tests': tests})
    return payload


def release_body(result, payload, title='Visible checks'):
    """release-body.md: the score, the per-check table (escaped), each feedback fenced."""
    esc = github_actions.markdown_text
    lines = ['### %s: %d / %d' % (esc(title), payload['score'], payload['max-score']), '',
             'Points are the checks\' points x %d. Hidden checks run when your instructor '
             'grades.' % SCALE, '']
    if result.get('problem'):
        lines += ['Not graded:', '', markdown_code_block(result['problem']), '']
    lines += ['| check | result | points |', '|---|---|---|']
    for test in payload['tests']:
        lines.append('| %s | %s | %d / %d |' % (esc(test['test-name']),
                                                'PASS' if test['passed'] else 'FAIL',
                                                test['score'], test['max-score']))
    lines.append('')
    for check in result['checks']:
        lines += ['**%s**' % esc(check['name']), '', markdown_code_block(check['feedback']), '']
    return '\n'.join(lines)


def _identity_from_environment(environ):
    """What Classroom 50's runner gives autograder.py (defaults for a run by hand)."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime(TIME_FORMAT)
    commit = environ.get('COMMIT_URL') or 'local'
    return {'classroom': environ.get('CLASSROOM') or 'local',
            'assignment': environ.get('ASSIGNMENT') or 'two-layer-net',
            'submission': environ.get('SUBMISSION_TAG') or SUBMIT_TAG_PREFIX + 'local',
            'commit': commit, 'release': environ.get('RELEASE_URL') or commit,
            'review': environ.get('REVIEW_URL') or commit, 'datetime': now}


def _grade_checkout(checkout):
    """The visible checks' result dict for the neural_net.py of the checkout."""
    from ..grading import Grader
    from ..submissions.folders import read_folder_submission
    library = os.path.dirname(PACKAGE_DIR)
    grader = Grader(dataset='none', visible_only=True,
                    expected_file=stored_outputs.EXPECTED_FILE,
                    reference_file=os.path.join(library, 'no-reference-here.py'))
    with grader:
        try:
            name, source = read_folder_submission(checkout, 'your repository')
        except KitError as error:
            return grader.zero_result('your repository', str(error)).to_json(timing=False)
        return grader.grade_source(source, name).to_json(timing=False)


def _write_new(path, text):
    """Write a file of the checkout afresh: whatever the student committed there (a link
    included) is removed first, never written through."""
    if os.path.lexists(path):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)
    with open(path, 'x', encoding='utf-8') as handle:
        handle.write(text)


def run_in_bundle(checkout, environ=None):
    """What the bundle's autograder.py does: grade, write result.json and release-body.md."""
    environ = os.environ if environ is None else environ
    result = _grade_checkout(checkout)
    payload = result_payload(result, _identity_from_environment(environ))
    _write_new(os.path.join(checkout, RESULT_FILE), json.dumps(payload, indent=2) + '\n')
    _write_new(os.path.join(checkout, RELEASE_BODY_FILE), release_body(result, payload))
    print('classroom50 autograder: %d / %d on the visible checks' % (payload['score'],
                                                                       payload['max-score']))
    return 0


def build(out_dir):
    """Write the assignment's public autograder folder; returns the paths written (relative).

    out_dir must be missing, empty or an earlier build (it holds autograder.py and lib/).
    """
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ClassroomError('%s exists and is not a folder.' % out_dir)
    if os.path.isdir(out_dir):
        content = set(os.listdir(out_dir))
        if content and not content <= {ENTRYPOINT, LIBRARY}:
            raise ClassroomError('%s holds other files (%s); give an empty folder or an '
                                 'earlier build.' % (out_dir, ', '.join(sorted(content))))
        shutil.rmtree(os.path.join(out_dir, LIBRARY), ignore_errors=True)
    from ..public_copy import CLASSROOM50_MODULES, copy_package_files
    files = {ENTRYPOINT: ENTRYPOINT_TEXT}
    package = os.path.relpath(PACKAGE_DIR, REPO_DIR)
    for rel, text in copy_package_files(CLASSROOM50_MODULES).items():   # public: visible only
        files[os.path.join(LIBRARY, package, *rel.split('/'))] = text
    with open(RUNTIME_REQUIREMENTS_FILE, encoding='utf-8') as handle:
        files[os.path.join(LIBRARY, os.path.relpath(RUNTIME_REQUIREMENTS_FILE, REPO_DIR))] = \
            handle.read()
    try:
        for rel, text in sorted(files.items()):
            path = os.path.join(out_dir, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w', encoding='utf-8') as handle:
                handle.write(text)
    except OSError as error:
        raise ClassroomError('cannot write %s (%s).' % (out_dir, error.strerror)) from error
    return sorted(files)


# The instructor's grade as Classroom 50 scores.json override entries.

def override_entry(owner, result, identity, late=None):
    """One scores.json entry (``"override": true``) for a student's trusted grade.

    identity: classroom, submission (a submit/* tag), commit, release, review, datetime
    (the graded commit's time). The stored record is a result.json payload without
    ``assignment`` (the bucket key), as Classroom 50's collector stores it.
    """
    record = result_payload(result, dict(identity, owner=owner,
                                         assignment_type='individual'))
    record['graded_at'] = datetime.datetime.now(datetime.timezone.utc).strftime(TIME_FORMAT)
    record.pop('assignment', None)
    if late is not None:
        record['late'] = bool(late)
    return {'owner': owner, 'submissions': [record], 'override': True}


def identity_of(fetched, classroom):
    """override_entry's identity for a classroom.Fetched repository: its submit tag (or
    ``submit/HEAD-<commit>`` when it had none) and the GitHub pages of the commit."""
    base = fetched.url[:-len('.git')] if fetched.url.endswith('.git') else fetched.url
    web = base.startswith('https://')
    commit = ('%s/commit/%s' % (base, fetched.commit) if web
              else '%s@%s' % (base, fetched.commit))
    release = ('%s/releases/tag/%s' % (base, urllib.parse.quote(fetched.tag, safe=''))
               if web and fetched.tag else commit)
    return {'classroom': classroom,
            'submission': fetched.tag or '%sHEAD-%s' % (SUBMIT_TAG_PREFIX, fetched.commit[:12]),
            'commit': commit, 'release': release, 'review': commit, 'datetime': fetched.time}


def merge_overrides(path, assignment, entries):
    """Put entries into the scores.json at path (created if missing), replacing the
    entries of the same owners in the assignment's bucket; the others are kept."""
    scores = {'schema': SCORES_SCHEMA, 'assignments': {}}
    if os.path.isfile(path):
        try:
            with open(path, encoding='utf-8') as handle:
                scores = json.load(handle)
        except (OSError, ValueError) as error:
            raise ClassroomError('%s cannot be read as JSON (%s).' % (path, error)) from error
        if not isinstance(scores, dict) or scores.get('schema') != SCORES_SCHEMA or \
                not isinstance(scores.get('assignments', {}), dict):
            raise ClassroomError('%s is not a Classroom 50 scores.json (schema %s); give the '
                                 'classroom\'s own file or a new path.' % (path, SCORES_SCHEMA))
    bucket = scores.setdefault('assignments', {}).setdefault(
        assignment, {'type': 'individual', 'entries': []})
    if not isinstance(bucket, dict) or not isinstance(bucket.get('entries', []), list):
        raise ClassroomError('%s: assignments[%r] is not {type, entries}.' % (path, assignment))
    owners = {entry['owner'].lower() for entry in entries}
    kept = [entry for entry in bucket.get('entries', []) if not (
        isinstance(entry, dict) and str(entry.get('owner', '')).lower() in owners)]
    bucket['entries'] = kept + list(entries)
    text = json.dumps(scores, indent=2, allow_nan=False) + '\n'
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        temporary = path + '.tmp'
        with open(temporary, 'w', encoding='utf-8') as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError as error:
        raise ClassroomError('cannot write %s (%s).' % (path, error.strerror)) from error
    return path
