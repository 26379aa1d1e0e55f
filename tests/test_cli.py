"""The grader CLI end to end: grade, batches, resume, gradebook, feedback, check.

The Gradescope bundle has its own tests (test_gradescope.py)."""
import csv
import json
import shutil
import zipfile

import pytest

from autograder.outputs.gradebook import NBGRADER_COLUMNS
from helpers import REFERENCE, STUB, copy_reference, mutants, needs_fashion_mnist, reference_text, \
    run_cli, write_submission

# Every test here runs the grader's command line end to end.
pytestmark = [pytest.mark.slow, needs_fashion_mnist]

BROKEN_GRADS = (mutants.MASK, 'pass')


def write_klass(root):
    """A class folder: folders, a nested folder, a zip, and a student with no file."""
    copy_reference(str(root / 'alice'))
    write_submission(str(root / 'bob' / 'two_layer_net'),
                     reference_text().replace(*BROKEN_GRADS))
    shutil.copy(STUB, str(write_submission(str(root / 'carol'), '')))
    with zipfile.ZipFile(str(root / 'dave.zip'), 'w') as archive:
        archive.write(REFERENCE, 'hw/neural_net.py')
    (root / 'erin').mkdir()
    (root / 'erin' / 'notes.txt').write_text('forgot the file')
    return root


# The output folder of the graded class, inside the class folder: a later grade of
# the class must not take it for a student.
OUT_INSIDE = 'zz_grades'


@pytest.fixture(scope='module')
def graded_klass(tmp_path_factory):
    """The class graded once on Fashion-MNIST with --jobs 2 into an output folder inside
    it (the tests that grade it again work on copies): (class, output folder, stdout)."""
    klass = write_klass(tmp_path_factory.mktemp('cli') / 'class')
    out = klass / OUT_INSIDE
    result = run_cli('grade', str(klass), '--out', str(out), '--jobs', '2',
                     '--dataset', 'fashion_mnist', '--json')
    # 3: some submission (erin) has no gradable file.
    assert result.returncode == 3, result.stderr
    return klass, out, result.stdout


def copy_of(graded_klass, tmp_path):
    """A copy of the graded class (and its output folder) for a test to change."""
    klass = tmp_path / 'class'
    shutil.copytree(str(graded_klass[0]), str(klass))
    return klass, klass / OUT_INSIDE


def grade_json(*args, status=0):
    """Results of `grade ARGS --json`; status: the expected exit status (3 when some
    submission has no gradable file)."""
    result = run_cli('grade', *args, '--json')
    assert result.returncode == status, result.stderr
    return json.loads(result.stdout)


def by_id(results):
    return {r['submission']: r for r in results}


def test_grade_json_contract_single_file():
    [result] = grade_json(REFERENCE, '--dataset', 'fashion_mnist')
    # The contract's keys, then the schema's additions (autograder/results.py).
    assert list(result) == ['schema', 'submission', 'score', 'max_score', 'checks', 'problem',
                            'diagnoses', 'warnings', 'isolation']
    assert result['schema'] == 2 and result['problem'] == '' and result['diagnoses'] == []
    # The id is relative (run_cli runs in the repository), never an absolute path.
    assert result['submission'] == 'solutions/neural_net.py'
    assert result['score'] == result['max_score'] == 18
    for check in result['checks']:
        assert list(check) == ['name', 'score', 'max_score', 'feedback', 'diagnoses']
        assert isinstance(check['score'], float) and isinstance(check['feedback'], str)


def test_grade_class_writes_gradebook_and_feedback(graded_klass):
    _, out, stdout = graded_klass
    results = by_id(json.loads(stdout))
    assert sorted(results) == ['alice', 'bob', 'carol', 'dave', 'erin']
    assert results['alice']['score'] == results['dave']['score'] == 18
    assert 0 < results['bob']['score'] < 18 and results['carol']['score'] == 0
    assert results['erin']['score'] == 0
    assert results['erin']['problem'] == (
        'erin: no neural_net.py in this folder (it holds notes.txt). Submit your '
        'neural_net.py.')
    with open(out / 'grades.csv', newline='') as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:len(NBGRADER_COLUMNS)] == NBGRADER_COLUMNS
    assert [row['student_id'] for row in rows] == ['alice', 'bob', 'carol', 'dave', 'erin']
    assert {row['student_id']: float(row['score']) for row in rows} == {
        sid: r['score'] for sid, r in results.items()}
    assert float(rows[1]['grads']) == 1.5
    markdown = (out / 'feedback' / 'bob.md').read_text()
    assert 'check the ReLU mask' in markdown and '| grads | 1.5 / 3 | partial |' in markdown
    assert '<table>' in (out / 'feedback' / 'bob.html').read_text()


