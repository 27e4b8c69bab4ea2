"""The shell's own Korean catalog (shell/locale/): it holds exactly the words its layouts and
error pages mark, each translated, and the committed `.mo` says what the `.po` says."""

from __future__ import annotations

import ast
import gettext

from jinja2.ext import babel_extract

from tessera.runtime.env import REPO_ROOT
from tests.fragments.test_i18n import read_po

PO = REPO_ROOT / "shell" / "locale" / "ko" / "LC_MESSAGES" / "django.po"
#: The calls that mark the shell's words in Python (error titles are marked, then translated
#: per request's language).
MARKS = {"gettext", "gettext_noop", "gettext_lazy"}


def marked() -> set[str]:
    """The msgids the shell's layouts and engine modules mark for translation."""
    found: set[str] = set()
    for template in sorted((REPO_ROOT / "shell" / "layouts").glob("*.html")):
        with template.open("rb") as file:
            for *_, message, _comments in babel_extract(file, ("_", "ngettext"), [], {}):
                found.add(message if isinstance(message, str) else message[0])
    for module in sorted((REPO_ROOT / "shell" / "engine").glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") in MARKS
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


def test_the_catalog_holds_exactly_what_the_shell_marks_each_translated():
    entries = read_po(PO)
    assert set(entries) == marked()
    assert {"Skip to content", "Page not found", "This page is taking a break"} <= set(entries)
    assert all(text.strip() for texts in entries.values() for text in texts)


def test_the_compiled_catalog_is_the_current_one():
    """After editing the `.po`: `msgfmt --check -o django.mo django.po` in its folder."""
    with PO.with_suffix(".mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)._catalog  # type: ignore[attr-defined]
    assert {key: [text] for key, text in compiled.items() if key} == read_po(PO)
