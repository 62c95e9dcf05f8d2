"""Which indicator each paragraph of a report talks about, from its headings.

Headings are short numbered paragraphs ("（一）部门整体前期决策情况",
"1. 程序合理性", "（1）财务合规性", "1. 经济效益-产业结构优化"); each one that
names a framework node (by name or alias) opens its scope until the next
heading of the same or a higher level.  A chapter heading ("五、主要绩效")
that names no node ends the analysis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xl_eval.check.foreign.grid import Paragraph
from xl_eval.check.foreign.mapping import Node, NodeIndex

_HEADING_RE = re.compile(r"^\s*(?:（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|[0-9]{1,2}\s*[.．、](?![0-9])|"
                         r"（[0-9]{1,2}）|\([0-9]{1,2}\))\s*")
_CHAPTER_RE = re.compile(r"^\s*[一二三四五六七八九十]+、")


@dataclass
class Scope:
    para: Paragraph
    level1: Node | None
    level2: Node | None
    leaf: Node | None
    heading: Node | None = None     # the node this paragraph is the heading of


def is_heading(text: str) -> bool:
    return len(text) <= 40 and bool(_HEADING_RE.match(text)) and not text.rstrip().endswith(("。", "；"))


def scopes(paragraphs: list[Paragraph], index: NodeIndex) -> list[Scope]:
    out: list[Scope] = []
    l1 = l2 = leaf = None
    inside = False
    for p in paragraphs:
        text = p.text
        if not text:
            continue
        if is_heading(text):
            title = _HEADING_RE.sub("", text, count=1)
            parts = re.split(r"[-—－–]", title)
            nodes = [n for n in (index.find(x) for x in parts) if n is not None]
            if not nodes and _CHAPTER_RE.match(text):
                inside = False
                l1 = l2 = leaf = None
            for node in sorted(nodes, key=lambda n: n.level):
                inside = True
                if node.level == 1:
                    l1, l2, leaf = node, None, None
                elif node.level == 2:
                    l1, l2, leaf = node.parent, node, None
                else:
                    l1, l2, leaf = node.parent.parent, node.parent, node
            if nodes:
                out.append(Scope(p, l1, l2, leaf, max(nodes, key=lambda n: n.level)))
            continue
        if inside:
            out.append(Scope(p, l1, l2, leaf))
    return out
