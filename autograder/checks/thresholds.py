"""The bars of the hidden accuracy checks: val_accuracy's fixed settings and thresholds,
and the notebook's bar for the tuned best_net (nbgrader). Instructor only: a student copy
leaves this module out (release/generate.py).
"""

# Training run of val_accuracy: fixed hyper-parameters, per dataset. The
# threshold leaves a clear margin below what the reference reaches, and above
# what mistakes that still learn reach (docs/grading.md). 'pool': images are
# summed over pool x pool blocks first (Fashion-MNIST 28x28 -> 14x14: a
# quarter of the training cost, and the same separation measured).
FIT_SETTINGS = {
    'fashion_mnist': {'num_training': 10000, 'threshold': 0.65, 'pool': 2,
                      'args': {'hidden_size': 50, 'num_classes': 10, 'learning_rate': 1e-3,
                               'learning_rate_decay': 0.95, 'reg': 0.25, 'num_iters': 300,
                               'batch_size': 200, 'seed': 0}},
    'cifar10': {'num_training': 10000, 'threshold': 0.24,
                'args': {'hidden_size': 50, 'num_classes': 10, 'learning_rate': 1e-4,
                         'learning_rate_decay': 0.95, 'reg': 0.25, 'num_iters': 1000,
                         'batch_size': 200, 'seed': 0}},
}
# The notebook's bar for the student's tuned best_net (nbgrader cell).
BEST_NET_THRESHOLDS = {'cifar10': 0.48, 'fashion_mnist': 0.85}
CHANCE_ACCURACY = 0.1
