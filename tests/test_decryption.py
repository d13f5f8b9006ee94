"""AssertionDecrypter: round trips, and one indistinguishable failure for every bad input."""

from __future__ import annotations

import base64
import copy
import logging
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree
from signxml.verifier import VerifyResult, XMLVerifier
from support import ENCRYPTED_KEY_TYPE, retrieval_layout

from samples.pki import self_signed_certificate
from wsbind.saml.issuer import SamlIssuer, SamlVersion, encrypt_assertion
from wsbind.soap import namespaces as ns
from wsbind.soap.namespaces import AES128_CBC, AES256_CBC, AES256_GCM, ELEMENT_TYPE, RSA_1_5, RSA_OAEP, RSA_OAEP_MGF1P
from wsbind.soap.xmlparse import ParseLimits, parse_xml
from wsbind.xmlcrypto.algorithms import AEAD_DATA_ENCRYPTION, DATA_ENCRYPTION, KEY_TRANSPORT, algorithm_policy
from wsbind.xmlcrypto.decrypt import AssertionDecrypter, DecryptionFailed

S1 = f"{{{ns.SAML1}}}"
S2 = f"{{{ns.SAML2}}}"
DS = f"{{{ns.DS}}}"
XENC = f"{{{ns.XENC}}}"
MESSAGE = "decryption failed"
SAML2_OPEN = f'<saml2:Assertion xmlns:saml2="{ns.SAML2}" ID="_a" Version="2.0">'.encode()


def make_cert(key: Any, cn: str) -> x509.Certificate:
    return self_signed_certificate(key, cn)


RsaPair = tuple[rsa.RSAPrivateKey, x509.Certificate]


@pytest.fixture(scope="module")
def recipient() -> RsaPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key, make_cert(key, "relying party")


@pytest.fixture(scope="module")
def signer() -> RsaPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key, make_cert(key, "sts")


@pytest.fixture(scope="module")
def issuer(signer: RsaPair) -> SamlIssuer:
    return SamlIssuer("https://sts.example/", signer[0], signer[1])


@pytest.fixture(scope="module")
def decrypter(recipient: RsaPair) -> AssertionDecrypter:
    return AssertionDecrypter(recipient[0])


@pytest.fixture(scope="module")
def encrypted_v2(issuer: SamlIssuer, recipient: RsaPair) -> bytes:
    """One valid EncryptedAssertion (aes256-gcm, rsa-oaep-mgf1p) to mutate in failure tests."""
    assertion = issuer.issue(subject="alice", audiences=["urn:rp"], attributes={"r": "x"})
    return encrypt_assertion(assertion, recipient[1])


def encrypt_raw(
    plaintext: bytes,
    cert: x509.Certificate,
    *,
    data_algorithm: str = AES256_GCM,
    key_transport: str = RSA_OAEP_MGF1P,
) -> etree._Element:
    """An xenc:EncryptedData over arbitrary bytes, built without our encrypt_assertion."""
    transform, bits = DATA_ENCRYPTION[data_algorithm]
    template = xmlsec.template.encrypted_data_create(
        etree.Element("doc"), transform, type=ELEMENT_TYPE, ns="xenc"
    )
    xmlsec.template.encrypted_data_ensure_cipher_value(template)
    key_info = xmlsec.template.encrypted_data_ensure_key_info(template, ns="ds")
    transport = {
        RSA_OAEP_MGF1P: xmlsec.constants.TransformRsaOaep,
        RSA_1_5: xmlsec.constants.TransformRsaPkcs1,
    }[key_transport]
    encrypted_key = xmlsec.template.add_encrypted_key(key_info, transport)
    xmlsec.template.encrypted_data_ensure_cipher_value(encrypted_key)
    manager = xmlsec.KeysManager()
    manager.add_key(
        xmlsec.Key.from_memory(
            cert.public_bytes(serialization.Encoding.PEM), xmlsec.constants.KeyDataFormatCertPem
        )
    )
    context = xmlsec.EncryptionContext(manager)
    context.key = xmlsec.Key.generate(
        xmlsec.constants.KeyDataAes, bits, xmlsec.constants.KeyDataTypeSession
    )
    return parse_xml(etree.tostring(context.encrypt_binary(template, plaintext)))


