"""Stored reference outputs: the reference's probe outputs as JSON, for graders without it.

A student distribution of the kit (``python -m autograder release
--student-repo DIR``) has no reference solution, yet students should run the
self-check. The release command therefore runs the reference once on the
probes of the visible checks (default grader seed) and stores the outputs in
``autograder/release/expected_visible.json``; the grader uses them when
``solutions/neural_net.py`` is absent.

The Gradescope bundle stores the outputs of every check the same way (its
``private/expected.json``, under the instructor's seed).

Only outputs and inputs are stored, never code: with the outputs, the inputs of
those probes (``inputs``), so a copy needs no code that draws them
(checks/probe_inputs.py stays with the instructor). Graders should grade with their
own ``--seed`` so that hidden inputs differ from the ones these outputs belong to.

This module sits beside ``grading`` (which reads the outputs) below ``release``
and ``platforms`` (which write them): docs/architecture.md, layers.
"""
import hashlib
import json
import os
from typing import NamedTuple

import numpy as np

from .sandbox.child import channel as wire
from .sandbox.records import ProbeResult

# Written by the release verb (autograder/release/generate.py), shipped in the wheel.
EXPECTED_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'release',
                             'expected_visible.json')
TOLERANCE = 1e-10


class StoredOutputs(NamedTuple):
    """What a stored file holds (read with one parse: load, decode)."""
    seed: int                # the grading seed the probes were drawn with
    reference_sha256: str    # hash of the reference solution's bytes that computed them
    results: dict            # probe id -> ProbeResult
    probes: tuple = ()       # the probes' inputs as build_probes makes them; () if not stored

    def covers(self, seed, probe_ids):
        """True when these outputs belong to seed and hold every one of probe_ids."""
        return self.seed == seed and set(probe_ids) <= set(self.results)


def encode(seed, reference_results, reference_source, probes=()):
    """JSON text for reference results (probe id -> ProbeResult) and the probes they
    belong to (in the order the grader runs them)."""
    data = {
        'seed': seed,
        'reference_sha256': hashlib.sha256(reference_source).hexdigest(),
        'probes': {probe_id: wire.encode_arrays(result.outputs)
                   for probe_id, result in sorted(reference_results.items())},
    }
    if probes:
        data['inputs'] = [dict({key: value for key, value in probe.items() if key != 'arrays'},
                               arrays=wire.encode_arrays(probe['arrays'])) for probe in probes]
    return json.dumps(data, indent=1, sort_keys=True) + '\n'


def decode(text):
    """StoredOutputs from JSON text (parsed once: the outputs and the probes' inputs)."""
    data = json.loads(text)
    results = {probe_id: ProbeResult.success(wire.decode_arrays(outputs))
               for probe_id, outputs in data['probes'].items()}
    probes = tuple(dict(probe, arrays=wire.decode_arrays(probe['arrays']))
                   for probe in data.get('inputs', ()))
    return StoredOutputs(data['seed'], data['reference_sha256'], results, probes)


def load(path=EXPECTED_FILE):
    """StoredOutputs of the file at path, or None if the file does not exist."""
    if not os.path.isfile(path):
        return None
    with open(path, encoding='utf-8') as handle:
        return decode(handle.read())


def same(text_a, text_b):
    """True when two stored files hold the same probes and values (to 1e-10).

    Values are compared numerically because another BLAS may round the last
    bits differently.
    """
    stored_a, stored_b = decode(text_a), decode(text_b)
    if ((stored_a.seed, stored_a.reference_sha256, sorted(stored_a.results))
            != (stored_b.seed, stored_b.reference_sha256, sorted(stored_b.results))):
        return False
    probes_a, probes_b = stored_a.probes, stored_b.probes
    if [_without_arrays(probe) for probe in probes_a] != [_without_arrays(probe)
                                                          for probe in probes_b]:
        return False
    pairs = [(result.outputs, stored_b.results[probe_id].outputs)
             for probe_id, result in stored_a.results.items()]
    pairs += [(probe['arrays'], other['arrays']) for probe, other in zip(probes_a, probes_b)]
    return all(_same_arrays(arrays, other) for arrays, other in pairs)


def _without_arrays(probe):
    return {key: value for key, value in probe.items() if key != 'arrays'}


def _same_arrays(arrays, other):
    """Same names, shapes and values (to TOLERANCE)."""
    if sorted(arrays) != sorted(other):
        return False
    return all(array.shape == other[name].shape and np.allclose(
        array, other[name], rtol=TOLERANCE, atol=TOLERANCE) for name, array in arrays.items())
