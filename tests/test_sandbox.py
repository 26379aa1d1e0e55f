"""The sandbox against an attacker who has read its source.

One class holds every attack below plus two correct students and is graded
in one batch with --out under the strongest isolation layer of the machine
(bubblewrap here and in CI). Each attacker gets at most its bound, the good
students keep full marks, nothing outside the work folder changes and no
process outlives the batch. Fast unit tests cover the grader's own checks
of what comes back (loss service, channel, output validation).
"""
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from autograder.grading import _validated
from autograder.paths import REPO_DIR, SOLUTIONS_DIR
from autograder.checks.probe_inputs import build_probes
from autograder.sandbox import ProbeResult, isolation, zygotes
from autograder.sandbox.child import channel, syscalls
from autograder.sandbox.child.probes import PARAM_NAMES
from autograder.sandbox.service import AnswerCache, LossService, ProbeBudget
from helpers import (SYSTEM_PYTHON, UNGUARD, grader_tmpdir, uid_drop_missing, own_processes, reference_text, run_cli,
                     write_submission)

TIMEOUT = 15
SOLUTION = os.path.join(SOLUTIONS_DIR, 'neural_net.py')
STUB = open(os.path.join(REPO_DIR, 'assignment', 'neural_net.py')).read()
MARK = '# attack:'


def stub_with(code):
    """The untouched stub (0 points on its own) with code run at import."""
    return STUB.replace('import numpy as np\n', 'import numpy as np\n%s\n%s%s\n'
                        % (MARK, UNGUARD, code), 1)


def reference_with(code):
    """The reference (full marks on its own) with code run at import."""
    return reference_text().replace('import numpy as np\n', 'import numpy as np\n%s\n%s%s\n'
                                    % (MARK, UNGUARD, code), 1)


def reference_in_loss(code):
    line = 'loss = data_loss + reg_loss'
    return reference_with('').replace(line, line + '\n        ' + code, 1)