def wrap(encrypted_data: etree._Element) -> etree._Element:
    wrapper = etree.Element(f"{S2}EncryptedAssertion", nsmap={"saml2": ns.SAML2})
    wrapper.append(encrypted_data)
    return parse_xml(etree.tostring(wrapper))


def verify(data: bytes, cert: x509.Certificate, version: SamlVersion) -> None:
    id_attribute = "ID" if version is SamlVersion.V2_0 else "AssertionID"
    result = XMLVerifier().verify(
        data,
        x509_cert=cert.public_bytes(serialization.Encoding.PEM).decode(),
        id_attribute=id_attribute,
    )
    assert isinstance(result, VerifyResult)


def assert_fails(decrypter: AssertionDecrypter, element: object, **kwargs: object) -> None:
    """The one failure: same type, same message, no chained exception to leak a cause."""
    with pytest.raises(DecryptionFailed) as info:
        decrypter.decrypt(element, **kwargs)  # type: ignore[arg-type]
    assert type(info.value) is DecryptionFailed
    assert str(info.value) == MESSAGE and info.value.args == (MESSAGE,)
    assert info.value.__cause__ is None and info.value.__context__ is None


def cipher_value(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path)
    assert found is not None, path
    return found


def flip_bit(element: etree._Element, index: int) -> None:
    """Flip one bit of the decoded ciphertext, keeping the base64 well-formed."""
    raw = bytearray(base64.b64decode("".join((element.text or "").split())))
    raw[index % len(raw)] ^= 0x01
    element.text = base64.b64encode(bytes(raw)).decode()


DATA_VALUE = f"{XENC}EncryptedData/{XENC}CipherData/{XENC}CipherValue"
KEY_VALUE = f"{XENC}EncryptedData/{DS}KeyInfo/{XENC}EncryptedKey/{XENC}CipherData/{XENC}CipherValue"


# --- round trips ------------------------------------------------------------------------------


def test_allow_lists() -> None:
    assert RSA_1_5 not in KEY_TRANSPORT
    assert KEY_TRANSPORT == {RSA_OAEP_MGF1P, RSA_OAEP}
    assert algorithm_policy(allow_cbc=True).data_encryption == set(DATA_ENCRYPTION)
    assert algorithm_policy(allow_cbc=False).data_encryption == AEAD_DATA_ENCRYPTION
    assert not any("cbc" in uri for uri in AEAD_DATA_ENCRYPTION)


@pytest.mark.parametrize("version", list(SamlVersion))
@pytest.mark.parametrize("data_algorithm", [AES256_GCM, AES128_CBC])
@pytest.mark.parametrize("key_transport", [RSA_OAEP_MGF1P, RSA_OAEP])
def test_round_trip(
    issuer: SamlIssuer,
    signer: RsaPair,
    recipient: RsaPair,
    decrypter: AssertionDecrypter,
    version: SamlVersion,
    data_algorithm: str,
    key_transport: str,
) -> None:
    assertion = issuer.issue(
        subject="alice", version=version, audiences=["urn:rp"], attributes={"role": ["a", "b"]}
    )
    encrypted = encrypt_assertion(
        assertion, recipient[1], data_algorithm=data_algorithm, key_transport=key_transport
    )
    tree = parse_xml(encrypted)
    v2 = version is SamlVersion.V2_0
    assert tree.tag == (f"{S2}EncryptedAssertion" if v2 else f"{XENC}EncryptedData")
    before = etree.tostring(tree)

    result = decrypter.decrypt(tree)

    assert etree.tostring(tree) == before  # the caller's tree is untouched
    assert result.getparent() is None and result.getroottree().getroot() is result
    assert result.tag == (S2 if version is SamlVersion.V2_0 else S1) + "Assertion"
    assert etree.tostring(result) == assertion  # byte for byte what the issuer signed
    verify(etree.tostring(result), signer[1], version)


