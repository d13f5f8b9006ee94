"""Decrypt encrypted SAML assertions on the server, without becoming an oracle.

The structure is checked against a short allow-list before any key is touched; the crypto runs
in python-xmlsec on a private copy whose KeyInfo we rebuild (so nothing in the message chooses a
key or makes xmlsec fetch anything); the plaintext goes through the same hardened parser as the
request. Every failure, whatever its cause, is the same ``DecryptionFailed("decryption failed")``:
a peer that can tell a bad padding from a bad key transport from bad XML has an oracle.
"""

from __future__ import annotations

import copy
import logging
import re

import xmlsec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from wsbind.errors import WsBindError, WsBindTypeError
from wsbind.soap import namespaces as ns
from wsbind.soap.namespaces import (
    ELEMENT_TYPE,
    RSA_OAEP,
)
from wsbind.soap.xmlparse import DEFAULT_LIMITS, ParseLimits, parse_xml
from wsbind.soap.xmlread import decode_base64, element_children
from wsbind.xmlcrypto.algorithms import KEY_TRANSPORT, MGF1_SHA1, OAEP_DIGESTS, OAEP_MGFS, algorithm_policy

__all__ = ["DecryptionFailed", "AssertionDecrypter"]


_MESSAGE = "decryption failed"
_log = logging.getLogger(__name__)

_X = f"{{{ns.XENC}}}"
_ENCRYPTED_ASSERTION = f"{{{ns.SAML2}}}EncryptedAssertion"
_ENCRYPTED_DATA = f"{_X}EncryptedData"
_ENCRYPTED_KEY = f"{_X}EncryptedKey"
_ENCRYPTION_METHOD = f"{_X}EncryptionMethod"
_CIPHER_DATA = f"{_X}CipherData"
_CIPHER_VALUE = f"{_X}CipherValue"
_CIPHER_REFERENCE = f"{_X}CipherReference"
_KEY_INFO = f"{{{ns.DS}}}KeyInfo"
_RETRIEVAL_METHOD = f"{{{ns.DS}}}RetrievalMethod"
_SAML1_ASSERTION = f"{{{ns.SAML1}}}Assertion"
_SAML2_ASSERTION = f"{{{ns.SAML2}}}Assertion"
_PLAINTEXTS = {
    _ENCRYPTED_ASSERTION: (_SAML2_ASSERTION,),
    f"{{{ns.SAML2}}}EncryptedID": (f"{{{ns.SAML2}}}NameID",),
}
"""The SAML wrappers of an EncryptedData, and what each may decrypt to (a bare EncryptedData
is an encrypted SAML 1.1 or 2.0 assertion)."""

# Children an EncryptedData or EncryptedKey may have (xenc schema); each at most once.
_DATA_CHILDREN = frozenset(
    {_ENCRYPTION_METHOD, _KEY_INFO, _CIPHER_DATA, f"{_X}EncryptionProperties"}
)
_KEY_CHILDREN = _DATA_CHILDREN | {f"{_X}ReferenceList", f"{_X}CarriedKeyName"}


class DecryptionFailed(WsBindError):
    """An encrypted assertion could not be decrypted; deliberately says nothing more."""


class _Reject(Exception):
    """Internal: a structural or content check failed (the text is for the debug log)."""


def _check_children(element: etree._Element, allowed: frozenset[str]) -> None:
    seen: set[str] = set()
    for child in element_children(element):
        tag = str(child.tag)
        if tag not in allowed or tag in seen:
            raise _Reject(f"unexpected or repeated {tag} in {element.tag}")
        seen.add(tag)


_SAME_DOCUMENT_ID = re.compile(r"#[A-Za-z_][A-Za-z0-9_.-]*")
_ENCRYPTED_KEY_TYPE = ns.XENC + "EncryptedKey"


def _check_retrieval(
    retrieval: etree._Element, data: etree._Element, encrypted: etree._Element, key: etree._Element
) -> None:
    """The one RetrievalMethod shape followed (Okta, Shibboleth, ADFS): in EncryptedData/KeyInfo, of
    type EncryptedKey, a bare same-document ``#id`` naming the one EncryptedKey inside this same
    encrypted element, found by our own lookup. External URIs, XPointer, Transforms and chains
    (a RetrievalMethod anywhere else, e.g. inside the EncryptedKey) are refused."""
    holder = retrieval.getparent()
    if holder is None or holder.tag != _KEY_INFO or holder.getparent() is not data:
        raise _Reject("RetrievalMethod outside EncryptedData/KeyInfo")
    if set(retrieval.attrib) - {"URI", "Type"} or retrieval.get("Type") != _ENCRYPTED_KEY_TYPE:
        raise _Reject("RetrievalMethod is not of type EncryptedKey")
    uri = retrieval.get("URI", "")
    if not _SAME_DOCUMENT_ID.fullmatch(uri):
        raise _Reject("RetrievalMethod URI is not a same-document #id")
    if len(retrieval) or (retrieval.text or "").strip():
        raise _Reject("RetrievalMethod with content (Transforms)")
    named = [element for element in encrypted.iter() if isinstance(element.tag, str) and element.get("Id") == uri[1:]]
    if len(named) != 1 or named[0] is not key:
        raise _Reject("RetrievalMethod does not name the one EncryptedKey")


