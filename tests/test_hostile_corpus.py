"""Every command over the hostile corpus (tools/hostile_corpus.py), in subprocesses
under a memory cap and a timeout: no traceback, the documented exit code, a
Chinese message naming the file, untouched inputs, only complete files.

The corpus is built and run once per session, two cases at a time; each case
is then one test, so a failure names its case.  Cases in areas other
engineers have not landed yet are marked xfail (not strict) while pending.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import hostile_corpus as corpus  # noqa: E402

CASES = corpus.cases()


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    return {o.case.id: o for o in corpus.run_all(CASES, root, jobs=2)}


def test_the_corpus_is_large_and_covers_every_class():
    assert len(CASES) >= 60
    assert {c.cls for c in CASES} == set(corpus.CLASSES)
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [
    pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=False, reason=c.pending)] if c.pending else [])
    for c in CASES])
def test_hostile_case(case, outcomes):
    outcome = outcomes[case.id]
    assert outcome.ok, "\n".join(outcome.problems)