@pytest.mark.parametrize("data_algorithm", sorted(DATA_ENCRYPTION))
def test_every_allowed_data_algorithm(
    issuer: SamlIssuer, recipient: RsaPair, decrypter: AssertionDecrypter, data_algorithm: str
) -> None:
    assertion = issuer.issue(subject="bob")
    encrypted = parse_xml(encrypt_assertion(assertion, recipient[1], data_algorithm=data_algorithm))
    assert etree.tostring(decrypter.decrypt(encrypted)) == assertion


def test_bare_encrypted_data_of_a_saml2_assertion(
    decrypter: AssertionDecrypter, encrypted_v2: bytes
) -> None:
    data = parse_xml(encrypted_v2)[0]
    assert data.tag == f"{XENC}EncryptedData"
    assert decrypter.decrypt(data).tag == f"{S2}Assertion"


def test_encrypted_key_beside_encrypted_data(
    decrypter: AssertionDecrypter, encrypted_v2: bytes
) -> None:
    """SAML 2.0 allows EncryptedKey as a sibling inside EncryptedAssertion."""
    root = parse_xml(encrypted_v2)
    key_info = root.find(f"{XENC}EncryptedData/{DS}KeyInfo")
    assert key_info is not None
    encrypted_key = key_info.find(f"{XENC}EncryptedKey")
    assert encrypted_key is not None
    root.append(encrypted_key)
    key_info.getparent().remove(key_info)  # type: ignore[union-attr]
    assert decrypter.decrypt(parse_xml(etree.tostring(root))).tag == f"{S2}Assertion"


def test_encrypted_assertion_inside_a_soap_message(
    decrypter: AssertionDecrypter, encrypted_v2: bytes
) -> None:
    envelope = (
        b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns="urn:other">'
        b"<s:Header><wsse:Security xmlns:wsse=\"" + ns.WSSE.encode() + b'">' + encrypted_v2
        + b"</wsse:Security></s:Header><s:Body/></s:Envelope>"
    )
    tree = parse_xml(envelope)
    before = etree.tostring(tree)
    element = tree.find(f".//{S2}EncryptedAssertion")
    assert element is not None
    assert decrypter.decrypt(element).tag == f"{S2}Assertion"
    assert etree.tostring(tree) == before


def test_foreign_key_info_is_ignored_not_followed(
    decrypter: AssertionDecrypter, encrypted_v2: bytes
) -> None:
    """KeyName / X509Data hints in the message never choose the key; they are dropped."""
    root = parse_xml(encrypted_v2)
    encrypted_key = root.find(f".//{XENC}EncryptedKey")
    assert encrypted_key is not None
    hint = etree.SubElement(encrypted_key, f"{DS}KeyInfo")
    etree.SubElement(hint, f"{DS}KeyName").text = "some other key"
    encrypted_key.insert(1, hint)  # schema order: EncryptionMethod, KeyInfo, CipherData
    assert decrypter.decrypt(root).tag == f"{S2}Assertion"


