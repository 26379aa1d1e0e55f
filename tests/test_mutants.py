"""Every known-wrong implementation loses points exactly at the checks it should."""
import os

import pytest

from autograder import checks
from autograder.paths import REPO_DIR
from helpers import mutants, needs_fashion_mnist

CHECK_NAMES = [check.name for check in checks.CATALOG]


def test_catalog_is_large_and_well_formed():
    assert len(mutants.MUTANTS) >= 20
    assert len(mutants.BY_NAME) == len(mutants.MUTANTS)
    for mutant in mutants.MUTANTS:
        assert mutant.fails and set(mutant.fails) <= set(CHECK_NAMES), mutant.name
        assert mutants.apply(mutant) != mutants.reference_source()


def test_every_check_catches_some_mutant():
    caught = {name for mutant in mutants.MUTANTS for name in mutant.fails}
    assert caught == set(CHECK_NAMES)


def test_a_stale_edit_fails_loudly():
    stale = mutants.Mutant('stale', 'x', (('no such line in the reference', 'y'),), ('loss',))
    with pytest.raises(mutants.StaleMutant, match='occurs 0 times'):
        mutants.apply(stale)


@pytest.mark.slow
@needs_fashion_mnist
@pytest.mark.parametrize('name', [m.name for m in mutants.MUTANTS])
def test_mutant_fails_exactly_its_checks(kit_grade, name):
    mutant = mutants.BY_NAME[name]
    result = kit_grade('mutant_' + name)      # the full grade of mutants.apply(mutant)
    lost = {c.name for c in result.checks if c.score < c.max_score}
    assert lost == set(mutant.fails), {c.name: c.feedback for c in result.checks
                                        if c.name in lost ^ set(mutant.fails)}
    for check in result.checks:
        if check.name in lost:
            assert check.feedback and 'did not run' not in check.feedback


@pytest.mark.slow
def test_reference_full_and_stub_zero(grader, kit_grade):
    assert kit_grade('reference').score == grader.max_score
    assert kit_grade('stub').score == 0


def test_docs_catch_matrix_matches_the_catalog():
    """docs/mutants.md lists each mutant with the checks that catch it."""
    with open(os.path.join(REPO_DIR, 'docs', 'mutants.md'), encoding='utf-8') as handle:
        rows = [line for line in handle if line.startswith('| `')]
    table = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip().strip('|').split('|')]
        table[cells[0].strip('`')] = {CHECK_NAMES[i] for i, cell in enumerate(cells[2:])
                                      if cell == 'x'}
    assert table == {m.name: set(m.fails) for m in mutants.MUTANTS}
