"""The class report as one self-contained HTML page (report.html).

Safe by construction: every piece of student text (ids, reasons, warnings,
code) goes through the HTML sanitiser of outputs/sanitise.py; the page has no script and no external
resource, and its Content-Security-Policy lets it load nothing but its own
inline styles and data: images.
"""
import time

from ..checks.diagnoses import label
from ..outputs.feedback import CSP
from ..outputs.sanitise import html_text as esc
from . import plots, summary as summ

HEAD_META = ('<meta charset="utf-8">\n'
             '<meta http-equiv="Content-Security-Policy" content="%s">\n'
             '<meta name="referrer" content="no-referrer">\n'
             '<meta name="color-scheme" content="light dark">\n' % CSP)

STYLE = """
:root{--bg:#ffffff;--fg:#1b1b1b;--muted:#5f6368;--line:#d0d4d9;--head:#f2f4f7;
--pass:#1b6e20;--part:#8a5a00;--fail:#b3261e;--mark:#ffe08a;--markfg:#1b1b1b;--warn:#fff4e5}
@media (prefers-color-scheme: dark){:root{--bg:#16181c;--fg:#e8e8e8;--muted:#a7adb5;
--line:#3a3d44;--head:#23262c;--pass:#81c784;--part:#ffca28;--fail:#ef7a76;--mark:#7a5d00;
--markfg:#fff7da;--warn:#3a2a10}}
body{background:var(--bg);color:var(--fg);font-family:system-ui,sans-serif;max-width:75em;
margin:1.5em auto;padding:0 1em;line-height:1.45}
a{color:inherit}h2{border-bottom:1px solid var(--line);padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0;display:block;overflow-x:auto;max-width:100%}td,th{border:1px solid var(--line);
padding:.25em .5em;vertical-align:top;text-align:left}th{background:var(--head)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.passed{color:var(--pass)}.partial{color:var(--part)}.failed,.bad{color:var(--fail)}
.muted{color:var(--muted)}.banner{background:var(--warn);border:1px solid var(--line);
padding:.5em .8em}img{max-width:100%;height:auto}nav a{margin-right:1em}
.pair{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1em}
pre.code{overflow-x:auto;border:1px solid var(--line);padding:.4em;font-size:.85em;margin:0}
.ln{color:var(--muted);display:inline-block;min-width:3.5em;user-select:none}
mark{background:var(--mark);color:var(--markfg)}details{margin:.4em 0}
summary{cursor:pointer}code{font-size:.95em}
"""


def fmt(number):
    return '%g' % round(number, 4)


def picture(uris, alt):
    return ('<picture><source srcset="%s" media="(prefers-color-scheme: dark)">'
            '<img src="%s" alt="%s"></picture>' % (uris['dark'], uris['light'], esc(alt)))


def feedback_link(student):
    return '<a href="feedback/%s.html">%s</a>' % (esc(student.safe_name), esc(student.id))


def page(title, body):
    return ('<!DOCTYPE html>\n<html lang="en"><head>\n%s<title>%s</title><style>%s</style>'
            '</head><body>\n%s\n</body></html>\n' % (HEAD_META, esc(title), STYLE, body))


def _overview(report):
    s = report.summary
    stats = s.stats()
    rows = [('students', stats['count'])]
    if stats['count']:
        rows += [('graded', stats['graded']),
                 ('not graded (see below)', stats['count'] - stats['graded']),
                 ('mean score', '%.2f / %s' % (stats['mean'], fmt(stats['max_score']))),
                 ('median', fmt(stats['median'])),
                 ('lowest / highest', '%s / %s' % (fmt(stats['min']), fmt(stats['max']))),
                 ('full marks', stats['full_marks'])]
    isolation = ', '.join('%s (%d)' % (esc(mode), count) for mode, count in s.isolation.items())
    rows.append(('isolation', isolation or '<span class="muted">not recorded in the '
                 'results</span>'))
    timed = s.timed()
    if timed:
        seconds = [t.seconds for t in timed]
        rows.append(('grading time', '%.2f s in all; %.2f s mean, %.2f s longest per '
                     'submission' % (sum(seconds), sum(seconds) / len(seconds), max(seconds))))
    body = ['<h2 id="overview">Overview</h2><table>']
    body += ['<tr><th>%s</th><td>%s</td></tr>' % (esc(k), v if isinstance(v, str) and
                                                  k == 'isolation' else esc(v))
             for k, v in rows]
    body.append('</table>')
    if s.unreadable:
        body.append('<p class="bad">Results files that could not be read (left out): %s</p>'
                    % esc(', '.join(s.unreadable)))
    if stats['count']:
        body.append(picture(plots.both(plots.score_histogram, s.scores, s.max_score),
                            'Histogram of the scores'))
    return '\n'.join(body)


