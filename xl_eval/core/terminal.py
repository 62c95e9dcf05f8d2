"""Text on its way to the terminal: no raw control sequences, no encoding errors.

A 单位名称, a column header or a file name comes from the user's files and
may hold ESC sequences (which recolour, move the cursor or retitle the
terminal), other C0/C1 control characters, bidi overrides that reorder what
is shown, or, on Linux, bytes that are not UTF-8 (GBK names from archives
made on Chinese Windows, which Python keeps as lone surrogates).  ``clean``
makes such text visible and harmless: each character becomes an escape
like ``\\x1b`` or ``\\u202e`` (a non-UTF-8 byte of a name, kept by Python as
a lone surrogate, becomes ``\\udcb3``: the same text is a valid JSON escape).
``SafeStream`` applies it to everything written to stdout/stderr (cli.py
installs it), so no message can forget it.  ``show_path`` is the form of a
file name used in messages and summaries: GBK bytes are decoded as GBK when
that works, so "城东.xlsx" from a Windows zip reads as 城东.xlsx.
"""

from __future__ import annotations

import os
import re

# C0 except \t \n, DEL, C1, bidi embeddings/overrides/isolates, line/paragraph separators
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029"
                     "\ud800-\udfff]")
# the only control sequences xl-eval itself writes: click's progress bar starts each
# frame with a carriage return and hides/shows the cursor
_OWN = ("\x1b[?25l", "\x1b[?25h")
_OWN_RE = re.compile("(\x1b\\[\\?25[lh])")


def _escape(m: re.Match) -> str:
    ch = m.group(0)
    n = ord(ch)
    if n <= 0xFF:
        return f"\\x{n:02x}"
    return f"\\u{n:04x}"


def clean(text: str) -> str:
    """*text* with every unsafe character written as a visible escape."""
    return _UNSAFE.sub(_escape, text)


def clean_output(text: str) -> str:
    """Like ``clean``, but keeps the progress bar's own sequences: a leading
    carriage return and the cursor hide/show escapes."""
    lead = "\r" if text.startswith("\r") else ""
    text = text[len(lead):]
    if "\x1b" not in text:
        return lead + clean(text)
    return lead + "".join(p if p in _OWN else clean(p) for p in _OWN_RE.split(text))


def show_path(path) -> str:
    """A file name as shown to users: UTF-8 as it is, otherwise GBK if the
    bytes are GBK, otherwise with the undecodable bytes escaped.  Each part of
    the path on its own: a GBK file name in a folder with a UTF-8 name (a
    Windows zip unpacked on Linux) reads right in both."""
    text = os.fspath(path)
    if isinstance(text, bytes):
        raw = text
    else:
        try:
            text.encode("utf-8")
            return text
        except UnicodeEncodeError:
            raw = os.fsencode(text)
    return "/".join(_show_part(part) for part in raw.split(b"/"))


def _show_part(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return clean(raw.decode("utf-8", "surrogateescape"))


class SafeStream:
    """A text stream whose ``write`` passes through ``clean_output``."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str")
        return self._stream.write(clean_output(text))

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)
