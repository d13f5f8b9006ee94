"""Creation-time rules R1-R44 (spec section 6).

WWSAPI refuses a bad security description when the channel or listener is created, before any
message is sent. We do the same: :func:`check_description` walks the rules in numeric order and
raises :class:`~wsbind.errors.InvalidSecurityDescription` for the first one broken, with a
``problem`` in the caller's terms (binding class, property name) and a ``fix``.

Two moments call it:

* ``SecurityDescription.__init__`` with no side and no channel: only what is wrong whatever the
  side and channel is reported, so a description can be built once and reused on either end;
* ``SecurityDescription.validate(side, channel)`` when an adapter creates a channel (client) or
  listener (server): every rule that applies.

Each rule is one short function taking a :class:`_Context`; a function that depends on the side
or channel simply does nothing while that is unknown. The per-binding property table (which
binding accepts which property, on which side) and the property value types are data, below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any, NoReturn, TypeGuard, TypeVar

from wsbind.errors import InvalidSecurityDescription
from wsbind.model.algorithms import SecurityAlgorithmSuite
from wsbind.model.bindings import (
    BINDING_CLASSES,
    HttpHeaderAuthSecurityBinding,
    KerberosApreqMessageSecurityBinding,
    NamedPipeSspiTransportSecurityBinding,
    SamlMessageSecurityBinding,
    SecurityBinding,
    SecurityContextMessageSecurityBinding,
    SslTransportSecurityBinding,
    TcpSspiTransportSecurityBinding,
    UsernameMessageSecurityBinding,
    XmlTokenMessageSecurityBinding,
)
from wsbind.model.credentials import (
    DefaultWindowsIntegratedAuthCredential,
    StringUsernameCredential,
    StringWindowsIntegratedAuthCredential,
    WindowsIntegratedAuthCredential,
)
from wsbind.model.enums import (
    CertFailure,
    ChannelBinding,
    ExtendedProtectionPolicy,
    ExtendedProtectionScenario,
    HttpHeaderAuthScheme,
    HttpHeaderAuthTarget,
    ImpersonationLevel,
    MessageSecurityUsage,
    ProtectionLevel,
    SecureConversationVersion,
    SecureProtocol,
    SecurityAlgorithmId,
    SecurityAlgorithmSuiteName,
    SecurityBindingProperty,
    SecurityBindingType,
    SecurityHeaderLayout,
    SecurityHeaderVersion,
    SecurityKeyEntropyMode,
    SecurityKeyType,
    SecurityProperty,
    SecurityTimestampUsage,
    Side,
    WindowsIntegratedAuthPackage,
)

if TYPE_CHECKING:
    from wsbind.model.description import SecurityDescription

B = TypeVar("B", bound=SecurityBinding)

SBP = SecurityBindingProperty
SP = SecurityProperty


def check_description(
    description: SecurityDescription,
    side: Side | None = None,
    channel: ChannelBinding | None = None,
) -> None:
    """Raise InvalidSecurityDescription for the first rule the description breaks.

    With ``side`` and ``channel`` left at None only the rules that hold on every side and
    channel are checked; pass both (as ``SecurityDescription.validate`` does) to check all.
    """
    _check(
        description,
        None if side is None else Side(side),
        None if channel is None else ChannelBinding(channel),
        frozenset(),
    )


def _check(
    description: SecurityDescription,
    side: Side | None,
    channel: ChannelBinding | None,
    enclosing: frozenset[int],
) -> None:
    ctx = _Context(description, side, channel)
    for rule in _RULES:
        rule(ctx)
    _check_bootstraps(ctx, enclosing | {id(description)})


# ---------------------------------------------------------------------------------------------
# Context and small helpers
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """The description under check plus what is known about where it will be used."""

    description: SecurityDescription
    side: Side | None
    channel: ChannelBinding | None

    @property
    def bindings(self) -> tuple[SecurityBinding, ...]:
        return self.description.bindings

    @property
    def properties(self) -> Mapping[Any, Any]:
        return self.description.properties

    @property
    def is_client(self) -> bool:
        return self.side is Side.CLIENT

    @property
    def is_server(self) -> bool:
        return self.side is Side.SERVER

    def of_type(self, cls: type[B]) -> list[B]:
        return [b for b in self.bindings if isinstance(b, cls)]

    def has(self, cls: type[SecurityBinding]) -> bool:
        return any(isinstance(b, cls) for b in self.bindings)

    def message_bindings(self) -> list[SecurityBinding]:
        return [b for b in self.bindings if b.is_message]


def _fail(rule: str, problem: str, fix: str) -> NoReturn:
    raise InvalidSecurityDescription(rule, problem, fix)


def _name(obj: object) -> str:
    return type(obj).__name__


def _short(value: object, limit: int = 60) -> str:
    """A user value as code would spell it (``Cls.NAME`` for enums), cut short if long."""
    text = f"{type(value).__name__}.{value.name}" if isinstance(value, Enum) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _binding_property_name(pid: object) -> str:
    if _is_int(pid) and pid in _BINDING_PROPERTY_IDS:
        return f"SecurityBindingProperty.{SecurityBindingProperty(pid).name}"
    return f"binding property id {_short(pid)}"


def _security_property_name(pid: object) -> str:
    if _is_int(pid) and pid in _SECURITY_PROPERTY_IDS:
        return f"SecurityProperty.{SecurityProperty(pid).name}"
    return f"security property id {_short(pid)}"


def _properties_of(binding: SecurityBinding) -> Mapping[Any, Any]:
    """The binding's property bag; R2 has already rejected anything that is not a mapping."""
    props = binding.properties
    return props if isinstance(props, Mapping) else {}


def _scheme_of(binding: HttpHeaderAuthSecurityBinding) -> int:
    """The header-auth scheme flags; WWSAPI's default is NEGOTIATE when the property is absent."""
    default = HttpHeaderAuthScheme.NEGOTIATE
    return int(_properties_of(binding).get(SBP.HTTP_HEADER_AUTH_SCHEME, default))


def _scheme_text(scheme: int) -> str:
    names = [str(flag.name) for flag in HttpHeaderAuthScheme if scheme & flag]
    return " | ".join(f"HttpHeaderAuthScheme.{n}" for n in names) or f"{scheme:#x}"


# ---------------------------------------------------------------------------------------------
# Value checks: a predicate plus the words that say what was expected
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Expect:
    accepts: Callable[[object], bool]
    expected: str


