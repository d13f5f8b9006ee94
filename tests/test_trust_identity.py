"""Who signed and who is named, beyond the security suite's message attacks
(tests/security/attacks_identity.py): the trusted_issuer_certs forms and their construction
errors, the issuer reported, names and attributes reported exactly as signed, and the Subject
options (require_subject, EncryptedID without a decryption key, the token cache)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from security.attacks_identity import (
    encrypted_id,
    name_id_element,
    signed_as,
)
from security.attacks_semantics import edited
from security.harness import (
    AUDIENCE,
    ISSUER_NAME,
    NOW,
    PARTNER_NAME,
    PEER_ADDRESS,
    Build,
    World,
    assertion_of,
    make_world,
)

from wsbind import (
    CertSignedSamlAuthenticator,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SslTransportSecurityBinding,
)
from wsbind.errors import FaultCode, InvalidSecurityDescription, SecurityVerificationError
from wsbind.saml import authenticator as authenticator_module
from wsbind.saml.assertion import SamlAssertion, SamlFormatError, check_identifier
from wsbind.saml.issuer import SamlVersion
from wsbind.saml.token_cache import ValidatedTokenCache
from wsbind.soap import namespaces as ns
from wsbind.verifier import MessageVerifier, TransportFacts

S2 = f"{{{ns.SAML2}}}"
S1 = f"{{{ns.SAML1}}}"
FACTS = TransportFacts(is_https=True, charset="utf-8", remote_addr=PEER_ADDRESS)
VERSIONS = pytest.mark.parametrize("version", [SamlVersion.V2_0, SamlVersion.V1_1], ids=["saml2", "saml11"])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("trust-identity-pki"))


def _verifier(authenticator: CertSignedSamlAuthenticator, token_cache: Any = True) -> MessageVerifier:
    description = SecurityDescription(
        [SslTransportSecurityBinding(), SamlMessageSecurityBinding(authenticator)], token_cache=token_cache
    )
    return MessageVerifier(description, clock=lambda: NOW)


def accepted(authenticator: CertSignedSamlAuthenticator, message: bytes) -> SamlAssertion:
    verified = _verifier(authenticator).verify(message, FACTS)
    assert verified.saml_assertion is not None
    return verified.saml_assertion


def refusal(authenticator: CertSignedSamlAuthenticator, message: bytes) -> SecurityVerificationError:
    with pytest.raises(SecurityVerificationError) as caught:
        _verifier(authenticator).verify(message, FACTS)
    return caught.value


def bound(world: World, **options: Any) -> CertSignedSamlAuthenticator:
    """The suite's recommended form: each issuer's certificate bound to its name."""
    certs = {ISSUER_NAME: world.issuer.certificate, PARTNER_NAME: world.partner.certificate}
    return CertSignedSamlAuthenticator(certs, audiences=[AUDIENCE], **options)


def decrypting(world: World, **options: Any) -> CertSignedSamlAuthenticator:
    rp = world.relying_party
    return bound(world, decryption_cert=(rp.certificate, rp.private_key), **options)


def message(world: World, build: Build) -> bytes:
    messages = build(world)
    assert len(messages) == 1
    return messages[0]


# -- the issuer bound to its key -------------------------------------------------------------


@pytest.fixture
def unwarned(monkeypatch: pytest.MonkeyPatch) -> None:
    """The list-form warning is logged once per process: start as if none had been logged."""
    monkeypatch.setattr(authenticator_module, "_warned_unbound", False)


@VERSIONS
def test_list_form_lets_any_trusted_key_sign_in_any_name_and_warns_once(
    world: World, version: SamlVersion, unwarned: None, caplog: pytest.LogCaptureFixture
) -> None:
    """The documented weakness of WWSAPI's plain list: the partner signs as our STS, and is believed."""
    with caplog.at_level(logging.WARNING, logger="wsbind.saml.authenticator"):
        certs = [world.issuer.certificate, world.partner.certificate]
        unbound = CertSignedSamlAuthenticator(certs, audiences=[AUDIENCE])
        CertSignedSamlAuthenticator(certs, audiences=[AUDIENCE])
        CertSignedSamlAuthenticator([world.issuer.certificate])
    warnings = [r for r in caplog.records if r.name == "wsbind.saml.authenticator" and r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    text = warnings[0].getMessage()
    assert "any trusted issuer may sign assertions in any other's name" in text
    assert "{issuer name: certificate}" in text, "the warning must name the fix"
    assert unbound.trusted_issuer_names == frozenset()

    forged = message(world, signed_as(ISSUER_NAME, "partner", version))
    assertion = accepted(unbound, forged)
    assert assertion.issuer == ISSUER_NAME
    assert assertion.signing_certificate == world.partner.certificate
    # The mapping form refuses the same message.
    error = refusal(bound(world), forged)
    assert (error.fault_code, error.reason) == (FaultCode.FAILED_AUTHENTICATION, "untrusted-issuer")


def test_mapping_form_does_not_warn(world: World, unwarned: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="wsbind.saml.authenticator"):
        authenticator = bound(world)
    assert not [r for r in caplog.records if r.name == "wsbind.saml.authenticator"]
    assert authenticator.trusted_issuer_names == frozenset({ISSUER_NAME, PARTNER_NAME})


@VERSIONS
def test_a_name_with_two_certificates_accepts_either_and_only_for_that_name(world: World, version: SamlVersion) -> None:
    """Key rollover: one issuer, two certificates; neither lends its trust to another name."""
    authenticator = CertSignedSamlAuthenticator(
        {ISSUER_NAME: [world.issuer.certificate, world.partner.certificate]}, audiences=[AUDIENCE]
    )
    for signer, certificate in (("issuer", world.issuer.certificate), ("partner", world.partner.certificate)):
        assertion = accepted(authenticator, message(world, signed_as(ISSUER_NAME, signer, version)))
        assert (assertion.issuer, assertion.signing_certificate) == (ISSUER_NAME, certificate)
    error = refusal(authenticator, message(world, signed_as(PARTNER_NAME, "partner", version)))
    assert (error.fault_code, error.reason) == (FaultCode.FAILED_AUTHENTICATION, "untrusted-issuer")


@VERSIONS
def test_the_reported_issuer_is_the_name_its_key_is_trusted_for(world: World, version: SamlVersion) -> None:
    authenticator = bound(world)
    for name, signer, certificate in (
        (ISSUER_NAME, "issuer", world.issuer.certificate),
        (PARTNER_NAME, "partner", world.partner.certificate),
    ):
        assertion = accepted(authenticator, message(world, signed_as(name, signer, version)))
        assert assertion.issuer == name
        assert assertion.signing_certificate == certificate
        assert assertion.subject_name_id == "alice"


@pytest.mark.parametrize(
    ("certs", "words"),
    [
        pytest.param({ISSUER_NAME: []}, ["R27", "lists no certificate", "Fix: give that issuer's"], id="no-cert"),
        pytest.param({}, ["R27", "no trusted issuer certificates", "Fix: pass {issuer name: certificate}"], id="empty"),
        pytest.param({"": None}, ["R27", "is empty", "Fix: write the name exactly"], id="empty-name"),
        pytest.param({" " + ISSUER_NAME: None}, ["R27", "white space", "Fix: write the name exactly"], id="space"),
        pytest.param({ISSUER_NAME + "\n": None}, ["R27", "white space", "Fix: write the name exactly"], id="newline"),
        pytest.param(
            {ISSUER_NAME + "\u200b": None}, ["R27", "format character", "Fix: write the name exactly"], id="zwsp"
        ),
    ],
)
def test_malformed_mapping_is_refused_at_construction(world: World, certs: dict[str, Any], words: list[str]) -> None:
    certs = {name: world.issuer.certificate if value is None else value for name, value in certs.items()}
    with pytest.raises(InvalidSecurityDescription) as caught:
        CertSignedSamlAuthenticator(certs)
    for word in words:
        assert word in str(caught.value)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda world: {1: world.issuer.certificate}, id="number-as-name"),
        pytest.param(lambda world: {None: world.issuer.certificate}, id="none-as-name"),
        pytest.param(lambda world: str(world.issuer.cert_file), id="one-path-string"),
        pytest.param(lambda world: Path(world.issuer.cert_file), id="one-path"),
        pytest.param(lambda world: world.issuer.cert_file.read_bytes(), id="one-pem"),
    ],
)
def test_wrong_types_are_refused_at_construction_with_the_fix(world: World, make: Any) -> None:
    with pytest.raises(TypeError) as caught:
        CertSignedSamlAuthenticator(make(world))
    text = str(caught.value)
    assert "trusted_issuer_certs" in text
    assert "an issuer name is a string" in text or "wrap it, e.g. {'https://sts.example': cert}" in text


