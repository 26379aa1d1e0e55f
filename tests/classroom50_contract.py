"""Classroom 50's result contract, written for these tests from reading Classroom 50's
runner (foundation50/classroom50, .github/scripts/runner.py ``validate_result`` and
``finalize_result``): what its runner accepts from an autograder.py after stamping the
fields it owns. Not a copy of its code."""

SCHEMA = 'classroom50/result/v1'


def _count(value):
    """A non-negative int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _text(value):
    return isinstance(value, str) and value != ''


def stamp(result, owner, submitted_at, assignment_type='individual'):
    """What the runner writes over an autograder's result.json before validating it."""
    stamped = dict(result)
    stamped.update({'owner': owner, 'assignment_type': assignment_type,
                    'datetime': submitted_at, 'graded_at': submitted_at})
    stamped.pop('submitted_by', None)
    return stamped


def validate_result(data, classroom, assignment, owner=None, expected_type='individual'):
    """None when data is a v1 result for this classroom, assignment and owner, else why not."""
    if not isinstance(data, dict):
        return 'not an object'
    if data.get('schema') != SCHEMA:
        return 'schema %r' % (data.get('schema'),)
    if data.get('classroom') != classroom or data.get('assignment') != assignment:
        return 'classroom or assignment differs'
    if not _text(data.get('owner')):
        return 'owner missing'
    if owner is not None and data['owner'].lower() != owner.lower():
        return 'owner differs'
    if data.get('assignment_type') != expected_type:
        return 'assignment_type %r' % (data.get('assignment_type'),)
    if not _text(data.get('submission')) or not data['submission'].startswith('submit/'):
        return 'submission is not a submit/* tag'
    for key in ('commit', 'release', 'review', 'datetime'):
        if not _text(data.get(key)):
            return '%s missing' % key
    if not _count(data.get('score')) or not _count(data.get('max-score')):
        return 'score and max-score must be non-negative integers'
    if data['score'] > data['max-score']:
        return 'score above max-score'
    if not isinstance(data.get('tests'), list):
        return 'tests is not a list'
    for index, test in enumerate(data['tests']):
        if not isinstance(test, dict) or not _text(test.get('test-name')):
            return 'tests[%d] has no test-name' % index
        if not isinstance(test.get('passed'), bool):
            return 'tests[%d].passed is not a boolean' % index
        if not _count(test.get('score')) or not _count(test.get('max-score')):
            return 'tests[%d] points are not non-negative integers' % index
        if test['score'] > test['max-score']:
            return 'tests[%d] score above max-score' % index
    submitted_by = data.get('submitted_by')
    if submitted_by is not None and (not isinstance(submitted_by, dict)
                                     or not _text(submitted_by.get('username'))):
        return 'submitted_by malformed'
    return None
