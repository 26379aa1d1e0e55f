"""The class's numbers, computed from the results files of an ``--out`` folder.

Reads ``results/<id>.json`` (``{"format": N, "key": str, "result": R}``) with
defaults for every field the grader may not write yet, so results of older
and newer grader versions both work. R has ``submission``, ``score``,
``max_score`` and ``checks`` (``name``, ``score``, ``max_score``,
``feedback``, optionally ``diagnoses``); optionally ``problem`` (why the
submission could not be graded), ``diagnoses`` (submission-level ids),
``warnings``, ``seconds`` and ``isolation``.

Mistakes are grouped by the diagnosis ids the results carry, never by
reading feedback text.
"""
import json
import os
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ..checks import diagnoses as diagnosis_ids
from ..results import FAILED, PARTIAL, PASSED, check_status

NOT_GRADED = 'not graded'
STATUSES = (PASSED, PARTIAL, FAILED, NOT_GRADED)


@dataclass
class CheckOutcome:
    name: str
    score: float
    max_score: float
    diagnoses: List[str]

    def status(self, graded=True):
        if not graded:
            return NOT_GRADED
        return check_status(self.score, self.max_score)


@dataclass
class Student:
    """One student's result, as the report needs it."""
    id: str
    file: str                 # name of the results file (safe name + .json)
    score: float
    max_score: float
    checks: List[CheckOutcome]
    problem: str = ''
    diagnoses: List[str] = field(default_factory=list)   # submission-level
    warnings: List[str] = field(default_factory=list)
    seconds: Optional[float] = None
    isolation: str = ''
    recorded: tuple = ()      # optional fields this result has ('problem', 'diagnoses')

    @property
    def graded(self):
        return not self.problem

    @property
    def safe_name(self):
        return self.file[:-len('.json')] if self.file.endswith('.json') else self.file

    def all_diagnoses(self):
        """Every diagnosis id of this student, each once, submission-level first."""
        seen = []
        for diagnosis in self.diagnoses + [d for c in self.checks for d in c.diagnoses]:
            if diagnosis not in seen:
                seen.append(diagnosis)
        return seen


@dataclass
class Mistake:
    id: str
    label: str
    students: List[str]
    checks: List[str]          # checks the id was attached to ('' for submission-level)

    @property
    def count(self):
        return len(self.students)


@dataclass
class CheckStats:
    name: str
    max_score: float
    counts: Dict[str, int]
    mean: float

    def rate(self, status):
        total = sum(self.counts.values())
        return self.counts.get(status, 0) / total if total else 0.0


@dataclass
class ClassSummary:
    students: List[Student]
    check_names: List[str]
    checks: List[CheckStats]
    mistakes: List[Mistake]
    problems: List[Student]      # could not be graded, timed out or crashed
    unreadable: List[str]        # results files that could not be read
    isolation: Dict[str, int]

    @property
    def scores(self):
        return [s.score for s in self.students]

    @property
    def max_score(self):
        values = [s.max_score for s in self.students]
        return max(values) if values else 0.0

    def stats(self):
        scores = self.scores
        if not scores:
            return {'count': 0}
        return {'count': len(scores), 'graded': sum(s.graded for s in self.students),
                'mean': statistics.fmean(scores), 'median': statistics.median(scores),
                'min': min(scores), 'max': max(scores), 'max_score': self.max_score,
                'full_marks': sum(s.score >= s.max_score > 0 for s in self.students)}

    def timed(self):
        return [s for s in self.students if s.seconds is not None]

    def records(self, name):
        """Whether any result has the optional field name ('problem', 'diagnoses')."""
        return any(name in s.recorded for s in self.students)


def _strings(value):
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str) and item]


def _number(value, default=0.0):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return float(value)


