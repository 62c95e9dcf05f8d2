"""Score tables other evaluators published, transcribed as printed, built into
.xlsx (openpyxl) and .docx (python-docx) files for `xl-eval check` and
`xl-eval framework import` (tests/test_foreign_real.py).

Each SOURCE is one public table, with its address.  Only the part the public
copy shows in full is transcribed (a table the copy cuts off mid-row stops at
the last complete row); texts are as printed, including their spacing ("投 入"),
line breaks inside cells ("\\n") and ASCII punctuation where the copy has it.
``None`` in a row is a cell covered by the merged cell above it (the level
columns are merged down their groups, as in the originals).

Layouts they bring that the seed report does not have:

* hunan_yueyang: 一级/二级 cells carrying their points "投 入\\n(15分)", 评分标准
  before 分值, the score headed 自评得分, the last column 扣分原因和其他说明,
  sub-item points written "……,1分;" (no 计/得, no brackets);
* anhui_chizhou: a 项目支出绩效自评表: the 执行率 block above the indicator table,
  a merged 绩效指标 column left of 一级指标, 年度指标值 / 实际完成值 columns holding
  numbers, weights only in the 一级 names "产出指标(50分)", a 二级 row with no
  indicator under it (经济效益指标);
* yunnan_nanhua: the same form from another province, with weights like 10.3
  and 9.3, a row whose 实际完成值 is blank, a 成本指标 row with nothing in it, and
  the table cut by a page break that repeats "绩 效 指 标";
* dept_indicator_table: a 部门整体支出绩效评价指标表 whose header says 得分 four
  times: 一级指标 | 得分 | 二级指标 | 得分 | 三级指标 | 得分 | 评价标准 | 指标说明 |
  得分, the first three holding the levels' points and the last the score,
  with the report's 基础数据表 (三公经费 by year) before it;
* sichuan_dazhou: no 分值 column at all, the points only in the names "相关性(5分)",
  a blank 得分 column, and a row for the unit's own indicators with no points;
* intermediary_quality: a 4-column 考核内容 | 分值 | 评分标准 | 评定分数 sheet whose
  tree is in one column by its numbering (一、 / （一）) and whose scores are blank.
"""

from __future__ import annotations

from pathlib import Path

M = None     # covered by the merged cell above
L = ()       # covered by the merged cell to the left

SOURCES: dict[str, dict] = {}