# name -> (source, (fewest, most) points). Each would have earned more, or
# damaged something, before kernel isolation and a distrustful parent.
ATTACKS = {
    # Read the solution, then run it as one's own code.
    'dir_fd_read': (stub_with(
        'import os\nfd = os.open("/", os.O_RDONLY)\nos.chdir("/usr")\n'
        'exec(os.read(os.open(%r, os.O_RDONLY, dir_fd=fd), 10 ** 6))'
        % SOLUTION.lstrip('/')), (0, 0)),
    'patched_guards_read': (stub_with(
        'import sys\nfor name, mod in list(sys.modules.items()):\n'
        '    if name.endswith("guards"):\n        mod._norm = lambda p: "/"\n'
        'exec(open(%r).read())' % SOLUTION), (0, 0)),
    'gc_rules_read': (stub_with(
        'import gc\nfor obj in gc.get_objects():\n'
        '    if isinstance(obj, list) and obj and isinstance(obj[0], tuple) and len(obj[0]) == 2'
        ' and isinstance(obj[0][1], bool):\n        obj.insert(0, ("/", True))\n'
        'exec(open(%r).read())' % SOLUTION), (0, 0)),
    # Control: with the guards switched off, reading a file outside the work
    # folder that the sandbox does show (the standard library) works.
    'guards_are_off': (reference_with(
        'import json as _json\nopen(_json.__file__).read()'), (18, 18)),
    # Write elsewhere: the kit, another student.
    'writes_kit': (stub_with(
        'import os\nfd = os.open("/", os.O_RDONLY)\n'
        'os.write(os.open(%r, os.O_CREAT | os.O_WRONLY, dir_fd=fd), b"x = 1")'
        % os.path.join(REPO_DIR, 'autograder', 'planted.py').lstrip('/')), (0, 0)),
    'writes_other_student': (stub_with(
        'open("<OTHER>", "w").write("broken")'), (0, 0)),
    'writes_system': (stub_with('open("/usr/lib/planted", "w").write("x")'), (0, 0)),
    # Full marks only if the class folder, the solution and the rest of the kit
    # (solutions/mutants.py quotes reference lines) are out of the child's sight.
    'sees_class': (reference_with(
        'import os\nif os.path.exists("<CLASS>"):\n    raise SystemExit("saw the class")'),
        (18, 18)),
    'sees_kit': (reference_with(
        'import os\nfor path in (%r, %r):\n    if os.path.exists(path):\n'
        '        raise SystemExit("saw " + path)'
        % (SOLUTION, os.path.join(SOLUTIONS_DIR, 'mutants.py'))), (18, 18)),
    # Processes: outlive the batch, kill or starve the grader.
    'fork_setsid': (stub_with(
        'import os\nif os.fork() == 0:\n    os.setsid()\n    import time\n    time.sleep(400)'), (0, 0)),
    'fork_bomb': (reference_in_loss(
        'import os\n        while True:\n            os.fork()'), (9, 9)),
    'kills_parent': (stub_with(
        'import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n'
        'signal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGKILL)'), (0, 0)),
    'starves_parent': (stub_with(
        'import os, resource\nresource.prlimit(os.getppid(), resource.RLIMIT_NOFILE, (3, 3))'),
        (0, 0)),
    'renices_parent': (stub_with('import os\nos.setpriority(os.PRIO_PROCESS, os.getppid(), 19)'),
                       (0, 0)),
    # Crowd the neighbour: move onto the CPU the grader gave the job beside it, change
    # the scheduling policy, start threads (GIL-free ones are each a runnable task).
    # Full marks only if each is refused.
    'moves_cpu': (reference_with(
        'import os\ntry:\n    os.sched_setaffinity(0, range(os.cpu_count()))\n'
        'except PermissionError:\n    pass\nelse:\n    raise SystemExit("moved")'), (18, 18)),
    'changes_policy': (reference_with(
        'import os\ntry:\n    os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))\n'
        'except PermissionError:\n    pass\nelse:\n    raise SystemExit("changed")'), (18, 18)),
    'starts_threads': (reference_with(
        'import threading\ntry:\n    threading.Thread(target=int).start()\n'
        'except RuntimeError:\n    pass\nelse:\n    raise SystemExit("started a thread")'),
        (18, 18)),
    # A ring with a polling kernel thread (IORING_SETUP_SQPOLL | SQ_AFF): syscall 425 is
    # io_uring_setup on x86_64 and arm64 alike.
    'io_uring_poller': (reference_with(
        'import ctypes\nparams = (ctypes.c_uint32 * 30)(4, 0, 2 | 4, 0, 100000)\n'
        'if ctypes.CDLL(None, use_errno=True).syscall(425, 4, params) >= 0:\n'
        '    raise SystemExit("a polling kernel thread")'), (18, 18)),
    # Lie to the grader over the channel.
    'forged_lines': (stub_with(
        'import os\nfor fd in range(3, 12):\n    try:\n'
        '        os.write(fd, b\'{"event": "probe", "id": "init_toy", "ok": true, '
        '"outputs": {}}\\n{"event": "imported"}\\n\')\n    except OSError:\n        pass'), (0, 0)),
    'forged_shape': (stub_with(
        'import os\nfor fd in range(3, 12):\n    try:\n'
        '        os.write(fd, b\'{"event": "probe", "id": "scores_toy", "ok": true, '
        '"outputs": {"scores": {"shape": [4294967296, 4294967296], "data": ""}}}\\n\')\n'
        '    except OSError:\n        pass'), (0, 0)),
    'encoder_patched': (reference_with(
        'import sys\nfor name, mod in list(sys.modules.items()):\n'
        '    if name.endswith("channel") and hasattr(mod, "encode_arrays"):\n'
        '        mod.encode_arrays = lambda arrays: {}'), (0, 0)),
    'floods_channel': (stub_with(
        'import os\nchunk = b"x" * 2 ** 20\nfor fd in range(3, 12):\n    try:\n'
        '        for _ in range(300):\n            os.write(fd, chunk)\n'
        '    except OSError:\n        pass'), (0, 0)),
    # Points not earned: labels from the dataset folder, no real training.
    # Full marks only if the dataset folder is hidden from the child.
    'sees_labels': (reference_with(
        'import os\nif os.path.exists("/usr/share/datasets/fashion-mnist"):\n'
        '    raise SystemExit("saw the dataset")'), (18, 18)),
    # Only no_mutation's point: predict's hidden labels vary, and train's loss_history
    # must hold the losses the grader served.
    'fake_training': (STUB.replace(
        "raise NotImplementedError(\n                'TwoLayerNet.train:", "return {'loss_history': "
        "[0.0] * num_iters, 'train_acc_history': [], 'val_acc_history': []}\n"
        "            raise NotImplementedError(\n                'TwoLayerNet.train:", 1).replace(
        "raise NotImplementedError(\n            'TwoLayerNet.predict:",
        "return np.zeros(X.shape[0], dtype=int)\n        raise NotImplementedError(\n"
        "            'TwoLayerNet.predict:", 1), (1, 1)),
    'fills_disk': (reference_in_loss(
        'open("hog", "ab").write(b"x" * 2 ** 27)'), (0, 9)),
}