def test_rerun_resumes_and_regrades_only_changed(graded_klass, tmp_path):
    # The first run is the fixture's (the same command, on the original folder).
    klass, out = copy_of(graded_klass, tmp_path)
    before = (out / 'results' / 'alice.json').read_text()
    write_submission(str(klass / 'bob' / 'two_layer_net'), reference_text())
    second = run_cli('grade', str(klass), '--out', str(out), '--dataset', 'fashion_mnist',
                     '--json')
    assert second.returncode == 3, second.stderr
    assert '4 unchanged submission(s) reused' in second.stderr
    assert (out / 'results' / 'alice.json').read_text() == before
    assert by_id(json.loads(second.stdout))['bob']['score'] == 18
    assert by_id(json.loads(graded_klass[2]))['bob']['score'] < 18


def test_gradebook_keeps_earlier_groups_and_refuses_foreign_files(tmp_path):
    out = tmp_path / 'out'
    copy_reference(str(tmp_path / 'group1' / 'ann'))
    copy_reference(str(tmp_path / 'group2' / 'ben'))
    grade_json(str(tmp_path / 'group1'), '--out', str(out), '--dataset', 'none')
    grade_json(str(tmp_path / 'group2'), '--out', str(out), '--dataset', 'none')
    with open(out / 'grades.csv', newline='') as handle:
        assert [row['student_id'] for row in csv.DictReader(handle)] == ['ben', 'ann']
    foreign = tmp_path / 'foreign'
    foreign.mkdir()
    (foreign / 'grades.csv').write_text('student_id,score\nzoe,97\n')
    refused = run_cli('grade', str(tmp_path / 'group1'), '--out', str(foreign),
                      '--dataset', 'none')
    assert refused.returncode == 2 and 'not written by this grader' in refused.stderr
    assert (foreign / 'grades.csv').read_text() == 'student_id,score\nzoe,97\n'


def test_output_folder_inside_the_class_is_not_a_student(graded_klass, tmp_path):
    # The fixture's grade wrote its output folder inside the class; grading the class
    # again (other settings: every submission is graded anew) must not take it for one.
    assert sorted(by_id(json.loads(graded_klass[2]))) == ['alice', 'bob', 'carol', 'dave',
                                                          'erin']
    klass, out = copy_of(graded_klass, tmp_path)
    again = by_id(grade_json(str(klass), '--out', str(out), '--dataset', 'none', status=3))
    assert sorted(again) == ['alice', 'bob', 'carol', 'dave', 'erin']


def test_several_student_files(tmp_path):
    klass = tmp_path / 'class'
    copy_reference(str(klass / 'frank'))
    write_submission(str(klass / 'frank' / 'old'), '')            # the top-level file wins
    write_submission(str(klass / 'gina' / 'a'), reference_text())
    write_submission(str(klass / 'gina' / 'b'), reference_text())
    results = by_id(grade_json(str(klass), '--dataset', 'none', status=3))
    assert results['frank']['score'] == 15
    assert results['gina']['score'] == 0
    assert 'holds 2 files named neural_net.py' in results['gina']['problem']


def test_nbgrader_submitted_layout(tmp_path):
    course = tmp_path / 'course'
    copy_reference(str(course / 'submitted' / 'u1' / 'two_layer_net'))
    write_submission(str(course / 'submitted' / 'u2' / 'two_layer_net'),
                     reference_text().replace(*BROKEN_GRADS))
    results = by_id(grade_json(str(course), '--dataset', 'none'))
    assert sorted(results) == ['u1', 'u2']
    assert results['u1']['score'] == results['u1']['max_score'] == 15


