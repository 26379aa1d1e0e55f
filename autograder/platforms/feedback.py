"""Per-student feedback pages (Markdown and HTML) and the terminal table.

Each takes the result dict of results.py; a reason the submission could not
be graded, and warnings, are stated once above the checks.
"""
import html

from ..results import check_status

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
    lines = ['# Feedback: %s' % assignment, '',
             '**Submission:** `%s`  ' % result['submission'],
             '**Score:** %g / %g' % (result['score'], result['max_score']), '']
    for note in _notes(result):
        lines += ['> ' + note, '']
    lines += ['| check | points | status |', '|---|---|---|']
    for check in result['checks']:
        lines.append('| `%s` | %g / %g | %s |' % (check['name'], check['score'],
                                                 check['max_score'], _status(check)))
    lines.append('')
    for check in result['checks']:
        lines += ['## %s (%g / %g)' % (check['name'], check['score'], check['max_score']), '',
                  check['feedback'], '']
    return '\n'.join(lines)


def html_page(result, assignment='two_layer_net'):
    """Feedback for one result as a self-contained HTML page."""
    esc = html.escape
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
    """Readable text table of many results, one row per check."""
    lines = []
    for result in results:
        lines.append('%s: %g / %g' % (result['submission'], result['score'], result['max_score']))
        lines.extend('  ' + note for note in _notes(result))
        for check in result['checks']:
            lines.append('  %-13s %5g / %-3g %s' % (check['name'], check['score'],
                                                    check['max_score'], check['feedback']))
        lines.append('')
    return '\n'.join(lines)
