"""The student repository's plain GitHub Actions workflow (no GitHub Classroom) and the
Markdown table it writes to the run's summary page."""
import html
import os
import re
import shutil
import subprocess

import pytest

from autograder.checks import CATALOG
from autograder.platforms import github_actions
from autograder.release import generate as release
from helpers import REFERENCE, STUB, import_or_skip, run_cli

# PyYAML comes with the notebook packages of requirements.txt.
yaml = import_or_skip('yaml')

VISIBLE = [check.name for check in CATALOG if check.visible]


def test_workflow_runs_the_self_check_with_read_only_permissions_and_no_classroom_action():
    text = github_actions.student_workflow()
    data = yaml.safe_load(text)
    assert data['permissions'] == {'contents': 'read'}
    [job] = data['jobs'].values()
    assert 'permissions' not in job and 'if' not in job
    uses = [step['uses'].split('@')[0] for step in job['steps'] if 'uses' in step]
    assert uses == ['actions/checkout', 'actions/setup-python']
    runs = [step['run'] for step in job['steps'] if 'run' in step]
    assert 'python -m autograder check --summary "$GITHUB_STEP_SUMMARY"' in runs
    assert any('autograder/runtime-requirements.txt' in run for run in runs)
    code = '\n'.join(line for line in text.lower().splitlines() if not line.startswith('#'))
    for forbidden in ('classroom', 'secrets.', 'token', 'checks: write'):
        assert forbidden not in code, forbidden


def test_export_platforms(tmp_path):
    github = release.student_repo_files('github')
    classroom50 = release.student_repo_files('classroom50')
    workflow = os.path.join('.github', 'workflows', 'self-check.yml')
    assert github[workflow] == github_actions.student_workflow()
    assert not [rel for rel in classroom50 if rel.startswith('.github')]
    assert set(github) - set(classroom50) == {workflow}
    # Each README says how its repositories are submitted and checked: no Actions tab where
    # no workflow runs, the submit tags where Classroom 50 grades.
    assert 'the Actions tab' in github['README.md'] and 'submit/' not in github['README.md']
    assert 'the Actions tab' not in classroom50['README.md']
    assert 'Classroom 50 (this repository)' in classroom50['README.md']
    assert 'submit/' in classroom50['README.md']
    assert not [text for text in (github['README.md'], classroom50['README.md'])
                if '{repository_route}' in text or '{push_checks}' in text]
    # Re-exporting an earlier export for the other platform leaves no stale workflow.
    old = tmp_path / 'repo' / '.github' / 'workflows'
    old.mkdir(parents=True)
    (old / 'classroom.yml').write_text('name: classroom-autograding\n')
    (tmp_path / 'repo' / '.tln-student-repo').write_text('earlier export\n')
    release.export_student_repo(str(tmp_path / 'repo'), 'classroom50')
    assert list(old.iterdir()) == []
    release.export_student_repo(str(tmp_path / 'repo'), 'github')
    assert [p.name for p in old.iterdir()] == ['self-check.yml']


def test_release_refuses_an_unknown_platform_and_a_platform_without_student_repo(tmp_path):
    done = run_cli('release', '--student-repo', str(tmp_path / 'r'), '--platform', 'classroom')
    assert done.returncode == 2 and 'invalid choice' in done.stderr
    done = run_cli('release', '--check', '--platform', 'classroom50')
    assert done.returncode == 2 and '--platform goes with --student-repo' in done.stderr


def test_exported_workflow_passes_actionlint(tmp_path):
    binary = shutil.which('actionlint')
    if binary is None:
        pytest.fail('actionlint is missing: pip install -r requirements.txt')
    folder = tmp_path / '.github' / 'workflows'
    folder.mkdir(parents=True)
    (folder / 'self-check.yml').write_text(release.student_repo_files('github')[
        os.path.join('.github', 'workflows', 'self-check.yml')])
    done = subprocess.run([binary, '-no-color', str(folder / 'self-check.yml')],
                          cwd=str(tmp_path), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def cells(row):
    """The cells of a Markdown table row, split at unescaped '|' only."""
    return [cell.strip() for cell in re.split(r'(?<!\\)\|', row)[1:-1]]


def test_summary_escapes_everything_the_student_controls():
    hostile = ('line one\nline two | <script>alert(1)</script> **bold** [x](http://e) '
               '&amp; `code` <img src=x onerror=y>')
    result = {'submission': 'x', 'score': 1, 'max_score': 3, 'problem': '<b>|</b>',
              'checks': [{'name': 'loss', 'score': 1, 'max_score': 2, 'feedback': hostile},
                         {'name': 'grads', 'score': 0, 'max_score': 1, 'feedback': 'ok'}]}
    text = github_actions.summary_markdown(result)
    # No raw HTML, code span, emphasis or link: each is backslash- or entity-escaped.
    assert not re.search(r'(?<!\\)[<>`*\[]|&(?!(lt|gt|amp);)', text), text
    rows = [line for line in text.splitlines() if line.startswith('| ')]
    assert [len(cells(row)) for row in rows] == [3, 3, 3]
    assert cells(rows[1])[:2] == ['loss', '1 / 2']
    assert 'line one line two' in cells(rows[1])[2]
    unescaped = re.sub(r'\\(.)', r'\1', html.unescape(cells(rows[1])[2]))
    assert unescaped == hostile.replace('\n', ' ')


def test_check_appends_a_table_of_the_visible_checks(tmp_path):
    summary = tmp_path / 'summary.md'
    summary.write_text('earlier step\n')
    good = run_cli('check', REFERENCE, '--summary', str(summary))
    assert good.returncode == 0, good.stderr
    bad = run_cli('check', STUB, '--summary', str(summary))
    assert bad.returncode == 1
    text = summary.read_text()
    assert text.startswith('earlier step\n')
    tables = text.split('### ')[1:]
    assert len(tables) == 2 and '11 / 11' in tables[0] and ': 0 / 11' in tables[1]
    rows = [line for line in tables[1].splitlines() if line.startswith('| ')][1:]
    assert [cells(row)[0] for row in rows] == VISIBLE
    assert all(cells(row)[1].startswith('0 / ') for row in rows)
    missing = run_cli('check', REFERENCE, '--summary', str(tmp_path / 'no' / 'such.md'))
    assert missing.returncode == 2 and 'cannot be written' in missing.stderr
