"""Per-student feedback pages (Markdown and HTML) and the terminal table."""
import html

# The HTML page loads nothing and runs nothing: inline styles only.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _status(check):
    if check['score'] >= check['max_score']:
        return 'passed'
    return 'partial' if check['score'] > 0 else 'failed'


def markdown(result, assignment='two_layer_net'):
    """Feedback for one result (the JSON dict) as Markdown text."""
    lines = ['# Feedback: %s' % assignment, '',
             '**Submission:** `%s`  ' % result['submission'],
             '**Score:** %g / %g' % (result['score'], result['max_score']), '',
             '| check | points | status |', '|---|---|---|']
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
            '<br><b>Score:</b> %g / %g</p><table><tr><th>check</th><th>points</th>'
            '<th>feedback</th></tr>%s</table></body></html>\n'
            % (CSP, esc(assignment), esc(assignment), esc(result['submission']),
               result['score'], result['max_score'], rows))


def table(results):
    """Readable text table of many results, one row per check."""
    lines = []
    for result in results:
        lines.append('%s: %g / %g' % (result['submission'], result['score'], result['max_score']))
        for check in result['checks']:
            lines.append('  %-13s %5g / %-3g %s' % (check['name'], check['score'],
                                                    check['max_score'], check['feedback']))
        lines.append('')
    return '\n'.join(lines)