def _checks(report):
    s = report.summary
    if not s.checks:
        return ''
    body = ['<h2 id="checks">Checks</h2>',
            '<p>Share of students who passed, got part of the points, failed, or whose '
            'submission could not be graded at all.</p>',
            picture(plots.both(plots.check_rates, s.checks, summ.STATUSES),
                    'Pass, partial, fail and not graded rates per check'),
            '<table><tr><th>check</th><th class="num">points</th>%s<th class="num">mean'
            '</th></tr>' % ''.join('<th class="num">%s</th>' % esc(x) for x in summ.STATUSES)]
    for check in s.checks:
        cells = ''.join('<td class="num">%d (%.0f%%)</td>' % (check.counts[x],
                                                              100 * check.rate(x))
                        for x in summ.STATUSES)
        body.append('<tr><td><code>%s</code></td><td class="num">%s</td>%s<td class="num">'
                    '%.2f</td></tr>' % (esc(check.name), fmt(check.max_score), cells,
                                        check.mean))
    body.append('</table>')
    return '\n'.join(body)


def _student_list(students, limit=None):
    shown = students if limit is None else students[:limit]
    text = ', '.join(feedback_link(s) for s in shown)
    if limit is not None and len(students) > limit:
        text += ' and %d more' % (len(students) - limit)
    return text


def _mistakes(report):
    s = report.summary
    by_id = {student.id: student for student in s.students}
    body = ['<h2 id="mistakes">Common mistakes</h2>']
    if not s.mistakes:
        body.append('<p class="muted">%s</p>' % (
            'No diagnosed mistakes in these results.' if s.records('diagnoses') else
            'These results do not record diagnoses (a grader version without them).'))
        return '\n'.join(body)
    body.append('<p>Grouped by the diagnosis each verdict carries; a student counts once '
                'per mistake.</p>')
    body.append(picture(plots.both(plots.mistake_counts, s.mistakes),
                        'Number of students per diagnosed mistake'))
    body.append('<table><tr><th>mistake</th><th>id</th><th class="num">students</th>'
                '<th>checks</th><th>who</th></tr>')
    for mistake in s.mistakes:
        body.append('<tr><td>%s</td><td><code>%s</code></td><td class="num">%d</td><td>%s</td>'
                    '<td>%s</td></tr>' % (
                        esc(mistake.label), esc(mistake.id), mistake.count,
                        esc(', '.join(mistake.checks)) or '<span class="muted">whole '
                        'submission</span>',
                        _student_list([by_id[i] for i in mistake.students], 40)))
    body.append('</table>')
    return '\n'.join(body)


