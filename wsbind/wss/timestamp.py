"""wsu:Timestamp: written by senders, checked by receivers (R64, R65)."""

from __future__ import annotations

import copy
import os
import re
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from lxml import etree

from wsbind.errors import FaultCode, SecurityVerificationError
from wsbind.soap import namespaces as ns
from wsbind.soap.timeutil import format_xs_datetime, parse_xs_datetime
from wsbind.soap.xmlread import element_children

_WSU = f"{{{ns.WSU}}}"


def _template() -> etree._Element:
    timestamp = etree.Element(f"{_WSU}Timestamp", nsmap={"wsu": ns.WSU})
    etree.SubElement(timestamp, f"{_WSU}Created")
    etree.SubElement(timestamp, f"{_WSU}Expires")
    return timestamp


_TEMPLATE = _template()  # only ever deep-copied: copying is cheaper than building


def build_timestamp(now: datetime, validity: timedelta) -> etree._Element:
    """``<wsu:Timestamp wsu:Id="TS-<uuid4>">`` with Created ``now`` and Expires ``now + validity``."""
    timestamp = copy.deepcopy(_TEMPLATE)
    fill_timestamp(timestamp, now, validity)
    return timestamp


def timestamp_template() -> etree._Element:
    """An empty Timestamp for :func:`fill_timestamp`, e.g. inside a prebuilt header."""
    return copy.deepcopy(_TEMPLATE)


def fill_timestamp(timestamp: etree._Element, now: datetime, validity: timedelta) -> None:
    """Give a copy of the template its Id, Created and Expires."""
    timestamp.set(f"{_WSU}Id", f"TS-{_uuid4()}")
    created, expires = timestamp
    created.text = _xs_datetime(now)
    expires.text = _xs_datetime(now + validity)


def _uuid4() -> str:
    """str(uuid.uuid4()) without building a UUID object: 16 random bytes, version and variant set."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _xs_datetime(value: datetime) -> str:
    """format_xs_datetime (UTC, milliseconds, Z) without strftime, which is several times slower."""
    utc = value.astimezone(timezone.utc)
    if utc.year < 1000:  # strftime's %Y does not pad these; keep its exact output
        return format_xs_datetime(utc)
    fields = (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond // 1000)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % fields  # noqa: UP031 - faster than an f-string here


class CheckedTimestamp(NamedTuple):
    created: datetime
    fresh_until: datetime
    """After this instant the message would be refused as stale or expired (Created + latency,
    or Expires, whichever is first, plus the skew): what remembers it need not remember longer."""


_INSTANT = timedelta(microseconds=1)
_BSP_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", re.ASCII)
"""BSP 1.1 R3217/R3223: Created and Expires are xsd:dateTime in UTC, written with a Z."""


def _bsp_time(element: etree._Element) -> datetime:
    name = etree.QName(element).localname
    if len(element) or element.get("ValueType") is not None:  # BSP R3225, R3226: text only, no ValueType
        raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "malformed-timestamp", f"{name} is not plain text")
    text = element.text or ""
    if not _BSP_DATETIME.fullmatch(text):
        raise SecurityVerificationError(
            FaultCode.INVALID_SECURITY, "malformed-timestamp", f"{name} {text[:40]!r} is not UTC with a Z"
        )
    try:
        return parse_xs_datetime(text)
    except ValueError as exc:
        raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "malformed-timestamp", str(exc)) from None


def _instant(value: datetime) -> str:
    """An instant for a refusal line: UTC, to the second, with a Z."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_timestamp(
    timestamp: etree._Element, now: datetime, max_latency: timedelta, skew: timedelta
) -> CheckedTimestamp:
    """Check a received Timestamp (R64, R65 and the Basic Security Profile's rules for its shape)."""
    children = element_children(timestamp)
    tags = [c.tag for c in children]
    if tags not in ([f"{_WSU}Created"], [f"{_WSU}Created", f"{_WSU}Expires"]):  # BSP R3203, R3224, R3222
        raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "malformed-timestamp", f"children {tags}")
    created = _bsp_time(children[0])
    expires = _bsp_time(children[1]) if len(children) == 2 else None
    if expires is not None and expires <= created:
        raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "malformed-timestamp", "Expires not after Created")
    clock = f"server clock {_instant(now)}"
    if created > now + skew:
        detail = f"Created {_instant(created)}; {clock}, accepted up to {_instant(now + skew)} (clock skew {skew})"
        raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "timestamp-in-future", detail)
    if now - created > max_latency + skew:
        detail = (
            f"Created {_instant(created)}; {clock}, accepted from {_instant(now - max_latency - skew)} "
            f"(max latency {max_latency} + clock skew {skew})"
        )
        raise SecurityVerificationError(FaultCode.MESSAGE_EXPIRED, "timestamp-too-old", detail)
    if expires is not None and now >= expires + skew:
        detail = f"Expires {_instant(expires)}; {clock}, accepted until {_instant(expires + skew)} (clock skew {skew})"
        raise SecurityVerificationError(FaultCode.MESSAGE_EXPIRED, "timestamp-expired", detail)
    stale = created + max_latency + _INSTANT  # still accepted at exactly Created + latency + skew
    return CheckedTimestamp(created, (stale if expires is None else min(stale, expires)) + skew)
