"""The indicator tree as the report walks it, for every framework shape.

Format-1 frameworks have Level1 -> Level2 -> Leaf; format 2 has Nodes of
2-4 levels, a node of any level possibly scored directly.  ``tree(fw)``
gives both as RNodes (a branch with children, or a scored node with its
Leaf), and the figures of a node come from the engine's Evaluation: a
leaf's weight is the weight the engine used (open weights are inputs), a
branch's score is the engine's rounded sum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xl_eval.core.xlround import xl_round


@dataclass
class RNode:
    code: str
    name: str
    depth: int                       # 1 = top level
    children: list["RNode"] = field(default_factory=list)
    leaf: object | None = None       # the framework Leaf of a scored node

    @property
    def leaves(self) -> list:
        if self.leaf is not None:
            return [self.leaf]
        return [x for c in self.children for x in c.leaves]

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


def tree(fw) -> list[RNode]:
    return [_node(n, 1) for n in fw.level1]


def _node(n, depth: int) -> RNode:
    leaf = getattr(n, "leaf", None)
    if leaf is not None:                                  # format 2: a scored node
        return RNode(n.code, n.name, depth, leaf=leaf)
    if hasattr(n, "parts"):                               # format 1: a Leaf under a Level2
        return RNode(n.code, n.name, depth, leaf=n)
    kids = getattr(n, "children", None) or getattr(n, "leaves", ())
    return RNode(n.code, n.name, depth, [_node(k, depth + 1) for k in kids])


def leaf_weight(ev, leaf) -> float | None:
    r = ev.leaves.get(leaf.code)
    return r.weight if r is not None else leaf.weight


def node_weight(ev, node: RNode) -> float | None:
    ws = [leaf_weight(ev, x) for x in node.leaves]
    return None if any(w is None for w in ws) else xl_round(sum(ws), 10)


def node_score(fw, ev, node: RNode) -> float | None:
    """The engine's score of a node (a branch: its rounded sum, as the workbook shows it)."""
    if node.leaf is not None:
        return ev.leaves[node.leaf.code].score
    for table in (getattr(ev, "nodes", None) or {}, ev.level1 if node.depth == 1 else {},
                  ev.level2 if node.depth == 2 else {}):
        if node.code in table:
            return table[node.code]
    scores = [ev.leaves[x.code].score for x in node.leaves]
    return None if any(s is None for s in scores) else xl_round(sum(scores), fw.precision.score)


def level_names(fw) -> tuple[str, ...]:
    names = tuple(getattr(fw, "level_names", ()) or ())
    depth = max((n.depth for top in tree(fw) for n in top.walk()), default=3)
    defaults = ("一级指标", "二级指标", "三级指标", "四级指标")
    return (names + defaults[len(names):])[:max(depth, 1)]