def encrypt_by_hand(
    plaintext: bytes,
    cert: x509.Certificate,
    *,
    gcm: bool,
    key_transport: str,
    oaep_hash: hashes.HashAlgorithm,
) -> bytes:
    """An EncryptedAssertion made with `cryptography` alone: an oracle independent of xmlsec."""
    session = os.urandom(32)
    if gcm:
        iv = os.urandom(12)
        body = iv + AESGCM(session).encrypt(iv, plaintext, None)  # ciphertext || 16-byte tag
        data_algorithm = AES256_GCM
    else:
        iv = os.urandom(16)
        pad = 16 - len(plaintext) % 16
        padded = plaintext + os.urandom(pad - 1) + bytes([pad])  # xmlenc (ISO 10126) padding
        encryptor = Cipher(algorithms.AES(session), modes.CBC(iv)).encryptor()
        body = iv + encryptor.update(padded) + encryptor.finalize()
        data_algorithm = AES256_CBC
    public_key = cert.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    # rsa-oaep-mgf1p fixes MGF1 to SHA-1 (safe inside OAEP; it is not a signature digest).
    mgf_hash = oaep_hash if key_transport == RSA_OAEP else hashes.SHA1()  # noqa: S303
    wrapped = public_key.encrypt(
        session, padding.OAEP(mgf=padding.MGF1(mgf_hash), algorithm=oaep_hash, label=None)
    )
    digest_uri = {"sha1": ns.SHA1, "sha256": ns.SHA256}[oaep_hash.name]
    mgf = (
        f'<xenc11:MGF xmlns:xenc11="http://www.w3.org/2009/xmlenc11#"'
        f' Algorithm="http://www.w3.org/2009/xmlenc11#mgf1{oaep_hash.name}"/>'
        if key_transport == RSA_OAEP
        else ""
    )
    return (
        f'<saml2:EncryptedAssertion xmlns:saml2="{ns.SAML2}">'
        f'<xenc:EncryptedData xmlns:xenc="{ns.XENC}" xmlns:ds="{ns.DS}" Id="ed1"'
        f' Type="{ELEMENT_TYPE}">'
        f'<xenc:EncryptionMethod Algorithm="{data_algorithm}"/>'
        f"<ds:KeyInfo><xenc:EncryptedKey>"
        f'<xenc:EncryptionMethod Algorithm="{key_transport}">'
        f'<ds:DigestMethod Algorithm="{digest_uri}"/>{mgf}</xenc:EncryptionMethod>'
        f"<ds:KeyInfo><ds:KeyName>rp</ds:KeyName></ds:KeyInfo>"
        f"<xenc:CipherData><xenc:CipherValue>{base64.b64encode(wrapped).decode()}"
        f"</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>"
        f"<xenc:CipherData><xenc:CipherValue>{base64.b64encode(body).decode()}"
        f"</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml2:EncryptedAssertion>"
    ).encode()


@pytest.mark.parametrize("gcm", [True, False])
@pytest.mark.parametrize(
    ("key_transport", "oaep_hash"),
    [
        (RSA_OAEP_MGF1P, hashes.SHA1()),  # noqa: S303 - the xmlenc default OAEP digest
        (RSA_OAEP_MGF1P, hashes.SHA256()),
        (RSA_OAEP, hashes.SHA256()),
    ],
)
def test_decrypts_what_an_independent_implementation_made(
    issuer: SamlIssuer,
    signer: RsaPair,
    recipient: RsaPair,
    decrypter: AssertionDecrypter,
    gcm: bool,
    key_transport: str,
    oaep_hash: hashes.HashAlgorithm,
) -> None:
    assertion = issuer.issue(subject="erin", attributes={"k": "v"})
    data = encrypt_by_hand(
        assertion, recipient[1], gcm=gcm, key_transport=key_transport, oaep_hash=oaep_hash
    )
    result = decrypter.decrypt(parse_xml(data))
    assert etree.tostring(result) == assertion
    verify(etree.tostring(result), signer[1], SamlVersion.V2_0)


def test_xml_declaration_on_the_input_is_dropped(
    issuer: SamlIssuer, signer: RsaPair, recipient: RsaPair, decrypter: AssertionDecrypter
) -> None:
    assertion = issuer.issue(subject="frank", version=SamlVersion.V1_1)
    declared = b'<?xml version="1.0" encoding="UTF-8"?>\n' + assertion
    result = decrypter.decrypt(parse_xml(encrypt_assertion(declared, recipient[1])))
    verify(etree.tostring(result), signer[1], SamlVersion.V1_1)


# --- failures: every one the same -------------------------------------------------------------


