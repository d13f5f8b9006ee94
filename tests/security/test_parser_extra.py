"""What the Attack shape cannot say about the parser and encryption attacks.

An Attack checks the fault code and reason. These tests check the rest: that no parser or
decrypter ever opened a connection (a real loopback listener counts them), that a local file an
entity points at never comes back in a reply or a log line, that every decryption failure is
indistinguishable from every other to the peer (fault code and body; the log keeps what went
wrong, for the operator), that the bombs are
refused quickly, and that the hand-made ciphertexts and re-signed assertions the attacks rely on
are accepted when nothing is wrong with them (so a refusal is the attack's doing).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from support import post

from security import attacks_encryption as enc
from security import attacks_parser as parser
from security.attacks_semantics import resign
from security.catalogue import ATTACKS
from security.harness import (
    IDENTITY,
    NOW,
    Attack,
    HttpService,
    World,
    expect_outcome,
    run_verifier,
)
from wsbind.errors import SecurityVerificationError
from wsbind.soap import namespaces as ns
from wsbind.soap.namespaces import AES128_CBC, AES128_GCM, AES256_CBC, AES256_GCM
from wsbind.verifier import MessageVerifier, TransportFacts

FETCHING = [
    "parser-xxe-loopback-http",
    "parser-external-parameter-entity",
    "parser-parameter-entity-exfiltration",
    "parser-external-dtd",
    "parser-xinclude-loopback-in-header",
    "parser-stylesheet-pi-before-root",
    "enc-retrieval-method-external",
]
"""Attacks that name a URL on NOWHERE: a parser or decrypter that fetched would connect there.

(The libxml2 in use may be built without HTTP support; the listener still guards the property
against any other fetcher: a different build, a Python resolver, xmlsec's own I/O.)"""

READING = [
    "parser-xxe-local-file",
    "parser-parameter-entity-exfiltration",
]
"""Attacks whose entity names the local secret file."""

UNIFORM = sorted(a.id for a in enc.ATTACKS if a.reasons == frozenset({"decryption"}))
"""Every encryption attack refused as a decryption failure: one face for all of them."""


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback TCP port that would see any fetch; it answers nothing."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    try:
        yield server
    finally:
        server.close()


def _connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = server.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


@pytest.mark.parametrize("attack_id", FETCHING)
def test_nothing_is_fetched(world: World, service: HttpService, listener: socket.socket, attack_id: str) -> None:
    """The attack pointed at a live loopback port: refused (or ignored) both ways, no connection."""
    attack = ATTACKS[attack_id]
    port = listener.getsockname()[1]
    target = parser.NOWHERE.encode()
    messages = [m.replace(target, f"http://127.0.0.1:{port}".encode()) for m in attack.build(world)]
    assert any(f":{port}/".encode() in m for m in messages), "the attack no longer names the URL"
    expect_outcome(attack, run_verifier(world, messages))
    expect_outcome(attack, service.send(messages))
    time.sleep(0.05)  # a connect in flight would be queued by now
    assert _connections(listener) == 0, f"{attack_id}: something connected to the loopback listener"


def _refusal(world: World, message: bytes) -> SecurityVerificationError:
    verifier = MessageVerifier(world.description(), clock=lambda: NOW)
    with pytest.raises(SecurityVerificationError) as caught:
        verifier.verify(message, TransportFacts(is_https=True))
    return caught.value


@pytest.mark.parametrize("attack_id", READING)
def test_local_file_never_comes_back(world: World, service: HttpService, attack_id: str) -> None:
    """Neither the reply nor anything logged carries the secret file's content."""
    message = ATTACKS[attack_id].build(world)[-1]
    assert parser.secret_file().as_uri().encode() in message
    refusal = _refusal(world, message)
    assert parser.SECRET not in str(refusal)
    service.log.records.clear()
    status, _, body = post(service.urls["default", ns.SOAP11], message, service.ca)
    assert status == 500
    assert parser.SECRET.encode() not in body
    assert parser.SECRET not in service.log.text()


@pytest.mark.parametrize("attack_id", ["parser-billion-laughs", "parser-quadratic-blowup", "parser-depth-bomb-in-body"])
def test_bombs_are_refused_quickly(world: World, attack_id: str) -> None:
    """Refused before any expansion: far faster than expanding would take."""
    message = ATTACKS[attack_id].build(world)[-1]
    started = time.perf_counter()
    _refusal(world, message)
    assert time.perf_counter() - started < 1.0


def test_decryption_failures_look_the_same_to_the_verifier(world: World) -> None:
    """Padding, tag, key transport, recipient, structure and plaintext failures: one error."""
    faces = {}
    for attack_id in UNIFORM:
        refusal = _refusal(world, ATTACKS[attack_id].build(world)[-1])
        faces[attack_id] = (refusal.fault_code, refusal.reason)
    assert len(set(faces.values())) == 1, faces


def test_decryption_failures_look_the_same_over_https(world: World, service: HttpService) -> None:
    """The same status and reply body for each of them: all a peer ever sees."""
    seen: dict[str, tuple[int, bytes]] = {}
    for attack_id in UNIFORM:
        message = ATTACKS[attack_id].build(world)[-1]
        status, _, body = post(service.urls["default", ns.SOAP11], message, service.ca)
        seen[attack_id] = (status, body)
    assert len(set(seen.values())) == 1, seen


@pytest.mark.parametrize("data_algorithm", [AES128_GCM, AES256_GCM, AES128_CBC, AES256_CBC])
def test_hand_made_ciphertexts_of_good_assertions_are_accepted(
    world: World, service: HttpService, data_algorithm: str
) -> None:
    """The encryption attacks' own encryptor, on an honest plaintext: accepted both ways."""
    build = enc.hand_made(lambda w: w.issue(), enc.Recipe(data=data_algorithm))
    control = Attack("control", "encryption", build, None)
    expect_outcome(control, run_verifier(world, build(world)))
    expect_outcome(control, service.send(build(world)))


def test_resigned_assertions_are_accepted(world: World, service: HttpService) -> None:
    """The semantic attacks re-sign edited assertions: unedited, that signature is accepted."""
    from lxml import etree

    messages = [world.envelope(resign(world, etree.fromstring(world.issue())))]
    assert run_verifier(world, messages).identity == IDENTITY
    assert service.send(messages).identity == IDENTITY


@pytest.mark.parametrize(
    "operation",
    [
        '<t:whoami xmlns:t="urn:wsbind:test">{include}</t:whoami>',
        '<t:echo xmlns:t="urn:wsbind:test"><t:text>{include}</t:text></t:echo>',
    ],
)
def test_xinclude_in_body_is_not_processed_by_the_framework(world: World, service: HttpService, operation: str) -> None:
    """The verifier leaves the Body to the framework; spyne must not include the file either
    (echo would hand its content straight back). Whatever spyne answers, the secret is not in it."""
    include = (
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{parser.secret_file().as_uri()}" parse="text"/>'
    )
    message = world.baseline("saml2").replace(
        b'<t:whoami xmlns:t="urn:wsbind:test"/>', operation.format(include=include).encode()
    )
    assert include.encode() in message
    assert run_verifier(world, [message]).accepted
    _, _, body = post(service.urls["default", ns.SOAP11], message, service.ca)
    assert parser.SECRET.encode() not in body
