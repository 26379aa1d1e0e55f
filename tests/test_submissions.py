"""Reading submissions safely: links, FIFOs, devices, hostile zips, wrong files, the
output folder and the exit codes of `grade`.

Everything but the last test runs in process, without a grading subprocess: the
readers are called directly and the batch runs with a stand-in grader.
"""
import csv
import hashlib
import json
import os
import shutil
import signal
import socket
import stat
import struct
import time
import zipfile
import zlib
from types import SimpleNamespace

import pytest

from autograder import cli
from autograder.commands import grade as grade_command
from autograder.grading import CheckResult, Grader, SubmissionResult
from autograder.submissions.source_rule import MAX_SOURCE_BYTES
from autograder.paths import REPO_DIR
from autograder.submissions import discovery
from autograder.outputs import names as output_names
from autograder.outputs.names import safe_name
from autograder.submissions.batch import Batch, BatchError, content_key
from autograder.errors import SubmissionError
from autograder.submissions.discovery import discover
from autograder.submissions.folders import read_folder_submission
from autograder.submissions.student_file import read_student_file
from autograder.submissions.zips import MAX_ZIP_MEMBERS, read_zip_submission
from autograder.outputs.output_folder import OutputError, read_regular, write_atomic
from helpers import REFERENCE, public_seed, reference_text, run_cli

SOURCE = reference_text().encode('utf-8')


@pytest.fixture(autouse=True)
def no_hang(request):
    """Fail instead of hanging if something opens a FIFO or reads a device."""
    signal.signal(signal.SIGALRM, lambda *a: pytest.fail('timed out: something blocked'))
    signal.alarm(300 if request.node.get_closest_marker('slow') else 30)
    yield
    signal.alarm(0)


def put(path, data=SOURCE):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(str(path), 'wb') as handle:
        handle.write(data if isinstance(data, bytes) else data.encode('utf-8'))
    return str(path)


def by_id(found):
    return {s.id: s for s in found}


