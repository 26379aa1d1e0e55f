"""The warm start: each student's process is a fork of a sandboxed zygote (sandbox/warm.py).

It must grade exactly as a cold start does, confine each fork as bubblewrap
confines a fresh process, and carry nothing from one student to the next.
The confinement is observed from inside: a submission collects what it can
see and do at import and reports it in the exception it raises.
"""
import errno
import json
import os
import platform
import signal

import pytest

from autograder.grading import Grader
from autograder.paths import REPO_DIR
from autograder.sandbox import Limits, Sandbox, isolation, warm, zygotes
from helpers import UNGUARD, mutants

pytestmark = pytest.mark.slow

CORPUS = os.path.join(REPO_DIR, 'tests', 'corpus')
SECRET = 'SECRET-OF-THE-FIRST-' + 'STUDENT'

# Run at import by the probing submission; raises with what it found.
PROBE = r'''
import ctypes, errno, gc, json, os, socket
facts = {'pid': os.getpid(), 'ppid': os.getppid()}
def attempt(name, action):
    try:
        facts[name] = ['ok', action()]
    except BaseException as error:
        facts[name] = [type(error).__name__, getattr(error, 'errno', None)]
attempt('proc', lambda: sorted(os.listdir('/proc')))
attempt('work_before', lambda: sorted(os.listdir('.')))
attempt('write_work', lambda: open('left_by_' + str(os.getpid()), 'w').write('x'))
for folder in ('/dev/shm', '/tmp', '/tln/submission', '/tln'):
    attempt('write ' + folder, lambda folder=folder: open(folder + '/planted', 'w').write('x'))
writable = []
for root, dirs, files in os.walk('/'):
    if os.access(root, os.W_OK):
        try:
            open(os.path.join(root, '.probe'), 'w').close()
            writable.append(root)
        except OSError:
            pass
facts['writable'] = writable
attempt('fork', os.fork)
attempt('thread', lambda: __import__('threading').Thread(target=int).start())
attempt('affinity', lambda: os.sched_setaffinity(0, os.sched_getaffinity(0)))
attempt('memfd', lambda: os.memfd_create('kept'))
attempt('inotify', lambda: ctypes.CDLL(None, use_errno=True).inotify_init1(0))
def many_files(limit=10000):
    os.mkdir('many')
    for count in range(limit):
        try:
            open('many/%d' % count, 'w').close()
        except OSError as error:
            return [count, error.errno]
    return [limit, None]
facts['files'] = many_files()
facts['open_files'] = __import__('resource').getrlimit(__import__('resource').RLIMIT_NOFILE)
libc = ctypes.CDLL(None, use_errno=True)
attempt('unshare', lambda: libc.unshare(0x10000000) or 0)
attempt('shmget', lambda: libc.shmget(0, 1 << 20, 0o1600))     # IPC_PRIVATE: -1 if refused
attempt('msgget', lambda: libc.msgget(0, 0o1600))
attempt('mount', lambda: libc.mount(b'none', b'/tln/work', b'tmpfs', 0, None))
header = (ctypes.c_uint32 * 2)(0x20080522, 0)
data = (ctypes.c_uint32 * 6)()
libc.capget(header, data)
facts['capabilities'] = list(data)
attempt('network', lambda: socket.create_connection(('10.0.0.1', 80), timeout=2).close())
def seen(needle):
    return any(needle in text for item in gc.get_referents(*gc.get_objects())
               if isinstance(item, (str, bytes)) and item is not needle
               for text in [item if isinstance(item, str) else item.decode('latin-1')])
needle = 'SECRET-OF-THE-FIRST-' + 'STUDENT'
kept = ['control: ' + needle.lower()]
facts['secret_seen'] = seen(needle)
facts['control_seen'] = seen(needle.lower())     # the search finds what is there
facts['modules'] = sorted(name for name in __import__('sys').modules if 'neural' in name)
raise RuntimeError('FACTS' + json.dumps(facts))
'''


def warm_start_possible():
    return isolation.available('bwrap') and isolation.choose() == 'bwrap'


@pytest.fixture
def warm_only(monkeypatch):
    if not warm_start_possible():
        pytest.skip('bubblewrap cannot run here (tests/test_sandbox.py fails that under CI)')
    monkeypatch.setenv('TLN_WARM_START', '1')
    with Sandbox() as box:    # this test's zygotes, workers and CPU slots
        yield box


