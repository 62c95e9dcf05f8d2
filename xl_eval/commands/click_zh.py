"""click's own texts (Usage:, Options:, Error: Missing option, No such command …) in Chinese.

click looks each of its messages up through ``gettext`` (imported into each
of its modules as ``_`` and ``ngettext``).  ``use(lang)`` points those names
at the table below for "zh" and back at gettext for "en", so help and errors
read in one language; ``xl-eval --lang en …`` (or XL_EVAL_LANG=en) gives
click's English.  Strings not in the table stay as click wrote them.
"""

from __future__ import annotations

import gettext
import importlib

ZH = {
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "用“{command} {option}”查看帮助。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Option {name!r} does not take a value.": "选项 {name!r} 后面不能跟值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 后面要跟一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 后面要跟 {nargs} 个值。",
    "Got unexpected extra argument ({args})": "多出了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多出了参数（{args}）",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "{value!r} is not {choice}.": "{value!r} 不是可选的值 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是可选的值（{choices}）之一。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在允许的范围 {range} 内。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，不是文件。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，不是文件夹。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取（没有权限）。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入（没有权限）。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "Aborted!": "已中止。",
    "Did you mean {possibility}?": "是不是要用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是要用其中之一：{possibilities}？）",
    "Takes {nargs} values but 1 was given.": "要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "要 {nargs} 个值，给了 {len} 个。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 要 {nargs} 个值。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Missing command": "缺少命令",
}

_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils")


def _zh(message: str) -> str:
    return ZH.get(message, message)


def _zh_n(singular: str, plural: str, n: int) -> str:
    return _zh(singular if n == 1 else plural)


def use(lang: str) -> None:
    """Make click speak *lang* ("zh" or "en") from now on."""
    zh = lang != "en"
    for name in _MODULES:
        try:
            mod = importlib.import_module(f"click.{name}")
        except ImportError:       # a click without that module: nothing to translate there
            continue
        if hasattr(mod, "_"):
            mod._ = _zh if zh else gettext.gettext
        if hasattr(mod, "ngettext"):
            mod.ngettext = _zh_n if zh else gettext.ngettext


def lang_of(argv: list[str], environ) -> str:
    """'en' when the command line asks for it (--lang en / --lang=en) or XL_EVAL_LANG=en."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return "en" if argv[i + 1] == "en" else "zh"
        if arg.startswith("--lang="):
            return "en" if arg.split("=", 1)[1] == "en" else "zh"
    return "en" if (environ.get("XL_EVAL_LANG") or "").lower().startswith("en") else "zh"


METAVARS = {"zh": ("[选项]", "命令 [参数]..."), "en": ("[OPTIONS]", "COMMAND [ARGS]...")}


def metavars(command, lang: str) -> None:
    """The '[OPTIONS]' / 'COMMAND [ARGS]...' of every usage line, in *lang*."""
    import click
    options, sub = METAVARS["en" if lang == "en" else "zh"]
    command.options_metavar = options
    if isinstance(command, click.Group):
        command.subcommand_metavar = sub
        for child in command.commands.values():
            metavars(child, lang)