def sha(path):
    with open(str(path), 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


# ---------------------------------------------------------------- A: reading one file

def test_reads_a_regular_file(tmp_path):
    assert read_student_file(put(tmp_path / 'neural_net.py')) == SOURCE
    exact = put(tmp_path / 'exact.py', b'#' * MAX_SOURCE_BYTES)
    assert len(read_student_file(exact)) == MAX_SOURCE_BYTES


@pytest.mark.parametrize('target', [REFERENCE, '/dev/zero', 'missing.py'])
def test_refuses_symbolic_links(tmp_path, target):
    link = tmp_path / 'neural_net.py'
    os.symlink(target, str(link))
    with pytest.raises(SubmissionError) as error:
        read_student_file(str(link), display='alice/neural_net.py')
    assert str(error.value).startswith('alice/neural_net.py is a symbolic link')


def test_refuses_fifo_socket_device_and_folder(tmp_path):
    fifo = tmp_path / 'fifo.py'
    os.mkfifo(str(fifo))
    sock_path = tmp_path / 's.py'
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    try:
        for path, words in ((fifo, 'named pipe (FIFO)'), (sock_path, 'socket'),
                            ('/dev/zero', 'device'), (tmp_path, 'folder')):
            with pytest.raises(SubmissionError) as error:
                read_student_file(str(path))
            assert str(error.value).startswith('%s is ' % path) and words in str(error.value)
    finally:
        server.close()


def test_refuses_big_files_without_reading_them(tmp_path):
    big = tmp_path / 'neural_net.py'
    put(big, b'#' * (MAX_SOURCE_BYTES + 1))
    with pytest.raises(SubmissionError, match='accepts files up to 1024 KB'):
        read_student_file(str(big))
    sparse = tmp_path / 'sparse.py'
    with open(str(sparse), 'wb') as handle:
        handle.truncate(50 * 2 ** 30)      # 50 GB of holes: must not be read
    started = time.monotonic()
    with pytest.raises(SubmissionError, match='53687.1 MB'):
        read_student_file(str(sparse))
    assert time.monotonic() - started < 2


def test_refuses_a_linked_folder_on_the_way(tmp_path):
    root = tmp_path / 'class'
    put(tmp_path / 'elsewhere' / 'neural_net.py')
    (root / 'alice').mkdir(parents=True)
    os.symlink(str(tmp_path / 'elsewhere'), str(root / 'alice' / 'hw'))
    with pytest.raises(SubmissionError, match='alice/hw is a symbolic link'):
        read_student_file(str(root / 'alice' / 'hw' / 'neural_net.py'), root=str(root),
                          display='x')
    with pytest.raises(SubmissionError, match='alice: no neural_net.py in this folder'):
        read_folder_submission(str(root / 'alice'), 'alice')
    # A student folder swapped for a link after the class was listed is refused too.
    os.symlink(str(tmp_path / 'elsewhere'), str(root / 'mallory'))
    with pytest.raises(SubmissionError, match='mallory is a symbolic link'):
        read_folder_submission(str(root / 'mallory'), 'mallory', root=str(root))


# ---------------------------------------------------------------- A + D: discovery

@pytest.fixture
def klass(tmp_path):
    """A class with good students, link and FIFO attackers and wrong submissions."""
    root = tmp_path / 'class'
    put(root / 'alice' / 'neural_net.py')
    put(root / 'bob' / 'two_layer_net' / 'neural_net.py', SOURCE + b'# bob\n')
    put(tmp_path / 'secret' / 'neural_net.py', b'secret')
    (root / 'link_file').mkdir()
    os.symlink(REFERENCE, str(root / 'link_file' / 'neural_net.py'))
    os.symlink(str(root / 'alice'), str(root / 'link_folder'))
    (root / 'link_other').mkdir()
    os.symlink('../bob/two_layer_net/neural_net.py', str(root / 'link_other' / 'neural_net.py'))
    (root / 'nested_link' / 'hw').mkdir(parents=True)
    os.symlink(str(tmp_path / 'secret'), str(root / 'nested_link' / 'hw' / 'two_layer_net'))
    (root / 'fifo').mkdir()
    os.mkfifo(str(root / 'fifo' / 'neural_net.py'))
    (root / 'zero').mkdir()
    os.symlink('/dev/zero', str(root / 'zero' / 'neural_net.py'))
    (root / 'empty').mkdir()
    put(root / 'notebook_only' / 'two_layer_net.ipynb', json.dumps({'cells': [
        {'cell_type': 'code', 'source': ['import numpy as np\n']}]}))
    put(root / 'class_in_notebook' / 'hw' / 'two_layer_net.ipynb', json.dumps({'cells': [
        {'cell_type': 'markdown', 'source': 'class TwoLayerNet in markdown does not count'},
        {'cell_type': 'code', 'source': ['import numpy as np\n', 'class TwoLayerNet(object):\n',
                                         '    pass\n']}]}))
    put(root / 'text_only' / 'notes.txt', 'forgot the file')
    put(root / 'renamed' / 'neural_network.py')
    put(root / 'big' / 'neural_net.py', b'#' * (MAX_SOURCE_BYTES + 10))
    return root


def test_class_discovery_refuses_each_attack_with_its_reason(klass):
    found = by_id(discover([str(klass)]))
    assert found['alice'].source == SOURCE and found['alice'].file == 'alice/neural_net.py'
    assert found['bob'].file == 'bob/two_layer_net/neural_net.py'
    expected = {
        'link_file': 'link_file/neural_net.py is a symbolic link',
        'link_folder': 'link_folder is a symbolic link',
        'link_other': 'link_other/neural_net.py is a symbolic link',
        'nested_link': 'no neural_net.py in this folder',
        'fifo': 'fifo/neural_net.py is a named pipe (FIFO)',
        'zero': 'zero/neural_net.py is a symbolic link',
        'empty': 'empty: this folder is empty',
        'notebook_only': 'notebook_only: you submitted two_layer_net.ipynb but not neural_net.py',
        'class_in_notebook': 'you submitted two_layer_net.ipynb but not neural_net.py. Your '
                             'class TwoLayerNet is inside the notebook; it must be in '
                             'neural_net.py',
        'text_only': 'text_only: no neural_net.py in this folder (it holds notes.txt)',
        'renamed': 'If neural_network.py is your code, rename it to neural_net.py',
        'big': 'accepts files up to 1024 KB',
    }
    for student, words in expected.items():
        submission = found[student]
        assert submission.source is None and not submission.gradable, student
        assert words in submission.problem, (student, submission.problem)
        # One reason, relative to the submission: never the instructor's paths.
        assert str(klass) not in submission.problem and '/tmp' not in submission.problem
        assert submission.location == os.path.join(str(klass), student)
    assert 'Symbolic links are not followed (hw/two_layer_net)' in found['nested_link'].problem
    assert 'inside the notebook' not in found['notebook_only'].problem
    assert sorted(found) == sorted(['alice', 'bob'] + list(expected))


def test_reads_once_and_hashes_the_bytes_read(klass):
    [alice] = discover([str(klass / 'alice')])
    key = content_key(alice, 'settings')
    put(klass / 'alice' / 'neural_net.py', b'changed after discovery')
    os.remove(str(klass / 'alice' / 'neural_net.py'))
    assert content_key(alice, 'settings') == key and alice.source == SOURCE


def test_single_arguments_and_display_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    put(tmp_path / 'alice' / 'neural_net.py')
    put(tmp_path / 'notes.txt', 'hello')
    put(tmp_path / 'two_layer_net.ipynb', json.dumps({'cells': [
        {'cell_type': 'code', 'source': 'class TwoLayerNet:\n    pass\n'}]}))
    found = discover(['alice/neural_net.py', str(tmp_path / 'alice'), 'notes.txt',
                      str(tmp_path / 'two_layer_net.ipynb')])
    assert [s.id for s in found] == ['alice/neural_net.py', 'alice', 'notes.txt',
                                     'two_layer_net.ipynb']
    assert found[0].source == found[1].source == SOURCE
    assert found[2].problem == ('notes.txt: you submitted notes.txt, not neural_net.py. '
                                'Submit your neural_net.py.')
    assert 'class TwoLayerNet is inside the notebook' in found[3].problem
    # An absolute path outside the current folder gets a short relative name.
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    [outside] = discover([str(tmp_path / 'alice' / 'neural_net.py')])
    assert outside.id == outside.file == 'alice/neural_net.py' and outside.source == SOURCE
    with pytest.raises(SubmissionError, match='no such file or folder'):
        discover([str(tmp_path / 'nope')])


def test_linked_arguments(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    put(tmp_path / 'real' / 'alice' / 'neural_net.py')
    put(tmp_path / 'real' / 'bob' / 'neural_net.py')
    os.symlink('real', 'class_link')                       # the instructor's link to a class
    os.symlink('real/alice', 'student_link')               # a link to one student: refused
    os.symlink('real/alice/neural_net.py', 'file_link.py')
    found = by_id(discover(['class_link', 'student_link', 'file_link.py']))
    assert found['alice'].source == found['bob'].source == SOURCE
    assert 'student_link is a symbolic link' in found['student_link'].problem
    assert 'file_link.py is a symbolic link' in found['file_link.py'].problem


def test_nbgrader_layout_and_preference_rules(tmp_path):
    course = tmp_path / 'course'
    put(course / 'submitted' / 'u1' / 'two_layer_net' / 'neural_net.py')
    put(course / 'submitted' / 'u2' / 'neural_net.py', b'top')
    put(course / 'submitted' / 'u2' / 'old' / 'neural_net.py', b'old')
    put(course / 'submitted' / 'u3' / 'a' / 'neural_net.py')
    put(course / 'submitted' / 'u3' / 'b' / 'neural_net.py')
    found = by_id(discover([str(course)]))
    assert found['u1'].source == SOURCE and found['u2'].source == b'top'
    assert 'u3 holds 2 files named neural_net.py (a/neural_net.py, b/neural_net.py)' in \
        found['u3'].problem


def test_odd_names_and_clashing_ids(tmp_path):
    root = tmp_path / 'class'
    put(root / 'alice' / 'neural_net.py')
    zip_with(root / 'alice.zip', {'neural_net.py': SOURCE})
    odd = os.fsencode(str(root)) + b'/caf\xe9\x1b[31m'
    os.makedirs(odd)
    put(os.fsdecode(odd + b'/neural_net.py'))
    found = by_id(discover([str(root)]))
    assert sorted(found) == ['alice', 'alice.zip', 'caf??[31m']
    assert found['alice.zip'].file == 'alice.zip:neural_net.py'
    assert all(s.source == SOURCE for s in found.values())


def test_an_unexpected_error_stays_with_its_submission(tmp_path, monkeypatch):
    root = tmp_path / 'class'
    put(root / 'alice' / 'neural_net.py')
    zip_with(root / 'bob.zip', {'neural_net.py': SOURCE})

    def broken(*args):
        raise KeyError('surprise')
    monkeypatch.setattr(discovery, 'read_zip', broken)
    found = by_id(discover([str(root)]))
    assert found['alice'].source == SOURCE
    assert found['bob'].problem == "bob.zip could not be read (KeyError: 'surprise')."


# ---------------------------------------------------------------- B: zips

def zip_with(path, members, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(str(path), 'w', compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return str(path)


def raw_zip(path, members):
    """Write a zip byte by byte: members are dicts with name, payload (as stored),
    method, crc, size (claimed uncompressed size), flags, mode."""
    local, central = b'', b''
    for member in members:
        name = member['name'].encode('utf-8')
        fields = (member.get('flags', 0), member.get('method', 0), 0, 0x21, member['crc'],
                  len(member['payload']), member['size'], len(name))
        offset = len(local)
        local += struct.pack('<4sHHHHHIIIHH', b'PK\x03\x04', 20, *fields, 0) + name + \
            member['payload']
        central += struct.pack('<4sHH' + 'HHHHIIIH' + 'HHHHII', b'PK\x01\x02', 0x031e, 20,
                               *fields, 0, 0, 0, 0, member.get('mode', 0o100644) << 16,
                               offset) + name
    end = struct.pack('<4sHHHHIIH', b'PK\x05\x06', 0, 0, len(members), len(members),
                      len(central), len(local), 0)
    with open(str(path), 'wb') as handle:
        handle.write(local + central + end)
    return str(path)


def stored(name, data, **fields):
    return dict(dict(name=name, payload=data, crc=zlib.crc32(data), size=len(data)), **fields)


def zeros_deflated(gigabytes=1):
    """A raw deflate stream of 2**30 * gigabytes zero bytes (about 1 MB), and its CRC."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(2 ** 20)
    chunk = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(1024 * gigabytes):
        crc = zlib.crc32(block, crc)
    return chunk * (1024 * gigabytes) + compressor.flush(zlib.Z_FINISH), crc


def hostile_zips(folder):
    """name -> (path of a hostile zip, words of its reason)."""
    folder.mkdir(parents=True, exist_ok=True)
    zips = {}
    path = zip_with(folder / 'badcrc.zip', {'hw/neural_net.py': SOURCE}, zipfile.ZIP_STORED)
    data = bytearray(open(path, 'rb').read())
    data[data.index(b'import numpy')] ^= 0x20           # one byte changed, CRC kept
    open(path, 'wb').write(bytes(data))
    zips['badcrc'] = (path, 'badcrc.zip:hw/neural_net.py is damaged (Bad CRC-32')
    zips['encrypted'] = (raw_zip(folder / 'encrypted.zip', [
        stored('neural_net.py', SOURCE, flags=0x1)]), 'is encrypted (password-protected)')
    zips['deflate64'] = (raw_zip(folder / 'deflate64.zip', [
        stored('neural_net.py', SOURCE, method=9)]), 'compressed with deflate64')
    stream, crc = zeros_deflated()
    zips['lying_size'] = (raw_zip(folder / 'lying_size.zip', [
        dict(name='neural_net.py', payload=stream, method=8, crc=crc, size=1000)]),
        'lying_size.zip:neural_net.py is damaged')
    zips['honest_bomb'] = (raw_zip(folder / 'honest_bomb.zip', [
        dict(name='neural_net.py', payload=stream, method=8, crc=crc, size=2 ** 30)]),
        'is 1073.7 MB; the grader accepts files up to 1024 KB')
    zips['not_a_zip'] = (put(folder / 'not_a_zip.zip', b'PK\x03\x04 this is not a zip'),
                         'not_a_zip.zip is not a zip file')
    truncated = zip_with(folder / 'truncated.zip', {'neural_net.py': SOURCE})
    with open(truncated, 'r+b') as handle:
        handle.truncate(os.path.getsize(truncated) // 2)
    zips['truncated'] = (truncated, 'truncated.zip is not a zip file')
    zips['link_member'] = (raw_zip(folder / 'link_member.zip', [
        stored('neural_net.py', REFERENCE.encode(), mode=0o120777)]),
        'link_member.zip:neural_net.py is a symbolic link')
    zips['twice'] = (raw_zip(folder / 'twice.zip', [stored('neural_net.py', SOURCE),
                                                     stored('neural_net.py', b'x')]),
                     'holds neural_net.py more than once')
    zips['traversal'] = (zip_with(folder / 'traversal.zip', {
        '../../outside.py': 'x = 1', 'neural_net.py': SOURCE}), 'contains an unsafe path')
    with zipfile.ZipFile(str(folder / 'many.zip'), 'w') as archive:
        for index in range(MAX_ZIP_MEMBERS + 1):
            archive.writestr('f%05d' % index, b'')
    zips['many'] = (str(folder / 'many.zip'), 'holds 10001 files and folders (at most 10000)')
    zips['empty_zip'] = (zip_with(folder / 'empty_zip.zip', {}), 'this zip is empty')
    zips['notebook_zip'] = (zip_with(folder / 'notebook_zip.zip', {
        'hw/two_layer_net.ipynb': json.dumps({'cells': [
            {'cell_type': 'code', 'source': 'class TwoLayerNet:\n  pass'}]})}),
        'you submitted two_layer_net.ipynb but not neural_net.py. Your class TwoLayerNet is '
        'inside the notebook')
    return zips


@pytest.fixture(scope='module')
def zips(tmp_path_factory):
    return hostile_zips(tmp_path_factory.mktemp('zips'))


@pytest.mark.parametrize('name', ['badcrc', 'encrypted', 'deflate64', 'lying_size',
                                  'honest_bomb', 'not_a_zip', 'truncated', 'link_member',
                                  'twice', 'traversal', 'many', 'empty_zip', 'notebook_zip'])
def test_each_hostile_zip_gets_its_reason(zips, name):
    path, words = zips[name]
    started = time.monotonic()
    with pytest.raises(SubmissionError) as error:
        read_zip_submission(path, os.path.basename(path))
    assert words in str(error.value)
    assert os.path.dirname(path) not in str(error.value)
    assert time.monotonic() - started < 5
    [submission] = discover([path])
    assert submission.source is None and words in submission.problem


def test_zip_not_extracted_names_that_cannot_be_files(tmp_path):
    """A file and a folder of the same name, a 300-character folder: nothing is written."""
    same = zip_with(tmp_path / 'same.zip', {'hw': b'a file', 'hw/neural_net.py': SOURCE})
    long_name = zip_with(tmp_path / 'long.zip', {'d' * 300 + '/neural_net.py': SOURCE})
    preferred = zip_with(tmp_path / 'pref.zip', {'a/neural_net.py': b'a',
                                                 'two_layer_net/neural_net.py': SOURCE,
                                                 '__MACOSX/neural_net.py': b'mac'})
    before = sorted(os.listdir(str(tmp_path)))
    assert read_zip_submission(same, 'same.zip') == ('same.zip:hw/neural_net.py', SOURCE)
    name, data = read_zip_submission(long_name, 'long.zip')
    assert data == SOURCE and name.endswith('/neural_net.py')
    assert read_zip_submission(preferred, 'p')[1] == SOURCE
    assert sorted(os.listdir(str(tmp_path))) == before


def test_zip_given_as_link_or_fifo_is_refused(tmp_path):
    root = tmp_path / 'class'
    good = zip_with(tmp_path / 'good.zip', {'neural_net.py': SOURCE})
    root.mkdir()
    os.symlink(good, str(root / 'linked.zip'))
    os.mkfifo(str(root / 'fifo.zip'))
    shutil.copy(good, str(root / 'carol.zip'))
    found = by_id(discover([str(root)]))
    assert found['carol'].source == SOURCE
    assert 'linked.zip is a symbolic link' in found['linked'].problem
    assert 'fifo.zip is a named pipe (FIFO)' in found['fifo'].problem


# ---------------------------------------------------------------- C: the output folder

def test_write_atomic_replaces_planted_link_and_fifo(tmp_path):
    out = tmp_path / 'out'
    victim = put(tmp_path / 'victim.txt', 'precious')
    (out / 'results').mkdir(parents=True)
    os.symlink(victim, str(out / 'results' / 'x.json'))
    os.mkfifo(str(out / 'grades.csv'))
    write_atomic(str(out / 'results' / 'x.json'), 'new', root=str(out))
    write_atomic(str(out / 'grades.csv'), 'csv', root=str(out))
    assert open(victim).read() == 'precious'
    assert not os.path.islink(str(out / 'results' / 'x.json'))
    assert (out / 'results' / 'x.json').read_text() == 'new'
    assert (out / 'grades.csv').read_text() == 'csv'
    assert sorted(os.listdir(str(out / 'results'))) == ['x.json']


def test_write_atomic_refuses_a_linked_folder_and_a_folder_target(tmp_path):
    out, elsewhere = tmp_path / 'out', tmp_path / 'elsewhere'
    out.mkdir()
    elsewhere.mkdir()
    os.symlink(str(elsewhere), str(out / 'feedback'))
    with pytest.raises(OutputError, match='feedback is a symbolic link'):
        write_atomic(str(out / 'feedback' / 'x.md'), 'text', root=str(out))
    assert os.listdir(str(elsewhere)) == []
    (out / 'results' / 'x.json').mkdir(parents=True)
    with pytest.raises(OutputError, match='it is a folder'):
        write_atomic(str(out / 'results' / 'x.json'), 'text', root=str(out))


def test_read_regular_refuses_links_fifos_and_big_files(tmp_path):
    os.symlink(REFERENCE, str(tmp_path / 'link.json'))
    os.mkfifo(str(tmp_path / 'fifo.json'))
    put(tmp_path / 'big.json', b'x' * 101)
    for name, words in (('link.json', 'is a symbolic link'), ('fifo.json', 'FIFO'),
                        ('big.json', 'larger than 100 bytes')):
        with pytest.raises(OutputError, match=words):
            read_regular(str(tmp_path / name), 100, root=str(tmp_path))
    assert read_regular(REFERENCE, MAX_SOURCE_BYTES) == SOURCE


class FakeSandbox:
    """Stands in for the grader's Sandbox: records what a batch asks of it."""

    def __init__(self):
        self.calls = []

    def reset_abort(self):
        self.calls.append('reset_abort')

    def abort_all(self):
        self.calls.append('abort_all')


class FakeGrader:
    """Stands in for Grader: full marks for any source, no subprocess."""

    def __init__(self, interrupt_at=None):
        self.checks = [SimpleNamespace(name='init', max_score=1.0, visible=True),
                       SimpleNamespace(name='scores', max_score=2.0, visible=True)]
        self.graded = []
        self.sandbox = FakeSandbox()
        self.interrupt_at = interrupt_at     # a submission whose grading is interrupted

    zero_result = Grader.zero_result

    def settings_key(self):
        return 'fake'

    def grade_source(self, source, name, only=None):
        if name == self.interrupt_at:
            raise KeyboardInterrupt
        self.graded.append(name)
        return SubmissionResult(name, [CheckResult(c.name, c.max_score, c.max_score, 'ok')
                                       for c in self.checks])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def run_batch(arguments, out, warnings=None):
    grader = FakeGrader()
    batch = Batch(grader, str(out), 2, warn=(warnings.append if warnings is not None else None))
    return by_id_results(batch.run(discover(arguments), grader.settings_key())), grader


def by_id_results(results):
    return {r.submission: r for r in results}


def test_an_interrupted_batch_kills_the_children_of_its_graders_sandbox(tmp_path):
    """Batch takes the Sandbox from its grader (the grader's own, or the one it was given):
    Ctrl-C during a grade kills that Sandbox's children, with or without an output folder."""
    root = tmp_path / 'class'
    for student in ('alice', 'bob', 'carol'):
        put(root / student / 'neural_net.py')
    for out in (None, str(tmp_path / 'out')):
        grader = FakeGrader(interrupt_at='bob')
        with pytest.raises(KeyboardInterrupt):
            Batch(grader, out, 2).run(discover([str(root)]), grader.settings_key())
        assert grader.sandbox.calls == ['reset_abort', 'abort_all'], out


def test_batch_reports_corrupt_results_and_replaces_planted_files(tmp_path):
    root, out = tmp_path / 'class', tmp_path / 'out'
    for student in ('alice', 'bob', 'carol'):
        put(root / student / 'neural_net.py')
    run_batch([str(root)], out)
    victim = put(tmp_path / 'victim.json', 'precious')
    os.remove(str(out / 'results' / 'alice.json'))
    os.symlink(victim, str(out / 'results' / 'alice.json'))       # planted link
    os.remove(str(out / 'results' / 'bob.json'))
    os.mkfifo(str(out / 'results' / 'bob.json'))                  # planted FIFO
    os.remove(str(out / 'feedback' / 'bob.md'))
    os.symlink(victim, str(out / 'feedback' / 'bob.md'))
    put(out / 'results' / 'zed.json', '{"format": 1, "result": {"submission": ')  # corrupt
    put(out / 'results' / 'yan.json', json.dumps({'result': {'submission': ['list']}}))
    warnings = []
    results, grader = run_batch([str(root)], out, warnings)
    assert sorted(grader.graded) == ['alice', 'bob']             # carol reused
    assert results['alice'].score == results['bob'].score == 3
    text = '\n'.join(warnings)
    for name in ('alice.json is a symbolic link', 'bob.json is a named pipe (FIFO)',
                 'zed.json is not a valid result file', 'yan.json is not a valid result file'):
        assert name in text
    assert str(out / 'results' / 'zed.json') in text
    assert open(victim).read() == 'precious'
    for name in ('results/alice.json', 'results/bob.json', 'feedback/bob.md'):
        assert stat.S_ISREG(os.lstat(str(out / name)).st_mode), name
    # Corrupt files of students not graded now are left as they are.
    assert (out / 'results' / 'zed.json').read_text().endswith('"submission": ')
    with open(str(out / 'grades.csv'), newline='') as handle:
        assert [row['student_id'] for row in csv.DictReader(handle)] == ['alice', 'bob', 'carol']


@pytest.mark.parametrize('plant', ['grades_link', 'grades_fifo', 'feedback_link',
                                   'results_link', 'out_is_file'])
def test_batch_refuses_an_unsafe_output_folder(tmp_path, plant):
    put(tmp_path / 'class' / 'alice' / 'neural_net.py')
    out = tmp_path / 'out'
    victim = put(tmp_path / 'victim' / 'grades.csv', 'student_id,score\nzoe,97\n')
    if plant == 'out_is_file':
        put(out, 'a file')
    else:
        (out / 'results').mkdir(parents=True)
    if plant == 'grades_link':
        os.symlink(victim, str(out / 'grades.csv'))
    elif plant == 'grades_fifo':
        os.mkfifo(str(out / 'grades.csv'))
    elif plant == 'feedback_link':
        os.symlink(os.path.dirname(victim), str(out / 'feedback'))
    elif plant == 'results_link':
        os.rmdir(str(out / 'results'))
        os.symlink(os.path.dirname(victim), str(out / 'results'))
    with pytest.raises(BatchError) as error:
        run_batch([str(tmp_path / 'class')], out)
    assert str(out) in str(error.value)
    assert os.listdir(os.path.dirname(victim)) == ['grades.csv']
    assert open(victim).read() == 'student_id,score\nzoe,97\n'


def _result_files(out):
    """{submission id: results file name} of an output folder."""
    found = {}
    for name in sorted(os.listdir(str(out / 'results'))):
        with open(str(out / 'results' / name)) as handle:
            found[json.load(handle)['result']['submission']] = name
    return found


def test_students_whose_safe_names_coincide_keep_their_own_files(tmp_path):
    # 'jos-d994e1d0' is exactly the safe name of 'josé' (its hash suffix).
    assert safe_name('jos\u00e9') == 'jos-d994e1d0'
    root, out = tmp_path / 'class', tmp_path / 'out'
    for student in ('jos\u00e9', 'jos-d994e1d0', 'alice'):
        put(root / student / 'neural_net.py')
    warnings = []
    results, grader = run_batch([str(root)], out, warnings)
    assert sorted(results) == ['alice', 'jos-d994e1d0', 'jos\u00e9']
    files = _result_files(out)
    assert files == {'alice': 'alice.json', 'jos-d994e1d0': 'jos-d994e1d0.json',
                     'jos\u00e9': 'jos-d994e1d0-2.json'}
    for student, name in files.items():
        stem = name[:-len('.json')]
        assert '**Submission:** %s ' % student in (out / 'feedback' / (stem + '.md')).read_text()
        assert (out / 'sources' / (stem + '.py')).exists()
    assert ['jos-d994e1d0' in w and 'jos-d994e1d0-2.*' in w for w in warnings] == [True]
    # Resumed: the same names, nothing graded again.
    again, grader = run_batch([str(root)], out)
    assert grader.graded == [] and _result_files(out) == files


def test_a_later_student_never_takes_an_earlier_students_file(tmp_path):
    out = tmp_path / 'out'
    put(tmp_path / 'first' / 'jos\u00e9' / 'neural_net.py')
    put(tmp_path / 'second' / 'jos-d994e1d0' / 'neural_net.py')
    run_batch([str(tmp_path / 'first')], out)
    run_batch([str(tmp_path / 'second')], out)
    assert _result_files(out) == {'jos\u00e9': 'jos-d994e1d0.json',
                                  'jos-d994e1d0': 'jos-d994e1d0-2.json'}
    with open(str(out / 'grades.csv'), newline='') as handle:
        assert sorted(row['student_id'] for row in csv.DictReader(handle)) == [
            'jos-d994e1d0', 'jos\u00e9']


def test_names_are_assigned_whatever_the_order():
    ids = ['jos\u00e9', 'jos-d994e1d0', 'x', 'x-2', 'x?', 'x!']
    first, collisions = output_names.assign(ids)
    assert len(set(first.values())) == len(ids)
    assert first['x-2'] == 'x-2' and first['jos-d994e1d0'] == 'jos-d994e1d0'
    assert output_names.assign(list(reversed(ids)))[0] == first
    assert collisions == [('jos-d994e1d0', ['jos-d994e1d0', 'jos\u00e9'])]


def test_safe_names_of_long_ids_do_not_clash():
    first, second = 'a' * 130 + '1', 'a' * 130 + '2'
    assert safe_name(first) != safe_name(second) and len(safe_name(first)) <= 120
    assert safe_name('alice') == 'alice'


# ---------------------------------------------------------------- D: the grade command

@pytest.fixture
def fake_cli(monkeypatch):
    monkeypatch.setattr(grade_command, 'make_grader', lambda args, **options: FakeGrader())
    return lambda *args: cli.main(public_seed(['grade', *args]))


@pytest.mark.slow
def test_exit_codes(tmp_path, fake_cli, capsys):
    root = tmp_path / 'class'
    put(root / 'alice' / 'neural_net.py')
    put(root / 'bob' / 'neural_net.py', b'def broken(:\n')         # a syntax error is a grade
    assert fake_cli(str(root), '--json') == 0
    (root / 'erin').mkdir()
    capsys.readouterr()
    assert fake_cli(str(root), '--json', '--out', str(tmp_path / 'out')) == 3
    captured = capsys.readouterr()
    results = {r['submission']: r for r in json.loads(captured.out)}
    assert results['erin']['score'] == 0
    # The reason is stated once, for the submission; each check only says "not graded".
    assert results['erin']['problem'] == 'erin: this folder is empty. Submit your neural_net.py.'
    assert all(c['feedback'].startswith('Not graded') for c in results['erin']['checks'])
    assert 'not gradable: erin (%s): erin: this folder is empty' % (root / 'erin') in \
        captured.err
    markdown = (tmp_path / 'out' / 'feedback' / 'erin.md').read_text()
    assert str(tmp_path) not in markdown and markdown.count('this folder is empty') == 1
    assert fake_cli(str(tmp_path / 'missing')) == 2
    put(tmp_path / 'foreign' / 'grades.csv', 'student_id\nzoe\n')
    assert fake_cli(str(root / 'alice'), '--out', str(tmp_path / 'foreign')) == 2
    with pytest.raises(SystemExit) as usage:
        fake_cli('--no-such-option')
    assert usage.value.code == 2


@pytest.mark.slow
def test_a_grader_failure_on_one_submission_does_not_stop_the_batch(tmp_path, monkeypatch,
                                                                   capsys):
    class Failing(FakeGrader):
        def grade_source(self, source, name, only=None):
            if name == 'bob':
                raise ValueError('probe exploded')
            return FakeGrader.grade_source(self, source, name, only)
    monkeypatch.setattr(grade_command, 'make_grader', lambda args, **options: Failing())
    for student in ('alice', 'bob', 'carol'):
        put(tmp_path / 'class' / student / 'neural_net.py')
    out = tmp_path / 'out'
    assert cli.main(public_seed(['grade', str(tmp_path / 'class'), '--out', str(out),
                                 '--json'])) == 2
    captured = capsys.readouterr()
    results = {r['submission']: r for r in json.loads(captured.out)}
    assert results['alice']['score'] == results['carol']['score'] == 3
    assert 'the grader failed on this submission (ValueError: probe exploded)' in \
        results['bob']['problem']
    assert 'error: the grader failed on bob (ValueError: probe exploded)' in captured.err
    assert sorted(os.listdir(str(out / 'results'))) == ['alice.json', 'carol.json']


def test_help_documents_exit_codes(capsys):
    with pytest.raises(SystemExit):
        cli.main(['grade', '--help'])
    text = capsys.readouterr().out
    assert 'exit status:' in text and '3  some submission had no gradable' in text
    with open(os.path.join(REPO_DIR, 'README.md')) as handle:
        readme = handle.read()
    assert 'Exit status of `grade`' in readme


# ---------------------------------------------------------------- E: end to end

def tree_hashes(folder):
    """sha256 of every regular file below folder, walked without following links."""
    found = {}
    for root, dirs, names in os.walk(str(folder)):
        for name in names + dirs:
            path = os.path.join(root, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISREG(mode):
                found[path] = sha(path)
            elif stat.S_ISLNK(mode):
                found[path] = 'link:' + os.readlink(path)
    return found


@pytest.mark.slow
def test_class_of_attackers_end_to_end(tmp_path):
    klass, out = tmp_path / 'class', tmp_path / 'out'
    for student in ('good_1', 'good_2'):
        shutil.copy(REFERENCE, put(klass / student / 'neural_net.py'))
    (klass / 'link_solution').mkdir()
    os.symlink(REFERENCE, str(klass / 'link_solution' / 'neural_net.py'))
    os.symlink('good_1', str(klass / 'link_folder'))
    (klass / 'link_other').mkdir()
    os.symlink(str(klass / 'good_2' / 'neural_net.py'), str(klass / 'link_other' / 'neural_net.py'))
    (klass / 'fifo').mkdir()
    os.mkfifo(str(klass / 'fifo' / 'neural_net.py'))
    (klass / 'dev_zero').mkdir()
    os.symlink('/dev/zero', str(klass / 'dev_zero' / 'neural_net.py'))
    zips = hostile_zips(tmp_path / 'zips')
    for name, (path, _) in zips.items():
        shutil.move(path, str(klass / (name + '.zip')))
    # Planted in the output folder before the run: links to files that must not change.
    (out / 'results').mkdir(parents=True)
    (out / 'feedback').mkdir()
    os.symlink(REFERENCE, str(out / 'results' / 'good_1.json'))
    os.symlink(str(klass / 'good_2' / 'neural_net.py'), str(out / 'feedback' / 'fifo.md'))
    os.mkfifo(str(out / 'results' / 'good_2.json'))
    before, solution = tree_hashes(klass), sha(REFERENCE)
    started = time.monotonic()
    result = run_cli('grade', str(klass), '--out', str(out), '--json', '--jobs', '2',
                     '--dataset', 'none', '--timeout', '10', timeout=240)
    seconds = time.monotonic() - started
    assert result.returncode == 3, result.stderr
    results = {r['submission']: r for r in json.loads(result.stdout)}
    assert results['good_1']['score'] == results['good_2']['score'] == 15
    reasons = {'link_solution': 'link_solution/neural_net.py is a symbolic link',
               'link_folder': 'link_folder is a symbolic link',
               'link_other': 'link_other/neural_net.py is a symbolic link',
               'fifo': 'fifo/neural_net.py is a named pipe (FIFO)',
               'dev_zero': 'dev_zero/neural_net.py is a symbolic link'}
    reasons.update({name: words for name, (_, words) in zips.items()})
    assert sorted(results) == sorted(['good_1', 'good_2'] + list(reasons))
    for name, words in reasons.items():
        assert results[name]['score'] == 0, name
        first = results[name]['problem']
        assert words in first, (name, first)
        assert str(tmp_path) not in json.dumps(results[name])
        assert 'not gradable: %s (%s' % (name, klass) in result.stderr
    assert tree_hashes(klass) == before and sha(REFERENCE) == solution
    assert not os.path.exists(str(tmp_path / 'outside.py'))
    for name in ('results/good_1.json', 'results/good_2.json', 'feedback/fifo.md'):
        assert stat.S_ISREG(os.lstat(str(out / name)).st_mode), name
    with open(str(out / 'grades.csv'), newline='') as handle:
        rows = {row['student_id']: float(row['score']) for row in csv.DictReader(handle)}
    assert rows == {name: r['score'] for name, r in results.items()}
    assert seconds < 120, seconds