def sha(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def tree_hash(folder):
    digest = hashlib.sha256()
    for root, dirs, names in sorted(os.walk(folder)):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(root, name)
            digest.update(path.encode() + b'\0' + open(path, 'rb').read())
    return digest.hexdigest()


def test_kernel_layer_is_there_in_ci():
    """With CI set, a machine without the kernel layer fails the suite (never skips)."""
    if not isolation.available('bwrap'):
        if os.environ.get('CI'):
            pytest.fail('bubblewrap cannot run here: .ci/run installs it; on GitHub runners '
                        'ci.yml enables unprivileged user namespaces')
        pytest.skip('bubblewrap cannot run on this machine')
    assert isolation.choose() == 'bwrap'
    assert isolation.seccomp_program(), 'pyseccomp is in requirements.txt'


@pytest.fixture(scope='module')
def attacked(tmp_path_factory):
    if not isolation.available('bwrap') and not os.environ.get('CI'):
        pytest.skip('bubblewrap cannot run on this machine')
    root = tmp_path_factory.mktemp('attacks')
    klass, out = root / 'class', root / 'out'
    for name in ('good_1', 'good_2'):
        write_submission(str(klass / name), reference_text())
    for name, (source, _bounds) in ATTACKS.items():
        source = source.replace('<OTHER>', str(klass / 'good_2' / 'neural_net.py')).replace(
            '<CLASS>', str(klass))
        write_submission(str(klass / name), source)
    protected = {'solution': sha(SOLUTION), 'kit': tree_hash(os.path.join(REPO_DIR, 'autograder')),
                 'good_2': sha(klass / 'good_2' / 'neural_net.py')}
    # The grader's scratch folder in a TMPDIR of this test's own: the process
    # check sees this batch's processes only (never another checkout's grader).
    scratch = grader_tmpdir()
    try:
        done = run_cli('grade', str(klass), '--out', str(out), '--jobs', '2', '--json',
                       '--timeout', str(TIMEOUT), '--dataset', 'fashion_mnist', timeout=900,
                       env={'TMPDIR': scratch})
        yield {'done': done, 'results': {r['submission']: r for r in json.loads(done.stdout)},
               'klass': klass, 'out': out, 'protected': protected, 'roots': [root, scratch]}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.slow
def test_batch_finishes_and_says_its_isolation(attacked):
    done = attacked['done']
    assert done.returncode == 0, done.stderr[-3000:]
    assert 'isolation: bwrap' in done.stderr
    assert all(r['isolation'] == 'bwrap' for r in attacked['results'].values())
    with open(attacked['out'] / 'grades.csv') as handle:
        header = handle.readline().strip().split(',')
    assert header[-1] == 'isolation'


@pytest.mark.slow
def test_good_students_keep_full_marks(attacked):
    for name in ('good_1', 'good_2'):
        assert attacked['results'][name]['score'] == 18, attacked['results'][name]


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(ATTACKS))
def test_attacker_gets_its_bound(attacked, name):
    result = attacked['results'][name]
    fewest, most = ATTACKS[name][1]
    assert fewest <= result['score'] <= most, json.dumps(result, indent=1)[:3000]


