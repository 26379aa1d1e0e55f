"""Stored reference outputs for the visible checks, for copies without solutions/.

A student distribution of the kit (``python -m autograder release
--student-repo DIR``) has no reference solution, yet students should run the
self-check. The release command therefore runs the reference once on the
probes of the visible checks (default grader seed) and stores the outputs in
``autograder/release/expected_visible.json``; the grader uses them when
``solutions/neural_net.py`` is absent.

Only outputs and inputs are stored, never code: with the outputs, the inputs of
those probes (``inputs``), so a copy needs no code that draws them
(checks/probe_inputs.py stays with the instructor). Graders should grade with their
own ``--seed`` so that hidden inputs differ from the ones these outputs belong to.
"""
import hashlib
import json
import os

import numpy as np

from ..sandbox.child import channel as wire

EXPECTED_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             'expected_visible.json')
TOLERANCE = 1e-10


def encode(seed, reference_results, reference_source, probes=()):
    """JSON text for reference results (probe id -> {'ok', 'outputs'}) and the probes
    they belong to (in the order the grader runs them)."""
    data = {
        'seed': seed,
        'reference_sha256': hashlib.sha256(reference_source).hexdigest(),
        'probes': {probe_id: wire.encode_arrays(result['outputs'])
                   for probe_id, result in sorted(reference_results.items())},
    }
    if probes:
        data['inputs'] = [dict({key: value for key, value in probe.items() if key != 'arrays'},
                               arrays=wire.encode_arrays(probe['arrays'])) for probe in probes]
    return json.dumps(data, indent=1, sort_keys=True) + '\n'


def decode_probes(text):
    """(seed, [probe dicts as build_probes makes them]) from JSON text; [] if none stored."""
    data = json.loads(text)
    return data['seed'], [dict(probe, arrays=wire.decode_arrays(probe['arrays']))
                          for probe in data.get('inputs', ())]


def load_probes(path=EXPECTED_FILE):
    """(seed, stored probes) of the file, or None if it does not exist."""
    if not os.path.isfile(path):
        return None
    with open(path, encoding='utf-8') as handle:
        return decode_probes(handle.read())


def decode(text):
    """(seed, reference hash, results dict in the grader's format) from JSON text."""
    data = json.loads(text)
    results = {probe_id: {'ok': True, 'outputs': wire.decode_arrays(outputs), 'problems': {}}
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
    probes_a, probes_b = decode_probes(text_a)[1], decode_probes(text_b)[1]
    if [_without_arrays(probe) for probe in probes_a] != [_without_arrays(probe)
                                                          for probe in probes_b]:
        return False
    pairs = [(result['outputs'], results_b[probe_id]['outputs'])
             for probe_id, result in results_a.items()]
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
