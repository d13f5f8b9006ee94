"""The API reference stays complete: every exported name is documented and has its place in docs/.

The site itself is built by ``make docs`` (mkdocs --strict); these checks need only griffe, which
reads the sources the same way the site does (type aliases keep their docstrings there).
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path
from typing import Any

import griffe  # from mkdocstrings[python], in the test and docs extras
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("wsbind", "zeep_wsbind", "spyne_wsbind")


def _loader() -> Any:
    loader = griffe.GriffeLoader(search_paths=[str(ROOT)])
    for package in PACKAGES:
        loader.load(package)
    loader.resolve_aliases(external=True)
    return loader


def _public_objects() -> list[tuple[str, Any]]:
    loader = _loader()
    found = []
    for package in PACKAGES:
        module = loader.modules_collection[package]
        for name in importlib.import_module(package).__all__:
            obj = module[name].final_target if module[name].is_alias else module[name]
            found.append((f"{package}.{name}", obj))
            if obj.is_class and not any(str(base).endswith(("Enum", "IntFlag")) for base in obj.bases):
                for member_name, member in obj.members.items():
                    if member_name.startswith("_") or not (member.is_function or "property" in member.labels):
                        continue
                    found.append((f"{package}.{name}.{member_name}", member))
    return found


def test_every_public_name_and_method_has_a_docstring() -> None:
    missing = [name for name, obj in _public_objects() if not (obj.docstring and obj.docstring.value.strip())]
    assert not missing, f"{len(missing)} public names without a docstring: {missing}"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_is_on_its_reference_page(package: str) -> None:
    page = (ROOT / "docs" / "reference" / f"{package}.md").read_text(encoding="utf-8")
    listed = set(re.findall(rf"^::: {package}\.(\w+)$", page, re.M))
    exported = set(importlib.import_module(package).__all__)
    assert exported - listed == set(), f"add '::: {package}.<name>' to docs/reference/{package}.md"
    assert listed - exported == set(), f"docs/reference/{package}.md lists names {package} does not export"


def test_every_page_is_in_the_navigation_and_every_python_block_compiles() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md"))
    assert [p for p in pages if p not in nav] == []
    for page in pages:
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        for block in re.findall(r"```python\n(.*?)```", text, re.S):
            ast.parse(block, filename=page)  # a guide's example at least parses
