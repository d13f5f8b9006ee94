"""Import spyne first, so a missing or broken spyne explains itself instead of a bare ModuleNotFoundError.

spyne 2.14 (its newest release) does not import on Python 3.12 or later, and ``wsbind[spyne]``
installs it only below 3.12. The client side (``wsbind``, ``zeep_wsbind``) needs no spyne at all.
"""

from __future__ import annotations

import sys

#: The first Python on which spyne 2.14 no longer imports (it relies on the removed ``six.moves``).
SPYNE_LAST_PYTHON = (3, 11)


def explain_missing_spyne(error: ImportError, version_info: tuple[int, ...] = sys.version_info[:3]) -> str:
    """The message for an ImportError of spyne: why it is missing here and what works instead."""
    here = ".".join(str(part) for part in version_info[:3])
    client_side = (
        "The client side needs no spyne and works here: wsbind (the core) and zeep_wsbind "
        "(pip install 'wsbind[zeep]')."
    )
    too_new = tuple(version_info[:2]) > SPYNE_LAST_PYTHON
    if error.name == "spyne":  # not installed at all
        if too_new:
            return (
                f"spyne_wsbind (the server side) needs spyne, which is not installed: spyne 2.14 does not "
                f"import on Python 3.12 or later and this is Python {here}, so 'wsbind[spyne]' leaves it out. "
                f"{client_side} To serve, use Python 3.10 or 3.11 with pip install 'wsbind[spyne]'."
            )
        return (
            f"spyne_wsbind (the server side) needs spyne, which is not installed: "
            f"pip install 'wsbind[spyne]'. {client_side}"
        )
    # spyne is there but fails to import: most often spyne 2.14 forced onto Python 3.12+.
    reason = f"{type(error).__name__}: {error}"
    if too_new:
        return (
            f"spyne is installed but does not import on Python {here} ({reason}): spyne 2.14 supports "
            f"Python 3.10 and 3.11 only. {client_side} To serve, use Python 3.10 or 3.11."
        )
    return f"spyne is installed but does not import ({reason}); reinstall it: pip install 'wsbind[spyne]'."


try:
    import spyne  # noqa: F401  (imported for its failure, if any)
except ImportError as missing:
    raise ImportError(explain_missing_spyne(missing), name="spyne") from missing
