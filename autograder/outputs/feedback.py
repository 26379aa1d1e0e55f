"""Per-student feedback pages (Markdown and HTML) and the terminal table.

Each takes the result dict of results.py; a reason the submission could not
be graded, and warnings, are stated once above the checks. Every text of the
result (the submission's name, the reason, warnings, feedback quoting the
student's exceptions) goes through the sanitiser of the page's type.
"""
from ..results import check_status
from .sanitise import html_text, markdown_cell, markdown_text, terminal

# The HTML page loads nothing and runs nothing: inline styles only.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _status(check):
    """The status of a check of the result dict (results.check_status)."""
    return check_status(check['score'], check['max_score'])


def _notes(result):
    """Lines stated once for the whole submission: the problem, then warnings."""
    lines = []
    if result.get('problem'):
        lines.append('Not graded: ' + result['problem'])
    lines.extend('Warning: ' + warning for warning in result.get('warnings', ()))
    return lines


def markdown(result, assignment='two_layer_net'):
    """Feedback for one result (the JSON dict) as Markdown text."""
    lines = ['# Feedback: %s' % markdown_text(assignment), '',
             '**Submission:** %s  ' % markdown_cell(result['submission']),
             '**Score:** %g / %g' % (result['score'], result['max_score']), '']
    for note in _notes(result):
        lines += ['> ' + markdown_cell(note), '']
    lines += ['| check | points | status |', '|---|---|---|']
    for check in result['checks']:
        lines.append('| %s | %g / %g | %s |' % (markdown_cell(check['name']), check['score'],
                                               check['max_score'], _status(check)))
    lines.append('')
    for check in result['checks']:
        lines += ['## %s (%g / %g)' % (markdown_cell(check['name']), check['score'],
                                       check['max_score']), '',
                  markdown_text(check['feedback']), '']
    return '\n'.join(lines)


def html_page(result, assignment='two_layer_net'):
    """Feedback for one result as a self-contained HTML page."""
    esc = html_text
    rows = ''.join(
        '<tr class="%s"><td><code>%s</code></td><td>%g / %g</td><td>%s</td></tr>'
        % (_status(c), esc(c['name']), c['score'], c['max_score'], esc(c['feedback']))
        for c in result['checks'])
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="%s">'
            '<title>Feedback: %s</title>'
            '<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}'
            'table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.4em;'
            'vertical-align:top}.passed td:nth-child(2){color:#176117}'
            '.partial td:nth-child(2){color:#8a5a00}.failed td:nth-child(2){color:#a01010}'
            '</style></head><body><h1>Feedback: %s</h1><p><b>Submission:</b> <code>%s</code>'
            '<br><b>Score:</b> %g / %g</p>%s<table><tr><th>check</th><th>points</th>'
            '<th>feedback</th></tr>%s</table></body></html>\n'
            % (CSP, esc(assignment), esc(assignment), esc(result['submission']),
               result['score'], result['max_score'],
               ''.join('<p><b>%s</b></p>' % esc(note) for note in _notes(result)), rows))


def table(results):
    """Readable text table of many results, one row per check. Only a
    submission's own first line starts at the left margin: every other line
    (a note, a check, a second line of feedback) is indented."""
    lines = []
    for result in results:
        lines.append('%s: %g / %g' % (terminal(result['submission'], one_line=True),
                                      result['score'], result['max_score']))
        lines.extend('  ' + terminal(note, one_line=True) for note in _notes(result))
        for check in result['checks']:
            row = '  %-13s %5g / %-3g ' % (terminal(check['name'], one_line=True),
                                           check['score'], check['max_score'])
            text = terminal(check['feedback']).split('\n')
            lines.append(row + text[0])
            lines.extend(' ' * len(row) + more for more in text[1:])
        lines.append('')
    return '\n'.join(lines)
