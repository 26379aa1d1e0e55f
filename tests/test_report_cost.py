"""What makes the class report cheaper must not change it: the dark picture of
a chart repainted from the light one is the picture drawn dark, the
similarity child's deferred matplotlib still answers, and a screening of
fewer than two students answers without the child as the child does."""
import os
import subprocess
import sys

import pytest

from autograder.report import plots, similarity
from helpers import import_or_skip
import synthetic_class

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Check:
    def __init__(self, name, rates):
        self.name, self._rates = name, rates

    def rate(self, status):
        return self._rates.get(status, 0.0)


class Mistake:
    def __init__(self, label, count):
        self.label, self.count = label, count


CHARTS = {
    'scores': (plots.score_histogram, [14.0, 9.5, 3.0], 15.0),
    'no scores': (plots.score_histogram, [], 15.0),
    'checks': (plots.check_rates,
               [Check('forward pass scores', {'passed': 0.5, 'failed': 0.5}),
                Check('a check with a much longer name than the others', {'partial': 1.0})],
               ['passed', 'partial', 'failed']),
    'mistakes': (plots.mistake_counts, [Mistake('a label of %d words' % n, n)
                                        for n in range(14, 0, -1)]),
    'times': (plots.grading_times, [1.5, 2.25, 7.0, 3.0]),
    'similarity': (plots.similarity_scores, [i / 10 for i in range(10)], 0.6),
    'similarity, log scale': (plots.similarity_scores, [i / 60 for i in range(60)], 0.6),
}
# Colours a chart draws that are no theme's: transparent, and on a log scale the minor
# ticks, which tick_params (major ticks) leaves black in both themes.
UNPAINTED = {'#00000000'}
UNPAINTED_LOG = UNPAINTED | {'#000000ff'}


def colours(figure):
    """The colours of what a figure draws (hex with alpha; no empty text, no
    edge of width 0)."""
    from matplotlib.colors import to_hex
    found = set()
    for artist in figure.findobj(lambda a: a.get_visible()):
        if getattr(artist, 'get_text', lambda: 'x')() == '':
            continue
        getters = ['get_color', 'get_facecolor']
        if getattr(artist, 'get_linewidth', lambda: 1)() != 0:
            getters.append('get_edgecolor')
        for getter in getters:
            try:
                found.add(to_hex(getattr(artist, getter)(), keep_alpha=True))
            except (AttributeError, TypeError, ValueError):
                pass
    return found


def palette(theme):
    from matplotlib.colors import to_hex
    style = plots.THEMES[theme]
    return {to_hex(c, keep_alpha=True) for c in [style['face'], style['text'], style['grid'],
                                                 *style['colors'].values()]}


@pytest.mark.parametrize('name', sorted(CHARTS))
def test_the_dark_chart_repainted_from_the_light_one_is_the_one_drawn_dark(name):
    """both() repaints the light figure, laid out once: each picture is the one a
    figure drawn and laid out in its own colours gives; every colour drawn is the
    theme's, painted afresh by repaint."""
    draw, *args = CHARTS[name]
    uris = plots.both(draw, *args)
    for theme, other in (('light', 'dark'), ('dark', 'light')):
        figure, top, repaint = draw(*args, theme)
        assert plots._encode(figure, top) == uris[theme], theme
        unpainted = UNPAINTED_LOG if 'log' in name else UNPAINTED
        assert colours(figure) - palette(theme) <= unpainted, theme
        repaint(other)
        repaint(theme)
        assert colours(figure) - palette(theme) <= unpainted, theme
    assert uris['light'] != uris['dark']


def test_the_fingerprint_child_imports_pyplot_only_when_used():
    code = ('import sys\n'
            'from autograder.report import fingerprints\n'
            'fingerprints._defer_pyplot()\n'
            'import copydetect.detector as detector\n'
            'print("matplotlib.figure" in sys.modules)\n'
            'print(callable(detector.plt.subplots), "matplotlib.figure" in sys.modules)\n'
            'import matplotlib.pyplot\n'
            'print(type(matplotlib.pyplot).__name__, matplotlib.pyplot.subplots '
            'is detector.plt.subplots)\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [REPO] + [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]),
        MPLBACKEND='Agg')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          env=env, cwd=REPO, check=True)
    assert done.stdout.split('\n')[:3] == ['False', 'True True', 'module True']


def test_fewer_than_two_students_are_screened_without_the_child_as_by_it(monkeypatch):
    """The answer made without the fingerprinting child is the child's own."""
    import_or_skip('copydetect')
    stub = synthetic_class.stub_text()
    own = synthetic_class.fill([2] * 7)
    for sources in ({}, {'a': stub}, {'ann': own}, {'ann': own, 'b': stub}):
        students, _without, _not = similarity._own_students(sources, stub)
        request = similarity._request(students, stub, similarity.NOISE, similarity.GUARANTEE,
                                      similarity.COMMON_MIN, similarity.COMMON_SHARE,
                                      similarity.CANDIDATE_SHARE, True, False)
        assert similarity._no_pair(request) == similarity._in_child(request), sources

    def no_child(_request):
        raise AssertionError('a child was started for one student with own code')
    monkeypatch.setattr(similarity, '_in_child', no_child)
    screening = similarity.screen({'ann': own, 'b': stub}, stub)
    assert (screening.compared, screening.without_code, screening.pairs) == (1, ['b'], [])
