"""val_accuracy pays only for a network the student's SGD trained, judged on images it never saw.

Two trains that are not SGD reach a good accuracy on real data: one fits the
output layer in closed form by least squares (no loss call, no minibatch), one
runs the SGD loop on the served loss, ignores it and then fits in closed form.
Both scored val_accuracy 3/3 in 2.2.1; the train check's criteria (loss
called once per iteration on batch_size rows, params -= learning_rate *
grads, replayed by the grader) now gate the points. A third runs SGD on the
small runs and the closed-form fit on the real data only (3/3 in 2.3.0): the
real-data run's own network is checked too (its W1 must have left the
seeded start).
"""
import pytest

from helpers import reference_text, write_submission

pytestmark = pytest.mark.slow

TRAIN_START = '        num_train = X.shape[0]\n'
UPDATE = 'self.params[name] -= step'
RETURN = '        return {\n            \'loss_history\': loss_history,'
# Least squares of one-hot targets on the hidden layer (with a bias column).
CLOSED_FORM = '''
        hidden = np.maximum(X.dot(self.params['W1']) + self.params['b1'], 0)
        design = np.hstack([hidden / hidden.std(), np.ones((X.shape[0], 1))])
        targets = np.eye(self.params['W2'].shape[1])[y]
        solution = np.linalg.lstsq(design, targets, rcond=None)[0]
        self.params['W2'] = solution[:-1] / hidden.std()
        self.params['b2'] = solution[-1]
'''


def closed_form_fit():
    """train fits W2, b2 by least squares and returns at once."""
    source = reference_text()
    assert source.count(TRAIN_START) == 1
    return source.replace(TRAIN_START, TRAIN_START + CLOSED_FORM + (
        "        return {'loss_history': [0.0] * num_iters, 'train_acc_history': [],\n"
        "                'val_acc_history': []}\n"))


def ignore_then_fit():
    """The SGD loop runs on the served loss, its gradients are dropped, then the fit."""
    source = reference_text()
    assert source.count(UPDATE) == 1 and source.count(RETURN) == 1
    return source.replace(UPDATE, 'pass').replace(RETURN, CLOSED_FORM + RETURN)


def fit_on_real_data_only():
    """SGD on every small run (the train check's, hidden or not), the closed-form fit on the
    real-data run (told apart by its size): the train check's criteria hold, so only the
    real-data run's own network shows it."""
    source = reference_text()
    branch = CLOSED_FORM.replace('\n        ', '\n            ')
    return source.replace(TRAIN_START, TRAIN_START + '        if num_train >= 5000:' + branch + (
        "            return {'loss_history': [0.0] * num_iters, 'train_acc_history': [],\n"
        "                    'val_acc_history': []}\n"))


@pytest.mark.parametrize('make', [closed_form_fit, ignore_then_fit, fit_on_real_data_only])
def test_a_train_that_is_not_sgd_gets_no_accuracy_points(grader, tmp_path, make):
    path = write_submission(str(tmp_path), make())
    checks = {check.name: check for check in grader.grade_file(path, make.__name__).checks}
    assert checks['val_accuracy'].score == 0, checks['val_accuracy'].feedback
    assert checks['val_accuracy'].feedback.startswith(
        'The accuracy counts only a network trained by SGD, and your train is not: ')
    assert checks['val_accuracy'].feedback.count('.') == 1     # one sentence
    # The rest of the file is the reference's: nothing else is lost.
    if make is fit_on_real_data_only:
        assert 'on the real-data run W1 never left' in checks['val_accuracy'].feedback
        lost = ('val_accuracy',)
    else:
        assert checks['train'].score == 0, checks['train'].feedback
        lost = ('train', 'sgd', 'val_accuracy')
    assert all(check.score == check.max_score for name, check in checks.items()
               if name not in lost), checks
