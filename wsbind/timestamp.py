"""wsu:Timestamp: written by senders, checked by receivers (R64, R65)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from lxml import etree

from . import namespaces as ns
from .errors import FaultCode, SecurityVerificationError
from .timeutil import format_xs_datetime, parse_xs_datetime

_WSU = f"{{{ns.WSU}}}"


def build_timestamp(now: datetime, validity: timedelta) -> etree._Element:
    timestamp = etree.Element(f"{_WSU}Timestamp", nsmap={"wsu": ns.WSU})
    timestamp.set(f"{_WSU}Id", f"TS-{uuid.uuid4()}")
    etree.SubElement(timestamp, f"{_WSU}Created").text = format_xs_datetime(now)
    etree.SubElement(timestamp, f"{_WSU}Expires").text = format_xs_datetime(now + validity)
    return timestamp


def check_timestamp(timestamp: etree._Element, now: datetime, max_latency: timedelta, skew: timedelta) -> datetime:
    """Check a received Timestamp; return its Created time."""
    children = [c for c in timestamp if isinstance(c.tag, str)]
    tags = [c.tag for c in children]
    if tags not in ([f"{_WSU}Created"], [f"{_WSU}Created", f"{_WSU}Expires"]):
        raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "malformed-timestamp", f"children {tags}")
    try:
        created = parse_xs_datetime(children[0].text)
        expires = parse_xs_datetime(children[1].text) if len(children) == 2 else None
    except ValueError as exc:
        raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "malformed-timestamp", str(exc)) from None
    if expires is not None and expires < created:
        raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "malformed-timestamp", "Expires before Created")
    if created > now + skew:
        raise SecurityVerificationError(FaultCode.INVALID_SECURITY, "timestamp-in-future", f"Created {created}")
    if now - created > max_latency + skew:
        raise SecurityVerificationError(FaultCode.MESSAGE_EXPIRED, "timestamp-too-old", f"Created {created}")
    if expires is not None and now >= expires + skew:
        raise SecurityVerificationError(FaultCode.MESSAGE_EXPIRED, "timestamp-expired", f"Expires {expires}")
    return created
