"""Creation-time rules R1-R44 (wsbind/rules.py): one or more tests per rule.

Each test asserts the exact rule id raised and, where the rule has a condition, that the valid
neighbour (same description with the condition fixed) passes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, cast

import pytest

from wsbind.errors import AnonymousServerWarning, InvalidSecurityDescription
from wsbind.model.algorithms import SecurityAlgorithmSuite
from wsbind.model.bindings import (
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
    CertCredential,
    DefaultWindowsIntegratedAuthCredential,
    OpaqueWindowsIntegratedAuthCredential,
    StringUsernameCredential,
    StringWindowsIntegratedAuthCredential,
)
from wsbind.model.description import SecurityDescription
from wsbind.model.enums import (
    CertFailure,
    ChannelBinding,
    ExtendedProtectionPolicy,
    ExtendedProtectionScenario,
    HttpHeaderAuthScheme,
    HttpHeaderAuthTarget,
    ImpersonationLevel,
    ProtectionLevel,
    SecureProtocol,
    SecurityAlgorithmId,
    SecurityAlgorithmSuiteName,
    SecurityBindingProperty,
    SecurityTimestampUsage,
    Side,
)
from wsbind.model.enums import SecurityProperty as SP
from wsbind.wss.keys import RawSymmetricSecurityKeyHandle
from wsbind.wss.tokens import XmlSecurityToken, create_xml_security_token, free_security_token

SBP = SecurityBindingProperty
HTTP, TCP, UDP, CUSTOM, PIPE = (
    ChannelBinding.HTTP,
    ChannelBinding.TCP,
    ChannelBinding.UDP,
    ChannelBinding.CUSTOM,
    ChannelBinding.NAMEDPIPE,
)
CLIENT, SERVER = Side.CLIENT, Side.SERVER


# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------


class _Auth:
    """Stand-in SAML authenticator: the rules only look at ``trusted_issuer_certs``."""

    trusted_issuer_certs: Any = ("x",)


class _NoIssuersAuth:
    trusted_issuer_certs: Any = ()


def _auth() -> Any:
    """The stand-in, typed loosely: it is not a wsbind.SamlAuthenticator."""
    return _Auth()


def _validator(username: str, password: str) -> bool:
    return username == "alice" and password == "secret"


def _win() -> StringWindowsIntegratedAuthCredential:
    return StringWindowsIntegratedAuthCredential("alice", "secret", "CORP")


def _user() -> StringUsernameCredential:
    return StringUsernameCredential("alice", "secret")


def _bearer() -> XmlSecurityToken:
    return create_xml_security_token(b"<t/>")


def _keyed() -> XmlSecurityToken:
    return create_xml_security_token(
        b"<t/>", RawSymmetricSecurityKeyHandle(b"k" * 32), attached_reference=b"<r/>"
    )


def _desc(
    *bindings: SecurityBinding, props: Mapping[Any, Any] | None = None
) -> SecurityDescription:
    return SecurityDescription(bindings, props)


def _rule(make: Callable[[], object]) -> InvalidSecurityDescription:
    """Run ``make`` and return the InvalidSecurityDescription it must raise."""
    with pytest.raises(InvalidSecurityDescription) as exc:
        make()
    return exc.value


def _validate_rule(
    bindings: Iterable[SecurityBinding],
    side: Side,
    channel: ChannelBinding,
    props: Mapping[Any, Any] | None = None,
) -> str:
    """The rule a description that builds fine breaks once validated for ``side``/``channel``."""
    description = SecurityDescription(bindings, props)
    with pytest.raises(InvalidSecurityDescription) as exc:
        description.validate(side, channel)
    return exc.value.rule


def _ok(
    bindings: Iterable[SecurityBinding],
    side: Side,
    channel: ChannelBinding,
    props: Mapping[Any, Any] | None = None,
) -> None:
    SecurityDescription(bindings, props).validate(side, channel)


def _bootstrap_client() -> SecurityDescription:
    return _desc(
        SslTransportSecurityBinding(), UsernameMessageSecurityBinding(client_credential=_user())
    )


def _bootstrap_server() -> SecurityDescription:
    return _desc(
        SslTransportSecurityBinding(), UsernameMessageSecurityBinding(password_validator=_validator)
    )


# ---------------------------------------------------------------------------------------------
# Typical descriptions
# ---------------------------------------------------------------------------------------------


def test_typical_client_ssl_with_xml_token_passes() -> None:
    _ok(
        [SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(xml_token=_bearer())],
        CLIENT,
        HTTP,
    )


def test_typical_server_ssl_with_saml_passes() -> None:
    _ok(
        [SslTransportSecurityBinding(), SamlMessageSecurityBinding(authenticator=_auth())],
        SERVER,
        HTTP,
    )


def test_typical_server_with_real_cert_signed_authenticator_passes() -> None:
    authenticator_module = pytest.importorskip("wsbind.saml.authenticator")
    trustme = pytest.importorskip("trustme")
    issuer = trustme.CA().cert_pem.bytes()
    authenticator = authenticator_module.CertSignedSamlAuthenticator([issuer])
    _ok(
        [SslTransportSecurityBinding(), SamlMessageSecurityBinding(authenticator=authenticator)],
        SERVER,
        HTTP,
    )


@pytest.mark.filterwarnings("ignore::wsbind.errors.AnonymousServerWarning")  # rules, not the warning
def test_empty_description_passes_everywhere() -> None:
    for side in Side:
        for channel in ChannelBinding:
            _ok([], side, channel)


def test_template_combinations_pass() -> None:
    """The wsutil templates of spec section 4b, on the side they make sense."""
    _ok(
        [SslTransportSecurityBinding(), HttpHeaderAuthSecurityBinding(client_credential=_win())],
        CLIENT,
        HTTP,
    )
    _ok([SslTransportSecurityBinding(), HttpHeaderAuthSecurityBinding()], SERVER, HTTP)
    _ok([TcpSspiTransportSecurityBinding(client_credential=_win())], CLIENT, TCP)
    _ok(
        [
            TcpSspiTransportSecurityBinding(client_credential=_win()),
            KerberosApreqMessageSecurityBinding(client_credential=_win()),
        ],
        CLIENT,
        TCP,
    )
    _ok(
        [
            TcpSspiTransportSecurityBinding(),
            UsernameMessageSecurityBinding(password_validator=_validator),
        ],
        SERVER,
        TCP,
    )
    _ok([NamedPipeSspiTransportSecurityBinding()], SERVER, PIPE)


def test_message_names_rule_problem_and_fix() -> None:
    description = _desc(SamlMessageSecurityBinding(authenticator=_auth()))
    exc = _rule(lambda: description.validate(SERVER, HTTP))
    assert exc.rule == "R32"
    assert "SamlMessageSecurityBinding" in exc.problem
    assert "SslTransportSecurityBinding()" in exc.fix
    assert "SecurityProperty.TRANSPORT_PROTECTION_LEVEL" in exc.fix
    assert str(exc) == f"R32: {exc.problem} Fix: {exc.fix}"


# ---------------------------------------------------------------------------------------------
# R1-R10
# ---------------------------------------------------------------------------------------------


def test_r1_object_that_is_not_a_binding_is_rejected() -> None:
    exc = _rule(lambda: SecurityDescription(["ssl"]))  # type: ignore[list-item]
    assert exc.rule == "R1"
    assert "str" in exc.problem


def test_r1_binding_type_outside_1_to_9_is_rejected() -> None:
    class Mystery(SecurityBinding):
        binding_type: ClassVar[int] = 42
        properties: Mapping[Any, Any] = {}

    assert _rule(lambda: _desc(Mystery())).rule == "R1"


def test_r1_subclass_changing_binding_type_is_rejected() -> None:
    @dataclass(frozen=True)
    class FakeSsl(SslTransportSecurityBinding):
        binding_type: ClassVar[int] = 3  # claims to be HTTP header auth

    exc = _rule(lambda: _desc(FakeSsl()))
    assert exc.rule == "R1"
    assert "HttpHeaderAuthSecurityBinding" in exc.problem
    _desc(SslTransportSecurityBinding())  # the real class passes


def test_r2_unknown_binding_property_id_is_rejected() -> None:
    exc = _rule(lambda: _desc(SslTransportSecurityBinding(properties={99: True})))
    assert exc.rule == "R2"
    assert "SslTransportSecurityBinding" in exc.problem


def test_r2_property_not_accepted_by_binding_is_rejected() -> None:
    ssl = SslTransportSecurityBinding(properties={SBP.WINDOWS_INTEGRATED_AUTH_PACKAGE: 3})
    exc = _rule(lambda: _desc(ssl))
    assert exc.rule == "R2"
    assert "WINDOWS_INTEGRATED_AUTH_PACKAGE" in exc.problem
    assert "REQUIRE_SSL_CLIENT_CERT" in exc.fix  # lists what is accepted
    _desc(TcpSspiTransportSecurityBinding(properties={SBP.WINDOWS_INTEGRATED_AUTH_PACKAGE: 3}))


def test_r2_non_mapping_properties_are_rejected() -> None:
    ssl = SslTransportSecurityBinding(properties=[(1, True)])  # type: ignore[arg-type]
    assert _rule(lambda: _desc(ssl)).rule == "R2"


@pytest.mark.parametrize(
    ("binding_class", "pid", "value"),
    [
        (SslTransportSecurityBinding, SBP.REQUIRE_SSL_CLIENT_CERT, 1),
        (SslTransportSecurityBinding, SBP.DISABLE_CERT_REVOCATION_CHECK, "yes"),
        (SslTransportSecurityBinding, SBP.CERT_FAILURES_TO_IGNORE, 0x40),
        (SslTransportSecurityBinding, SBP.DISALLOWED_SECURE_PROTOCOLS, CertFailure.CN_MISMATCH),
        (SslTransportSecurityBinding, SBP.CERTIFICATE_VALIDATION_CALLBACK_CONTEXT, "callback"),
        (TcpSspiTransportSecurityBinding, SBP.WINDOWS_INTEGRATED_AUTH_PACKAGE, 7),
        (
            TcpSspiTransportSecurityBinding,
            SBP.WINDOWS_INTEGRATED_AUTH_PACKAGE,
            ProtectionLevel.SIGN,
        ),
        (TcpSspiTransportSecurityBinding, SBP.WINDOWS_INTEGRATED_AUTH_PACKAGE, True),
        (TcpSspiTransportSecurityBinding, SBP.ALLOWED_IMPERSONATION_LEVEL, 4),
        (HttpHeaderAuthSecurityBinding, SBP.HTTP_HEADER_AUTH_SCHEME, "NEGOTIATE"),
        (HttpHeaderAuthSecurityBinding, SBP.HTTP_HEADER_AUTH_TARGET, 3),
        (HttpHeaderAuthSecurityBinding, SBP.HTTP_HEADER_AUTH_BASIC_REALM, 5),
        (SecurityContextMessageSecurityBinding, SBP.SECURITY_CONTEXT_KEY_SIZE, 0),
        (SecurityContextMessageSecurityBinding, SBP.SECURITY_CONTEXT_MAX_ACTIVE_CONTEXTS, -1),
        (
            SecurityContextMessageSecurityBinding,
            SBP.SECURITY_CONTEXT_RENEWAL_INTERVAL,
            timedelta(0),
        ),
        (SecurityContextMessageSecurityBinding, SBP.SECURITY_CONTEXT_ROLLOVER_INTERVAL, 300),
        (SecurityContextMessageSecurityBinding, SBP.SECURITY_CONTEXT_SUPPORT_RENEW, None),
        (SecurityContextMessageSecurityBinding, SBP.MESSAGE_PROPERTIES, [1]),
    ],
)
def test_r2_malformed_binding_property_value_is_rejected(
    binding_class: type[Any], pid: SecurityBindingProperty, value: object
) -> None:
    kwargs: dict[str, Any] = {"properties": {pid: value}}
    if binding_class is SecurityContextMessageSecurityBinding:
        kwargs["bootstrap_security_description"] = _bootstrap_client()
    exc = _rule(lambda: _desc(binding_class(**kwargs)))
    assert exc.rule == "R2"
    assert "malformed" in exc.problem
    assert pid.name in exc.problem


@pytest.mark.parametrize(
    ("binding_class", "pid", "value"),
    [
        (SslTransportSecurityBinding, SBP.REQUIRE_SSL_CLIENT_CERT, True),
        (SslTransportSecurityBinding, SBP.CERT_FAILURES_TO_IGNORE, 0),
        (SslTransportSecurityBinding, SBP.CERT_FAILURES_TO_IGNORE, CertFailure.CN_MISMATCH | 0x10),
        (SslTransportSecurityBinding, SBP.DISALLOWED_SECURE_PROTOCOLS, SecureProtocol.SSL3),
        (SslTransportSecurityBinding, SBP.CERTIFICATE_VALIDATION_CALLBACK_CONTEXT, lambda c: True),
        (TcpSspiTransportSecurityBinding, SBP.WINDOWS_INTEGRATED_AUTH_PACKAGE, 2),
        (
            TcpSspiTransportSecurityBinding,
            SBP.ALLOWED_IMPERSONATION_LEVEL,
            ImpersonationLevel.ANONYMOUS,
        ),
        (HttpHeaderAuthSecurityBinding, SBP.HTTP_HEADER_AUTH_TARGET, HttpHeaderAuthTarget.SERVICE),
        (HttpHeaderAuthSecurityBinding, SBP.HTTP_HEADER_AUTH_DIGEST_DOMAIN, "/app"),
        (SecurityContextMessageSecurityBinding, SBP.SECURITY_CONTEXT_KEY_SIZE, 256),
        (
            SecurityContextMessageSecurityBinding,
            SBP.SECURITY_CONTEXT_RENEWAL_INTERVAL,
            timedelta(hours=1),
        ),
        (SecurityContextMessageSecurityBinding, SBP.MESSAGE_PROPERTIES, {}),
    ],
)
def test_r2_well_formed_binding_property_value_passes(
    binding_class: type[Any], pid: SecurityBindingProperty, value: object
) -> None:
    kwargs: dict[str, Any] = {"properties": {pid: value}}
    if binding_class is SecurityContextMessageSecurityBinding:
        kwargs["bootstrap_security_description"] = _bootstrap_client()
    _desc(binding_class(**kwargs))


def test_r2_defers_to_r20_on_username_xml_token_and_saml() -> None:
    binding = UsernameMessageSecurityBinding(properties={99: True})
    assert _rule(lambda: _desc(binding)).rule == "R20"


def test_r3_client_only_property_on_server_is_rejected() -> None:
    ssl = SslTransportSecurityBinding(
        properties={SBP.CERT_FAILURES_TO_IGNORE: CertFailure.CN_MISMATCH}
    )
    assert _validate_rule([ssl], SERVER, HTTP) == "R3"
    _ok([ssl], CLIENT, HTTP)


def test_r3_impersonation_level_on_server_kerberos_is_rejected() -> None:
    kerberos = KerberosApreqMessageSecurityBinding(
        properties={SBP.ALLOWED_IMPERSONATION_LEVEL: ImpersonationLevel.IMPERSONATION}
    )
    assert _validate_rule([SslTransportSecurityBinding(), kerberos], SERVER, HTTP) == "R3"


def test_r4_server_only_property_on_client_is_rejected() -> None:
    ssl = SslTransportSecurityBinding(properties={SBP.REQUIRE_SSL_CLIENT_CERT: True})
    assert _validate_rule([ssl], CLIENT, HTTP) == "R4"
    _ok([ssl], SERVER, HTTP)


def test_r4_max_pending_contexts_on_client_is_rejected() -> None:
    def context(bootstrap: SecurityDescription) -> SecurityContextMessageSecurityBinding:
        return SecurityContextMessageSecurityBinding(
            bootstrap_security_description=bootstrap,
            properties={SBP.SECURITY_CONTEXT_MAX_PENDING_CONTEXTS: 10},
        )

    ssl = SslTransportSecurityBinding()
    assert _validate_rule([ssl, context(_bootstrap_client())], CLIENT, HTTP) == "R4"
    _ok([ssl, context(_bootstrap_server())], SERVER, HTTP)


@pytest.mark.parametrize("pid", [0, 13, -1, "TIMESTAMP_USAGE", True])
def test_r5_unknown_security_property_id_is_rejected(pid: Any) -> None:
    assert _rule(lambda: _desc(props={pid: 1})).rule == "R5"


@pytest.mark.parametrize(
    ("pid", "value"),
    [
        (SP.TRANSPORT_PROTECTION_LEVEL, "NONE"),
        (SP.TRANSPORT_PROTECTION_LEVEL, 0),
        (SP.TRANSPORT_PROTECTION_LEVEL, SecurityTimestampUsage.NEVER),  # right int, wrong enum
        (SP.ALGORITHM_SUITE, SecurityAlgorithmSuiteName.BASIC256),
        (SP.ALGORITHM_SUITE, SecurityAlgorithmSuite(digest=99)),
        (SP.ALGORITHM_SUITE_NAME, 13),
        (SP.MAX_ALLOWED_LATENCY, 300),
        (SP.TIMESTAMP_VALIDITY_DURATION, timedelta(seconds=-1)),
        (SP.MAX_ALLOWED_CLOCK_SKEW, timedelta(0)),
        (SP.TIMESTAMP_USAGE, 4),
        (SP.SECURITY_HEADER_LAYOUT, 5),
        (SP.SECURITY_HEADER_VERSION, 3),
        (SP.EXTENDED_PROTECTION_POLICY, 0),
        (SP.EXTENDED_PROTECTION_SCENARIO, 3),
        (SP.SERVICE_IDENTITIES, "HTTP/host"),
        (SP.SERVICE_IDENTITIES, []),
        (SP.SERVICE_IDENTITIES, ["HTTP/host", ""]),
    ],
)
def test_r5_malformed_security_property_value_is_rejected(pid: SP, value: object) -> None:
    exc = _rule(lambda: _desc(props={pid: value}))
    assert exc.rule == "R5"
    assert "malformed" in exc.problem
    assert pid.name in exc.problem


def test_r5_well_formed_security_properties_pass() -> None:
    _desc(
        props={
            SP.TRANSPORT_PROTECTION_LEVEL: 3,  # plain int of a valid enum value
            SP.ALGORITHM_SUITE_NAME: SecurityAlgorithmSuiteName.BASIC256_SHA256,
            SP.MAX_ALLOWED_LATENCY: timedelta(minutes=1),
            SP.TIMESTAMP_VALIDITY_DURATION: timedelta(minutes=1),
            SP.MAX_ALLOWED_CLOCK_SKEW: timedelta(seconds=30),
            SP.TIMESTAMP_USAGE: SecurityTimestampUsage.REQUESTS_ONLY,
            SP.SECURITY_HEADER_LAYOUT: 2,
            SP.SECURITY_HEADER_VERSION: 1,
        }
    )
    _desc(
        props={
            SP.ALGORITHM_SUITE: SecurityAlgorithmSuite(digest=SecurityAlgorithmId.DIGEST_SHA_256)
        }
    )


def test_r6_algorithm_suite_and_name_together_are_rejected() -> None:
    suite = SecurityAlgorithmSuite()
    name = SecurityAlgorithmSuiteName.BASIC256_SHA256
    exc = _rule(lambda: _desc(props={SP.ALGORITHM_SUITE: suite, SP.ALGORITHM_SUITE_NAME: name}))
    assert exc.rule == "R6"
    _desc(props={SP.ALGORITHM_SUITE: suite})
    _desc(props={SP.ALGORITHM_SUITE_NAME: name})


def test_r7_two_username_bindings_are_rejected() -> None:
    one = UsernameMessageSecurityBinding(client_credential=_user())
    assert _rule(lambda: _desc(SslTransportSecurityBinding(), one, one)).rule == "R7"
    _desc(SslTransportSecurityBinding(), one)


def test_r8_two_kerberos_bindings_are_rejected() -> None:
    one = KerberosApreqMessageSecurityBinding()
    assert _rule(lambda: _desc(one, one)).rule == "R8"
    _desc(one)


def test_r9_two_saml_bindings_are_rejected() -> None:
    one = SamlMessageSecurityBinding(authenticator=_auth())
    assert _rule(lambda: _desc(one, one)).rule == "R9"
    _desc(one)


def test_r10_two_security_context_bindings_are_rejected() -> None:
    one = SecurityContextMessageSecurityBinding(bootstrap_security_description=_bootstrap_client())
    assert _rule(lambda: _desc(one, one)).rule == "R10"
    _desc(one)


# ---------------------------------------------------------------------------------------------
# R11-R20
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", [TCP, UDP, PIPE])
def test_r11_ssl_off_http_is_rejected(channel: ChannelBinding) -> None:
    assert _validate_rule([SslTransportSecurityBinding()], CLIENT, channel) == "R11"


def test_r11_ssl_on_http_and_custom_passes() -> None:
    _ok([SslTransportSecurityBinding()], CLIENT, HTTP)
    _ok([SslTransportSecurityBinding()], CLIENT, CUSTOM)  # spec: "?" -> allowed


def test_r12_tcp_sspi_off_tcp_is_rejected() -> None:
    sspi = TcpSspiTransportSecurityBinding(client_credential=_win())
    assert _validate_rule([sspi], CLIENT, HTTP) == "R12"
    assert _validate_rule([sspi], CLIENT, PIPE) == "R12"
    _ok([sspi], CLIENT, TCP)


def test_r13_named_pipe_sspi_off_named_pipe_is_rejected() -> None:
    sspi = NamedPipeSspiTransportSecurityBinding(client_credential=_win())
    assert _validate_rule([sspi], CLIENT, TCP) == "R13"
    _ok([sspi], CLIENT, PIPE)


def test_r14_header_auth_off_http_is_rejected() -> None:
    header = HttpHeaderAuthSecurityBinding(client_credential=_win())
    assert _validate_rule([header], CLIENT, TCP) == "R14"
    _ok([SslTransportSecurityBinding(), header], CLIENT, HTTP)


def test_r15_message_binding_on_named_pipe_is_rejected() -> None:
    sspi = NamedPipeSspiTransportSecurityBinding()
    username = UsernameMessageSecurityBinding(password_validator=_validator)
    assert _validate_rule([sspi, username], SERVER, PIPE) == "R15"
    _ok([sspi], SERVER, PIPE)


@pytest.mark.filterwarnings("ignore::wsbind.errors.AnonymousServerWarning")  # rules, not the warning
def test_r16_any_binding_on_udp_is_rejected() -> None:
    username = UsernameMessageSecurityBinding(password_validator=_validator)
    assert _validate_rule([username], SERVER, UDP) == "R16"
    _ok([], SERVER, UDP)


def test_r17_xml_token_binding_on_server_is_rejected() -> None:
    bindings = [SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(xml_token=_bearer())]
    assert _validate_rule(bindings, SERVER, HTTP) == "R17"
    _ok(bindings, CLIENT, HTTP)


def test_r18_saml_binding_on_client_is_rejected() -> None:
    bindings = [SslTransportSecurityBinding(), SamlMessageSecurityBinding(authenticator=_auth())]
    assert _validate_rule(bindings, CLIENT, HTTP) == "R18"
    _ok(bindings, SERVER, HTTP)


@pytest.mark.parametrize("usage", [0, 2, True, "SUPPORTING", None])
def test_r19_binding_usage_other_than_supporting_is_rejected(usage: Any) -> None:
    binding = XmlTokenMessageSecurityBinding(xml_token=_bearer(), binding_usage=usage)
    assert _rule(lambda: _desc(binding)).rule == "R19"


def test_r19_supporting_usage_passes() -> None:
    _desc(XmlTokenMessageSecurityBinding(xml_token=_bearer(), binding_usage=1))


@pytest.mark.parametrize(
    "binding",
    [
        UsernameMessageSecurityBinding(properties={SBP.ALLOW_ANONYMOUS_CLIENTS: True}),
        XmlTokenMessageSecurityBinding(
            xml_token=_bearer(), properties={SBP.REQUIRE_SERVER_AUTH: True}
        ),
        SamlMessageSecurityBinding(
            authenticator=_auth(), properties={SBP.REQUIRE_SSL_CLIENT_CERT: True}
        ),
    ],
)
def test_r20_binding_property_on_token_binding_is_rejected(binding: SecurityBinding) -> None:
    exc = _rule(lambda: _desc(binding))
    assert exc.rule == "R20"
    assert type(binding).__name__ in exc.problem


# ---------------------------------------------------------------------------------------------
# R21-R29
# ---------------------------------------------------------------------------------------------


def test_r21_client_username_without_credential_is_rejected() -> None:
    ssl = SslTransportSecurityBinding()
    assert _validate_rule([ssl, UsernameMessageSecurityBinding()], CLIENT, HTTP) == "R21"
    _ok([ssl, UsernameMessageSecurityBinding(client_credential=_user())], CLIENT, HTTP)


def test_r22_server_username_without_password_validator_is_rejected() -> None:
    ssl = SslTransportSecurityBinding()
    assert _validate_rule([ssl, UsernameMessageSecurityBinding()], SERVER, HTTP) == "R22"
    _ok([ssl, UsernameMessageSecurityBinding(password_validator=_validator)], SERVER, HTTP)


@pytest.mark.parametrize(
    ("make", "extra", "channel"),
    [
        (TcpSspiTransportSecurityBinding, [], TCP),
        (NamedPipeSspiTransportSecurityBinding, [], PIPE),
        (HttpHeaderAuthSecurityBinding, [SslTransportSecurityBinding()], HTTP),
        (KerberosApreqMessageSecurityBinding, [SslTransportSecurityBinding()], HTTP),
    ],
)
def test_r23_client_windows_binding_without_credential_is_rejected(
    make: Callable[..., SecurityBinding], extra: list[SecurityBinding], channel: ChannelBinding
) -> None:
    assert _validate_rule([*extra, make()], CLIENT, channel) == "R23"
    _ok([*extra, make(client_credential=_win())], CLIENT, channel)
    _ok([*extra, make(client_credential=DefaultWindowsIntegratedAuthCredential())], CLIENT, channel)


@pytest.mark.parametrize(
    ("make", "extra", "channel"),
    [
        (TcpSspiTransportSecurityBinding, [], TCP),
        (NamedPipeSspiTransportSecurityBinding, [], PIPE),
        (HttpHeaderAuthSecurityBinding, [SslTransportSecurityBinding()], HTTP),
        (KerberosApreqMessageSecurityBinding, [SslTransportSecurityBinding()], HTTP),
    ],
)
def test_r24_server_windows_binding_with_credential_is_rejected(
    make: Callable[..., SecurityBinding], extra: list[SecurityBinding], channel: ChannelBinding
) -> None:
    assert _validate_rule([*extra, make(client_credential=_win())], SERVER, channel) == "R24"
    _ok([*extra, make()], SERVER, channel)


def test_r25_server_ssl_on_http_with_certificate_is_rejected() -> None:
    ssl = SslTransportSecurityBinding(
        local_cert_credential=CertCredential("server.pem", "server.key")
    )
    assert _validate_rule([ssl], SERVER, HTTP) == "R25"
    _ok([ssl], CLIENT, HTTP)  # a client certificate is fine
    with pytest.warns(AnonymousServerWarning, match="authenticates nobody"):
        _ok([SslTransportSecurityBinding()], SERVER, HTTP)


def test_r26_saml_without_authenticator_is_rejected() -> None:
    assert _rule(lambda: _desc(SamlMessageSecurityBinding())).rule == "R26"


def test_r27_authenticator_without_trusted_issuers_is_rejected() -> None:
    exc = _rule(
        lambda: _desc(SamlMessageSecurityBinding(authenticator=cast(Any, _NoIssuersAuth())))
    )
    assert exc.rule == "R27"
    assert "_NoIssuersAuth" in exc.problem
    _desc(SamlMessageSecurityBinding(authenticator=_auth()))


def test_r27_authenticator_without_issuer_attribute_is_not_judged() -> None:
    """Only authenticators that keep an issuer allow-list are checked (duck typing)."""
    _desc(SamlMessageSecurityBinding(authenticator=object()))  # type: ignore[arg-type]


def test_r28_xml_token_binding_without_token_is_rejected() -> None:
    assert _rule(lambda: _desc(XmlTokenMessageSecurityBinding())).rule == "R28"


def test_r28_freed_xml_token_is_rejected() -> None:
    token = _bearer()
    description = _desc(
        SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(xml_token=token)
    )
    description.validate(CLIENT, HTTP)
    free_security_token(token)
    assert _rule(lambda: description.validate(CLIENT, HTTP)).rule == "R28"


def test_r29_security_context_without_bootstrap_is_rejected() -> None:
    assert _rule(lambda: _desc(SecurityContextMessageSecurityBinding())).rule == "R29"
    not_a_description: Any = "ssl"
    bad = SecurityContextMessageSecurityBinding(bootstrap_security_description=not_a_description)
    assert _rule(lambda: _desc(bad)).rule == "R29"


def test_r29_bootstrap_is_checked_with_the_same_side_and_channel() -> None:
    ssl = SslTransportSecurityBinding()
    without_credential = _desc(ssl, UsernameMessageSecurityBinding())
    context = SecurityContextMessageSecurityBinding(
        bootstrap_security_description=without_credential
    )
    description = _desc(ssl, context)
    exc = _rule(lambda: description.validate(CLIENT, HTTP))
    assert exc.rule == "R21"
    assert "bootstrap_security_description" in exc.problem
    context_ok = SecurityContextMessageSecurityBinding(
        bootstrap_security_description=_bootstrap_client()
    )
    _ok([ssl, context_ok], CLIENT, HTTP)


def test_r29_bootstrap_that_loops_back_is_rejected() -> None:
    inner = _bootstrap_client()
    outer = _desc(
        SslTransportSecurityBinding(),
        SecurityContextMessageSecurityBinding(bootstrap_security_description=inner),
    )
    inner.bindings = outer.bindings  # a cycle only mutation can make
    assert _rule(lambda: outer.validate(CLIENT, HTTP)).rule == "R29"


# ---------------------------------------------------------------------------------------------
# R30-R33
# ---------------------------------------------------------------------------------------------


def test_r30_client_message_binding_without_transport_is_rejected() -> None:
    token = XmlTokenMessageSecurityBinding(xml_token=_bearer())
    assert _validate_rule([token], CLIENT, HTTP) == "R30"
    # explicit NONE does not help a client: only servers may accept tokens in clear
    none: dict[Any, Any] = {SP.TRANSPORT_PROTECTION_LEVEL: ProtectionLevel.NONE}
    assert _validate_rule([token], CLIENT, HTTP, none) == "R30"
    _ok([SslTransportSecurityBinding(), token], CLIENT, HTTP)


def test_r30_header_auth_is_not_a_transport_security_binding() -> None:
    header = HttpHeaderAuthSecurityBinding(client_credential=_win())
    token = XmlTokenMessageSecurityBinding(xml_token=_bearer())
    none: dict[Any, Any] = {SP.TRANSPORT_PROTECTION_LEVEL: ProtectionLevel.NONE}
    assert _validate_rule([header, token], CLIENT, HTTP, none) == "R30"


def test_r31_tcp_message_binding_without_tcp_sspi_is_rejected() -> None:
    username = UsernameMessageSecurityBinding(password_validator=_validator)
    assert _validate_rule([username], SERVER, TCP) == "R31"
    _ok([TcpSspiTransportSecurityBinding(), username], SERVER, TCP)


@pytest.mark.parametrize(
    "binding",
    [
        UsernameMessageSecurityBinding(password_validator=_validator),
        KerberosApreqMessageSecurityBinding(),
        SecurityContextMessageSecurityBinding(bootstrap_security_description=_bootstrap_server()),
        SamlMessageSecurityBinding(authenticator=_auth()),
    ],
)
def test_r32_http_server_message_binding_without_ssl_is_rejected(binding: SecurityBinding) -> None:
    assert _validate_rule([binding], SERVER, HTTP) == "R32"
    sign: dict[Any, Any] = {SP.TRANSPORT_PROTECTION_LEVEL: ProtectionLevel.SIGN}
    assert _validate_rule([binding], SERVER, HTTP, sign) == "R32"  # only NONE opts out


def test_r32_passes_with_ssl_or_explicit_none() -> None:
    saml = SamlMessageSecurityBinding(authenticator=_auth())
    _ok([SslTransportSecurityBinding(), saml], SERVER, HTTP)
    _ok([saml], SERVER, HTTP, {SP.TRANSPORT_PROTECTION_LEVEL: ProtectionLevel.NONE})
    _ok([saml], SERVER, HTTP, {SP.TRANSPORT_PROTECTION_LEVEL: 1})


def test_r33_header_auth_without_ssl_is_rejected() -> None:
    header = HttpHeaderAuthSecurityBinding(client_credential=_win())
    assert _validate_rule([header], CLIENT, HTTP) == "R33"
    assert _validate_rule([HttpHeaderAuthSecurityBinding()], SERVER, HTTP) == "R33"
    _ok([header], CLIENT, HTTP, {SP.TRANSPORT_PROTECTION_LEVEL: ProtectionLevel.NONE})
    _ok([SslTransportSecurityBinding(), header], CLIENT, HTTP)


# ---------------------------------------------------------------------------------------------
# R34-R40
# ---------------------------------------------------------------------------------------------


def _header(
    scheme: int, target: HttpHeaderAuthTarget | None = None
) -> HttpHeaderAuthSecurityBinding:
    """A header-auth binding (no credential: valid on construction) with this scheme."""
    properties: dict[Any, Any] = {SBP.HTTP_HEADER_AUTH_SCHEME: scheme}
    if target is not None:
        properties[SBP.HTTP_HEADER_AUTH_TARGET] = target
    return HttpHeaderAuthSecurityBinding(properties=properties)


@pytest.mark.parametrize("scheme", [0, 0x40, 0x10 | 0x80, -1])
def test_r34_scheme_zero_or_unknown_bits_is_rejected(scheme: int) -> None:
    assert _rule(lambda: _desc(_header(scheme))).rule == "R34"


def test_r34_known_scheme_combination_passes() -> None:
    _desc(_header(HttpHeaderAuthScheme.NEGOTIATE | HttpHeaderAuthScheme.NTLM))
    _desc(_header(0x2 | 0x4))


def test_r35_passport_with_other_schemes_is_rejected() -> None:
    scheme = HttpHeaderAuthScheme.PASSPORT | HttpHeaderAuthScheme.NEGOTIATE
    assert _rule(lambda: _desc(_header(scheme))).rule == "R35"
    _desc(_header(HttpHeaderAuthScheme.PASSPORT))


@pytest.mark.parametrize(
    "scheme",
    [
        HttpHeaderAuthScheme.NEGOTIATE | HttpHeaderAuthScheme.NTLM,
        HttpHeaderAuthScheme.NONE,
        HttpHeaderAuthScheme.PASSPORT,
    ],
)
def test_r36_proxy_target_with_several_schemes_none_or_passport_is_rejected(scheme: int) -> None:
    binding = _header(scheme, HttpHeaderAuthTarget.PROXY)
    assert _rule(lambda: _desc(binding)).rule == "R36"


def test_r36_proxy_with_one_scheme_and_service_with_several_pass() -> None:
    several = HttpHeaderAuthScheme.NEGOTIATE | HttpHeaderAuthScheme.NTLM | HttpHeaderAuthScheme.NONE
    _desc(_header(HttpHeaderAuthScheme.NTLM, HttpHeaderAuthTarget.PROXY))
    _desc(_header(several, HttpHeaderAuthTarget.SERVICE))
    _desc(HttpHeaderAuthSecurityBinding(properties={SBP.HTTP_HEADER_AUTH_TARGET: 2}))  # NEGOTIATE


def test_r37_none_scheme_on_server_is_rejected() -> None:
    scheme = HttpHeaderAuthScheme.NONE | HttpHeaderAuthScheme.NEGOTIATE
    ssl = SslTransportSecurityBinding()
    server_header = HttpHeaderAuthSecurityBinding(properties={SBP.HTTP_HEADER_AUTH_SCHEME: scheme})
    assert _validate_rule([ssl, server_header], SERVER, HTTP) == "R37"
    client_header = HttpHeaderAuthSecurityBinding(
        client_credential=_win(), properties={SBP.HTTP_HEADER_AUTH_SCHEME: scheme}
    )
    _ok([ssl, client_header], CLIENT, HTTP)


@pytest.mark.parametrize(
    "scheme",
    [HttpHeaderAuthScheme.BASIC, HttpHeaderAuthScheme.DIGEST | HttpHeaderAuthScheme.NEGOTIATE],
)
def test_r38_default_credential_with_basic_or_digest_is_rejected(scheme: int) -> None:
    binding = HttpHeaderAuthSecurityBinding(
        client_credential=DefaultWindowsIntegratedAuthCredential(),
        properties={SBP.HTTP_HEADER_AUTH_SCHEME: scheme},
    )
    assert _rule(lambda: _desc(binding)).rule == "R38"


def test_r38_default_credential_with_negotiate_ntlm_or_passport_passes() -> None:
    for scheme in (
        HttpHeaderAuthScheme.NEGOTIATE | HttpHeaderAuthScheme.NTLM | HttpHeaderAuthScheme.NONE,
        HttpHeaderAuthScheme.PASSPORT,
    ):
        binding = HttpHeaderAuthSecurityBinding(
            client_credential=DefaultWindowsIntegratedAuthCredential(),
            properties={SBP.HTTP_HEADER_AUTH_SCHEME: scheme},
        )
        _ok([SslTransportSecurityBinding(), binding], CLIENT, HTTP)


def test_r39_basic_or_digest_without_string_credential_is_rejected() -> None:
    scheme: dict[Any, Any] = {SBP.HTTP_HEADER_AUTH_SCHEME: HttpHeaderAuthScheme.DIGEST}
    opaque = OpaqueWindowsIntegratedAuthCredential(object())
    binding = HttpHeaderAuthSecurityBinding(client_credential=opaque, properties=scheme)
    assert _rule(lambda: _desc(binding)).rule == "R39"
    string = HttpHeaderAuthSecurityBinding(client_credential=_win(), properties=scheme)
    _ok([SslTransportSecurityBinding(), string], CLIENT, HTTP)
    # on the server the credential is None (R24) and BASIC/DIGEST are fine
    _ok(
        [SslTransportSecurityBinding(), HttpHeaderAuthSecurityBinding(properties=scheme)],
        SERVER,
        HTTP,
    )


@pytest.mark.parametrize(
    "pid",
    [
        SBP.HTTP_HEADER_AUTH_BASIC_REALM,
        SBP.HTTP_HEADER_AUTH_DIGEST_REALM,
        SBP.HTTP_HEADER_AUTH_DIGEST_DOMAIN,
    ],
)
def test_r40_realm_or_domain_on_client_is_rejected(pid: SecurityBindingProperty) -> None:
    ssl = SslTransportSecurityBinding()
    client = HttpHeaderAuthSecurityBinding(client_credential=_win(), properties={pid: "corp"})
    assert _validate_rule([ssl, client], CLIENT, HTTP) == "R40"  # not R4
    _ok([ssl, HttpHeaderAuthSecurityBinding(properties={pid: "corp"})], SERVER, HTTP)


# ---------------------------------------------------------------------------------------------
# R41-R44
# ---------------------------------------------------------------------------------------------

_POLICY: dict[Any, Any] = {SP.EXTENDED_PROTECTION_POLICY: ExtendedProtectionPolicy.ALWAYS}
_SCENARIO: dict[Any, Any] = {
    SP.EXTENDED_PROTECTION_SCENARIO: ExtendedProtectionScenario.BOUND_SERVER
}


@pytest.mark.parametrize("props", [_POLICY, _SCENARIO])
def test_r41_extended_protection_on_client_is_rejected(props: dict[Any, Any]) -> None:
    header = HttpHeaderAuthSecurityBinding(client_credential=_win())
    assert _validate_rule([SslTransportSecurityBinding(), header], CLIENT, HTTP, props) == "R41"
    _ok([SslTransportSecurityBinding(), HttpHeaderAuthSecurityBinding()], SERVER, HTTP, props)


def test_r41_extended_protection_off_http_is_rejected() -> None:
    bindings = [TcpSspiTransportSecurityBinding(), KerberosApreqMessageSecurityBinding()]
    assert _validate_rule(bindings, SERVER, TCP, _POLICY) == "R41"
    _ok(bindings, SERVER, TCP)


def test_r41_extended_protection_without_header_auth_or_kerberos_is_rejected() -> None:
    assert _rule(lambda: _desc(SslTransportSecurityBinding(), props=_POLICY)).rule == "R41"
    _ok(
        [SslTransportSecurityBinding(), KerberosApreqMessageSecurityBinding()],
        SERVER,
        HTTP,
        _POLICY,
    )


_SPNS: dict[Any, Any] = {SP.SERVICE_IDENTITIES: ["HTTP/host.example.com"]}
_NONE_WITH_SPNS: dict[Any, Any] = {SP.TRANSPORT_PROTECTION_LEVEL: ProtectionLevel.NONE, **_SPNS}


def test_r42_service_identities_on_client_is_rejected() -> None:
    header = HttpHeaderAuthSecurityBinding(client_credential=_win())
    assert _validate_rule([header], CLIENT, HTTP, _NONE_WITH_SPNS) == "R42"


def test_r42_service_identities_on_non_http_channel_is_rejected() -> None:
    # HEADER_AUTH without SSL makes SPNs "needed", so only the channel is wrong here
    header = HttpHeaderAuthSecurityBinding()
    assert _validate_rule([header], SERVER, CUSTOM, _NONE_WITH_SPNS) == "R42"
    _ok([header], SERVER, HTTP, _NONE_WITH_SPNS)


def test_r42_service_identities_when_not_needed_is_rejected() -> None:
    bindings = (SslTransportSecurityBinding(), HttpHeaderAuthSecurityBinding())
    assert _rule(lambda: _desc(*bindings, props=_SPNS)).rule == "R42"
    _ok(bindings, SERVER, HTTP)


def test_r42_http_server_header_auth_without_ssl_needs_service_identities() -> None:
    none: dict[Any, Any] = {SP.TRANSPORT_PROTECTION_LEVEL: ProtectionLevel.NONE}
    assert _validate_rule([HttpHeaderAuthSecurityBinding()], SERVER, HTTP, none) == "R42"
    _ok([HttpHeaderAuthSecurityBinding()], SERVER, HTTP, _NONE_WITH_SPNS)


def test_r42_terminated_ssl_scenario_needs_service_identities() -> None:
    bindings = [SslTransportSecurityBinding(), HttpHeaderAuthSecurityBinding()]
    terminated: dict[Any, Any] = {
        SP.EXTENDED_PROTECTION_SCENARIO: ExtendedProtectionScenario.TERMINATED_SSL
    }
    assert _validate_rule(bindings, SERVER, HTTP, terminated) == "R42"
    _ok(bindings, SERVER, HTTP, {**terminated, **_SPNS})


@pytest.mark.parametrize(
    "suite",
    [
        SecurityAlgorithmSuite(encryption=SecurityAlgorithmId.ASYMMETRIC_RSA_OAEP),
        SecurityAlgorithmSuite(symmetric_key_wrap=SecurityAlgorithmId.ASYMMETRIC_RSA_1_5),
        SecurityAlgorithmSuite(properties={"x": 1}),
    ],
)
def test_r43_reserved_algorithm_suite_fields_are_rejected(suite: SecurityAlgorithmSuite) -> None:
    assert _rule(lambda: _desc(props={SP.ALGORITHM_SUITE: suite})).rule == "R43"


def test_r43_suite_with_only_usable_fields_passes() -> None:
    suite = SecurityAlgorithmSuite(
        digest=SecurityAlgorithmId.DIGEST_SHA_256,
        asymmetric_signature=SecurityAlgorithmId.ASYMMETRIC_RSA_SHA_256,
        asymmetric_key_wrap=SecurityAlgorithmId.ASYMMETRIC_RSA_OAEP,
        min_symmetric_key_length=256,
    )
    _desc(props={SP.ALGORITHM_SUITE: suite})


_NEVER: dict[Any, Any] = {SP.TIMESTAMP_USAGE: SecurityTimestampUsage.NEVER}


def test_r44_no_timestamps_with_keyed_xml_token_is_rejected() -> None:
    token = XmlTokenMessageSecurityBinding(xml_token=_keyed())
    assert _rule(lambda: _desc(SslTransportSecurityBinding(), token, props=_NEVER)).rule == "R44"
    requests_only: dict[Any, Any] = {SP.TIMESTAMP_USAGE: SecurityTimestampUsage.REQUESTS_ONLY}
    _ok([SslTransportSecurityBinding(), token], CLIENT, HTTP, requests_only)


def test_r44_no_timestamps_with_kerberos_is_rejected() -> None:
    kerberos = KerberosApreqMessageSecurityBinding()
    assert _rule(lambda: _desc(SslTransportSecurityBinding(), kerberos, props=_NEVER)).rule == "R44"


def test_r44_no_timestamps_with_bearer_token_passes() -> None:
    bearer = XmlTokenMessageSecurityBinding(xml_token=_bearer())
    _ok([SslTransportSecurityBinding(), bearer], CLIENT, HTTP, _NEVER)


# ---------------------------------------------------------------------------------------------
# Order and the two moments of checking
# ---------------------------------------------------------------------------------------------


def test_construction_does_not_check_side_or_channel_rules() -> None:
    """SAML alone builds fine: whether it is allowed depends on side and channel."""
    description = _desc(SamlMessageSecurityBinding(authenticator=_auth()))
    assert _rule(lambda: description.validate(CLIENT, HTTP)).rule == "R18"
    assert _rule(lambda: description.validate(SERVER, HTTP)).rule == "R32"


def test_first_broken_rule_in_numeric_order_is_reported() -> None:
    # breaks R11 (SSL on TCP), R16 is not involved, R18 (SAML on client) and R30 comes later
    bindings = [SslTransportSecurityBinding(), SamlMessageSecurityBinding(authenticator=_auth())]
    assert _validate_rule(bindings, CLIENT, TCP) == "R11"
    assert _validate_rule(bindings, CLIENT, HTTP) == "R18"


def test_check_accepts_plain_int_side_and_channel() -> None:
    description = _desc(SamlMessageSecurityBinding(authenticator=_auth()))
    assert _rule(lambda: description.validate(1, 0)).rule == "R18"  # type: ignore[arg-type]
