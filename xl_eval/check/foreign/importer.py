"""`xl-eval framework import FILE`: a draft framework from a score table.

The scoring table of a hand-made workbook or a Word report (found by its
headers, as check finds it) becomes a framework file: the tree with its
names and weights, the 指标解释 and 评分标准 texts kept verbatim, and every
leaf's rule ``discretionary`` (the evaluator's points, 0 to the weight) for
the user to replace with a computable rule.  Grades come from the table's
备注 ("优（得分≥90）…") when it states them, else the usual 90/80/60 scale.
Places where the criteria's own points disagree with the weight go to
``notes`` so that they are resolved, not copied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from xl_eval.check.foreign.grid import norm, split_points
from xl_eval.check.foreign.tables import ScoreTable, score_tables
from xl_eval.core.xlround import plain
from xl_eval.framework.model import DEFAULT_LEVEL_NAMES

GRADE_RE = re.compile(r"([优良中差合格不合格较好一般较差]{1,3})\s*[（(]\s*([^）)]*得分[^）)]*)[）)]")


class ImportProblem(Exception):
    """The file holds no usable score table; the message says why (Chinese)."""


@dataclass
class Draft:
    data: dict
    notes: list[str]
    leaves: int


def _num(x: float):
    return int(x) if float(x).is_integer() else x


def _table(path: str) -> ScoreTable:
    from xl_eval.check.foreign.docx_source import DocxError
    from xl_eval.check.foreign.run import read_document
    from xl_eval.xlsx.reader import WorkbookError
    from xl_eval.check.findings import render
    try:
        doc = read_document(path)
    except WorkbookError as exc:
        raise ImportProblem(render(exc.code, **exc.fields)) from None
    except DocxError as exc:
        raise ImportProblem(render(exc.code, **exc.fields)) from None
    except ImportError:
        raise ImportProblem(render("XE703")) from None
    tables = score_tables(doc.grids)
    if not tables:
        raise ImportProblem("没有找到打分表：需要一个列标题含“三级指标/评价指标/名称”“得分”和“权重/分值”的表格")
    best = max(tables, key=lambda t: (t.full, len(t.rows("leaf"))))
    return best


def draft(path: str, fid: str | None = None) -> Draft:
    table = _table(path)
    leaves = [r for r in table.records if r.kind == "leaf"]
    problems = []
    notes_first = _sole_leaf_points(leaves)
    for r in leaves:
        w = r.value("weight")
        if not w.present or w.value <= 0:
            cell = r.where("weight")
            problems.append(f"{cell.where if cell else table.label}：“{r.name}”没有可读的权重")
    if problems:
        raise ImportProblem("；".join(problems))
    if not leaves:
        raise ImportProblem(f"{table.label} 中没有三级指标行")
    notes: list[str] = ["本框架由 xl-eval framework import 从“" + Path(path).name + "”生成：各指标均为酌情给分，"
                        "请把评分标准改写为可计算的规则（分档、按比例、每项扣分……）后再使用。"] + notes_first
    inputs = [
        {"code": "unit_name", "label": "单位名称", "kind": "text", "group": "identity", "required": True,
         "reference": True, "help": "被评价单位全称"},
        {"code": "eval_year", "label": "评价年度", "kind": "year", "group": "identity", "required": True,
         "reference": True, "min": 2000, "max": 2100, "help": "被评价的预算年度"},
    ]
    level1, stated = _tree(table, leaves)
    depth = 1 + max((1 + any("children" in c for c in n1["children"]) for n1 in level1), default=1)
    seen: dict[str, int] = {}
    for n1, leaf, r in _walk(level1):
        weight = r.value("weight").value
        name = leaf["name"]
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            notes.append(f"待核对：表中有两个“{name}”（{table.label} 第{r.row}行），请改名或合并")
        code = leaf["code"]
        expl = r.texts.get("explanation", "")
        crit = r.texts.get("criteria", "")
        cell = r.cells.get("target")
        target = cell.text if cell is not None and not cell.blank else ""
        if not crit and "criteria" in table.columns:
            notes.append(f"{name}：表中评分标准栏为空" + ("，指标解释栏似含评分标准，请核对" if "分" in expl else ""))
        if not crit and target:
            crit = f"年度指标值：{target}"      # a 自评表 scores each row against its target
        leaf.update({"weight": _num(weight), "explanation": expl or name,
                     "criteria": crit or expl or "（表中未写评分标准）",
                     "rule": {"kind": "discretionary", "input": f"score_{code}"}})
        inputs.append({"code": f"score_{code}", "label": f"{name}得分", "kind": "score", "max": _num(weight),
                       "group": "judgement", "help": f"按评分标准酌情给分（0～{plain(weight)}分）"})
        notes += _criteria_notes(name, weight, crit)
    for node, shown in stated:
        if abs(node["weight"] - shown) > 1e-9:
            notes.append(f"待核对：表中写“{node['name']}”{plain(shown)}分，其下各行分值合计{plain(node['weight'])}分"
                         "（表格是否不全，或分值有误）")
    if "criteria" not in table.columns:
        notes.append(f"{table.label} 没有评分标准栏：各指标的评分标准请按评价方案补写")
    if any("四级" in c.text for r in table.grid.rows[:table.header_rows] for c in r):
        notes.append(f"待核对：{table.label} 有四级指标一栏；本草稿按三级读入，各三级指标的分值是其下四级各行之和，"
                     "四级指标请按原表补写为下级（levels 加“四级指标”）")
    total = _num(round(sum(r.value("weight").value for r in leaves), 6))
    title = _title(table) or Path(path).stem
    data = {
        "format": "xl-eval-framework/2",
        "levels": list(DEFAULT_LEVEL_NAMES[:depth]),
        "id": fid or "imported",
        "version": "0.1.0",
        "title": title,
        "source": f"{Path(path).name}（{table.label}），由 xl-eval framework import 生成的草稿",
        "total_weight": total,
        "notes": notes,
        "inputs": inputs,
        "indicators": level1,
        "grades": _grades(table),
    }
    return Draft(data, notes, len(leaves))


def _tree(table: ScoreTable, leaves) -> tuple[list[dict], list[tuple[dict, float]]]:
    """The indicator tree of the table's leaf rows: names without the spacing,
    numbering and "(15分)" the cells print, a leaf straight under its level-1
    indicator when the table has no level 2 for it.  Also (node, points the
    table states for it) for each branch whose points the table prints, in its
    name or in a column of its own."""
    level1: list[dict] = []
    index: dict[str, dict] = {}
    stated: list[tuple[dict, float]] = []
    for r in leaves:
        (l1_name, l1_pts), (l2_name, l2_pts) = split_points(r.level1 or "指标"), split_points(r.level2)
        l1_pts = _points(r, "level1_weight", l1_pts)
        l2_pts = _points(r, "level2_weight", l2_pts)
        n1 = index.get(norm(l1_name))
        if n1 is None:
            n1 = {"code": f"d{len(level1) + 1}", "name": l1_name, "weight": 0, "children": []}
            level1.append(n1)
            index[norm(l1_name)] = n1
            if l1_pts is not None:
                stated.append((n1, l1_pts))
        parent = n1
        if l2_name and norm(l2_name) != norm(l1_name):
            key2 = norm(l1_name) + "/" + norm(l2_name)
            parent = index.get(key2)
            if parent is None:
                parent = {"code": f"{n1['code']}_{len(n1['children']) + 1}", "name": l2_name, "weight": 0,
                          "children": []}
                n1["children"].append(parent)
                index[key2] = parent
                if l2_pts is not None:
                    stated.append((parent, l2_pts))
        name = split_points(r.name)[0] or r.name
        weight = r.value("weight").value
        parent["children"].append({"code": f"{parent['code']}_{len(parent['children']) + 1}", "name": name,
                                   "row": r})
        for node in {id(n1): n1, id(parent): parent}.values():
            node["weight"] = _num(round(node["weight"] + weight, 6))
    return level1, stated


def _sole_leaf_points(leaves) -> list[str]:
    """A leaf the table gives no points, alone under a level-2 indicator that states
    them ("履职成效(20分) | 部门特性指标"), takes that indicator's points."""
    from xl_eval.check.foreign.tables import Value
    notes = []
    for r in leaves:
        if r.value("weight").present or not r.level2:
            continue
        siblings = [x for x in leaves if (x.level1, x.level2) == (r.level1, r.level2)]
        points = _points(r, "level2_weight", split_points(r.level2)[1])
        if len(siblings) == 1 and points:
            r.values["weight"] = Value(points, None, False, r.cells.get("name"))
            notes.append(f"待核对：“{split_points(r.name)[0]}”在表中没有分值，按其上级“{split_points(r.level2)[0]}”"
                         f"的{plain(points)}分计")
    return notes


