"""The class report as Markdown (report.md): for a terminal or a GitHub Actions summary.

The same numbers as report.html, as text tables; no images and no code (the
side-by-side views are in report.html). Student text is made inert for
Markdown renderers by the Markdown sanitiser of outputs/sanitise.py.
"""
from ..checks.diagnoses import label
from ..outputs.sanitise import markdown_cell as cell
from . import summary as summ

BAR = 30


def fmt(number):
    return '%g' % round(number, 4)


def _histogram(scores, max_score):
    top = max(max_score, max(scores, default=0.0), 1.0)
    bins = max(1, min(20, int(round(top))))
    width = top / bins
    counts = [0] * bins
    for score in scores:
        counts[min(bins - 1, int(score / width))] += 1
    peak = max(counts) or 1
    lines = ['```']
    for index, count in enumerate(counts):
        low, high = index * width, (index + 1) * width
        lines.append('%6s-%-6s %s %d' % (fmt(low), fmt(high), '#' * round(BAR * count / peak),
                                         count))
    lines.append('```')
    return lines


def render(report, pairs_limit=50):
    s = report.summary
    stats = s.stats()
    out = ['# Class report: %s' % cell(report.assignment), '',
           '> For the instructor only: it names every student and their mistakes; never '
           'publish it.', '']
    if not stats['count']:
        out += ['No results in %s.' % cell(report.source_label), '']
        return '\n'.join(out)
    isolation = ', '.join('%s (%d)' % (cell(m), n) for m, n in s.isolation.items())
    out += ['%d students, %d graded; mean **%.2f** / %s, median %s, lowest %s, highest %s, '
            '%d with full marks. Isolation: %s.' % (
                stats['count'], stats['graded'], stats['mean'], fmt(stats['max_score']),
                fmt(stats['median']), fmt(stats['min']), fmt(stats['max']), stats['full_marks'],
                isolation or 'not recorded'), '']
    if s.unreadable:
        out += ['Unreadable results files (left out): %s' % cell(', '.join(s.unreadable)), '']
    out += ['## Scores', ''] + _histogram(s.scores, s.max_score) + ['']
    out += ['## Checks', '', '| check | points | %s | mean |' % ' | '.join(summ.STATUSES),
            '|---|---:|%s---:|' % ('---:|' * len(summ.STATUSES))]
    for check in s.checks:
        out.append('| %s | %s | %s | %.2f |' % (
            cell(check.name), fmt(check.max_score),
            ' | '.join('%d (%.0f%%)' % (check.counts[x], 100 * check.rate(x))
                       for x in summ.STATUSES), check.mean))
    out += ['', '## Common mistakes', '']
    if s.mistakes:
        out += ['| mistake | id | students | checks | who |', '|---|---|---:|---|---|']
        for mistake in s.mistakes:
            who = ', '.join(cell(i) for i in mistake.students[:40])
            if mistake.count > 40:
                who += ' and %d more' % (mistake.count - 40)
            out.append('| %s | %s | %d | %s | %s |' % (
                cell(mistake.label), cell(mistake.id), mistake.count,
                cell(', '.join(mistake.checks)) or 'whole submission', who))
    elif s.records('diagnoses'):
        out.append('No diagnosed mistakes in these results.')
    else:
        out.append('Not recorded in these results (a grader version without diagnoses).')
    out += ['', '## Timed out, crashed or not graded', '']
    if s.problems:
        out += ['| student | score | what | reason |', '|---|---:|---|---|']
        for student in s.problems:
            out.append('| %s | %s | %s | %s |' % (
                cell(student.id), fmt(student.score), cell(', '.join(student.diagnoses)),
                cell(student.problem or '; '.join(label(d) for d in student.diagnoses))))
    elif s.records('problem'):
        out.append('Every submission was graded to the end.')
    else:
        out.append('Not recorded in these results (a grader version without the problem '
                   'field).')
    warned = [st for st in s.students if st.warnings]
    if warned:
        out += ['', 'Warnings:', '']
        out += ['- %s: %s' % (cell(st.id), cell('; '.join(st.warnings))) for st in warned]
    timed = s.timed()
    out += ['', '## Grading time', '']
    if timed:
        seconds = [t.seconds for t in timed]
        slowest = sorted(timed, key=lambda t: -t.seconds)[:5]
        out.append('%.2f s in all, %.2f s mean, %.2f s longest; slowest: %s.' % (
            sum(seconds), sum(seconds) / len(seconds), max(seconds),
            ', '.join('%s %.2f s' % (cell(t.id), t.seconds) for t in slowest)))
    else:
        out.append('Not recorded in these results.')
    out += ['', '## Similar code (a screening aid, not a verdict)', '']
    if report.similarity_note:
        out += [cell(report.similarity_note), '']
    screening = report.screening
    if screening is not None:
        out.append('%d students compared, %d candidate pairs of %d in %.2f s; threshold '
                   '%.2f.' % (screening.compared, screening.candidates, screening.all_pairs,
                              screening.seconds, screening.settings['threshold']))
        if screening.not_screened:
            out += ['', 'Not screened:', '']
            out += ['- %s: %s' % (cell(student), cell(why))
                    for student, why in sorted(screening.not_screened.items())]
            out.append('')
        if screening.pairs:
            out += ['', '| student A | student B | share of A | share of B | matching |',
                    '|---|---|---:|---:|---:|']
            for pair in screening.pairs[:pairs_limit]:
                out.append('| %s | %s | %.0f%% | %.0f%% | %d |' % (
                    cell(pair.a), cell(pair.b), 100 * pair.score_a, 100 * pair.score_b,
                    pair.matched))
            if len(screening.pairs) > pairs_limit:
                out.append('\n%d more pairs in report.html.' % (len(screening.pairs)
                                                               - pairs_limit))
            out += ['', 'Side-by-side views with the matching code marked: report.html.']
        else:
            out.append('No pair reaches the threshold.')
    if report.changes is not None:
        out += ['', '## Changes since %s' % cell(report.compare_label), '']
        out += change_lines(report.changes)
    out += ['', '## Students', '', '| student | score | %s |' % ' | '.join(
        cell(n) for n in s.check_names), '|---|---:|%s' % ('---:|' * len(s.check_names))]
    for student in s.students:
        points = {c.name: c.score for c in student.checks}
        out.append('| %s | %s | %s |' % (cell(student.id), fmt(student.score), ' | '.join(
            fmt(points[n]) if n in points else '' for n in s.check_names)))
    out.append('')
    return '\n'.join(out)


def change_lines(changes):
    """Markdown lines listing grade changes (also printed by `report --compare`)."""
    if not changes:
        return ['No student\'s grade changed.']
    lines = ['| student | before | now | checks that changed |', '|---|---:|---:|---|']
    for change in changes:
        checks = ', '.join('%s %s → %s' % (name, '–' if old is None else fmt(old),
                                           '–' if new is None else fmt(new))
                           for name, old, new in change.checks)
        lines.append('| %s | %s | %s | %s |' % (
            cell(change.id), 'not graded then' if change.old is None else fmt(change.old),
            'not graded now' if change.new is None else fmt(change.new), cell(checks)))
    return lines
