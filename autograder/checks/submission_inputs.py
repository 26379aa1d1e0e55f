"""Hidden inputs of one submission, and the reference's outputs on them.

Under a private grader seed, every submission gets hidden inputs of its own:
their generator is seeded with an HMAC of the submission's bytes keyed by the
private seed. The same file gets the same inputs (and byte-identical results)
on every run and route; anything learned about the hidden inputs or their
answers while one file is graded is worthless for any other file, and a
student cannot compute the inputs without the private seed. The probes on
the public toy data and the val_accuracy run ('fit') do not depend on the
seed and are shared by every submission.

The reference's outputs on a submission's hidden probes are computed here,
in the grader, with the reference class it already holds for the loss
service (trusted code; never a sandbox child): a few milliseconds.
"""
import hashlib
import hmac
import threading
import types
from collections.abc import Mapping

import numpy as np

from ..errors import GraderError
from ..sandbox.child.probes import run_probe
from ..sandbox.child.vocabulary import NARROW_DTYPES, PROBLEMS
from ..sandbox.records import ProbeResult
from .probe_ids import DEFAULT_SEED, NO_DECAY, PUBLIC_PROBES

# The reference's training runs seed numpy's global generator: one at a time.
_GLOBAL_RANDOM = threading.Lock()


def per_submission(seed, reference_class):
    """True when hidden inputs are drawn per submission: a private seed, and the reference
    at hand to compute their outputs. The public seed's hidden inputs are public anyway
    (build_probes(DEFAULT_SEED)); the self-check keeps its stored outputs."""
    return reference_class is not None and seed != DEFAULT_SEED


def submission_seed(seed, source):
    """The generator seed of one submission's hidden inputs: HMAC-SHA256(seed, bytes)."""
    digest = hmac.new(str(int(seed)).encode('ascii'), source, hashlib.sha256).digest()
    return int.from_bytes(digest[:16], 'big')


def is_shared(probe):
    """Whether a probe's inputs are the same for every submission (toy data and its
    reference-only variant, the fit run)."""
    return probe['id'].replace(NO_DECAY, '') in PUBLIC_PROBES or probe['kind'] == 'fit'


def reference_outputs(reference_class, probes):
    """{probe id: ProbeResult} of the reference on probes, in-process.

    A mapping: the reference-only variants (only feedback on a wrong run reads
    them) are computed when first read, the others at once.
    """
    return ReferenceResults(reference_class, probes)


class ReferenceResults(Mapping):
    """Reference results by probe id, each computed in this process (see reference_outputs).
    The grading session's own is read by every grading thread: a reference-only variant is
    computed once, under a lock."""

    def __init__(self, reference_class, probes):
        self._module = types.SimpleNamespace(TwoLayerNet=reference_class)
        self._pending_lock = threading.Lock()
        self._pending = {probe['id']: probe for probe in probes if probe.get('reference_only')}
        self._results = {probe['id']: self._run(probe) for probe in probes
                         if not probe.get('reference_only')}

    def _run(self, probe):
        try:
            with _GLOBAL_RANDOM, np.errstate(all='ignore'):
                outputs = run_probe(self._module, probe, probe['arrays'])
        except Exception as error:
            raise GraderError('the reference solution failed on probe %s (%s: %s); the kit is '
                              'broken, not the submission.'
                              % (probe['id'], type(error).__name__, error)) from error
        outputs.pop(PROBLEMS, None)
        outputs.pop(NARROW_DTYPES, None)
        return ProbeResult.success(outputs)

    def __getitem__(self, probe_id):
        if probe_id not in self._results:
            with self._pending_lock:
                if probe_id in self._pending:
                    self._results[probe_id] = self._run(self._pending[probe_id])
                    del self._pending[probe_id]
        return self._results[probe_id]

    def __iter__(self):
        with self._pending_lock:
            return iter(list(self._results) + list(self._pending))

    def __len__(self):
        with self._pending_lock:
            return len(self._results) + len(self._pending)
