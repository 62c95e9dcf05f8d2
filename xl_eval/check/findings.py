"""What `xl-eval check` reports: the Finding record and the one catalogue of codes.

A finding is an immutable record (code, severity, sheet, cell, message, name).
It compares equal on (code, sheet, cell) only, so tests assert *what* was
found and *where*, and rewording a message never breaks a test.

Every code lives in CODES below, grouped by hundreds:

    XE1xx  the file: cannot be opened, not an xl-eval workbook, wrong
           framework, sheets or defined names missing
    XE2xx  inputs: blank, text instead of a number, negative, out of range,
           not an option, impossible combinations
    XE3xx  formulas: a computed cell typed over, altered or showing an error
    XE4xx  scores: shown values that differ from the engine's
    XE5xx  narrative: 完成情况 / 扣分原因 texts against the numbers
    XE6xx  the 项目明细 list against itself and the inputs
    XE7xx  foreign tables: evaluators' own workbooks and Word reports,
           read by their headers (xl_eval/check/foreign/)
    XE8xx  the 项目支出绩效自评表 (self-evaluation): scores, points, reasons,
           the reviewer's recurring findings

Severities: ``error`` (the table is wrong), ``warning`` (worth a look; a
human decides) and ``fatal`` (the file could not be checked at all: exit
code 2).  Each code has a Chinese and an English title and message template
with named fields; `xl-eval check --list-codes` and the docs print this
catalogue, and a test proves every code is produced by some mutation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

SEVERITIES = ("fatal", "error", "warning")
LANGS = ("zh", "en")


class Code(NamedTuple):
    severity: str
    title_zh: str
    title_en: str
    zh: str          # message template, str.format fields
    en: str


CODES: dict[str, Code] = {
    # ---- XE1xx: file, structure, identity
    "XE101": Code("fatal", "文件不存在", "File not found",
                  "文件不存在", "no such file"),
    "XE102": Code("fatal", "不是文件", "Not a file",
                  "这是一个文件夹，其中没有 .xlsx/.xlsm 工作簿", "this is a folder with no .xlsx/.xlsm workbook in it"),
    "XE103": Code("fatal", "空文件", "Empty file",
                  "文件为空（0 字节）", "the file is empty (0 bytes)"),
    "XE104": Code("fatal", "不是 xlsx 文件", "Not an xlsx file",
                  "不是 xlsx 工作簿（不是 zip 格式{hint}）；请在 Excel/WPS 中另存为 .xlsx",
                  "not an xlsx workbook (not a zip archive{hint}); save it as .xlsx in Excel/WPS"),
    "XE105": Code("fatal", "旧版 .xls 工作簿", "Old .xls workbook",
                  "这是旧版 Excel 97-2003（.xls）工作簿；请在 Excel/WPS 中另存为 .xlsx 后再检查",
                  "this is an old Excel 97-2003 (.xls) workbook; save it as .xlsx in Excel/WPS and check again"),
    "XE106": Code("fatal", "工作簿已加密", "Encrypted workbook",
                  "工作簿设置了打开密码（已加密），无法读取；请去掉密码另存后再检查",
                  "the workbook is password-protected (encrypted) and cannot be read; remove the password and save again"),
    "XE107": Code("fatal", "文件损坏或不完整", "Corrupt or truncated file",
                  "zip 压缩包损坏或不完整（{detail}）；文件可能没有传完整，请重新获取",
                  "the zip archive is corrupt or truncated ({detail}); the file may be incomplete, get it again"),
    "XE108": Code("fatal", "可疑的压缩包", "Suspicious archive (zip bomb)",
                  "拒绝解压：{part} {detail}，可能是压缩炸弹",
                  "refused to unpack: {part} {detail_en}; possibly a zip bomb"),
    "XE109": Code("fatal", "可疑的 XML", "Suspicious XML (DTD / entities)",
                  "拒绝解析：{part} 含有 DTD 或实体声明（可用于实体膨胀攻击），正常的 xlsx 不含这些内容",
                  "refused to parse: {part} has a DTD or entity declarations (entity expansion); a normal xlsx has none"),
    "XE110": Code("fatal", "xlsx 结构损坏", "Broken xlsx structure",
                  "不是可读取的 xlsx 工作簿：{detail}", "not a readable xlsx workbook: {detail}"),
    "XE111": Code("fatal", "不是 xl-eval 工作簿", "Not an xl-eval workbook",
                  "不是由 xl-eval 模板生成的工作簿（没有定义名称 xe_framework_id），无法按指标体系检查；"
                  "请使用 `xl-eval template` 生成的模板填写",
                  "not a workbook made from an xl-eval template (no defined name xe_framework_id); "
                  "fill in a template made by `xl-eval template`"),
    "XE112": Code("fatal", "框架不符", "Different framework",
                  "工作簿由框架 {workbook_id} 生成，检查使用的框架是 {framework_id}；请用 --framework 指定对应的框架文件",
                  "the workbook was made from framework {workbook_id}, the check uses {framework_id}; "
                  "pass the matching framework file with --framework"),
    "XE113": Code("fatal", "框架版本不符", "Different framework version",
                  "工作簿由框架 {framework_id} 的 {workbook_version} 版生成，检查使用的是 {framework_version} 版；"
                  "请用 --framework 指定 {workbook_version} 版的框架文件，或用新模板重新填写",
                  "the workbook was made from version {workbook_version} of {framework_id}, the check uses "
                  "version {framework_version}; pass that version with --framework or refill a new template"),
    "XE114": Code("warning", "框架内容不同", "Framework content differs",
                  "工作簿的框架指纹为 {workbook_hash}，检查使用的框架为 {framework_hash}（版本号相同但内容被改动过）；"
                  "以下结果按检查使用的框架计算",
                  "the workbook's framework fingerprint is {workbook_hash}, the check's framework is "
                  "{framework_hash} (same version, changed content); results follow the check's framework"),
    "XE115": Code("error", "缺少工作表", "Sheet missing",
                  "缺少工作表“{sheet_name}”（被删除或改名），其中的内容无法检查",
                  "sheet “{sheet_name}” is missing (deleted or renamed); its content cannot be checked"),
    "XE116": Code("error", "定义名称缺失或损坏", "Defined name missing or broken",
                  "缺少定义名称 {defined} 或其引用无效（{detail}），该单元格无法检查",
                  "defined name {defined} is missing or its reference is broken ({detail_en}); the cell cannot be checked"),
    "XE117": Code("fatal", "模板格式不支持", "Unsupported template format",
                  "工作簿的模板格式为 {found}，本版本 xl-eval 只支持 {supported}；请升级 xl-eval 或使用新模板",
                  "the workbook's template format is {found}; this xl-eval supports {supported}"),
    "XE118": Code("warning", "行列被插入或删除", "Rows or columns inserted or deleted",
                  "工作表“{sheet_name}”中 {count} 个名称不在模板位置（如 {example} 现在 {now}，模板为 {was}），"
                  "公式和评分参数未逐格核对；得分仍按名称核对",
                  "{count} names on sheet “{sheet_name}” are not where the template put them (e.g. {example} "
                  "is at {now}, was {was}); formulas and parameters were not compared cell by cell"),
    # ---- XE2xx: inputs
    "XE201": Code("error", "必填项为空", "Required input blank",
                  "“{label}”为必填项，不能为空", "“{label}” is required and is blank"),
    "XE202": Code("error", "数字写成了文本", "Number entered as text",
                  "“{label}”填的是文本“{raw}”而不是数字（{reason}），公式无法计算；可能是 {suggestion}，请填写数字",
                  "“{label}” holds the text “{raw}”, not a number ({reason_en}); formulas cannot use it; "
                  "it is probably {suggestion}, enter a number"),
    "XE203": Code("error", "不是数字", "Not a number",
                  "“{label}”应为数字，填的是“{raw}”（{reason}）",
                  "“{label}” must be a number, it holds “{raw}” ({reason_en})"),
    "XE204": Code("error", "负数", "Negative number",
                  "“{label}”不能为负数（填的是 {raw}）", "“{label}” cannot be negative (it holds {raw})"),
    "XE205": Code("error", "应为整数", "Not a whole number",
                  "“{label}”是个数，应为整数（填的是 {raw}）", "“{label}” is a count and must be whole (it holds {raw})"),
    "XE206": Code("error", "超出允许范围", "Out of range",
                  "“{label}”应在 {low} 到 {high} 之间（填的是 {raw}）",
                  "“{label}” must be between {low} and {high} (it holds {raw})"),
    "XE207": Code("error", "不是可选的值", "Not one of the options",
                  "“{label}”应为以下之一：{options}（填的是“{raw}”）",
                  "“{label}” must be one of: {options} (it holds “{raw}”)"),
    "XE208": Code("error", "数据互相矛盾", "Impossible combination",
                  "“{label}”（{value}）不能大于“{other_label}”（{other_value}）；打分表的公式照常计分，不提示这类矛盾",
                  "“{label}” ({value}) cannot exceed “{other_label}” ({other_value}); "
                  "the sheet's formulas score it anyway and do not flag it"),
    "XE209": Code("warning", "金额像是按元填写", "Amount looks like yuan",
                  "“{label}”为 {value} 万元，{why}，像是按元填写的；按万元应为 {suggestion}，请核实",
                  "“{label}” is {value} (10k yuan), {why}; it looks like it was entered in yuan: "
                  "{suggestion} in 10k yuan? Please verify"),
    "XE210": Code("warning", "决算数与预算数相差很大", "Final accounts far from budget",
                  "“{label}”（{value} 万元）是“{other_label}”（{other_value} 万元）的 {ratio}%，"
                  "相差超过 {share}%，请核实两个数是否同一口径、同一年度",
                  "“{label}” ({value}) is {ratio}% of “{other_label}” ({other_value}), more than {share}% apart; "
                  "check that both are for the same scope and year"),
    "XE211": Code("error", "得分无法计算", "Score cannot be computed",
                  "“{leaf}”的输入已填写，但得分无法计算：{why}；打分表中该得分、小计、总分和等级显示为空白",
                  "“{leaf}” has its inputs but cannot be scored: {why}; the sheet shows its score, "
                  "subtotals, total and grade blank"),
    "XE212": Code("error", "权重或分值合计不符", "Weights or row points do not add up",
                  "{message}；打分表照常按所填的数计分（“权重核对”或“自定义指标”的合计行显示同样的提示）",
                  "weights set by the evaluation or the points of rows the unit defines do not add up ({message}); "
                  "the sheet scores with them anyway"),
    # ---- XE3xx: formulas
    "XE301": Code("error", "公式被数值覆盖", "Formula typed over",
                  "应为 {expected}，现在是{actual}（公式被覆盖，结果不再随输入变化；从模板复制该单元格可恢复公式）",
                  "should be {expected}, holds {actual_en} (the formula was typed over; copy the cell from the "
                  "template to restore it)"),
    "XE302": Code("error", "公式被改动", "Formula altered",
                  "公式被改为 ={actual}；应为 {expected}（从模板复制该单元格可恢复原公式）",
                  "the formula was changed to ={actual}; it should give {expected} (copy the cell from the template "
                  "to restore it)"),
    "XE303": Code("error", "单元格显示错误值", "Cell shows an error",
                  "保存时显示错误值 {value}（缺少函数、引用失效或输入有误）",
                  "showed the error {value} when saved (missing function, broken reference or bad input)"),
    "XE304": Code("error", "评分参数被改动", "Scoring parameter changed",
                  "模板中的评分参数应为 {expected}，现在是{actual}（权重、分档、分值等来自框架，不应修改）",
                  "the template's scoring parameter should be {expected}, holds {actual_en} "
                  "(weights, bands and points come from the framework)"),
    # ---- XE4xx: scores (cached values against the engine)
    "XE401": Code("error", "得分与计算不符", "Leaf score differs",
                  "“{what}”显示 {shown}，按本表输入应为 {expected}",
                  "“{what}” shows {shown}; the inputs in this workbook give {expected}"),
    "XE402": Code("error", "子项得分与计算不符", "Sub-item score differs",
                  "“{what}”显示 {shown}，按本表输入应为 {expected}",
                  "“{what}” shows {shown}; the inputs in this workbook give {expected}"),
    "XE403": Code("error", "得分率与计算不符", "Score rate differs",
                  "“{what}”显示 {shown}，按本表输入应为 {expected}",
                  "“{what}” shows {shown}; the inputs in this workbook give {expected}"),
    "XE404": Code("error", "小计与计算不符", "Subtotal differs",
                  "“{what}”显示 {shown}，按本表输入应为 {expected}",
                  "“{what}” shows {shown}; the inputs in this workbook give {expected}"),
    "XE405": Code("error", "总分与计算不符", "Total differs",
                  "“{what}”显示 {shown}，按本表输入应为 {expected}",
                  "“{what}” shows {shown}; the inputs in this workbook give {expected}"),
    "XE406": Code("error", "等级与计算不符", "Grade differs",
                  "等级显示“{shown}”，按总分 {total} 应为“{expected}”",
                  "the grade shows “{shown}”; a total of {total} gives “{expected}”"),
    "XE407": Code("error", "得分超出范围", "Score out of range",
                  "“{what}”显示 {shown}，超出 0 到 {high} 的范围（按本表输入应为 {expected}）",
                  "“{what}” shows {shown}, outside 0 to {high} (the inputs give {expected})"),
    "XE408": Code("error", "比率与计算不符", "Rate differs",
                  "“{what}”显示 {shown}，按本表输入应为 {expected}",
                  "“{what}” shows {shown}; the inputs in this workbook give {expected}"),
    # ---- XE5xx: narrative
    "XE501": Code("error", "扣分未写原因", "Deduction without a reason",
                  "“{leaf}”得 {score} 分，低于权重 {weight} 分，但扣分原因为空",
                  "“{leaf}” scores {score} of {weight} but its 扣分原因 (deduction reason) is blank"),
    "XE502": Code("warning", "文字中的比率与计算不符", "Rate in the text differs",
                  "文字写“{quoted}”，按本表输入{rate_name}为 {expected}",
                  "the text says “{quoted}”; the inputs give {rate_name} = {expected}"),
    "XE503": Code("warning", "文字中的金额与输入不符", "Amount in the text differs",
                  "文字写“{quoted}”，本表“{label}”为 {expected} 万元",
                  "the text says “{quoted}”; “{label}” in this workbook is {expected} 万元"),
    "XE504": Code("warning", "文字中的年份不是评价年度", "Year in the text is not the evaluation year",
                  "文字写“{quoted}”，评价年度为 {year} 年；是否沿用了其他年度的数据或文字？",
                  "the text says “{quoted}” but the evaluation year is {year}; copied from another year?"),
    "XE505": Code("warning", "扣分原因中的扣分数不符", "Deduction in the reason differs",
                  "扣分原因写{quoted}，合计扣 {total} 分，实际扣 {expected} 分（权重 {weight} − 得分 {score}）",
                  "the reason says {quoted}, {total} points in all; the score deducts {expected} "
                  "(weight {weight} − score {score})"),
    "XE506": Code("warning", "完成情况为空", "完成情况 blank",
                  "“{leaf}”已计分（{score} 分），完成情况为空；评价报告要写明每个指标的完成情况",
                  "“{leaf}” is scored ({score}) but its 完成情况 (what was found) is blank; the report states it "
                  "for every indicator"),
    # ---- XE6xx: project list
    "XE601": Code("warning", "项目数与项目明细不符", "Count differs from the project list",
                  "“{label}”填 {value}，项目明细中为 {listed}（计分用填写的数字）",
                  "“{label}” is {value}, the project list gives {listed} (the entered number is scored)"),
    "XE602": Code("warning", "项目决算超过预算", "Project spent above budget",
                  "项目“{project}”决算金额 {final} 万元超过全年预算金额 {budget} 万元",
                  "project “{project}”: final {final} 万元 exceeds its budget {budget} 万元"),
    "XE603": Code("error", "项目名称为空", "Project without a name",
                  "项目明细第 {row} 行填了金额或完成情况，但项目名称为空",
                  "row {row} of the project list has amounts or a status but no project name"),
    "XE604": Code("error", "项目金额有误", "Bad project amount",
                  "项目“{project}”的{column}“{raw}”{reason}",
                  "project “{project}”: {column_en} “{raw}” {reason_en}"),
    "XE605": Code("error", "项目完成情况有误", "Bad project status",
                  "项目“{project}”的是否完成应填“是”或“否”（填的是“{raw}”）",
                  "project “{project}”: 是否完成 must be 是 or 否 (it holds “{raw}”)"),
    "XE606": Code("warning", "项目预算合计超过全年预算", "Project budgets exceed the full-year budget",
                  "项目明细全年预算金额合计 {listed} 万元，超过“{label}” {value} 万元",
                  "the project budgets add up to {listed} 万元, more than “{label}” {value} 万元"),
    # ---- XE7xx: foreign tables (evaluators' own workbooks, Word reports)
    "XE701": Code("fatal", "没有找到打分表", "No score table found",
                  "没有找到打分表：{detail}；需要一个列标题含“三级指标/评价指标/名称”“得分”和“权重/分值”或“得分率”的表格",
                  "no score table found: {detail_en}; a table with headers such as 三级指标/评价指标, 得分 and "
                  "权重/分值 or 得分率 is needed"),
    "XE702": Code("fatal", "Word 文档无法读取", "Word document unreadable",
                  "无法读取 Word 文档：{detail}", "cannot read the Word document: {detail_en}"),
    "XE703": Code("fatal", "缺少 python-docx", "python-docx missing",
                  "检查 Word 文档需要 python-docx；请运行 pip install \"xl-eval[report]\"",
                  "checking Word documents needs python-docx: pip install \"xl-eval[report]\""),
    "XE710": Code("warning", "行对应不到指标", "Row matches no indicator",
                  "“{node}”对应不到框架中的任何指标（按代码、名称、别名都找不到），未参与核对",
                  "“{node}” matches no indicator of the framework (code, name or alias); not compared"),
    "XE711": Code("warning", "表中缺少指标", "Indicator missing from the table",
                  "框架中的“{node}”（{path}，{weight} 分）不在{table}中",
                  "the framework's “{node}” ({path}, {weight} points) is not in {table}"),
    "XE712": Code("warning", "指标重复", "Indicator listed twice",
                  "“{node}”在本表中出现不止一次（另见 {other}），只核对第一次",
                  "“{node}” appears more than once (also at {other}); only the first is compared"),
    "XE713": Code("warning", "上级指标名称不符", "Parent indicator name differs",
                  "“{node}”所属的{level}写作“{shown}”，框架中为“{expected}”",
                  "the {level_en} of “{node}” reads “{shown}”, the framework has “{expected}”"),
    "XE714": Code("warning", "评分标准栏为空", "Scoring criteria blank",
                  "“{node}”的评分标准栏为空{hint}", "the scoring criteria of “{node}” are blank{hint_en}"),
    "XE715": Code("warning", "数字错列", "Numbers in the wrong columns",
                  "“{node}”这一行的数字不在各自的列中（{shown}），已按顺序读作{read}",
                  "the numbers of row “{node}” are not in their columns ({shown}); read in order as {read}"),
    "XE716": Code("warning", "数值无法读取", "Value unreadable",
                  "“{node}”的{column}“{raw}”不是数字，未参与核对",
                  "the {column_en} of “{node}”, “{raw}”, is not a number; not compared"),
    "XE717": Code("warning", "扣分未写原因", "Deduction without a reason",
                  "“{node}”得 {score} 分，低于权重 {weight} 分，但扣分原因为空",
                  "“{node}” scores {score} of {weight} but its 扣分原因 is blank"),
    "XE718": Code("warning", "评分标准分档有空档", "Gap between the criteria's bands",
                  "“{node}”的评分标准分档“{left}”与“{right}”之间有空档（{gap}），落在其中的值无法计分",
                  "the criteria of “{node}” leave a gap between “{left}” and “{right}” ({gap}); values there cannot be scored"),
    "XE719": Code("error", "得分超过评分标准的最高分", "Score above what the criteria can give",
                  "“{node}”得 {score} 分，但评分标准最多给 {points} 分",
                  "“{node}” scores {score} but its criteria give at most {points}"),
    "XE720": Code("error", "权重与框架不符", "Weight differs from the framework",
                  "“{node}”的权重写 {shown}，框架中为 {expected}",
                  "the weight of “{node}” reads {shown}, the framework has {expected}"),
    "XE721": Code("error", "得分超出范围", "Score out of range",
                  "“{node}”得分 {score} 超出 0 到权重 {weight} 的范围",
                  "the score of “{node}”, {score}, is outside 0 to its weight {weight}"),
    "XE722": Code("error", "得分率与得分不符", "Score rate differs from score / weight",
                  "“{node}”的得分率写 {shown}，得分 {score} ÷ 权重 {weight} = {expected}",
                  "the score rate of “{node}” reads {shown}; score {score} / weight {weight} = {expected}"),
    "XE723": Code("error", "小计与各行之和不符", "Subtotal differs from its rows",
                  "{what}写 {shown}，{rows}之和为 {expected}",
                  "{what_en} reads {shown}; its rows ({rows}) add up to {expected}"),
    "XE724": Code("error", "合计与各行之和不符", "Total differs from its rows",
                  "合计的{column}写 {shown}，各三级指标之和为 {expected}",
                  "the total {column_en} reads {shown}; the indicators add up to {expected}"),
    "XE725": Code("error", "等级与总分不符", "Grade differs from the total",
                  "等级写“{shown}”，总分 {total} 按等级划分应为“{expected}”",
                  "the grade reads “{shown}”; a total of {total} is “{expected}”"),
    "XE726": Code("error", "表格之间不一致", "Tables disagree",
                  "{table}中“{node}”的{column}为 {shown}，{other}中为 {expected}",
                  "{table}: the {column_en} of “{node}” is {shown}; {other} has {expected}"),
    "XE727": Code("warning", "评分标准分值与权重不符", "Criteria points differ from the weight",
                  "“{node}”的评分标准各项分值合计 {points} 分（{items}），权重为 {weight} 分",
                  "the criteria of “{node}” give {points} points in all ({items}); the weight is {weight}"),
    "XE728": Code("warning", "子项满分与所标分值不符", "Sub-item full marks differ from its points",
                  "“{node}”评分标准第 {item} 项标为 {points} 分，但满分写作“{quoted}”",
                  "item {item} of the criteria of “{node}” is worth {points} points but full marks read “{quoted}”"),
    "XE729": Code("warning", "评分标准要点未给分值", "Criteria points without values",
                  "“{node}”的评分标准列出 {n} 个要点，但没有给出各要点的分值或扣分办法",
                  "the criteria of “{node}” list {n} points without saying what each is worth"),
    "XE730": Code("warning", "文字中的扣分数不符", "Deduction in the text differs",
                  "文字写“{quoted}”，实际扣 {expected} 分（“{node}”权重 {weight} − 得分 {score}）",
                  "the text says “{quoted}”; the score deducts {expected} (“{node}”: weight {weight} − score {score})"),
    "XE731": Code("warning", "文字中的得分不符", "Score in the text differs",
                  "文字写“{quoted}”，“{node}”的{column}为 {expected}",
                  "the text says “{quoted}”; the {column_en} of “{node}” is {expected}"),
    "XE732": Code("warning", "文字中的年份不是评价年度", "Year in the text is not the evaluation year",
                  "文字写“{quoted}”，评价年度为 {year} 年；是否沿用了其他年度的数据或文字？",
                  "the text says “{quoted}” but the evaluation year is {year}; copied from another year?"),
    "XE733": Code("warning", "同一数据前后不一致", "The same figure with different values",
                  "“{quoted}”与{other_where}的“{other}”是同一数据，数值不同",
                  "“{quoted}” and “{other}” ({other_where}) are the same figure with different values"),
    "XE734": Code("error", "按所引数据重算的得分不符", "Score differs from the rule applied to the quoted figures",
                  "按文字所引数据（{inputs}）{detail}，“{node}”{what}应为 {expected} 分，表中为 {shown}",
                  "the figures quoted ({inputs}) give {detail}; “{node}” {what_en} should be {expected}, "
                  "the table has {shown}"),
    "XE735": Code("warning", "文字中的比率与所引数据不符", "Rate differs from the quoted figures",
                  "文字写“{quoted}”，按所引数据（{inputs}）{rate_name}为 {expected}",
                  "the text says “{quoted}”; the quoted figures ({inputs}) give {rate_name} = {expected}"),
    "XE736": Code("warning", "实际完成值未达年度指标值却得满分", "Full marks although the actual value misses the target",
                  "“{node}”年度指标值为 {target}，实际完成值为 {actual}，却得满分 {score} 分；请核对完成值或得分",
                  "“{node}”: target {target}, actual {actual}, yet full marks ({score}); check the value or the score"),
    "XE740": Code("error", "正文得分与表格不符", "Score in the body differs from the tables",
                  "正文写“{quoted}”，{table}中“{node}”的{column}为 {expected}",
                  "the body says “{quoted}”; {table} gives the {column_en} of “{node}” as {expected}"),
    "XE741": Code("error", "正文所称指标与数字不符", "Body names the wrong indicator",
                  "正文写“{quoted}”：{problem}", "the body says “{quoted}”: {problem_en}"),
    "XE743": Code("warning", "表格合计与各行之和不符", "Table total differs from its rows",
                  "{table}“{column}”列各行之和为 {expected}，{total_row}为 {shown}",
                  "{table}, column “{column}”: the rows add up to {expected}, the total row reads {shown}"),
    "XE744": Code("warning", "正文数字与表格不符", "Figure in the text differs from a table",
                  "文字写“{quoted}”，{table}“{row}”一行为 {values}",
                  "the text says “{quoted}”; {table}, row “{row}”, holds {values}"),
    "XE745": Code("warning", "项目数与项目表不符", "Project count differs from the project table",
                  "文字写“{quoted}”，{table}列出 {n} 个项目",
                  "the text says “{quoted}”; {table} lists {n} projects"),

    # ---- XE8xx: 项目支出绩效自评表 (check/selfeval.py)
    "XE801": Code("error", "自评得分与计分规则不符", "Self-evaluation score differs from the rules",
                  "“{what}”显示 {shown}，按本表的指标值和完成值应为 {expected}",
                  "“{what}” shows {shown}; from this sheet's targets and actuals it should be {expected}"),
    "XE802": Code("error", "计算单元格被改动", "Computed cell altered",
                  "“{what}”应为公式 {formula}，现在是 {found}",
                  "“{what}” should hold the formula {formula}; it holds {found}"),
    "XE803": Code("error", "分值合计不符", "Points do not add up",
                  "{block}各指标分值合计 {found}，应为 {expected}",
                  "the points of {block} add up to {found}, expected {expected}"),
    "XE804": Code("warning", "偏差未说明原因", "Deviation without a reason",
                  "指标“{indicator}”{deviation}，但“偏差原因分析及改进措施”为空",
                  "indicator “{indicator}”: {deviation_en}, but no deviation reason is given"),
    "XE805": Code("warning", "全部满分而无完成依据", "All full marks without evidence",
                  "全部 {n} 项绩效指标均为满分，但{why}；请核实完成情况和佐证材料",
                  "all {n} indicators score full marks, but {why_en}; verify the results and their evidence"),
    "XE806": Code("warning", "成本指标写成“≥”", "Cost indicator written as ≥",
                  "成本指标“{indicator}”的指标性质为“≥”（成本一般应为“≤”，越低越好）",
                  "cost indicator “{indicator}” has nature ≥ (a cost is normally ≤: the lower the better)"),
    "XE807": Code("warning", "完成值远超指标值而未说明", "Far above target without explanation",
                  "指标“{indicator}”完成率 {ratio}，达到指标值的 {limit} 以上{cut}，未说明原因（{hint}）",
                  "indicator “{indicator}”: completion {ratio}, at least {limit} of the target{cut_en}, without a reason "
                  "({hint_en})"),
    "XE808": Code("warning", "满意度无调查依据", "Satisfaction without a survey",
                  "满意度指标“{indicator}”得 {score} 分，但佐证材料和说明中没有问卷、调查或测评依据",
                  "satisfaction indicator “{indicator}” scores {score}, but no survey is named as evidence"),
    "XE809": Code("warning", "执行率低于90%未说明原因", "Execution below 90% without a reason",
                  "预算执行率 {rate}，低于 90%，但“执行偏差原因”为空",
                  "budget execution rate {rate} is below 90%, but no reason is given"),
    "XE810": Code("error", "全年执行数超过全年预算数", "Spent above the full-year budget",
                  "{source}全年执行数 {executed} 万元超过全年预算数 {budget} 万元",
                  "{source}: spent {executed} 万元, more than the full-year budget {budget} 万元"),
    "XE811": Code("error", "项目资金合计不符", "Money block does not add up",
                  "年度资金总额的{stage} {total} 万元不等于三项资金之和 {sum} 万元",
                  "the 年度资金总额 {stage} {total} 万元 differs from the sum of the three sources {sum} 万元"),
    "XE812": Code("error", "指标无法评定", "Indicator cannot be assessed",
                  "指标“{indicator}”{problem}",
                  "indicator “{indicator}”: {problem_en}"),
    "XE814": Code("warning", "同一指标重复设置", "The same indicator twice",
                  "指标“{indicator}”在{first}已经设置，同一指标只应计分一次",
                  "indicator “{indicator}” is already set under {first}; the same indicator counts once"),
    "XE813": Code("fatal", "自评表结构无法识别", "Self-evaluation sheet not recognised",
                  "{detail}", "{detail_en}"),
    "XE816": Code("warning", "未填写实际完成值", "Actual value missing",
                  "指标“{indicator}”未填写实际完成值，该指标、所在一级指标的小计和总分无法计算",
                  "indicator “{indicator}” has no actual value: it, its subtotal and the total cannot be scored"),
    "XE815": Code("error", "一级指标分值调整不符合规定", "Weights moved against the framework",
                  "{detail}（框架允许：{allowed}）", "{detail_en} (the framework allows: {allowed})"),
}


@dataclass(frozen=True)
class Finding:
    """One problem found in one workbook, at a sheet and cell (or defined name).

    Equality and hashing use (code, sheet, cell) only.
    """
    code: str
    severity: str = field(compare=False)
    sheet: str
    cell: str
    message: str = field(compare=False)
    name: str | None = field(default=None, compare=False)
    # Where the finding this one follows from is (e.g. the overwritten score a
    # subtotal and the total differ because of): reported under it, not on its own.
    caused_by: str | None = field(default=None, compare=False)

    @property
    def where(self) -> str:
        """'基础数据!C5', a defined name, or '' for the file as a whole."""
        if self.sheet:
            if not self.cell:
                return self.sheet
            # a Word table's cell reads "表格3（表4） 第2行第5列"; a sheet's "打分表!G5"
            return f"{self.sheet} {self.cell}" if self.cell.startswith("第") else f"{self.sheet}!{self.cell}"
        return self.name or ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def render(code: str, lang: str = "zh", **fields: Any) -> str:
    """The message of `code` in `lang` with its named fields filled in."""
    entry = CODES[code]
    template = entry.en if lang == "en" else entry.zh
    return template.format_map(_Fields(fields))


def make(code: str, sheet: str = "", cell: str = "", *, lang: str = "zh",
         name: str | None = None, **fields: Any) -> Finding:
    """A Finding of `code` with its catalogue severity and rendered message."""
    return Finding(code, CODES[code].severity, sheet or "", cell or "", render(code, lang, **fields), name)


class _Fields(dict):
    """Missing *_en fields fall back to the Chinese field; others to ''."""

    def __missing__(self, key: str) -> str:
        if key.endswith("_en") and key[:-3] in self:
            return str(self[key[:-3]])
        return ""


def unique(findings: list[Finding]) -> list[Finding]:
    """The findings in order, each (code, place, message) once: two checks may see one fault."""
    seen: set[tuple[str, str, str, str]] = set()
    out = []
    for f in findings:
        key = (f.code, f.sheet, f.cell, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def title(code: str, lang: str = "zh") -> str:
    entry = CODES[code]
    return entry.title_en if lang == "en" else entry.title_zh


def catalogue_lines(lang: str = "zh") -> list[str]:
    """One line per code: 'XE201 [error] 必填项为空'."""
    return [f"{code} [{entry.severity}] {title(code, lang)}" for code, entry in CODES.items()]