def facts_of(box, source, limits=None):
    """What PROBE (in source) saw, from the exception text it raised at import (box: the
    Sandbox)."""
    pack = box.probe_pack([])
    try:
        run = box.run(source.encode(), pack, limits or Limits(timeout=20))
    finally:
        pack.close()
    assert 'FACTS' in run.import_error, (run.import_error, run.stderr)
    text = run.import_error.split('FACTS', 1)[1]
    return json.JSONDecoder().raw_decode(text)[0]


def test_warm_start_is_used_where_bubblewrap_runs(warm_only):
    with Grader(dataset='none', seed=4711, sandbox=warm_only) as grader:
        result = grader.grade_file(os.path.join(REPO_DIR, 'solutions', 'neural_net.py'), 'ref')
        assert result.score == result.max_score
        assert warm_only.zygotes.broken is None
        assert len(warm_only.zygotes._idle) == 1     # the zygote went back to the pool


def test_a_fork_is_confined_like_a_fresh_sandbox(warm_only):
    """Process 2 of its own PID namespace with nothing else in view, a fresh empty
    work folder and nothing else writable in the whole tree, no fork, thread or CPU move, no
    namespaces or mounts of its own, no capabilities, no network."""
    facts = facts_of(warm_only, 'import numpy as np\n' + UNGUARD + PROBE)
    assert facts['pid'] == 2 and facts['ppid'] == 1      # under an init, as in bubblewrap
    assert facts['proc'] == ['ok', []]
    assert facts['work_before'] == ['ok', []]
    assert facts['write_work'][0] == 'ok'
    for folder in ('/dev/shm', '/tmp', '/tln/submission', '/tln'):
        assert facts['write ' + folder][0] in ('OSError', 'PermissionError',
                                               'FileNotFoundError'), (folder, facts)
    # Shared by every fork of the zygote, everything else is read-only.
    assert facts['writable'] == ['/tln/work']
    assert facts['fork'][0] == 'PermissionError'
    assert facts['thread'][0] == 'RuntimeError'           # no threads: no flood of tasks
    assert facts['affinity'][0] == 'PermissionError'      # stays on the CPU it was given
    assert facts['memfd'][0] == 'PermissionError'         # no memory the address limit misses
    assert facts['shmget'] == ['ok', -1] and facts['msgget'] == ['ok', -1]
    assert facts['inotify'] == ['ok', -1]
    assert facts['files'][1] == errno.ENOSPC and facts['files'][0] < 4096   # inodes capped
    assert facts['open_files'] == [256, 256]
    assert facts['unshare'] == ['ok', -1] and facts['mount'] == ['ok', -1]
    assert facts['capabilities'] == [0] * 6
    assert facts['network'][0] != 'ok'


def test_a_cold_child_loads_the_same_filter(warm_only, monkeypatch):
    """Started by bubblewrap itself (no zygote), the child loads the filter from the
    program the grader compiled, after its own watcher thread: no fork, thread,
    CPU move or anonymous file for the student either, and nothing writable but
    the work folder."""
    monkeypatch.setenv('TLN_WARM_START', '0')
    facts = facts_of(warm_only, 'import numpy as np\n' + UNGUARD + PROBE)
    assert warm_only.zygotes._idle == []                          # no zygote was started
    assert facts['fork'][0] == 'PermissionError'
    assert facts['thread'][0] == 'RuntimeError'
    assert facts['affinity'][0] == 'PermissionError'
    assert facts['memfd'][0] == 'PermissionError'
    assert facts['shmget'] == ['ok', -1] and facts['msgget'] == ['ok', -1]
    assert facts['inotify'] == ['ok', -1]
    assert facts['open_files'] == [256, 256]
    # bwrap's own /dev and root are tmpfs without a size cap: read-only, as under the zygote.
    assert facts['writable'] == ['/tln/work']


@pytest.mark.skipif(platform.machine() != 'x86_64', reason='x32 system calls are x86_64 only')
@pytest.mark.parametrize('warm_start', ['1', '0'])
def test_a_call_of_another_abi_ends_the_process_at_once(warm_only, monkeypatch, warm_start):
    """An x32 system call (the filter's wrong-architecture action) ends the whole process
    by SIGSYS; killing only the calling thread left it to hang until its timeout."""
    monkeypatch.setenv('TLN_WARM_START', warm_start)
    pack = warm_only.probe_pack([])
    try:
        run = warm_only.run((UNGUARD + 'import ctypes\nctypes.CDLL(None).syscall(0x40000039)\n')
                             .encode(), pack, Limits(timeout=20))
    finally:
        pack.close()
    assert not run.timed_out and run.returncode in (128 + signal.SIGSYS, -signal.SIGSYS), run


