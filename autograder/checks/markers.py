"""The marker lines that delimit student code, this year's and older years'.

This year's file marks each student region with the exact START / END CODE
lines. Older years' templates framed them with banner comments: a block of
``#`` lines holding a ``TODO`` opens a region and a block holding
``END OF YOUR CODE`` closes it. Markers guide students; they never decide
whether code is graded (docs/grading.md): ``marker_status`` only produces a
warning, or a point when an instructor requires the markers.
"""
import re

from ..errors import MarkerError

START_MARKER = '# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****'
END_MARKER = '# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****'

_DEF = re.compile(r'^\s*def\s+(\w+)\s*\(')
_RULE = re.compile(r'^\s*#{10,}\s*$')
_LOOSE_MARKER = re.compile(r'(START|END)\s+OF\s+YOUR\s+CODE', re.IGNORECASE)
# Regions of this year's template (assignment/neural_net.py; a test keeps them equal).
TEMPLATE_REGIONS = 7


def code_regions(lines):
    """Find every student region in a list of source lines.

    Returns a list of (start, end, function) tuples: line indices of the
    START and END marker lines and the name of the enclosing function.
    Raises MarkerError if markers are unbalanced or nested.
    """
    regions = []
    start = None
    function = None
    for index, line in enumerate(lines):
        match = _DEF.match(line)
        if match:
            function = match.group(1)
        stripped = line.strip()
        if stripped == START_MARKER:
            if start is not None:
                raise MarkerError('line %d: START marker inside another region (START at line %d)'
                                  % (index + 1, start + 1))
            start = index
        elif stripped == END_MARKER:
            if start is None:
                raise MarkerError('line %d: END marker without a START marker' % (index + 1))
            regions.append((start, index, function))
            start = None
    if start is not None:
        raise MarkerError('line %d: START marker is never closed by an END marker' % (start + 1))
    return regions


# A region's name, from the TODO line above it: "# TODO (forward pass): ...".
_TODO_NAME = re.compile(r'^\s*#\s*TODO\s*\(([^)]+)\)')
# The stub's words for a region not written yet; todo_block reads them back.
NOT_WRITTEN = 'TwoLayerNet.%s: %s not written yet (see its TODO in neural_net.py)'
_NOT_WRITTEN = re.compile(r'TwoLayerNet\.\w+: ([\w ]+?) not written yet')
_NOT_WRITTEN_WHOLE = re.compile(_NOT_WRITTEN.pattern + re.escape(NOT_WRITTEN[NOT_WRITTEN.index(
    ' not written yet') + len(' not written yet'):]))
# Regions whose stub does something useful instead of raising: with the
# backward pass still a TODO, loss() returns the loss and no gradients, so
# the loss can be checked before the backward pass is written.
STUB_BODIES = {
    'backward pass': ('# Backward pass not written yet: the loss, and None for the gradients.',
                      'return loss, None'),
}


def region_name(lines, start):
    """The name of the region opening at line index start (its TODO line's), or ''."""
    for index in range(start - 1, -1, -1):
        match = _TODO_NAME.match(lines[index])
        if match:
            return match.group(1).strip()
        if _DEF.match(lines[index]) or lines[index].strip() in (START_MARKER, END_MARKER):
            break
    return ''


def not_written_message(function, name):
    """What the stub of a region raises: the method and the region it names."""
    return NOT_WRITTEN % (function, name or 'code of %s' % function)


def todo_block(text):
    """The region name in a message of a stub region not written yet, or None."""
    match = _NOT_WRITTEN.search(text)
    return match.group(1) if match else None


def not_written_in(text):
    """The whole not-written message of a stub found in text (letters, digits and spaces
    between the template's words only), or None."""
    match = _NOT_WRITTEN_WHOLE.search(text)
    return match.group(0) if match else None


def blank_regions(text):
    """Replace the body of every region with its stub.

    A region's stub raises NotImplementedError naming the method and the
    region (the TODO line above it says which, as "# TODO (forward pass):");
    a region of STUB_BODIES gets those lines instead. Returns the stub text:
    everything outside the regions, and the marker lines themselves, are kept
    as they are.
    """
    lines = text.splitlines(keepends=True)
    regions = code_regions(lines)
    if not regions:
        raise MarkerError('no START/END code regions found')
    out = []
    cursor = 0
    for start, end, function in regions:
        out.extend(lines[cursor:start + 1])
        indent = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
        name = region_name(lines, start)
        if name in STUB_BODIES:
            out.extend('%s%s\n' % (indent, line) for line in STUB_BODIES[name])
        else:
            out.append('%sraise NotImplementedError(\n' % indent)
            out.append('%s    %r)\n' % (indent, not_written_message(function, name)))
        cursor = end
    out.extend(lines[cursor:])
    return ''.join(out)


def banner_regions(lines):
    """Student regions of an older template, marked by banner comment blocks.

    Returns (start, end, function) tuples like code_regions: the indices of
    the opening banner's last line and the closing banner's first line.
    Unbalanced banners are ignored (they never raise).
    """
    regions = []
    start = None
    function = None
    index = 0
    while index < len(lines):
        match = _DEF.match(lines[index])
        if match:
            function = match.group(1)
        if not lines[index].lstrip().startswith('#'):
            index += 1
            continue
        block_end = index
        while block_end + 1 < len(lines) and lines[block_end + 1].lstrip().startswith('#'):
            block_end += 1
        block = '\n'.join(lines[index:block_end + 1])
        framed = any(_RULE.match(line) for line in lines[index:block_end + 1])
        if framed and re.search(r'END\s+OF\s+YOUR\s+CODE', block, re.IGNORECASE):
            if start is not None:
                regions.append((start, index, function))
            start = None
        elif framed and 'TODO' in block:
            start = block_end
        index = block_end + 1
    return regions


def marker_status(text):
    """(intact, warning) for a student's file.

    intact is True when this year's START/END lines are all there, exactly
    as given; otherwise warning says what is different (one line).
    """
    lines = text.splitlines()
    try:
        exact = len(code_regions(lines))
    except MarkerError:
        exact = -1
    if exact == TEMPLATE_REGIONS:
        return True, ''
    if exact <= 0 and banner_regions(lines):
        return False, ('The file uses an older template\'s TODO / END OF YOUR CODE banners '
                       'instead of this year\'s START/END CODE lines (graded as usual).')
    exact_lines = sum(line.strip() in (START_MARKER, END_MARKER) for line in lines)
    loose_lines = sum(bool(_LOOSE_MARKER.search(line)) for line in lines)
    if loose_lines > exact_lines:
        return False, 'Some START/END CODE marker lines were edited (graded as usual).'
    return False, 'Some START/END CODE marker lines were deleted (graded as usual).'