def parse_result(data, file_name):
    """A Student from one results file's parsed JSON; ValueError if it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get('result'), dict):
        raise ValueError('no result object')
    result = data['result']
    submission = result.get('submission')
    if not isinstance(submission, str) or not isinstance(result.get('checks'), list):
        raise ValueError('no submission id or checks')
    checks = []
    for check in result['checks']:
        if not isinstance(check, dict) or not isinstance(check.get('name'), str):
            raise ValueError('malformed check')
        checks.append(CheckOutcome(check['name'], _number(check.get('score')),
                                   _number(check.get('max_score')),
                                   _strings(check.get('diagnoses'))))
    seconds = result.get('seconds')
    problem = result.get('problem')
    isolation = result.get('isolation')
    return Student(
        id=submission, file=file_name,
        score=_number(result.get('score'), sum(c.score for c in checks)),
        max_score=_number(result.get('max_score'), sum(c.max_score for c in checks)),
        checks=checks,
        problem=problem if isinstance(problem, str) else '',
        diagnoses=_strings(result.get('diagnoses')),
        warnings=_strings(result.get('warnings')),
        seconds=None if seconds is None else _number(seconds, None),
        isolation=isolation if isinstance(isolation, str) else '',
        recorded=tuple(k for k in ('problem', 'diagnoses') if k in result
                       or k == 'diagnoses' and any('diagnoses' in c for c in result['checks'])))


def load_results(out_dir):
    """(students sorted by id, names of unreadable results files) of out_dir/results."""
    folder = os.path.join(out_dir, 'results')
    students, unreadable = [], []
    names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    for name in names:
        if not name.endswith('.json') or name.startswith('.'):
            continue
        try:
            with open(os.path.join(folder, name), encoding='utf-8') as handle:
                students.append(parse_result(json.load(handle), name))
        except (OSError, ValueError) as error:
            unreadable.append('%s (%s)' % (name, error))
    students.sort(key=lambda s: s.id)
    return students, unreadable


def summarise(students, unreadable=()):
    """The ClassSummary of a list of Students."""
    names = []
    for student in students:
        for check in student.checks:
            if check.name not in names:
                names.append(check.name)
    checks = []
    for name in names:
        counts = Counter()
        points, max_score = [], 0.0
        for student in students:
            for check in student.checks:
                if check.name == name:
                    counts[check.status(student.graded)] += 1
                    points.append(check.score)
                    max_score = max(max_score, check.max_score)
        checks.append(CheckStats(name, max_score, {s: counts.get(s, 0) for s in STATUSES},
                                 statistics.fmean(points) if points else 0.0))
    by_id = {}
    for student in students:
        attached = {}
        for diagnosis in student.diagnoses:
            attached.setdefault(diagnosis, set())
        for check in student.checks:
            for diagnosis in check.diagnoses:
                attached.setdefault(diagnosis, set()).add(check.name)
        for diagnosis, where in attached.items():
            entry = by_id.setdefault(diagnosis, (set(), set()))
            entry[0].add(student.id)
            entry[1].update(where)
    mistakes = [Mistake(d, diagnosis_ids.label(d), sorted(who), [n for n in names if n in where])
                for d, (who, where) in by_id.items()]
    mistakes.sort(key=lambda m: (-m.count, m.id))
    problems = [s for s in students if s.problem or s.diagnoses]
    isolation = Counter(s.isolation for s in students if s.isolation)
    return ClassSummary(list(students), names, checks, mistakes, problems, list(unreadable),
                        dict(sorted(isolation.items())))


def load(out_dir):
    """The ClassSummary of an --out folder."""
    students, unreadable = load_results(out_dir)
    return summarise(students, unreadable)


def read_sources(out_dir, students):
    """{student id: source text} of the students' files kept in out_dir/sources."""
    folder = os.path.join(out_dir, 'sources')
    sources = {}
    for student in students:
        path = os.path.join(folder, student.safe_name + '.py')
        try:
            with open(path, encoding='utf-8', errors='replace') as handle:
                sources[student.id] = handle.read()
        except OSError:
            continue
    return sources


@dataclass
class Change:
    id: str
    old: Optional[float]     # None: not in the old grading
    new: Optional[float]     # None: not in the new grading
    max_score: float
    checks: List[tuple]      # (check name, old points or None, new points or None)


def compare(old_students, new_students):
    """Students whose grade or any check's points differ between two gradings."""
    old = {s.id: s for s in old_students}
    new = {s.id: s for s in new_students}
    changes = []
    for student_id in sorted(set(old) | set(new)):
        before, after = old.get(student_id), new.get(student_id)
        if before is None or after is None:
            present = before or after
            changes.append(Change(student_id, before and before.score, after and after.score,
                                  present.max_score, []))
            continue
        points_before = {c.name: c.score for c in before.checks}
        points_after = {c.name: c.score for c in after.checks}
        names = [c.name for c in after.checks] + [n for n in points_before
                                                  if n not in points_after]
        differing = [(n, points_before.get(n), points_after.get(n)) for n in names
                     if points_before.get(n) != points_after.get(n)]
        if differing or before.score != after.score:
            changes.append(Change(student_id, before.score, after.score, after.max_score,
                                  differing))
    return changes