def test_nothing_carries_over_from_the_previous_student(warm_only):
    """The first student's source, files and modules are gone for the next fork of the
    same zygote (the zygote never reads a job's data; each fork gets a fresh tmpfs)."""
    first = ('import numpy as np\nSECRET = %r\nopen("left_behind", "w").write(SECRET)\n'
             'raise RuntimeError("FACTS{}")\n' % SECRET)
    facts_of(warm_only, first)
    assert len(warm_only.zygotes._idle) == 1
    facts = facts_of(warm_only, 'import numpy as np\n' + UNGUARD + PROBE)
    assert len(warm_only.zygotes._idle) == 1, 'the same zygote served both'
    assert facts['work_before'] == ['ok', []]
    assert facts['control_seen'] is True
    assert facts['secret_seen'] is False
    assert facts['modules'] == ['neural_net']


def test_a_timed_out_fork_costs_only_its_zygote(warm_only):
    pack = warm_only.probe_pack([])
    try:
        run = warm_only.run(b'while True:\n    pass\n', pack, Limits(timeout=2))
        assert run.timed_out and not run.imported
        assert warm_only.zygotes._idle == [] and warm_only.zygotes.broken is None
        run = warm_only.run(b'import numpy as np\nclass TwoLayerNet:\n    pass\n', pack,
                             Limits(timeout=20))
        assert run.imported and run.finished and not run.timed_out
        assert len(warm_only.zygotes._idle) == 1
    finally:
        pack.close()


def test_without_nested_namespaces_children_start_cold(warm_only, monkeypatch):
    """A zygote that cannot confine its forks switches the warm start off for the
    process; the grade is the same, from a cold start."""
    monkeypatch.setattr(zygotes.Zygote, '__init__', _refusing_zygote)
    with Grader(dataset='none', seed=4711, sandbox=warm_only) as grader:
        result = grader.grade_file(os.path.join(REPO_DIR, 'solutions', 'neural_net.py'), 'ref')
    assert result.score == result.max_score
    assert warm_only.zygotes.broken == 'nested user namespaces refused (test)'


def _refusing_zygote(self, *args, **kwargs):
    raise warm.WarmStartFailed('nested user namespaces refused (test)')


# A correct file that ends itself at import: process 1 of a PID namespace would
# ignore these signals, so the student's process must not be process 1.
ENDS_ITSELF = {
    'self_kill': 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)',
    'self_term': 'import signal\nsignal.raise_signal(signal.SIGTERM)',
    'alarm': 'import signal, time\nsignal.alarm(1)\ntime.sleep(3)',
    'abort': 'import os\nos.abort()',
    'segfault': 'import faulthandler\nfaulthandler._sigsegv()',
}


def test_warm_and_cold_starts_grade_identically(warm_only, monkeypatch, tmp_path):
    """Every mutant and corpus file, and correct files that end themselves by a
    signal, JSON for JSON, warm against cold."""
    from helpers import reference_text, write_submission
    files = [(m.name, mutants.write(m, str(tmp_path / m.name))) for m in mutants.MUTANTS]
    files += [(name, os.path.join(CORPUS, name)) for name in sorted(os.listdir(CORPUS))
              if name.endswith('.py')]
    files += [(name, write_submission(str(tmp_path / name), reference_text().replace(
        'import numpy as np\n', 'import numpy as np\n' + code + '\n', 1)))
        for name, code in ENDS_ITSELF.items()]
    results = {}
    for mode in ('1', '0'):
        monkeypatch.setenv('TLN_WARM_START', mode)
        with Grader(dataset='none', seed=4711, sandbox=warm_only) as grader:
            results[mode] = [grader.grade_file(path, name).to_json(timing=False)
                             for name, path in files]
    assert results['1'] == results['0']
    assert len(results['1']) == len(files) > 80
    for result in results['1'][-len(ENDS_ITSELF):]:
        assert result['score'] == 0, result


