"""Messages between the sandbox child and the grader: binary frames.

A frame is 8 bytes (two little-endian uint32: the header's length and the
payload's), a JSON header (the message: a dict with an 'event') and a
payload holding the raw little-endian float64 bytes of the message's
arrays. In the header an array is {'shape': [...], 'offset': n}, its bytes
at payload[n:n + 8 * size]; the grader never unpickles anything that student
code could have shaped, and no array is base64-encoded on the way.

Without a payload (stored reference outputs, autograder/stored_outputs.py),
an array is {'shape': [...], 'data': base64 of the same bytes}.
Decoding is strict: anything malformed raises WireError, sizes are
computed with Python ints before anything is allocated, and every frame is
capped by the reader.
"""
import base64
import json
import struct

import numpy as np

MAX_ARRAY_ELEMENTS = 10_000_000
MAX_DIMENSIONS = 4
FRAME_PREFIX = struct.Struct('<II')
MAX_HEADER_BYTES = 1024 * 1024


class WireError(ValueError):
    """A message from the child is not in the expected format."""


class FrameTooLarge(WireError):
    """A frame declares more bytes than the reader allows."""


class Received:
    """The payload of one frame read, and how many of its bytes decoding may still use.

    Arrays are decoded from it as fresh copies; their bytes together may
    not exceed the payload's, so a header cannot point many arrays at the
    same bytes to make the grader allocate more than the child sent.
    """

    def __init__(self, data):
        self.data = data
        self.left = len(data)


class Payload:
    """The array bytes of one frame being built, in order."""

    def __init__(self):
        self.parts = []
        self.size = 0

    def add(self, array):
        """Append one float64 array; returns its header entry."""
        data = np.ascontiguousarray(array, dtype='<f8')
        entry = {'shape': list(data.shape), 'offset': self.size}
        self.parts.append(data.tobytes())
        self.size += data.nbytes
        return entry


def encode_arrays(arrays, payload=None):
    """dict name -> float64 ndarray  ->  JSON-ready dict (bytes in payload, else base64)."""
    if payload is not None:
        return {name: payload.add(array) for name, array in arrays.items()}
    return {name: {'shape': list(array.shape),
                   'data': base64.b64encode(np.ascontiguousarray(array, dtype='<f8').tobytes())
                   .decode('ascii')}
            for name, array in arrays.items()}


def _size(name, shape):
    """Number of elements of a claimed shape (Python ints: no overflow, whatever is claimed)."""
    if type(shape) is not list or len(shape) > MAX_DIMENSIONS:
        raise WireError('malformed output %r' % (name,))
    size = 1
    for extent in shape:
        if type(extent) is not int or extent < 0:
            raise WireError('malformed output %r' % (name,))
        size *= extent
    if size > MAX_ARRAY_ELEMENTS:
        raise WireError('output %r is too large' % (name,))
    return size


def decode_arrays(encoded, payload=None):
    """Inverse of encode_arrays; returns dict name -> plain float64 ndarray (fresh copies).

    payload: the frame's payload (Received, or bytes); None for the base64 form.
    """
    if not isinstance(encoded, dict):
        raise WireError('outputs should be an object')
    if payload is not None and not isinstance(payload, Received):
        payload = Received(payload)
    arrays = {}
    for name, item in encoded.items():
        if not isinstance(name, str) or not isinstance(item, dict):
            raise WireError('malformed output %r' % (name,))
        shape = item.get('shape')
        size = _size(name, shape)
        if payload is not None:
            offset = item.get('offset')
            if type(offset) is not int or offset < 0 or offset + 8 * size > len(payload.data):
                raise WireError('output %r lies outside the payload' % name)
            if 8 * size > payload.left:
                raise WireError('the arrays of this message need more bytes than it carries')
            payload.left -= 8 * size
            raw = np.frombuffer(payload.data, dtype='<f8', count=size, offset=offset)
        else:
            data = item.get('data')
            if not isinstance(data, str):
                raise WireError('malformed output %r' % name)
            if len(data) > 4 * (8 * size + 2) // 3 + 4:
                raise WireError('output %r is too large' % name)
            try:
                data = base64.b64decode(data.encode('ascii'), validate=True)
            except (ValueError, UnicodeEncodeError) as error:
                raise WireError('output %r is not valid base64' % name) from error
            if len(data) != 8 * size:
                raise WireError('output %r has %d bytes for shape %s' % (name, len(data), shape))
            raw = np.frombuffer(data, dtype='<f8')
        arrays[name] = raw.reshape(shape).astype(np.float64)
    return arrays


def decode_problems(problems):
    """dict output name -> explanation, strings only, length-capped."""
    if not isinstance(problems, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in problems.items()):
        raise WireError('malformed problems')
    return {key[:100]: value[:500] for key, value in problems.items()}


# One encoder for every frame (json.dumps with options builds a new one per call); the
# messages are plain dicts the kit builds, never circular.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(',', ':'), check_circular=False)


def encode_header(message):
    """The header bytes of message (a JSON-serialisable dict)."""
    return _ENCODER.encode(message).encode('utf-8')


def encode_message(message, payload=None):
    """One frame: message (a JSON-serialisable dict, or its header already encoded by
    encode_header) and the payload its arrays went to."""
    header = message if isinstance(message, bytes) else encode_header(message)
    parts = payload.parts if payload is not None else []
    size = payload.size if payload is not None else 0
    return b''.join([FRAME_PREFIX.pack(len(header), size), header] + parts)


def decode_message(header):
    """Parse a frame's header bytes into a dict; raise WireError if it is not one."""
    try:
        message = json.loads(header.decode('utf-8'))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise WireError('not a JSON message') from error
    if not isinstance(message, dict) or not isinstance(message.get('event'), str):
        raise WireError('not a message object')
    return message


def read_frame(stream, max_bytes):
    """(header bytes, payload bytes) of the next frame of a binary stream, or None at its end.

    max_bytes caps the whole frame: a larger declared size raises
    FrameTooLarge before anything is read; a frame cut short raises WireError.
    """
    prefix = stream.read(FRAME_PREFIX.size)
    if not prefix:
        return None
    if len(prefix) != FRAME_PREFIX.size:
        raise WireError('a message was cut short')
    header_size, payload_size = FRAME_PREFIX.unpack(prefix)
    if (header_size > MAX_HEADER_BYTES
            or FRAME_PREFIX.size + header_size + payload_size > max_bytes):
        raise FrameTooLarge('a message is larger than allowed')
    header = stream.read(header_size)
    payload = stream.read(payload_size) if payload_size else b''
    if len(header) != header_size or len(payload) != payload_size:
        raise WireError('a message was cut short')
    return header, payload
