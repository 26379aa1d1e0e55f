"""The served reference loss and the feedback are no oracle (issue 20, items 1-3).

Each attacker is the reference (so its honest work earns full marks) with one
addition, graded through the command line and the sandbox: asking the loss
service for answers under another probe's id, carrying hidden inputs out in
an exception's text, or patching the child's own comparison helpers. None of
them may gain a point or get data out into the result.
"""
import json

import numpy as np
import pytest

from autograder.checks import CATALOG
from autograder.checks.probe_ids import PUBLIC_PROBES

from helpers import BUNDLE_SEED, needs_fashion_mnist, reference_text, run_cli, write_submission

pytestmark = pytest.mark.slow

PREDICT_LINE = '        y_pred = np.argmax(self.loss(X), axis=1)\n'
LOSS_LINE = '        loss = data_loss + reg_loss\n'

# predict asks the served loss for a labelled answer under train_hidden's id (a
# probe still to come, of the same sizes) and, if answered, carries the answer
# out in its exception's text (the predict check is visible).
ASKS_AHEAD = PREDICT_LINE.replace('        y_pred', '''        cells = getattr(self.loss, '__closure__', None) or ()
        stubs = [c.cell_contents for c in cells if hasattr(c.cell_contents, 'probe_id')]
        if stubs and stubs[0].probe_id == 'predict_hidden':
            own, stubs[0].probe_id = stubs[0].probe_id, 'train_hidden'
            try:
                answer = self.loss(X, y=np.zeros(X.shape[0], dtype=int), reg=0.0)[0]
            except RuntimeError:
                answer = None
            finally:
                stubs[0].probe_id = own
            if answer is not None:
                raise ValueError('ORACLE' + '_ANSWER %r' % answer)
        y_pred''', 1)

# loss raises on the hidden model, with an input value in its message.
LEAKS_INPUT = LOSS_LINE + '''        if X.shape[1] != 4:
            raise ValueError('HIDDEN' + '_INPUT %r %r' % (X[0, 0], W1[0, 0]))
'''

# loss doubles X in place, then patches whatever comparison helper the child has.
MUTATES_AND_PATCHES = LOSS_LINE + '''        X *= 2
        import sys as _sys
        for _name, _module in list(_sys.modules.items()):
            if _name.endswith('probes') and hasattr(_module, '_unchanged'):
                _module._unchanged = lambda inputs, pristine: __import__('numpy').ones(
                    len(pristine))
'''


def attacker(old, new):
    text = reference_text()
    assert old in text
    return text.replace(old, new, 1)


ATTACKERS = {
    'asks_ahead': attacker(PREDICT_LINE, ASKS_AHEAD),
    'leaks_input': attacker(LOSS_LINE, LEAKS_INPUT),
    'mutates_and_patches': attacker(LOSS_LINE, MUTATES_AND_PATCHES),
}


@pytest.fixture(scope='module')
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp('oracle')
    for name, text in ATTACKERS.items():
        write_submission(str(root / name), text)
    done = run_cli('grade', str(root), '--json', '--dataset', 'none', check=True)
    results = json.loads(done.stdout)
    return {result['submission'].split('/')[0]: result for result in results}, done.stdout


def checks(result):
    return {check['name']: check for check in result['checks']}


def test_a_call_under_another_probes_id_is_refused_counted_and_named(graded):
    results, _ = graded
    result = results['asks_ahead']
    assert result['score'] == result['max_score'], result     # its honest work, no more
    assert 'foreign_loss_calls' in result['diagnoses']
    assert any('train_hidden' in warning and 'not running' in warning
               for warning in result['warnings']), result['warnings']


