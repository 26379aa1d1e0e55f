"""The words the sandbox child and the grader's checks share (plain constants only).

The child writes them into a probe's outputs and its failure reports; the
judges (autograder/checks/) read them. Both sides import this module, so the
checks need nothing else of the child, and the child stays free of the rest of
the kit (it is the one module of the grader's vocabulary it can see).
"""
import types

# The parameters of a TwoLayerNet, in the order the channel and the loss service use.
PARAM_NAMES = ('W1', 'b1', 'W2', 'b2')
# Key of a probe's outputs holding {output name: why it is missing}.
PROBLEMS = 'problems'
# Key of a probe's outputs holding {output name: dtype} for outputs the
# student computed in a float type narrower than float64 (e.g. float32).
NARROW_DTYPES = 'dtypes'
# Why every gradient is missing when loss(X, y) returns None for them: the
# stub's backward pass, not written yet (the loss is still judged).
GRADS_NOT_WRITTEN = 'backward pass not written yet: loss() returned None for the gradients'
# Prefix of the outputs that carry a probe's input arrays as they are after the call.
INPUT_AFTER = 'input_'
# Names that exist in Python 2 only, with what to write in Python 3.
PYTHON2_NAMES = types.MappingProxyType({
    'xrange': 'range', 'unicode': 'str', 'raw_input': 'input', 'basestring': 'str',
    'long': 'int', 'unichr': 'chr', 'iteritems': 'items'})
