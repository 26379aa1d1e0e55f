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
service (trusted code; never a sandbox child): a few milliseconds. Its
training runs on them are computed only when a judge reads them (the train
check's run, for one, is judged by replaying the update, not against the
reference's run); the names and shapes of their outputs, which every
student result is validated against, follow from the probe's inputs.
"""
import hashlib
import hmac
import threading
import types
from collections.abc import Mapping

import numpy as np

from ..errors import GraderError
from ..sandbox.child.probes import run_probe
from ..sandbox.child.vocabulary import INPUT_AFTER, NARROW_DTYPES, PARAM_NAMES, PROBLEMS
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


def reference_outputs(reference_class, probes, shared=None):
    """{probe id: ProbeResult} of the reference on probes, in-process.

    A mapping: the reference-only variants (only feedback on a wrong run reads
    them) are computed when first read, the others at once; with shared (the
    session's results of the probes every submission shares, a submission's
    results), its training runs too are computed when first read.
    """
    return ReferenceResults(reference_class, probes, shared)


# Output names of a training probe (sandbox/child/probes.py, probe_train) and of which
# input each takes its shape: the trained parameters, the inputs as the call left them
# (flattened), and the histories (one dimension; _validated checks no more of them).
TRAIN_HISTORIES = ('loss_history', 'train_acc_history', 'val_acc_history')
TRAIN_INPUTS = ('X', 'y', 'X_val', 'y_val')


def train_output_shapes(probe):
    """{output name: shape} of a correct run of a training probe, from its inputs."""
    arrays = probe['arrays']
    shapes = {name: (None,) for name in TRAIN_HISTORIES}    # one dimension, any length
    shapes.update(('final_' + name, np.shape(arrays[name])) for name in PARAM_NAMES)
    shapes.update((INPUT_AFTER + key, (int(np.size(arrays[key])),)) for key in TRAIN_INPUTS)
    return shapes


class ReferenceResults(Mapping):
    """Reference results by probe id, each computed in this process (see reference_outputs).
    The grading session's own is read by every grading thread: a reference-only variant is
    computed once, under a lock. output_shapes gives the names and shapes of a result's
    outputs without computing one that waits to be read."""

    def __init__(self, reference_class, probes, shared=None):
        self._module = types.SimpleNamespace(TwoLayerNet=reference_class)
        self._pending_lock = threading.Lock()
        deferred = [probe for probe in probes if probe.get('reference_only') or
                    (shared is not None and probe['kind'] == 'train')]
        self._pending = {probe['id']: probe for probe in deferred}
        self._results = dict(shared or {})
        self._results.update((probe['id'], self._run(probe)) for probe in probes
                             if probe['id'] not in self._pending)

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

    def output_shapes(self, probe_id):
        """{output name: shape} of probe_id's result, or None where it has none."""
        with self._pending_lock:
            waiting = self._pending.get(probe_id)
        if waiting is not None and waiting['kind'] == 'train':
            return train_output_shapes(waiting)
        result = self.get(probe_id)
        return None if result is None else output_shapes(result)

    def __iter__(self):
        with self._pending_lock:
            return iter(list(self._results) + list(self._pending))

    def __len__(self):
        with self._pending_lock:
            return len(self._results) + len(self._pending)


def output_shapes(result):
    """{output name: shape} of a ProbeResult's outputs."""
    return {name: value.shape for name, value in result.outputs.items()}
