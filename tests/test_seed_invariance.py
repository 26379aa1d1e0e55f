"""Every draw of the hidden inputs exercises the same things (issue 20, item 4).

Under a private seed each submission's hidden inputs are drawn from an HMAC of
its bytes, so the points a file gets must not depend on the draw. The
reference, the stub, the mutation catalog and the corpus are graded here
under 100 derived seeds (and the public seed), and each must get identical
points per check every time.

Grading 89 files 101 times through the sandbox would take most of an hour, so
the probes run in this process, on our own files (trusted), through the same
code as in the sandbox child (child.main.run_probes, the real ServedLoss
stub), the same channel decoding (ChannelSession), the same loss service and
the same judge (Grader.judge). The sandbox itself is tested elsewhere; a
last test checks that this path and a real grade agree.
"""
import glob
import io
import os

import pytest

from autograder.checks import submission_inputs
from autograder.checks.probe_inputs import DEFAULT_SEED
from autograder.grading import Grader
from autograder.paths import REPO_DIR
from autograder.sandbox.child import channel, main
from autograder.sandbox.channel_session import ChannelSession
from autograder.sandbox.records import ChildRun
from helpers import REFERENCE, STUB, load_module, mutants

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings('ignore::RuntimeWarning')]

DRAWS = 100
PRIVATE_SEED = 987654321
# Each file is imported once (as the sandbox child imports it once for all its probes).
MODULES = {}
CORPUS = sorted(glob.glob(os.path.join(REPO_DIR, 'tests', 'corpus', '*.py')))


class InProcessChannel:
    """The child's two ends of the channel, answered at once by a ChannelSession."""

    def __init__(self, session):
        self.session = session
        self.replies = io.BytesIO()

    def send(self, message, payload=None):
        # The frame's header and payload bytes, as the grader's reader hands them to the
        # session (the framing around them is tested in tests/test_sandbox.py).
        header = message if isinstance(message, bytes) else channel.encode_header(message)
        reply = self.session.feed(header, b''.join(payload.parts) if payload is not None else b'')
        if reply is not None:
            self.replies = io.BytesIO(reply)

    def read(self, size=-1):
        return self.replies.read(size)


def module_of(path):
    """The file at path imported (once)."""
    if path not in MODULES:
        MODULES[path] = load_module(path, 'tln_invariance_%d' % len(MODULES))
    return MODULES[path]


def grade_in_process(grader, path, source, probes, reference, base=None):
    """(SubmissionResult, ChildRun, LossService) of the file at path on the given probes.

    base: (ChildRun, LossService) of a run of the same file on other draws, whose
    results of the shared probes (toy data) are taken over instead of run again:
    they cannot depend on the draw, and they are most of the time of a run.
    """
    checks = grader.checks
    service = grader.loss_service(checks, probes)
    run = ChildRun()
    ends = InProcessChannel(ChannelSession(run, service))
    module = module_of(path)
    chosen = [dict(probe, arrays={name: value.copy() for name, value in probe['arrays'].items()},
                   served=bool(service and probe.get('served')))
              for probe in grader._chosen(checks, probes)]
    if base is None:
        ends.send({'event': 'imported'})
    else:
        run.imported = True
        shared = [probe['id'] for probe in chosen if submission_inputs.is_shared(probe)]
        run.probe_results.update({probe_id: base[0].probe_results[probe_id]
                                  for probe_id in shared})
        for probe_id in set(shared) & set(service.served_losses):
            service.served_losses[probe_id] = base[1].served_losses[probe_id]
            if probe_id in base[1].first_batches:
                service.first_batches[probe_id] = base[1].first_batches[probe_id]
        chosen = [probe for probe in chosen if probe['id'] not in shared]
    main.run_probes(module, chosen, ends.send, main.ServedLoss(ends.send, ends),
                    os.path.realpath(path))
    ends.send({'event': 'done'})
    result = grader.judge(run, os.path.basename(path), checks, service=service, source=source,
                          probes=probes, reference=reference)
    return result, run, service


def files():
    """{name: path} of the reference, the stub, every mutant and every corpus file."""
    chosen = {'reference': REFERENCE, 'stub': STUB}
    chosen.update(('mutant_' + mutant.name, mutant) for mutant in mutants.MUTANTS)
    chosen.update(('corpus_' + os.path.basename(path)[:-3], path) for path in CORPUS)
    return chosen


FILES = files()


# Session scope, not module scope: tests/conftest.py keeps the tests of a module-scoped
# fixture on one xdist worker, and these ~90 tests (a few CPU-seconds each, most of the
# suite's CPU) spread over both workers instead; each worker builds the grader and the
# draws once (seconds).
@pytest.fixture(scope='session')
def private_grader():
    with Grader(dataset='none', seed=PRIVATE_SEED) as grader:
        assert grader.per_submission
        yield grader


@pytest.fixture(scope='session')
def draws(private_grader):
    """(probes, reference) of the public seed and of DRAWS derived seeds.

    The reference is graded on every draw first: its answers to its own loss calls
    (and the train judge's replays of them) then fill the grader's answer cache before
    any other file's calls can, and every file whose SGD loop asks what the reference
    asks gets them replayed (sandbox/service.py, AnswerCache: the same checks and
    records, the same bytes) instead of computed again per file.
    """
    seeds = [DEFAULT_SEED] + [submission_inputs.submission_seed(private, b'draw')
                              for private in range(1, DRAWS + 1)]
    chosen = [private_grader.probes_for_seed(seed) for seed in seeds]
    with open(REFERENCE, 'rb') as handle:
        points_per_draw(private_grader, REFERENCE, handle.read(), chosen)
    return chosen


def path_of(name, tmp_path):
    chosen = FILES[name]
    if isinstance(chosen, str):
        return chosen
    return mutants.write(chosen, str(tmp_path / name))


def points(result):
    return {check.name: check.score for check in result.checks}


def points_per_draw(grader, path, source, draws):
    """(points on the first draw, [points on each other draw]) of the file at path."""
    first, run, service = grade_in_process(grader, path, source, *draws[0])
    return points(first), [points(grade_in_process(grader, path, source, probes, reference,
                                                   (run, service))[0])
                           for probes, reference in draws[1:]]


@pytest.mark.parametrize('name', sorted(FILES))
def test_points_do_not_depend_on_the_draw(private_grader, draws, name, tmp_path):
    grader = private_grader
    path = path_of(name, tmp_path)
    with open(path, 'rb') as handle:
        source = handle.read()
    try:
        module_of(path)
    except Exception:   # noqa: BLE001 - a file that does not load
        pytest.skip('does not load: every draw grades it the same (tests/test_corpus.py)')
    first, others = points_per_draw(grader, path, source, draws)
    differ = [(index, {check: (first[check], got[check]) for check in got
                       if got[check] != first[check]})
              for index, got in enumerate(others, 1) if got != first]
    assert not differ, differ


def test_the_in_process_path_agrees_with_a_real_grade(private_grader, tmp_path):
    grader = private_grader
    for name in ('reference', 'stub', 'mutant_no_relu', 'corpus_float32_in_loss'):
        path = path_of(name, tmp_path)
        with open(path, 'rb') as handle:
            source = handle.read()
        real = grader.grade_source(source, name)
        probes, reference = grader.submission_probes(source)
        assert points(grade_in_process(grader, path, source, probes, reference)[0]) == points(real)