def _points(r, field: str, shown: float | None) -> float | None:
    v = r.value(field)
    return v.value if v.present and not v.percent else shown


def _walk(level1: list[dict]):
    """(level-1 node, leaf dict, its record) in table order; the record is taken off the dict."""
    for n1 in level1:
        stack = list(reversed(n1["children"]))
        while stack:
            node = stack.pop()
            if "children" in node:
                stack.extend(reversed(node["children"]))
            else:
                yield n1, node, node.pop("row")


def _title(table: ScoreTable) -> str:
    for row in table.grid.rows[:3]:
        texts = {c.text for c in row if not c.blank}
        if len(texts) == 1:
            return next(iter(texts))
    return table.grid.caption


def _grades(table: ScoreTable) -> list[dict]:
    text = " ".join(c.text for r in table.grid.rows for c in r if "得分" in c.text and ("≥" in c.text or "<" in c.text))
    found = []
    for name, cond in GRADE_RE.findall(text):
        cond = cond.replace(" ", "")
        lo = re.search(r"得分≥([0-9.]+)", cond)
        hi = re.search(r"([0-9.]+)>得分", cond)
        below = re.search(r"得分<([0-9.]+)", cond)
        if lo:
            rng = f"[{lo.group(1)}, {hi.group(1) if hi else 'inf'}{')' if hi else ')'}"
        elif below:
            rng = f"(-inf, {below.group(1)})"
        else:
            continue
        found.append({"range": rng, "name": name})
    if len(found) >= 2:
        return found
    return [{"range": "[90, inf)", "name": "优"}, {"range": "[80, 90)", "name": "良"},
            {"range": "[60, 80)", "name": "中"}, {"range": "(-inf, 60)", "name": "差"}]