def test_a_zygote_outlives_its_thread_and_a_dead_one_is_replaced(warm_only):
    """A zygote started by a batch's worker thread serves later grades; one that
    died while idle is replaced without switching the warm start off."""
    import signal
    import threading
    reference = os.path.join(REPO_DIR, 'solutions', 'neural_net.py')
    with Grader(dataset='none', seed=4711, sandbox=warm_only) as grader:
        worker = threading.Thread(target=grader.grade_file, args=(reference, 'in a thread'))
        worker.start()
        worker.join()
        [first] = warm_only.zygotes._idle
        assert grader.grade_file(reference, 'after the thread').score == grader.max_score
        assert warm_only.zygotes._idle == [first]
        os.killpg(first.proc.pid, signal.SIGKILL)
        first.proc.wait(timeout=10)
        assert grader.grade_file(reference, 'after its death').score == grader.max_score
        assert warm_only.zygotes.broken is None
        [second] = warm_only.zygotes._idle
        assert second is not first and second.alive()


def test_channels_are_served_by_a_worker_process(warm_only):
    """The loss calls are answered in a serving worker, not in the grader's process;
    its record comes back (train is judged on the losses it served); a worker that
    died while idle is replaced."""
    import signal
    reference = os.path.join(REPO_DIR, 'solutions', 'neural_net.py')
    with Grader(dataset='none', seed=4711, sandbox=warm_only) as grader:
        result = grader.grade_file(reference, 'ref')
        assert result.score == result.max_score
        [worker] = warm_only.workers._idle
        assert worker.proc.pid != os.getpid() and worker.alive()
        os.kill(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait(timeout=10)
        assert grader.grade_file(reference, 'again').score == grader.max_score
        [second] = warm_only.workers._idle
        assert second is not worker and warm_only.workers.broken is None


@pytest.mark.machine            # a time bound: beside no other test
def test_a_serving_worker_that_dies_mid_job_is_the_graders_failure(warm_only):
    """Not the student's doing: the grade raises (a batch reports the grader's failure
    for that submission and grades the rest), no score is made up."""
    import signal
    import threading
    import time
    slow = reference_with_import_code('import time\ntime.sleep(3)')
    with Grader(dataset='none', seed=4711, sandbox=warm_only) as grader:
        # The warm-up only starts the serving worker: no need to wait for a slow import.
        fast = reference_with_import_code('').encode()
        grader.grade_source(fast, 'warm-up')
        [worker] = warm_only.workers._idle
        killer = threading.Timer(1.0, os.kill, (worker.proc.pid, signal.SIGKILL))
        killer.start()
        started = time.monotonic()
        with pytest.raises(RuntimeError, match='serving worker failed'):
            grader.grade_source(slow.encode(), 'during')
        assert time.monotonic() - started < 20
        # A new serving worker grades the next one (a fast one: nothing to kill any more).
        assert grader.grade_source(fast, 'after').score == grader.max_score
        [second] = warm_only.workers._idle
        assert second is not worker and warm_only.workers.broken is None


def reference_with_import_code(code):
    from helpers import reference_text
    return reference_text().replace('import numpy as np\n', 'import numpy as np\n' + code + '\n', 1)


AFFINITY = "import os\nraise RuntimeError('FACTS' + __import__('json').dumps(sorted(os.sched_getaffinity(0))))\n"


def test_a_job_and_its_serving_worker_share_the_cpu_the_grader_chose(warm_only, monkeypatch):
    """A student's process runs on the CPU its job was given (cpus.py), and so does the
    worker serving its loss calls; with TLN_PIN_CPUS=0 nothing is pinned."""
    from autograder.sandbox import cpus
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        pytest.skip('one CPU: nothing to place')
    slots = cpus.CpuSlots(allowed)
    monkeypatch.setattr(warm_only, 'cpus', slots)
    held = slots.acquire()           # another job runs on the first CPU
    expected = slots.acquire()
    slots.release(expected)
    assert facts_of(warm_only, AFFINITY) == [expected]
    with Grader(dataset='none', seed=4711, sandbox=warm_only) as grader:
        reference = os.path.join(REPO_DIR, 'solutions', 'neural_net.py')
        assert grader.grade_file(reference, 'ref').score == grader.max_score
        [worker] = warm_only.workers._idle
        assert sorted(os.sched_getaffinity(worker.proc.pid)) == [expected]
    slots.release(held)
    monkeypatch.setenv('TLN_PIN_CPUS', '0')
    assert facts_of(warm_only, AFFINITY) == allowed