def test_zip_with_path_traversal_is_refused(tmp_path):
    evil = tmp_path / 'evil.zip'
    with zipfile.ZipFile(str(evil), 'w') as archive:
        archive.writestr('../../outside.py', 'x = 1')
        archive.writestr('neural_net.py', reference_text())
    [result] = grade_json(str(evil), '--dataset', 'none', status=3)
    assert result['score'] == 0
    assert 'unsafe path' in result['problem']
    assert not (tmp_path.parent / 'outside.py').exists()


def test_table_output_and_missing_path(tmp_path):
    result = run_cli('grade', STUB, '--dataset', 'none', check=True)
    assert result.stdout.startswith('assignment/neural_net.py: 0 / 15')
    assert '0 / 15' in result.stdout and 'NotImplementedError' in result.stdout
    missing = run_cli('grade', str(tmp_path / 'nope.py'))
    assert missing.returncode == 2 and 'no such file or folder' in missing.stderr


def test_self_check_exit_codes(tmp_path):
    stub = run_cli('check')
    assert stub.returncode == 1 and '[FAIL] scores' in stub.stdout
    good = run_cli('check', REFERENCE)
    assert good.returncode == 0 and 'All visible checks pass' in good.stdout
    assert 'val_accuracy' not in good.stdout and 'stability' not in good.stdout
    partly = run_cli('check', write_submission(str(tmp_path),
                                               reference_text().replace(*BROKEN_GRADS)))
    assert partly.returncode == 1 and '[PART] grads' in partly.stdout


def test_demo_is_the_readme_main_job():
    result = run_cli('demo', '--dataset', 'fashion_mnist', check=True)
    assert 'Reference full marks, stub zero, sample mistakes in between: yes' in result.stdout
    assert 'grades.csv:' in result.stdout and 'mutant_relu_mask_missing' in result.stdout


def write_learnable_cifar(folder, per_batch=2400):
    """CIFAR-10 batches in the real format whose classes are learnable patterns: each
    image is its class's pattern plus uniform noise of +-64 levels (drawn as small
    integers, several times cheaper than normal noise in floats)."""
    import pickle
    import numpy as np
    rng = np.random.default_rng(5)
    patterns = np.clip(128 + 30 * rng.normal(size=(10, 3072)), 0, 255).astype(np.int16)
    folder.mkdir(parents=True)
    names = ['data_batch_%d' % i for i in range(1, 6)] + ['test_batch']
    for name in names:
        # The test batch is as large as CIFAR-10's: val_accuracy draws held-out images from it.
        rows = 10000 if name == 'test_batch' else per_batch
        labels = rng.integers(0, 10, rows)
        data = patterns[labels]
        data += rng.integers(-64, 64, size=(rows, 3072), dtype=np.int16)
        data = np.clip(data, 0, 255, out=data).astype(np.uint8)
        with open(folder / name, 'wb') as handle:
            pickle.dump({'data': data, 'labels': labels.tolist()}, handle)


def test_cifar10_grading_path_on_synthetic_batches(tmp_path):
    """--dataset cifar10 trains on CIFAR-format data; auto prefers CIFAR-10: it reads the
    very batches cifar10 reads (a broken one stops both alike), so the one training run
    (the reference, then the file) serves both choices."""
    folder = tmp_path / 'cifar-10-batches-py'
    write_learnable_cifar(folder)
    result = run_cli('grade', REFERENCE, '--json', '--dataset', 'cifar10',
                     env={'CIFAR10_DIR': str(folder)}, check=True)
    [graded] = json.loads(result.stdout)
    [val] = [c for c in graded['checks'] if c['name'] == 'val_accuracy']
    assert 'on cifar10' in val['feedback'] and val['score'] == val['max_score'], val
    broken = tmp_path / 'broken'
    shutil.copytree(str(folder), str(broken))
    (broken / 'data_batch_3').write_bytes(b'not a pickle')
    for choice in ('cifar10', 'auto'):
        failed = run_cli('grade', REFERENCE, '--dataset', choice,
                         env={'CIFAR10_DIR': str(broken)})
        assert failed.returncode == 2 and 'data_batch_3' in failed.stderr, (choice, failed.stderr)