def _criteria_notes(name: str, weight: float, crit: str) -> list[str]:
    from xl_eval.check.foreign.table_checks import (_GETS, _POINTS_MARK, _num as word_num, criteria_items,
                                                    item_points)
    out = []
    items = criteria_items(crit)
    marks = [float(m) for it in items for m in _POINTS_MARK.findall(it)[:1]]
    if items and len(marks) == len(items) and abs(sum(marks) - weight) > 1e-9:
        out.append(f"待核对：{name}评分标准各项分值合计{plain(sum(marks))}分，权重{plain(weight)}分")
    elif items and all("扣" in it for it in items):
        pts = [item_points(it) or 0 for it in items]
        if all(pts) and abs(sum(pts) - weight) > 1e-9:
            out.append(f"待核对：{name}评分标准各项“得N分”合计{plain(sum(pts))}分，权重{plain(weight)}分")
    elif not items:
        gets = [g for g in (word_num(x) for x in _GETS.findall(crit)) if g]
        if len(gets) == 1 and not _POINTS_MARK.search(crit) and "满分" not in crit and abs(gets[0] - weight) > 1e-9:
            out.append(f"待核对：{name}评分标准写“得{plain(gets[0])}分”，权重{plain(weight)}分")
    return out


def to_yaml(d: Draft) -> str:
    import yaml
    head = ("# 指标体系框架草稿（xl-eval framework import 生成）。\n"
            "# 各三级指标的规则均为 discretionary（酌情给分）：请按评分标准改写为可计算的规则，\n"
            "# 然后运行 xl-eval framework lint 检查。notes 中列出了表中需要核对的地方。\n")
    return head + yaml.safe_dump(d.data, allow_unicode=True, sort_keys=False, width=120)