def test_wrong_private_key(encrypted_v2: bytes) -> None:
    other = AssertionDecrypter(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    assert_fails(other, parse_xml(encrypted_v2))


@pytest.mark.parametrize("data_algorithm", [AES256_GCM, AES128_CBC])
@pytest.mark.parametrize("index", [0, 5, 17, -17, -1])
def test_tampered_content_cipher_value(
    issuer: SamlIssuer,
    recipient: RsaPair,
    decrypter: AssertionDecrypter,
    data_algorithm: str,
    index: int,
) -> None:
    assertion = issuer.issue(subject="carol")
    root = parse_xml(encrypt_assertion(assertion, recipient[1], data_algorithm=data_algorithm))
    flip_bit(cipher_value(root, DATA_VALUE), index)
    assert_fails(decrypter, root)


@pytest.mark.parametrize("index", [0, 100, -1])
def test_tampered_key_cipher_value(
    decrypter: AssertionDecrypter, encrypted_v2: bytes, index: int
) -> None:
    root = parse_xml(encrypted_v2)
    flip_bit(cipher_value(root, KEY_VALUE), index)
    assert_fails(decrypter, root)


def test_rsa_1_5_key_transport_is_refused_even_when_genuine(
    decrypter: AssertionDecrypter, recipient: RsaPair
) -> None:
    """xmlsec itself would decrypt this; the allow-list must stop it before any RSA operation."""
    plaintext = SAML2_OPEN + b"</saml2:Assertion>"
    genuine = encrypt_raw(plaintext, recipient[1], key_transport=RSA_1_5)
    method = genuine.find(f"{DS}KeyInfo/{XENC}EncryptedKey/{XENC}EncryptionMethod")
    assert method is not None and method.get("Algorithm") == RSA_1_5
    manager = xmlsec.KeysManager()
    manager.add_key(
        xmlsec.Key.from_memory(
            recipient[0].private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            xmlsec.constants.KeyDataFormatPem,
        )
    )
    xmlsec.EncryptionContext(manager).decrypt(copy.deepcopy(genuine))  # really decryptable
    assert_fails(decrypter, genuine)
    assert_fails(decrypter, wrap(genuine))


@pytest.mark.parametrize(
    "algorithm",
    [
        ns.XENC + "tripledes-cbc",
        "http://www.w3.org/2001/04/xmlenc#kw-aes256",
        "urn:unknown",
        "",
    ],
)
def test_data_algorithm_outside_the_allow_list(
    decrypter: AssertionDecrypter, encrypted_v2: bytes, algorithm: str
) -> None:
    root = parse_xml(encrypted_v2)
    method = root.find(f"{XENC}EncryptedData/{XENC}EncryptionMethod")
    assert method is not None
    method.set("Algorithm", algorithm)
    assert_fails(decrypter, root)


def test_missing_data_encryption_method(decrypter: AssertionDecrypter, encrypted_v2: bytes) -> None:
    root = parse_xml(encrypted_v2)
    method = root.find(f"{XENC}EncryptedData/{XENC}EncryptionMethod")
    assert method is not None
    method.getparent().remove(method)  # type: ignore[union-attr]
    assert_fails(decrypter, root)


@pytest.mark.parametrize(
    "uri", ["file:///etc/passwd", "http://127.0.0.1:9/x", "#local", str(Path(__file__))]
)
def test_cipher_reference_is_refused(
    decrypter: AssertionDecrypter, encrypted_v2: bytes, uri: str
) -> None:
    for where in (DATA_VALUE, KEY_VALUE):
        root = parse_xml(encrypted_v2)
        value = cipher_value(root, where)
        cipher_data = value.getparent()
        assert cipher_data is not None
        cipher_data.remove(value)
        etree.SubElement(cipher_data, f"{XENC}CipherReference", URI=uri)
        assert_fails(decrypter, root)


def test_cipher_reference_beside_cipher_value(
    decrypter: AssertionDecrypter, encrypted_v2: bytes
) -> None:
    root = parse_xml(encrypted_v2)
    cipher_data = cipher_value(root, DATA_VALUE).getparent()
    assert cipher_data is not None
    etree.SubElement(cipher_data, f"{XENC}CipherReference", URI="file:///etc/passwd")
    assert_fails(decrypter, root)


def test_two_encrypted_keys(decrypter: AssertionDecrypter, encrypted_v2: bytes) -> None:
    # Both in KeyInfo.
    root = parse_xml(encrypted_v2)
    key_info = root.find(f"{XENC}EncryptedData/{DS}KeyInfo")
    assert key_info is not None
    key_info.append(copy.deepcopy(key_info[0]))
    assert_fails(decrypter, root)
    # One in KeyInfo, one beside EncryptedData.
    root = parse_xml(encrypted_v2)
    encrypted_key = root.find(f".//{XENC}EncryptedKey")
    assert encrypted_key is not None
    root.append(copy.deepcopy(encrypted_key))
    assert_fails(decrypter, root)
    # One nested inside the other's KeyInfo.
    root = parse_xml(encrypted_v2)
    encrypted_key = root.find(f".//{XENC}EncryptedKey")
    assert encrypted_key is not None
    nested = etree.Element(f"{DS}KeyInfo")
    nested.append(copy.deepcopy(encrypted_key))
    encrypted_key.insert(1, nested)
    assert_fails(decrypter, root)


def test_no_encrypted_key(decrypter: AssertionDecrypter, encrypted_v2: bytes) -> None:
    root = parse_xml(encrypted_v2)
    key_info = root.find(f"{XENC}EncryptedData/{DS}KeyInfo")
    assert key_info is not None
    key_info.getparent().remove(key_info)  # type: ignore[union-attr]
    assert_fails(decrypter, root)


def test_retrieval_method_to_the_encrypted_key_beside_is_followed(
    decrypter: AssertionDecrypter, encrypted_v2: bytes
) -> None:
    assert decrypter.decrypt(retrieval_layout(encrypted_v2)).tag == f"{S2}Assertion"


def _chained(encrypted: bytes) -> etree._Element:
    """A RetrievalMethod inside the EncryptedKey, pointing further on: a chain."""
    root = retrieval_layout(encrypted)
    key = root.find(f"{XENC}EncryptedKey")
    assert key is not None
    inner = etree.Element(f"{DS}KeyInfo")
    etree.SubElement(inner, f"{DS}RetrievalMethod", URI="#other", Type=ENCRYPTED_KEY_TYPE)
    key.find(f"{XENC}EncryptionMethod").addnext(inner)  # type: ignore[union-attr]
    return root


def _duplicate_id(encrypted: bytes) -> etree._Element:
    root = retrieval_layout(encrypted)
    root.find(f"{XENC}EncryptedData").set("Id", "key-1")  # type: ignore[union-attr]
    return root


def _names_the_data(encrypted: bytes) -> etree._Element:
    root = retrieval_layout(encrypted, URI="#data-1")
    root.find(f"{XENC}EncryptedData").set("Id", "data-1")  # type: ignore[union-attr]
    return root


def _with_transforms(encrypted: bytes) -> etree._Element:
    root = retrieval_layout(encrypted)
    retrieval = root.find(f".//{DS}RetrievalMethod")
    assert retrieval is not None
    etree.SubElement(etree.SubElement(retrieval, f"{DS}Transforms"), f"{DS}Transform", Algorithm=ns.C14N_EXCLUSIVE)
    return root


def _two_retrievals(encrypted: bytes) -> etree._Element:
    root = retrieval_layout(encrypted)
    retrieval = root.find(f".//{DS}RetrievalMethod")
    retrieval.addnext(copy.deepcopy(retrieval))  # type: ignore[union-attr]
    return root


@pytest.mark.parametrize(
    "make",
    [
        lambda e: retrieval_layout(e, URI="file:///etc/passwd"),
        lambda e: retrieval_layout(e, URI="https://evil.example/key.xml#key-1"),
        lambda e: retrieval_layout(e, URI="#xpointer(id('key-1'))"),
        lambda e: retrieval_layout(e, URI=""),
        lambda e: retrieval_layout(e, URI="#missing"),
        lambda e: retrieval_layout(e, Type="http://www.w3.org/2000/09/xmldsig#X509Data"),
        _chained,
        _duplicate_id,
        _names_the_data,
        _with_transforms,
        _two_retrievals,
    ],
    ids=["file-uri", "external-uri", "xpointer", "empty-uri", "dangling-id", "other-type", "chain",
         "duplicate-id", "names-the-data", "transforms", "two-retrievals"],
)
def test_any_other_retrieval_method_is_refused_uniformly(
    decrypter: AssertionDecrypter, encrypted_v2: bytes, make: Callable[[bytes], etree._Element]
) -> None:
    assert_fails(decrypter, make(encrypted_v2))


def test_content_type_and_foreign_wrappers(
    decrypter: AssertionDecrypter, encrypted_v2: bytes
) -> None:
    root = parse_xml(encrypted_v2)
    root[0].set("Type", ns.XENC + "Content")
    assert_fails(decrypter, root)
    root = parse_xml(encrypted_v2)
    etree.SubElement(root, f"{S2}Assertion")  # EncryptedAssertion holds only xenc children
    assert_fails(decrypter, root)
    root = parse_xml(encrypted_v2)
    root.append(copy.deepcopy(root[0]))  # two EncryptedData
    assert_fails(decrypter, root)
    assert_fails(decrypter, etree.Element(f"{S2}Assertion"))
    assert_fails(decrypter, encrypted_v2)  # bytes, not an element
    assert_fails(decrypter, None)


@pytest.mark.parametrize(
    "plaintext",
    [
        b'<!DOCTYPE a [<!ENTITY x "boom">]>' + SAML2_OPEN + b"&x;</saml2:Assertion>",
        b"<!DOCTYPE saml2:Assertion SYSTEM \"file:///etc/passwd\">" + SAML2_OPEN
        + b"</saml2:Assertion>",
        b'<!DOCTYPE a [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>' + SAML2_OPEN + b"&c;</saml2:Assertion>",
        SAML2_OPEN + b"&amp;&lt;&unknown;</saml2:Assertion>",
        b"not xml at all",
        b"   ",
        b"\xff\xfe\x00garbage",
        b"<saml2:Assertion>undeclared prefix</saml2:Assertion>",
        b'<Other xmlns="urn:x"/>',
        SAML2_OPEN + b"</saml2:Assertion><second/>",
        SAML2_OPEN + b"</saml2:Assertion><!-- trailing -->",
        # SAML 1.1 has no EncryptedAssertion: a 1.1 assertion inside one is refused.
        b'<saml:Assertion xmlns:saml="' + ns.SAML1.encode() + b'"/>',
    ],
)
def test_bad_plaintext(
    decrypter: AssertionDecrypter, recipient: RsaPair, plaintext: bytes
) -> None:
    assert_fails(decrypter, wrap(encrypt_raw(plaintext, recipient[1])))


def test_plaintext_accepted_by_shape(decrypter: AssertionDecrypter, recipient: RsaPair) -> None:
    """The same helper with good plaintext succeeds, so the failures above are about content."""
    good = SAML2_OPEN + b"</saml2:Assertion>"
    assert decrypter.decrypt(wrap(encrypt_raw(good, recipient[1]))).get("ID") == "_a"
    saml1 = b'<saml:Assertion xmlns:saml="' + ns.SAML1.encode() + b'" AssertionID="_b"/>'
    assert decrypter.decrypt(encrypt_raw(saml1, recipient[1])).get("AssertionID") == "_b"


def test_parse_limits_apply_to_the_plaintext(
    decrypter: AssertionDecrypter, recipient: RsaPair
) -> None:
    deep = SAML2_OPEN + b"<a>" * 40 + b"</a>" * 40 + b"</saml2:Assertion>"
    element = wrap(encrypt_raw(deep, recipient[1]))
    assert decrypter.decrypt(element).tag == f"{S2}Assertion"
    assert_fails(decrypter, element, limits=ParseLimits(max_depth=20))
    assert_fails(decrypter, element, limits=ParseLimits(max_bytes=100))


def test_details_go_to_the_debug_log_only(
    decrypter: AssertionDecrypter, encrypted_v2: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    root = parse_xml(encrypted_v2)
    flip_bit(cipher_value(root, KEY_VALUE), 3)
    with caplog.at_level(logging.DEBUG, logger="wsbind.xmlcrypto.decrypt"):
        assert_fails(decrypter, root)
    records = [r for r in caplog.records if r.name == "wsbind.xmlcrypto.decrypt"]
    assert records and all(r.levelno == logging.DEBUG for r in records)


def test_decrypter_needs_an_rsa_key() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    with pytest.raises(TypeError):
        AssertionDecrypter(ec.generate_private_key(ec.SECP256R1()))  # type: ignore[arg-type]


# --- fuzz: nothing but DecryptionFailed ever escapes -----------------------------------------


PRINTABLE = bytes(range(0x20, 0x7F)) + b"\n"


def _outcome(decrypter: AssertionDecrypter, element: etree._Element) -> str:
    try:
        decrypter.decrypt(element)
    except DecryptionFailed as exc:
        assert type(exc) is DecryptionFailed and str(exc) == MESSAGE
        return "failed"
    return "ok"


def test_random_byte_flips_of_the_document(
    decrypter: AssertionDecrypter, encrypted_v2: bytes
) -> None:
    rng = random.Random(20240501)
    outcomes = {"failed": 0, "ok": 0, "unparsable": 0}
    for _ in range(300):
        data = bytearray(encrypted_v2)
        for _ in range(rng.randint(1, 3)):
            # Mostly printable bytes, so most mutants still parse and reach the decrypter.
            data[rng.randrange(len(data))] = rng.choice(PRINTABLE) if rng.random() < 0.9 else (
                rng.randrange(256)
            )
        try:
            element = parse_xml(bytes(data))
        except ValueError:
            outcomes["unparsable"] += 1  # the hardened parser's job, not ours
            continue
        outcomes[_outcome(decrypter, element)] += 1
    assert outcomes["failed"] > 100


def test_random_bit_flips_of_the_ciphertexts(
    decrypter: AssertionDecrypter, encrypted_v2: bytes
) -> None:
    rng = random.Random(7)
    for _ in range(100):
        root = parse_xml(encrypted_v2)
        flip_bit(cipher_value(root, rng.choice([DATA_VALUE, KEY_VALUE])), rng.randrange(1 << 16))
        assert _outcome(decrypter, root) == "failed"  # GCM and OAEP both detect every flip


def test_one_decrypter_shared_by_threads(
    decrypter: AssertionDecrypter, issuer: SamlIssuer, recipient: RsaPair
) -> None:
    """The decrypter shares one xmlsec KeysManager; xmlsec drops the GIL while decrypting."""
    from concurrent.futures import ThreadPoolExecutor

    assertions = [issuer.issue(subject=f"user{i}") for i in range(8)]
    encrypted = [encrypt_assertion(a, recipient[1]) for a in assertions]

    def work(i: int) -> bool:
        element = parse_xml(encrypted[i % 8])
        return etree.tostring(decrypter.decrypt(element)) == assertions[i % 8]

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(160)))


def test_retrieval_method_inside_a_bare_encrypted_saml11_token(
    decrypter: AssertionDecrypter, issuer: SamlIssuer, recipient: RsaPair
) -> None:
    """An encrypted SAML 1.1 token is a bare EncryptedData: its KeyInfo holds the EncryptedKey and
    the RetrievalMethod that names it."""
    assertion = issuer.issue(subject="alice", version=SamlVersion.V1_1, audiences=["urn:rp"])
    root = parse_xml(encrypt_assertion(assertion, recipient[1]))
    data = root if root.tag == f"{XENC}EncryptedData" else root.find(f"{XENC}EncryptedData")
    assert data is not None
    key_info = data.find(f"{DS}KeyInfo")
    assert key_info is not None
    encrypted_key = key_info.find(f"{XENC}EncryptedKey")
    assert encrypted_key is not None
    encrypted_key.set("Id", "k")
    etree.SubElement(key_info, f"{DS}RetrievalMethod", URI="#k", Type=ENCRYPTED_KEY_TYPE)
    assert decrypter.decrypt(parse_xml(etree.tostring(data))).tag == f"{S1}Assertion"
