"""What a neural_net.py must be to be graded at all: the size limit and "not empty".

The one rule every reader of a submission applies (discovery reads at most
MAX_SOURCE_BYTES + 1 bytes; the grader and the nbgrader preprocessor say why a
file cannot be graded with ``source_problem``).
"""
MAX_SOURCE_BYTES = 1024 * 1024


def source_problem(source):
    """Why the bytes of a neural_net.py cannot be graded at all, or None."""
    if len(source) > MAX_SOURCE_BYTES:
        return ('neural_net.py is %.1f MB; the grader accepts files up to %d KB. Submit only '
                'your neural_net.py.' % (len(source) / 1e6, MAX_SOURCE_BYTES // 1024))
    if not source.strip():
        return 'neural_net.py is empty.'
    return None


def read_source(path):
    """The first MAX_SOURCE_BYTES + 1 bytes of path (enough to tell it is too large)."""
    with open(path, 'rb') as handle:
        return handle.read(MAX_SOURCE_BYTES + 1)
