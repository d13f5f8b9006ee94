"""Differential test of the fast signature path against python-xmlsec.

``verify_signature(engine="fast")`` (lxml exc-c14n + ``cryptography``) and
``verify_signature(engine="xmlsec")`` (python-xmlsec) must give the same verdict (the same
certificate, or the same refusal) on every message of the suite: the baselines, every message of
every catalogued attack, a thousand seeded random mutations, and signatures made here by
python-xmlsec in every shape the fast path claims (algorithms, curves, prefix lists, pretty-printed
tokens, the Signature anywhere among the children, signed in place in an envelope), each also
tampered with. The fast path may say a signature is outside it (python-xmlsec then decides in
production); the test also requires that it decides every ordinary token itself.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import xmlsec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from samples.pki import self_signed_certificate
from security import oracles
from security.catalogue import ALL
from security.harness import BASES, World
from security.mutations import apply_mutation, random_mutation
from wsbind.errors import SecurityVerificationError
from wsbind.saml.assertion import SamlFormatError, assertion_id
from wsbind.soap import namespaces as ns
from wsbind.xmlcrypto._fast import OutsideFastPath
from wsbind.xmlcrypto.verify import TrustedIssuers, verify_signature

_DS = f"{{{ns.DS}}}"
Verdict = tuple[Any, ...]


def verdict(world: World, message: bytes, engine: str, trusted: TrustedIssuers, allow_sha1: bool) -> Verdict | None:
    """One engine's verdict on the token ``message`` presents (parsed afresh), or None if there is none."""
    found = oracles.presented_token(world, message)
    if isinstance(found, oracles.Verdict):
        return None
    root, assertion = found
    try:
        identifier = assertion_id(assertion)
    except SamlFormatError:
        return None
    try:
        result = verify_signature(assertion, identifier, root, trusted, allow_sha1, engine=engine)  # type: ignore[arg-type]
    except OutsideFastPath:
        return ("outside",)
    except SecurityVerificationError as exc:
        return ("refused", exc.fault_code, exc.reason)
    return ("verified", result.certificate.fingerprint(result.certificate.signature_hash_algorithm))  # type: ignore[arg-type]


def compare(world: World, message: bytes, trusted: TrustedIssuers | None = None, allow_sha1: bool = False) -> str:
    """Fail unless the engines agree; say what the fast path did ("verified", "refused", "outside", "none")."""
    trusted = trusted or TrustedIssuers([world.issuer.certificate])
    fast = verdict(world, message, "fast", trusted, allow_sha1)
    reference = verdict(world, message, "xmlsec", trusted, allow_sha1)
    if fast is None or reference is None:
        assert fast == reference
        return "none"
    if fast != ("outside",):
        assert fast == reference, f"fast path {fast}, python-xmlsec {reference}"
    return str(fast[0])


@pytest.mark.parametrize("base", BASES)
def test_every_baseline_is_decided_by_the_fast_path(world: World, base: str) -> None:
    assert compare(world, world.baseline(base)) == "verified"


@pytest.mark.parametrize("attack", ALL, ids=[a.id for a in ALL])
def test_the_fast_path_agrees_on_every_attack(world: World, attack: Any) -> None:
    for message in attack.build(world):
        compare(world, message)


def test_the_fast_path_agrees_on_random_mutations(world: World) -> None:
    rng = random.Random(5)
    seen: Counter[str] = Counter()
    for _ in range(1000):
        mutation = random_mutation(rng)
        try:
            seen[compare(world, apply_mutation(world, mutation))] += 1
        except AssertionError as exc:
            raise AssertionError(f"{mutation}: {exc}") from None
    # The mutations reach both outcomes of the fast path itself, not only "outside".
    assert seen["verified"] > 50 and seen["refused"] > 50, seen


# --- Signatures made here by python-xmlsec, in every shape the fast path claims ----------------