# ---------------------------------------------------------------- Hunan
# 岳阳市（湖南）: 部门整体支出绩效评价评分表, https://glj.yueyang.gov.cn/6173/6181/content_1705915.html
# The public copy shows 投入, 预算执行 and two rows of 预算管理 in full; it is cut at
# 预决算信息公开性和完善性 (so 过程 "(40分)" and 预算管理 "(15分)" are more than the rows here).
SOURCES["hunan_yueyang"] = {
    "url": "https://glj.yueyang.gov.cn/6173/6181/content_1705915.html",
    "province": "湖南",
    "kind": "xlsx",
    "sheet": "评分表",
    "before": [],
    "header": [["一级指标", "二级指标", "三级指标", "评分标准", "分值", "自评得分", "扣分原因和其他说明"]],
    "rows": [
        ["投 入\n(15分)", "预算配置\n(15分)", "财政供养人员\n控制率",
         "以100%为标准。在职人员控制率≦100%,计5分;每超过一个百分点扣0.5分,扣完为止。", "5", "5", ""],
        [M, M, "“三公经费”\n变动率",
         "“三公经费”变动率≦0,计5分;\n“三公经费”>0,每超过一个百分点扣0.5分,扣完为止。", "5", "5", ""],
        [M, M, "重点支出\n安排率",
         "重点支出安排率≥90%,计5分;80%(含)-90%,计4分;70%(含)-80%,计3分;60%(含)-70%,计2分;低于60%不得分。",
         "5", "5", ""],
        ["过 程\n(40分)", "预算执行\n(15分)", "预算调整率",
         "预算调整率=0,计3分;0-10%(含),计2分;10-20%(含),计1分;20-30%(含),计0.5分;大于30%不得分。", "3", "3", ""],
        [M, M, "支付进度",
         "春节前下达全部专项资金的50%;6月底前所有专项资金指标全部下达完。\n每出现一个专项未按进度完成资金下达扣0.5分,扣完为止。",
         "3", "3", ""],
        [M, M, "资金结余", "无结余,3分;有结余,但不超过上年结转,2分;结余超过上年结转,不得分。", "3", "3", ""],
        [M, M, "“三公经费”\n控制率", "以100%为标准。三公经费控制率≦100%,计6分;\n每超过一个百分点扣1分,扣完为止。",
         "6", "6", ""],
        [M, "预算管理\n(15分)", "管理制度\n健全性",
         "①已制定或具有预算资金管理办法,内部财务管理制度、会计核算制度等管理制度,1分;\n"
         "②相关管理制度合法、合规、完整,1分;\n③相关管理制度得到有效执行,1分。", "3", "3", ""],
        [M, M, "资金使用\n合规性",
         "①支出符合国家财经法规和财务管理制度规定以及有关专项资金管理办法的规定;\n②资金拨付有完整的审批程序和手续;\n"
         "③项目支出按规定经过评估论证;\n④支出符合部门预算批复的用途;\n⑤资金使用无截留、挤占、挪用、虚列支出等情况。\n"
         "以上情况每出现一例不符合要求的扣1分,扣完为止。", "3", "3", ""],
    ],
    "leaves": ["财政供养人员控制率", "“三公经费”变动率", "重点支出安排率", "预算调整率", "支付进度", "资金结余",
               "“三公经费”控制率", "管理制度健全性", "资金使用合规性"],
    "weights": [5, 5, 5, 3, 3, 3, 6, 3, 3],
    "level1": [("投入", 15), ("过程", 21)],
    "level2": [("预算配置", 15), ("预算执行", 15), ("预算管理", 6)],
}

