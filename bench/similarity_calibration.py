"""Similarity calibration: independent pairs against disguised copies, method by method.

    python bench/similarity_calibration.py [--seeds 6] [--top 8] [--noise 25 --guarantee 30]
                                           [--cap N]

The material is the class of the report's end-to-end test
(tests/synthetic_class.py: class_sources()): 25 independently written
synthetic students, the tests/corpus files, 4 planted disguised copies and
the broken submissions. Every pair of it is compared (no candidate
selection, so nothing is hidden by the common-code filter) and sorted:

- independent: two synthetic students, two corpus files of different
  families (tests/corpus_families.py), a synthetic student and a corpus
  file (a planted copy counts as the student it copies);
- same family: two corpus files made from one base text (reported, neither
  required nor forbidden);
- planted copies: the 4 copies of the test class with their originals.

To see more copies than four, every synthetic student and every corpus file
also gets --seeds more disguised copies (renamed locals, swapped independent
lines, changed comments: synthetic_class.disguised_copy), each scored against
its original in the class joined by that one copy.

Each pair is scored by four methods: copydetect's larger or smaller share
(the share of the student with less, or more, own code that matches), each
without and with the class's common fingerprints (held by more than
max(10, 10% of the class) students) removed before comparing. The same
fingerprints are used as in the report (autograder/report/fingerprints.py):
this program re-runs itself with PYTHONHASHSEED=0, so every figure is the
same every run. Prints Markdown tables (docs/report.md quotes a run).
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

if sys.flags.hash_randomization:    # copydetect's fingerprints use hash(): fix its seed
    os.execve(sys.executable, [sys.executable] + sys.argv,
              dict(os.environ, PYTHONHASHSEED='0'))

sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, 'tests'))

import numpy as np  # noqa: E402

import synthetic_class  # noqa: E402
from autograder.report import fingerprints as fps  # noqa: E402
from autograder.report import similarity  # noqa: E402

METHODS = [('larger share, common code counted', 'max', False),
           ('smaller share, common code counted', 'min', False),
           ('larger share, common code removed', 'max', True),
           ('smaller share, common code removed', 'min', True)]
BINS = [0.0, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9, 1.01]


def family(name):
    """A corpus student's family; anyone else is a family of one."""
    return synthetic_class.corpus_family(name) or name


def kind(a, b, planted):
    """'copy', 'same family', or the kind of independent pair."""
    a, b = planted.get(a, a), planted.get(b, b)
    if a == b:
        return 'copy'
    if family(a) == family(b):
        return 'same family'
    corpus = [name.startswith(synthetic_class.CORPUS_PREFIX) for name in (a, b)]
    return {2: 'corpus, cross-family', 1: 'synthetic x corpus', 0: 'synthetic'}[sum(corpus)]


class Class:
    """Own code, fingerprints (plain and without common code) of a set of students."""

    def __init__(self, texts, template_text, noise, guarantee, cap=None):
        self.noise, self.guarantee, self.fixed_cap = noise, guarantee, cap
        self.boilerplate = fps.template_hashes(template_text, self.noise)
        self.texts = texts
        self.plain = {name: self.print(name, self.boilerplate) for name in texts}
        self.counts = fps.holders([p.hashes for p in self.plain.values()])

    def print(self, name, boilerplate, text=None):
        return fps.fingerprint(name, self.texts[name] if text is None else text, boilerplate,
                               self.noise, self.guarantee)

    def without(self, common):
        return np.unique(np.concatenate([self.boilerplate,
                                         np.array(sorted(common), dtype=np.int64)]))

    def common(self, size, extra=()):
        """Fingerprints held by more than the cap of a class of size students."""
        cap = self.fixed_cap or fps.common_cap(size, similarity.COMMON_MIN,
                                               similarity.COMMON_SHARE)
        counts = dict(self.counts)
        for value in extra:
            counts[value] = counts.get(value, 0) + 1
        return cap, {value for value, count in counts.items() if count > cap}

    @staticmethod
    def scores(plain, discounted):
        """{common code removed: (share a, share b, matching characters)} of a pair."""
        return {False: fps.compare(*plain)[:3], True: fps.compare(*discounted)[:3]}


