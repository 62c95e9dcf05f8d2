"""Transcribe the seed report's tables and the paragraphs around them into
tests/foreign_seed_data.py (literal data, so the tests need no seed file).

    python tools/transcribe_seed_tables.py SEED.txt

SEED.txt is the report as text (tab-separated table rows), e.g.
/work/shared/seed/000_baafd2d86beab41e.txt.  Line numbers below are that file's.
"""
import pprint
import sys

lines = open(sys.argv[1], encoding="utf-8").read().split('\n')
def body(a, b):
    out = []
    table = None
    for l in lines[a:b]:
        if '\t' in l:
            if table is None:
                unit = out.pop() if out and isinstance(out[-1], str) and out[-1].startswith('单位') else None
                cap = out.pop() if out and isinstance(out[-1], str) and out[-1].startswith('表') else ''
                table = {'caption': cap, 'unit': unit, 'rows': []}
                out.append(table)
            table['rows'].append(tuple(l.split('\t')))
            continue
        if not l.strip():
            continue                  # page-break blank line; tables go on
        if l.startswith('---'):
            continue
        if table is not None and (l.startswith('单位') ):
            continue
        table = None
        prev = out[-1] if out and isinstance(out[-1], str) else ''
        if len(prev) > 40 and not prev.endswith(('。', '：', '）', '；')):
            out[-1] = prev + l.strip()        # a paragraph split by a page break
        else:
            out.append(l.strip())
    return out
# fix 单位 lines: the unit line comes after the caption
items = [lines[2].strip() + lines[3].strip() + lines[4].strip()]
items += body(178, 228) + body(303, 523) + body(544, 550)
annex = [tuple(l.split('\t')) for l in lines[584:618] if l.strip()]
with open('tests/foreign_seed_data.py', 'w') as fh:
    fh.write('"""The seed report\'s tables and the paragraphs around them, typed in as data.\n\n'
             'Transcribed from the seed report (昌吉市人民政府中山路街道办事处部门整体绩效评价报告，2024 年):\n'
             'the title, 一、（三）资金安排及使用情况 with Tables 1-2, 三、绩效评价综合情况及结论 and\n'
             '四、绩效评价情况分析 with Tables 3-8, and Annex 1 row by row as the report prints it\n'
             '(blank page-break rows dropped; its continuation rows, its "名称 | | 权重（%）" header row\n'
             'and its 小计 rows kept as printed).  A table is a dict: caption, unit line, rows.\n"""\n\n')
    fh.write('BODY = ' + pprint.pformat(items, width=110) + '\n\n')
    fh.write('ANNEX1 = ' + pprint.pformat(annex, width=110) + '\n')
