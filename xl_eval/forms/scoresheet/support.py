"""Format-2 features (xl_eval/framework/features.py) the 打分表 workbook renders.

`xl-eval template` and `xl-eval fill` refuse a framework using a feature not
listed here (exit 2, Chinese message) rather than write a wrong sheet; add a
key once the layout renders it and the LibreOffice tests cover it.
"""

# level_names: the headers of 打分表/汇总/评分参数 are the framework's names (three levels);
# no_grades: the grade cells stay blank and the notes say there are no grades;
# total_weight: totals and 得分率 use the framework's total, the column is headed 分值.
# tests/test_template_v2.py recalculates such a framework in LibreOffice.
# target_rules, rule_options, overflow, input_kinds: rule_formulas.py, template.input_validation;
# tests/test_template_rules_libreoffice.py recalculates tests/fixtures/v2_rules.yaml.
# tree_shape: 2-4 levels, nodes scored above the last level (tests/test_template_shape.py);
# open_weights: weight input cells on 打分表 and a live 权重核对 row;
# rows: the 自定义指标 sheet (its ≥ ≤ = 定性 rows take their formulas from rule_formulas.py);
# row_rules: a rows block's pass threshold, over-target and actual bands (and the 定性 tier
#   edges of every block) as 评分参数 cells the row formulas reference;
# adjustable_weights: the weight an input cell on 打分表, prefilled with the default, validated,
#   the weight used (blank: the default) on 评分参数 and a live 权重核对 row;
# tests/test_template_row_rules_libreoffice.py recalculates both.
# The XE function variant (template --udf) renders every key here too: a new key needs its udf
# cells in layout.py and a case in tests/test_template_udf_frameworks.py (which fails otherwise).
SUPPORTED: frozenset[str] = frozenset({"level_names", "no_grades", "total_weight",
                                       "target_rules", "rule_options", "overflow", "input_kinds",
                                       "tree_shape", "open_weights", "rows", "row_rules",
                                       "adjustable_weights"})
FORM_NAME = "打分表模板"
