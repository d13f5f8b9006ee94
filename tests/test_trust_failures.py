"""One answer for every crypto or trust failure, weak keys and CBC, and message replay: what the
catalogued attacks of tests/security/attacks_failures.py cannot show one message at a time
(byte-identical answers across failure kinds, construction-time refusals, defaults, the replay
store, expiry and concurrency)."""

from __future__ import annotations

import inspect
import threading
from datetime import datetime, timedelta

import pytest
import requests
from lxml import etree
from security import conftest as security_fixtures
from security.attacks_encryption import Recipe, encrypted_data
from security.attacks_failures import FAILURES, hok_assertion, weak_client, weak_hok, weak_rsa, x509_key_info
from security.harness import (
    AUDIENCE,
    IDENTITY,
    ISSUER_NAME,
    NOW,
    PARTNER_NAME,
    PEER_ADDRESS,
    ROLES,
    SUBJECT,
    TO_ADDRESS,
    HttpService,
    World,
    identity_of,
    proved,
)
from support import post

from spyne_wsbind import SecurityHandler
from wsbind import (
    CertSignedSamlAuthenticator,
    InvalidSecurityDescription,
    NcryptAsymmetricSecurityKeyHandle,
    ReplayCache,
    ReplayStore,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SecurityProperty,
    SecurityTimestampUsage,
    SslTransportSecurityBinding,
)
from wsbind.errors import FaultCode, SecurityVerificationError
from wsbind.saml.issuer import SamlIssuer, SamlVersion, encrypt_assertion
from wsbind.soap import namespaces as ns
from wsbind.soap.fault import build_fault
from wsbind.verifier import MessageVerifier, TransportFacts
from wsbind.wss.proof import ProofKey, ProofKeyUnavailable, read_proof_key
from wsbind.xmlcrypto.certs import MIN_RSA_BITS, weak_rsa_bits
from wsbind.xmlcrypto.decrypt import AssertionDecrypter, DecryptionFailed

# The security suite's session fixtures (tests/security/conftest.py), for this module too.
world = security_fixtures.world
service = security_fixtures.service

FACTS = TransportFacts(is_https=True, charset="utf-8", remote_addr=PEER_ADDRESS)
S2 = f"{{{ns.SAML2}}}"
SKEW = timedelta(minutes=5)
FRESH_FOR = timedelta(minutes=10)
"""How long World.envelope's Timestamp (Created NOW, Expires NOW + 5 min) stays acceptable:
until Expires + the 5-minute skew."""


def authenticator(world: World, **options: object) -> CertSignedSamlAuthenticator:
    """World.description's authenticator, with ``options`` changed."""
    settings: dict[str, object] = {
        "decryption_cert": (world.relying_party.certificate, world.relying_party.private_key),
        "audiences": [AUDIENCE],
        "recipients": [TO_ADDRESS],
        "check_address": True,
    }
    settings.update(options)
    trusted = settings.pop("trusted", {ISSUER_NAME: world.issuer.certificate, PARTNER_NAME: world.partner.certificate})
    return CertSignedSamlAuthenticator(trusted, **settings)  # type: ignore[arg-type]


def description(
    world: World, properties: dict[SecurityProperty, object] | None = None, **options: object
) -> SecurityDescription:
    return SecurityDescription(
        [SslTransportSecurityBinding(), SamlMessageSecurityBinding(authenticator(world, **options))], properties
    )


def verifier(world: World, clock: list[datetime] | None = None, **options: object) -> MessageVerifier:
    """A verifier for World.description with ``options``; its clock reads ``clock[0]`` (NOW by default)."""
    moment = clock if clock is not None else [NOW]
    return MessageVerifier(description(world, **options), clock=lambda: moment[0])


def outcome(verifier: MessageVerifier, message: bytes) -> str:
    """The identity accepted, or "refused <code> <reason>"."""
    try:
        return identity_of(verifier.verify(message, FACTS).saml_assertion)
    except SecurityVerificationError as exc:
        return f"refused {exc.fault_code.value} {exc.reason}"


def one_time_use(world: World) -> bytes:
    return world.issue(extra_conditions=[etree.Element(f"{S2}OneTimeUse")])


# -- one answer for every crypto or trust failure ---------------------------------------------------


