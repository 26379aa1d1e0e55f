"""What makes the class report cheaper must not change it: the dark picture of
a chart laid out with the light one's margins is the picture tight_layout
gives it, and the similarity child's deferred matplotlib still answers."""
import os
import subprocess
import sys

from autograder.report import plots, similarity
from helpers import import_or_skip
import synthetic_class

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Check:
    def __init__(self, name, rates):
        self.name, self._rates = name, rates

    def rate(self, status):
        return self._rates.get(status, 0.0)


def test_the_dark_chart_with_the_light_layout_is_the_tight_layout_one():
    checks = [Check('forward pass scores', {'passed': 0.5, 'failed': 0.5}),
              Check('a check with a much longer name than the others', {'partial': 1.0})]
    statuses = ['passed', 'partial', 'failed']
    uris = plots.both(plots.check_rates, checks, statuses)
    figure, top = plots.check_rates(checks, statuses, 'dark')
    assert plots._encode(figure, top) == uris['dark']
    figure, top = plots.check_rates(checks, statuses, 'light')
    assert plots._encode(figure, top) == uris['light']
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
