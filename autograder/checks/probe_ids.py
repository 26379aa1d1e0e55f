"""The names of probes the checks share: ids, suffixes and the public seed.

Plain constants, apart from how the inputs are drawn (probe_inputs.py, which the
student copy leaves out: it reads the visible probes' inputs from the stored outputs).
"""
DEFAULT_SEED = 20231
# Suffix of the reference-only variant of a training probe without decay.
NO_DECAY = '_no_decay'
# Suffix of a served probe's twin that runs with the student's own loss.
OWN_LOSS = '_own_loss'
# Probes on the notebook's public toy data (every other probe's inputs are hidden).
PUBLIC_PROBES = ('init_toy', 'scores_toy', 'loss_toy_noreg', 'loss_toy_reg', 'train_toy',
                 'train_toy' + OWN_LOSS)
# Loss probes whose labels do not cover every class (hidden sizes, reg=0): a
# class count taken from the labels (len(set(y)), y.max() + 1) instead of
# from W2 is wrong on each of them, whatever the seed draws.
CLASS_PROBES = ('loss_missing_class', 'loss_one_sample', 'loss_top_class')
# The probes whose calls the no_mutation check observes.
MUTATION_PROBES = ('scores_toy', 'loss_toy_reg', 'predict_hidden', 'train_toy')
# The probes whose scores the scores judge compares with a network without the ReLU, and
# the suffix of those scores in the stored outputs of a copy (which draws no inputs).
SCORES_PROBES = ('scores_toy', 'scores_hidden')
NO_RELU = '_no_relu_scores'
