"""A griffe extension for the docs build: show the code's Sphinx roles as code.

The docstrings say ``:class:`X```, ``:meth:`get``` and the like (they read well in a terminal
and in IDEs); MkDocs renders Markdown, where those would appear verbatim. Each role becomes a
code span of its target, with Sphinx's ``~`` (show the last part only) honoured.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|data|mod|exc|obj):`(~?)([^`]+)`")


def _code(match: re.Match[str]) -> str:
    target = match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if match.group(1) else target}`"


class RstRoles(griffe.Extension):
    """Rewrites Sphinx cross-reference roles in every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _ROLE.sub(_code, obj.docstring.value)