@pytest.mark.slow
def test_nothing_outside_the_work_folder_changed(attacked):
    protected = attacked['protected']
    assert sha(SOLUTION) == protected['solution']
    assert tree_hash(os.path.join(REPO_DIR, 'autograder')) == protected['kit']
    assert sha(attacked['klass'] / 'good_2' / 'neural_net.py') == protected['good_2']
    assert not os.path.exists(os.path.join(REPO_DIR, 'autograder', 'planted.py'))


@pytest.mark.slow
def test_no_process_outlives_the_batch(attacked):
    """Nothing of this batch runs on: the grader, its sandbox children, or what they
    started (fork_setsid's sleeper), found through this test's own folders."""
    roots = attacked['roots']
    assert own_processes(roots, str(attacked['klass'])) == []
    assert own_processes(roots, 'start_child.py') == []
    assert own_processes(roots) == []


# ------------------------------------------------------------- unit tests ---

def served_probe():
    return next(p for p in build_probes() if p['id'] == 'train_toy')


class Reference:
    """Stands in for the reference class: loss returns fixed values."""

    def loss(self, X, y=None, reg=0.0):
        if y is None:
            return np.zeros((X.shape[0], 3))
        return 1.5, {name: np.zeros_like(self.params[name]) for name in self.params}


def call(probe, **changes):
    arrays = probe['arrays']
    message = {'event': 'loss_call', 'id': probe['id'], 'reg': 0.1,
               'X': channel.encode_arrays({'X': arrays['X']})['X'],
               'y': channel.encode_arrays({'y': arrays['y']})['y'] if 'y' in arrays else None,
               'params': channel.encode_arrays({n: arrays[n] for n in ('W1', 'b1', 'W2', 'b2')})}
    message.update(changes)
    return message


def test_service_answers_only_after_the_gate_and_within_budget():
    probe = served_probe()
    service = LossService(Reference, {probe['id']: ProbeBudget(probe)}, ['loss_toy_reg'])
    assert 'not available' in service.answer(call(probe), reported_ids=[])['error']
    reply = service.answer(call(probe), reported_ids=['loss_toy_reg'])
    assert reply['ok'] and reply['loss'] == 1.5
    assert service.served_losses[probe['id']] == [1.5]
    assert 'not available' in service.answer(
        call(probe), reported_ids=['loss_toy_reg', probe['id']])['error']
    for _ in range(probe['args']['num_iters']):
        service.answer(call(probe), reported_ids=['loss_toy_reg'])
    assert 'too many calls' in service.answer(call(probe), reported_ids=['loss_toy_reg'])['error']


def served_pair():
    """Two served probes of one grade (predict_hidden runs first, then train_hidden)."""
    probes = {p['id']: p for p in build_probes()}
    return probes['predict_hidden'], probes['train_hidden']


def test_service_answers_only_the_running_probe_and_names_the_others():
    predict, train = served_pair()
    service = LossService(Reference, {predict['id']: ProbeBudget(predict),
                                      train['id']: ProbeBudget(train)}, ['loss_toy_reg'])
    gate = ['loss_toy_reg']
    # While predict_hidden runs, a call under train_hidden's id (answers of the right
    # shapes, asked ahead) or under a reported probe's id is refused and counted.
    for claimed in (train['id'], 'loss_hidden_reg', 'loss_toy_reg'):
        reply = service.answer(call(predict, id=claimed, y=None), reported_ids=gate)
        assert reply['ok'] is False and 'only the test that is running' in reply['error']
    assert service.foreign_calls == {train['id']: 1, 'loss_hidden_reg': 1, 'loss_toy_reg': 1}
    assert service.answer(call(predict, y=None), reported_ids=gate)['ok'] is True
    # predict asks for scores only: a labelled call is no part of it.
    labels = channel.encode_arrays({'y': np.zeros(predict['arrays']['X'].shape[0])})['y']
    labelled = service.answer(call(predict, y=labels), reported_ids=gate)
    assert labelled['ok'] is False and 'without labels' in labelled['error']
    # Once predict_hidden has reported, train_hidden runs and predict_hidden's id is refused.
    gate = gate + [predict['id']]
    assert service.answer(call(train), reported_ids=gate)['ok'] is True
    assert service.answer(call(predict, y=None), reported_ids=gate)['ok'] is False
    assert service.foreign_calls[predict['id']] == 1
    assert service.record()['foreign_calls'] == service.foreign_calls
    assert service.served_losses == {predict['id']: [], train['id']: [1.5]}


