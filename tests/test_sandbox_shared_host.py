"""What one student could do to the students graded beside it on a shared host (hostile review).

uid-drop layer (the grader is root without namespaces; every child runs as
the one user tln-student, in the host's PID, IPC and mount namespaces):
- kill: the seccomp filter allows kill(2), and every other child is the
  same user, so a student kills its neighbours (measured: the reference
  graded beside it scored 0, 'crashed', SIGKILL);
- /dev/shm (and /var/tmp): the user may write there, and the audit hook
  checks a relative path against the working folder, not against the
  dir_fd it is opened in (os.open(name, ..., dir_fd=open('/dev/shm'))),
  so with no guard switched off a student writes 63 MB files there, as many
  as it likes: memory that no limit of the child sees and that outlives the
  batch. Measured: in a memory cgroup of 9 GB (2 x 4 GB + 1 GB) the cgroup's
  OOM killer took the grader (exit -9, no result for anyone) and 9.0 GB
  stayed in /dev/shm after it.

bwrap layer (default): a listening seqpacket socket keeps every connection
not yet accepted as a socket of its own, each holding what its client sent
(two 4 MB records: wmem_max doubled) after the client has closed. One
descriptor holds up to somaxconn (4096) x 8 MB = 32 GB; RLIMIT_AS and
RLIMIT_NOFILE see none of it. Measured: the batch of three reached the
9 GB limit of its memory cgroup (9.66 GB peak, 3546 failed charges), all of
it the hog's socket buffers (its RSS: 13 MB).

Fixed in 2.2.1: the seccomp filter refuses socket and socketpair, and,
where the child builds it (uid-drop, process), lets it signal only itself;
outside bubblewrap the child restricts its writes to its work folder with
Landlock (child/landlock.py).

Every test is skipped where its prerequisites are missing (root, the user
tln-student with an interpreter it can run, cgroup v1 memory and cpu, free
memory).
"""
import glob
import os
import subprocess

import pytest

from helpers import (GRADE_ENV, REFERENCE, REPO_DIR, SYSTEM_PYTHON, UNGUARD, assert_unhurt,
                     grade_argv, grade_in_cgroups, memory_missing, neighbours_class,
                     uid_drop_missing)

# Children as the sandbox user, in cgroups of their own: beside no other test
# (tests/machine_lock.py).
pytestmark = [pytest.mark.slow, pytest.mark.machine]

# 2 jobs x Limits.memory_mb (4096) + 1 GB for the grader and its helpers.
LIMIT_MB = 2 * 4096 + 1024


def victims_class(folder, attacker):
    """neighbours_class with the reference as the neighbour too (the system Python of the
    uid-drop layer has no matplotlib for tests/corpus/matplotlib_import.py)."""
    return neighbours_class(folder, attacker, neighbour=REFERENCE)


def grade_uid_drop(klass):
    return subprocess.run(grade_argv(klass, SYSTEM_PYTHON), cwd=REPO_DIR, capture_output=True,
                          text=True, timeout=300,
                          env=dict(os.environ, TLN_ISOLATION='uid-drop', PYTHONPATH=REPO_DIR,
                                   **GRADE_ENV))


def _shm_leftovers(prefix):
    return sorted(glob.glob('/dev/shm/%s*' % prefix) + glob.glob('/var/tmp/%s*' % prefix))


# ------------------------------------------------------------- uid-drop: kill ---

# Prepended to an attacker that watches the batch through /proc (the uid-drop layer runs the
# children in the host's PID namespace, as `start_child.py STAGED_DIR`): beside() is True
# while the attacker may still have a neighbour to attack, False once it has seen two other
# children of its batch (staging folders in its own scratch folder) start and their staging
# folders go (--jobs 2: a_neighbour beside it, then c_reference), or after 15 s at most.
BESIDE = r'''import os, time


def staging_folder(pid):
    """STAGED_DIR of the process pid if it is a sandbox child, else None."""
    try:
        with open('/proc/%s/cmdline' % pid, 'rb') as handle:
            words = [word for word in handle.read().split(b'\0') if word]
    except OSError:
        return None
    if len(words) >= 2 and words[-2].endswith(b'start_child.py'):
        return words[-1].decode()
    return None


SCRATCH = os.path.dirname(staging_folder('self'))
NEIGHBOURS = set()
END = time.time() + 15


def beside():
    for entry in os.listdir('/proc'):
        staged = staging_folder(entry) if entry.isdigit() and int(entry) != os.getpid() else None
        if staged and os.path.dirname(staged) == SCRATCH:
            NEIGHBOURS.add(staged)
    gone = len(NEIGHBOURS) >= 2 and not any(map(os.path.exists, NEIGHBOURS))
    return not gone and time.time() < END
'''

