"""The report's charts: PNG images drawn with matplotlib, as data: URIs.

Every chart is drawn twice, for a light and a dark page; the HTML shows the
one that matches the browser's colour scheme (a <picture> element), so the
page needs no network and no script. The two pictures of a chart differ in
colour only, so the layout tight_layout finds for the light one (which draws
the texts to measure them) is given to the dark one as it is.

The figures are matplotlib Figure objects on an Agg canvas, without pyplot:
nothing registers or closes them, and pyplot (its import, its figure
manager) is not needed.
"""
import base64
import io

THEMES = {
    'light': {'face': '#ffffff', 'text': '#1b1b1b', 'grid': '#d0d0d0',
              'colors': {'passed': '#2e7d32', 'partial': '#e0a100', 'failed': '#c62828',
                         'not graded': '#8a8a8a', 'bar': '#3465a4', 'mark': '#c62828'}},
    'dark': {'face': '#16181c', 'text': '#e8e8e8', 'grid': '#3a3d44',
             'colors': {'passed': '#66bb6a', 'partial': '#ffca28', 'failed': '#ef5350',
                        'not graded': '#9e9e9e', 'bar': '#7aa7e0', 'mark': '#ff8a80'}},
}


def _figure(theme, width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    style = THEMES[theme]
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    figure.patch.set_facecolor(style['face'])
    axes.set_facecolor(style['face'])
    for spine in axes.spines.values():
        spine.set_color(style['grid'])
    axes.tick_params(colors=style['text'], labelcolor=style['text'])
    axes.xaxis.label.set_color(style['text'])
    axes.yaxis.label.set_color(style['text'])
    axes.title.set_color(style['text'])
    return figure, axes, style


def _histogram(axes, style, values, **options):
    """Bars of the page's bar colour, outlined in its background colour."""
    axes.hist(values, color=style['colors']['bar'], edgecolor=style['face'], **options)


def _count_axis(axes, style, axis, label):
    """The axis ('x' or 'y') that counts students or submissions: its label, whole-number
    ticks and a light grid behind the bars."""
    getattr(axes, 'set_%slabel' % axis)(label)
    getattr(axes, axis + 'axis').get_major_locator().set_params(integer=True)
    axes.grid(axis=axis, color=style['grid'], linewidth=0.5)
    axes.set_axisbelow(True)


_MARGINS = ('left', 'right', 'bottom', 'top', 'wspace', 'hspace')


def _encode(figure, top=1.0, layout=None):
    """The figure as a data: URI, laid out by tight_layout, or as layout says
    (the margins of the same chart laid out before: layout() gives them)."""
    if layout is None:
        figure.tight_layout(rect=(0, 0, 1, top))
    else:
        figure.subplots_adjust(**layout)
    buffer = io.BytesIO()
    figure.savefig(buffer, format='png', facecolor=figure.get_facecolor())
    return 'data:image/png;base64,' + base64.b64encode(buffer.getvalue()).decode('ascii')


def _layout(figure):
    """The margins of a laid-out figure, for subplots_adjust."""
    return {name: getattr(figure.subplotpars, name) for name in _MARGINS}


def score_histogram(scores, max_score, theme):
    figure, axes, style = _figure(theme, 7, 3.2)
    top = max(max_score, max(scores, default=0.0), 1.0)
    bins = max(1, min(30, int(round(top))))
    _histogram(axes, style, scores, bins=bins, range=(0, top))
    if scores:
        mean = sum(scores) / len(scores)
        axes.axvline(mean, color=style['colors']['mark'], linestyle='--', linewidth=1.5)
        axes.text(mean, axes.get_ylim()[1] * 0.92, ' mean %.2f' % mean, color=style['text'])
    axes.set_xlabel('score (out of %g)' % max_score)
    _count_axis(axes, style, 'y', 'students')
    return figure, 1.0


def check_rates(checks, statuses, theme):
    """Stacked horizontal bars: the share of students per status, one bar per check."""
    figure, axes, style = _figure(theme, 7, 0.45 * len(checks) + 1.5)
    names = [c.name for c in checks][::-1]
    left = [0.0] * len(names)
    for status in statuses:
        widths = [100 * c.rate(status) for c in checks][::-1]
        axes.barh(names, widths, left=left, color=style['colors'][status], label=status)
        left = [a + b for a, b in zip(left, widths)]
    axes.set_xlim(0, 100)
    axes.set_xlabel('% of students')
    legend = figure.legend(ncol=len(statuses), loc='upper center', frameon=False)
    for text in legend.get_texts():
        text.set_color(style['text'])
    return figure, 1 - 0.5 / (0.45 * len(checks) + 1.5)


def mistake_counts(mistakes, theme, top=12):
    shown = mistakes[:top][::-1]
    figure, axes, style = _figure(theme, 7, 0.4 * len(shown) + 1.0)
    axes.barh([m.label if len(m.label) <= 48 else m.label[:47] + '…' for m in shown],
              [m.count for m in shown], color=style['colors']['bar'])
    _count_axis(axes, style, 'x', 'students')
    return figure, 1.0


def grading_times(seconds, theme):
    figure, axes, style = _figure(theme, 7, 3.0)
    _histogram(axes, style, seconds, bins=min(30, max(5, len(seconds) // 3)))
    axes.set_xlabel('seconds per submission')
    _count_axis(axes, style, 'y', 'submissions')
    return figure, 1.0


def similarity_scores(scores, threshold, theme):
    figure, axes, style = _figure(theme, 7, 2.8)
    _histogram(axes, style, scores, bins=20, range=(0, 1))
    axes.axvline(threshold, color=style['colors']['mark'], linestyle='--', linewidth=1.5)
    axes.set_xlabel('similarity of compared pairs (threshold dashed)')
    axes.set_ylabel('pairs')
    if len(scores) > 50:
        axes.set_yscale('log')
    return figure, 1.0


def both(draw, *args):
    """{'light': uri, 'dark': uri} for one chart: draw(*args, theme) gives the
    figure and the top of the rectangle tight_layout fits it in."""
    uris, layout = {}, None
    for theme in ('light', 'dark'):
        figure, top = draw(*args, theme)
        uris[theme] = _encode(figure, top, layout)
        layout = _layout(figure)
    return uris
