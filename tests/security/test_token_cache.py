"""The validated-token cache: a token presented again skips the signature work, and nothing else.

Every check that can change between two presentations of the same bytes (time window, audience,
replay, the holder-of-key proof, the application's callback, a duplicate ID elsewhere in the
message) must still refuse on a cache hit; the cache must be bounded, keyed by the exact bytes
and by the authenticator, and must forget a token when its assertion expires.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
import xmlsec
from cryptography.hazmat.primitives import serialization
from lxml import etree

from security.attacks_semantics import resign
from security.harness import AUDIENCE, IDENTITY, NOW, World, identity_of
from wsbind import (
    CertSignedSamlAuthenticator,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SslTransportSecurityBinding,
    ValidatedTokenCache,
)
from wsbind.errors import SecurityVerificationError
from wsbind.saml.issuer import SamlVersion, encrypt_assertion
from wsbind.soap import namespaces as ns
from wsbind.verifier import MessageVerifier, TransportFacts
from wsbind.wss.header import apply_security_header
from wsbind.wss.tokens import create_xml_security_token

HTTPS = TransportFacts(is_https=True, charset="utf-8")


def envelope_at(token: bytes, when: datetime, *, extra_header: bytes = b"") -> bytes:
    """A request at ``when`` (a fresh Timestamp) carrying ``token`` byte for byte."""
    root = etree.fromstring(
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>'
        + extra_header
        + b'</s:Header><s:Body><t:whoami xmlns:t="urn:wsbind:test"/></s:Body></s:Envelope>'
    )
    apply_security_header(root, [create_xml_security_token(token)], now=when, timestamp_validity=timedelta(minutes=5))
    return etree.tostring(root)


def verifier_for(world: World, *, cache: Any = True, at: datetime = NOW, **options: Any) -> MessageVerifier:
    settings: dict[str, Any] = {
        "decryption_cert": (world.relying_party.certificate, world.relying_party.private_key),
        "audiences": [AUDIENCE],
    }
    settings.update(options)
    authenticator = CertSignedSamlAuthenticator([world.issuer.certificate], **settings)
    description = SecurityDescription(
        [SslTransportSecurityBinding(), SamlMessageSecurityBinding(authenticator)], token_cache=cache
    )
    return MessageVerifier(description, clock=lambda: at)


def cache_of(verifier: MessageVerifier) -> ValidatedTokenCache:
    cache = verifier.description.token_cache
    assert cache is not None
    return cache


def refusal(verifier: MessageVerifier, message: bytes) -> str:
    with pytest.raises(SecurityVerificationError) as caught:
        verifier.verify(message, HTTPS)
    return caught.value.reason


@pytest.mark.parametrize("base", ["saml2", "saml11", "encrypted", "hok", "saml2-soap12"])
def test_a_repeated_token_is_a_hit_with_the_same_assertion(world: World, base: str) -> None:
    verifier = verifier_for(world)
    first = verifier.verify(world.baseline(base), HTTPS).saml_assertion
    second = verifier.verify(world.baseline(base), HTTPS).saml_assertion
    assert cache_of(verifier).hits == 1 and cache_of(verifier).misses == 1
    assert first is not None and second is not None
    assert second == first and identity_of(second) == IDENTITY
    assert second.signing_certificate == world.issuer.certificate
    assert etree.tostring(second.element) == etree.tostring(first.element)
    if base == "hok":
        assert second.confirmation_key_info is not None


def test_a_hit_skips_the_signature_work(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from wsbind.saml import authenticator as module

    calls = []
    real = module.verify_signature
    monkeypatch.setattr(module, "verify_signature", lambda *a, **k: calls.append(1) or real(*a, **k))
    verifier = verifier_for(world)
    for _ in range(5):
        verifier.verify(world.baseline("saml2"), HTTPS)
    assert len(calls) == 1


def test_the_same_bytes_elsewhere_in_time_are_refused_once_expired(world: World) -> None:
    token = world.issue(lifetime=timedelta(minutes=10))
    clock = [NOW]
    verifier = verifier_for(world)
    verifier._clock = lambda: clock[0]
    verifier.verify(envelope_at(token, NOW), HTTPS)
    clock[0] = NOW + timedelta(minutes=4)
    verifier.verify(envelope_at(token, clock[0]), HTTPS)
    assert cache_of(verifier).hits == 1
    clock[0] = NOW + timedelta(minutes=20)  # past NotOnOrAfter (and the 5 minutes of skew)
    assert refusal(verifier, envelope_at(token, clock[0])) == "expired"
    assert len(cache_of(verifier)) == 0  # the entry did not outlive its assertion


def test_a_not_yet_valid_window_is_checked_on_a_hit(world: World) -> None:
    token = world.issue(not_before=NOW, now=NOW)
    clock = [NOW]
    verifier = verifier_for(world)
    verifier._clock = lambda: clock[0]
    verifier.verify(envelope_at(token, NOW), HTTPS)
    clock[0] = NOW - timedelta(minutes=10)
    assert refusal(verifier, envelope_at(token, clock[0])) == "not-yet-valid"


def test_the_audience_is_checked_on_a_hit(world: World) -> None:
    verifier = verifier_for(world)
    verifier.verify(world.baseline("saml2"), HTTPS)
    authenticator = verifier.saml_binding.authenticator  # type: ignore[union-attr]
    authenticator.audiences = ("https://another.example.test/",)  # type: ignore[union-attr]
    assert refusal(verifier, world.baseline("saml2")) == "wrong-audience"
    assert cache_of(verifier).hits == 1


def test_a_one_time_use_token_is_refused_the_second_time(world: World) -> None:
    one_time = etree.Element(f"{{{ns.SAML2}}}OneTimeUse")
    token = world.issue(extra_conditions=[one_time])
    verifier = verifier_for(world)
    verifier.verify(envelope_at(token, NOW), HTTPS)
    assert refusal(verifier, envelope_at(token, NOW + timedelta(seconds=1))) == "replay"


def test_the_callback_runs_on_every_presentation(world: World) -> None:
    seen: list[str] = []

    def validator(assertion: Any) -> bool:
        seen.append(assertion.id)
        return len(seen) < 3

    verifier = verifier_for(world, saml_validator=validator)
    verifier.verify(world.baseline("saml2"), HTTPS)
    verifier.verify(world.baseline("saml2"), HTTPS)
    assert refusal(verifier, world.baseline("saml2")) == "validator-rejected"
    assert len(seen) == 3 and cache_of(verifier).hits == 2


def test_the_holder_of_key_proof_is_checked_on_a_hit(world: World) -> None:
    verifier = verifier_for(world)
    message = world.baseline("hok")
    verifier.verify(message, HTTPS)
    root = etree.fromstring(message)
    created = root.find(f".//{{{ns.WSU}}}Created")
    assert created is not None and created.text is not None
    created.text = created.text.replace(".000Z", ".001Z")  # the proof signs the Timestamp
    assert refusal(verifier, etree.tostring(root)) in {"proof-signature", "proof-reference"}
    assert cache_of(verifier).hits == 1


def test_a_duplicate_id_elsewhere_is_refused_on_a_hit(world: World) -> None:
    token = world.issue()
    identifier = etree.fromstring(token).get("ID", "")
    verifier = verifier_for(world)
    verifier.verify(envelope_at(token, NOW), HTTPS)
    decoy = f'<x:Decoy xmlns:x="urn:decoy" ID="{identifier}"/>'.encode()
    assert refusal(verifier, envelope_at(token, NOW, extra_header=decoy)) == "duplicate-id"


def test_changed_bytes_are_a_miss_and_verified_again(world: World) -> None:
    token = world.issue()
    verifier = verifier_for(world)
    verifier.verify(envelope_at(token, NOW), HTTPS)
    forged = token.replace(b">alice<", b">mallory<")
    assert refusal(verifier, envelope_at(forged, NOW)) == "signature"
    assert cache_of(verifier).hits == 0


def test_a_shared_cache_never_lends_trust_to_another_authenticator(world: World) -> None:
    shared = ValidatedTokenCache()
    trusting = verifier_for(world, cache=shared)
    trusting.verify(world.baseline("saml2"), HTTPS)
    rogue_only = CertSignedSamlAuthenticator([world.rogue.certificate], audiences=[AUDIENCE])
    other = MessageVerifier(
        SecurityDescription(
            [SslTransportSecurityBinding(), SamlMessageSecurityBinding(rogue_only)], token_cache=shared
        ),
        clock=lambda: NOW,
    )
    assert refusal(other, world.baseline("saml2")) == "untrusted-issuer"
    assert shared.hits == 0


def test_an_encrypted_token_is_not_decrypted_again(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from wsbind.xmlcrypto.decrypt import AssertionDecrypter

    calls = []
    real = AssertionDecrypter.decrypt
    monkeypatch.setattr(AssertionDecrypter, "decrypt", lambda *a, **k: calls.append(1) or real(*a, **k))
    verifier = verifier_for(world)
    message = envelope_at(encrypt_assertion(world.issue(), world.relying_party.certificate), NOW)
    for _ in range(3):
        assert identity_of(verifier.verify(message, HTTPS).saml_assertion) == IDENTITY
    assert len(calls) == 1


def test_the_cache_is_bounded_in_entries_and_bytes(world: World) -> None:
    by_entries = verifier_for(world, cache=ValidatedTokenCache(max_entries=3))
    by_bytes = verifier_for(world, cache=ValidatedTokenCache(max_bytes=3 * 1024 + 500))
    for index in range(6):
        message = envelope_at(world.issue(assertion_id=f"_bounded{index}"), NOW)
        by_entries.verify(message, HTTPS)
        by_bytes.verify(message, HTTPS)
    assert len(cache_of(by_entries)) == 3
    assert 1 <= len(cache_of(by_bytes)) < 6
    assert cache_of(by_bytes).estimated_bytes <= cache_of(by_bytes).max_bytes


def test_opting_out(world: World) -> None:
    for off in (None, False):
        verifier = verifier_for(world, cache=off)
        assert verifier.description.token_cache is None
        for _ in range(2):
            assert identity_of(verifier.verify(world.baseline("saml2"), HTTPS).saml_assertion) == IDENTITY
    with pytest.raises(TypeError, match="token_cache"):
        verifier_for(world, cache={})
    with pytest.raises(ValueError, match="max_entries"):
        ValidatedTokenCache(max_entries=0)


def test_a_token_verified_by_python_xmlsec_is_not_remembered(world: World) -> None:
    """Signed in place with inclusive c14n: outside the fast path, its verdict depends on the context."""
    envelope = etree.fromstring(world.envelope(world.issue()))
    assertion = envelope.find(f".//{{{ns.SAML2}}}Assertion")
    assert assertion is not None
    old = assertion.find(f"{{{ns.DS}}}Signature")
    assert old is not None
    assertion.remove(old)
    signature = xmlsec.template.create(
        assertion, xmlsec.constants.TransformInclC14N, xmlsec.constants.TransformRsaSha256, ns="ds"
    )
    assertion.insert(1, signature)
    reference = xmlsec.template.add_reference(
        signature, xmlsec.constants.TransformSha256, uri=f"#{assertion.get('ID')}"
    )
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformEnveloped)
    xmlsec.tree.add_ids(assertion, ["ID"])
    context = xmlsec.SignatureContext()
    pem = world.issuer.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    context.key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
    context.sign(signature)
    verifier = verifier_for(world)
    message = etree.tostring(envelope)
    for _ in range(2):
        assert identity_of(verifier.verify(message, HTTPS).saml_assertion) == IDENTITY
    assert len(cache_of(verifier)) == 0 and cache_of(verifier).hits == 0


def test_threads_share_one_cache_safely(world: World) -> None:
    verifier = verifier_for(world, cache=ValidatedTokenCache(max_entries=4))
    messages = [envelope_at(world.issue(assertion_id=f"_thread{i}"), NOW) for i in range(6)]
    messages += [world.baseline(base) for base in ("saml2", "saml11", "hok")]
    failures: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for step in range(60):
                verified = verifier.verify(messages[(offset + step) % len(messages)], HTTPS)
                assert identity_of(verified.saml_assertion) == IDENTITY
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[0]
    assert len(cache_of(verifier)) <= 4 and cache_of(verifier).hits > 0


def test_saml11_repeated_token_keeps_its_attributes(world: World) -> None:
    verifier = verifier_for(world)
    token = world.issue(SamlVersion.V1_1)
    first = verifier.verify(envelope_at(token, NOW), HTTPS).saml_assertion
    second = verifier.verify(envelope_at(token, NOW + timedelta(seconds=1)), HTTPS).saml_assertion
    assert first is not None and second is not None
    assert dict(second.attributes) == dict(first.attributes) == {"role": first.attributes["role"]}
    assert cache_of(verifier).hits == 1


@pytest.mark.parametrize("cache", [True, None], ids=["cache", "no-cache"])
def test_an_assertion_without_any_end_is_refused_not_a_crash(world: World, cache: Any) -> None:
    assertion = etree.fromstring(world.issue())
    for element in assertion.iter(f"{{{ns.SAML2}}}Conditions", f"{{{ns.SAML2}}}SubjectConfirmationData"):
        element.attrib.pop("NotOnOrAfter", None)
    verifier = verifier_for(world, cache=cache)
    assert refusal(verifier, envelope_at(resign(world, assertion), NOW)) == "lifetime-too-long"