KILLER = UNGUARD + BESIDE + '''import signal
while beside():                   # every other child is the same user: kill them all
    for entry in os.listdir('/proc'):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open('/proc/%s/cmdline' % entry, 'rb') as handle:
                    if b'start_child.py' in handle.read() \\
                            and os.stat('/proc/' + entry).st_uid == os.getuid():
                        os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass
    time.sleep(0.01)
raise RuntimeError('%d neighbours seen' % len(NEIGHBOURS))
'''


@pytest.mark.skipif(bool(uid_drop_missing()), reason=uid_drop_missing() or 'runs')
def test_uid_drop_a_student_cannot_kill_the_students_graded_beside_it(tmp_path):
    done = grade_uid_drop(victims_class(str(tmp_path / 'class'), KILLER))
    assert_unhurt(done)


# ------------------------------------------------- uid-drop: shared folders ---

LEAVER = '''import os
# No guard switched off: the audit hook checks the relative name against the working
# folder, not against the folder dir_fd names; /dev may be read.
shm = os.open('/dev/shm', os.O_RDONLY | os.O_DIRECTORY)
fd = os.open('tln-attack4-left', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=shm)
os.posix_fallocate(fd, 0, 1 << 20)
''' + UNGUARD + '''open('/var/tmp/tln-attack4-left', 'wb').write(bytes(1 << 20))
'''


@pytest.mark.skipif(bool(uid_drop_missing()), reason=uid_drop_missing() or 'runs')
def test_uid_drop_a_student_leaves_nothing_in_shared_temporary_folders(tmp_path):
    for path in _shm_leftovers('tln-attack4-left'):
        os.remove(path)
    try:
        done = grade_uid_drop(victims_class(str(tmp_path / 'class'), LEAVER))
        assert_unhurt(done)
        assert _shm_leftovers('tln-attack4-left') == []
    finally:
        for path in _shm_leftovers('tln-attack4-left'):
            os.remove(path)


SHM_HOG = '''import os
import time

shm = os.open('/dev/shm', os.O_RDONLY | os.O_DIRECTORY)    # /dev may be read
chunk = 63 << 20                                            # below RLIMIT_FSIZE (64 MB)
written = 0
while written < (%d << 20):                                 # a cap, for the host's sake
    try:   # a relative name with dir_fd: the audit hook checks it against the work folder
        fd = os.open('tln-attack4-hog-%%d' %% (written // chunk), os.O_WRONLY | os.O_CREAT,
                     0o600, dir_fd=shm)
        try:
            os.posix_fallocate(fd, 0, chunk)
        finally:
            os.close(fd)
    except OSError:
        break
    written += chunk
if written:
    time.sleep(15)                                          # held while the others run
''' % (LIMIT_MB + 1024)


@pytest.mark.skipif(bool(uid_drop_missing() or memory_missing(LIMIT_MB + 1024)),
                    reason=uid_drop_missing() or memory_missing(LIMIT_MB + 1024) or 'runs')
def test_uid_drop_a_student_cannot_take_the_batchs_memory_in_dev_shm(tmp_path):
    try:
        done = grade_in_cgroups(victims_class(str(tmp_path / 'class'), SHM_HOG),
                                ['memory', 'cpu'], python=SYSTEM_PYTHON,
                                settings={('memory', 'memory.limit_in_bytes'): LIMIT_MB << 20},
                                env={'TLN_ISOLATION': 'uid-drop'})
        left = _shm_leftovers('tln-attack4-hog')
        assert_unhurt(done)
        assert left == [], '%d files left in /dev/shm' % len(left)
    finally:
        for path in _shm_leftovers('tln-attack4-hog'):
            os.remove(path)


