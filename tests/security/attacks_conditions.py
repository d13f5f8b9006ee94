"""When and for whom: validity windows and the message Timestamp (threat ``time``), the subject
confirmation data (``confirmation``) and SOAP processing attributes (``soap-meaning``)."""

from __future__ import annotations

from security.harness import Attack

ATTACKS: list[Attack] = []
