"""No module state in autograder/sandbox/: what a grading session keeps lives in its Sandbox.

Every module of the package, the child package included (it runs in the
student's process, where a module-level container is one more thing student
code could reach and change), is parsed, not imported: no ``global``
statement, and no module-level (or class-level) assignment of a mutable
container: no list, dict or set display or comprehension, and no call
except of the constructors below, whose results cannot be changed.
Memoised probes of the machine (functools.lru_cache in isolation.py) are
facts about the host, not a session's state, and are not assignments.
"""
import ast
import os

import pytest

import autograder.sandbox

PACKAGE = os.path.dirname(os.path.abspath(autograder.sandbox.__file__))
# Calls whose result is immutable (JSONEncoder: keeps nothing between calls; a
# dataclass's field(default_factory=...): a new value per instance).
IMMUTABLE_CALLS = frozenset({
    'frozenset', 'tuple', 'MappingProxyType', 'Struct', 'compile', 'namedtuple',
    'join', 'dirname', 'abspath', 'sum', 'range', 'JSONEncoder', 'field'})
MUTABLE_DISPLAYS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)


def modules():
    found = []
    for root, dirs, names in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != '__pycache__')
        found += [os.path.join(root, name) for name in sorted(names) if name.endswith('.py')]
    return found


def _called_name(call):
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, 'id', '')


def mutable_value(value):
    """Why value (an expression assigned at module or class level) is mutable, or ''."""
    for node in ast.walk(value):
        if isinstance(node, MUTABLE_DISPLAYS) and not _inside_immutable_call(value, node):
            return 'a %s' % type(node).__name__
        if isinstance(node, ast.Call) and _called_name(node) not in IMMUTABLE_CALLS:
            return 'a call of %s()' % _called_name(node)
    return ''


def _inside_immutable_call(value, display):
    """True when display is an argument of an immutable constructor in value
    (frozenset({...}), MappingProxyType({...}))."""
    for node in ast.walk(value):
        if (isinstance(node, ast.Call) and _called_name(node) in IMMUTABLE_CALLS
                and any(display is arg for arg in node.args)):
            return True
    return False


def _level_statements(body):
    """Statements run at this level (inside if/try/with blocks too, not in functions)."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ('body', 'orelse', 'finalbody', 'handlers'):
            inner = getattr(statement, field, None)
            if isinstance(inner, list):
                yield from _level_statements(inner)


def state_found(path):
    """['file:line: what'] for every global statement and module- or class-level mutable
    assignment in the module at path."""
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read(), path)
    name = os.path.relpath(path, PACKAGE)
    found = ['%s:%d: global %s' % (name, node.lineno, ', '.join(node.names))
             for node in ast.walk(tree) if isinstance(node, ast.Global)]
    levels = [tree.body] + [node.body for node in _level_statements(tree.body)
                            if isinstance(node, ast.ClassDef)]
    for body in levels:
        for statement in _level_statements(body):
            if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)) \
                    and statement.value is not None:
                why = mutable_value(statement.value)
                if why:
                    found.append('%s:%d: %s' % (name, statement.lineno, why))
    return found


def test_the_scan_sees_every_kind_of_module_state(tmp_path):
    """The rule itself: each form of module state is found, each immutable form is not."""
    sample = tmp_path / 'sample.py'
    sample.write_text(
        'import threading, types\n'
        'ACTIVE = set()\n'                          # 2
        'LIMITS = {"a": 1}\n'                       # 3
        'POOL = Pool()\n'                           # 4
        'LOCK = threading.Lock()\n'                 # 5
        'NAMES = ("a", "b")\n'
        'KINDS = types.MappingProxyType({"a": 1})\n'
        'BLOCKED = frozenset({"open"})\n'
        'class Keeper:\n'
        '    seen = []\n'                           # 10
        '    def note(self):\n'
        '        local = []\n'
        'def switch():\n'
        '    global ACTIVE\n'                       # 14
        'try:\n'
        '    CACHE = dict()\n'                      # 16
        'except ImportError:\n'
        '    pass\n')
    assert [line.split(':')[1] for line in state_found(str(sample))] == [
        '14', '2', '3', '4', '5', '16', '10']


@pytest.mark.parametrize('path', modules(), ids=lambda path: os.path.relpath(path, PACKAGE))
def test_no_module_state_in_the_sandbox(path):
    assert state_found(path) == []


def test_every_module_is_scanned():
    names = {os.path.relpath(path, PACKAGE) for path in modules()}
    assert {'session.py', 'warm.py', 'cpus.py', os.path.join('child', 'probes.py')} <= names


NO_CLASS = b'import numpy as np\nclass TwoLayerNet:\n    pass\n'


@pytest.mark.slow    # three children (seconds): beside the interrupted batch of test_hostile.py
def test_two_sandboxes_keep_their_own_state():
    """What was module state is each Sandbox's: aborting one stops its runs only, and
    closing one removes its scratch folder only."""
    from autograder.sandbox import Aborted, Limits, Sandbox
    with Sandbox() as stopped, Sandbox() as other:
        stopped.abort_all()
        pack = stopped.probe_pack([])
        with pytest.raises(Aborted):
            stopped.run(NO_CLASS, pack, Limits(timeout=30))
        assert other.run(NO_CLASS, other.probe_pack([]), Limits(timeout=30)).imported
        stopped.reset_abort()
        assert stopped.run(NO_CLASS, pack, Limits(timeout=30)).imported
        folders = stopped.scratch_folder(), other.scratch_folder()
        assert folders[0] != folders[1]
        stopped.close()
        assert not os.path.exists(folders[0]) and os.path.isdir(folders[1])
    assert not os.path.exists(folders[1])