def test_a_replay_under_another_probes_id_is_refused_and_counted_once():
    predict, train = served_pair()
    budgets = {predict['id']: ProbeBudget(predict), train['id']: ProbeBudget(train)}
    cache = AnswerCache()
    first = LossService(Reference, budgets, [], cache=cache)
    payload = channel.Payload()
    arrays = train['arrays']
    message = {'event': 'loss_call', 'id': train['id'], 'reg': 0.1,
               'X': payload.add(arrays['X']), 'y': payload.add(arrays['y']),
               'params': channel.encode_arrays({n: arrays[n] for n in PARAM_NAMES}, payload)}
    header, data = channel.read_frame(io.BytesIO(channel.encode_message(message, payload)),
                                      10 ** 6)
    first.reply_frame(channel.decode_message(header), [predict['id']], header, data)
    second = LossService(Reference, budgets, [], cache=cache)
    assert second.replay(header, data, []) is None      # predict_hidden is running
    refused = second.reply_frame(channel.decode_message(header), [], header, data)
    assert b'only the test that is running' in refused
    assert second.foreign_calls == {train['id']: 1}


@pytest.mark.parametrize('changes, words', [
    ({'id': 'loss_toy_reg'}, 'only the test that is running'),
    ({'X': channel.encode_arrays({'X': np.zeros((500, 4))})['X']}, 'at most'),
    ({'y': channel.encode_arrays({'y': np.full(5, 7.0)})['y']}, 'integer labels'),
    ({'y': channel.encode_arrays({'y': np.array([0, 1, np.nan, 1, 0])})['y']}, 'integer labels'),
    ({'y': channel.encode_arrays({'y': np.array([0, 1, 1.5, 1, 0])})['y']}, 'integer labels'),
    ({'y': channel.encode_arrays({'y': np.array([0, 1, -np.inf, 1, 0])})['y']}, 'integer labels'),
    ({'reg': float('nan')}, 'finite number'),
    ({'reg': 2 ** 2000}, 'finite number'),           # past the float range (JSON allows it)
    ({'reg': '0.1'}, 'finite number'),
    ({'params': {}}, 'exactly W1, b1, W2 and b2'),
    ({'X': {'shape': [2 ** 32, 2 ** 32], 'data': ''}}, 'could not be read'),
])
def test_service_refuses_malformed_calls(changes, words):
    probe = served_probe()
    service = LossService(Reference, {probe['id']: ProbeBudget(probe)}, [])
    reply = service.answer(call(probe, **changes), reported_ids=[])
    assert reply['ok'] is False and words in reply['error'], reply


@pytest.mark.skipif(not os.path.isdir('/proc/self/fd'), reason='counts descriptors in /proc')
def test_a_job_whose_file_cannot_be_opened_leaves_no_descriptor_open(tmp_path):
    present = tmp_path / 'present'
    present.write_bytes(b'x')
    before = sorted(os.listdir('/proc/self/fd'))
    with pytest.raises(FileNotFoundError):
        zygotes.job_descriptors(str(present), str(present), str(tmp_path / 'gone'), 0, 0, 2)
    assert sorted(os.listdir('/proc/self/fd')) == before