def _refusal_reason(service: HttpService) -> str:
    refusals = [r for r in service.log.records if r.getMessage().startswith("request refused")]
    assert len(refusals) == 1, service.log.text()
    assert all(r.exc_info is None for r in service.log.records), service.log.text()
    return str(refusals[0].args[1])  # type: ignore[index]


@pytest.mark.parametrize("soap_ns", [ns.SOAP11, ns.SOAP12], ids=["soap11", "soap12"])
def test_every_crypto_or_trust_failure_gets_the_same_answer_over_https(
    world: World, service: HttpService, soap_ns: str
) -> None:
    """Untrusted issuer, bad SignatureValue or DigestValue, undecryptable ciphertext, a proof by
    another key, a proof key that does not unwrap: one status and one body, byte for byte; only
    the log tells them apart."""
    url = service.urls["default", soap_ns]
    answers: dict[str, tuple[int, bytes]] = {}
    reasons: dict[str, str] = {}
    for failure in FAILURES:
        message = failure.make(world, soap_ns)
        service.log.records.clear()
        status, _code, body = post(url, message, service.ca, soap12=soap_ns == ns.SOAP12)
        answers[failure.id] = (status, body)
        reasons[failure.id] = _refusal_reason(service)
    expected = (500, build_fault(soap_ns, FaultCode.FAILED_AUTHENTICATION))
    different = {name: answer for name, answer in answers.items() if answer != expected}
    assert not different, f"answers that tell failures apart: {different}"
    assert reasons == {f.id: f.reason for f in FAILURES}
    assert set(reasons.values()) == {"untrusted-issuer", "signature", "decryption", "proof-signature"}


def test_the_headers_of_those_answers_are_identical_too(world: World, service: HttpService) -> None:
    """Status, body and every header but Date: a Content-Length or a header that varies with the
    failure would be an oracle all the same."""
    seen = set()
    session = requests.Session()
    session.trust_env = False
    for failure in FAILURES:
        response = session.post(
            service.urls["default", ns.SOAP11],
            data=failure.make(world, ns.SOAP11),
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"whoami"'},
            verify=str(service.ca),
            timeout=10,
        )
        headers = tuple(sorted((k.lower(), v) for k, v in response.headers.items() if k.lower() != "date"))
        seen.add((response.status_code, response.content, headers))
    assert len(seen) == 1, seen


def test_the_verifier_gives_one_code_and_the_listed_reason_for_each_failure(world: World) -> None:
    checker = verifier(world)
    for failure in FAILURES:
        assert outcome(checker, failure.make(world, ns.SOAP11)) == f"refused FailedAuthentication {failure.reason}"


# -- weak keys ------------------------------------------------------------------------------------


def test_min_rsa_bits_and_what_counts_as_weak(world: World) -> None:
    assert MIN_RSA_BITS == 2048
    assert weak_rsa_bits(weak_client().private_key) == 1024
    assert weak_rsa_bits(weak_client().certificate.public_key()) == 1024
    assert weak_rsa_bits(world.issuer.certificate.public_key()) is None  # 2048 bits: the boundary is allowed
    from cryptography.hazmat.primitives.asymmetric import ec

    assert weak_rsa_bits(ec.generate_private_key(ec.SECP256R1())) is None


@pytest.mark.parametrize("form", ["mapping", "list", "beside-a-strong-one"])
def test_a_1024_bit_trusted_issuer_is_refused_at_construction(world: World, form: str) -> None:
    weak = weak_rsa("weak-sts").certificate
    trusted: object = {
        "mapping": {ISSUER_NAME: weak},
        "list": [weak],
        "beside-a-strong-one": {ISSUER_NAME: world.issuer.certificate, PARTNER_NAME: [world.partner.certificate, weak]},
    }[form]
    with pytest.raises(InvalidSecurityDescription) as caught:
        CertSignedSamlAuthenticator(trusted)  # type: ignore[arg-type]
    assert caught.value.rule == "R63"
    message = str(caught.value)
    assert message.startswith("R63:") and "allow_weak_rsa" in message and "1024" in message


