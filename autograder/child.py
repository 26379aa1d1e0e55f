"""Sandbox child: imports one student's neural_net.py and runs the probes.

Run by the grader as ``python -I child.py STAGED_DIR CHANNEL_FD``, never by
hand. STAGED_DIR holds the student's file, ``plan.json`` and ``plan.npz``;
CHANNEL_FD is the write end of a pipe only the grader reads. Results travel
as JSON lines (see wire.py); stdout and stderr belong to the student and are
never parsed.

Order matters: everything the child needs is loaded before the guards go up,
and the student module is imported only after.
"""
import importlib.util
import json
import os
import re
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import guards  # noqa: E402
import probes  # noqa: E402
import wire  # noqa: E402
sys.path.remove(HERE)

import numpy as np  # noqa: E402

MODULE_NAME = 'neural_net'
# Names that exist in Python 2 only, with what to write in Python 3.
PYTHON2_NAMES = {'xrange': 'range', 'unicode': 'str', 'raw_input': 'input',
                 'basestring': 'str', 'long': 'int', 'unichr': 'chr', 'iteritems': 'items'}
PYTHON2_SYNTAX = re.compile(r'^\s*(print\s+[^\s(=]|print\s*$|exec\s+["\'\w]|except\s+[\w.]+\s*,'
                            r'\s*\w+\s*:|raise\s+\w+\s*,)')


def import_failure_kind(error):
    """Stable id of why neural_net.py could not be loaded (see diagnoses.py)."""
    if isinstance(error, SyntaxError):
        message = str(getattr(error, 'msg', '') or '')
        if ('Missing parentheses in call to' in message
                or PYTHON2_SYNTAX.match(error.text or '')):
            return 'python2'
        return 'syntax_error'
    if isinstance(error, ModuleNotFoundError):
        return 'missing_import'
    if isinstance(error, NameError) and getattr(error, 'name', None) in PYTHON2_NAMES:
        return 'python2'
    return 'import_failed'


def describe_exception(error, student_file):
    """One-paragraph description of an exception raised in student code.

    Names the exception and, when the traceback passes through the student's
    file, the last line of that file involved.
    """
    text = '%s: %s' % (type(error).__name__, error)
    frames = traceback.extract_tb(error.__traceback__)
    if isinstance(error, SyntaxError) and error.lineno:
        text += ' (neural_net.py line %d: %s)' % (error.lineno, (error.text or '').strip())
    own = [frame for frame in frames if os.path.realpath(frame.filename) == student_file]
    if own:
        frame = own[-1]
        code = '' if isinstance(error, NotImplementedError) else ': %s' % (frame.line or '').strip()
        text += ' (neural_net.py line %d, in %s%s)' % (frame.lineno, frame.name, code)
    name = getattr(error, 'name', None)
    if isinstance(error, NameError) and name in PYTHON2_NAMES:
        text += ('; %s is Python 2: this assignment runs on Python 3, use %s (or start the '
                 'file with "from past.builtins import %s")' % (name, PYTHON2_NAMES[name], name))
    return text[:2000]


def load_plan(staged_dir):
    """Probe list with input arrays, as written by the grader."""
    with open(os.path.join(staged_dir, 'plan.json'), encoding='utf-8') as handle:
        plan = json.load(handle)
    arrays = {}
    for path in plan['array_files']:
        with np.load(path, allow_pickle=False) as archive:
            arrays.update({name: archive[name] for name in archive.files})
    for probe in plan['probes']:
        probe['arrays'] = {name: arrays[key] for name, key in probe['array_keys'].items()}
    return plan


class ServedLoss:
    """Stand-in for net.loss that asks the grader for the reference result.

    Called as served(net, X, y, reg); returns scores (N, C) when y is None,
    else (loss, grads) like TwoLayerNet.loss. The grader may refuse a call
    (then a RuntimeError explains why, inside the student's code).
    """

    def __init__(self, send, replies):
        self._send = send
        self._replies = replies
        self.probe_id = None

    def __call__(self, net, X, y=None, reg=0.0):
        params = getattr(net, 'params', None)
        if not isinstance(params, dict):
            raise TypeError('self.params should be a dict')
        arrays = {name: probes.as_float_array(params.get(name), 'self.params[%r]' % name)
                  for name in probes.PARAM_NAMES}
        message = {'event': 'loss_call', 'id': self.probe_id,
                   'X': wire.encode_arrays({'X': probes.as_float_array(X, 'X')})['X'],
                   'y': None if y is None else
                   wire.encode_arrays({'y': probes.as_float_array(y, 'y')})['y'],
                   'reg': float(reg), 'params': wire.encode_arrays(arrays)}
        self._send(message)
        reply = wire.decode_message(self._replies.readline())
        if reply.get('ok') is not True:
            raise RuntimeError("the grader's reference loss refused this call: %s"
                               % reply.get('error'))
        if y is None:
            return wire.decode_arrays(reply['scores'])['scores'].copy()
        grads = {name: array.copy() for name, array in wire.decode_arrays(reply['grads']).items()}
        return np.float64(reply['loss']), grads


def main():
    staged_dir = os.path.realpath(sys.argv[1])
    channel = os.fdopen(int(sys.argv[2]), 'wb', buffering=0)
    replies = os.fdopen(int(sys.argv[3]), 'rb') if sys.argv[3] != '-' else None

    def send(message):
        channel.write(wire.encode_message(message))

    served_loss = ServedLoss(send, replies) if replies is not None else None

    plan = load_plan(staged_dir)
    work_dir = os.path.join(staged_dir, 'work')
    student_file = os.path.join(staged_dir, 'submission', MODULE_NAME + '.py')
    guards.install(work_dir, guards.default_read_roots(os.path.join(staged_dir, 'submission')),
                   plan['denied_roots'])
    os.chdir(work_dir)
    sys.path.insert(0, os.path.dirname(student_file))

    try:
        spec = importlib.util.spec_from_file_location(MODULE_NAME, student_file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[MODULE_NAME] = module
        spec.loader.exec_module(module)
        failure = None
        if not isinstance(getattr(module, 'TwoLayerNet', None), type):
            failure = {'error': 'neural_net.py defines no class TwoLayerNet', 'kind': 'no_class'}
    except BaseException as error:  # noqa: B036 - student code may raise anything
        failure = {'error': describe_exception(error, student_file),
                   'kind': import_failure_kind(error)}
    if failure is not None:
        send(dict(failure, event='import_error'))
        channel.close()
        os._exit(0)
    send({'event': 'imported'})

    for probe in plan['probes']:
        serve = served_loss if probe.get('served') else None
        if serve is not None:
            serve.probe_id = probe['id']
        try:
            outputs = probes.run_probe(module, probe, probe['arrays'], serve)
        except BaseException as error:  # noqa: B036
            send({'event': 'probe', 'id': probe['id'], 'ok': False,
                  'error': describe_exception(error, student_file)})
        else:
            problems = outputs.pop(probes.PROBLEMS, {})
            dtypes = outputs.pop(probes.NARROW_DTYPES, {})
            send({'event': 'probe', 'id': probe['id'], 'ok': True,
                  'outputs': wire.encode_arrays(outputs), 'problems': problems,
                  'dtypes': dtypes})
    send({'event': 'done'})
    channel.close()
    # Skip atexit handlers and finalizers the student may have registered.
    os._exit(0)


if __name__ == '__main__':
    main()