def test_nothing_of_a_served_answer_or_a_hidden_input_reaches_the_result(graded):
    results, text = graded
    assert 'ORACLE_ANSWER' not in text and 'HIDDEN_INPUT' not in text
    leaks = checks(results['leaks_input'])
    # The hidden probes fail with the exception's type and the student's own line.
    feedback = leaks['stability']['feedback']
    assert feedback.endswith("ValueError (neural_net.py line %d, in loss: raise ValueError("
                             "'HIDDEN' + '_INPUT %%r %%r' %% (X[0, 0], W1[0, 0])))"
                             % (reference_text().splitlines().index(LOSS_LINE.rstrip('\n')) + 3))
    assert leaks['scores']['score'] == 2.0 and leaks['stability']['score'] == 0.0


def test_patching_the_childs_helpers_does_not_hide_a_mutation(graded):
    results, _ = graded
    assert checks(results['mutates_and_patches'])['no_mutation']['score'] == 0.0


# The second stage of the oracle: a file that computes nothing, and looks the
# answers of the running probe up by its id in a table learned under the
# class's private seed (here: the reference's outputs on that seed's probes).
LOOKUP = '''
import sys as _sys


def _running_probe():
    frame = _sys._getframe()
    while frame is not None:
        probe = frame.f_locals.get('probe')
        if isinstance(probe, dict) and isinstance(probe.get('id'), str):
            return probe['id']
        frame = frame.f_back
    return None


_TABLE = %r


def _looked_up(X, y):
    answer = _TABLE.get(_running_probe())
    if answer is None or 'scores' in answer and y is not None:
        return None
    if 'scores' in answer:
        return np.array(answer['scores'])
    if 'loss' in answer and y is not None:
        return answer['loss'][0], {name: np.array(answer['d' + name])
                                   for name in ('W1', 'b1', 'W2', 'b2')}
    return None
'''
LOOKUP_LOSS = '''    def loss(self, X, y=None, reg=0.0):
        answer = _looked_up(X, y)
        if answer is not None:
            return answer
        N, C = X.shape[0], self.params['W2'].shape[1]
        if y is None:
            return np.zeros((N, C))
        return 0.0, {name: np.zeros_like(value) for name, value in self.params.items()}

    def _unused_loss(self, X, y=None, reg=0.0):'''
LOOKUP_PREDICT = '''    def predict(self, X):
        answer = _TABLE.get(_running_probe())
        if answer is not None and 'y_pred' in answer:
            return np.array(answer['y_pred']).astype(int)
        return np.zeros(X.shape[0], dtype=int)

    def _unused_predict(self, X):'''
PRIVATE_SEED = 4242


def lookup_file(table):
    text = reference_text().replace('class TwoLayerNet', LOOKUP % table + '\n\nclass TwoLayerNet', 1)
    text = text.replace('    def loss(self, X, y=None, reg=0.0):', LOOKUP_LOSS, 1)
    return text.replace('    def predict(self, X):', LOOKUP_PREDICT, 1)


def learned_table(seed=PRIVATE_SEED):
    """The answers of the scores, loss and predict probes under the class's private seed
    (what a first submission could have carried out), by probe id."""
    from autograder.grading import Grader
    with Grader(dataset='none', seed=seed) as grader:
        return {probe_id: {name: value.tolist() for name, value in result.outputs.items()
                           if not name.startswith('input_')}
                for probe_id, result in grader.reference.items()
                if probe_id.startswith(('scores_', 'loss_', 'predict_'))}


def test_answers_learned_under_the_class_seed_are_worthless(tmp_path):
    table = learned_table()
    write_submission(str(tmp_path / 'lookup'), lookup_file(table))
    done = run_cli('grade', str(tmp_path), '--json', '--dataset', 'none',
                   '--seed', str(PRIVATE_SEED), check=True)
    result = checks(json.loads(done.stdout)[0])
    # Its honest work: init, the SGD loop (train, sgd, on the served loss), no_mutation;
    # and the toy model's scores, whose answers ship to students anyway.
    assert result['scores']['score'] <= 1.0
    assert all(result[name]['score'] == 0 for name in ('loss', 'grads', 'stability', 'predict'))


