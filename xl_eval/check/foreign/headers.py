"""The words evaluators put over the columns of a score table, and on its
summary rows: data, not logic (tables.py reads it).

Each entry is (field, rank, words).  A header cell takes the field of the
first entry one of whose words it contains; when several columns claim the
same field, the one with the higher rank wins ("三级指标" beats a "绩效指标"
column that only says 指标), ties going to the leftmost.  Order matters where
one word contains another: 得分率 before 得分, 扣分原因 before 评分, 权重 before
三级指标 (a "三级指标 / 权重" column is the weight), 年度指标值 before 指标.
Add a synonym here when a real table uses one the reader does not know.
"""

from __future__ import annotations

HEADERS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("rate", 2, ("得分率", "得分比例")),
    ("reason", 2, ("扣分原因", "扣分说明", "扣分理由", "扣分依据", "扣分情况", "偏差原因")),
    ("target", 2, ("年度指标值", "指标值", "目标值", "年度目标", "年度工作目标")),
    ("actual", 2, ("实际完成值", "实际值", "全年实际值")),
    ("findings", 2, ("完成情况", "评价情况", "情况说明", "实际完成", "完成值", "评价说明", "佐证", "评分说明",
                     "得分说明", "评价意见")),
    ("criteria", 2, ("评分标准", "评分细则", "评分方法", "评分依据", "评分规则", "计分方法", "评价标准", "评分要点",
                     "考核标准", "评分办法")),
    ("explanation", 2, ("指标解释", "指标说明", "指标内涵", "指标释义", "解释")),
    ("weight", 2, ("权重", "分值", "标准分", "满分", "指标分值", "权数", "应得分")),
    ("level1", 2, ("一级指标", "一级")),
    ("level2", 2, ("二级指标", "二级")),
    ("name", 3, ("三级指标", "三级")),
    ("score", 2, ("得分", "评分", "评价得分", "实际得分", "自评得分", "复核得分", "评定分数", "评定得分")),
    ("name", 1, ("评价指标", "指标名称", "名称", "考核内容", "评价内容", "考核项目", "评价项目", "指标内容", "指标")),
)

# Labels of the rows that are not indicators.
TOTAL_LABELS = frozenset({"合计", "总计", "总分", "合计得分", "总得分", "累计得分", "综合得分", "合计分值"})
SUBTOTAL_LABELS = frozenset({"小计"})
GRADE_LABELS = ("评价等级", "等级", "评价结果", "评定等级", "绩效等级")

# The funds block of a 项目支出绩效自评表 (财预〔2020〕10号 附1 and the provinces' copies):
# a total row, the rows it is made of (its "其中" rows), and the columns that add up.
FUND_TOTAL_WORDS = ("资金总额",)
FUND_PART_WORDS = ("其中", "财政拨款", "上年结转", "其他资金")
FUND_COLUMN_WORDS = ("年初预算数", "全年预算数", "全年执行数", "预算数", "执行数")
