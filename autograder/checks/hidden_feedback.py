"""What the feedback may say about a probe whose inputs or answers are the grader's.

A hidden probe's inputs are the grader's secret, and a served probe's loss
answers are the reference's: nothing of either may reach the feedback. What
the child says about such a probe is text the student's code can fill with
anything it holds (an exception's message, a forged frame), so the grader
keeps none of it: a failure is described from a fixed vocabulary (the
exception type's name if it is a built-in one, the line of the student's file
where it was raised, with that line and its function as the grader reads them
from the submission's own bytes, and fixed sentences), and so is a malformed
output. Probes on the public toy data that received no served answer keep the
child's full description (the visible checks' helpful messages).
"""
import ast
import builtins
import dataclasses
import functools

from .markers import not_written_in
from ..sandbox.child.vocabulary import PARAM_NAMES, PYTHON2_NAMES
from ..sandbox.records import ProbeResult

BUILTIN_EXCEPTIONS = frozenset(name for name, value in vars(builtins).items()
                               if isinstance(value, type) and issubclass(value, BaseException))
# The child's own exception for outputs that are not what the API promises.
OUTPUT_ERROR = 'ProbeOutputError'
OUTPUT_SENTENCE = ('the value it returned is not what the API promises (a wrong type or shape, '
                   'or not numbers)')
OWN_CLASS = 'an exception of a class defined in neural_net.py'
UNKNOWN = 'an exception'
GRADIENT_PROBLEM = '%s is missing or not an array of the expected shape'
NARROW_DTYPES = ('float16', 'float32')
MAX_LINE_CHARS = 160


class SourceLines:
    """Lines and enclosing functions of the submission, read from its bytes (lazily)."""

    def __init__(self, source):
        self._text = source.decode('utf-8', errors='replace')
        self._lines = None
        self._functions = None

    def _all_lines(self):
        if self._lines is None:
            self._lines = self._text.splitlines()
        return self._lines

    def line(self, number):
        lines = self._all_lines()
        if not 0 < number <= len(lines):
            return None
        return lines[number - 1].strip()[:MAX_LINE_CHARS]

    def statement(self, number, count=3):
        """The text of lines number to number + count - 1 (a statement split over lines)."""
        return ' '.join(line.strip()
                        for line in self._all_lines()[max(number - 1, 0):number - 1 + count])

    def function(self, number):
        """Name of the innermost function of the file that holds line number, or None."""
        if self._functions is None:
            self._functions = function_spans(self._text)
        inside = [(start, name) for start, end, name in self._functions if start <= number <= end]
        return max(inside)[1] if inside else None


@functools.lru_cache(maxsize=16)
def function_spans(text):
    """(first line, last line, name) of every function of a submission's text, parsed once
    per text: a file judged again (on other inputs, or warm and cold) has the same ones."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return ()
    return tuple((node.lineno, node.end_lineno, node.name) for node in ast.walk(tree)
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)))


def describe_failure(result, lines):
    """A failed hidden probe's description, in the fixed vocabulary."""
    name = result.exception
    if name == OUTPUT_ERROR:
        return OUTPUT_SENTENCE
    text = name if name in BUILTIN_EXCEPTIONS else (OWN_CLASS if name else UNKNOWN)
    number = result.line
    code = lines.line(number) if isinstance(number, int) else None
    if code is None:
        return text
    function = lines.function(number)
    where = 'neural_net.py line %d%s' % (number, ', in %s' % function if function else '')
    # A stub region still to write: its message is the file's own text (no run's data).
    todo = lines.statement(number) if name == 'NotImplementedError' else ''
    if not_written_in(todo):
        return '%s: %s (%s)' % (name, not_written_in(todo), where)
    text += ' (%s: %s)' % (where, code)
    if name == 'NameError':
        old = [word for word in PYTHON2_NAMES if word in code.replace('(', ' ').split()]
        if old:
            text += ('; %s is Python 2: this assignment runs on Python 3, use %s'
                     % (old[0], PYTHON2_NAMES[old[0]]))
    return text


def restrict(results, open_ids, source):
    """The child's probe results with what it said about hidden probes replaced.

    results: {probe id: ProbeResult} as the channel decoded them; open_ids: probes
    whose free text may be shown; source: the submission's bytes.
    """
    lines = SourceLines(source)
    kept = {}
    for probe_id, result in results.items():
        result = dataclasses.replace(result, dtypes={
            key: value for key, value in result.dtypes.items() if value in NARROW_DTYPES})
        if probe_id not in open_ids:
            if not result.ok:
                result = ProbeResult(False, error=describe_failure(result, lines))
            elif result.problems:
                gradients = {'d' + name for name in PARAM_NAMES}
                result.problems = {key: GRADIENT_PROBLEM % key for key in result.problems
                                   if key in gradients}
        kept[probe_id] = result
    return kept
