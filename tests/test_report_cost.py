"""What makes the class report cheaper must not change it: the dark picture of
a chart laid out with the light one's margins is the picture tight_layout
gives it, and the similarity child's deferred matplotlib still answers."""
import os
import subprocess
import sys

from autograder.report import plots

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
