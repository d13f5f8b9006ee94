"""The security suite's shared parts: valid baseline messages, attacks built from them, and the
two ways every attack is run (the framework-free verifier, and the spyne handler over HTTPS).

Every attack starts from a message the verifier accepts (``World.baseline``) and changes it
with lxml or on the bytes. The clock is fixed at ``NOW``, so a message means the same thing
whenever and however often it is checked (property tests and the fuzzer rely on that).
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from lxml import etree

from samples.pki import Identity, self_signed
from wsbind import (
    CertSignedSamlAuthenticator,
    NcryptAsymmetricSecurityKeyHandle,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SslTransportSecurityBinding,
    XmlTokenMessageSecurityBinding,
    create_xml_security_token,
)
from wsbind.errors import FaultCode, SecurityVerificationError
from wsbind.outgoing import OutgoingSecurity
from wsbind.saml.issuer import HOLDER_OF_KEY_V2, SamlIssuer, SamlVersion, encrypt_assertion
from wsbind.soap import namespaces as ns
from wsbind.soap.fault import build_fault
from wsbind.trust.client import saml_token_reference
from wsbind.verifier import MessageVerifier, TransportFacts
from wsbind.wss.header import apply_security_header
from wsbind.wss.keys import SecurityKeyHandle

NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
ISSUER_NAME = "https://sts.example.test"
PARTNER_NAME = "https://partner.example.test"
"""A second trusted issuer, with a key of its own: trusted for its name only."""
PEER_ADDRESS = "127.0.0.1"
"""Where requests come from on both paths (SubjectConfirmationData/@Address is checked)."""
AUDIENCE = "https://rp.example.test/service"
TO_ADDRESS = "https://rp.example.test/service"
SUBJECT = "alice"
ROLES = ("reader",)
IDENTITY = f"{SUBJECT}|{ISSUER_NAME}|{','.join(ROLES)}"
"""What an accepted baseline authenticates: subject|issuer|roles."""

BASES = ("saml2", "saml11", "encrypted", "hok", "saml2-soap12")
"""The valid messages attacks start from (see World.baseline)."""

SERVERS = ("default", "replay", "gcm-only")
"""How the server may be configured for an attack (World.description): the default is the
recommended configuration; "replay" adds detect_replay=True, "gcm-only" allow_cbc=False."""

LOGGERS = ("spyne_wsbind", "wsbind")
"""Where the handler and the core log; the suite reads both at DEBUG."""
_TOKEN_MATERIAL = re.compile(r"[A-Za-z0-9+/]{64,}")
_MARKUP = re.compile(r"<\w*:?(Assertion|Signature|EncryptedData|CipherValue|Password)\b")


@dataclass(frozen=True)
class World:
    """The keys and issuers of one test run: a trusted STS, a rogue one, the relying party, a client."""

    issuer: Identity
    rogue: Identity
    relying_party: Identity
    client: Identity
    partner: Identity
    saml: SamlIssuer
    rogue_saml: SamlIssuer
    partner_saml: SamlIssuer
    _cache: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def description(self, server: str = "default") -> SecurityDescription:
        """The server's description: HTTPS, the trusted STS and partner each bound to its name,
        audience, recipient, peer address, decryption key; ``server`` one of SERVERS. A fresh
        replay store."""
        if server not in SERVERS:
            raise ValueError(f"unknown server {server!r}; choose from {SERVERS}")
        authenticator = CertSignedSamlAuthenticator(
            {ISSUER_NAME: self.issuer.certificate, PARTNER_NAME: self.partner.certificate},
            decryption_cert=(self.relying_party.certificate, self.relying_party.private_key),
            audiences=[AUDIENCE],
            recipients=[TO_ADDRESS],
            check_address=True,
            detect_replay=server == "replay",
            allow_cbc=server != "gcm-only",
        )
        return SecurityDescription([SslTransportSecurityBinding(), SamlMessageSecurityBinding(authenticator)])

    def issue(
        self, version: SamlVersion = SamlVersion.V2_0, *, rogue: bool = False, partner: bool = False, **options: Any
    ) -> bytes:
        """A signed assertion for alice, valid at NOW, for our audience (options go to SamlIssuer.issue),
        by the trusted STS, or the rogue (our STS's name, an untrusted key) or the partner (its own name)."""
        issuer = self.rogue_saml if rogue else self.partner_saml if partner else self.saml
        return issuer.issue(**issue_settings(version, **options))

    def envelope(self, *tokens: bytes, soap_ns: str = ns.SOAP11) -> bytes:
        """A whoami request at NOW carrying ``tokens`` (and a Timestamp) in wsse:Security."""
        root = etree.fromstring(
            f'<s:Envelope xmlns:s="{soap_ns}"><s:Header/><s:Body>'
            '<t:whoami xmlns:t="urn:wsbind:test"/></s:Body></s:Envelope>'.encode()
        )
        apply_security_header(
            root, [create_xml_security_token(t) for t in tokens], now=NOW, timestamp_validity=timedelta(minutes=5)
        )
        return etree.tostring(root)

    def holder_of_key(self, assertion: bytes | None = None) -> bytes:
        """A request whose assertion confirms the client's RSA key, proved by signing Timestamp and To."""
        if assertion is None:
            assertion = self.issue(confirmation_method=HOLDER_OF_KEY_V2, confirmation_key_info=self.client_key_info())
        return proved(assertion, NcryptAsymmetricSecurityKeyHandle(self.client.private_key))

    def client_key_info(self) -> etree._Element:
        key_info = etree.Element(f"{{{ns.DS}}}KeyInfo", nsmap={"ds": ns.DS})
        data = etree.SubElement(key_info, f"{{{ns.DS}}}X509Data")
        der = self.client.certificate.public_bytes(serialization.Encoding.DER)
        etree.SubElement(data, f"{{{ns.DS}}}X509Certificate").text = base64.b64encode(der).decode()
        return key_info

    def baseline(self, base: str) -> bytes:
        """A valid message of kind ``base`` (one of BASES); built once per world, then reused."""
        if base not in self._cache:
            self._cache[base] = self._build(base)
        return self._cache[base]

    def _build(self, base: str) -> bytes:
        if base == "saml2":
            return self.envelope(self.issue())
        if base == "saml11":
            return self.envelope(self.issue(SamlVersion.V1_1))
        if base == "encrypted":
            return self.envelope(encrypt_assertion(self.issue(), self.relying_party.certificate))
        if base == "hok":
            return self.holder_of_key()
        if base == "saml2-soap12":
            return self.envelope(self.issue(), soap_ns=ns.SOAP12)
        raise ValueError(f"unknown baseline {base!r}; choose from {BASES}")


def issue_settings(version: SamlVersion = SamlVersion.V2_0, **options: Any) -> dict[str, Any]:
    """SamlIssuer.issue arguments for alice, valid at NOW, for our audience; ``options`` override."""
    settings: dict[str, Any] = {
        "subject": SUBJECT,
        "version": version,
        "audiences": [AUDIENCE],
        "attributes": {"role": list(ROLES)},
        "now": NOW,
    }
    settings.update(options)
    return settings


def proved(assertion: bytes, handle: SecurityKeyHandle, soap_ns: str = ns.SOAP11) -> bytes:
    """A whoami request carrying ``assertion``, its possession proved with ``handle``'s key
    (OutgoingSecurity signs the Timestamp, and To for a public key), in either SOAP version."""
    token = create_xml_security_token(assertion, handle, attached_reference=saml_token_reference(assertion))
    root = etree.fromstring(
        f'<s:Envelope xmlns:s="{soap_ns}"><s:Header/><s:Body>'
        '<t:whoami xmlns:t="urn:wsbind:test"/></s:Body></s:Envelope>'.encode()
    )
    description = SecurityDescription([SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(token)])
    OutgoingSecurity(description, clock=lambda: NOW).apply(root, TO_ADDRESS)
    return etree.tostring(root)


def make_world(directory: Path) -> World:
    """Fresh keys and certificates in ``directory`` (used by the fixtures, the fuzzer and benchmarks)."""
    issuer = self_signed(directory, "trusted-sts")
    rogue = self_signed(directory, "rogue-sts")
    relying_party = self_signed(directory, "relying-party")
    client = self_signed(directory, "client")
    partner = self_signed(directory, "partner-sts")
    return World(
        issuer,
        rogue,
        relying_party,
        client,
        partner,
        SamlIssuer(ISSUER_NAME, issuer.private_key, issuer.certificate),
        SamlIssuer(ISSUER_NAME, rogue.private_key, rogue.certificate),
        SamlIssuer(PARTNER_NAME, partner.private_key, partner.certificate),
    )


# -- attacks -------------------------------------------------------------------------------

Build = Callable[[World], list[bytes]]


@dataclass(frozen=True)
class Attack:
    """One attack: how to build its message(s), and how it must be refused.

    ``build`` returns the messages to send in order: every one but the last must be accepted
    (a replay sends the original first), the last is the attack. ``expect`` None means the
    message must be accepted with the baseline's identity unchanged (an inert decoy).
    ``reasons`` are the acceptable refusal reasons (SecurityVerificationError.reason).
    """

    id: str
    threat: str
    build: Build
    expect: FaultCode | None
    reasons: frozenset[str] = frozenset()
    source: str = ""
    """The paper or CVE this attack reproduces (also in tests/security/README.md)."""
    server: str = "default"
    """The server configuration it is sent to (one of SERVERS)."""

    def __post_init__(self) -> None:
        if self.expect is not None and not self.reasons:
            raise ValueError(f"attack {self.id}: say which refusal reasons are acceptable")


def on_tree(base: str, change: Callable[[etree._Element, World], None]) -> Build:
    """Build by parsing baseline ``base``, letting ``change`` edit the tree, and serializing it."""

    def build(world: World) -> list[bytes]:
        root = etree.fromstring(world.baseline(base))
        change(root, world)
        return [etree.tostring(root)]

    return build


def on_bytes(base: str, change: Callable[[bytes, World], bytes]) -> Build:
    """Build by rewriting the bytes of baseline ``base``."""

    def build(world: World) -> list[bytes]:
        return [change(world.baseline(base), world)]

    return build


def refused(
    id: str, threat: str, build: Build, expect: FaultCode, *reasons: str, source: str = "", server: str = "default"
) -> Attack:
    """An attack that must be refused with ``expect`` for one of ``reasons``."""
    return Attack(id, threat, build, expect, frozenset(reasons), source, server)


def inert(id: str, threat: str, build: Build, source: str = "", server: str = "default") -> Attack:
    """A decoy the verifier must ignore: accepted, and the identity is still the baseline's."""
    return Attack(id, threat, build, None, frozenset(), source, server)


# Finding things in a message, for attacks to edit.

NSMAP = {
    "s11": ns.SOAP11,
    "s12": ns.SOAP12,
    "wsse": ns.WSSE,
    "wsu": ns.WSU,
    "wsa": ns.WSA,
    "ds": ns.DS,
    "xenc": ns.XENC,
    "saml2": ns.SAML2,
    "saml1": ns.SAML1,
}


def find(root: etree._Element, path: str) -> etree._Element:
    """The one element at XPath ``path`` (prefixes as in NSMAP); fails loudly if not exactly one."""
    found = root.xpath(path, namespaces=NSMAP)
    assert isinstance(found, list) and len(found) == 1, f"{path}: {len(found) if isinstance(found, list) else found}"
    element = found[0]
    assert isinstance(element, etree._Element)
    return element


def assertion_of(root: etree._Element) -> etree._Element:
    """The SAML assertion in the message's wsse:Security header."""
    return find(root, "//wsse:Security/saml2:Assertion | //wsse:Security/saml1:Assertion")


def security_of(root: etree._Element) -> etree._Element:
    return find(root, "//wsse:Security")


# -- running -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What happened to a message: accepted with an identity, or refused with a code and reason."""

    accepted: bool
    identity: str | None = None
    fault_code: FaultCode | None = None
    reason: str | None = None

    def describe(self) -> str:
        if self.accepted:
            return f"accepted as {self.identity!r}"
        return f"refused {self.fault_code.value if self.fault_code else None} ({self.reason})"


def identity_of(assertion: Any) -> str:
    roles = ",".join(assertion.attributes.get("role", ()))
    return f"{assertion.subject_name_id}|{assertion.issuer}|{roles}"


def run_verifier(world: World, messages: Sequence[bytes], description: SecurityDescription | None = None) -> Outcome:
    """Send ``messages`` in order to one fresh framework-free verifier; the last one's outcome.

    The transport facts are those of HttpService's posts: HTTPS, labelled charset=utf-8, from
    PEER_ADDRESS.
    """
    verifier = MessageVerifier(description or world.description(), clock=lambda: NOW)
    outcome = Outcome(False)
    facts = TransportFacts(is_https=True, charset="utf-8", remote_addr=PEER_ADDRESS)
    for index, message in enumerate(messages):
        _earlier_accepted(outcome, index == 0)
        try:
            verified = verifier.verify(message, facts)
        except SecurityVerificationError as exc:
            assert_clean_log_text(exc.detail)
            outcome = Outcome(False, fault_code=exc.fault_code, reason=exc.reason)
            continue
        outcome = Outcome(True, identity=identity_of(verified.saml_assertion))
    return outcome


def _earlier_accepted(previous: Outcome, first: bool) -> None:
    """Every message but the last is one the attack needs accepted (a replay's original)."""
    assert first or previous.accepted, f"a message before the attack was {previous.describe()}"


def expect_outcome(attack: Attack, outcome: Outcome) -> None:
    """Fail unless ``outcome`` is what ``attack`` must produce."""
    if attack.expect is None:
        assert outcome.accepted, f"{attack.id}: the decoy must be ignored, but was {outcome.describe()}"
        assert outcome.identity == IDENTITY, f"{attack.id}: identity changed to {outcome.identity!r}"
        return
    assert not outcome.accepted, f"{attack.id}: ACCEPTED as {outcome.identity!r}"
    assert outcome.fault_code is attack.expect, f"{attack.id}: {outcome.describe()}, expected {attack.expect.value}"
    assert outcome.reason in attack.reasons, f"{attack.id}: {outcome.describe()}, expected one of {attack.reasons}"


def assert_clean_log_text(text: str) -> None:
    """Log hygiene: one line, no token material (long base64, token markup), no key, no trace."""
    assert "\n" not in text and "\r" not in text, f"a log line spans lines (forgeable): {text!r}"
    assert not _TOKEN_MATERIAL.search(text), f"token material in the log: {text!r}"
    assert not _MARKUP.search(text), f"token markup in the log: {text!r}"
    assert "PRIVATE KEY" not in text and "Traceback" not in text, text
    assert len(text) < 1000, f"an unbounded log line ({len(text)} characters) lets a request flood the log"


class LogCapture(logging.Handler):
    """Collects the handler's log records (the server runs in another thread of this process)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        return "\n".join(self.format(r) for r in self.records)


@contextmanager
def capturing_logs() -> Iterator[LogCapture]:
    """Collect every record of the LOGGERS at DEBUG while the block runs."""
    capture = LogCapture()
    loggers = [logging.getLogger(name) for name in LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(capture)
        logger.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(capture)
            logger.setLevel(level)


@dataclass
class HttpService:
    """Running spyne services behind SecurityHandler, SOAP 1.1 and 1.2, one per server
    configuration (SERVERS), on loopback HTTPS."""

    urls: dict[tuple[str, str], str]
    """(server configuration, SOAP namespace) -> URL."""
    ca: Path
    log: LogCapture

    def send(self, messages: Sequence[bytes], server: str = "default") -> Outcome:
        """POST ``messages`` in order; the last one's outcome, its reason read from the handler's log.

        A refusal must be exactly the generic WS-Security fault for its code: nothing else
        (no detail, no stack trace) may reach the peer.
        """
        outcome = Outcome(False)
        for index, message in enumerate(messages):
            _earlier_accepted(outcome, index == 0)
            outcome = self._send_one(message, server)
        return outcome

    def _send_one(self, message: bytes, server: str) -> Outcome:
        from support import post

        soap_ns = ns.SOAP12 if _looks_soap12(message) else ns.SOAP11
        self.log.records.clear()
        status, code, body = post(self.urls[server, soap_ns], message, self.ca, soap12=soap_ns == ns.SOAP12)
        for record in self.log.records:
            assert_clean_log_text(record.getMessage())
        if status == 200:
            return Outcome(True, identity=_whoami_answer(body))
        refusals = [r for r in self.log.records if r.getMessage().startswith("request refused")]
        assert len(refusals) == 1, f"HTTP {status} without exactly one refusal in the log: {self.log.text()}"
        record = refusals[0]
        assert all(r.exc_info is None for r in self.log.records), f"unexpected error: {self.log.text()}"
        fault_code, reason = record.args[0], record.args[1]  # type: ignore[index]
        fault = FaultCode(fault_code)
        assert status == 500, f"refusals answer 500, got {status}"
        assert body == build_fault(soap_ns, fault), f"the fault is not the generic one for {fault.value}: {body!r}"
        assert code == fault.value.split(":")[-1]
        return Outcome(False, fault_code=fault, reason=str(reason))


def _looks_soap12(message: bytes) -> bool:
    try:
        root = etree.fromstring(message, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError:
        return False
    return isinstance(root.tag, str) and etree.QName(root).namespace == ns.SOAP12


def _whoami_answer(body: bytes) -> str:
    root = etree.fromstring(body)
    results = [e.text or "" for e in root.iter() if isinstance(e.tag, str) and e.tag.endswith("whoamiResult")]
    assert len(results) == 1, body
    subject, issuer, roles, _version = results[0].split("|")
    return f"{subject}|{issuer}|{roles}"


def by_id(attacks: Iterable[Attack]) -> dict[str, Attack]:
    """Attacks keyed by id; a repeated id is a mistake in the suite."""
    table: dict[str, Attack] = {}
    for attack in attacks:
        assert attack.id not in table, f"attack id {attack.id} is used twice"
        table[attack.id] = attack
    return table

