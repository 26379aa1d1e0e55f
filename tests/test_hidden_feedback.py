"""What the feedback of a hidden probe may say (autograder/checks/hidden_feedback.py)."""


def test_a_hidden_probe_names_a_stub_todo_from_the_files_own_text():
    """A stub region still to write is described by the message in the file's own source
    (the stub's fixed words); any other text of the student's exception is dropped."""
    from autograder.checks.hidden_feedback import SourceLines, describe_failure
    from autograder.sandbox import ProbeResult
    stub = (b'class TwoLayerNet:\n    def train(self):\n        raise NotImplementedError(\n'
            b"            'TwoLayerNet.train: sampling not written yet (see its TODO in "
            b"neural_net.py)')\n")
    failure = ProbeResult.failure('NotImplementedError: 0.123 0.456', 'NotImplementedError', 3)
    assert describe_failure(failure, SourceLines(stub)) == (
        'NotImplementedError: TwoLayerNet.train: sampling not written yet (see its TODO in '
        'neural_net.py) (neural_net.py line 3, in train)')
    leaky = stub.replace(b'sampling', b'0.123')
    text = describe_failure(failure, SourceLines(leaky))
    assert 'not written yet' not in text and '0.456' not in text
