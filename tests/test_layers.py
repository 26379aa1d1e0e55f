"""The layers of the autograder package (docs/architecture.md, "Layers"): read from the code.

Every module's import statements are read from its syntax tree (imports inside
functions included, relative imports resolved). An arrow A -> B means a module A
names module B (or package B's __init__) in an import. The test fails naming the
arrow when
- modules import each other in a cycle, or packages do (arrows between two top-level
  packages or modules of autograder, ``sandbox.child`` counting as a package of its own);
- a module imports from a higher layer than its own (same layer or lower is fine);
- a module outside sandbox/ imports one of the sandbox's internal modules (the
  ``autograder.sandbox`` package and its other modules are its face).
"""
import ast
import os
import re

import pytest

PACKAGE = 'autograder'
PACKAGE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), PACKAGE)
ARCHITECTURE = os.path.join(os.path.dirname(PACKAGE_DIR), 'docs', 'architecture.md')
# Not modules of the grader: the nbgrader course's generated files (not in the wheel).
SKIPPED_DIRS = ('course', '__pycache__')

# Lowest first; each entry names a module or a package of autograder ('__init__': the
# package's own __init__.py, its version). The same list is docs/architecture.md's.
LAYERS = (
    ('sandbox.child',),
    ('__init__', 'errors'),
    ('paths', 'public_copy'),
    ('safe_files',),
    ('student_imports',),
    ('sandbox',),
    ('results',),
    ('outputs',),
    ('submissions',),
    ('datasets',),
    ('checks',),
    ('stored_outputs', 'grading'),
    ('report',),
    ('platforms',),
    ('release',),
    ('commands',),
    ('cli', '__main__'),
)
# Counted as a package of its own in the cycles between packages (it is one under bubblewrap).
OWN_PACKAGES = ('sandbox.child',)
# What the rest of the kit does not import from sandbox/ (the package re-exports what it needs).
SANDBOX_INTERNALS = ('sandbox.staging', 'sandbox.channel_session', 'sandbox.cold', 'sandbox.warm',
                     'sandbox.zygotes', 'sandbox.serving', 'sandbox.pool', 'sandbox.cpus',
                     'sandbox.users')
# Known exceptions, each an arrow (importer, imported) with the reason it is allowed. None
# today: the runner <-> serving cycle and grading's reach into the warm pools went with the
# per-process Sandbox object (issue 24 item 3).
ALLOWED = {}


# --- reading the imports --------------------------------------------------------------

def modules_of(package_dir, package):
    """{dotted name: (path, is a package __init__)} of every module under package_dir."""
    found = {}
    for root, dirs, names in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        parts = [package] + os.path.relpath(root, package_dir).split(os.sep)
        parts = [part for part in parts if part != '.']
        for name in sorted(names):
            if name.endswith('.py'):
                stem = name[:-3]
                dotted = '.'.join(parts if stem == '__init__' else parts + [stem])
                found[dotted] = (os.path.join(root, name), stem == '__init__')
    return found


def _resolve(name, is_package, node):
    """The dotted module an ImportFrom's level and module name."""
    if not node.level:
        return node.module
    base = name.split('.') if is_package else name.split('.')[:-1]
    base = base[:len(base) - node.level + 1]
    return '.'.join(base + ([node.module] if node.module else []))


def import_graph(package_dir, package):
    """{importer: {imported: line}} between the modules of package, every import statement
    of the file (top level or inside a function), relative ones resolved."""
    modules = modules_of(package_dir, package)

    def known(dotted):
        while dotted not in modules and '.' in dotted:
            dotted = dotted.rpartition('.')[0]
        return dotted if dotted in modules else None

    graph = {}
    for name, (path, is_package) in modules.items():
        with open(path, encoding='utf-8') as handle:
            tree = ast.parse(handle.read(), path)
        arrows = graph.setdefault(name, {})
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(name, is_package, node)
                # from package import submodule names the submodule; else the module itself
                targets = [source + '.' + alias.name if source + '.' + alias.name in modules
                           else source for alias in node.names]
            else:
                continue
            for target in targets:
                if target == package or target.startswith(package + '.'):
                    found = known(target)
                    if found and found != name:
                        arrows.setdefault(found, node.lineno)
    return graph


