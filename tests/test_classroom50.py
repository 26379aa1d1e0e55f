"""The Classroom 50 autograder folder: public contents only, runs from the bundle alone
with the student's checkout as working directory, and writes a result.json that
Classroom 50's runner accepts (tests/classroom50_contract.py)."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from autograder.checks import CATALOG
from autograder.paths import REPO_DIR
from autograder.platforms import classroom50
from autograder.release import generate as release
from classroom50_contract import stamp, validate_result
from helpers import REFERENCE, clean_env, reference_text, run_cli

VISIBLE_MAX = sum(check.max_score for check in CATALOG if check.visible) * classroom50.SCALE
ENV = {'CLASSROOM': 'cs101', 'ASSIGNMENT': 'two-layer-net',
       'SUBMISSION_TAG': 'submit/20260901T120000Z-abc1234',
       'COMMIT_URL': 'https://github.com/org/cs101-two-layer-net-ada/commit/abc1234',
       'RELEASE_URL': 'https://github.com/org/cs101-two-layer-net-ada/releases/tag/x',
       'REVIEW_URL': 'https://github.com/org/cs101-two-layer-net-ada/compare/a...b'}


def test_points_scale():
    assert classroom50.full_marks(visible_only=False) == 72
    assert classroom50.full_marks(visible_only=True) == VISIBLE_MAX == 44
    assert classroom50.points(1.5) == 6 and classroom50.points(0.3) == 1


def built_bundle(base):
    """`classroom50 build` into base, copied elsewhere (as Classroom 50 extracts it)."""
    done = run_cli('classroom50', 'build', '--out', str(base / 'built'))
    assert done.returncode == 0, done.stderr
    shutil.copytree(str(base / 'built'), str(base / 'runtime' / 'two-layer-net'))
    return base / 'runtime' / 'two-layer-net'


@pytest.fixture(scope='module')
def bundle(tmp_path_factory):
    return built_bundle(tmp_path_factory.mktemp('c50'))


def test_bundle_holds_nothing_private(bundle):
    files = sorted(os.path.relpath(os.path.join(root, name), str(bundle))
                   for root, _, names in os.walk(str(bundle)) for name in names)
    assert 'autograder.py' in files
    assert 'lib/autograder/release/expected_visible.json' in files
    assert not [f for f in files if 'course' in f.split('/') or 'solutions' in f.split('/')]
    assert not [f for f in files if f not in ('autograder.py',) and not f.endswith('.py')
                and not f.endswith(('expected_visible.json', 'runtime-requirements.txt'))]
    reference = reference_text()
    for name in files:
        with open(os.path.join(str(bundle), name), encoding='utf-8') as handle:
            assert handle.read() != reference, name
    assert run_cli('classroom50', 'build', '--out', REFERENCE).returncode == 2


def checkout(tmp_path, code):
    """A student's Classroom 50 repository: the classroom50 export, their neural_net.py,
    and a grader copy of their own that would give full marks if it were imported."""
    repo = tmp_path / 'repo'
    release.export_student_repo(str(repo), 'classroom50')
    (repo / 'assignment' / 'neural_net.py').write_text(code)
    (repo / 'autograder' / '__init__.py').write_text('raise SystemExit("student copy imported")\n')
    return repo


def run_bundle(bundle, repo, isolated=True):
    """python -I autograder.py with the checkout as cwd and nothing of this kit on the path;
    isolated=False: as Classroom 50 runs it, with the student's checkout on PYTHONPATH too
    (as if their repository were installed)."""
    command = [sys.executable] + (['-I'] if isolated else []) + [str(bundle / 'autograder.py')]
    env = clean_env(**ENV) if isolated else clean_env(PYTHONPATH=str(repo), **ENV)
    return subprocess.run(command, cwd=str(repo), capture_output=True, text=True, timeout=300,
                          env=env)


@pytest.mark.parametrize('name,isolated', [('reference', True), ('stub', True),
                                           ('reference', False)])
def test_result_passes_classroom50_validation(bundle, tmp_path, name, isolated):
    code = reference_text() if name == 'reference' else open(
        os.path.join(REPO_DIR, 'assignment', 'neural_net.py')).read()
    repo = checkout(tmp_path, code)
    (repo / 'result.json').symlink_to(str(tmp_path / 'elsewhere.json'))   # never written through
    done = run_bundle(bundle, repo, isolated)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (tmp_path / 'elsewhere.json').exists()
    result = json.loads((repo / 'result.json').read_text())
    stamped = stamp(result, 'ada', '2026-09-01T12:00:00Z')
    assert validate_result(stamped, 'cs101', 'two-layer-net', owner='ada') is None
    assert result['submission'] == ENV['SUBMISSION_TAG'] and result['commit'] == ENV['COMMIT_URL']
    assert result['max-score'] == VISIBLE_MAX
    assert [t['test-name'] for t in result['tests']] == [c.name for c in CATALOG if c.visible]
    assert result['score'] == (VISIBLE_MAX if name == 'reference' else 0)
    assert all(t['passed'] == (name == 'reference') for t in result['tests'])
    body = (repo / 'release-body.md').read_text()
    assert '%d / %d' % (result['score'], VISIBLE_MAX) in body
    if name == 'stub':
        assert '```text\n' in body and 'NotImplementedError' in body


def test_validator_port_rejects_what_classroom50_rejects():
    good = {'schema': 'classroom50/result/v1', 'classroom': 'c', 'assignment': 'a',
            'owner': 'o', 'assignment_type': 'individual', 'submission': 'submit/1',
            'commit': 'x', 'release': 'x', 'review': 'x', 'datetime': 'x', 'score': 1,
            'max-score': 2, 'tests': [{'test-name': 't', 'passed': False, 'score': 1,
                                       'max-score': 2}]}
    assert validate_result(good, 'c', 'a', 'o') is None
    for change in ({'score': 1.5}, {'score': True}, {'score': 3}, {'submission': 'v1'},
                   {'schema': 'x'}, {'tests': [{'test-name': 't', 'passed': 1, 'score': 0,
                                                'max-score': 1}]},
                   {'tests': [{'test-name': 't', 'passed': True, 'score': 0.5,
                               'max-score': 1}]}, {'review': ''}):
        assert validate_result(dict(good, **change), 'c', 'a', 'o') is not None, change


def test_release_body_fences_feedback_and_escapes_the_table():
    result = {'submission': 's', 'score': 0, 'max_score': 1, 'problem': '',
              'checks': [{'name': 'loss', 'score': 0, 'max_score': 1,
                          'feedback': 'x ```\n</details><script>| y'}]}
    payload = classroom50.result_payload(result, {'classroom': 'c'})
    body = classroom50.release_body(result, payload)
    assert '````text\nx ```\n</details><script>| y\n````' in body
    assert '| loss | FAIL | 0 / 4 |' in body
    assert body.count('<') == 2            # inside the fence only


def test_override_entries_merge_into_scores_json(tmp_path):
    result = {'submission': 'ada', 'score': 18, 'max_score': 18,
              'checks': [{'name': c.name, 'score': c.max_score, 'max_score': c.max_score,
                          'feedback': 'ok'} for c in CATALOG]}
    identity = {'classroom': 'cs101', 'submission': 'submit/20260901T120000Z-abc1234',
                'commit': 'c', 'release': 'r', 'review': 'v', 'datetime': '2026-09-01T12:00:00Z'}
    path = tmp_path / 'scores.json'
    path.write_text(json.dumps({'schema': 'classroom50/scores/v1', 'assignments': {
        'two-layer-net': {'type': 'individual', 'entries': [
            {'owner': 'Ada', 'submissions': [{'score': 3}]},
            {'owner': 'bob', 'submissions': [{'score': 5}]}]},
        'other': {'type': 'individual', 'entries': []}}}))
    entry = classroom50.override_entry('ada', result, identity, late=False)
    classroom50.merge_overrides(str(path), 'two-layer-net', [entry])
    scores = json.loads(path.read_text())
    entries = scores['assignments']['two-layer-net']['entries']
    assert [e['owner'] for e in entries] == ['bob', 'ada'] and 'other' in scores['assignments']
    [record] = entries[1]['submissions']
    assert entries[1]['override'] is True and record['late'] is False
    assert record['score'] == record['max-score'] == 72
    assert validate_result(dict(record, assignment='two-layer-net'), 'cs101', 'two-layer-net',
                           owner='ada') is None
    path.write_text('{"schema": "something else"}')
    with pytest.raises(classroom50.ClassroomError, match='not a Classroom 50 scores.json'):
        classroom50.merge_overrides(str(path), 'two-layer-net', [entry])


# Run before autograder.py when the checkout is on PYTHONPATH: on exit, mark every
# check passed in the result.json the entry wrote.
FORGING_SITECUSTOMIZE = """
import atexit, json, os
def _forge():
    path = os.path.join(os.getcwd(), 'result.json')
    if os.path.exists(path):
        with open(path) as handle:
            data = json.load(handle)
        for test in data['tests']:
            test['score'], test['passed'] = test['max-score'], True
        data['score'] = data['max-score']
        with open(path, 'w') as handle:
            json.dump(data, handle)
atexit.register(_forge)
"""


def test_a_sitecustomize_of_the_checkout_cannot_rewrite_the_result(bundle, tmp_path):
    """Started without -I and the checkout on PYTHONPATH, Python runs the student's
    sitecustomize.py before autograder.py: the entry starts again isolated, so its exit
    hook never runs. (A process it forks would survive: docs/ci.md says to run -I.)"""
    repo = checkout(tmp_path, open(os.path.join(REPO_DIR, 'assignment', 'neural_net.py')).read())
    (repo / 'sitecustomize.py').write_text(FORGING_SITECUSTOMIZE)
    done = run_bundle(bundle, repo, isolated=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads((repo / 'result.json').read_text())['score'] == 0
