"""Messages between the sandbox child and the grader: JSON lines.

Arrays travel as base64 of little-endian float64 bytes with their shape, so
the grader never unpickles anything that student code could have shaped.
Decoding is strict: anything malformed raises WireError.
"""
import base64
import json

import numpy as np

MAX_ARRAY_ELEMENTS = 10_000_000
MAX_DIMENSIONS = 4


class WireError(ValueError):
    """A message from the child is not in the expected format."""


def encode_arrays(arrays):
    """dict name -> float64 ndarray  ->  JSON-ready dict."""
    return {name: {'shape': list(array.shape),
                   'data': base64.b64encode(np.ascontiguousarray(array, dtype='<f8').tobytes())
                   .decode('ascii')}
            for name, array in arrays.items()}


def decode_arrays(encoded):
    """Inverse of encode_arrays; returns dict name -> plain float64 ndarray."""
    if not isinstance(encoded, dict):
        raise WireError('outputs should be an object')
    arrays = {}
    for name, item in encoded.items():
        if not isinstance(name, str) or not isinstance(item, dict):
            raise WireError('malformed output %r' % (name,))
        shape = item.get('shape')
        data = item.get('data')
        if (not isinstance(shape, list) or len(shape) > MAX_DIMENSIONS
                or not all(type(n) is int and n >= 0 for n in shape)
                or not isinstance(data, str)):
            raise WireError('malformed output %r' % name)
        size = 1
        for extent in shape:   # Python ints: no overflow, whatever the child claims
            size *= extent
        if size > MAX_ARRAY_ELEMENTS or len(data) > 4 * (8 * size + 2) // 3 + 4:
            raise WireError('output %r is too large' % name)
        try:
            raw = base64.b64decode(data.encode('ascii'), validate=True)
        except (ValueError, UnicodeEncodeError) as error:
            raise WireError('output %r is not valid base64' % name) from error
        if len(raw) != 8 * size:
            raise WireError('output %r has %d bytes for shape %s' % (name, len(raw), shape))
        arrays[name] = np.frombuffer(raw, dtype='<f8').astype(np.float64).reshape(shape)
    return arrays


def decode_problems(problems):
    """dict output name -> explanation, strings only, length-capped."""
    if not isinstance(problems, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in problems.items()):
        raise WireError('malformed problems')
    return {key[:100]: value[:500] for key, value in problems.items()}


def encode_message(message):
    """One message (a JSON-serialisable dict) as a line of bytes."""
    return (json.dumps(message, sort_keys=True) + '\n').encode('utf-8')


def decode_message(line):
    """Parse one line into a dict; raise WireError if it is not one."""
    try:
        message = json.loads(line.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as error:
        raise WireError('not a JSON line') from error
    if not isinstance(message, dict) or not isinstance(message.get('event'), str):
        raise WireError('not a message object')
    return message
