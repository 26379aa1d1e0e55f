"""Similarity screening speed: candidate pairs from an inverted index against all pairs.

    python bench/similarity_speed.py --students 1000 [--copies 20] [--all-pairs]

Builds N synthetic students (tests/synthetic_class.py): each region filled
with one of its five implementations at random, then made personal with a few
lines of the student's own (checks, prints, constants with their own
numbers) the way real submissions differ; plants disguised copies (renamed
locals, swapped independent lines, changed comments). Then measures, in one
run:
- screen(): fingerprints, candidate pairs, copydetect on the candidates;
- the whole report (report.build) of an --out folder holding those students;
- with --all-pairs, copydetect on every pair (the slow path), and the pairs
  it puts above the threshold that were not candidates.
Prints wall and CPU seconds, this process's and its child processes' (the
fingerprinting runs in a child with a fixed hash seed; the machine is
shared: CPU seconds are the steadier figure), as a Markdown table
(docs/benchmarks.md quotes a run).
"""
import argparse
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, 'tests'))

import synthetic_class  # noqa: E402
from autograder import report  # noqa: E402
from autograder.outputs.names import safe_name  # noqa: E402
from autograder.submissions.batch import RESULT_FORMAT  # noqa: E402
from autograder.report import similarity  # noqa: E402

PERSONAL = [
    "assert {v}.shape[0] == {v}.shape[0], 'shape mismatch {n}'",
    "print('debug {n}:', {v}.shape)",
    "tol_{n} = {f}",
    "{v} = {v}.astype(np.float64)",
    "if np.isnan({v}).any():\n    raise ValueError('nan in {v} ({n})')",
    "count_{n} = {n} + len({v})",
    "# checked against the notes, step {n}",
]
VARIABLES = {0: ['std'], 1: ['X', 'W1', 'hidden'], 2: ['scores', 'probs'], 3: ['X', 'W2'],
             4: ['X', 'y'], 5: ['grads'], 6: ['X']}


def cpu_seconds():
    """CPU seconds of this process and of its finished child processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def personal_line(rng, region):
    line = rng.choice(PERSONAL).format(v=rng.choice(VARIABLES[region]), n=rng.randrange(10000),
                                       f=round(rng.uniform(1e-9, 1e-3), 9))
    return line


def synthetic_student(rng):
    choices = [rng.randrange(synthetic_class.PRIME) for _ in synthetic_class.REGIONS]
    text = synthetic_class.fill(choices)
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines)
              if line.strip() == synthetic_class.markers.START_MARKER]
    for region, start in reversed(list(enumerate(starts))):
        indent = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
        for _ in range(rng.randrange(0, 3)):
            extra = personal_line(rng, region)
            lines.insert(start + 1, ''.join(indent + part + '\n' for part in extra.split('\n')))
    return ''.join(lines)


def build_sources(count, copies, seed=1):
    rng = random.Random(seed)
    sources = {'s%04d' % i: synthetic_student(rng) for i in range(count - copies)}
    originals = rng.sample(sorted(sources), copies)
    planted = {}
    for index, original in enumerate(originals):
        planted['c%04d' % index] = original
        sources['c%04d' % index] = synthetic_class.disguised_copy(sources[original], seed=index)
    return sources, planted


def write_out(folder, sources):
    os.makedirs(os.path.join(folder, 'results'))
    os.makedirs(os.path.join(folder, 'sources'))
    for student, text in sources.items():
        with open(os.path.join(folder, 'sources', safe_name(student) + '.py'), 'w') as handle:
            handle.write(text)
        result = {'submission': student, 'score': 15.0, 'max_score': 15.0, 'problem': '',
                  'diagnoses': [], 'seconds': 0.07, 'isolation': 'process',
                  'checks': [{'name': 'loss', 'score': 15.0, 'max_score': 15.0, 'feedback': '',
                              'diagnoses': []}]}
        with open(os.path.join(folder, 'results', safe_name(student) + '.json'), 'w') as handle:
            json.dump({'format': RESULT_FORMAT, 'key': '', 'result': result}, handle)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--students', type=int, default=1000)
    parser.add_argument('--copies', type=int, default=20)
    parser.add_argument('--all-pairs', action='store_true',
                        help='also compare every pair with copydetect (slow)')
    args = parser.parse_args()
    template = synthetic_class.stub_text()
    sources, planted = build_sources(args.students, args.copies)
    rows = []

    start, cpu = time.monotonic(), cpu_seconds()
    screening = similarity.screen(sources, template)
    screen_seconds = time.monotonic() - start, cpu_seconds() - cpu
    found = {tuple(sorted((p.a, p.b))) for p in screening.pairs}
    wanted = {tuple(sorted(item)) for item in planted.items()}
    rows.append(('screen(): fingerprints, candidates, copydetect on candidates',
                 screen_seconds, '%d candidate pairs of %d; %d pairs listed: %d of the %d '
                 'planted copies and %d other pairs' % (
                     screening.candidates, screening.all_pairs, len(found),
                     len(found & wanted), len(wanted), len(found - wanted))))
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, 'out')
        write_out(out, sources)
        start, cpu = time.monotonic(), cpu_seconds()
        report.build(out, template=synthetic_class.STUB_PATH)
        rows.append(('whole report (read, screen, charts, HTML and Markdown)',
                     (time.monotonic() - start, cpu_seconds() - cpu),
                     'report.html %.1f MB' % (
                         os.path.getsize(os.path.join(out, 'report.html')) / 1e6)))
    if args.all_pairs:
        start, cpu = time.monotonic(), cpu_seconds()
        scores = similarity.all_scores(sources, template)
        above = {tuple(sorted(pair)) for pair, score in scores.items()
                 if score >= similarity.THRESHOLD}
        copies = sorted(scores[min(pair), max(pair)] for pair in wanted)
        rows.append(('copydetect on every pair (no candidate selection)',
                     (time.monotonic() - start, cpu_seconds() - cpu),
                     '%d pairs at or above %.2f (%d planted copies, %d others), %d of them not '
                     'listed by screen(); planted copies score %.2f-%.2f' % (
                         len(above), similarity.THRESHOLD, len(above & wanted),
                         len(above - wanted), len(above - found), copies[0], copies[-1])))
    print('%d students (%d planted copies), Python %s, %s, %d cores\n'
          % (args.students, args.copies, platform.python_version(), platform.machine(),
             os.cpu_count()))
    print('| step | wall s | CPU s | notes |\n|---|---|---|---|')
    for name, (wall, cpu), note in rows:
        print('| %s | %.1f | %.1f | %s |' % (name, wall, cpu, note))


if __name__ == '__main__':
    main()
