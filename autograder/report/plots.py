"""The report's charts: PNG images drawn with matplotlib, as data: URIs.

Every chart is drawn in two colour schemes, for a light and a dark page; the
HTML shows the one that matches the browser's colour scheme (a <picture>
element), so the page needs no network and no script. The two pictures of a
chart differ in colour only, so the dark one is the light figure repainted
(each chart function returns repaint(theme)): the figure, its artists and
ticks are made, its texts measured and its layout found (tight_layout draws
the texts to measure them) once per chart.

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


def _figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure, figure.subplots()


def _paint_frame(figure, axes, style):
    """The colours of the figure, its axes, ticks, labels and title."""
    figure.patch.set_facecolor(style['face'])
    axes.set_facecolor(style['face'])
    for spine in axes.spines.values():
        spine.set_color(style['grid'])
    axes.tick_params(colors=style['text'], labelcolor=style['text'])
    axes.xaxis.label.set_color(style['text'])
    axes.yaxis.label.set_color(style['text'])
    axes.title.set_color(style['text'])


def _chart(figure, axes, top, paint, theme):
    """(figure, top, repaint): the chart painted in theme; repaint(theme) paints
    it in another (the frame, then the chart's own artists: paint(style))."""
    def repaint(theme):
        style = THEMES[theme]
        _paint_frame(figure, axes, style)
        paint(style)
    repaint(theme)
    return figure, top, repaint


def _histogram(axes, values, **options):
    """Bars of the page's bar colour, outlined in its background colour; returns
    paint(style) for them."""
    patches = axes.hist(values, **options)[2]

    def paint(style):
        for patch in patches:
            patch.set_facecolor(style['colors']['bar'])
            patch.set_edgecolor(style['face'])
    return paint


def _count_axis(axes, axis, label):
    """The axis ('x' or 'y') that counts students or submissions: its label, whole-number
    ticks and a light grid behind the bars; returns paint(style) for the grid."""
    getattr(axes, 'set_%slabel' % axis)(label)
    getattr(axes, axis + 'axis').get_major_locator().set_params(integer=True)
    axes.set_axisbelow(True)
    return lambda style: axes.grid(axis=axis, color=style['grid'], linewidth=0.5)


def _mark(axes, value):
    """A dashed vertical line at value; returns paint(style) for it."""
    line = axes.axvline(value, linestyle='--', linewidth=1.5)
    return lambda style: line.set_color(style['colors']['mark'])


def _painters(*paints):
    def paint(style):
        for each in paints:
            each(style)
    return paint


def _encode(figure, top=1.0, laid_out=False):
    """The figure as a data: URI, laid out by tight_layout first unless laid_out."""
    if not laid_out:
        figure.tight_layout(rect=(0, 0, 1, top))
    buffer = io.BytesIO()
    figure.savefig(buffer, format='png', facecolor=figure.get_facecolor())
    return 'data:image/png;base64,' + base64.b64encode(buffer.getvalue()).decode('ascii')


def score_histogram(scores, max_score, theme):
    figure, axes = _figure(7, 3.2)
    top = max(max_score, max(scores, default=0.0), 1.0)
    bins = max(1, min(30, int(round(top))))
    paints = [_histogram(axes, scores, bins=bins, range=(0, top))]
    if scores:
        mean = sum(scores) / len(scores)
        paints.append(_mark(axes, mean))
        text = axes.text(mean, axes.get_ylim()[1] * 0.92, ' mean %.2f' % mean)
        paints.append(lambda style: text.set_color(style['text']))
    axes.set_xlabel('score (out of %g)' % max_score)
    paints.append(_count_axis(axes, 'y', 'students'))
    return _chart(figure, axes, 1.0, _painters(*paints), theme)


def check_rates(checks, statuses, theme):
    """Stacked horizontal bars: the share of students per status, one bar per check."""
    figure, axes = _figure(7, 0.45 * len(checks) + 1.5)
    names = [c.name for c in checks][::-1]
    left = [0.0] * len(names)
    bars = []
    for status in statuses:
        widths = [100 * c.rate(status) for c in checks][::-1]
        bars.append(axes.barh(names, widths, left=left, label=status))
        left = [a + b for a, b in zip(left, widths)]
    axes.set_xlim(0, 100)
    axes.set_xlabel('% of students')
    for status, container in zip(statuses, bars):
        for patch in container:
            patch.set_facecolor(THEMES[theme]['colors'][status])
    legend = figure.legend(ncol=len(statuses), loc='upper center', frameon=False)

    def paint(style):
        for status, container, handle in zip(statuses, bars, legend.legend_handles):
            for patch in [*container, handle]:
                patch.set_facecolor(style['colors'][status])
        for text in legend.get_texts():
            text.set_color(style['text'])
    return _chart(figure, axes, 1 - 0.5 / (0.45 * len(checks) + 1.5), paint, theme)


def mistake_counts(mistakes, theme, top=12):
    shown = mistakes[:top][::-1]
    figure, axes = _figure(7, 0.4 * len(shown) + 1.0)
    bars = axes.barh([m.label if len(m.label) <= 48 else m.label[:47] + '…' for m in shown],
                     [m.count for m in shown])

    def paint(style):
        for patch in bars:
            patch.set_facecolor(style['colors']['bar'])
    return _chart(figure, axes, 1.0, _painters(paint, _count_axis(axes, 'x', 'students')),
                  theme)


def grading_times(seconds, theme):
    figure, axes = _figure(7, 3.0)
    paint = _histogram(axes, seconds, bins=min(30, max(5, len(seconds) // 3)))
    axes.set_xlabel('seconds per submission')
    return _chart(figure, axes, 1.0,
                  _painters(paint, _count_axis(axes, 'y', 'submissions')), theme)


def similarity_scores(scores, threshold, theme):
    figure, axes = _figure(7, 2.8)
    paints = [_histogram(axes, scores, bins=20, range=(0, 1)), _mark(axes, threshold)]
    axes.set_xlabel('similarity of compared pairs (threshold dashed)')
    axes.set_ylabel('pairs')
    if len(scores) > 50:
        axes.set_yscale('log')
    return _chart(figure, axes, 1.0, _painters(*paints), theme)


def both(draw, *args):
    """{'light': uri, 'dark': uri} for one chart: draw(*args, theme) gives the
    figure, the top of the rectangle tight_layout fits it in, and repaint(theme).
    The dark picture is the light figure repainted: laid out, its ticks made and
    its texts measured once."""
    figure, top, repaint = draw(*args, 'light')
    uris = {'light': _encode(figure, top)}
    repaint('dark')
    uris['dark'] = _encode(figure, laid_out=True)
    return uris
