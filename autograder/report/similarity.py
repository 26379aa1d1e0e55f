"""Pairwise similarity of the students' own code: a screening aid, not a verdict.

Each student's own code is their file without the lines of the template (the
stub students start from: docstrings, TODO comments, marker lines, the code
around the regions), so the shared starter code never counts. The own code
is fingerprinted with copydetect (tokenised with Pygments, names and strings
normalised, k-grams hashed and winnowed as MOSS does; the template's k-grams
are its boilerplate).

Fingerprints found in more than a cap of students (the canonical code of this
short assignment, idioms like ``np.maximum(0, ...)``, or a public solution
that many copied) are common, as with MOSS's ``-m`` option: code that many
students share is no evidence against any two of them. They make no pair a
candidate, and they are removed from both students before a pair is
compared, so they count neither as matches nor in the shares.

Comparing every pair costs n**2 / 2 comparisons (about a minute for 1000
students), so candidate pairs come from an inverted index of fingerprints:
only pairs that share enough non-common fingerprints are compared with
copydetect.

A pair's score is the smaller of copydetect's two similarities (the share of
each student's fingerprinted own code that matches the other's): the share
of the student with more own code, so two students who share a few lines of
a short solution do not score as if one had copied the other. Pairs at or
above the threshold, with at least ``min_tokens`` matching characters of
normalised code, are listed with the matching regions for a side-by-side
view.

A file that grades can still be one the screening cannot read (a sum of
thousands of terms nests deeper than ``ast`` builds a tree): that student is
listed as not screened, with the reason, and everyone else is screened.

copydetect hashes with Python's ``hash()``, salted per process, so the
fingerprinting and comparisons run in a child process with
``PYTHONHASHSEED=0`` (fingerprints.py): the same class gives the same
screening every run.
"""
import ast
import importlib.util
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from ..errors import SimilarityUnavailable

# Defaults, fixed from the measurements of bench/similarity_calibration.py
# quoted in docs/report.md: independent pairs score at most 0.42, disguised
# copies at least 0.75; the threshold sits in that gap.
THRESHOLD = 0.6
NOISE = 25          # k: matches shorter than this (normalised characters) are noise
GUARANTEE = 30      # matches this long are always found (window = GUARANTEE - NOISE + 1)
MIN_TOKENS = 100    # a listed pair matches on at least this many normalised characters
COMMON_MIN = 10     # a fingerprint is common (no candidate, not compared) when more
COMMON_SHARE = 0.1  # than max(COMMON_MIN, COMMON_SHARE * n) students have it
CANDIDATE_SHARE = 0.25  # candidates share this share of the smaller fingerprint set




def template_lines(template_text):
    """The stripped non-empty lines of the template."""
    return {line.strip() for line in template_text.splitlines() if line.strip()}


class NotScreenable(Exception):
    """One student's file cannot be prepared for the screening; says why."""


def _docstring_lines(text):
    """Line numbers of string statements (docstrings); empty if text does not parse.

    Raises NotScreenable when ast gives up on a file that Python itself
    compiles (nesting deeper than it builds a tree for, memory).
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    except (RecursionError, MemoryError) as error:
        raise NotScreenable('Python\'s ast module cannot read the file (%s: nested too '
                            'deeply)' % type(error).__name__) from None
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
    """One student's own code."""
    id: str
    lines: List[Tuple[int, str]]
    text: str


@dataclass
class Pair:
    a: str
    b: str
    score_a: float            # share of a's fingerprinted own code matching b
    score_b: float
    matched: int              # matching normalised characters
    slices_a: list = field(default_factory=list)   # [(start, end)] in a's own text
    slices_b: list = field(default_factory=list)

    @property
    def score(self):
        """The smaller share: that of the student with more (non-common) own code."""
        return min(self.score_a, self.score_b)


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
    not_screened: Dict[str, str] = field(default_factory=dict)   # id: why


def _own_students(sources, template_text):
    """({id: Student} of the students with own code, [ids without], {id: why not
    screened}), ids sorted."""
    template = template_lines(template_text)
    students, without, not_screened = {}, [], {}
    for student_id in sorted(sources):
        try:
            lines = own_code(sources[student_id], template)
        except NotScreenable as error:
            not_screened[student_id] = str(error)
            continue
        if not lines:
            without.append(student_id)
            continue
        students[student_id] = Student(student_id, lines, '\n'.join(line for _n, line in lines)
                                       + '\n')
    return students, without, not_screened


def _package_root():
    """The folder holding the top-level package of this module."""
    root = os.path.dirname(os.path.abspath(__file__))
    for _level in __package__.split('.'):
        root = os.path.dirname(root)
    return root


def _require_copydetect():
    if importlib.util.find_spec('copydetect') is None:
        raise SimilarityUnavailable('the similarity screening needs copydetect '
                                    '(pip install copydetect)')