_SIGNATURE_METHODS = {
    ns.RSA_SHA256: xmlsec.constants.TransformRsaSha256,
    ns.RSA_SHA384: xmlsec.constants.TransformRsaSha384,
    ns.RSA_SHA512: xmlsec.constants.TransformRsaSha512,
    ns.RSA_SHA1: xmlsec.constants.TransformRsaSha1,
    ns.ECDSA_SHA256: xmlsec.constants.TransformEcdsaSha256,
    ns.ECDSA_SHA384: xmlsec.constants.TransformEcdsaSha384,
    ns.ECDSA_SHA512: xmlsec.constants.TransformEcdsaSha512,
}
_DIGESTS = {
    ns.SHA256: xmlsec.constants.TransformSha256,
    ns.SHA384: xmlsec.constants.TransformSha384,
    ns.SHA512: xmlsec.constants.TransformSha512,
    ns.SHA1: xmlsec.constants.TransformSha1,
}


def _unsigned(world: World, pretty: bool) -> etree._Element:
    """The world's SAML 2.0 assertion without its signature (pretty-printed: whitespace everywhere)."""
    assertion = etree.fromstring(world.issue())
    signature = assertion.find(f"{_DS}Signature")
    assert signature is not None
    assertion.remove(signature)
    if pretty:
        assertion = etree.fromstring(etree.tostring(assertion, pretty_print=True))
    return assertion


def _sign(
    assertion: etree._Element,
    key: Any,
    method: str,
    digest: str,
    *,
    position: int,
    prefixes_signed_info: str | None = None,
    prefixes_reference: str | None = None,
) -> None:
    """Sign ``assertion`` in place (wherever it sits) with python-xmlsec."""
    signature = xmlsec.template.create(
        assertion, xmlsec.constants.TransformExclC14N, _SIGNATURE_METHODS[method], ns="ds"
    )
    assertion.insert(position, signature)
    if len(assertion) > 1 and assertion[0] is not signature:
        signature.tail = assertion[0].tail  # keep the pretty-printed whitespace pattern
    reference = xmlsec.template.add_reference(signature, _DIGESTS[digest], uri=f"#{assertion.get('ID')}")
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformEnveloped)
    exclusive = xmlsec.template.add_transform(reference, xmlsec.constants.TransformExclC14N)
    if prefixes_reference is not None:
        xmlsec.template.transform_add_c14n_inclusive_namespaces(exclusive, prefixes_reference)
    if prefixes_signed_info is not None:
        c14n = signature.find(f"{_DS}SignedInfo/{_DS}CanonicalizationMethod")
        assert c14n is not None
        xmlsec.template.transform_add_c14n_inclusive_namespaces(c14n, prefixes_signed_info)
    xmlsec.tree.add_ids(assertion, ["ID"])
    context = xmlsec.SignatureContext()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    context.key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
    context.sign(signature)


def _tampered(message: bytes) -> Iterator[tuple[str, bytes]]:
    """The same message with the subject, the SignatureValue or the DigestValue changed."""
    for name, old, new in (
        ("subject", b">alice<", b">mallory<"),
        ("signature value", b"<ds:SignatureValue>", b"<ds:SignatureValue>AAAA"),
        ("digest value", b"<ds:DigestValue>", b"<ds:DigestValue>AAAA"),
    ):
        assert old in message, name
        yield name, message.replace(old, new, 1)


@pytest.fixture(scope="module")
def ec_keys() -> dict[str, Any]:
    return {"P-256": ec.generate_private_key(ec.SECP256R1()), "P-384": ec.generate_private_key(ec.SECP384R1())}


_SHAPES = [
    # (key, signature method, digest, pretty, position, SignedInfo prefixes, Reference prefixes)
    ("rsa", ns.RSA_SHA256, ns.SHA256, False, 1, None, None),
    ("rsa", ns.RSA_SHA384, ns.SHA384, True, 1, None, None),
    ("rsa", ns.RSA_SHA512, ns.SHA512, True, -1, None, None),
    ("rsa", ns.RSA_SHA256, ns.SHA512, False, 0, None, None),
    ("rsa", ns.RSA_SHA1, ns.SHA1, False, 1, None, None),
    ("P-256", ns.ECDSA_SHA256, ns.SHA256, False, 1, None, None),
    ("P-256", ns.ECDSA_SHA512, ns.SHA256, True, 2, None, None),
    ("P-384", ns.ECDSA_SHA384, ns.SHA384, False, 1, None, None),
    ("rsa", ns.RSA_SHA256, ns.SHA256, False, 1, "saml2 xs", None),
    ("rsa", ns.RSA_SHA256, ns.SHA256, True, 1, None, "saml2 xs xsi"),
    ("P-256", ns.ECDSA_SHA256, ns.SHA256, False, 1, "ds", "xs"),
]