def test_the_same_file_gets_the_same_inputs_and_results_another_file_others(tmp_path):
    from autograder.grading import Grader
    text = reference_text()
    for name, source in (('a', text), ('b', text + '# another file\n')):
        write_submission(str(tmp_path / 'class' / name), source)
    runs = [run_cli('grade', str(tmp_path / 'class'), '--json', '--dataset', 'none',
                    '--seed', str(PRIVATE_SEED), check=True).stdout for _ in range(2)]
    assert runs[0] == runs[1]
    assert all(result['score'] == result['max_score'] for result in json.loads(runs[0]))
    with Grader(dataset='none', seed=PRIVATE_SEED) as grader:
        first = grader.submission_probes(text.encode())[0]
        again = grader.submission_probes(text.encode())[0]
        other = grader.submission_probes((text + '# another file\n').encode())[0]
    by_id = [{probe['id']: probe for probe in probes} for probes in (first, again, other)]
    for probe_id, probe in by_id[0].items():
        same = [probe['args'] == draw[probe_id]['args'] and
                all(np.array_equal(probe['arrays'][key], draw[probe_id]['arrays'][key])
                    for key in probe['arrays']) for draw in by_id[1:]]
        assert same[0], probe_id
        assert same[1] == (probe_id.replace('_no_decay', '') in PUBLIC_PROBES
                           or probe['kind'] == 'fit'), probe_id


# --- the same attackers against the built Gradescope bundle ----------------------

@pytest.fixture(scope='module')
def bundle_root(gradescope_bundle):
    """The Gradescope zip built with the class's private seed (helpers.BUNDLE_SEED, val_accuracy
    on Fashion-MNIST), unzipped alone into a simulated /autograder and installed by its
    own setup.sh (conftest: the bundle test_parity and test_gradescope grade with)."""
    return gradescope_bundle()[0]


def bundle_points(root, text):
    """{check: points} and the results.json text of the bundle's run_autograder on text."""
    from test_gradescope_zip import grade_in_gradescope
    results = grade_in_gradescope(root, text)
    return {test['name']: test['score'] for test in results['tests']
            if test['max_score']}, json.dumps(results)


@pytest.fixture(scope='module')
def honest_work(tmp_path_factory):
    """{attacker: {check: points}} of one `grade` of the attackers with the bundle's
    private seed and dataset: their honest work."""
    root = tmp_path_factory.mktemp('honest')
    for name, text in ATTACKERS.items():
        write_submission(str(root / name), text)
    done = run_cli('grade', str(root), '--json', '--dataset', 'fashion_mnist',
                   '--seed', str(BUNDLE_SEED), check=True)
    return {result['submission'].split('/')[0]: {check['name']: check['score']
                                                 for check in result['checks']}
            for result in json.loads(done.stdout)}


@needs_fashion_mnist
@pytest.mark.parametrize('name', sorted(ATTACKERS))
def test_the_bundle_pays_the_attackers_their_honest_work_only(bundle_root, honest_work, name):
    """Each first-stage attacker (asks the service ahead, leaks a hidden input, patches
    the child's helpers) gets on the built bundle the points `grade` gives it (its honest
    work: asserted above), and nothing it tried to carry out reaches results.json."""
    points, text = bundle_points(bundle_root, ATTACKERS[name])
    assert 'ORACLE_ANSWER' not in text and 'HIDDEN_INPUT' not in text
    assert points == honest_work[name]
    if name == 'asks_ahead':      # the reference's work, no more
        assert sum(points.values()) == sum(check.max_score for check in CATALOG)


@needs_fashion_mnist
def test_the_bundle_pays_the_lookup_file_nothing_it_did_not_compute(bundle_root):
    """The second stage: a file that computes nothing and looks answers up in a table
    learned under the bundle's own private seed."""
    table = learned_table(BUNDLE_SEED)
    points, _ = bundle_points(bundle_root, lookup_file(table))
    assert points['scores'] <= 1.0
    assert all(points[name] == 0 for name in ('loss', 'grads', 'stability', 'predict'))