def _problems(report):
    s = report.summary
    body = ['<h2 id="problems">Timed out, crashed or not graded</h2>']
    warned = [st for st in s.students if st.warnings]
    if not s.problems and not warned:
        body.append('<p>Every submission was graded to the end.</p>' if s.records('problem')
                    else '<p class="muted">These results do not record whether a submission '
                    'could be graded (a grader version without the problem field); the '
                    'students with zero points are worth a look.</p>')
        return '\n'.join(body)
    if s.problems:
        body.append('<table><tr><th>student</th><th class="num">score</th><th>what</th>'
                    '<th>reason</th></tr>')
        for student in s.problems:
            body.append('<tr><td>%s</td><td class="num">%s</td><td>%s</td><td>%s</td></tr>' % (
                feedback_link(student), fmt(student.score),
                esc(', '.join(student.diagnoses)) or ('not graded' if student.problem else ''),
                esc(student.problem or '; '.join(label(d) for d in student.diagnoses))))
        body.append('</table>')
    if warned:
        body.append('<h3>Warnings</h3><ul>')
        body += ['<li>%s: %s</li>' % (feedback_link(st), esc('; '.join(st.warnings)))
                 for st in warned]
        body.append('</ul>')
    return '\n'.join(body)


def _timing(report):
    timed = report.summary.timed()
    body = ['<h2 id="timing">Grading time</h2>']
    if not timed:
        body.append('<p class="muted">These results do not record grading times.</p>')
        return '\n'.join(body)
    body.append(picture(plots.both(plots.grading_times, [t.seconds for t in timed]),
                        'Histogram of grading seconds per submission'))
    slowest = sorted(timed, key=lambda t: -t.seconds)[:10]
    body.append('<p>Slowest: %s</p>' % ', '.join('%s %.2f s' % (feedback_link(t), t.seconds)
                                                 for t in slowest))
    return '\n'.join(body)


def _code_column(student, slices):
    from .similarity import marked_lines
    lines = []
    for number, pieces in marked_lines(student, slices):
        text = ''.join('<mark>%s</mark>' % esc(t) if marked else esc(t) for t, marked in pieces)
        lines.append('<span class="ln">%d</span>%s' % (number, text))
    return ('<div><b>%s</b><pre class="code">%s</pre></div>'
            % (esc(student.id), '\n'.join(lines)))


def _similarity(report, side_by_side_limit=100):
    body = ['<h2 id="similarity">Similar code</h2>',
            '<p class="banner"><b>A screening aid, not a verdict.</b> A high score means two '
            'students\' own code (the template\'s lines and code common to the class left out) '
            'shares long runs of the same tokens once names, strings and comments are ignored. '
            'Short assignments leave little room for variety: read the code side by side and '
            'talk to the students before concluding anything.</p>']
    if report.similarity_note:
        body.append('<p class="muted">%s</p>' % esc(report.similarity_note))
    screening = report.screening
    if screening is None:
        return '\n'.join(body)
    st = screening.settings
    body.append('<p>%d students with own code compared (%d without own code, %d without a '
                'kept source); %d candidate pairs of %d compared with copydetect in %.2f s. '
                'Threshold %.2f on the smaller of the two shares, at least %d matching '
                'characters of normalised code; matches shorter than %d characters are noise. '
                '%d fingerprints held by more than %d students are common to the class: they '
                'make no pair a candidate and are neither counted nor marked.</p>'
                % (screening.compared, len(screening.without_code), len(report.no_source),
                   screening.candidates, screening.all_pairs, screening.seconds,
                   st['threshold'], st['min_tokens'], st['noise'], screening.common,
                   st['common_cap']))
    if screening.not_screened:
        body.append('<p class="bad">Not screened:</p><ul>%s</ul>' % ''.join(
            '<li>%s: %s</li>' % (esc(student), esc(why))
            for student, why in sorted(screening.not_screened.items())))
    if screening.scores:
        body.append(picture(plots.both(plots.similarity_scores, screening.scores,
                                       st['threshold']),
                            'Histogram of the similarity of compared pairs'))
    if not screening.pairs:
        body.append('<p>No pair reaches the threshold.</p>')
        return '\n'.join(body)
    body.append('<table><tr><th>student A</th><th>student B</th><th class="num">share of A'
                '</th><th class="num">share of B</th><th class="num">matching characters'
                '</th></tr>')
    for number, pair in enumerate(screening.pairs):
        body.append('<tr><td>%s</td><td>%s</td><td class="num">%.0f%%</td><td class="num">'
                    '%.0f%%</td><td class="num"><a href="#pair-%d">%d</a></td></tr>' % (
                        esc(pair.a), esc(pair.b), 100 * pair.score_a, 100 * pair.score_b,
                        number, pair.matched))
    body.append('</table>')
    for number, pair in enumerate(screening.pairs[:side_by_side_limit]):
        a, b = screening.students[pair.a], screening.students[pair.b]
        body.append('<details id="pair-%d"%s><summary>%s and %s: %.0f%% / %.0f%%</summary>'
                    '<div class="pair">%s%s</div></details>' % (
                        number, ' open' if number < 3 else '', esc(pair.a), esc(pair.b),
                        100 * pair.score_a, 100 * pair.score_b,
                        _code_column(a, pair.slices_a), _code_column(b, pair.slices_b)))
    if len(screening.pairs) > side_by_side_limit:
        body.append('<p class="muted">Side-by-side views of the first %d pairs only.</p>'
                    % side_by_side_limit)
    return '\n'.join(body)