def test_allow_weak_rsa_trusts_a_1024_bit_issuer(world: World) -> None:
    weak = weak_rsa("weak-sts")
    issuer = SamlIssuer(ISSUER_NAME, weak.private_key, weak.certificate)  # the issuer side does not refuse it
    token = issuer.issue(
        subject=SUBJECT, audiences=[AUDIENCE], attributes={"role": list(ROLES)}, now=NOW, version=SamlVersion.V2_0
    )
    checker = verifier(world, trusted={ISSUER_NAME: weak.certificate}, allow_weak_rsa=True)
    assert checker.description.find(SamlMessageSecurityBinding).authenticator.allow_weak_rsa is True  # type: ignore[union-attr]
    assert outcome(checker, world.envelope(token)) == IDENTITY
    # The weak key is trusted for its name, nothing more: the 2048-bit STS is no longer trusted.
    assert outcome(checker, world.envelope(world.issue())) == "refused FailedAuthentication untrusted-issuer"


def test_allow_weak_rsa_accepts_a_1024_bit_proof_key(world: World) -> None:
    for form in ("certificate", "key-value"):
        [message] = weak_hok(form)(world)
        assert outcome(verifier(world), message) == "refused FailedAuthentication weak-key"
        assert outcome(verifier(world, allow_weak_rsa=True), message) == IDENTITY


def test_a_1024_bit_decryption_cert_is_refused_at_construction(world: World) -> None:
    weak = weak_rsa("weak-relying-party")
    with pytest.raises(InvalidSecurityDescription) as caught:
        authenticator(world, decryption_cert=(weak.certificate, weak.private_key))
    assert caught.value.rule == "R27"
    assert "allow_weak_rsa" in str(caught.value) and "1024" in str(caught.value)
    checker = verifier(world, decryption_cert=(weak.certificate, weak.private_key), allow_weak_rsa=True)
    assert outcome(checker, world.envelope(encrypt_assertion(world.issue(), weak.certificate))) == IDENTITY


def test_read_proof_key_refuses_a_weak_rsa_key_unless_allowed(world: World) -> None:
    weak = x509_key_info(weak_client().certificate)[0]
    with pytest.raises(ProofKeyUnavailable) as caught:
        read_proof_key(weak, None)
    assert (caught.value.fault_code, caught.value.reason) == (FaultCode.FAILED_AUTHENTICATION, "weak-key")
    assert isinstance(read_proof_key(weak, None, allow_weak_rsa=True), ProofKey)
    assert isinstance(read_proof_key(world.client_key_info()[0], None), ProofKey)  # 2048 bits


def test_defaults_allow_cbc_and_refuse_weak_rsa(world: World) -> None:
    parameters = inspect.signature(CertSignedSamlAuthenticator).parameters
    assert parameters["allow_cbc"].default is True
    assert parameters["allow_weak_rsa"].default is False
    assert parameters["detect_replay"].default is False
    assert inspect.signature(AssertionDecrypter).parameters["allow_cbc"].default is True
    assert inspect.signature(read_proof_key).parameters["allow_weak_rsa"].default is False
    assert CertSignedSamlAuthenticator({ISSUER_NAME: world.issuer.certificate}).allow_weak_rsa is False
    cbc = encrypt_assertion(world.issue(), world.relying_party.certificate, data_algorithm=ns.AES256_CBC)
    assert outcome(verifier(world), world.envelope(cbc)) == IDENTITY  # ADFS encrypts with AES-CBC by default
    assert outcome(verifier(world, allow_cbc=False), world.envelope(cbc)) == "refused FailedAuthentication decryption"


@pytest.mark.parametrize("algorithm", [ns.AES128_CBC, ns.AES192_CBC, ns.AES256_CBC])
def test_a_gcm_only_decrypter_refuses_every_cbc(world: World, algorithm: str) -> None:
    token = etree.fromstring(
        encrypt_assertion(world.issue(), world.relying_party.certificate, data_algorithm=algorithm)
    )
    assert AssertionDecrypter(world.relying_party.private_key).decrypt(token).tag == f"{S2}Assertion"
    with pytest.raises(DecryptionFailed):
        AssertionDecrypter(world.relying_party.private_key, allow_cbc=False).decrypt(token)
    gcm = etree.fromstring(encrypt_assertion(world.issue(), world.relying_party.certificate))
    assert AssertionDecrypter(world.relying_party.private_key, allow_cbc=False).decrypt(gcm).tag == f"{S2}Assertion"