# ------------------------------------------- bwrap: socket queues, no descriptor ---

SOCKET_HOG = UNGUARD + '''import socket
import time

listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
listener.bind('\\0tln-hog')
listener.listen(4096)
record = bytes(4 << 20)
held = 0
while held < (%d << 20):                                    # a cap, for the host's sake
    client = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 30)
    try:
        client.connect(listener.getsockname())   # queued, never accepted: no descriptor
        client.setblocking(False)
        while True:
            held += client.send(record)          # stays queued after the client closes
    except BlockingIOError:
        pass
    except OSError:
        break
    finally:
        client.close()
time.sleep(15)
''' % (LIMIT_MB + 1024)


@pytest.mark.skipif(bool(memory_missing(LIMIT_MB + 1024)),
                    reason=memory_missing(LIMIT_MB + 1024) or 'runs')
def test_a_student_cannot_hold_the_batchs_memory_in_unaccepted_socket_queues(tmp_path):
    readings = {('memory', 'memory.max_usage_in_bytes'): None,
                ('memory', 'memory.failcnt'): None}
    done = grade_in_cgroups(neighbours_class(str(tmp_path / 'class'), SOCKET_HOG),
                            ['memory', 'cpu'], readings=readings,
                            settings={('memory', 'memory.limit_in_bytes'): LIMIT_MB << 20})
    assert_unhurt(done)
    # Two children within 4 GB of address space each and the grader fit in the group:
    # it is never full unless something no limit sees is held.
    assert readings[('memory', 'memory.failcnt')] == '0', (
        'the batch hit its %d MB memory limit (peak %s bytes)'
        % (LIMIT_MB, readings[('memory', 'memory.max_usage_in_bytes')]))


# ------------------------------- uid-drop without Landlock: one user per job ---

COPIER = UNGUARD + BESIDE + '''copied, writable, fds = set(), set(), 0
while beside() and len(copied | writable) < 2:
    for entry in os.listdir('/proc'):
        staged = staging_folder(entry) if entry.isdigit() and int(entry) != os.getpid() else None
        if staged is None:
            continue
        try:            # the neighbour's descriptors and working folder, then its file
            fds += len(os.listdir('/proc/%s/fd' % entry))
        except OSError:
            pass
        source = os.path.join(staged, 'submission', 'neural_net.py')
        try:
            with open(source, 'rb') as handle:
                if handle.read():
                    copied.add(staged)
        except OSError:
            pass
        try:
            with open(source, 'ab'):
                writable.add(staged)
        except OSError:
            pass
    time.sleep(0.01)
raise RuntimeError('copied %d, could write %d, saw %d descriptors (%d neighbours seen)'
                   % (len(copied), len(writable), fds, len(NEIGHBOURS)))
'''


@pytest.mark.skipif(bool(uid_drop_missing()), reason=uid_drop_missing() or 'runs')
def test_uid_drop_without_landlock_a_student_cannot_copy_or_spoil_its_neighbours(tmp_path):
    """Landlock switched off (child/landlock.py's test switch), as on a kernel or container
    without it: the attacker finds each neighbour's staging folder in its command line and
    tries to read and write its neural_net.py and list its descriptors. Each job runs as a
    user of its own (tln-student-0, -1), so it gets none of them. Before 2.2.2 every child
    was tln-student, and the attacker copied its neighbours' files, could write them, and
    (without Landlock) listed their descriptors."""
    klass = victims_class(str(tmp_path / 'class'), COPIER)
    done = subprocess.run(grade_argv(klass, SYSTEM_PYTHON), cwd=REPO_DIR, capture_output=True,
                          text=True, timeout=300,
                          env=dict(os.environ, TLN_ISOLATION='uid-drop', PYTHONPATH=REPO_DIR,
                                   TLN_TEST_LANDLOCK_OFF='1', **GRADE_ENV))
    results = assert_unhurt(done)
    assert 'copied 0, could write 0, saw 0 descriptors' in results['b_attacker']['problem'], \
        results['b_attacker']['problem']
