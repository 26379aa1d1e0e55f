"""One sanitiser per output type: text from a submission made inert for its reader.

Everything a submission controls (its folder or zip name, the text of its
exceptions, what its notebook cells printed) reaches the grader's outputs.
Each output type has its reader and its own dangers, and one function here:

- ``terminal``: the grader's tables and messages on a terminal or a CI log;
- ``csv_cell``: a cell of grades.csv, opened in a spreadsheet;
- ``markdown_text`` and ``markdown_cell``: feedback .md, ``grade --markdown``
  and report.md, read through a Markdown renderer (``markdown_cell`` for a
  table cell: one line);
- ``step_summary``: a whole Markdown document for ``$GITHUB_STEP_SUMMARY``;
- ``html_text``: the feedback and report pages;
- ``gradescope_output``: the ``output`` fields of Gradescope's results.json,
  shown as plain text (``GRADESCOPE_FORMATS``);
- ``notebook_output``: text the grader writes into a notebook cell's output
  (the nbgrader test cells), which Jupyter renders with ANSI colours and
  carriage returns applied.

All of them first remove what no reader should get from a student
(``_visible``): terminal escape sequences (CSI, OSC such as a clipboard
write, DCS and the other strings, in their 7-bit and 8-bit forms), the
remaining control characters (carriage return and backspace included: they
overwrite what was printed before), and Unicode format characters, which
are the bidirectional overrides and isolates and the zero-width characters
(text shown in an order other than its own). Lone surrogates (file names
that were not UTF-8) become U+FFFD, so printing them cannot fail.
"""
import html
import re
import unicodedata

# An escape sequence: CSI ... final byte; OSC/DCS/SOS/PM/APC ... up to BEL or
# ST (or the end of the text: a terminal would swallow the rest anyway); any
# other ESC with its intermediate and final bytes. 8-bit C1 introducers too.
_ESCAPE_SEQUENCE = re.compile(
    r'(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?'
    r'|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|\Z)'
    r'|\x1b[\x20-\x2f]*[\x30-\x7e]?', re.S)
_LINE_SEPARATORS = {'\r\n': '\n', '\u2028': '\n', '\u2029': '\n', '\x85': '\n'}
_LINE_BREAK = re.compile('|'.join(map(re.escape, _LINE_SEPARATORS)))
_ASCII_CONTROL = re.compile('[\x00-\x08\x0b-\x1f\x7f]')

# GitHub keeps at most 1 MiB of one step's summary.
STEP_SUMMARY_LIMIT = 1024 * 1024
# What Gradescope renders results.json's texts as: Markdown for the outputs
# (made inert by gradescope_output), plain text for the test names.
GRADESCOPE_FORMATS = {'output_format': 'md', 'test_output_format': 'md',
                      'test_name_format': 'text'}


def _kept(char):
    if char in '\n\t':
        return char
    category = unicodedata.category(char)
    if category == 'Cs':
        return '\ufffd'
    return '' if category in ('Cc', 'Cf') else char


def _visible(value, one_line=False):
    """str(value) without escape sequences, control or format characters.

    Line breaks of any kind become '\\n' (one_line: a space); tabs are kept.
    """
    text = _LINE_BREAK.sub('\n', _ESCAPE_SEQUENCE.sub('', str(value)))
    if text.isascii():          # the usual case, without a look at every character
        text = _ASCII_CONTROL.sub('', text)
    else:
        text = ''.join(map(_kept, text))
    return ' '.join(text.split()) if one_line else text


# A GitHub Actions workflow command: a log line starting with '::' once its
# leading blanks are trimmed (::add-mask::, ::error::, ::stop-commands::...),
# or the older form '##[command]data' anywhere in a line (the runner still
# parses both: actions/runner, ActionCommand.TryParseV2 and TryParse).
_WORKFLOW_COMMAND = re.compile(r'^(\s*):(?=:)', re.M)
_LEGACY_WORKFLOW_COMMAND = re.compile(r'#(?=#\[)')


