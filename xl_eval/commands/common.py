"""Small helpers shared by the commands: errors, framework loading, text tables."""

from __future__ import annotations

import unicodedata

import click


class UserError(click.ClickException):
    """A problem the user can fix (bad path, unreadable file): exit code 2."""
    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True)


FRAMEWORK_OPTION = click.option(
    "--framework", "-f", "framework_path", type=click.Path(dir_okay=False), default=None,
    help="框架文件（YAML）；默认使用内置的附件1指标体系。")


def load_framework(path):
    from xl_eval.framework.model import FrameworkError, load
    try:
        return load(path)
    except FrameworkError as exc:
        raise UserError(str(exc)) from None


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
