"""Random input sets for any framework, and what the engine says every named cell shows.

tests/template_cases.py draws inputs for Annex 1's inputs; the tree-shape tests
need them for any framework: every input kind, open weights that add up (and
now and then do not, or stay blank), and rows the unit defines (none, some,
all, a row with a name but no points).  Expected values always come from the
engine (xl_eval.engine.score.evaluate), never from the layout under test.
"""

from __future__ import annotations

import math
import random

from template_cases import engine_view
from xl_eval.engine.score import evaluate


def split(total: float, n: int, rng: random.Random) -> list[float]:
    """`total` in `n` positive parts with 2 decimals that add up exactly."""
    cuts = sorted(rng.uniform(0, 1) for _ in range(n - 1))
    shares = [b - a for a, b in zip([0.0] + cuts, cuts + [1.0])]
    cents = [max(1, round(s * total * 100)) for s in shares]
    cents[-1] += round(total * 100) - sum(cents)
    if cents[-1] <= 0:
        return [round(total / n, 2)] * (n - 1) + [round(total - round(total / n, 2) * (n - 1), 2)]
    return [c / 100 for c in cents]


def random_value(inp, rng: random.Random):
    k = inp.kind
    if k == "text":
        return rng.choice(["某单位", "评价对象 A", "=1+1 不是公式"])
    if k == "year":
        return rng.randint(2000, 2100)
    if k == "amount":                    # now and then 0 (a zero denominator), mostly a positive amount
        return 0 if rng.random() < 0.05 else round(rng.uniform(0.01, 5000), 2)
    if k == "count":
        return 0 if rng.random() < 0.05 else rng.choice([1, 2, rng.randint(1, 40)])
    if k == "choice":
        return rng.choice(inp.options)
    if k == "yes_no":
        return rng.choice(["是", "是", "否"])
    if k in ("score", "weight"):
        hi = inp.max if inp.max is not None else 10
        return round(rng.uniform(inp.min or 0, hi), rng.choice([0, 1, 2, 3]))
    if k == "percent":
        lo = inp.min if inp.min is not None else -0.3
        hi = inp.max if inp.max is not None else 1.4
        return round(rng.uniform(lo, hi), rng.choice([2, 4]))
    if k == "decimal":
        return 0 if rng.random() < 0.05 else round(rng.uniform(0.5, 500), rng.choice([0, 2]))
    if k == "date":
        return float(rng.randint(45000, 45700))
    raise AssertionError(f"no generator for kind {k}")


def random_inputs(fw, rng: random.Random) -> dict:
    """One input set: every plain input, the open weights, the rows of each block."""
    v = {}
    for code, inp in fw.inputs.items():
        if inp.generated:
            continue
        v[code] = random_value(inp, rng)
    if fw.open_weights:
        weights = {}
        for node in fw.all_nodes():        # branches with a declared weight share it among their leaves
            if node.leaf is None and node.weight is not None and all(x.weight_input for x in node.leaves) \
                    and not any(x.code in weights for x in node.leaves):
                for leaf, w in zip(node.leaves, split(node.weight, len(node.leaves), rng)):
                    weights[leaf.code] = w
        rest = [x for x in fw.open_weights if x.code not in weights]
        fixed = sum(x.weight for x in fw.leaves if x.weight is not None) + sum(weights.values())
        if rest:
            for leaf, w in zip(rest, split(fw.total_weight - fixed, len(rest), rng)):
                weights[leaf.code] = w
        roll = rng.random()
        if roll < 0.1:                     # weights that do not add up
            leaf = rng.choice(fw.open_weights)
            weights[leaf.code] = round(weights[leaf.code] + rng.choice([-1, 0.5, 3]), 2)
        elif roll < 0.15:                  # one weight not set yet
            weights[rng.choice(fw.open_weights).code] = None
        for leaf in fw.open_weights:
            v[leaf.weight_input] = weights.get(leaf.code)
    for leaf in fw.leaves:
        if leaf.adjust is not None:
            v[leaf.adjust.input] = adjusted_weight(leaf, rng)
    for leaf in fw.leaves:
        if leaf.rows is not None:
            v.update(random_rows(fw, leaf, v, rng))
        for part in leaf.parts:                # a 定性 share mostly inside the tier chosen (else: blank score)
            r = part.rule
            tier = r.input if r.kind == "qualitative" else r.tier_input if r.kind == "target" else None
            if tier and r.share and rng.random() < 0.85:
                v[r.share] = tier_share(v.get(tier), rng)
    for code in rng.sample(sorted(k for k, x in v.items() if not fw.inputs[k].generated),
                           rng.choice([0, 0, 0, 1, 2])):      # now and then a blank
        v[code] = None
    return v