@pytest.mark.parametrize("in_envelope", [False, True], ids=["standalone", "signed-in-envelope"])
@pytest.mark.parametrize(
    "shape", _SHAPES, ids=[f"{s[0]}-{s[1].rsplit('#', 1)[1]}-{s[2][-6:]}-{i}" for i, s in enumerate(_SHAPES)]
)
def test_the_fast_path_agrees_on_every_shape_it_claims(
    world: World, ec_keys: dict[str, Any], shape: tuple[Any, ...], in_envelope: bool
) -> None:
    key_name, method, digest, pretty, position, prefixes_signed_info, prefixes_reference = shape
    key = world.issuer.private_key if key_name == "rsa" else ec_keys[key_name]
    certificate = world.issuer.certificate if key_name == "rsa" else self_signed_certificate(key, f"sts-{key_name}")
    trusted = TrustedIssuers([world.rogue.certificate, certificate])  # the right key is not the first tried
    allow_sha1 = ns.SHA1 in digest or method.endswith("sha1")
    assertion = _unsigned(world, pretty)
    if in_envelope:
        # Signed where it will be verified: the envelope's namespaces are in scope of the c14n,
        # which matters when a PrefixList names one of them ("s", "wsse").
        envelope = etree.fromstring(world.envelope(etree.tostring(assertion)))
        found = envelope.find(f".//{{{ns.SAML2}}}Assertion")
        assert found is not None
        extra = " s wsse" if prefixes_reference else ""
        _sign(
            found,
            key,
            method,
            digest,
            position=position,
            prefixes_signed_info=prefixes_signed_info,
            prefixes_reference=(prefixes_reference + extra) if prefixes_reference else None,
        )
        message = etree.tostring(envelope)
    else:
        _sign(
            assertion,
            key,
            method,
            digest,
            position=position,
            prefixes_signed_info=prefixes_signed_info,
            prefixes_reference=prefixes_reference,
        )
        message = world.envelope(etree.tostring(assertion))
    assert compare(world, message, trusted, allow_sha1) == "verified"
    for name, tampered in _tampered(message):
        outcome = compare(world, tampered, trusted, allow_sha1)
        assert outcome in ("refused", "outside"), f"{name}: {outcome}"


def test_a_prefix_list_naming_an_envelope_namespace_is_decided_alike(world: World) -> None:
    """Signed alone with PrefixList "s", then embedded where "s" is declared: the digest input
    differs between the two places, and both engines must see it the same way."""
    assertion = _unsigned(world, pretty=False)
    _sign(assertion, world.issuer.private_key, ns.RSA_SHA256, ns.SHA256, position=1, prefixes_reference="s")
    assert compare(world, world.envelope(etree.tostring(assertion))) in ("verified", "refused")


def test_the_tree_is_left_exactly_as_it_was(world: World) -> None:
    """The fast path detaches the Signature for a moment; afterwards the tree is byte-identical."""
    for pretty in (False, True):
        assertion = _unsigned(world, pretty)
        _sign(assertion, world.issuer.private_key, ns.RSA_SHA256, ns.SHA256, position=1)
        root = etree.fromstring(world.envelope(etree.tostring(assertion)))
        before = etree.tostring(root)
        token = root.find(f".//{{{ns.SAML2}}}Assertion")
        assert token is not None
        trusted = TrustedIssuers([world.issuer.certificate])
        verify_signature(token, assertion_id(token), root, trusted, False, engine="fast")
        assert etree.tostring(root) == before
        broken = copy.deepcopy(root)
        name_id = broken.find(f".//{{{ns.SAML2}}}NameID")
        assert name_id is not None
        name_id.text = "mallory"
        before = etree.tostring(broken)
        token = broken.find(f".//{{{ns.SAML2}}}Assertion")
        assert token is not None
        with pytest.raises(SecurityVerificationError):
            verify_signature(token, assertion_id(token), broken, trusted, False, engine="fast")
        assert etree.tostring(broken) == before
