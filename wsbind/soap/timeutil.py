"""xs:dateTime as WS-Security and SAML use it: always with a zone, always compared in UTC."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from wsbind.errors import WsBindValueError

_XS_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,12}))?(Z|[+-]\d{2}:\d{2})", re.ASCII
)


def parse_xs_datetime(text: str | None) -> datetime:
    """Parse a zoned xs:dateTime; anything else (no zone, junk, out of range) is ValueError."""
    if text is None:
        raise WsBindValueError("missing time value")
    match = _XS_DATETIME.fullmatch(text.strip())
    if match is None:
        raise WsBindValueError(f"not a zoned xs:dateTime: {text[:40]!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    microsecond = int(fraction[:6].ljust(6, "0")) if fraction else 0
    try:
        value = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), microsecond, tzinfo=timezone.utc
        )
        if zone != "Z":  # the wall time was in that zone: move it to UTC
            offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
            if offset >= timedelta(hours=24):
                raise WsBindValueError(f"time zone offset out of range: {zone!r}")
            value = value - offset if zone[0] == "+" else value + offset
    except OverflowError:
        raise WsBindValueError(f"xs:dateTime out of range: {text[:40]!r}") from None
    return value


def format_xs_datetime(value: datetime) -> str:
    """UTC with milliseconds and a Z, the form WS-Security timestamps use."""
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
