"""Pairwise similarity of the students' own code: a screening aid, not a verdict.

Each student's own code is their file without the lines of the template (the
stub students start from: docstrings, TODO comments, marker lines, the code
around the regions), so the shared starter code never counts. The own code
is fingerprinted with copydetect (tokenised with Pygments, names and strings
normalised, k-grams hashed and winnowed as MOSS does; the template's k-grams
are its boilerplate).

Comparing every pair costs n**2 / 2 comparisons (about a minute for 1000
students), so candidate pairs come from an inverted index of fingerprints:
only pairs that share enough fingerprints are compared with copydetect.
Fingerprints found in more than a cap of students (idioms the whole class
writes, like ``np.maximum(0, ...)``) are common, as with MOSS's ``-m``
option: they never make a pair a candidate, so code that many students share
is not evidence against any two of them.

A candidate's score is copydetect's own: the larger of its two similarities
(the share of each student's own code that matches the other's). Pairs at or
above the threshold, with at least ``min_tokens`` matching characters of
normalised code, are listed with the matching regions for a side-by-side
view.
"""
import ast
import io
import math
import time
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import numpy as np

from ..errors import SimilarityUnavailable

# Defaults, fixed from the measurements in docs/report.md: independent
# implementations of this assignment stay below 0.35, disguised copies score
# 0.9 and more.
THRESHOLD = 0.6
NOISE = 25          # k: matches shorter than this (normalised characters) are noise
GUARANTEE = 30      # matches this long are always found (window = GUARANTEE - NOISE + 1)
MIN_TOKENS = 100    # a listed pair matches on at least this many normalised characters
COMMON_MIN = 10     # a fingerprint is common when more than max(COMMON_MIN,
COMMON_SHARE = 0.1  # COMMON_SHARE * n) students have it
CANDIDATE_SHARE = 0.25  # candidates share this share of the smaller fingerprint set


def _copydetect():
    try:
        import copydetect
        from copydetect import utils
    except ImportError as error:
        raise SimilarityUnavailable('the similarity screening needs copydetect '
                                    '(pip install copydetect): %s' % error) from error
    return copydetect, utils


def template_lines(template_text):
    """The stripped non-empty lines of the template."""
    return {line.strip() for line in template_text.splitlines() if line.strip()}


def _docstring_lines(text):
    """Line numbers of string statements (docstrings); empty if text does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    numbers = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            numbers.update(range(node.lineno, node.end_lineno + 1))
    return numbers


def own_code(text, template):
    """[(line number, line)] of the student's own lines of text.

    Leaves out the template's lines (template: a set from template_lines()),
    blank lines and string statements (docstrings: an edited docstring line
    is prose, and on its own it would open a string that never ends).
    """
    docstrings = _docstring_lines(text)
    return [(number, line) for number, line in enumerate(text.splitlines(), start=1)
            if line.strip() and line.strip() not in template and number not in docstrings]

@dataclass
class Student:
    """One student's own code and its fingerprint."""
    id: str
    lines: List[Tuple[int, str]]
    text: str
    fingerprint: object = None


@dataclass
class Pair:
    a: str
    b: str
    score_a: float            # share of a's own code matching b
    score_b: float
    matched: int              # matching normalised characters
    slices_a: list = field(default_factory=list)   # [(start, end)] in a's own text
    slices_b: list = field(default_factory=list)

    @property
    def score(self):
        return max(self.score_a, self.score_b)


@dataclass
class Screening:
    """Outcome of screen(): the pairs above the threshold and what was done."""
    pairs: List[Pair]
    students: Dict[str, Student]
    compared: int             # students with own code
    without_code: List[str]   # students with no own code (stub, no file)
    candidates: int           # pairs compared with copydetect
    all_pairs: int
    common: int               # fingerprints set aside as common
    seconds: float
    settings: dict
    scores: List[float] = field(default_factory=list)   # of every compared pair


def _fingerprint(copydetect, student, boilerplate, noise, guarantee):
    return copydetect.CodeFingerprint(
        student.id + '.py', noise, guarantee - noise + 1, boilerplate, True, 'python',
        fp=io.StringIO(student.text))


def _candidate_pairs(hash_sets, cap, share):
    """Pairs (i, j) sharing at least share of the smaller set of non-common fingerprints."""
    index = {}
    for position, hashes in enumerate(hash_sets):
        for value in hashes:
            index.setdefault(value, []).append(position)
    common = {value for value, holders in index.items() if len(holders) > cap}
    sizes = np.array([len(hashes - common) for hashes in hash_sets], dtype=np.int64)
    n = len(hash_sets)
    codes = [np.array(holders, dtype=np.int64) for value, holders in index.items()
             if 1 < len(holders) <= cap]
    if not codes:
        return [], common
    parts = []
    for holders in codes:
        left, right = np.triu_indices(len(holders), 1)
        parts.append(holders[left] * n + holders[right])
    pair_codes, shared = np.unique(np.concatenate(parts), return_counts=True)
    first, second = pair_codes // n, pair_codes % n
    smaller = np.minimum(sizes[first], sizes[second])
    keep = (smaller > 0) & (shared >= share * smaller)
    return list(zip(first[keep].tolist(), second[keep].tolist())), common


