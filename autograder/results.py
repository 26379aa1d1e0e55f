"""The result of grading one submission, and its JSON form (versioned).

One schema serves every consumer: ``grade --json``, ``results/<id>.json``
in an output folder, the gradebook, feedback pages, Gradescope's
results.json and the class report. ``to_json`` and ``from_json`` are the
only places it is written and read.

Schema 2 (a dict)::

    {"schema": 2, "submission": str, "score": float, "max_score": float,
     "problem": str,        # why the file could not be graded (stated once), or ""
     "checks": [{"name": str, "score": float, "max_score": float,
                 "feedback": str, "diagnoses": [str, ...]}, ...],
     "diagnoses": [str],    # submission-level ids (python2, timeout, ...)
     "warnings": [str],     # e.g. edited marker lines (cost nothing)
     "isolation": str,      # the sandbox layer the child ran under
     "seconds": float}      # child run time; omitted where output must be stable

Diagnosis ids are those of checks/diagnoses.py. Schema 1 files (no schema key,
no diagnoses) still load.
"""
from dataclasses import dataclass, field
from typing import List, Tuple

from .errors import ResultFormatError

SCHEMA_VERSION = 2
# A check's status: the one rule, used by the self-check, the feedback pages,
# Gradescope's results and the class report.
PASSED, PARTIAL, FAILED = 'passed', 'partial', 'failed'
MARKS = {PASSED: 'PASS', PARTIAL: 'PART', FAILED: 'FAIL'}   # the self-check's words


def check_status(score, max_score):
    """PASSED with full points, PARTIAL with some, FAILED with none."""
    if score >= max_score:
        return PASSED
    return PARTIAL if score > 0 else FAILED


@dataclass
class CheckResult:
    name: str
    score: float
    max_score: float
    feedback: str
    diagnoses: Tuple[str, ...] = ()

    @property
    def status(self):
        """PASSED, PARTIAL or FAILED (check_status)."""
        return check_status(self.score, self.max_score)

    @property
    def mark(self):
        """'PASS', 'PART' or 'FAIL', as the self-check prints it."""
        return MARKS[self.status]

    def to_json(self):
        return {'name': self.name, 'score': self.score, 'max_score': self.max_score,
                'feedback': self.feedback, 'diagnoses': list(self.diagnoses)}


@dataclass
class SubmissionResult:
    submission: str
    checks: List[CheckResult] = field(default_factory=list)
    seconds: float = 0.0
    problem: str = ''
    diagnoses: Tuple[str, ...] = ()
    warnings: Tuple[str, ...] = ()
    isolation: str = ''

    @property
    def score(self):
        return round(sum(check.score for check in self.checks), 4)

    @property
    def max_score(self):
        return round(sum(check.max_score for check in self.checks), 4)

    def to_json(self, timing=True):
        """The schema's dict; timing=False leaves out the run time (stable output)."""
        # The contract's keys first (docs/architecture.md), then the schema's additions.
        data = {'schema': SCHEMA_VERSION, 'submission': self.submission, 'score': self.score,
                'max_score': self.max_score, 'checks': [c.to_json() for c in self.checks],
                'problem': self.problem, 'diagnoses': list(self.diagnoses),
                'warnings': list(self.warnings), 'isolation': self.isolation}
        if timing:
            data['seconds'] = round(self.seconds, 3)
        return data

    @classmethod
    def from_json(cls, data):
        """Inverse of to_json; raises ResultFormatError for anything malformed."""
        try:
            if not isinstance(data, dict) or data.get('schema', 1) not in (1, SCHEMA_VERSION):
                raise ResultFormatError('unknown result schema')
            checks = [CheckResult(str(c['name']), float(c['score']), float(c['max_score']),
                                  str(c['feedback']), tuple(map(str, c.get('diagnoses', ()))))
                      for c in data['checks']]
            return cls(str(data['submission']), checks, float(data.get('seconds', 0.0)),
                       str(data.get('problem', '')), tuple(map(str, data.get('diagnoses', ()))),
                       tuple(map(str, data.get('warnings', ()))), str(data.get('isolation', '')))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            if isinstance(error, ResultFormatError):
                raise
            raise ResultFormatError('malformed result: %s' % error) from error