# --- the rules ----------------------------------------------------------------------

def short(name, package):
    """Name relative to the package; '__init__' for the package itself."""
    return '__init__' if name == package else name[len(package) + 1:]


def unit_of(relative, entries):
    """The longest entry that is relative or a package holding it, or None."""
    matches = [entry for entry in entries
               if relative == entry or relative.startswith(entry + '.')]
    return max(matches, key=len) if matches else None


def layer_index(layers):
    return {entry: index for index, layer in enumerate(layers) for entry in layer}


def unplaced(graph, package, layers):
    """Modules no layer holds."""
    index = layer_index(layers)
    return sorted(short(name, package) for name in graph
                  if unit_of(short(name, package), index) is None)


def _arrows(graph, package, allowed):
    for importer, imported in graph.items():
        for target, line in imported.items():
            arrow = (short(importer, package), short(target, package))
            if arrow not in allowed:
                yield arrow, line


def wrong_way(graph, package, layers, allowed=()):
    """'a -> b (line n): layer i imports layer j' for each arrow up the layers."""
    index = layer_index(layers)
    found = []
    for (importer, target), line in _arrows(graph, package, allowed):
        low, high = index.get(unit_of(target, index)), index.get(unit_of(importer, index))
        if low is not None and high is not None and low > high:
            found.append('%s -> %s (line %d): layer %d %s imports layer %d %s'
                         % (importer, target, line, high + 1, unit_of(importer, index),
                            low + 1, unit_of(target, index)))
    return sorted(found)


def into_internals(graph, package, internals, allowed=()):
    found = []
    for (importer, target), line in _arrows(graph, package, allowed):
        home = target.split('.')[0]
        if unit_of(target, internals) and importer.split('.')[0] != home:
            found.append('%s -> %s (line %d): internal to %s/' % (importer, target, line, home))
    return sorted(found)


