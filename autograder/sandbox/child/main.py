"""Sandbox child: imports one student's neural_net.py and runs the probes.

Started by the grader (cold.py) as ``python -I start_child.py STAGED_DIR``,
inside the isolation layer it chose, never by hand. STAGED_DIR holds
``plan.json`` (probes, limits, paths), the student's ``submission/`` and the
writable ``work/`` folder. The channel is the child's stdin (the grader's
answers to loss calls) and stdout (binary frames, channel.py): both are moved to
private descriptors first, and the student's prints go to stderr, which the
grader keeps a tail of and never parses.

Order matters: limits first, then everything the child needs is loaded,
then the guards go up, and only then is the student's module imported.
"""
import importlib.util
import json
import math
import mmap
import os
import re
import sys
import traceback

import numpy as np

from . import channel, guards, landlock, probes, syscalls
from .vocabulary import PYTHON2_NAMES

MODULE_NAME = 'neural_net'
# Largest reply of the grader's loss service the child reads.
MAX_REPLY_BYTES = 64 * 1024 * 1024
# Distinct loss-call headers a run keeps encoded (ServedLoss).
MAX_CALL_HEADERS = 64
PYTHON2_SYNTAX = re.compile(r'^\s*(print\s+[^\s(=]|print\s*$|exec\s+["\'\w]|except\s+[\w.]+\s*,'
                            r'\s*\w+\s*:|raise\s+\w+\s*,)')


def import_failure_kind(error):
    """Stable id of why neural_net.py could not be loaded (see autograder/checks/diagnoses.py)."""
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


def describe_exception(error, student_file, resolved=None):
    """One-paragraph description of an exception raised in student code.

    Names the exception and, when the traceback passes through the student's
    file, the last line of that file involved. resolved: the run's resolved file
    names (resolved_path), if it keeps them.
    """
    text = '%s: %s' % (type(error).__name__, error)
    frames = traceback.extract_tb(error.__traceback__)
    if isinstance(error, SyntaxError) and error.lineno:
        # str(error) ends with "(file, line N)": the location is named once, with its line.
        text = '%s: %s (neural_net.py line %d: %s)' % (
            type(error).__name__, error.msg, error.lineno, (error.text or '').strip())
    # Resolved on both sides: a staging folder under a symlink (macOS /var is
    # /private/var) or a short 8.3 name on Windows must still match its frames.
    student_file = resolved_path(student_file, resolved)
    own = [frame for frame in frames if resolved_path(frame.filename, resolved) == student_file]
    if own:
        frame = own[-1]
        code = '' if isinstance(error, NotImplementedError) else ': %s' % (frame.line or '').strip()
        text += ' (neural_net.py line %d, in %s%s)' % (frame.lineno, frame.name, code)
    name = getattr(error, 'name', None)
    if isinstance(error, NameError) and name in PYTHON2_NAMES:
        text += ('; %s is Python 2: this assignment runs on Python 3, use %s (or start the '
                 'file with "from past.builtins import %s")' % (name, PYTHON2_NAMES[name], name))
    return text[:2000]


def resolved_path(path, resolved=None):
    """os.path.realpath(path), kept in the dict resolved (if given) by name: the
    tracebacks of a run's failing probes pass through the same few files (the student's,
    the kit's, numpy's), and resolving one takes a system call per folder of its path."""
    if resolved is None:
        return os.path.realpath(path)
    if path not in resolved:
        resolved[path] = os.path.realpath(path)
    return resolved[path]


def exception_facts(error, student_file, resolved=None):
    """What the grader may say about an exception of a hidden probe: its type's name and
    the last line of the student's file in its traceback (None if none)."""
    own = [frame for frame in traceback.extract_tb(error.__traceback__)
           if resolved_path(frame.filename, resolved) == student_file]
    return {'exception': type(error).__name__, 'line': own[-1].lineno if own else None}


def load_plan(staged_dir):
    """The plan as the grader wrote it into STAGED_DIR/plan.json, with its input arrays."""
    with open(os.path.join(staged_dir, 'plan.json'), encoding='utf-8') as handle:
        plan = json.load(handle)
    with open(plan['array_file'], 'rb') as handle:
        return attach_arrays(plan, handle.fileno())


