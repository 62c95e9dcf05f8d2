"""Format 1 -> format 2.

Format 2 is a superset of format 1 with the same meaning for every format-1
key, so upgrading rewrites only the `format:` line; comments, order and
layout stay as the author wrote them.  The result is loaded back and must
give the same fingerprint (content_hash treats the two markers alike).
"""

from __future__ import annotations

import re

from xl_eval.framework.model import FORMAT, FORMAT_V2, FrameworkError

_FORMAT_LINE = re.compile(r"^(format\s*:\s*)(['\"]?)" + re.escape(FORMAT) + r"\2(\s*(?:#.*)?)$", re.M)


def upgrade_text(text: str, path: str = "<framework>") -> str:
    """The v2 text of a v1 framework file; FrameworkError if it is not a loadable v1 file."""
    from xl_eval.framework import yamlsafe
    from xl_eval.framework.load import from_dict
    try:
        before = from_dict(yamlsafe.load_yaml(text), path)
    except yamlsafe.Refused as exc:
        raise FrameworkError(path, [(exc.where, exc.message)]) from None
    if before.format == FORMAT_V2:
        raise FrameworkError(path, [("format", f"已经是 {FORMAT_V2}，无需升级")])
    matches = _FORMAT_LINE.findall(text)
    if len(matches) != 1:
        raise FrameworkError(path, [("format", f"找不到唯一的一行 “format: {FORMAT}”（请手工改为 {FORMAT_V2}）")])
    new = _FORMAT_LINE.sub(lambda m: f"{m.group(1)}{m.group(2)}{FORMAT_V2}{m.group(2)}{m.group(3)}", text)
    after = from_dict(yamlsafe.load_yaml(new), path)
    if after.content_hash != before.content_hash:   # pragma: no cover - guarded by content_hash
        raise FrameworkError(path, [("format", "升级后内容指纹改变，未写出")])
    return new
