"""copydetect fingerprints and comparisons of own code, with a fixed hash seed.

copydetect hashes its k-grams with Python's built-in ``hash()``, which is
salted per process (``PYTHONHASHSEED``): run in the grader's process, the
fingerprints, and so the scores, would move by a few hundredths from one run
to the next. similarity.py therefore runs this module as a child process
with ``PYTHONHASHSEED=0`` (``python -m autograder.report.fingerprints``): a
JSON request on stdin, a JSON answer on stdout, no network, no files. The
same class then gives the same scores every run (for one Python and
copydetect version). copydetect itself is used as published: its
``CodeFingerprint`` (the boilerplate argument carries the template's k-grams
and the class's common fingerprints) and ``compare_files``; a student's second
fingerprint, without the common ones, is made from the first's normalised
code (filter off) and takes over the first's documented ``offsets``, so
Pygments runs once per student (see without()).

The functions below may also be called in process by a program that was
itself started with ``PYTHONHASHSEED=0`` (bench/similarity_calibration.py);
``compute()`` refuses to run anywhere else.

Method (see docs/report.md, "Similarity"):
1. each student's own code (similarity.own_code) is fingerprinted: Pygments
   tokens with names, strings and comments normalised, k-grams of ``noise``
   characters, winnowed with a window of ``guarantee - noise + 1``, the
   template's k-grams removed;
2. a fingerprint held by more than ``cap`` students is common to the class
   (the canonical code of this short assignment, or a public solution): it
   makes no pair a candidate and, with ``discount_common``, it is removed
   from both students before they are compared, so that neither the matches
   nor the shares count it;
3. candidate pairs share at least ``candidate_share`` of the smaller set of
   non-common fingerprints (or every pair, with ``all_pairs``);
4. each pair is compared with copydetect: the share of each student's
   fingerprinted code that matches the other's, the matching characters, and
   where the matches are.
"""
import importlib
import io
import json
import math
import sys
import types

import numpy as np


class Unavailable(Exception):
    """copydetect cannot be imported."""


def _copydetect():
    try:
        import copydetect
    except ImportError as error:
        raise Unavailable('the similarity screening needs copydetect '
                          '(pip install copydetect): %s' % error)
    return copydetect


def seeded():
    """True when this process hashes strings without a salt (PYTHONHASHSEED=0)."""
    return not sys.flags.hash_randomization


def template_hashes(template_text, noise):
    """Every k-gram hash of the template (no winnowing): the boilerplate."""
    copydetect = _copydetect()
    hashes = copydetect.CodeFingerprint('template.py', noise, 1, None, True, 'python',
                                        fp=io.StringIO(template_text)).hashes
    return np.unique(np.array(sorted(hashes), dtype=np.int64))


def fingerprint(name, text, boilerplate, noise, guarantee):
    """copydetect's CodeFingerprint of one student's own code."""
    copydetect = _copydetect()
    return copydetect.CodeFingerprint(name + '.py', noise, guarantee - noise + 1, boilerplate,
                                      True, 'python', fp=io.StringIO(text))


def without(first, boilerplate, guarantee):
    """The fingerprint first less the hashes in boilerplate, without tokenising again.

    Fingerprints first's normalised code (filter off) with the larger
    boilerplate: the same k-grams, winnowed alike, less those hashes
    (copydetect removes boilerplate after winnowing). The first pass's
    offsets (filtered to original positions) and text are carried over, so
    compare_files maps matches to the student's own text as for first.
    """
    again = _copydetect().CodeFingerprint(
        first.filename, first.k, guarantee - first.k + 1, boilerplate, False, 'python',
        fp=io.StringIO(first.filtered_code))
    again.offsets, again.raw_code = first.offsets, first.raw_code
    return again


def common_cap(count, common_min, common_share):
    """A fingerprint held by more than this many of count students is common."""
    return max(common_min, int(math.ceil(common_share * count)))


def holders(hash_sets):
    """{hash: number of the sets holding it}."""
    counts = {}
    for hashes in hash_sets:
        for value in hashes:
            counts[value] = counts.get(value, 0) + 1
    return counts