def score_of(shares, how):
    return (max if how == 'max' else min)(shares[0], shares[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, default=6,
                        help='more disguised copies of every file (default 6)')
    parser.add_argument('--top', type=int, default=8, help='highest independent pairs shown')
    parser.add_argument('--noise', type=int, default=similarity.NOISE,
                        help='k-gram length (default: the report\'s, %(default)s)')
    parser.add_argument('--guarantee', type=int, default=similarity.GUARANTEE,
                        help='winnowing guarantee: window = guarantee - noise + 1 '
                        '(default: the report\'s, %(default)s)')
    parser.add_argument('--cap', type=int, default=None,
                        help='common fingerprints: held by more than this many students '
                        '(default: the report\'s max(10, 10%% of the class))')
    args = parser.parse_args()
    template = synthetic_class.stub_text()
    files, planted_info = synthetic_class.class_sources()
    planted = planted_info['copies']
    lines = similarity.template_lines(template)
    own = {}
    for name, text in sorted(files.items()):
        code = similarity.own_code(text, lines)
        if code:
            own[name] = '\n'.join(line for _n, line in code) + '\n'
    klass = Class(own, template, args.noise, args.guarantee, args.cap)
    cap, common = klass.common(len(own))
    reduced = klass.without(common)
    discounted = {name: klass.print(name, reduced) for name in own}
    rows = []        # (kind, a, b, {discounted: (share a, share b, matched)})
    names = sorted(own)
    for x, a in enumerate(names):
        for b in names[x + 1:]:
            rows.append((kind(a, b, planted), a, b, klass.scores(
                (klass.plain[a], klass.plain[b]), (discounted[a], discounted[b]))))
    # More disguised copies, each scored in the class joined by it alone.
    originals = planted_info['independent']
    for name in originals:
        for seed in range(10, 10 + args.seeds):
            try:
                text = synthetic_class.disguised_copy(files[name], seed=seed)
            except SyntaxError:
                continue        # a Python 2 file cannot be parsed to be disguised
            code = similarity.own_code(text, lines)
            if not code or name not in own:
                continue
            copy_text = '\n'.join(line for _n, line in code) + '\n'
            plain = klass.print(name, klass.boilerplate, copy_text)
            reduced_here = klass.without(klass.common(len(own) + 1, plain.hashes)[1])
            rows.append(('more copies', name, 'copy %d' % seed, klass.scores(
                (klass.plain[name], plain),
                (klass.print(name, reduced_here), klass.print(name, reduced_here, copy_text)))))

    independent = ('synthetic', 'corpus, cross-family', 'synthetic x corpus')
    groups = independent + ('same family', 'copy', 'more copies')
    print('Class of the report test: %d students with own code, %d pairs; common fingerprints: '
          'held by more than %d students (%d of them); %d more copies (seeds 10-%d). '
          'k = %d, window %d.\n' % (len(own), len(names) * (len(names) - 1) // 2, cap,
                                    len(common), sum(r[0] == 'more copies' for r in rows),
                                    9 + args.seeds, klass.noise,
                                    klass.guarantee - klass.noise + 1))
    summary = []
    for label, how, disc in METHODS:
        score = {id(r): score_of(r[3][disc], how) for r in rows}
        print('### %s\n' % label)
        print('| pairs | n | median | 90th pct | highest | lowest |\n|---|---|---|---|---|---|')
        for group in groups:
            values = np.array(sorted(score[id(r)] for r in rows if r[0] == group))
            print('| %s | %d | %.3f | %.3f | %.3f | %.3f |' % (
                group, len(values), np.median(values), np.percentile(values, 90), values[-1],
                values[0]))
        ind = sorted((r for r in rows if r[0] in independent), key=lambda r: -score[id(r)])
        copies = sorted((r for r in rows if r[0] in ('copy', 'more copies')),
                        key=lambda r: score[id(r)])
        print('\nHistogram (pairs per score bin):\n')
        print('| score | %s |\n|---|%s' % (' | '.join(groups), '---|' * len(groups)))
        for low, high in zip(BINS, BINS[1:]):
            print('| %.2f-%.2f | %s |' % (low, min(high, 1.0), ' | '.join(
                str(sum(low <= score[id(r)] < high for r in rows if r[0] == g))
                for g in groups)))
        print('\nHighest independent pairs:\n')
        for r in ind[:args.top]:
            shares = r[3][disc]
            print('- %.3f %s & %s (%s; shares %.2f / %.2f, %d characters)' % (
                score[id(r)], r[1], r[2], r[0], shares[0], shares[1], shares[2]))
        print('\nLowest copies:\n')
        for r in copies[:4]:
            shares = r[3][disc]
            print('- %.3f %s & %s (%d characters)' % (score[id(r)], r[1], r[2], shares[2]))
        top, bottom = score[id(ind[0])], score[id(copies[0])]
        planted_low = min(score[id(r)] for r in rows if r[0] == 'copy')
        summary.append((label, top, planted_low, bottom))
        print()
    print('### Summary\n')
    print('| method | independent, highest | planted copies, lowest | all copies, lowest '
          '| gap |\n|---|---|---|---|---|')
    for label, top, planted_low, bottom in summary:
        print('| %s | %.3f | %.3f | %.3f | %s |' % (
            label, top, planted_low, bottom,
            '%.3f' % (bottom - top) if bottom > top else 'none (overlap)'))


if __name__ == '__main__':
    main()
