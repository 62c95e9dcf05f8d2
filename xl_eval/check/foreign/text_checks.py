"""Checks of the texts in score tables (placeholder until the text checks land)."""

from __future__ import annotations


def check_texts(ctx):
    return iter(())


def check_recomputed(ctx):
    return iter(())