def attach_arrays(plan, array_fd):
    """Give every probe of plan its input arrays, from the array file open at array_fd.

    Arrays a probe carries inline (base64 in plan.json) are decoded instead.
    The file is mapped copy-on-write, not read: its pages are shared
    with the other children through the page cache, and each probe's arrays
    are views of their own part of it, writable, whose changes stay in this
    process (so the probes need no copies of them). Returns plan.
    """
    mapped = b''
    if os.fstat(array_fd).st_size:
        mapped = mmap.mmap(array_fd, 0, access=mmap.ACCESS_COPY)
    arrays = {}
    for key, place in plan['arrays'].items():
        shape = tuple(place['shape'])
        arrays[key] = np.frombuffer(mapped, dtype=place.get('dtype', '<f8'),
                                    count=math.prod(shape),
                                    offset=place['offset']).reshape(shape)
    for probe in plan['probes']:
        probe['arrays'] = {name: arrays[key] for name, key in probe['array_keys'].items()}
        # Per-submission inputs come in plan.json itself (fresh, writable copies).
        probe['arrays'].update(channel.decode_arrays(probe.pop('inline', {})))
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
        # Encoded call headers by what fixes them: a run's calls repeat one or two headers
        # (the header holds shapes and offsets, the arrays' bytes go in the payload).
        self._headers = {}

    def __call__(self, net, X, y=None, reg=0.0):
        params = getattr(net, 'params', None)
        if not isinstance(params, dict):
            raise TypeError('self.params should be a dict')
        parameters = [probes.as_float_array(params.get(name), 'self.params[%r]' % name)
                      for name in probes.PARAM_NAMES]
        arrays = [probes.as_float_array(X, 'X')]
        if y is not None:
            arrays.append(probes.as_float_array(y, 'y'))
        reg = float(reg)
        payload = channel.Payload()
        entries = [payload.add(array) for array in arrays + parameters]
        # reg by its bits (0.0 and -0.0 are one dict key, not one header; NaN never hits);
        # an id that is not a string (student code can set it) is encoded afresh each time.
        key = (isinstance(self.probe_id, str) and (self.probe_id, reg.hex(), y is None,
                                                    tuple(array.shape for array in arrays),
                                                    tuple(array.shape for array in parameters)))
        header = self._headers.get(key) if key else None
        if header is None:
            header = channel.encode_header({
                'event': 'loss_call', 'id': self.probe_id, 'X': entries[0],
                'y': None if y is None else entries[1], 'reg': reg,
                'params': dict(zip(probes.PARAM_NAMES, entries[len(arrays):]))})
            if key and len(self._headers) < MAX_CALL_HEADERS:
                self._headers[key] = header
        self._send(header, payload)
        frame = channel.read_frame(self._replies, MAX_REPLY_BYTES)
        if frame is None:
            raise RuntimeError("the grader's reference loss did not answer")
        reply = channel.decode_message(frame[0])
        if reply.get('ok') is not True:
            raise RuntimeError("the grader's reference loss refused this call: %s"
                               % reply.get('error'))
        if y is None:
            return channel.decode_arrays(reply['scores'], frame[1])['scores']
        return np.float64(reply['loss']), channel.decode_arrays(reply['grads'], frame[1])


def take_channel():
    """(writer, reader) of the grader's channel; stdin/stdout then stop being it.

    fd 0 becomes the null device and fd 1 a copy of stderr, so neither the
    student's print() nor input() can touch the channel by accident.
    """
    writer = os.fdopen(os.dup(1), 'wb', buffering=0)
    reader = os.fdopen(os.dup(0), 'rb')
    sys.stdout.flush()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    return writer, reader


def apply_limits(limits):
    """The child's own resource limits, set before any student code runs.

    An unprivileged process can lower its limits but never raise them again.
    Where the resource module or a limit does not exist (Windows, some macOS
    limits), the grader's wall-clock timeout remains.
    """
    if limits is None:      # the portable layer: the grader's time limit only
        return
    try:
        import resource
    except ImportError:
        return
    memory = limits['memory_mb'] * 1024 * 1024
    wanted = [('RLIMIT_AS', memory), ('RLIMIT_CPU', int(limits['cpu_seconds'])),
              ('RLIMIT_FSIZE', limits['file_size_mb'] * 1024 * 1024), ('RLIMIT_CORE', 0)]
    if limits.get('open_files'):
        wanted.append(('RLIMIT_NOFILE', limits['open_files']))
    if limits.get('processes'):
        wanted.append(('RLIMIT_NPROC', limits['processes']))
    for name, value in wanted:
        kind = getattr(resource, name, None)
        if kind is None:
            continue
        try:
            soft, hard = resource.getrlimit(kind)
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(kind, (cap, cap))
        except (ValueError, OSError):
            pass