def screen(sources, template_text, threshold=THRESHOLD, noise=NOISE, guarantee=GUARANTEE,
           min_tokens=MIN_TOKENS, common_min=COMMON_MIN, common_share=COMMON_SHARE,
           candidate_share=CANDIDATE_SHARE):
    """Screen sources ({student id: file text}) for pairs of similar own code."""
    copydetect, _utils = _copydetect()
    start = time.monotonic()
    template = template_lines(template_text)
    students, without = {}, []
    for student_id in sorted(sources):
        lines = own_code(sources[student_id], template)
        if not lines:
            without.append(student_id)
            continue
        students[student_id] = Student(student_id, lines, '\n'.join(line for _n, line in lines)
                                       + '\n')
    boilerplate = np.unique(np.array(list(copydetect.CodeFingerprint(
        'template.py', noise, 1, None, True, 'python',
        fp=io.StringIO(template_text)).hashes), dtype=np.int64))
    ids = list(students)
    for student_id in ids:
        students[student_id].fingerprint = _fingerprint(copydetect, students[student_id],
                                                        boilerplate, noise, guarantee)
    cap = max(common_min, int(math.ceil(common_share * len(ids))))
    pairs_to_compare, common = _candidate_pairs(
        [students[i].fingerprint.hashes for i in ids], cap, candidate_share)
    found, scores = [], []
    for first, second in pairs_to_compare:
        a, b = students[ids[first]], students[ids[second]]
        matched, (score_a, score_b), (slices_a, slices_b) = copydetect.compare_files(
            a.fingerprint, b.fingerprint)
        pair = Pair(a.id, b.id, float(score_a), float(score_b), int(matched))
        scores.append(pair.score)
        if pair.score >= threshold and pair.matched >= min_tokens:
            pair.slices_a = [(int(s), int(e)) for s, e in zip(*slices_a)]
            pair.slices_b = [(int(s), int(e)) for s, e in zip(*slices_b)]
            found.append(pair)
    found.sort(key=lambda p: (-p.score, p.a, p.b))
    settings = {'threshold': threshold, 'noise': noise, 'guarantee': guarantee,
                'min_tokens': min_tokens, 'common_cap': cap,
                'candidate_share': candidate_share}
    return Screening(found, students, len(ids), without, len(pairs_to_compare),
                     len(ids) * (len(ids) - 1) // 2, len(common),
                     time.monotonic() - start, settings, scores)


def all_scores(sources, template_text, noise=NOISE, guarantee=GUARANTEE):
    """{(a, b): score} of every pair, compared with copydetect without candidate selection.

    For measurements and tests: the slow n**2 path that screen() avoids.
    """
    copydetect, _utils = _copydetect()
    template = template_lines(template_text)
    students = {}
    for student_id in sorted(sources):
        lines = own_code(sources[student_id], template)
        if lines:
            students[student_id] = Student(student_id, lines,
                                           '\n'.join(line for _n, line in lines) + '\n')
    boilerplate = np.array(sorted(copydetect.CodeFingerprint(
        'template.py', noise, 1, None, True, 'python', fp=io.StringIO(template_text)).hashes),
        dtype=np.int64)
    ids = list(students)
    prints = [_fingerprint(copydetect, students[i], boilerplate, noise, guarantee) for i in ids]
    scores = {}
    for x in range(len(ids)):
        for y in range(x + 1, len(ids)):
            _matched, (score_a, score_b), _slices = copydetect.compare_files(prints[x], prints[y])
            scores[ids[x], ids[y]] = max(float(score_a), float(score_b))
    return scores


def marked_lines(student, slices):
    """[(line number, [(text, matched)])] of a student's own lines, matches marked.

    slices: [(start, end)] character ranges of the student's own text.
    """
    flags = bytearray(len(student.text))
    for start, end in slices:
        flags[max(0, start):max(0, min(end, len(flags)))] = b'\x01' * (
            max(0, min(end, len(flags))) - max(0, start))
    out, offset = [], 0
    for number, line in student.lines:
        pieces, current, marked = [], '', None
        for index, char in enumerate(line):
            flag = bool(flags[offset + index]) if offset + index < len(flags) else False
            if marked is not None and flag != marked:
                pieces.append((current, marked))
                current = ''
            current += char
            marked = flag
        if current:
            pieces.append((current, bool(marked)))
        out.append((number, pieces))
        offset += len(line) + 1
    return out