def adjusted_weight(leaf, rng: random.Random):
    """A weight_range / weight_values weight: mostly an allowed one (the ends of the range
    often), now and then blank (the default), or one the framework does not allow."""
    adj = leaf.adjust
    roll = rng.random()
    if roll < 0.15:
        return None
    if roll < 0.25:
        hi = max(adj.values) if adj.values else adj.range.hi
        return rng.choice([hi + 1, round(hi / 2 + 0.5, 1), -1.0 if rng.random() < 0.2 else hi + 5])
    if adj.values:
        return rng.choice(adj.values)
    r = adj.range
    return rng.choice([r.lo, r.hi, leaf.weight, round(rng.uniform(r.lo, r.hi), rng.choice([0, 1, 2]))])


def tier_share(tier, rng: random.Random):
    """A share inside the 第十六条 range of `tier` (edges now and then)."""
    lo, hi = {"达成": (0.8, 1.0), "部分达成": (0.6, 0.79), "未达成": (0.0, 0.59)}.get(tier, (0.0, 1.0))
    return rng.choice([lo, hi, round(rng.uniform(lo, hi), 2)])


def random_rows(fw, leaf, values: dict, rng: random.Random) -> dict:
    block = leaf.rows
    w = leaf.weight if leaf.weight is not None else values.get(leaf.weight_input) or 10
    if leaf.adjust is not None and isinstance(values.get(leaf.adjust.input), (int, float)):
        w = max(values[leaf.adjust.input], 0)           # the rows share the weight used
    ruled = block.pass_threshold is not None or block.over_target is not None or bool(block.actual_bands)
    n = rng.choice([0, 1, 2, rng.randint(1, block.max_rows), block.max_rows]) if rng.random() < 0.3 \
        else rng.randint(1, block.max_rows)
    out = {}
    if n == 0:
        return out
    slots = sorted(rng.sample(range(1, block.max_rows + 1), n))    # spare rows between filled ones
    points = split(w, n, rng) if w > 0 else [0.0] * n
    if rng.random() < 0.1:
        points[0] = round(points[0] + 1, 2)                          # rows that do not add up
    for i, pts in zip(slots, points):
        row = {"name": f"指标{i}", "nature": rng.choice(block.natures), "points": pts}
        for f in block.fields:
            if f.key.startswith("level"):
                row[f.key] = rng.choice(block.groups) if block.groups else "类型"
        nat = row["nature"]
        if nat == "酌情":
            row["score"] = round(rng.uniform(0, pts * 1.1), rng.choice([0, 2, 3]))
        elif nat == "定性":
            row["tier"] = rng.choice(["达成", "部分达成", "未达成"])
            row["share"] = tier_share(row["tier"], rng) if rng.random() < 0.9 else round(rng.uniform(0, 1), 2)
        else:
            row["target"] = rng.choice([0, 1, round(rng.uniform(0, 100), 1)])
            row["actual"] = rng.choice([0, row["target"], round(rng.uniform(0, 120), 1)])
            if ruled and rng.random() < 0.5:
                row.update(ruled_row(block, rng))
            row["unit"] = "个"
        if rng.random() < 0.05:
            row["points"] = None                                     # a name without points: incomplete
        for key, value in row.items():
            out[block.row_input(i, key)] = value
    return out


def ruled_row(block, rng: random.Random) -> dict:
    """Target and actual at the edges of a block's rules: the pass threshold, the
    over-target ratio, the actual bands' edges (and just beside them)."""
    if block.actual_bands:
        edges = [e for b in block.actual_bands for e in (b.range.lo, b.range.hi) if not math.isinf(e)]
        e = rng.choice(edges)
        actual = rng.choice([e, round(e - 0.0001, 4), round(e + 0.0001, 4), round(rng.uniform(0, 1.2), 4)])
        return {"target": rng.choice([0.9, 0.95, 1]), "actual": actual}
    target = rng.choice([10, 100, 250, round(rng.uniform(1, 100), 1)])
    ratios = [0.6, 0.59, 0.61, 1.0, 0.3]
    if block.pass_threshold is not None:
        p = block.pass_threshold
        ratios += [p, round(p - 0.01, 2), round(p + 0.01, 2)]
    if block.over_target is not None:
        o = block.over_target.ratio
        ratios += [o, round(o - 0.01, 2), round(o + 0.1, 2)]
    r = rng.choice(ratios)
    if rng.random() < 0.5:     # as a ≤ row reads it: target ÷ actual
        return {"target": target, "actual": round(target / r, 4)}
    return {"target": target, "actual": round(target * r, 4)}


def shape_view(fw, lay, values: dict) -> dict:
    """engine_view plus the subtotals of branch nodes below level 2 (sub3_<code>)."""
    want = engine_view(fw, lay, values)
    ev = evaluate(fw, values)
    for node in fw.all_nodes():
        if node.leaf is None and node.depth >= 3:
            want[f"sub{node.depth}_{node.code}"] = ev.nodes[node.code]
    assert set(want) <= set(lay.computed)
    return want


def same(want, have) -> bool:
    if want is None:
        return have is None
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        if want == math.inf:
            return have == 1e300
        return isinstance(have, float) and abs(have - want) < 1e-9
    return have == want
