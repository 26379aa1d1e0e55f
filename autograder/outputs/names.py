"""File names of the output folder, one per student and never shared.

A submission id (a folder or zip name, chosen by the student) becomes a file
name with ``safe_name``: characters outside ``A-Za-z0-9._-`` replaced, and a
short hash of the id added when anything was replaced or cut. Two ids can
still get the same safe name: a folder named ``jos-d994e1d0`` is exactly the
safe name of ``josé``. ``assign`` gives every id of a grading a name of its
own, the same for the same ids and folder whatever order they come in:

- an id graded earlier into the folder keeps the name of its results file;
- an id whose safe name no other id claims gets it;
- ids that share a safe name: the id that is its safe name keeps it, the
  others (sorted) get ``-2``, ``-3``... after it, the first not taken.

Nothing is overwritten: a name held by another id is never given again.
"""
import hashlib
import re

MAX_NAME = 120


def safe_name(submission_id):
    """A file name for a submission id; ids with other characters get a hash suffix."""
    cleaned = re.sub(r'[^A-Za-z0-9._-]', '_', submission_id).strip('._') or 'submission'
    if cleaned != submission_id or len(cleaned) > MAX_NAME:
        digest = hashlib.sha256(submission_id.encode('utf-8', errors='surrogateescape'))
        cleaned = cleaned[:MAX_NAME - 9] + '-' + digest.hexdigest()[:8]
    return cleaned


def _sort_key(submission_id):
    return submission_id.encode('utf-8', errors='surrogateescape')


def assign(ids, earlier=None):
    """({id: file name} for ids and the earlier ones, [(name, ids that claimed it)]).

    earlier: {id: name} of results already in the folder (kept as they are).
    The second value lists each shared safe name and the ids that shared it,
    for a warning.
    """
    names = dict(earlier or {})
    holders = {name: submission_id for submission_id, name in names.items()}
    claims = {}
    for submission_id in sorted(set(ids) - set(names), key=_sort_key):
        claims.setdefault(safe_name(submission_id), []).append(submission_id)
    waiting, collisions = [], []
    for base, claimants in sorted(claims.items()):
        claimants.sort(key=lambda i: (i != base, _sort_key(i)))
        if len(claimants) > 1 or base in holders:
            collisions.append((base, ([holders[base]] if base in holders else []) + claimants))
        if base not in holders:
            names[claimants[0]] = base
            holders[base] = claimants[0]
            claimants = claimants[1:]
        waiting.extend((base, submission_id) for submission_id in claimants)
    # Every plain safe name is held by now: a suffix never takes one from its id.
    for base, submission_id in waiting:
        number = 2
        while '%s-%d' % (base, number) in holders:
            number += 1
        names[submission_id] = '%s-%d' % (base, number)
        holders[names[submission_id]] = submission_id
    return names, collisions
