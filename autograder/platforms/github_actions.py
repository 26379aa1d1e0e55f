"""GitHub Actions without GitHub Classroom: the student repository's workflow and its summary.

The workflow (``student_workflow()``, written to ``.github/workflows/self-check.yml`` by
``release --student-repo DIR --platform github``) is code the student can edit, so it
is feedback, never a grade: on every push it runs the visible self-checks
(``python -m autograder check``) against the reference outputs stored in the
repository and appends a per-check table to the run's summary page
(``$GITHUB_STEP_SUMMARY``). It reads the repository only (``permissions: contents:
read``), holds no token and uses no Classroom action (GitHub Classroom was retired on
2026-08-28). The trusted grade is the instructor's ``classroom grade``.

The summary is Markdown that GitHub renders: every text that comes from a check
(its feedback quotes the student's code and error messages) goes through
``markdown_text``, so it can neither add HTML nor break the table.
"""
import os

from ..outputs.sanitise import markdown_cell
from ..paths import REPO_DIR, RUNTIME_REQUIREMENTS_FILE

WORKFLOW_PATH = '.github/workflows/self-check.yml'
SUMMARY_OPTION = '--summary'
PYTHON = '3.12'
MAX_CELL_CHARS = 600


def markdown_text(text, limit=MAX_CELL_CHARS):
    """text for one cell of the summary's table (sanitise.markdown_cell), cut to limit."""
    text = str(text)
    return markdown_cell(text if len(text) <= limit else text[:limit - 3] + '...')


def summary_markdown(result, title='Self-check (visible checks)'):
    """A per-check table of one result (the SubmissionResult.to_json() dict), as Markdown."""
    lines = ['### %s: %g / %g' % (markdown_text(title), result['score'], result['max_score']),
             '']
    if result.get('problem'):
        lines += ['Not graded: ' + markdown_text(result['problem']), '']
    lines += ['| check | points | feedback |', '|---|---|---|']
    for check in result['checks']:
        lines.append('| %s | %g / %g | %s |' % (markdown_text(check['name']), check['score'],
                                               check['max_score'],
                                               markdown_text(check['feedback'])))
    return '\n'.join(lines) + '\n\n'


def student_workflow(python=PYTHON):
    """The student repository's workflow: the visible self-check, a summary table, nothing else."""
    requirements = os.path.relpath(RUNTIME_REQUIREMENTS_FILE, REPO_DIR).replace(os.sep, '/')
    lines = [
        '# Self-check of this repository on every push (written by the instructor\'s',
        '# `python -m autograder release --student-repo DIR --platform github`).',
        '#',
        '# It runs the visible checks (`python -m autograder check`) against the reference',
        '# outputs stored in autograder/release/expected_visible.json and writes a table of',
        '# them on the run\'s summary page. It reads this repository only: no token, no',
        '# secret, no hidden checks. It is feedback for you; your instructor grades the',
        '# hidden checks separately.',
        'name: self-check',
        '',
        'on:',
        '  push:',
        '  pull_request:',
        '  workflow_dispatch:',
        '',
        'permissions:',
        '  contents: read',
        '',
        'jobs:',
        '  self-check:',
        '    runs-on: ubuntu-latest',
        '    timeout-minutes: 20',
        '    steps:',
        '      - uses: actions/checkout@v5',
        '        with:',
        '          persist-credentials: false',
        '      - uses: actions/setup-python@v6',
        '        with:',
        '          python-version: "%s"' % python,
        '      - name: Install the self-check',
        '        run: python -m pip install -r %s && python -m pip install --no-deps -e .'
        % requirements,
        '      - name: Visible checks',
        '        run: python -m autograder check %s "$GITHUB_STEP_SUMMARY"' % SUMMARY_OPTION,
    ]
    return '\n'.join(lines) + '\n'
