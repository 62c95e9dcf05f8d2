"""Map table rows and names in sentences to the framework's nodes.

A name matches a node by its code, its name or one of its ``aliases`` (data
in the framework file, e.g. 决策 = 前期决策), compared without spaces,
quotes or width differences.  Failing that, a name that contains exactly one
node name (or is contained in exactly one) matches it: "预决算信息公开情况".
Nothing framework-specific lives here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from xl_eval.check.foreign.grid import norm, split_points
from xl_eval.framework.model import Framework


@dataclass
class Node:
    level: int                  # 1, 2, or 3 (leaf)
    code: str
    name: str
    weight: float
    aliases: tuple[str, ...] = ()
    leaf: object = None         # the framework Leaf (level 3)
    parent: "Node | None" = None
    children: list["Node"] = field(default_factory=list)
    open: bool = False          # a weight set by each evaluation (format 2): the table's weight counts

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def leaves(self) -> list["Node"]:
        if self.level == 3:
            return [self]
        return [x for c in self.children for x in c.leaves]


class NodeIndex:
    def __init__(self, fw: Framework):
        self.fw = fw
        self.nodes: list[Node] = []
        self.by_key: dict[str, list[Node]] = {}
        for l1 in fw.level1:
            n1 = self._add(Node(1, l1.code, l1.name, _weight(l1.leaves), _aliases(l1), open=_open(l1.leaves)))
            for l2 in l1.children:
                n2 = self._add(Node(2, l2.code, l2.name, _weight(l2.leaves), _aliases(l2),
                                    parent=n1, open=_open(l2.leaves)))
                n1.children.append(n2)
                for leaf in l2.leaves:
                    n3 = self._add(Node(3, leaf.code, leaf.name, _weight([leaf]), _aliases(leaf), leaf, n2,
                                        open=_open([leaf])))
                    n2.children.append(n3)

    def _add(self, node: Node) -> Node:
        self.nodes.append(node)
        for key in {norm(node.code), *(norm(n) for n in node.names)}:
            if key:
                self.by_key.setdefault(key, []).append(node)
        return node

    @property
    def level1(self) -> list[Node]:
        return [n for n in self.nodes if n.level == 1]

    @property
    def leaves(self) -> list[Node]:
        return [n for n in self.nodes if n.level == 3]

    def find(self, text: str, levels: tuple[int, ...] = (1, 2, 3), loose: bool = True) -> Node | None:
        key = bare(text)
        if not key:
            return None
        hits = [n for n in self.by_key.get(key, []) if n.level in levels]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            return sorted(hits, key=lambda n: -n.level)[0]
        if not loose or len(key) < 2:
            return None
        near = {id(n): n for k, ns in self.by_key.items() if len(k) >= 2 and (k in key or key in k)
                for n in ns if n.level in levels}
        if len(near) == 1:
            return next(iter(near.values()))
        # several: the longest name contained in the text wins when it is unique
        best = [(len(k), n) for k, ns in self.by_key.items() if len(k) >= 2 and k in key
                for n in ns if n.level in levels]
        if best:
            top = max(b[0] for b in best)
            tops = {id(n): n for length, n in best if length == top}
            if len(tops) == 1:
                return next(iter(tops.values()))
        return None

    def leaf(self, code: str) -> Node | None:
        return next((n for n in self.leaves if n.code == code), None)

    def node(self, code: str, level: int) -> Node | None:
        return next((n for n in self.nodes if n.code == code and n.level == level), None)


def bare(text: str) -> str:
    """Matching key without a trailing "（20分）" / "(20)" points note or numbering."""
    return norm(split_points(text)[0]) or norm(text)


def _weight(leaves) -> float:
    """Sum of the leaves' weights; an open weight (set by each evaluation) counts
    as 0 here and the table's own weight is used instead (see table_checks)."""
    return float(sum(x.weight or 0.0 for x in leaves))


def _open(leaves) -> bool:
    return any(x.weight is None for x in leaves)


def _aliases(obj) -> tuple[str, ...]:
    """A node's aliases from the framework file (absent in files without the key)."""
    value = getattr(obj, "aliases", ()) or ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)