def _in_child(request):
    """fingerprints.compute(request) in a child Python with PYTHONHASHSEED=0."""
    _require_copydetect()
    root = _package_root()
    env = dict(os.environ, PYTHONHASHSEED='0')
    env['PYTHONPATH'] = os.pathsep.join([root] + [part for part in env.get(
        'PYTHONPATH', '').split(os.pathsep) if part])
    timeout = 60 + 0.5 * len(request['ids'])
    try:
        done = subprocess.run([sys.executable, '-m', __package__ + '.fingerprints'],
                              input=json.dumps(request), capture_output=True, text=True,
                              env=env, cwd=root, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SimilarityUnavailable('the fingerprinting process failed: %s' % error)
    try:
        answer = json.loads(done.stdout) if done.returncode == 0 else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise SimilarityUnavailable('the fingerprinting process failed (exit %s): %s' % (
            done.returncode, done.stderr.strip()[-1000:] or 'no output'))
    if 'unavailable' in answer:
        raise SimilarityUnavailable(answer['unavailable'])
    return answer


def _request(students, template_text, noise, guarantee, common_min, common_share,
             candidate_share, discount_common, all_pairs):
    return {'ids': list(students), 'texts': {i: s.text for i, s in students.items()},
            'template': template_text, 'noise': noise, 'guarantee': guarantee,
            'common_min': common_min, 'common_share': common_share,
            'candidate_share': candidate_share, 'discount_common': discount_common,
            'all_pairs': all_pairs}


def _no_pair(request):
    """The child's answer to a request of fewer than two students, without the
    child (about 0.4 CPU-s: Python, numpy, copydetect, Pygments): there is no
    pair to compare, and so no fingerprint to make. copydetect must still be
    installed, as for a class, so that the report says the same thing. (A lone
    student whose code copydetect could not have fingerprinted is not listed as
    not screened: there is no one to compare them with by hand either.)"""
    _require_copydetect()
    from .fingerprints import common_cap
    return {'cap': common_cap(len(request['ids']), request['common_min'],
                              request['common_share']),
            'common': 0, 'candidates': 0, 'compared': [], 'not_screened': {}}


def _pair(row):
    a, b, score_a, score_b, matched, slices_a, slices_b = row
    return Pair(a, b, score_a, score_b, matched, [tuple(s) for s in slices_a],
                [tuple(s) for s in slices_b])


def screen(sources, template_text, threshold=THRESHOLD, noise=NOISE, guarantee=GUARANTEE,
           min_tokens=MIN_TOKENS, common_min=COMMON_MIN, common_share=COMMON_SHARE,
           candidate_share=CANDIDATE_SHARE, discount_common=True):
    """Screen sources ({student id: file text}) for pairs of similar own code.

    The same sources give the same Screening every run: the fingerprints are
    made in a child process with a fixed hash seed (fingerprints.py).
    """
    start = time.monotonic()
    students, without, not_screened = _own_students(sources, template_text)
    request = _request(students, template_text, noise, guarantee, common_min, common_share,
                       candidate_share, discount_common, False)
    answer = _in_child(request) if len(students) > 1 else _no_pair(request)
    found, scores = [], []
    for row in answer['compared']:
        pair = _pair(row)
        scores.append(pair.score)
        if pair.score >= threshold and pair.matched >= min_tokens:
            found.append(pair)
    found.sort(key=lambda p: (-p.score, p.a, p.b))
    settings = {'threshold': threshold, 'noise': noise, 'guarantee': guarantee,
                'min_tokens': min_tokens, 'common_cap': answer['cap'],
                'candidate_share': candidate_share, 'discount_common': discount_common}
    not_screened.update(answer['not_screened'])
    for student_id in answer['not_screened']:
        students.pop(student_id)
    return Screening(found, students, len(students), without, answer['candidates'],
                     len(students) * (len(students) - 1) // 2, answer['common'],
                     time.monotonic() - start, settings, scores, not_screened)


def all_pairs(sources, template_text, noise=NOISE, guarantee=GUARANTEE, common_min=COMMON_MIN,
              common_share=COMMON_SHARE, discount_common=True):
    """[Pair] of every pair with own code, compared without candidate selection.

    For measurements and tests: the slow n**2 path that screen() avoids; the
    common fingerprints are those of the students in sources, as in screen().
    """
    students, _without, _not_screened = _own_students(sources, template_text)
    answer = _in_child(_request(students, template_text, noise, guarantee, common_min,
                                common_share, CANDIDATE_SHARE, discount_common, True))
    return [_pair(row) for row in answer['compared']]


def all_scores(sources, template_text, **options):
    """{(a, b): score} of every pair (all_pairs()), a < b."""
    return {(p.a, p.b): p.score for p in all_pairs(sources, template_text, **options)}


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