def test_a_gcm_only_decrypter_refuses_a_cbc_encrypted_id(world: World) -> None:
    name_id = etree.Element(f"{S2}NameID", nsmap={"saml2": ns.SAML2})
    name_id.text = SUBJECT
    wrapper = etree.Element(f"{S2}EncryptedID", nsmap={"saml2": ns.SAML2})
    wrapper.append(encrypted_data(etree.tostring(name_id), world.relying_party.certificate, Recipe(data=ns.AES256_CBC)))
    assert AssertionDecrypter(world.relying_party.private_key).decrypt(wrapper).text == SUBJECT
    with pytest.raises(DecryptionFailed):
        AssertionDecrypter(world.relying_party.private_key, allow_cbc=False).decrypt(wrapper)


# -- replay ---------------------------------------------------------------------------------------


class RecordingStore(ReplayStore):
    """A ReplayStore of the application's own (say, shared by several processes): records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, datetime, datetime]] = []
        self._inner = ReplayCache()

    def first_use(self, key: str, expires: datetime, now: datetime) -> bool:
        self.calls.append((key, expires, now))
        return self._inner.first_use(key, expires, now)


class FullStore(ReplayStore):
    """A store with no room left (or unreachable): it answers False to everything."""

    def first_use(self, key: str, expires: datetime, now: datetime) -> bool:
        return False


def test_a_custom_replay_store_gets_both_the_message_keys_and_the_one_time_use_keys(world: World) -> None:
    store = RecordingStore()
    checker = verifier(world, detect_replay=True, replay_store=store)
    token = one_time_use(world)
    assertion_id = etree.fromstring(token).get("ID")
    message = world.envelope(token)
    assert outcome(checker, message) == IDENTITY
    assert [(key.split("\x00")[0], expires, now) for key, expires, now in store.calls] == [
        (ISSUER_NAME, NOW + timedelta(hours=1) + SKEW, NOW),  # OneTimeUse: until NotOnOrAfter + skew
        ("message", NOW + FRESH_FOR, NOW),  # the message: while its Timestamp is fresh
    ]
    assert store.calls[0][0] == f"{ISSUER_NAME}\x00{assertion_id}"
    assert store.calls[1][0].startswith(f"message\x00{ISSUER_NAME}\x00")
    assert outcome(checker, message) == "refused FailedAuthentication replay"  # OneTimeUse is checked first
    assert outcome(checker, world.envelope(token)) == "refused FailedAuthentication replay"
    # Without OneTimeUse only the message is remembered.
    store.calls.clear()
    plain = world.envelope(world.issue())
    assert outcome(checker, plain) == IDENTITY
    assert [key.split("\x00")[0] for key, _, _ in store.calls] == ["message"]
    assert outcome(checker, plain) == "refused FailedAuthentication message-replay"


def test_the_store_decides(world: World) -> None:
    """A store that answers False refuses first uses too: its answer, not a private copy, counts."""
    checker = verifier(world, detect_replay=True, replay_store=FullStore())
    assert outcome(checker, world.envelope(world.issue())) == "refused FailedAuthentication message-replay"
    assert outcome(checker, world.envelope(one_time_use(world))) == "refused FailedAuthentication replay"
    assert outcome(verifier(world, replay_store=FullStore()), world.envelope(world.issue())) == IDENTITY


@pytest.mark.parametrize("expires", [True, False], ids=["with-expires", "created-only"])
def test_a_replay_is_refused_while_fresh_and_as_stale_after(world: World, expires: bool) -> None:
    """The entry lasts exactly as long as the Timestamp is acceptable: never a gap in which the
    same bytes would be accepted again."""
    message = world.envelope(world.issue())
    if not expires:
        root = etree.fromstring(message)
        timestamp = root.find(f".//{{{ns.WSU}}}Timestamp")
        assert timestamp is not None
        timestamp.remove(timestamp[1])
        message = etree.tostring(root)
    store = RecordingStore()
    clock = [NOW]
    checker = verifier(world, clock, detect_replay=True, replay_store=store)
    assert outcome(checker, message) == IDENTITY
    # Expires + skew; without Expires, Created + latency (5 min) + skew and one microsecond more
    # (a Timestamp exactly that old is still accepted).
    fresh_until = NOW + FRESH_FOR + (timedelta(0) if expires else timedelta(microseconds=1))
    assert [expires for _, expires, _ in store.calls] == [fresh_until]
    instant = timedelta(microseconds=1)
    for moment in (NOW, NOW + timedelta(minutes=1), NOW + timedelta(minutes=9, seconds=59), fresh_until - instant):
        clock[0] = moment
        assert outcome(checker, message) == "refused FailedAuthentication message-replay", moment
    stale = {"refused MessageExpired timestamp-expired", "refused MessageExpired timestamp-too-old"}
    for moment in (fresh_until, fresh_until + instant, NOW + timedelta(minutes=11), NOW + timedelta(minutes=50)):
        clock[0] = moment
        assert outcome(checker, message) in stale, moment


def test_detect_replay_needs_timestamps(world: World) -> None:
    never = {SecurityProperty.TIMESTAMP_USAGE: SecurityTimestampUsage.NEVER}
    replaying = description(world, never, detect_replay=True)
    for build in (lambda: MessageVerifier(replaying), lambda: SecurityHandler(replaying)):
        with pytest.raises(InvalidSecurityDescription) as caught:
            build()
        assert caught.value.rule == "R64"
        assert str(caught.value).startswith("R64:") and "detect_replay" in str(caught.value)
    MessageVerifier(description(world, never))  # without detect_replay, NEVER is the application's choice


def test_detect_replay_is_off_by_default(world: World) -> None:
    checker = verifier(world)
    assert checker.description.find(SamlMessageSecurityBinding).authenticator.detect_replay is False  # type: ignore[union-attr]
    message = world.envelope(world.issue())
    assert outcome(checker, message) == IDENTITY
    assert outcome(checker, message) == IDENTITY
    hok = world.holder_of_key()
    assert outcome(checker, hok) == IDENTITY
    assert outcome(checker, hok) == IDENTITY
    once = world.envelope(one_time_use(world))  # OneTimeUse is enforced whatever detect_replay says
    assert outcome(checker, once) == IDENTITY
    assert outcome(checker, once) == "refused FailedAuthentication replay"


def test_detect_replay_tells_messages_apart_not_tokens(world: World) -> None:
    checker = verifier(world, detect_replay=True)
    token = world.issue()
    assert outcome(checker, world.envelope(token)) == IDENTITY
    assert outcome(checker, world.envelope(token)) == IDENTITY  # a new Timestamp: a new message
    assertion = hok_assertion(world, world.client_key_info())
    first = proved(assertion, NcryptAsymmetricSecurityKeyHandle(world.client.private_key))
    second = proved(assertion, NcryptAsymmetricSecurityKeyHandle(world.client.private_key))
    assert outcome(checker, first) == IDENTITY
    assert outcome(checker, second) == IDENTITY
    assert outcome(checker, first) == "refused FailedAuthentication message-replay"
    # Two verifiers (say, two endpoints) with one store: a message accepted by one is a replay at the other.
    store = ReplayCache()
    message = world.envelope(world.issue())
    assert outcome(verifier(world, detect_replay=True, replay_store=store), message) == IDENTITY
    assert outcome(verifier(world, detect_replay=True, replay_store=store), message) == (
        "refused FailedAuthentication message-replay"
    )


@pytest.mark.parametrize("kind", ["bearer", "hok"])
def test_the_same_message_at_once_from_many_threads_is_accepted_once(world: World, kind: str) -> None:
    import sys

    checker = verifier(world, detect_replay=True)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, to provoke a race
    try:
        for _ in range(5):
            message = world.envelope(world.issue()) if kind == "bearer" else world.holder_of_key()
            threads = 8
            barrier = threading.Barrier(threads)
            results: list[str] = []

            def present(
                message: bytes = message, barrier: threading.Barrier = barrier, results: list[str] = results
            ) -> None:
                barrier.wait()
                results.append(outcome(checker, message))

            workers = [threading.Thread(target=present) for _ in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(30)
            assert sorted(results) == [IDENTITY] + ["refused FailedAuthentication message-replay"] * (threads - 1)
    finally:
        sys.setswitchinterval(interval)


def test_a_weak_hok_proof_is_otherwise_a_valid_proof(world: World) -> None:
    """The weak-key attacks differ from an accepted message only in the key's size."""
    client = weak_client()
    assertion = hok_assertion(world, x509_key_info(client.certificate))
    message = proved(assertion, NcryptAsymmetricSecurityKeyHandle(client.private_key))
    assert outcome(verifier(world, allow_weak_rsa=True), message) == IDENTITY
    assert outcome(verifier(world), message) == "refused FailedAuthentication weak-key"
