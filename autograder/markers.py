"""The START / END CODE marker lines that delimit student code."""
import re

START_MARKER = '# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****'
END_MARKER = '# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****'

_DEF = re.compile(r'^\s*def\s+(\w+)\s*\(')


class MarkerError(ValueError):
    """The START / END marker lines are missing, unbalanced or nested."""


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


def blank_regions(text):
    """Replace the body of every region with a NotImplementedError raise.

    Returns the stub text: everything outside the regions, and the marker
    lines themselves, are kept as they are.
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
        out.append('%sraise NotImplementedError(\n' % indent)
        out.append("%s    'TwoLayerNet.%s: write this part between the START and END markers "
                   "(see the TODO above).')\n" % (indent, function))
        cursor = end
    out.extend(lines[cursor:])
    return ''.join(out)
