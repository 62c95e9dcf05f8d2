"""Stand-in for xl_eval.drafting until that module lands on main (then this file goes).

Same signatures: (fw, ev, leaf_code) -> str.
"""

from __future__ import annotations

from xl_eval.core.xlround import fixed, plain


def draft_analysis(fw, ev, leaf_code: str) -> str:
    leaf = fw.leaf(leaf_code)
    r = ev.leaves[leaf_code]
    got = "待评分" if r.score is None else f"{fixed(r.score, fw.precision.score)}分"
    return f"{r.explanation}。此项应得分{plain(leaf.weight)}分，实际得分{got}。"


def draft_reason(fw, ev, leaf_code: str) -> str:
    r = ev.leaves[leaf_code]
    return "" if r.score is None or r.score >= r.weight else r.explanation


def draft_findings(fw, ev, leaf_code: str) -> str:
    return ev.leaves[leaf_code].explanation