# -- identities reported exactly as signed ---------------------------------------------------


@VERSIONS
def test_attribute_names_and_values_are_reported_exactly_as_signed(world: World, version: SamlVersion) -> None:
    attributes = {"role": [" reader", "writer\n", "\u00a0admin"], " role": ["x "], "role\t": ["y"]}
    assertion = accepted(bound(world), message(world, signed_as(ISSUER_NAME, version=version, attributes=attributes)))
    assert dict(assertion.attributes) == {
        "role": (" reader", "writer\n", "\u00a0admin"),
        " role": ("x ",),
        "role\t": ("y",),
    }


@VERSIONS
def test_a_padded_audience_is_reported_as_signed_and_is_not_ours(world: World, version: SamlVersion) -> None:
    padded = message(world, signed_as(ISSUER_NAME, version=version, audiences=[" " + AUDIENCE, AUDIENCE + "\n"]))
    error = refusal(bound(world), padded)
    assert (error.fault_code, error.reason) == (FaultCode.FAILED_AUTHENTICATION, "wrong-audience")
    unrestricted = CertSignedSamlAuthenticator({ISSUER_NAME: world.issuer.certificate})
    assert accepted(unrestricted, padded).audiences == (" " + AUDIENCE, AUDIENCE + "\n")


@VERSIONS
@pytest.mark.parametrize("name", ["alice smith", "Alice", "ålice@example.test", "урок", "a"])
def test_clean_names_are_reported_exactly(world: World, version: SamlVersion, name: str) -> None:
    """Inner spaces, case and non-ASCII letters are not padding: the name is reported as signed."""
    assertion = accepted(bound(world), message(world, signed_as(ISSUER_NAME, version=version, subject=name)))
    assert assertion.subject_name_id == name