def terminal(value, one_line=False):
    """Text for a terminal or a CI log: nothing that moves the cursor, changes
    colours, writes the clipboard or reorders characters, and no line that
    GitHub Actions would run as a workflow command ('::' at a line start becomes
    ': :', '##[' anywhere '# #['); one_line: line breaks become spaces, for a
    name inside a line."""
    text = _visible(value, one_line).replace('\t', ' ')
    return _LEGACY_WORKFLOW_COMMAND.sub('# ', _WORKFLOW_COMMAND.sub(r'\1: ', text))


# OWASP's rule for CSV injection: a cell starting with one of these is
# formula or command text for a spreadsheet; a leading quote makes it text.
_FORMULA_START = ('=', '+', '-', '@', '\t', '\r')


def csv_cell(value):
    """A cell of a CSV file: numbers as they are; text without control
    characters (tabs and line breaks as spaces) and, if it starts like a
    formula (after that cleaning), behind a single quote."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = _visible(value, one_line=True)
    return "'" + text if text.startswith(_FORMULA_START) else text


# Characters that start Markdown syntax anywhere in a line (code spans,
# emphasis, links and images, GitHub's table cells and strikethrough); each is
# backslash-escaped. '<' and '&' (HTML, autolinks, entities) are HTML-escaped.
_MARKDOWN_INLINE = re.compile(r'([\\`*\[\]|~])')
# What is syntax only at the start of a line: a heading, a list item, a
# thematic break or heading underline, a numbered item ('>', a block quote,
# is HTML-escaped; indentation, a code block, is stripped); ':' too, so the
# text printed to a CI log is no workflow command.
_MARKDOWN_LINE_START = re.compile(r'^([-+=#_:])|^(\d+)([.)])')


def _markdown_line(line):
    line = _MARKDOWN_INLINE.sub(r'\\\1', line.strip())
    line = html.escape(line, quote=False)    # <tag>, &entity; and > (block quotes)
    return _MARKDOWN_LINE_START.sub(lambda m: '\\' + m.group(1) if m.group(1)
                                    else m.group(2) + '\\' + m.group(3), line)


def markdown_text(value):
    """Text for a Markdown paragraph: no HTML, no link, emphasis, heading,
    list, quote, code or table syntax; each line shown as a line."""
    return '  \n'.join(_markdown_line(line) for line in _visible(value).split('\n'))


def markdown_cell(value):
    """Text for one cell of a Markdown table: markdown_text on one line."""
    return _markdown_line(_visible(value, one_line=True))


def markdown_code_block(value, info='text'):
    """value as a fenced code block (shown verbatim, nothing rendered): control
    characters removed, the fence longer than any run of backticks in it."""
    text = _visible(value)
    longest = max((len(run) for run in re.findall('`+', text)), default=0)
    fence = '`' * max(3, longest + 1)
    return '%s%s\n%s\n%s' % (fence, info, text, fence)


def step_summary(document):
    """A Markdown document the grader built (its student text through
    markdown_text/markdown_cell) for $GITHUB_STEP_SUMMARY: cut, with a note,
    where GitHub would refuse the whole summary."""
    data = document.encode('utf-8')
    if len(data) <= STEP_SUMMARY_LIMIT:
        return document
    note = '\n\n*The summary is cut here (GitHub keeps 1 MiB); the full text is in the log.*\n'
    kept = data[:STEP_SUMMARY_LIMIT - len(note.encode('utf-8'))].decode('utf-8', 'ignore')
    return kept[:kept.rfind('\n') + 1] + note


def html_text(value):
    """Text for HTML, in an element or a quoted attribute."""
    return html.escape(_visible(value), quote=True)


def gradescope_output(value):
    """An ``output`` of Gradescope's results.json, which GRADESCOPE_FORMATS
    declares Markdown: markdown_text, each line kept as a line."""
    return markdown_text(value)


def notebook_output(value):
    """Text written into a notebook cell's output (Jupyter applies ANSI colours
    and carriage returns in stream outputs)."""
    return _visible(value)
