"""Generated 自评 projects for the engine == LibreOffice test (deterministic)."""

from __future__ import annotations

import random

from xl_eval.sources.selfeval import Indicator, Project

NATURES = ["≥", "≥", "≥", "≤", "≤", "=", "定性", "定性"]
TIERS = ["达成", "部分达成", "未达成"]
SHARES = [0.0, 0.3, 0.5999, 0.6, 0.7, 0.7999, 0.8, 0.85, 0.9, 1.0]


def _money(rng: random.Random) -> dict:
    out = {}
    for s in ("current", "carryover", "other"):
        kind = rng.random()
        if kind < 0.25 and s != "current":
            full = ex = None                      # source not used: blank
        else:
            full = round(rng.uniform(0, 2000), 2) if rng.random() > 0.05 else 0.0
            ex = round(full * rng.choice([1, 1, 0.9, 0.8567, 0.6, 0.5999, 1.1, 0.0, rng.random()]), 2)
        out[f"{s}_initial"] = None if full is None else round(full * rng.uniform(0.8, 1.0), 2)
        out[f"{s}_full"] = full
        out[f"{s}_executed"] = ex
    return out


def _row(rng: random.Random, n: int, level1: str, level2: str) -> Indicator:
    nature = rng.choice(NATURES + (["＞"] if rng.random() < 0.05 else []))
    points = float(rng.choice([2, 5, 5, 10, 10, 15, 20, 7.5]))
    pct = rng.random() < 0.4
    share = tier = None
    target_text = ""
    if nature == "定性":
        tier = rng.choice(TIERS + (["很好"] if rng.random() < 0.05 else []))
        share = rng.choice(SHARES + [None]) if rng.random() > 0.05 else None
        target, actual = None, tier
        target_text = "明显提升"
    else:
        if pct:
            target = rng.choice([0.9, 0.95, 1.0, 0.005, 0.0, 0.85])
        else:
            target = float(rng.choice([0, 1, 3, 12, 20, 45, 350, 1500, 3000, 12000]))
        r = rng.random()
        if r < 0.08:
            actual = None                                     # blank actual
        elif r < 0.3:
            actual = target                                   # met exactly
        else:
            actual = round(target * rng.choice([0.5, 0.5999, 0.6, 0.6001, 0.8, 0.9, 0.99, 1.04, 1.3, 1.5, 2.0]), 4)
            if target == 0:
                actual = rng.choice([0.0, 1.0, 2.0])
        if rng.random() < 0.03:
            target, target_text = None, "≥95%"                # an operator typed into the number cell
        else:
            target_text = str(target)
    return Indicator(0, level1, level2, f"指标{n}", nature, target, target_text, "%" if pct else "个",
                     actual, share, points, "", "")


def projects(count: int, spec, seed: int = 2026) -> list[Project]:
    rng = random.Random(seed)
    out = []
    for k in range(count):
        money = _money(rng)
        p = Project(k + 2, f"生成项目{k + 1:03d}", f"GEN-{k + 1:03d}", "某局", f"单位{k % 10}", 2024, money, {},
                    "预期", "实际", "")
        n = 0
        for block in spec.blocks:
            for group in block.groups:
                for _ in range(rng.choice([0, 1, 1, 2, 3])):
                    n += 1
                    p.indicators.append(_row(rng, n, block.name, group.name))
            if not any(i.level1 == block.name for i in p.indicators) and rng.random() < 0.9:
                n += 1
                p.indicators.append(_row(rng, n, block.name, block.groups[0].name))
        if rng.random() < 0.3:
            # moved weights: the framework's allowed values or bounds, a few out of bounds, some left blank
            for block in spec.blocks:
                if block.adjustable and rng.random() < 0.7:
                    lo = block.weight_range.lo if block.weight_range else min(block.weight_values)
                    hi = block.weight_range.hi if block.weight_range else max(block.weight_values)
                    choices = list(block.weight_values) + [lo, hi, block.allotment, hi + 5, (lo + hi) / 2]
                    p.weights[block.name] = rng.choice(choices)
            for block in spec.blocks:
                if p.weights.get(block.name) == 0 and rng.random() < 0.6:
                    p.indicators = [i for i in p.indicators if i.level1 != block.name]   # nothing to score
        out.append(p)
    return out