def test_channel_decoding_computes_sizes_with_python_ints():
    with pytest.raises(channel.WireError, match='too large'):
        channel.decode_arrays({'a': {'shape': [2 ** 32, 2 ** 32], 'data': ''}})
    with pytest.raises(channel.WireError):
        channel.decode_arrays({'a': {'shape': [True, 2], 'data': ''}})


def frame_bytes(message, arrays=None):
    payload = channel.Payload()
    if arrays:
        message = dict(message, outputs=channel.encode_arrays(arrays, payload))
    return channel.encode_message(message, payload)


def test_frames_carry_raw_arrays_and_are_read_back():
    arrays = {'a': np.arange(6.0).reshape(2, 3), 'b': np.array([-0.0, np.inf])}
    stream = io.BytesIO(frame_bytes({'event': 'probe'}, arrays) + frame_bytes({'event': 'done'}))
    header, payload = channel.read_frame(stream, 1000)
    message = channel.decode_message(header)
    decoded = channel.decode_arrays(message['outputs'], payload)
    for name in arrays:
        assert np.array_equal(decoded[name], arrays[name])
        assert decoded[name].flags.writeable and decoded[name].flags.owndata
    assert channel.decode_message(channel.read_frame(stream, 1000)[0]) == {'event': 'done'}
    assert channel.read_frame(stream, 1000) is None


@pytest.mark.parametrize('data, error', [
    (channel.FRAME_PREFIX.pack(2 ** 32 - 1, 2 ** 32 - 1), channel.FrameTooLarge),
    (channel.FRAME_PREFIX.pack(channel.MAX_HEADER_BYTES + 1, 0), channel.FrameTooLarge),
    (channel.FRAME_PREFIX.pack(10, 0) + b'{"event"', channel.WireError),
    (b'{"ev', channel.WireError),
    (b'{"event": "probe", "id": "init_toy"}\n' * 4, channel.FrameTooLarge),
])
def test_frames_are_capped_before_they_are_read(data, error):
    with pytest.raises(error):
        channel.read_frame(io.BytesIO(data), 4096)


@pytest.mark.parametrize('item', [
    {'shape': [2, 3], 'offset': 8}, {'shape': [1], 'offset': -8}, {'shape': [1], 'offset': True},
    {'shape': [1], 'offset': 2 ** 70}, {'shape': [2 ** 32, 2 ** 32], 'offset': 0},
    {'shape': [1], 'data': 'AAAAAAAAAAA='}, {'shape': [1]},
])
def test_arrays_must_lie_inside_the_payload(item):
    with pytest.raises(channel.WireError):
        channel.decode_arrays({'a': item}, bytes(48))


def test_arrays_cannot_share_bytes_to_multiply_what_the_grader_allocates():
    aliased = {'a%d' % i: {'shape': [6], 'offset': 0} for i in range(1000)}
    with pytest.raises(channel.WireError, match='more bytes than it carries'):
        channel.decode_arrays(aliased, bytes(48))
    payload = channel.Received(bytes(48))
    channel.decode_arrays({'X': {'shape': [6], 'offset': 0}}, payload)
    with pytest.raises(channel.WireError, match='more bytes than it carries'):
        channel.decode_arrays({'W1': {'shape': [1], 'offset': 0}}, payload)


def test_service_answers_a_framed_call_with_a_framed_reply():
    probe = served_probe()
    service = LossService(Reference, {probe['id']: ProbeBudget(probe)}, [])
    arrays = probe['arrays']
    payload = channel.Payload()
    message = {'event': 'loss_call', 'id': probe['id'], 'reg': 0.1, 'y': None,
               'X': payload.add(arrays['X']),
               'params': channel.encode_arrays({n: arrays[n] for n in ('W1', 'b1', 'W2', 'b2')},
                                               payload)}
    header, data = channel.read_frame(io.BytesIO(channel.encode_message(message, payload)), 10 ** 6)
    reply_payload = channel.Payload()
    reply = service.answer(channel.decode_message(header), [], data, reply_payload)
    header, data = channel.read_frame(
        io.BytesIO(channel.encode_message(reply, reply_payload)), 10 ** 6)
    scores = channel.decode_arrays(channel.decode_message(header)['scores'], data)['scores']
    assert np.array_equal(scores, np.zeros((arrays['X'].shape[0], 3)))
    base64_form = {key: {'shape': value['shape'], 'data': 'AAAA'}
                   for key, value in message['params'].items()}
    refused = service.answer(dict(message, params=base64_form), [], data, reply_payload)
    assert refused['ok'] is False and 'could not be read' in refused['error']