def _components(nodes, edges):
    """Strongly connected components of more than one node (Tarjan), each sorted."""
    order, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        order[node] = low[node] = len(order)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in order:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], order[other])
        if low[node] == order[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(nodes):
        if node not in order:
            visit(node)
    return found


def cycles(edges):
    """'a -> b, b -> a' for each cycle: the arrows inside each strongly connected set."""
    nodes = set(edges) | {target for targets in edges.values() for target in targets}
    found = []
    for component in _components(nodes, edges):
        inside = ['%s -> %s' % (a, b) for a in component for b in sorted(edges.get(a, ()))
                  if b in component]
        found.append(', '.join(inside))
    return sorted(found)


def module_edges(graph, package, allowed=()):
    edges = {}
    for (importer, target), _line in _arrows(graph, package, allowed):
        edges.setdefault(importer, set()).add(target)
    return edges


def package_of(relative, packages):
    """Top-level module or package of relative ('sandbox.child' is one of its own)."""
    return unit_of(relative, packages) or relative.split('.')[0]


def package_edges(graph, package, packages, allowed=()):
    edges = {}
    for (importer, target), _line in _arrows(graph, package, allowed):
        a, b = package_of(importer, packages), package_of(target, packages)
        if a != b:
            edges.setdefault(a, set()).add(b)
    return edges



# --- the package itself ---------------------------------------------------------------

@pytest.fixture(scope='module')
def graph():
    return import_graph(PACKAGE_DIR, PACKAGE)


def test_the_graph_sees_lazy_and_relative_imports(graph):
    # release.generate imports grading inside a function; checks/judges.py imports
    # sandbox.child.vocabulary two relative levels up (from ..sandbox.child...).
    assert 'autograder.grading' in graph['autograder.release.generate']
    assert 'autograder.sandbox.child.vocabulary' in graph['autograder.checks.judges']
    assert 'autograder.cli' in graph['autograder.__main__']


def test_every_module_has_a_layer(graph):
    assert unplaced(graph, PACKAGE, LAYERS) == []


def test_no_cycle_between_modules(graph):
    assert cycles(module_edges(graph, PACKAGE, ALLOWED)) == []


def test_no_cycle_between_packages(graph):
    assert cycles(package_edges(graph, PACKAGE, OWN_PACKAGES, ALLOWED)) == []


def test_no_arrow_up_the_layers(graph):
    assert wrong_way(graph, PACKAGE, LAYERS, ALLOWED) == []


def test_the_sandbox_child_imports_nothing_else_of_the_kit(graph):
    # Under bubblewrap the child sees sandbox/child/ alone (docs/architecture.md).
    outside = ['%s -> %s' % (short(a, PACKAGE), short(b, PACKAGE))
               for a, targets in graph.items() for b in targets
               if short(a, PACKAGE).startswith('sandbox.child')
               and not short(b, PACKAGE).startswith('sandbox.child')]
    assert outside == []


def test_the_rest_of_the_kit_stays_out_of_the_sandbox_internals(graph):
    assert into_internals(graph, PACKAGE, SANDBOX_INTERNALS, ALLOWED) == []


def test_each_allowed_exception_is_still_needed(graph):
    # An exception that no longer happens is struck from ALLOWED (the sandbox helper's work).
    present = {(short(a, PACKAGE), short(b, PACKAGE)) for a, targets in graph.items()
               for b in targets}
    assert set(ALLOWED) - present == set()


def documented_layers():
    """The numbered list under '## Layers' of docs/architecture.md, as tuples of names."""
    with open(ARCHITECTURE, encoding='utf-8') as handle:
        text = handle.read()
    section = text.split('\n## Layers\n', 1)[1].split('\n## ', 1)[0]
    layers = []
    for line in section.splitlines():
        match = re.match(r'\d+\. (.*)', line)
        if match:
            names = match.group(1).split(': ', 1)[0]
            layers.append(tuple(re.findall(r'`([\w.]+)`', names)))
    return tuple(layers)


def test_the_documented_layers_are_the_tested_ones():
    assert documented_layers() == LAYERS


# --- the rules can fail: a tiny package with a lazy cycle and a wrong-way arrow ---------

def write_package(root, files):
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(root / 'tiny')


TINY = {
    'tiny/__init__.py': '',
    'tiny/low.py': 'import os\n\n\ndef later():\n    from .high import thing\n    return thing\n',
    'tiny/high.py': 'from . import low\nthing = 1\n',
    'tiny/sub/__init__.py': '',
    'tiny/sub/deep.py': 'from ..low import later\nimport tiny.high\n',
}
TINY_LAYERS = (('low',), ('high',), ('sub',))


def test_a_lazy_wrong_way_arrow_and_its_cycle_are_named(tmp_path):
    graph = import_graph(write_package(tmp_path, TINY), 'tiny')
    assert graph['tiny.low'] == {'tiny.high': 5}
    assert graph['tiny.sub.deep'] == {'tiny.low': 1, 'tiny.high': 2}
    assert wrong_way(graph, 'tiny', TINY_LAYERS) == [
        'low -> high (line 5): layer 1 low imports layer 2 high']
    assert cycles(module_edges(graph, 'tiny')) == ['high -> low, low -> high']
    # an allowed arrow is neither
    allowed = {('low', 'high'): 'known'}
    assert wrong_way(graph, 'tiny', TINY_LAYERS, allowed) == []
    assert cycles(module_edges(graph, 'tiny', allowed)) == []
    assert unplaced(graph, 'tiny', TINY_LAYERS) == ['__init__']


def test_a_cycle_between_packages_without_one_between_modules(tmp_path):
    files = {'tiny/__init__.py': '', 'tiny/a/__init__.py': '', 'tiny/b/__init__.py': '',
             'tiny/a/one.py': 'from ..b import two\n', 'tiny/b/two.py': '',
             'tiny/b/three.py': 'from tiny.a import four\n', 'tiny/a/four.py': ''}
    graph = import_graph(write_package(tmp_path, files), 'tiny')
    assert cycles(module_edges(graph, 'tiny')) == []
    assert cycles(package_edges(graph, 'tiny', ())) == ['a -> b, b -> a']


def test_an_import_of_an_internal_module_from_outside(tmp_path):
    files = {'tiny/__init__.py': '', 'tiny/box/__init__.py': 'from . import core\n',
             'tiny/box/core.py': '', 'tiny/user.py': 'from .box import core\n'}
    graph = import_graph(write_package(tmp_path, files), 'tiny')
    assert into_internals(graph, 'tiny', ('box.core',)) == [
        'user -> box.core (line 1): internal to box/']
