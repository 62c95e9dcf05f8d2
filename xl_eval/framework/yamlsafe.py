"""Reading a framework file without trusting it.

A framework is a small text file written by a person.  Before any YAML
object is built this module bounds what a hostile file can cost:

* only regular files, read up to MAX_BYTES (a FIFO, /dev/zero or a huge file
  is refused without reading it all);
* YAML aliases: the event stream is scanned first and the size every alias
  would expand to is added up; more than MAX_NODES nodes after expansion
  ("billion laughs") or nesting deeper than MAX_DEPTH is refused before
  anything is expanded;
* only plain YAML types (SafeLoader): ``!!python/...`` tags are refused.

Every refusal is a (key path, Chinese message) problem for FrameworkError.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 2_000_000
MAX_NODES = 200_000
MAX_DEPTH = 60
MAX_ALIASES = 1_000

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Refused(Exception):
    def __init__(self, where: str, message: str):
        super().__init__(message)
        self.where = where
        self.message = message


def read_text(path: Path) -> str:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise Refused("", "文件不存在") from None
    except OSError as exc:
        raise Refused("", f"无法读取：{exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise Refused("", "这是文件夹，不是框架文件")
    if not stat.S_ISREG(st.st_mode):
        raise Refused("", "不是普通文件（管道、设备等），不读取")
    if st.st_size > MAX_BYTES:
        raise Refused("", f"文件过大（{st.st_size} 字节，框架文件最多 {MAX_BYTES} 字节）")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise Refused("", f"无法读取：{exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise Refused("", f"文件过大（框架文件最多 {MAX_BYTES} 字节）")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refused("", f"无法读取（需为 UTF-8 文本）：第 {exc.start} 字节") from None


def _line(event) -> str:
    mark = getattr(event, "start_mark", None)
    return f"第 {mark.line + 1} 行" if mark is not None else ""


def check_expansion(text: str) -> None:
    """Refuse alias bombs and deep nesting by scanning events (nothing is expanded)."""
    sizes: dict[str, int] = {}      # anchor -> expanded node count
    stack: list[list] = []           # open collections: [anchor, count]
    total = aliases = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                stack.append([event.anchor, 1])
                if len(stack) > MAX_DEPTH:
                    raise Refused(_line(event), f"嵌套过深（最多 {MAX_DEPTH} 层）")
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                anchor, n = stack.pop()
                if anchor:
                    sizes[anchor] = n
                if stack:
                    stack[-1][1] += n
                else:
                    total += n
            elif isinstance(event, yaml.ScalarEvent):
                if event.anchor:
                    sizes[event.anchor] = 1
                if stack:
                    stack[-1][1] += 1
                else:
                    total += 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if any(a == event.anchor for a, _ in stack):
                    raise Refused(_line(event), f"别名 *{event.anchor} 引用了包含它自身的内容（递归），不允许")
                n = sizes.get(event.anchor, 1)
                if aliases > MAX_ALIASES:
                    raise Refused(_line(event), f"别名（*{event.anchor}）用得太多（最多 {MAX_ALIASES} 处）")
                if stack:
                    stack[-1][1] += n
                else:
                    total += n
            else:
                continue
            if total + sum(n for _, n in stack) > MAX_NODES:
                raise Refused(_line(event), f"内容展开后过大（别名展开后超过 {MAX_NODES} 个节点），拒绝读取")
    except yaml.YAMLError as exc:
        raise _syntax(exc) from None


def _syntax(exc: yaml.YAMLError) -> Refused:
    mark = getattr(exc, "problem_mark", None)
    where = f"第 {mark.line + 1} 行" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc)
    if "python/" in str(exc) or "could not determine a constructor" in str(exc):
        problem = "不允许的 YAML 标签（如 !!python/…），框架文件只能用普通的文本、数字、列表和映射"
    return Refused(where, f"YAML 语法错误：{str(problem)[:200]}")


def load_yaml(text: str) -> Any:
    check_expansion(text)
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise _syntax(exc) from None
    except (RecursionError, MemoryError):
        raise Refused("", "内容嵌套过深或过大，拒绝读取") from None