def test_outputs_are_validated_against_the_reference():
    reference = {'p': ProbeResult.success({'scores': np.zeros((5, 3))})}
    forged = {'p': ProbeResult.success({'scores': np.zeros((2, 2)), 'extra': np.zeros(1)})}
    checked = _validated(forged, reference)
    assert checked['p'].ok is False and 'malformed' in checked['p'].error
    fine = {'p': ProbeResult.success({'scores': np.ones((5, 3))})}
    assert _validated(fine, reference)['p'].ok is True


def test_unknown_or_unavailable_layer_is_an_error(monkeypatch):
    with pytest.raises(isolation.IsolationError, match='unknown isolation layer'):
        isolation.choose('chroot')
    monkeypatch.setattr(isolation, 'available', lambda layer: layer == 'portable')
    with pytest.raises(isolation.IsolationError, match='cannot run on this machine'):
        isolation.choose('bwrap')


@pytest.mark.slow
def test_every_layer_gives_the_same_grade(tmp_path):
    """The layer changes what the child can reach, never the numbers: a chaotic
    training run (unscaled initial weights) lands on the same validation accuracy
    under bubblewrap and in a plain process (same environment, same BLAS threads)."""
    from helpers import mutants
    if not isolation.available('bwrap'):
        pytest.skip('bubblewrap cannot run on this machine')
    path = mutants.write(mutants.BY_NAME['init_not_scaled'], str(tmp_path))
    outputs = {}
    for layer in ('bwrap', 'process'):
        done = run_cli('grade', path, '--json', '--dataset', 'fashion_mnist',
                       env={'TLN_ISOLATION': layer}, check=True)
        [result] = json.loads(done.stdout)
        assert result.pop('isolation') == layer
        outputs[layer] = result
    assert outputs['bwrap'] == outputs['process']


@pytest.mark.slow
@pytest.mark.machine        # children as the sandbox user: no other test's beside them
def test_uid_drop_layer_under_a_dedicated_user(tmp_path):
    """Where namespaces are forbidden (Gradescope's Docker) the child runs as
    tln-student: with the guards off it still cannot write another student's
    file (root-only folders) or start a process that escapes the batch (its
    own seccomp filter), and correct code keeps full marks."""
    missing = uid_drop_missing()
    if missing:
        if os.environ.get('CI'):
            pytest.fail('uid-drop layer untestable under CI: ' + missing)
        pytest.skip(missing)
    klass = tmp_path / 'class'
    write_submission(str(klass / 'good'), reference_text())
    write_submission(str(klass / 'forks'), stub_with(
        'import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(400)'))
    write_submission(str(klass / 'threads'), stub_with(
        'import threading\nthreading.Thread(target=int).start()'))
    write_submission(str(klass / 'writes'), stub_with(
        'open(%r, "w").write("broken")' % str(klass / 'good' / 'neural_net.py')))
    before = sha(klass / 'good' / 'neural_net.py')
    done = subprocess.run([SYSTEM_PYTHON, '-m', 'autograder', 'grade', str(klass), '--json',
                           '--public-seed', '--dataset', 'none', '--no-report', '--timeout', '20'],
                          cwd=REPO_DIR, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, TLN_ISOLATION='uid-drop', PYTHONPATH=REPO_DIR))
    assert done.returncode == 0, done.stderr[-3000:]
    assert 'isolation: uid-drop' in done.stderr
    results = {r['submission']: r for r in json.loads(done.stdout)}
    assert {r['isolation'] for r in results.values()} == {'uid-drop'}
    assert results['good']['score'] == 15
    assert results['forks']['score'] == 0 and 'Operation not permitted' in results['forks']['problem']
    assert results['writes']['score'] == 0 and 'Permission denied' in results['writes']['problem']
    assert "can't start new thread" in results['threads']['problem']
    assert sha(klass / 'good' / 'neural_net.py') == before
    left = subprocess.run(['ps', '-u', ','.join(user[0] for user in isolation.sandbox_users()),
                           '-o', 'pid='], capture_output=True, text=True).stdout.split()
    assert left == []