# ---------------------------------------------------------------- Anhui
# 池州市贵池区棠溪镇人民政府（安徽）: 项目支出绩效自评表（2022年度）, 委托业务项目,
# http://www.anthempetcare.com/upload_cz/download?id=502364&siteId=2 (a copy of the
# published document).  The copy is cut after "满意度指标(10分) 满意度指标 公众满", so the
# table stops at 效益.  The 年度资金总额 row prints 0 | 0 | 0 | 10 | 0 | 0 while its
# 其中:本年财政拨款 row prints 90 | 89.974 | 89.974.
SOURCES["anhui_chizhou"] = {
    "url": "http://www.anthempetcare.com/upload_cz/download?id=502364&siteId=2",
    "province": "安徽",
    "kind": "docx",
    "before": ["附件:", "项目支出绩效自评表", "(2022年度)"],
    "header": [
        ["项目名称", "委托业务项目", L, L, L, L, L, L, L],
        ["主管部门", "219-池州市贵池区棠溪镇人民政府", L, L, "实施单位", "219001-池州市贵池区棠溪镇人民政府", L, L, L],
        ["项目资金\n(万元)", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", ""],
        [M, "年度资金总额:", "0", "0", "0", "10", "0", "0", ""],
        [M, "其中:本年财政拨款", "90", "89.974", "89.974", "", "", "", ""],
        [M, "上年结转资金", "", "", "", "", "", "", ""],
        [M, "其他资金", "", "", "", "", "", "", ""],
        ["年度总体目标", "预期目标", L, L, L, "实际完成情况", L, L, L],
        [M, "本项目共申请预算资金90万元。其中:30万元用于基建工程项目预算编制;30万元用于基建工程项目审计;"
            "30万元用于基建工程项目设计、规划、测绘。", L, L, L,
         "本项目共完成预算资金89.97万元。其中:30万元用于基建工程项目预算编制;30万元用于基建工程项目审计;"
         "29.99万元用于基建工程项目设计、规划、测绘。", L, L, L],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
    ],
    "rows": [
        [M, "产出指标(50分)", "数量指标", "基建工程委托业务项目数量", "≥50个", "50", "8", "8", ""],
        [M, M, "质量指标", "委托业务报告合格率", "≥100百分比", "100", "8", "8", ""],
        [M, M, M, "经费支出合规性", "严格执行相关制度规定", "达成预期指标", "8", "8", ""],
        [M, M, "时效指标", "提交报告及时性", "在项目计划完成时间内完成", "达成预期指标", "8", "8", ""],
        [M, M, "成本指标", "项目总成本", "≤90万元", "90", "8", "8", ""],
        [M, M, M, "单项业务成本", "符合相关规定", "达成预期指标", "10", "10", ""],
        [M, "效益指标(30分)", "社会效益指标", "对维护基建市场公平的影响程度", "效果明显", "达成预期指标", "10", "10", ""],
        [M, M, "生态效益指标", "对控制基建项目成本影响程度", "效果明显", "达成预期指标", "10", "10", ""],
        [M, M, "可持续影响指标", "对推动基建项目“四项制度”健全和落实的持续性影响", "效果明显", "达成预期指标", "10", "10", ""],
        [M, M, "经济效益指标", "", "", "", "", "", ""],
    ],
    "leaves": ["基建工程委托业务项目数量", "委托业务报告合格率", "经费支出合规性", "提交报告及时性", "项目总成本",
               "单项业务成本", "对维护基建市场公平的影响程度", "对控制基建项目成本影响程度",
               "对推动基建项目“四项制度”健全和落实的持续性影响"],
    "weights": [8, 8, 8, 8, 8, 10, 10, 10, 10],
    "level1": [("产出指标", 50), ("效益指标", 30)],
    "level2": [("数量指标", 8), ("质量指标", 16), ("时效指标", 8), ("成本指标", 18), ("社会效益指标", 10),
               ("生态效益指标", 10), ("可持续影响指标", 10)],
}

# ---------------------------------------------------------------- Yunnan
# 南华县（云南楚雄）: 项目支出绩效自评表, 南华县乡村振兴示范园罗家屯社区野生菌加工车间建设项目（续建）,
# https://www.ynnh.gov.cn/info/17693/347777.htm.  The public copy shows the 产出 part; the
# 效益 part after the page break ("绩 效 指 标 | 效益…") is cut off.  The 变压器 row prints
# three numbers (3 | 9.3 | 9.3): the 分值 9.3 makes 产出 add up to its 50 points
# (10.3 + 9.3 + 9.3 + 10.8 + 10.3), so its 实际完成值 is the blank one.
SOURCES["yunnan_nanhua"] = {
    "url": "https://www.ynnh.gov.cn/info/17693/347777.htm",
    "province": "云南",
    "kind": "xlsx",
    "sheet": "自评表",
    "before": [],
    "header": [
        ["项目名称", "南华县乡村振兴示范园罗家屯社区野生菌加工车间建设项目(续建)", L, L, L, L, L, L, L],
        ["主管部门", "南华县农业农村局", L, L, "实施单位", "南华县国有资本管理有限公司", L, L, L],
        ["项目资金 (万元)", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", ""],
        [M, "年度资金总额", "1100", "1100", "1100", "10", "100%", "10", ""],
        [M, "其中:当年财政拨款", "1100", "1100", "1100", "—", "100%", "—", ""],
        [M, "上年结转资金", "", "", "", "", "—", "—", ""],
        [M, "其他资金", "", "", "", "", "—", "—", ""],
        ["年度总体目标", "预期目标", L, L, L, "实际完成情况", L, L, L],
        [M, "目标1:1290.3平方米冷库仓储建设及配套生产设备、配套电力设施购置安装,冷库仓储3100元每平方米,投资400万元;"
            "目标2:配套烘干杀菌设备及包装设备购置及安装550万元;目标3:配套电力设施1250KVA变压器3台,"
            "完成高压线接入及土建安装投资150万元。", L, L, L,
         "目标1:1290.3平方米冷库仓储建设及配套生产设备、配套电力设施购置安装,冷库仓储3100元每平方米,投资400万元;"
         "目标2:配套烘干杀菌设备及包装设备购置及安装550万元;目标3:配套电力设施1250KVA变压器3台,"
         "完成高压线接入及土建安装投资150万元。", L, L, L],
        ["绩 效 指 标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
    ],
    "rows": [
        [M, "产出指标(50分)", "数量指标", "1290.3平方米冷库仓储建设及配套生产设备、配套电力设施购置安装", "≥1290.3平方米",
         "1290.3平方米", "10.3", "10.3", ""],
        [M, M, M, "配套烘干杀菌设备及包装设备购置及安装", "550", "20", "9.3", "9.3", ""],
        [M, M, M, "配套电力设施1250KVA变压器3台", "3", "", "9.3", "9.3", ""],
        [M, M, "经济效益 指标", "奖补资金兑付率(%)", "≥100%", "≥100%", "10.8", "10.8", ""],
        [M, M, "时效指标", "任务完成时限(月)", "10", "10", "10.3", "10.3", ""],
        [M, M, "成本指标", "", "", "", "", "", ""],
        ["绩 效 指 标", "效益", "", "", "", "", "", "", ""],
    ],
    "leaves": ["1290.3平方米冷库仓储建设及配套生产设备、配套电力设施购置安装", "配套烘干杀菌设备及包装设备购置及安装",
               "配套电力设施1250KVA变压器3台", "奖补资金兑付率(%)", "任务完成时限(月)"],
    "weights": [10.3, 9.3, 9.3, 10.8, 10.3],
    "level1": [("产出指标", 50)],
    "level2": [("数量指标", 28.9), ("经济效益指标", 10.8), ("时效指标", 10.3)],
}

# ------------------------------------------------- 部门整体支出绩效评价指标表
# 部门整体支出绩效评价基础数据表 and 指标表 of a 2018 部门整体支出 self-evaluation,
# https://wanglu.net/thread/t4-462766-0.html (a public copy of the report's 附件3; the
# copy is cut inside the 预算控制率 row, whose score is not shown, so that row ends blank).
# The copy renders "≤" as "Q" and drops the quotes around 三公经费; ≤ is restored here.
SOURCES["dept_indicator_table"] = {
    "url": "https://wanglu.net/thread/t4-462766-0.html",
    "province": "（原件未注明）",
    "kind": "docx",
    "before": ["附件3:", "部门整体支出绩效评价基础数据表"],
    "money": {
        "unit": "填报单位: 单位:万元",
        "rows": [
            ["经费控制情况", "2017年决算数", "2018年预算数", "2018年决算数"],
            ["三公经费", "29.08", "63.46", "44.29"],
            ["1、公务用车购置和维护经费", "11.86", "41.46", "39.30"],
            ["其中:公车购置", "", "29.46", "29.46"],
            ["公车运行维护", "11.86", "12", "9.84"],
            ["2、出国经费", "", "", ""],
            ["3、公务接待", "17.22", "22", "4.99"],
        ],
    },
    "caption": "部门整体支出绩效评价指标表",
    "header": [["一级指标", "得分", "二级指标", "得分", "三级指标", "得分", "评价标准", "指标说明", "得分"]],
    "rows": [
        ["投入", "16", "预算配置", "16", "在职人员控制率", "8",
         "以100%为标准.在职人员控制率≤100%,计8分;\n每超过一个百分点扣0.5分,扣完为止.",
         "本单位2018年年末实际在职人员为136人,占编委核定的落实编制数143人的比率为95.10%.", "8"],
        [M, M, M, M, "三公经费变动率", "8", "三公经费变动率≤0,计8分;\n三公经费>0,每超过一个百分点扣0.8分,扣完为止.",
         "2018年度本单位预算安排三公经费总额为63.46万元,而2017年度预算安排的三公经费总额为32万元.本单位三公经费变动率="
         "(本年度三公经费预算数-上年度三公经费预算数)÷上年度=(63.46-32)÷32=98.31%", "0"],
        ["过程", "58", "预算执行", "16", "预算完成率", "8", "100%计满分,每低于5%扣2分,扣完为止.",
         "年初结余未19.8万元;\n预算1922.76万元,本年追加预算767.86万元;\n年未结余数19.8万元.计算本单位预算完成率99.27%.",
         "8"],
        [M, M, M, M, "预算控制率", "8", "预算控制率=0,计8分;\n0-10%(含),计6分;\n10-20%(含),计4分;\n20-30%(含),计2分;\n大于30%不得分",
         "本年预算追加数为767.86万元,年初预算为1922.76", ""],
    ],
    "leaves": ["在职人员控制率", "三公经费变动率", "预算完成率", "预算控制率"],
    "weights": [8, 8, 8, 8],
    "level1": [("投入", 16), ("过程", 16)],
    "level2": [("预算配置", 16), ("预算执行", 16)],
}

# ------------------------------------------------- 4-column, tree by numbering
# 附件8: 中介机构绩效评价报告质量考核评分表, https://max.book118.com/html/2017/0624/117773641.shtm
# (uploaded 2017-06-24; the public preview shows 一、 to 三、(二)依据支撑 "10 | 2.依据充分…",
# cut inside that row's criteria, so that row's text ends where the copy does).
# (二)表格填写 has two scored rows (items 2. and 3., 2 points each): the second has no name.
SOURCES["intermediary_quality"] = {
    "url": "https://max.book118.com/html/2017/0624/117773641.shtm",
    "province": "（原件未注明）",
    "kind": "xlsx",
    "sheet": "考核评分表",
    "before": ["附件8:", "中介机构绩效评价报告质量考核评分表"],
    "header": [["考核内容", "分值", "评分标准", "评定分数"]],
    "rows": [
        ["一、报告格式", "6", "", ""],
        ["(一)封面填写", "2", "1.封面各要素填写规范的,计2分;项目名称、项目单位、主管部门、评价类型、评价日期每少一项扣0.4分,扣完为止。", ""],
        ["(二)表格填写", "2", "2.表格部分填写齐全且符合要求的,计2分;每有一项填写不完整或不按要求填写的,扣0.2分,扣完为止。", ""],
        ["", "2", "3.评价计分正确、分值计算散总一致、评分与评级相符的,计2分;评价计分错一处扣0.3分,分值计算散总不符扣0.3分,"
                  "评分与等级不符扣0.3分,扣完为止。", ""],
        ["二、报告内容", "14", "", ""],
        ["(一)要素完备", "2", "1.评价报告基本要素齐全的,计2分;标题、被评价单位名称、评价项目名称、内容、出具单位名称、日期等要素每少一项,"
                          "扣0.5分,扣完为止。", ""],
        ["(二)内容齐全", "8", "2.评价报告严格按照评价报告编写提纲要求进行撰写的,计8分;评价报告每缺失一项内容或重复一个部分,扣1分,扣完为止。", ""],
        ["(三)文字语言", "4", "3.评价报告准确规范、严谨、通俗易懂、文字通顺、流畅、措辞得当,计3分。表述不清楚、行文不流畅、用词不准确,"
                          "有明显的语法、常识、逻辑错误和错别字的,每处扣0.5分;评价报告严格按照“备注”规定排版印制的,计1分。"
                          "每有一处未按规定格式排版印制的,扣0.2分,扣完为止。", ""],
        ["三、绩效反映", "20", "", ""],
        ["(一)绩效陈述", "10", "1.绩效情况分点陈述,观点清晰,有归纳句,计5分。评价报告绩效陈述无归纳、逻辑混乱扣1-2分;绩效陈述明确,"
                          "有充足的数据或例证支撑,计5分。每发现一处绩效陈述不清楚、不明确扣1分,无绩效陈述不得分(实际未产生绩效的项目除外),"
                          "扣完为止。", ""],
        ["(二)依据支撑", "10", "2.依据充分,条理清晰,数据准确,关联性强", ""],
    ],
    "leaves": ["封面填写", "表格填写", "要素完备", "内容齐全", "文字语言", "绩效陈述", "依据支撑"],
    "weights": [2, 4, 2, 8, 4, 10, 10],
    "level1": [("报告格式", 6), ("报告内容", 14), ("绩效反映", 20)],
    "level2": [],
}


# ---------------------------------------------------------------- Sichuan
# 达州市农业农村局（四川）: 部门整体支出绩效评价得分表, http://nyj.dazhou.gov.cn/xxgk-show-16453.html
# (the first table of the page).  No 分值 column: every indicator carries its points in
# its name; 履职成效(20分) has one row "部门特性指标" (the unit's own indicators) and three
# blank rows under it; the 得分 column is blank (a form to fill in).
SOURCES["sichuan_dazhou"] = {
    "url": "http://nyj.dazhou.gov.cn/xxgk-show-16453.html",
    "province": "四川",
    "kind": "docx",
    "before": ["部门整体支出绩效评价得分表"],
    "header": [["一级指标", "二级指标", "三级指标", "得分"]],
    "rows": [
        ["部门决策(25分)", "目标任务(15分)", "相关性(5分)", ""],
        [M, M, "明确性(5分)", ""],
        [M, M, "合理性(5分)", ""],
        [M, "预算编制(10分)", "测算依据(5分)", ""],
        [M, M, "目标管理(5分)", ""],
        ["综合管理(30分)", "专项资金分配时限(2分)", "市级财力专项预算分配时限(1分)", ""],
        [M, M, "中央专款分配合规率(1分)", ""],
        [M, "中期评估(2分)", "执行中期评估(2分)", ""],
        [M, "绩效监控(5分)", "预算执行进度监控(2分)", ""],
        [M, M, "绩效目标动态监控(3分)", ""],
        [M, "非税收入执收情况(2分)", "非税收入征收情况(1分)", ""],
        [M, M, "非税收入上缴情况(1分)", ""],
        [M, "资产管理(6分)", "资产管理信息化情况(2分)", ""],
        [M, M, "行政事业单位资产报告情况(2分)", ""],
        [M, M, "资产管理与预算管理相结合(2分)", ""],
        [M, "内控制度管理(2分)", "内部控制度健全完整(2分)", ""],
        [M, "信息公开(6分)", "预算公开(2分)", ""],
        [M, M, "决算公开(2分)", ""],
        [M, M, "绩效信息公开(2分)", ""],
        [M, "绩效评价(5分)", "绩效评价开展(2分)", ""],
        [M, M, "评价结果应用(3分)", ""],
        ["部门绩效情况(45分)", "履职成效(20分)", "部门特性指标", ""],
        [M, M, "", ""],
        [M, M, "", ""],
        [M, M, "", ""],
        [M, "可持续发展能力(15分)", "重点改革(重点工作)完成情况(5分)", ""],
        [M, M, "科技(制度、方法、机制等)创新(5分)", ""],
        [M, M, "人才培养(5分)", ""],
        [M, "满意度(10分)", "协作部门满意度(3分)", ""],
        [M, M, "管理对象满意度(3分)", ""],
        [M, M, "社会公众满意度(4分)", ""],
    ],
    "leaves": ["相关性", "明确性", "合理性", "测算依据", "目标管理", "市级财力专项预算分配时限", "中央专款分配合规率",
               "执行中期评估", "预算执行进度监控", "绩效目标动态监控", "非税收入征收情况", "非税收入上缴情况",
               "资产管理信息化情况", "行政事业单位资产报告情况", "资产管理与预算管理相结合", "内部控制度健全完整",
               "预算公开", "决算公开", "绩效信息公开", "绩效评价开展", "评价结果应用", "部门特性指标",
               "重点改革(重点工作)完成情况", "科技(制度、方法、机制等)创新", "人才培养", "协作部门满意度",
               "管理对象满意度", "社会公众满意度"],
    "weights": [5, 5, 5, 5, 5, 1, 1, 2, 2, 3, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 20, 5, 5, 5, 3, 3, 4],
    "level1": [("部门决策", 25), ("综合管理", 30), ("部门绩效情况", 45)],
    "level2": [("目标任务", 15), ("预算编制", 10), ("专项资金分配时限", 2), ("中期评估", 2), ("绩效监控", 5),
               ("非税收入执收情况", 2), ("资产管理", 6), ("内控制度管理", 2), ("信息公开", 6), ("绩效评价", 5),
               ("履职成效", 20), ("可持续发展能力", 15), ("满意度", 10)],
}


def _rows(src: dict) -> list[list]:
    return [list(r) for r in src["header"]] + [list(r) for r in src["rows"]]


def _merges(rows: list[list]) -> list[tuple[int, int, int, int]]:
    """(first row, first col, last row, last col), 0-based, of each merged area:
    M extends the area above it down, L the area to its left rightwards."""
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is M and i:
                owner[(i, j)] = owner[(i - 1, j)]
            elif v is L and j:
                owner[(i, j)] = owner[(i, j - 1)]
            else:
                owner[(i, j)] = (i, j)
    areas: dict[tuple[int, int], list[int]] = {}
    for (i, j), (a, b) in owner.items():
        box = areas.setdefault((a, b), [a, b, a, b])
        box[2], box[3] = max(box[2], i), max(box[3], j)
    return [tuple(v) for v in areas.values() if (v[0], v[1]) != (v[2], v[3])]


def build_xlsx(name: str, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    src = SOURCES[name]
    rows = _rows(src)
    wb = Workbook()
    ws = wb.active
    ws.title = src["sheet"]
    top = 1
    for text in src["before"]:
        ws.cell(top, 1).value = text
        top += 1
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is not M and v is not L and v != "":
                cell = ws.cell(top + i, j + 1)
                cell.value = _typed(v)
                cell.alignment = Alignment(wrap_text=True, vertical="center")
    for a, b, c, d in _merges(rows):
        ws.merge_cells(start_row=top + a, start_column=b + 1, end_row=top + c, end_column=d + 1)
    wb.save(path)
    return path


def _typed(text: str):
    """Numbers typed as numbers (an evaluator types 9.3, not "9.3"); other text as is."""
    try:
        x = float(text)
    except ValueError:
        return text
    return int(x) if x.is_integer() and "." not in text else x


def build_docx(name: str, path: Path) -> Path:
    import docx
    src = SOURCES[name]
    d = docx.Document()
    for text in src["before"]:
        d.add_paragraph(text)
    money = src.get("money")
    if money:
        d.add_paragraph(money["unit"])
        t = d.add_table(rows=len(money["rows"]), cols=len(money["rows"][0]))
        for i, r in enumerate(money["rows"]):
            for j, text in enumerate(r):
                t.cell(i, j).text = text
    if src.get("caption"):
        d.add_paragraph(src["caption"])
    rows = _rows(src)
    width = max(len(r) for r in rows)
    t = d.add_table(rows=len(rows), cols=width)
    for i, r in enumerate(rows):
        for j, text in enumerate(r):
            if text is not M and text is not L and text != "":
                t.cell(i, j).text = text
    for a, b, c, e in _merges(rows):
        text = rows[a][b]
        merged = t.cell(a, b).merge(t.cell(c, e))
        merged.text = text or ""
    d.save(path)
    return path


def build(name: str, directory: Path) -> Path:
    src = SOURCES[name]
    path = Path(directory) / f"{name}.{src['kind']}"
    return (build_xlsx if src["kind"] == "xlsx" else build_docx)(name, path)
