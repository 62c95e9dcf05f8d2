"""Small helpers shared by the commands: errors, framework loading, text tables."""

from __future__ import annotations

import unicodedata
from contextlib import contextmanager

import click


class UserError(click.ClickException):
    """A problem the user can fix (bad path, unreadable file): exit code 2."""
    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True)


@contextmanager
def doing(action: str, path=None):
    """Name what is being done (and to which file) for the top-level error
    handler in cli.py: an unexpected exception raised inside says where it
    happened.  The innermost `doing` wins."""
    try:
        yield
    except Exception as exc:
        if not hasattr(exc, "xl_eval_doing"):
            try:
                exc.xl_eval_doing = (action, None if path is None else str(path))
            except AttributeError:       # exceptions without a __dict__
                pass
        raise


FRAMEWORK_OPTION = click.option(
    "--framework", "-f", "framework_path", type=str, default=None, metavar="名称或文件",
    help="指标体系：内置体系的名称（见 xl-eval framework list，如 annex1）或框架文件（YAML）路径；"
         "默认使用内置的附件1指标体系。")


def load_framework(path, *, lint: bool = True):
    """Load --framework (a shipped name or a path).  With lint=True a framework
    with lint errors is refused (exit 2): scoring it could divide by zero or
    give scores that do not add up."""
    from xl_eval.framework.model import FrameworkError, load
    from xl_eval.framework.registry import resolve, shipped
    resolved = resolve(path)
    try:
        fw = load(resolved)
    except FrameworkError as exc:
        msg = str(exc)
        if path and resolved is not None and not resolved.exists() and "/" not in path:
            msg += "\n内置体系：" + "、".join(s.name for s in shipped()) + "（xl-eval framework list）"
        raise UserError(msg) from None
    if lint:
        from xl_eval.framework.lint import lint as run_lint
        errors = [p for p in run_lint(fw) if p.severity == "error"]
        if errors:
            lines = "\n".join(f"  {p.key}: {p.code} {p.message}" for p in errors[:20])
            raise UserError(f"框架 {path or fw.path} 有 {len(errors)} 个错误，不能用于计分"
                            f"（请先用 xl-eval framework lint 检查并修改）：\n{lines}")
    return fw


def refuse_unsupported(fw, supported, form: str) -> None:
    """Exit 2 with a Chinese message when `form` cannot render a feature fw uses."""
    from xl_eval.framework.features import refusal
    msg = refusal(fw, supported, form)
    if msg:
        raise UserError(msg)


def width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, cols: int, right: bool = False) -> str:
    fill = " " * max(0, cols - width(text))
    return fill + text if right else text + fill


def render_table(header: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:
    cols = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(pad(c, cols[i], i in right) for i, c in enumerate(header)).rstrip()]
    lines.append("  ".join("-" * w for w in cols))
    for r in rows:
        lines.append("  ".join(pad(c, cols[i], i in right) for i, c in enumerate(r)).rstrip())
    return "\n".join(lines)