class RecordingFilter:
    """Stands in for pyseccomp.SyscallFilter: keeps the rules, knows no name in UNKNOWN."""
    UNKNOWN = {'io_uring_setup', 'kcmp'}

    def __init__(self, default):
        self.rules = []

    def add_rule(self, action, call, *args):
        if call in self.UNKNOWN:
            raise OSError(22, 'Invalid argument')
        self.rules.append((action, call))


def test_a_call_this_libseccomp_does_not_know_costs_only_its_own_rule(monkeypatch):
    """Names an older libseccomp lacks go by their unified number (io_uring_setup is
    425 on every architecture) or are left out; the rest of the filter stands."""
    fake = type(sys)('pyseccomp')
    fake.SyscallFilter, fake.ALLOW, fake.ERRNO = RecordingFilter, 'allow', lambda e: ('errno', e)
    monkeypatch.setitem(sys.modules, 'pyseccomp', fake)
    calls = {call for _, call in syscalls.build_filter().rules}
    assert 425 in calls and 'io_uring_setup' not in calls
    assert 'kcmp' not in calls
    assert {'fork', 'clone', 'sched_setaffinity', 'io_uring_enter', 'clone3'} <= calls


def test_grade_says_loudly_when_the_kernel_layer_has_no_seccomp_filter(monkeypatch):
    monkeypatch.setattr(isolation, 'seccomp_program', lambda: None)
    assert isolation.describe('bwrap').startswith('WARNING: isolation: bwrap without its seccomp')
    monkeypatch.setattr(isolation, 'seccomp_program', lambda: b'\0' * 8)
    assert isolation.describe('bwrap') == 'isolation: bwrap'


LANDLOCK_TRIAL = r'''
import os, sys
from autograder.sandbox.child import landlock
work, outside = sys.argv[1], sys.argv[2]
import ctypes
abi = landlock._abi(ctypes.CDLL(None, use_errno=True))
print(abi, landlock.confine_writes(work))
def attempt(path):
    try:
        open(path, 'w').write('x')
        return 'wrote'
    except OSError as error:
        return error.strerror
print(attempt(os.path.join(work, 'inside')), attempt(os.devnull), attempt(outside))
os.makedirs(os.path.join(work, 'a', 'b'))
os.rename(os.path.join(work, 'inside'), os.path.join(work, 'a', 'b', 'moved'))
print(open(os.path.join(work, 'a', 'b', 'moved')).read())
'''


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='Landlock is Linux')
def test_landlock_keeps_writes_inside_the_work_folder(tmp_path):
    """Outside bubblewrap (uid-drop, process), the child may write beneath its work folder
    and to /dev/null, nowhere else, whatever its guards and file permissions allow."""
    work = tmp_path / 'work'
    work.mkdir()
    done = subprocess.run([sys.executable, '-c', LANDLOCK_TRIAL, str(work), str(tmp_path / 'out')],
                          capture_output=True, text=True, cwd=REPO_DIR, timeout=60)
    assert done.returncode == 0, done.stderr
    enforced, writes, moved = (done.stdout.splitlines() + ['', ''])[:3]
    if enforced == '0 False':
        pytest.skip('this kernel has no Landlock (the other layers hold)')
    assert enforced.endswith(' True'), (enforced, done.stderr)   # the kernel has it: it works
    assert writes == 'wrote wrote Permission denied'
    assert moved == 'x'
    assert not (tmp_path / 'out').exists()