def candidate_pairs(hash_sets, common, share):
    """[(i, j)] sharing at least share of the smaller set of non-common fingerprints."""
    index = {}
    for position, hashes in enumerate(hash_sets):
        for value in hashes:
            if value not in common:
                index.setdefault(value, []).append(position)
    sizes = np.array([len(hashes - common) for hashes in hash_sets], dtype=np.int64)
    n = len(hash_sets)
    parts = []
    for members in index.values():
        if len(members) > 1:
            members = np.array(members, dtype=np.int64)
            left, right = np.triu_indices(len(members), 1)
            parts.append(members[left] * n + members[right])
    if not parts:
        return []
    pair_codes, shared = np.unique(np.concatenate(parts), return_counts=True)
    first, second = pair_codes // n, pair_codes % n
    smaller = np.minimum(sizes[first], sizes[second])
    keep = (smaller > 0) & (shared >= share * smaller)
    return list(zip(first[keep].tolist(), second[keep].tolist()))


def compare(first, second):
    """(share of first, share of second, matching characters, slices of first, of second).

    Slices are [[start, end]] character ranges of each student's own text.
    """
    copydetect = _copydetect()
    matched, (share_a, share_b), (slices_a, slices_b) = copydetect.compare_files(first, second)
    as_list = lambda slices: [[int(s), int(e)] for s, e in zip(*slices)]  # noqa: E731
    return float(share_a), float(share_b), int(matched), as_list(slices_a), as_list(slices_b)


def compute(request):
    """The answer to a request (see similarity.screen for its fields).

    Returns {'cap', 'common', 'candidates', 'compared': [[a, b, share of a,
    share of b, matching characters, slices of a, slices of b]], 'not_screened':
    {id: why}} (a student whose code copydetect cannot fingerprint is left
    out), ids in the order of request['ids'].
    """
    if not seeded():
        raise RuntimeError('fingerprints.compute() needs PYTHONHASHSEED=0 (run it through '
                           'similarity.screen(), which starts a child process)')
    texts, noise, guarantee = request['texts'], request['noise'], request['guarantee']
    boilerplate = template_hashes(request['template'], noise)
    ids, prints, not_screened = [], [], {}
    for n in request['ids']:
        try:
            prints.append(fingerprint(str(n), texts[n], boilerplate, noise, guarantee))
        except (RecursionError, MemoryError, ValueError) as error:
            not_screened[n] = 'copydetect cannot fingerprint the file (%s)' % (
                type(error).__name__)
            continue
        ids.append(n)
    hash_sets = [p.hashes for p in prints]
    cap = common_cap(len(ids), request['common_min'], request['common_share'])
    common = {value for value, count in holders(hash_sets).items() if count > cap}
    if request.get('all_pairs'):
        pairs = [(x, y) for x in range(len(ids)) for y in range(x + 1, len(ids))]
    else:
        pairs = candidate_pairs(hash_sets, common, request['candidate_share'])
    if request.get('discount_common', True) and common:
        # copydetect removes boilerplate after winnowing, so this leaves the
        # same fingerprints less the common ones.
        extended = np.unique(np.concatenate([boilerplate, np.array(sorted(common),
                                                                   dtype=np.int64)]))
        for position in sorted({p for pair in pairs for p in pair}):
            prints[position] = without(prints[position], extended, guarantee)
    compared = [[ids[x], ids[y], *compare(prints[x], prints[y])] for x, y in pairs]
    return {'cap': cap, 'common': len(common), 'candidates': len(pairs), 'compared': compared,
            'not_screened': not_screened}


class _Deferred(types.ModuleType):
    """Stands in sys.modules for a module until an attribute it lacks is asked
    for: then the real module is imported and answers."""

    def __getattr__(self, attribute):
        if attribute.startswith('__'):
            raise AttributeError(attribute)
        for name in [n for n in sys.modules if isinstance(sys.modules[n], _Deferred)]:
            del sys.modules[name]
        return getattr(importlib.import_module(self.__name__), attribute)


def _defer_pyplot():
    """copydetect's detector imports matplotlib.pyplot (about 0.5 s of CPU) for
    the HTML report of its own command line, which this child never writes:
    matplotlib and its pyplot are imported only if copydetect uses them."""
    if 'matplotlib' not in sys.modules:
        package, pyplot = _Deferred('matplotlib'), _Deferred('matplotlib.pyplot')
        package.pyplot = pyplot
        sys.modules.update({'matplotlib': package, 'matplotlib.pyplot': pyplot})


def main():
    _defer_pyplot()
    request = json.load(sys.stdin)
    try:
        answer = compute(request)
    except Unavailable as error:
        answer = {'unavailable': str(error)}
    json.dump(answer, sys.stdout)


if __name__ == '__main__':
    main()