def die_with_parent():
    """Linux: the kernel kills this process if the grader dies (even by SIGKILL)."""
    if not sys.platform.startswith('linux'):
        return
    parent = os.getppid()
    try:
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:   # the grader was gone before the request took effect
        os._exit(1)


def pin_to(cpu):
    """Run this process (and what it forks from now on) on CPU cpu; None: leave it be.

    Placement only makes grading faster (sandbox/cpus.py), never decides a
    result: a CPU no longer allowed, or no affinity call, is ignored.
    """
    if cpu is None or not hasattr(os, 'sched_setaffinity'):
        return
    try:
        os.sched_setaffinity(0, {cpu})
    except (OSError, ValueError, TypeError):
        pass


def watch_grader(reader):
    """End this process when the grader is gone (a daemon thread; POSIX).

    reader: a pipe or socket whose other end the grader (or, under the warm
    start, its serving worker) holds until the run is over: the child's
    stdin, or a serving worker's socket. If that end goes, even by SIGKILL
    and even while this process was still starting (before any parent-death
    signal was armed), it hangs up and this process exits instead of
    outliving the batch.
    """
    import select
    import threading
    if not hasattr(select, 'poll'):
        return

    def watch():
        poller = select.poll()
        poller.register(reader.fileno(), select.POLLHUP)
        while True:
            for _, event in poller.poll():
                if event & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
                    os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def main():
    """Cold start: ``start_child.py STAGED_DIR``, the channel on stdin and stdout."""
    staged_dir = os.path.abspath(sys.argv[1])
    writer, reader = take_channel()
    watch_grader(reader)
    plan = load_plan(staged_dir)
    apply_limits(plan['limits'])
    if plan['limits'] is not None:
        die_with_parent()
    if plan.get('landlock'):
        landlock.confine_writes(os.path.join(staged_dir, 'work'))
    if plan.get('seccomp'):
        load_filter(plan.get('seccomp_file'))
    run_plan(plan, staged_dir, writer, reader)


def load_filter(program_file):
    """Load the seccomp filter (child/syscalls.py) into this process, after its own threads.

    program_file: the program the grader compiled (under bubblewrap, where
    no binding is importable), else None to build it here. A program the
    grader gave that cannot be loaded ends the process before student code.
    """
    if program_file is None:
        syscalls.install()
        return
    from . import namespaces
    try:
        namespaces.load_seccomp(namespaces.read_seccomp_program(program_file))
    except OSError as error:
        os.write(2, ('sandbox: the seccomp filter could not be loaded (%s)\n' % error).encode())
        os._exit(70)


def run_probes(module, plan_probes, send, served_loss, student_file):
    """Run each probe of the plan on module and send its result (one frame each).

    plan_probes: the plan's probes with their arrays (this run's own: the
    student may change them); served_loss: the ServedLoss of served probes,
    or None; student_file: the real path of the student's file.
    """
    resolved = {}   # file names of the tracebacks, resolved (resolved_path)
    for probe in plan_probes:
        serve = served_loss if probe.get('served') else None
        if serve is not None:
            serve.probe_id = probe['id']
        try:
            outputs = probes.run_probe(module, probe, probe['arrays'], serve, copy=False)
        except BaseException as error:  # noqa: B036
            send(dict(exception_facts(error, student_file, resolved), event='probe',
                      id=probe['id'], ok=False,
                      error=describe_exception(error, student_file, resolved)))
        else:
            problems = outputs.pop(probes.PROBLEMS, {})
            dtypes = outputs.pop(probes.NARROW_DTYPES, {})
            payload = channel.Payload()
            send({'event': 'probe', 'id': probe['id'], 'ok': True,
                  'outputs': channel.encode_arrays(outputs, payload), 'problems': problems,
                  'dtypes': dtypes}, payload)


def run_plan(plan, staged_dir, writer, reader):
    """Import the student's module and run the probes; never returns.

    The process is already limited and confined; staged_dir holds
    submission/neural_net.py and the writable work/ folder.
    """
    def send(message, payload=None):
        writer.write(channel.encode_message(message, payload))

    served_loss = ServedLoss(send, reader) if plan.get('served') else None
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
        writer.close()
        os._exit(0)
    send({'event': 'imported'})
    run_probes(module, plan['probes'], send, served_loss, student_file)
    send({'event': 'done'})
    writer.close()
    # Skip atexit handlers and finalizers the student may have registered.
    os._exit(0)