def _is_int(value: object) -> TypeGuard[int]:
    """An int that is not a bool (True == 1 in Python, but True is never an id or a size)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _foreign_enum(value: object, cls: type[Enum]) -> bool:
    """A member of some other enum, e.g. ProtectionLevel.NONE given where a package is due."""
    return isinstance(value, Enum) and not isinstance(value, cls)


def _enum(cls: type[Enum]) -> _Expect:
    values = {member.value for member in cls}

    def accepts(value: object) -> bool:
        return _is_int(value) and not _foreign_enum(value, cls) and value in values

    return _Expect(accepts, f"a {cls.__name__} (or its int value)")


def _all_bits(cls: type[Enum]) -> int:
    """Every flag of ``cls`` OR-ed together."""
    bits = 0
    for member in cls:
        bits |= int(member.value)
    return bits


def _flags(cls: type[Enum], *, zero_ok: bool) -> _Expect:
    every_bit = _all_bits(cls)

    def accepts(value: object) -> bool:
        if not _is_int(value) or _foreign_enum(value, cls):
            return False
        return value >= 0 and value & ~every_bit == 0 and (zero_ok or value != 0)

    zero = " or 0" if zero_ok else ""
    return _Expect(accepts, f"{cls.__name__} flags combined with |{zero}")


def _any_flags(cls: type[Enum]) -> _Expect:
    """An int of ``cls`` flags whose bits are judged by a later, more specific rule (R34)."""
    return _Expect(
        lambda value: _is_int(value) and not _foreign_enum(value, cls),
        f"{cls.__name__} flags combined with |",
    )


_BOOL = _Expect(lambda value: isinstance(value, bool), "a bool (True or False)")
_STR = _Expect(lambda value: isinstance(value, str), "a str")
_POSITIVE_INT = _Expect(lambda value: _is_int(value) and value > 0, "a positive int")
_POSITIVE_TIMESPAN = _Expect(
    lambda value: isinstance(value, timedelta) and value > timedelta(0),
    "a positive datetime.timedelta",
)
_CALLABLE = _Expect(callable, "a callable")
_MAPPING = _Expect(lambda value: isinstance(value, Mapping), "a mapping of message properties")


def _is_spn_list(value: object) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) > 0
        and all(isinstance(spn, str) and spn for spn in value)
    )


def _is_algorithm_suite(value: object) -> bool:
    """A SecurityAlgorithmSuite with well-formed fields (R43 judges the reserved ones)."""
    if not isinstance(value, SecurityAlgorithmSuite):
        return False
    algorithm_ids = {member.value for member in SecurityAlgorithmId}
    algorithms = (
        value.canonicalization,
        value.digest,
        value.symmetric_signature,
        value.asymmetric_signature,
        value.encryption,
        value.key_derivation,
        value.symmetric_key_wrap,
        value.asymmetric_key_wrap,
    )
    lengths = (
        value.min_symmetric_key_length,
        value.max_symmetric_key_length,
        value.min_asymmetric_key_length,
        value.max_asymmetric_key_length,
    )
    return (
        all(_is_int(a) and not _foreign_enum(a, SecurityAlgorithmId) and a in algorithm_ids
            for a in algorithms)
        and all(_is_int(n) and n >= 0 for n in lengths)
        and isinstance(value.properties, Mapping)
    )


_BINDING_PROPERTY_VALUES: Mapping[SecurityBindingProperty, _Expect] = {
    SBP.REQUIRE_SSL_CLIENT_CERT: _BOOL,
    SBP.WINDOWS_INTEGRATED_AUTH_PACKAGE: _enum(WindowsIntegratedAuthPackage),
    SBP.REQUIRE_SERVER_AUTH: _BOOL,
    SBP.ALLOW_ANONYMOUS_CLIENTS: _BOOL,
    SBP.ALLOWED_IMPERSONATION_LEVEL: _enum(ImpersonationLevel),
    SBP.HTTP_HEADER_AUTH_SCHEME: _any_flags(HttpHeaderAuthScheme),
    SBP.HTTP_HEADER_AUTH_TARGET: _enum(HttpHeaderAuthTarget),
    SBP.HTTP_HEADER_AUTH_BASIC_REALM: _STR,
    SBP.HTTP_HEADER_AUTH_DIGEST_REALM: _STR,
    SBP.HTTP_HEADER_AUTH_DIGEST_DOMAIN: _STR,
    SBP.SECURITY_CONTEXT_KEY_SIZE: _POSITIVE_INT,
    SBP.SECURITY_CONTEXT_KEY_ENTROPY_MODE: _enum(SecurityKeyEntropyMode),
    SBP.MESSAGE_PROPERTIES: _MAPPING,
    SBP.SECURITY_CONTEXT_MAX_PENDING_CONTEXTS: _POSITIVE_INT,
    SBP.SECURITY_CONTEXT_MAX_ACTIVE_CONTEXTS: _POSITIVE_INT,
    SBP.SECURE_CONVERSATION_VERSION: _enum(SecureConversationVersion),
    SBP.SECURITY_CONTEXT_SUPPORT_RENEW: _BOOL,
    SBP.SECURITY_CONTEXT_RENEWAL_INTERVAL: _POSITIVE_TIMESPAN,
    SBP.SECURITY_CONTEXT_ROLLOVER_INTERVAL: _POSITIVE_TIMESPAN,
    SBP.CERT_FAILURES_TO_IGNORE: _flags(CertFailure, zero_ok=True),
    SBP.DISABLE_CERT_REVOCATION_CHECK: _BOOL,
    SBP.DISALLOWED_SECURE_PROTOCOLS: _flags(SecureProtocol, zero_ok=True),
    SBP.CERTIFICATE_VALIDATION_CALLBACK_CONTEXT: _CALLABLE,
}

_SECURITY_PROPERTY_VALUES: Mapping[SecurityProperty, _Expect] = {
    SP.TRANSPORT_PROTECTION_LEVEL: _enum(ProtectionLevel),
    SP.ALGORITHM_SUITE: _Expect(
        _is_algorithm_suite,
        "a wsbind.SecurityAlgorithmSuite whose algorithm fields are "
        "SecurityAlgorithmId values and whose key lengths are ints >= 0",
    ),
    SP.ALGORITHM_SUITE_NAME: _enum(SecurityAlgorithmSuiteName),
    SP.MAX_ALLOWED_LATENCY: _POSITIVE_TIMESPAN,
    SP.TIMESTAMP_VALIDITY_DURATION: _POSITIVE_TIMESPAN,
    SP.MAX_ALLOWED_CLOCK_SKEW: _POSITIVE_TIMESPAN,
    SP.TIMESTAMP_USAGE: _enum(SecurityTimestampUsage),
    SP.SECURITY_HEADER_LAYOUT: _enum(SecurityHeaderLayout),
    SP.SECURITY_HEADER_VERSION: _enum(SecurityHeaderVersion),
    SP.EXTENDED_PROTECTION_POLICY: _enum(ExtendedProtectionPolicy),
    SP.EXTENDED_PROTECTION_SCENARIO: _enum(ExtendedProtectionScenario),
    SP.SERVICE_IDENTITIES: _Expect(
        _is_spn_list, "a non-empty list or tuple of non-empty str (service principal names)"
    ),
}

_BINDING_PROPERTY_IDS = frozenset(member.value for member in SecurityBindingProperty)
_SECURITY_PROPERTY_IDS = frozenset(member.value for member in SecurityProperty)


# ---------------------------------------------------------------------------------------------
# Which binding accepts which property, and on which side (spec section 2 and 3.12)
# ---------------------------------------------------------------------------------------------

# Value: the only side the property may be used on, or None when it is valid on both.
_AcceptedProperties = Mapping[SecurityBindingProperty, Side | None]

_SSPI_PROPERTIES: _AcceptedProperties = {
    SBP.WINDOWS_INTEGRATED_AUTH_PACKAGE: None,
    SBP.REQUIRE_SERVER_AUTH: Side.CLIENT,
    SBP.ALLOW_ANONYMOUS_CLIENTS: Side.SERVER,
    SBP.ALLOWED_IMPERSONATION_LEVEL: Side.CLIENT,
}

ACCEPTED_BINDING_PROPERTIES: Mapping[SecurityBindingType, _AcceptedProperties] = {
    SecurityBindingType.SSL_TRANSPORT: {
        SBP.REQUIRE_SSL_CLIENT_CERT: Side.SERVER,
        SBP.CERT_FAILURES_TO_IGNORE: Side.CLIENT,
        SBP.DISABLE_CERT_REVOCATION_CHECK: Side.CLIENT,
        SBP.DISALLOWED_SECURE_PROTOCOLS: None,
        SBP.CERTIFICATE_VALIDATION_CALLBACK_CONTEXT: Side.CLIENT,
    },
    SecurityBindingType.TCP_SSPI_TRANSPORT: _SSPI_PROPERTIES,
    SecurityBindingType.NAMEDPIPE_SSPI_TRANSPORT: _SSPI_PROPERTIES,
    SecurityBindingType.HTTP_HEADER_AUTH: {
        SBP.HTTP_HEADER_AUTH_SCHEME: None,
        SBP.HTTP_HEADER_AUTH_TARGET: Side.CLIENT,
        SBP.HTTP_HEADER_AUTH_BASIC_REALM: Side.SERVER,
        SBP.HTTP_HEADER_AUTH_DIGEST_REALM: Side.SERVER,
        SBP.HTTP_HEADER_AUTH_DIGEST_DOMAIN: Side.SERVER,
    },
    SecurityBindingType.USERNAME_MESSAGE: {},
    SecurityBindingType.KERBEROS_APREQ_MESSAGE: {
        SBP.ALLOWED_IMPERSONATION_LEVEL: Side.CLIENT,
        SBP.ALLOW_ANONYMOUS_CLIENTS: Side.SERVER,
    },
    SecurityBindingType.XML_TOKEN_MESSAGE: {},
    SecurityBindingType.SAML_MESSAGE: {},
    SecurityBindingType.SECURITY_CONTEXT_MESSAGE: {
        SBP.SECURITY_CONTEXT_KEY_SIZE: None,
        SBP.SECURITY_CONTEXT_KEY_ENTROPY_MODE: None,
        SBP.MESSAGE_PROPERTIES: None,
        SBP.SECURITY_CONTEXT_MAX_PENDING_CONTEXTS: Side.SERVER,
        SBP.SECURITY_CONTEXT_MAX_ACTIVE_CONTEXTS: Side.SERVER,
        SBP.SECURE_CONVERSATION_VERSION: None,
        SBP.SECURITY_CONTEXT_SUPPORT_RENEW: None,
        SBP.SECURITY_CONTEXT_RENEWAL_INTERVAL: None,
        SBP.SECURITY_CONTEXT_ROLLOVER_INTERVAL: None,
    },
}
"""Spec sections 2 and 3.12: the binding properties each binding accepts, with their side."""

# Bindings that accept no property at all; any property on them is R20 rather than R2.
_NO_PROPERTY_BINDINGS = (
    UsernameMessageSecurityBinding,
    XmlTokenMessageSecurityBinding,
    SamlMessageSecurityBinding,
)

# Server-only header-auth properties that have their own rule (R40) when set on a client.
_REALM_PROPERTIES = frozenset(
    {
        SBP.HTTP_HEADER_AUTH_BASIC_REALM,
        SBP.HTTP_HEADER_AUTH_DIGEST_REALM,
        SBP.HTTP_HEADER_AUTH_DIGEST_DOMAIN,
    }
)

_TRANSPORT_NAMES = (
    "SslTransportSecurityBinding, TcpSspiTransportSecurityBinding or "
    "NamedPipeSspiTransportSecurityBinding"
)
_NONE_FIX = (
    "set SecurityProperty.TRANSPORT_PROTECTION_LEVEL to ProtectionLevel.NONE explicitly if you "
    "really mean no protection"
)


def _side_properties(binding: SecurityBinding, only: Side) -> Iterator[SecurityBindingProperty]:
    """The properties set on ``binding`` that the table reserves to side ``only``."""
    accepted = ACCEPTED_BINDING_PROPERTIES[SecurityBindingType(binding.binding_type)]
    for pid in _properties_of(binding):
        if _is_int(pid) and pid in accepted and accepted[SecurityBindingProperty(pid)] is only:
            yield SecurityBindingProperty(pid)


# ---------------------------------------------------------------------------------------------
# R1-R10: the shape of the description
# ---------------------------------------------------------------------------------------------


def _r1_binding_types(ctx: _Context) -> None:
    """Every later rule dispatches on the binding class, so the selector must be trustworthy."""
    for binding in ctx.bindings:
        if not isinstance(binding, SecurityBinding):
            _fail(
                "R1",
                f"{_short(binding)} ({_name(binding)}) in the bindings of a SecurityDescription "
                "is not a security binding.",
                "list only wsbind binding classes, e.g. SslTransportSecurityBinding().",
            )
        binding_type = getattr(binding, "binding_type", None)
        if not _is_int(binding_type) or binding_type not in BINDING_CLASSES:
            _fail(
                "R1",
                f"{_name(binding)} has binding_type {_short(binding_type)}, which is not a "
                "SecurityBindingType (1..9).",
                "use one of the nine wsbind binding classes as it is.",
            )
        expected = BINDING_CLASSES[SecurityBindingType(binding_type)]
        if expected is not type(binding):
            _fail(
                "R1",
                f"{_name(binding)} declares binding_type "
                f"{SecurityBindingType(binding_type).name}, which belongs to "
                f"{expected.__name__}; the selector must match the class.",
                f"use {expected.__name__} itself rather than a subclass.",
            )


def _r2_binding_properties_accepted(ctx: _Context) -> None:
    """Each binding has its own short list of properties (3.12); anything else is a mistake."""
    for binding in ctx.bindings:
        props = binding.properties
        if not isinstance(props, Mapping):
            _fail(
                "R2",
                f"{_name(binding)}.properties is {_short(props)}, not a mapping.",
                "pass properties as a dict keyed by SecurityBindingProperty, e.g. "
                "{SecurityBindingProperty.REQUIRE_SSL_CLIENT_CERT: True}.",
            )
        if isinstance(binding, _NO_PROPERTY_BINDINGS):
            continue  # R20 reports these
        accepted = ACCEPTED_BINDING_PROPERTIES[SecurityBindingType(binding.binding_type)]
        allowed = ", ".join(f"SecurityBindingProperty.{p.name}" for p in accepted) or "none"
        for pid, value in props.items():
            if not _is_int(pid) or pid not in _BINDING_PROPERTY_IDS:
                _fail(
                    "R2",
                    f"{_binding_property_name(pid)} on {_name(binding)} is not a "
                    "SecurityBindingProperty (1..23).",
                    f"remove it; {_name(binding)} accepts: {allowed}.",
                )
            if pid not in accepted:
                _fail(
                    "R2",
                    f"{_binding_property_name(pid)} does not apply to {_name(binding)}.",
                    f"remove it; {_name(binding)} accepts: {allowed}.",
                )
            expect = _BINDING_PROPERTY_VALUES[SecurityBindingProperty(pid)]
            if not expect.accepts(value):
                _fail(
                    "R2",
                    f"{_binding_property_name(pid)} on {_name(binding)} has a malformed value "
                    f"{_short(value)} ({_name(value)}).",
                    f"give it {expect.expected}.",
                )


def _r3_client_only_properties_on_server(ctx: _Context) -> None:
    """A listener never does what these properties tune (e.g. checking the server's cert)."""
    if not ctx.is_server:
        return
    for binding in ctx.bindings:
        for pid in _side_properties(binding, Side.CLIENT):
            _fail(
                "R3",
                f"SecurityBindingProperty.{pid.name} on {_name(binding)} is client-only, but "
                "this is a server (listener) description.",
                f"remove SecurityBindingProperty.{pid.name} from the server's {_name(binding)}; "
                "it only applies to a client (channel).",
            )


def _r4_server_only_properties_on_client(ctx: _Context) -> None:
    """A channel never does what these properties tune (e.g. requesting a client certificate)."""
    if not ctx.is_client:
        return
    for binding in ctx.bindings:
        for pid in _side_properties(binding, Side.SERVER):
            if isinstance(binding, HttpHeaderAuthSecurityBinding) and pid in _REALM_PROPERTIES:
                continue  # R40 reports these
            _fail(
                "R4",
                f"SecurityBindingProperty.{pid.name} on {_name(binding)} is server-only, but "
                "this is a client (channel) description.",
                f"remove SecurityBindingProperty.{pid.name} from the client's {_name(binding)}; "
                "it only applies to a server (listener).",
            )


def _r5_security_properties(ctx: _Context) -> None:
    """Channel-wide properties are 1..12, each with one value type (3.11)."""
    for pid, value in ctx.properties.items():
        if not _is_int(pid) or pid not in _SECURITY_PROPERTY_IDS:
            _fail(
                "R5",
                f"{_security_property_name(pid)} in SecurityDescription.properties is not a "
                "SecurityProperty (1..12).",
                "remove it; use SecurityProperty members as keys (binding-specific settings go "
                "in the binding's own properties, keyed by SecurityBindingProperty).",
            )
        expect = _SECURITY_PROPERTY_VALUES[SecurityProperty(pid)]
        if not expect.accepts(value):
            _fail(
                "R5",
                f"{_security_property_name(pid)} has a malformed value {_short(value)} "
                f"({_name(value)}).",
                f"give it {expect.expected}.",
            )


def _r6_one_algorithm_suite(ctx: _Context) -> None:
    """A suite and a suite name would each pick the algorithms; WWSAPI refuses to guess."""
    if SP.ALGORITHM_SUITE in ctx.properties and SP.ALGORITHM_SUITE_NAME in ctx.properties:
        _fail(
            "R6",
            "SecurityDescription.properties sets both SecurityProperty.ALGORITHM_SUITE and "
            "SecurityProperty.ALGORITHM_SUITE_NAME.",
            "keep only one: ALGORITHM_SUITE_NAME for a standard suite, ALGORITHM_SUITE for a "
            "custom SecurityAlgorithmSuite.",
        )


# Rules R7-R10: at most one binding of each of these classes per description.
_AT_MOST_ONE: Sequence[tuple[str, type[SecurityBinding]]] = (
    ("R7", UsernameMessageSecurityBinding),
    ("R8", KerberosApreqMessageSecurityBinding),
    ("R9", SamlMessageSecurityBinding),
    ("R10", SecurityContextMessageSecurityBinding),
)


def _r7_to_r10_at_most_one(ctx: _Context) -> None:
    """Each of these bindings fills one slot of the security header; two would be ambiguous."""
    for rule, cls in _AT_MOST_ONE:
        count = len(ctx.of_type(cls))
        if count > 1:
            _fail(
                rule,
                f"the description holds {count} {cls.__name__} bindings; at most one is allowed.",
                f"keep a single {cls.__name__}.",
            )


# ---------------------------------------------------------------------------------------------
# R11-R20: channel, side and usage
# ---------------------------------------------------------------------------------------------

# Rules R11-R14: a transport binding is tied to one channel binding. CUSTOM is not excluded by
# the spec (its matrix says "?"), so it is allowed.
_TRANSPORT_CHANNEL: Sequence[tuple[str, type[SecurityBinding], ChannelBinding]] = (
    ("R11", SslTransportSecurityBinding, ChannelBinding.HTTP),
    ("R12", TcpSspiTransportSecurityBinding, ChannelBinding.TCP),
    ("R13", NamedPipeSspiTransportSecurityBinding, ChannelBinding.NAMEDPIPE),
    ("R14", HttpHeaderAuthSecurityBinding, ChannelBinding.HTTP),
)
_TRANSPORT_FOR_CHANNEL = {
    ChannelBinding.HTTP: "SslTransportSecurityBinding and/or HttpHeaderAuthSecurityBinding",
    ChannelBinding.TCP: "TcpSspiTransportSecurityBinding",
    ChannelBinding.NAMEDPIPE: "NamedPipeSspiTransportSecurityBinding",
    ChannelBinding.UDP: "no security binding (UDP supports none)",
}


def _r11_to_r14_transport_channel(ctx: _Context) -> None:
    """Each transport binding secures one transport only (SSL/header auth: HTTP, SSPI: TCP/pipe)."""
    channel = ctx.channel
    if channel is None or channel is ChannelBinding.CUSTOM:
        return
    for rule, cls, home in _TRANSPORT_CHANNEL:
        if channel is not home and ctx.has(cls):
            _fail(
                rule,
                f"{cls.__name__} works only with ChannelBinding.{home.name}, but this "
                f"description is used with ChannelBinding.{channel.name}.",
                f"with ChannelBinding.{channel.name} use {_TRANSPORT_FOR_CHANNEL[channel]}, or "
                f"move the endpoint to ChannelBinding.{home.name}.",
            )


def _r15_no_message_binding_on_named_pipe(ctx: _Context) -> None:
    """The named-pipe channel carries NamedPipeSspiTransportSecurityBinding and nothing else."""
    if ctx.channel is not ChannelBinding.NAMEDPIPE:
        return
    for binding in ctx.message_bindings():
        _fail(
            "R15",
            f"{_name(binding)} is a WS-Security message binding, and the NAMEDPIPE channel "
            "supports no message bindings.",
            f"remove {_name(binding)}; on named pipes only NamedPipeSspiTransportSecurityBinding "
            "is available (or use HTTP/TCP for message security).",
        )


def _r16_nothing_on_udp(ctx: _Context) -> None:
    """No binding names UDP and message bindings need a protecting transport UDP lacks."""
    if ctx.channel is ChannelBinding.UDP and ctx.bindings:
        _fail(
            "R16",
            f"{_name(ctx.bindings[0])} is used on a UDP channel, which supports no security "
            "bindings.",
            "use an empty SecurityDescription on UDP, or switch to HTTP (SSL) or TCP (SSPI).",
        )


def _r17_xml_token_is_client_only(ctx: _Context) -> None:
    """A listener cannot present a token; it receives one (SamlMessageSecurityBinding)."""
    if ctx.is_server and ctx.has(XmlTokenMessageSecurityBinding):
        _fail(
            "R17",
            "XmlTokenMessageSecurityBinding is client-only (it presents a token the client "
            "holds), but this is a server (listener) description.",
            "on the server accept issued tokens with "
            "SamlMessageSecurityBinding(authenticator=...).",
        )


def _r18_saml_is_server_only(ctx: _Context) -> None:
    """A channel presents SAML assertions through the XML-token binding, not the SAML one."""
    if ctx.is_client and ctx.has(SamlMessageSecurityBinding):
        _fail(
            "R18",
            "SamlMessageSecurityBinding is server-only (it validates received assertions), but "
            "this is a client (channel) description.",
            "on the client send the assertion with XmlTokenMessageSecurityBinding("
            "xml_token=create_xml_security_token(assertion_xml)).",
        )


def _r19_supporting_usage(ctx: _Context) -> None:
    """WS_SUPPORTING_MESSAGE_SECURITY_USAGE is the only usage WWSAPI defines."""
    for binding in ctx.message_bindings():
        usage = getattr(binding, "binding_usage", None)
        if isinstance(usage, bool) or usage != MessageSecurityUsage.SUPPORTING:
            _fail(
                "R19",
                f"{_name(binding)}.binding_usage is {_short(usage)}; the only supported usage is "
                "MessageSecurityUsage.SUPPORTING (the token authenticates the client, the "
                "transport protects the message).",
                "leave binding_usage at its default, MessageSecurityUsage.SUPPORTING.",
            )


def _r20_no_properties_on_token_bindings(ctx: _Context) -> None:
    """Username, XML-token and SAML bindings have no settings at all."""
    for binding in ctx.bindings:
        if isinstance(binding, _NO_PROPERTY_BINDINGS) and _properties_of(binding):
            keys = ", ".join(_binding_property_name(p) for p in _properties_of(binding))
            _fail(
                "R20",
                f"{_name(binding)} accepts no binding properties, but has: {keys}.",
                f"remove the properties from {_name(binding)}; channel-wide settings go in "
                "SecurityDescription.properties (SecurityProperty).",
            )


# ---------------------------------------------------------------------------------------------
# R21-R29: credentials and required fields
# ---------------------------------------------------------------------------------------------

_WINDOWS_CREDENTIAL_BINDINGS = (
    KerberosApreqMessageSecurityBinding,
    TcpSspiTransportSecurityBinding,
    NamedPipeSspiTransportSecurityBinding,
    HttpHeaderAuthSecurityBinding,
)


def _r21_username_client_credential(ctx: _Context) -> None:
    """A client username binding has nothing to send without a username and password."""
    if not ctx.is_client:
        return
    for binding in ctx.of_type(UsernameMessageSecurityBinding):
        if not isinstance(binding.client_credential, StringUsernameCredential):
            got = "None" if binding.client_credential is None else _name(binding.client_credential)
            _fail(
                "R21",
                f"UsernameMessageSecurityBinding on a client needs client_credential, got {got}.",
                "set client_credential=StringUsernameCredential(username, password).",
            )


def _r22_username_password_validator(ctx: _Context) -> None:
    """The runtime never judges a password itself; the server application must."""
    if not ctx.is_server:
        return
    for binding in ctx.of_type(UsernameMessageSecurityBinding):
        if not callable(binding.password_validator):
            _fail(
                "R22",
                "UsernameMessageSecurityBinding on a server needs password_validator, got "
                f"{_short(binding.password_validator)}.",
                "set password_validator to a function (username, password) -> bool that "
                "returns True only for valid credentials.",
            )
    for header_auth in ctx.of_type(HttpHeaderAuthSecurityBinding):
        if _scheme_of(header_auth) & HttpHeaderAuthScheme.BASIC and not callable(header_auth.password_validator):
            _fail(
                "R22",
                "HttpHeaderAuthSecurityBinding with the BASIC scheme on a server needs "
                f"password_validator, got {_short(header_auth.password_validator)} (WWSAPI checks "
                "Basic credentials against Windows accounts; here the application does).",
                "set password_validator to a function (username, password) -> bool.",
            )


def _password_validator_is_server_only(ctx: _Context) -> None:
    """A client has no passwords to judge; a validator there would suggest checks that never run."""
    if not ctx.is_client:
        return
    for binding in ctx.bindings:
        if getattr(binding, "password_validator", None) is not None:
            _fail(
                "R22",
                f"{_name(binding)} on a client has a password_validator; only servers validate passwords.",
                "remove password_validator from the client description (set client_credential instead).",
            )


def _r23_windows_credential_on_client(ctx: _Context) -> None:
    """These bindings authenticate the client with a Windows identity the client must supply."""
    if not ctx.is_client:
        return
    for binding in ctx.bindings:
        if not isinstance(binding, _WINDOWS_CREDENTIAL_BINDINGS):
            continue
        credential = binding.client_credential
        if not isinstance(credential, WindowsIntegratedAuthCredential):
            got = "None" if credential is None else _name(credential)
            _fail(
                "R23",
                f"{_name(binding)} on a client needs client_credential (a Windows-integrated "
                f"credential), got {got}.",
                "set client_credential=DefaultWindowsIntegratedAuthCredential() for the current "
                "identity, or StringWindowsIntegratedAuthCredential(username, password, domain).",
            )


def _r24_no_windows_credential_on_server(ctx: _Context) -> None:
    """A listener authenticates clients and never logs in as anyone: a credential is a mistake."""
    if not ctx.is_server:
        return
    for binding in ctx.bindings:
        if not isinstance(binding, _WINDOWS_CREDENTIAL_BINDINGS):
            continue
        if binding.client_credential is not None:
            _fail(
                "R24",
                f"{_name(binding)} on a server has client_credential "
                f"{_name(binding.client_credential)}; a server binding must not carry one.",
                f"leave client_credential=None on the server's {_name(binding)}.",
            )


def _r25_no_server_certificate_on_http(ctx: _Context) -> None:
    """On HTTP the server's TLS certificate belongs to the HTTP server, not the description."""
    if not (ctx.is_server and ctx.channel is ChannelBinding.HTTP):
        return
    for binding in ctx.of_type(SslTransportSecurityBinding):
        if binding.local_cert_credential is not None:
            _fail(
                "R25",
                "SslTransportSecurityBinding on an HTTP server has local_cert_credential set; the "
                "server certificate is configured in the HTTP/WSGI server, not here.",
                "use SslTransportSecurityBinding() with local_cert_credential=None and give the "
                "certificate to the web server's TLS configuration.",
            )


def _r26_saml_authenticator(ctx: _Context) -> None:
    """Without an authenticator nothing would check who signed the assertion."""
    for binding in ctx.of_type(SamlMessageSecurityBinding):
        if binding.authenticator is None:
            _fail(
                "R26",
                "SamlMessageSecurityBinding has no authenticator, so no received assertion could "
                "be checked.",
                "set authenticator=CertSignedSamlAuthenticator(trusted_issuer_certs=[...]).",
            )


def _r27_trusted_issuers(ctx: _Context) -> None:
    """An empty issuer allow-list would reject every assertion (or worse, trust any).

    Checked duck-typed: any authenticator exposing ``trusted_issuer_certs``.
    """
    missing = object()
    for binding in ctx.of_type(SamlMessageSecurityBinding):
        certs = getattr(binding.authenticator, "trusted_issuer_certs", missing)
        if certs is not missing and not certs:
            _fail(
                "R27",
                f"the authenticator of SamlMessageSecurityBinding ({_name(binding.authenticator)}) "
                "has no trusted issuer certificates, so it could accept no assertion.",
                "pass the certificate(s) of the token issuer(s) you trust as "
                "trusted_issuer_certs.",
            )


def _r28_xml_token_present(ctx: _Context) -> None:
    """The XML-token binding exists only to present its token."""
    for binding in ctx.of_type(XmlTokenMessageSecurityBinding):
        token = binding.xml_token
        if token is None:
            _fail(
                "R28",
                "XmlTokenMessageSecurityBinding has no xml_token.",
                "set xml_token=create_xml_security_token(token_xml) (or a token obtained with "
                "request_security_token).",
            )
        if getattr(token, "is_freed", False):
            _fail(
                "R28",
                "the xml_token of XmlTokenMessageSecurityBinding was freed before the "
                "description was checked.",
                "free the token only after the channel has been created (the channel keeps its "
                "own copy), or create a new one.",
            )


def _r29_bootstrap_present(ctx: _Context) -> None:
    """A security context is negotiated under its bootstrap description; it cannot be absent.

    The bootstrap is checked against the class of the description being checked, so this table
    needs no import of the description module (which imports it).
    """
    for binding in ctx.of_type(SecurityContextMessageSecurityBinding):
        bootstrap = binding.bootstrap_security_description
        if not isinstance(bootstrap, type(ctx.description)):
            got = "None" if bootstrap is None else _name(bootstrap)
            _fail(
                "R29",
                "SecurityContextMessageSecurityBinding needs bootstrap_security_description (the "
                f"security used to obtain the context token), got {got}.",
                "set bootstrap_security_description=SecurityDescription([...]), e.g. SSL plus a "
                "username binding.",
            )


# ---------------------------------------------------------------------------------------------
# R30-R33: message and header bindings need a protecting transport
# ---------------------------------------------------------------------------------------------


def _r30_client_message_needs_transport(ctx: _Context) -> None:
    """Supporting tokens authenticate but do not protect; a client must not send them in clear."""
    if not ctx.is_client or any(b.is_transport for b in ctx.bindings):
        return
    for binding in ctx.message_bindings():
        _fail(
            "R30",
            f"{_name(binding)} on a client has no transport security binding ({_TRANSPORT_NAMES}) "
            "to protect its token, which would be sent in clear.",
            "add SslTransportSecurityBinding() on HTTP or TcpSspiTransportSecurityBinding("
            "client_credential=...) on TCP.",
        )


def _r31_tcp_message_needs_sspi(ctx: _Context) -> None:
    """On TCP only the SSPI transport can protect a WS-Security token."""
    if ctx.channel is not ChannelBinding.TCP or ctx.has(TcpSspiTransportSecurityBinding):
        return
    for binding in ctx.message_bindings():
        _fail(
            "R31",
            f"{_name(binding)} on a TCP channel needs TcpSspiTransportSecurityBinding to protect "
            "its token.",
            "add TcpSspiTransportSecurityBinding() (client_credential=... on a client).",
        )


_CLEAR_ON_HTTP_SERVER = (
    UsernameMessageSecurityBinding,
    KerberosApreqMessageSecurityBinding,
    SecurityContextMessageSecurityBinding,
    SamlMessageSecurityBinding,
)


def _r32_http_server_message_needs_ssl(ctx: _Context) -> None:
    """Accepting tokens in clear is possible only when the server opts out of protection."""
    if not (ctx.is_server and ctx.channel is ChannelBinding.HTTP):
        return
    if ctx.has(SslTransportSecurityBinding) or ctx.description.protection_level_is_explicitly_none:
        return
    for binding in ctx.bindings:
        if isinstance(binding, _CLEAR_ON_HTTP_SERVER):
            _fail(
                "R32",
                f"{_name(binding)} on an HTTP server without SslTransportSecurityBinding accepts "
                "tokens sent in clear.",
                f"add SslTransportSecurityBinding(), or {_NONE_FIX}.",
            )


def _r33_header_auth_needs_ssl(ctx: _Context) -> None:
    """HTTP header auth protects nothing; without SSL the request travels in clear."""
    if ctx.channel is not ChannelBinding.HTTP:
        return
    if ctx.has(SslTransportSecurityBinding) or ctx.description.protection_level_is_explicitly_none:
        return
    if ctx.has(HttpHeaderAuthSecurityBinding):
        _fail(
            "R33",
            "HttpHeaderAuthSecurityBinding on HTTP without SslTransportSecurityBinding sends "
            "credentials and messages in clear.",
            f"add SslTransportSecurityBinding(), or {_NONE_FIX}.",
        )


# ---------------------------------------------------------------------------------------------
# R34-R40: HTTP header authentication
# ---------------------------------------------------------------------------------------------

_ALL_SCHEMES = _all_bits(HttpHeaderAuthScheme)
_SINGLE_SCHEME_BITS = {int(flag) for flag in HttpHeaderAuthScheme}


def _header_auth_bindings(ctx: _Context) -> list[tuple[HttpHeaderAuthSecurityBinding, int]]:
    return [(b, _scheme_of(b)) for b in ctx.of_type(HttpHeaderAuthSecurityBinding)]


def _r34_scheme_known_bits(ctx: _Context) -> None:
    """The scheme is a set of known flags; 0 would mean no scheme at all."""
    for _binding, scheme in _header_auth_bindings(ctx):
        if scheme == 0 or scheme & ~_ALL_SCHEMES:
            _fail(
                "R34",
                f"SecurityBindingProperty.HTTP_HEADER_AUTH_SCHEME on HttpHeaderAuthSecurityBinding "
                f"is {scheme:#x}: it must be a non-empty combination of known schemes.",
                "combine HttpHeaderAuthScheme members with |, e.g. "
                "HttpHeaderAuthScheme.NEGOTIATE | HttpHeaderAuthScheme.NTLM (or leave it unset "
                "for NEGOTIATE).",
            )


def _r35_passport_alone(ctx: _Context) -> None:
    """Passport has its own keyring flow and cannot be negotiated against other schemes."""
    for _binding, scheme in _header_auth_bindings(ctx):
        if scheme & HttpHeaderAuthScheme.PASSPORT and scheme != HttpHeaderAuthScheme.PASSPORT:
            _fail(
                "R35",
                "SecurityBindingProperty.HTTP_HEADER_AUTH_SCHEME on HttpHeaderAuthSecurityBinding "
                f"combines PASSPORT with other schemes ({_scheme_text(scheme)}).",
                "use HttpHeaderAuthScheme.PASSPORT alone, or drop PASSPORT.",
            )


def _r36_proxy_single_scheme(ctx: _Context) -> None:
    """Proxies are not probed for schemes, so exactly one real scheme must be named."""
    for binding, scheme in _header_auth_bindings(ctx):
        target = _properties_of(binding).get(SBP.HTTP_HEADER_AUTH_TARGET)
        if target != HttpHeaderAuthTarget.PROXY:
            continue
        if (
            scheme not in _SINGLE_SCHEME_BITS
            or scheme in (HttpHeaderAuthScheme.NONE, HttpHeaderAuthScheme.PASSPORT)
        ):
            _fail(
                "R36",
                "HttpHeaderAuthSecurityBinding targets an HTTP proxy "
                "(HTTP_HEADER_AUTH_TARGET=PROXY) with scheme "
                f"{_scheme_text(scheme)}; a proxy needs exactly one scheme, not NONE or PASSPORT.",
                "set SecurityBindingProperty.HTTP_HEADER_AUTH_SCHEME to exactly one of BASIC, "
                "DIGEST, NTLM or NEGOTIATE.",
            )


def _r37_no_none_scheme_on_server(ctx: _Context) -> None:
    """NONE lets a client fall back to anonymous; a server requiring 'nothing' is meaningless."""
    if not ctx.is_server:
        return
    for _binding, scheme in _header_auth_bindings(ctx):
        if scheme & HttpHeaderAuthScheme.NONE:
            _fail(
                "R37",
                "SecurityBindingProperty.HTTP_HEADER_AUTH_SCHEME on the server's "
                f"HttpHeaderAuthSecurityBinding includes NONE ({_scheme_text(scheme)}); NONE is "
                "client-only.",
                "remove HttpHeaderAuthScheme.NONE from the server's scheme (to allow anonymous "
                "clients, leave HttpHeaderAuthSecurityBinding out).",
            )


_PASSWORD_SCHEMES = HttpHeaderAuthScheme.BASIC | HttpHeaderAuthScheme.DIGEST


def _r38_default_credential_not_basic_digest(ctx: _Context) -> None:
    """Basic and Digest send a password, which the current thread's identity cannot provide."""
    for binding, scheme in _header_auth_bindings(ctx):
        if isinstance(binding.client_credential, DefaultWindowsIntegratedAuthCredential) and (
            scheme & _PASSWORD_SCHEMES
        ):
            _fail(
                "R38",
                "HttpHeaderAuthSecurityBinding uses DefaultWindowsIntegratedAuthCredential with "
                f"scheme {_scheme_text(scheme)}; BASIC and DIGEST need an explicit password.",
                "use NEGOTIATE, NTLM (or NONE/PASSPORT) with the default credential, or give "
                "StringWindowsIntegratedAuthCredential(username, password, domain).",
            )


def _r39_basic_digest_need_string_credential(ctx: _Context) -> None:
    """Basic and Digest need a username and password in clear form.

    A server binding has no credential at all (R24), so this only ever concerns a client.
    """
    for binding, scheme in _header_auth_bindings(ctx):
        credential = binding.client_credential
        if (
            scheme & _PASSWORD_SCHEMES
            and credential is not None
            and not isinstance(credential, StringWindowsIntegratedAuthCredential)
        ):
            _fail(
                "R39",
                f"HttpHeaderAuthSecurityBinding uses scheme {_scheme_text(scheme)} with "
                f"client_credential {_name(credential)}; BASIC and DIGEST need a username and "
                "password.",
                "set client_credential=StringWindowsIntegratedAuthCredential(username, password, "
                "domain), or use NEGOTIATE/NTLM.",
            )


def _r40_realms_are_server_only(ctx: _Context) -> None:
    """Realms and domains are what a server announces in its challenge; a client has none."""
    if not ctx.is_client:
        return
    for binding in ctx.of_type(HttpHeaderAuthSecurityBinding):
        for pid in _properties_of(binding):
            if _is_int(pid) and pid in _REALM_PROPERTIES:
                name = SecurityBindingProperty(pid).name
                _fail(
                    "R40",
                    f"SecurityBindingProperty.{name} on the client's HttpHeaderAuthSecurityBinding "
                    "is server-only (the server announces realms in its challenge).",
                    f"remove SecurityBindingProperty.{name} from the client binding.",
                )


# ---------------------------------------------------------------------------------------------
# R41-R44: channel-wide properties that depend on the bindings
# ---------------------------------------------------------------------------------------------

_EXTENDED_PROTECTION = (SP.EXTENDED_PROTECTION_POLICY, SP.EXTENDED_PROTECTION_SCENARIO)


def _r41_extended_protection(ctx: _Context) -> None:
    """Extended protection binds Windows auth on an HTTP server to its TLS channel, nothing else."""
    present = [p for p in _EXTENDED_PROTECTION if p in ctx.properties]
    if not present:
        return
    name = f"SecurityProperty.{present[0].name}"
    if ctx.is_client:
        _fail(
            "R41",
            f"{name} is set on a client (channel) description; extended protection is server-only.",
            f"remove {name} from the client's description.",
        )
    if ctx.channel is not None and ctx.channel is not ChannelBinding.HTTP:
        _fail(
            "R41",
            f"{name} is set on a {ctx.channel.name} channel; extended protection is HTTP-only.",
            f"remove {name}, or use it on an HTTP listener.",
        )
    if not (ctx.has(HttpHeaderAuthSecurityBinding) or ctx.has(KerberosApreqMessageSecurityBinding)):
        _fail(
            "R41",
            f"{name} is set but the description has neither HttpHeaderAuthSecurityBinding nor "
            "KerberosApreqMessageSecurityBinding, the only bindings it applies to.",
            f"remove {name}, or add the Windows-auth binding it should protect.",
        )


def _service_identities_needed(ctx: _Context) -> bool:
    """On an HTTP server SPNs are how header auth is tied to the service when SSL cannot be."""
    header_without_ssl = ctx.has(HttpHeaderAuthSecurityBinding) and not ctx.has(
        SslTransportSecurityBinding
    )
    terminated_ssl = (
        ctx.properties.get(SP.EXTENDED_PROTECTION_SCENARIO)
        == ExtendedProtectionScenario.TERMINATED_SSL
    )
    return header_without_ssl or terminated_ssl


def _r42_service_identities(ctx: _Context) -> None:
    """SERVICE_IDENTITIES lists the SPNs an HTTP server answers to, exactly when they are needed."""
    name = "SecurityProperty.SERVICE_IDENTITIES"
    needed = _service_identities_needed(ctx)
    if SP.SERVICE_IDENTITIES in ctx.properties:
        if ctx.is_client:
            _fail(
                "R42",
                f"{name} is set on a client (channel) description; it is server-only.",
                f"remove {name}; a client names the server through its endpoint address identity.",
            )
        if ctx.channel is not None and ctx.channel is not ChannelBinding.HTTP:
            _fail(
                "R42",
                f"{name} is set on a {ctx.channel.name} channel; it is HTTP-only.",
                f"remove {name}.",
            )
        if not needed:
            _fail(
                "R42",
                f"{name} is set, but it is only allowed when HttpHeaderAuthSecurityBinding is "
                "used without SslTransportSecurityBinding or the extended protection scenario is "
                "TERMINATED_SSL.",
                f"remove {name}.",
            )
    elif needed and ctx.is_server and ctx.channel is ChannelBinding.HTTP:
        _fail(
            "R42",
            f"an HTTP server using HttpHeaderAuthSecurityBinding without SSL, or with extended "
            f"protection scenario TERMINATED_SSL, needs {name} (the SPNs it answers to).",
            f"set {name} to a list of the service's SPNs, e.g. ['HTTP/host.example.com'].",
        )


def _r43_reserved_suite_fields(ctx: _Context) -> None:
    """Encryption and symmetric key wrap are reserved in WWSAPI (no message encryption)."""
    suite = ctx.properties.get(SP.ALGORITHM_SUITE)
    if not isinstance(suite, SecurityAlgorithmSuite):
        return
    for field_name in ("encryption", "symmetric_key_wrap"):
        value = getattr(suite, field_name)
        if value != SecurityAlgorithmId.DEFAULT:
            _fail(
                "R43",
                f"SecurityAlgorithmSuite.{field_name} is {_short(value)}; the field is reserved "
                "and must stay SecurityAlgorithmId.DEFAULT.",
                f"leave {field_name} unset in SecurityAlgorithmSuite(...).",
            )
    if suite.properties:
        _fail(
            "R43",
            "SecurityAlgorithmSuite.properties is not empty; the field is reserved.",
            "leave properties unset in SecurityAlgorithmSuite(...).",
        )


def _signature_binding(ctx: _Context) -> SecurityBinding | None:
    """A binding whose token signs the message (and with it the Timestamp), if any."""
    for binding in ctx.bindings:
        if isinstance(binding, KerberosApreqMessageSecurityBinding):
            return binding
        if isinstance(binding, XmlTokenMessageSecurityBinding):
            if getattr(binding.xml_token, "key_type", SecurityKeyType.NONE) != SecurityKeyType.NONE:
                return binding
    return None


def _r44_timestamps_needed_for_signatures(ctx: _Context) -> None:
    """An endorsing signature must cover a Timestamp, so timestamps cannot be switched off."""
    usage = ctx.properties.get(SP.TIMESTAMP_USAGE)
    if usage != SecurityTimestampUsage.NEVER:
        return
    binding = _signature_binding(ctx)
    if binding is not None:
        why = (
            "its Kerberos token signs the message"
            if isinstance(binding, KerberosApreqMessageSecurityBinding)
            else "its xml_token has a proof key, which signs the message"
        )
        _fail(
            "R44",
            f"SecurityProperty.TIMESTAMP_USAGE is NEVER, but {_name(binding)} needs a signed "
            f"Timestamp: {why}.",
            "use SecurityTimestampUsage.ALWAYS (the default) or REQUESTS_ONLY.",
        )


_RULES: Sequence[Callable[[_Context], None]] = (
    _r1_binding_types,
    _r2_binding_properties_accepted,
    _r3_client_only_properties_on_server,
    _r4_server_only_properties_on_client,
    _r5_security_properties,
    _r6_one_algorithm_suite,
    _r7_to_r10_at_most_one,
    _r11_to_r14_transport_channel,
    _r15_no_message_binding_on_named_pipe,
    _r16_nothing_on_udp,
    _r17_xml_token_is_client_only,
    _r18_saml_is_server_only,
    _r19_supporting_usage,
    _r20_no_properties_on_token_bindings,
    _r21_username_client_credential,
    _r22_username_password_validator,
    _password_validator_is_server_only,
    _r23_windows_credential_on_client,
    _r24_no_windows_credential_on_server,
    _r25_no_server_certificate_on_http,
    _r26_saml_authenticator,
    _r27_trusted_issuers,
    _r28_xml_token_present,
    _r29_bootstrap_present,
    _r30_client_message_needs_transport,
    _r31_tcp_message_needs_sspi,
    _r32_http_server_message_needs_ssl,
    _r33_header_auth_needs_ssl,
    _r34_scheme_known_bits,
    _r35_passport_alone,
    _r36_proxy_single_scheme,
    _r37_no_none_scheme_on_server,
    _r38_default_credential_not_basic_digest,
    _r39_basic_digest_need_string_credential,
    _r40_realms_are_server_only,
    _r41_extended_protection,
    _r42_service_identities,
    _r43_reserved_suite_fields,
    _r44_timestamps_needed_for_signatures,
)
"""The rules in numeric order: the first one broken is the one reported."""


def _check_bootstraps(ctx: _Context, enclosing: frozenset[int]) -> None:
    """A security context's bootstrap description is used on the same side and channel.

    It is checked after the outer description, with the same side and channel; its errors keep
    their own rule id and say where they come from.
    """
    for binding in ctx.of_type(SecurityContextMessageSecurityBinding):
        bootstrap = binding.bootstrap_security_description
        if bootstrap is None:  # pragma: no cover - R29 has rejected it already
            continue
        if id(bootstrap) in enclosing:
            _fail(
                "R29",
                "the bootstrap_security_description of SecurityContextMessageSecurityBinding "
                "contains the description itself.",
                "give the security context its own bootstrap description (e.g. SSL plus a "
                "username binding) without a security context binding that loops back.",
            )
        try:
            _check(bootstrap, ctx.side, ctx.channel, enclosing)
        except InvalidSecurityDescription as exc:
            raise InvalidSecurityDescription(
                exc.rule,
                "in the bootstrap_security_description of SecurityContextMessageSecurityBinding: "
                + exc.problem,
                exc.fix,
            ) from None