def _algorithm(element: etree._Element, allowed: frozenset[str], what: str) -> None:
    methods = element.findall(_ENCRYPTION_METHOD)
    if len(methods) != 1 or methods[0].get("Algorithm") not in allowed:
        raise _Reject(f"{what} algorithm missing or not allowed")


def _check_cipher_data(element: etree._Element, what: str) -> None:
    cipher_data = element.findall(_CIPHER_DATA)
    if len(cipher_data) != 1:
        raise _Reject(f"{what} needs exactly one CipherData")
    children = element_children(cipher_data[0])
    if len(children) != 1 or children[0].tag != _CIPHER_VALUE:
        raise _Reject(f"{what} CipherData must hold exactly one CipherValue")


class AssertionDecrypter:
    """Decrypts EncryptedAssertion / EncryptedData with one RSA private key, loaded once."""

    def __init__(self, private_key: rsa.RSAPrivateKey, *, allow_cbc: bool = True) -> None:
        """``allow_cbc=False`` refuses AES-CBC data encryption (only AES-GCM is then accepted)."""
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise WsBindTypeError("key transport is RSA-OAEP: an RSA private key is needed")
        pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self._private_key = private_key
        self._data_algorithms = algorithm_policy(allow_cbc=allow_cbc).data_encryption
        key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
        # Built once: creating a KeysManager loads the system CA store (~15 ms). Sharing it
        # across threads is safe: decryption only reads it and gets its own copy of the key.
        self._manager = xmlsec.KeysManager()
        self._manager.add_key(key)

    def decrypt(
        self, encrypted: etree._Element, limits: ParseLimits = DEFAULT_LIMITS
    ) -> etree._Element:
        """Return the decrypted assertion (or, for a saml2:EncryptedID, the NameID) as a standalone
        root; the input is left untouched."""
        try:
            return self._decrypt(encrypted, limits)
        except Exception as exc:
            # Logged here, raised outside the handler so no context exception rides along.
            _log.debug("decryption failed: %s: %s", type(exc).__name__, exc)
        raise DecryptionFailed(_MESSAGE)

    def unwrap_key(self, encrypted_key: etree._Element) -> bytes:
        """Decrypt a standalone xenc:EncryptedKey (a holder-of-key proof key) with RSA-OAEP.

        Any KeyInfo inside it is ignored: there is one private key, and nothing in the message
        may choose another. Failures are as uniform as for assertions.
        """
        try:
            return self._unwrap(encrypted_key)
        except Exception as exc:
            _log.debug("key unwrap failed: %s: %s", type(exc).__name__, exc)
        raise DecryptionFailed(_MESSAGE)

    def _unwrap(self, key: etree._Element) -> bytes:
        if key.tag != _ENCRYPTED_KEY or any(True for _ in key.iter(_RETRIEVAL_METHOD, _CIPHER_REFERENCE)):
            raise _Reject("not a self-contained EncryptedKey")
        _check_children(key, _KEY_CHILDREN)
        _algorithm(key, KEY_TRANSPORT, "key transport")
        _check_cipher_data(key, "EncryptedKey")
        method = key.find(_ENCRYPTION_METHOD)
        assert method is not None
        digests = [d.get("Algorithm", "") for d in method if d.tag == f"{{{ns.DS}}}DigestMethod"]
        mgfs = [m.get("Algorithm", "") for m in method if m.tag == f"{{{ns.XENC11}}}MGF"]
        if len(digests) > 1 or len(mgfs) > 1 or len(element_children(method)) != len(digests) + len(mgfs):
            raise _Reject("unexpected EncryptionMethod content")
        digest = OAEP_DIGESTS.get(digests[0] if digests else ns.SHA1)
        mgf = OAEP_MGFS.get(mgfs[0] if mgfs else MGF1_SHA1)
        if digest is None or mgf is None or (mgfs and method.get("Algorithm") != RSA_OAEP):
            raise _Reject("OAEP parameters not allowed")
        cipher_value = key.findtext(f"{_CIPHER_DATA}/{_CIPHER_VALUE}") or ""
        ciphertext = decode_base64(cipher_value)
        return self._private_key.decrypt(ciphertext, padding.OAEP(padding.MGF1(mgf()), digest(), None))

    def _decrypt(self, encrypted: etree._Element, limits: ParseLimits) -> etree._Element:
        data, key = self._check_structure(encrypted)
        plaintext = self._run_xmlsec(data, key)
        root = parse_xml(plaintext, limits)
        if root.getprevious() is not None or root.getnext() is not None:
            raise _Reject("plaintext holds more than the assertion element")
        expected = _PLAINTEXTS.get(encrypted.tag, (_SAML1_ASSERTION, _SAML2_ASSERTION))
        if root.tag not in expected:
            raise _Reject(f"plaintext is {root.tag}, not {' or '.join(expected)}")
        return root

    def _check_structure(
        self,
        encrypted: etree._Element,
    ) -> tuple[etree._Element, etree._Element]:
        """Everything that can be refused without crypto; returns (EncryptedData, EncryptedKey)."""
        if not isinstance(encrypted, etree._Element):
            raise _Reject("not an element")
        if encrypted.tag in _PLAINTEXTS:
            children = element_children(encrypted)
            datas = [c for c in children if c.tag == _ENCRYPTED_DATA]
            others = [c for c in children if c.tag not in (_ENCRYPTED_DATA, _ENCRYPTED_KEY)]
            if len(datas) != 1 or others:
                raise _Reject(f"{encrypted.tag} must hold one EncryptedData and EncryptedKeys")
            data = datas[0]
        elif encrypted.tag == _ENCRYPTED_DATA:
            data = encrypted
        else:
            raise _Reject(f"{encrypted.tag} is not EncryptedAssertion, EncryptedID or EncryptedData")

        if any(True for _ in encrypted.iter(_CIPHER_REFERENCE)):
            raise _Reject("CipherReference present")
        if data.get("Type", ELEMENT_TYPE) != ELEMENT_TYPE:
            raise _Reject("EncryptedData Type is not Element")
        _check_children(data, _DATA_CHILDREN)
        _algorithm(data, self._data_algorithms, "data")
        _check_cipher_data(data, "EncryptedData")

        keys = list(encrypted.iter(_ENCRYPTED_KEY))
        if len(keys) != 1:
            raise _Reject(f"{len(keys)} EncryptedKey elements, need exactly one")
        key = keys[0]
        holder = key.getparent()
        in_key_info = holder is not None and holder.tag == _KEY_INFO and holder.getparent() is data
        beside = holder is encrypted and encrypted is not data
        if not (in_key_info or beside):
            raise _Reject("EncryptedKey is neither in EncryptedData/KeyInfo nor beside it")
        retrievals = list(encrypted.iter(_RETRIEVAL_METHOD))
        if len(retrievals) > 1:
            raise _Reject("more than one RetrievalMethod")
        if retrievals:
            _check_retrieval(retrievals[0], data, encrypted, key)
        _check_children(key, _KEY_CHILDREN)
        _algorithm(key, KEY_TRANSPORT, "key transport")
        _check_cipher_data(key, "EncryptedKey")
        return data, key

    def _run_xmlsec(self, data: etree._Element, key: etree._Element) -> bytes:
        """Decrypt a rebuilt copy: KeyInfo holds only the EncryptedKey, which holds no KeyInfo.

        Without a Type attribute xmlsec returns the plaintext bytes instead of parsing them
        into the tree itself (with its own parser, not ours).
        """
        work = copy.deepcopy(data)
        if "Type" in work.attrib:
            del work.attrib["Type"]
        for old in work.findall(_KEY_INFO):
            work.remove(old)
        key_copy = copy.deepcopy(key)
        for old in key_copy.findall(_KEY_INFO):
            key_copy.remove(old)
        key_info = etree.Element(_KEY_INFO)
        key_info.append(key_copy)
        method = work.find(_ENCRYPTION_METHOD)
        if method is None:
            raise _Reject("EncryptionMethod vanished from the copy")
        method.addnext(key_info)  # schema order: EncryptionMethod, KeyInfo, CipherData

        context = xmlsec.EncryptionContext(self._manager)
        result: object = context.decrypt(work)
        if not isinstance(result, bytes):
            raise _Reject("xmlsec did not return bytes")
        return result
