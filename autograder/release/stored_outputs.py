"""Stored reference outputs for the visible checks, for copies without solutions/.

A student distribution of the kit (``python -m autograder release
--student-repo DIR``) has no reference solution, yet students should run the
self-check. The release command therefore runs the reference once on the
probes of the visible checks (default grader seed) and stores the outputs in
``autograder/release/expected_visible.json``; the grader uses them when
``solutions/neural_net.py`` is absent.

Only outputs are stored, never code. Graders should grade with their own
``--seed`` so that hidden inputs differ from the ones these outputs belong to.
"""
import hashlib
import json
import os

import numpy as np

from ..sandbox.child import channel as wire
from ..sandbox.records import ProbeResult

EXPECTED_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             'expected_visible.json')
TOLERANCE = 1e-10


def encode(seed, reference_results, reference_source):
    """JSON text for reference results (probe id -> ProbeResult)."""
    return json.dumps({
        'seed': seed,
        'reference_sha256': hashlib.sha256(reference_source).hexdigest(),
        'probes': {probe_id: wire.encode_arrays(result.outputs)
                   for probe_id, result in sorted(reference_results.items())},
    }, indent=1, sort_keys=True) + '\n'


def decode(text):
    """(seed, reference hash, results dict in the grader's format) from JSON text."""
    data = json.loads(text)
    results = {probe_id: ProbeResult.success(wire.decode_arrays(outputs))
               for probe_id, outputs in data['probes'].items()}
    return data['seed'], data['reference_sha256'], results


def load(path=EXPECTED_FILE):
    """Stored expectations, or None if the file does not exist."""
    if not os.path.isfile(path):
        return None
    with open(path, encoding='utf-8') as handle:
        return decode(handle.read())


def same(text_a, text_b):
    """True when two stored files hold the same probes and values (to 1e-10).

    Values are compared numerically because another BLAS may round the last
    bits differently.
    """
    seed_a, hash_a, results_a = decode(text_a)
    seed_b, hash_b, results_b = decode(text_b)
    if (seed_a, hash_a, sorted(results_a)) != (seed_b, hash_b, sorted(results_b)):
        return False
    for probe_id, result in results_a.items():
        other = results_b[probe_id].outputs
        if sorted(result.outputs) != sorted(other):
            return False
        for name, array in result.outputs.items():
            if array.shape != other[name].shape or not np.allclose(
                    array, other[name], rtol=TOLERANCE, atol=TOLERANCE):
                return False
    return True
