"""make bench, issuance part: what our STS pays to sign a token, against the peers' signing.

The peers sign a prepared, unsigned SAML 2.0 assertion (the one our issuer makes, signature taken
out) the plain way an application would, key loaded once: parse the bytes, add the signature,
sign, serialize. Ours builds the whole assertion from the claims as well, every call. All sign
the same claims (12 attributes x 3 values) with an enveloped exc-c14n signature after Issuer, one
Reference to the assertion's ID and the certificate in KeyInfo; every output is verified before
the timing starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from lxml import etree
from signxml import methods
from signxml.signer import XMLSigner

from benchmarks.common import Results, interleaved, print_table
from samples.pki import self_signed_certificate
from wsbind.saml.issuer import SamlIssuer
from wsbind.soap import namespaces as ns

ROUNDS, CALLS = 25, 20
XMLSEC = "python-xmlsec sign (RSA-2048)"
SIGNXML = "signxml sign (RSA-2048)"
OURS_RSA = "wsbind SamlIssuer.issue (RSA-2048)"
OURS_EC = "wsbind SamlIssuer.issue (ECDSA P-256)"
STS = "https://sts.bench.test"
CLAIMS = {f"claim{i}": [f"value-{i}-{j}" for j in range(3)] for i in range(12)}
DS = f"{{{ns.DS}}}"
S2 = f"{{{ns.SAML2}}}"


def _identity(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> tuple[Any, x509.Certificate]:
    return key, self_signed_certificate(key, "bench-sts")


def _issue(issuer: SamlIssuer) -> bytes:
    return issuer.issue(subject="alice", audiences=["urn:bench"], attributes=CLAIMS)


def _unsigned_template(issuer: SamlIssuer) -> bytes:
    """Our assertion with its signature taken out: what the peers are given to sign."""
    root = etree.fromstring(_issue(issuer))
    signature = root.find(f"{DS}Signature")
    assert signature is not None
    root.remove(signature)
    return etree.tostring(root)


def _python_xmlsec(template: bytes, key: rsa.RSAPrivateKey, cert: x509.Certificate) -> Callable[[], bytes]:
    loaded = xmlsec.Key.from_memory(
        key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()), xmlsec.constants.KeyDataFormatPem
    )
    loaded.load_cert_from_memory(cert.public_bytes(Encoding.PEM), xmlsec.constants.KeyDataFormatCertPem)

    def sign() -> bytes:
        root = etree.fromstring(template)
        signature = xmlsec.template.create(
            root, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformRsaSha256, ns="ds"
        )
        root[0].addnext(signature)  # after Issuer
        uri = "#" + root.get("ID", "")
        reference = xmlsec.template.add_reference(signature, xmlsec.constants.TransformSha256, uri=uri)
        xmlsec.template.add_transform(reference, xmlsec.constants.TransformEnveloped)
        xmlsec.template.add_transform(reference, xmlsec.constants.TransformExclC14N)
        x509_data = xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(signature))
        xmlsec.template.x509_data_add_certificate(x509_data)
        xmlsec.tree.add_ids(root, ["ID"])
        context = xmlsec.SignatureContext()
        context.key = loaded
        context.sign(signature)
        return etree.tostring(root)

    return sign


def _signxml(template: bytes, key: rsa.RSAPrivateKey, cert: x509.Certificate) -> Callable[[], bytes]:
    signer = XMLSigner(
        method=methods.enveloped,
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm=ns.C14N_EXCLUSIVE,
    )
    cert_pem = cert.public_bytes(Encoding.PEM).decode("ascii")
    # signxml puts the signature where a placeholder is: after Issuer, like the others.
    root = etree.fromstring(template)
    root[0].addnext(etree.Element(f"{DS}Signature", Id="placeholder", nsmap={"ds": ns.DS}))
    placed = etree.tostring(root)
    uri = "#" + root.get("ID", "")

    def sign() -> bytes:
        signed = signer.sign(etree.fromstring(placed), key=key, cert=cert_pem, reference_uri=uri, id_attribute="ID")
        return etree.tostring(signed)

    return sign


def _check(name: str, token: bytes, cert: x509.Certificate) -> None:
    """Each contender makes a valid token of the same shape (libxmlsec1 with the certificate's key)."""
    root = etree.fromstring(token)
    children = [etree.QName(c).localname for c in root if isinstance(c.tag, str)]
    if children[:2] != ["Issuer", "Signature"] or len(root.findall(f"{S2}AttributeStatement/{S2}Attribute")) != 12:
        raise AssertionError(f"{name}: unexpected token shape {children}")
    xmlsec.tree.add_ids(root, ["ID"])
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(cert.public_bytes(Encoding.PEM), xmlsec.constants.KeyDataFormatCertPem)
    signature = root.find(f"{DS}Signature")
    assert signature is not None
    context.verify(signature)  # raises xmlsec.Error when invalid


def main(results: Results) -> None:
    rsa_key, rsa_cert = _identity(rsa.generate_private_key(65537, 2048))
    ec_key, ec_cert = _identity(ec.generate_private_key(ec.SECP256R1()))
    ours_rsa = SamlIssuer(STS, rsa_key, rsa_cert)
    ours_ec = SamlIssuer(STS, ec_key, ec_cert)
    template = _unsigned_template(ours_rsa)
    contenders: dict[str, Callable[[], bytes]] = {
        XMLSEC: _python_xmlsec(template, rsa_key, rsa_cert),
        SIGNXML: _signxml(template, rsa_key, rsa_cert),
        OURS_RSA: lambda: _issue(ours_rsa),
        OURS_EC: lambda: _issue(ours_ec),
    }
    sizes = {}
    for name, make in contenders.items():
        token = make()
        _check(name, token, ec_cert if name == OURS_EC else rsa_cert)
        sizes[name] = len(token)
    print(
        f"Signing one SAML 2.0 assertion with 12 attributes x 3 values ({sizes[XMLSEC]} bytes signed by "
        f"python-xmlsec; {ROUNDS} interleaved rounds x {CALLS} calls)...",
        flush=True,
    )
    medians = interleaved(contenders, rounds=ROUNDS, calls=CALLS, label="issuance")
    print_table("Issuance: sign one assertion (ours: build it from the claims too)", medians, XMLSEC)
    results.add(
        "issuance",
        {"rounds": ROUNDS, "calls": CALLS, "token_bytes": sizes, "baseline": XMLSEC, "median_seconds": medians},
    )
    results.target("issuance RSA-2048 / python-xmlsec sign", medians[OURS_RSA] / medians[XMLSEC], 1.0)
    results.target(
        "python-xmlsec sign / issuance ECDSA P-256", medians[XMLSEC] / medians[OURS_EC], 5.0, at_least=True
    )


if __name__ == "__main__":
    alone = Results()
    main(alone)
    alone.print_targets()
