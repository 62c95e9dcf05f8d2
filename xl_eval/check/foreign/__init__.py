"""Checking score tables that xl-eval did not make: evaluators' own .xlsx
workbooks and the tables and sentences of Word (.docx) reports.

    grid / xlsx_source / docx_source   files -> Grids (cells as shown) and paragraphs
    tables                             Grids -> score tables found by their headers -> records
    mapping                            records and names -> framework nodes (code, name, aliases)
    context                            what the checks share
    table_checks                       weights, ranges, 得分率, sums, grade, tables vs each other, criteria
    text_checks                        扣N分 / 得N分, years, the same figure twice, rules recomputed
    body_checks                        the report's sentences vs the tables; money and project tables
    run                                check_foreign(path, fw) -> CheckResult
    importer                           a draft framework YAML from a score table
"""