REFUSED_IDENTIFIERS = [
    "",
    " alice",
    "alice ",
    "\talice",
    "alice\n",
    "alice\r",
    "alice\u00a0",
    "alice\u2028",
    "alice\u2029",
    "alice\u3000",
    "\u2003alice",
    "alice\u007f",
    "alice\u0085",
    "ali\u0080ce",
    "ali\u009fce",
    "ali\tce",
    "al\u200bice",
    "alice\u200d",
    "\u202ealice",
    "alice\u2066",
    "\ufeffalice",
    "ali\u00adce",
]


@pytest.mark.parametrize("value", REFUSED_IDENTIFIERS, ids=[repr(v) for v in REFUSED_IDENTIFIERS])
def test_check_identifier_refuses_padding_control_and_format_characters(value: str) -> None:
    with pytest.raises(SamlFormatError) as caught:
        check_identifier(value, "NameID")
    assert caught.value.reason == "identifier"
    assert "NameID" in str(caught.value)


@pytest.mark.parametrize("value", ["alice", "alice smith", "Ålice", "https://sts.example.test/x?y=1", "урок", "名前"])
def test_check_identifier_returns_clean_names_unchanged(value: str) -> None:
    assert check_identifier(value, "NameID") is value


# -- the Subject -----------------------------------------------------------------------------


def _without_name_id(assertion: etree._Element, world: World) -> None:
    subject = assertion.find(f"{S2}Subject")
    assert subject is not None
    name_id = subject.find(f"{S2}NameID")
    assert name_id is not None
    subject.remove(name_id)


def _encrypted_name_id(value: str, name_format: str | None = None) -> Any:
    def change(assertion: etree._Element, world: World) -> None:
        name_id = assertion.find(f"{S2}Subject/{S2}NameID")
        assert name_id is not None
        plain = name_id_element(value)
        if name_format is not None:
            plain.set("Format", name_format)
        name_id.addprevious(encrypted_id(plain, world.relying_party.certificate))
        name_id.getparent().remove(name_id)  # type: ignore[union-attr]

    return change


def test_require_subject_false_accepts_a_subject_without_name_id(world: World) -> None:
    anonymous = message(world, edited(_without_name_id))
    assert refusal(bound(world), anonymous).reason == "no-subject"
    assertion = accepted(bound(world, require_subject=False), anonymous)
    assert assertion.subject_name_id is None
    assert assertion.subject_name_format is None
    assert assertion.issuer == ISSUER_NAME


def test_require_subject_false_accepts_saml11_without_name_identifier(world: World) -> None:
    def change(assertion: etree._Element, world: World) -> None:
        for name_id in list(assertion.iter(f"{S1}NameIdentifier")):
            name_id.getparent().remove(name_id)  # type: ignore[union-attr]

    anonymous = message(world, edited(change, SamlVersion.V1_1))
    assert refusal(bound(world), anonymous).reason == "no-subject"
    assert accepted(bound(world, require_subject=False), anonymous).subject_name_id is None


def test_encrypted_id_is_decrypted_with_its_format(world: World) -> None:
    unspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    assertion = accepted(decrypting(world), message(world, edited(_encrypted_name_id("alice", unspecified))))
    assert (assertion.subject_name_id, assertion.subject_name_format) == ("alice", unspecified)
    assert assertion.encrypted_subject is None


def test_encrypted_id_without_decryption_cert_names_no_one(world: World) -> None:
    hidden = message(world, edited(_encrypted_name_id("alice")))
    error = refusal(bound(world), hidden)
    assert (error.fault_code, error.reason) == (FaultCode.FAILED_AUTHENTICATION, "no-subject")
    assertion = accepted(bound(world, require_subject=False), hidden)
    assert assertion.subject_name_id is None
    assert assertion.encrypted_subject is not None and assertion.encrypted_subject.tag == f"{S2}EncryptedID"


def test_token_cache_gives_the_decrypted_subject_again(world: World) -> None:
    """The second presentation of the same token is a cache hit, and still names alice."""
    cache = ValidatedTokenCache()
    verifier = _verifier(decrypting(world), token_cache=cache)
    token = message(world, edited(_encrypted_name_id("alice")))
    assertion_bytes = etree.tostring(assertion_of(etree.fromstring(token)))
    first, second = world.envelope(assertion_bytes), world.envelope(assertion_bytes)
    assert first != second, "two envelopes (Timestamp Ids differ) around one token"
    seen = []
    for envelope in (first, second):
        verified = verifier.verify(envelope, FACTS)
        assert verified.saml_assertion is not None
        seen.append(verified.saml_assertion)
    assert (cache.misses, cache.hits) == (1, 1)
    assert [a.subject_name_id for a in seen] == ["alice", "alice"]
    assert seen[1].encrypted_subject is None
