"""`xl-eval report`: the evaluation report's score chapters as a Word document.

source.py     read a workbook: inputs by defined name, recomputed by the engine; texts; 打分表 grid; check
numbers.py    figures shown with the digits of the workbook cell that holds them
styles.py     A4, fonts (w:eastAsia), headings, page numbers, table helpers
document.py   one unit's report: 财预〔2020〕10号 附3 outline, chapters 三 and 四, annexes
templates.py  an institution's .docx as the style template
summary.py    the batch summary report for the finance bureau

python-docx is imported only here (the optional extra xl-eval[report]).
"""