def _changes(report):
    if report.changes is None:
        return ''
    body = ['<h2 id="changes">Changes since %s</h2>' % esc(report.compare_label)]
    if not report.changes:
        body.append('<p>No student\'s grade changed.</p>')
        return '\n'.join(body)
    body.append('<table><tr><th>student</th><th class="num">before</th><th class="num">now'
                '</th><th>checks that changed</th></tr>')
    for change in report.changes:
        checks = ', '.join('%s %s → %s' % (name, '–' if old is None else fmt(old),
                                           '–' if new is None else fmt(new))
                           for name, old, new in change.checks)
        body.append('<tr><td>%s</td><td class="num">%s</td><td class="num">%s</td><td>%s'
                    '</td></tr>' % (esc(change.id),
                                    'not graded then' if change.old is None else fmt(change.old),
                                    'not graded now' if change.new is None else fmt(change.new),
                                    esc(checks)))
    body.append('</table>')
    return '\n'.join(body)


def _students(report):
    s = report.summary
    body = ['<h2 id="students">Students</h2>',
            '<table><tr><th>student</th><th class="num">score</th>%s<th>diagnoses</th>'
            '<th class="num">seconds</th></tr>'
            % ''.join('<th class="num">%s</th>' % esc(n) for n in s.check_names)]
    for student in s.students:
        points = {c.name: c for c in student.checks}
        cells = ''.join(
            '<td class="num %s">%s</td>' % (points[n].status(student.graded), fmt(points[n].score))
            if n in points else '<td></td>' for n in s.check_names)
        body.append('<tr data-student="%s" data-score="%s"><td>%s</td><td class="num">%s</td>%s'
                    '<td>%s</td><td class="num">%s</td></tr>' % (
                        esc(student.id), fmt(student.score), feedback_link(student),
                        fmt(student.score), cells, esc(', '.join(student.all_diagnoses())),
                        '' if student.seconds is None else '%.2f' % student.seconds))
    body.append('</table>')
    return '\n'.join(body)


def render(report):
    """The report page's HTML text."""
    parts = ['<p class="banner"><b>For the instructor only.</b> This page holds every '
             'student\'s results and code: never publish it or copy it where students see '
             'it (their feedback is in feedback/).</p>',
             '<h1>Class report: %s</h1>' % esc(report.assignment),
             '<p class="muted">Built %s from %s.</p>' % (
                 esc(time.strftime('%Y-%m-%d %H:%M', time.localtime(report.built))),
                 esc(report.source_label)),
             '<nav><a href="#overview">overview</a><a href="#checks">checks</a>'
             '<a href="#mistakes">mistakes</a><a href="#problems">not graded</a>'
             '<a href="#timing">time</a><a href="#similarity">similar code</a>%s'
             '<a href="#students">students</a></nav>'
             % ('<a href="#changes">changes</a>' if report.changes is not None else ''),
             _overview(report), _checks(report), _mistakes(report), _problems(report),
             _timing(report), _similarity(report), _changes(report), _students(report)]
    return page('Class report: %s' % report.assignment, '\n'.join(p for p in parts if p))
