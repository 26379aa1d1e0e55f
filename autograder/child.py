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


def main():
    staged_dir = os.path.realpath(sys.argv[1])
    channel = os.fdopen(int(sys.argv[2]), 'wb', buffering=0)

    def send(message):
        channel.write(wire.encode_message(message))

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
        if not isinstance(getattr(module, 'TwoLayerNet', None), type):
            raise AttributeError('neural_net.py defines no class TwoLayerNet')
    except BaseException as error:  # noqa: B036 - student code may raise anything
        send({'event': 'import_error', 'error': describe_exception(error, student_file)})
        channel.close()
        os._exit(0)
    send({'event': 'imported'})

    for probe in plan['probes']:
        try:
            outputs = probes.run_probe(module, probe, probe['arrays'])
        except BaseException as error:  # noqa: B036
            send({'event': 'probe', 'id': probe['id'], 'ok': False,
                  'error': describe_exception(error, student_file)})
        else:
            problems = outputs.pop(probes.PROBLEMS, {})
            send({'event': 'probe', 'id': probe['id'], 'ok': True,
                  'outputs': wire.encode_arrays(outputs), 'problems': problems})
    send({'event': 'done'})
    channel.close()
    # Skip atexit handlers and finalizers the student may have registered.
    os._exit(0)


if __name__ == '__main__':
    main()
