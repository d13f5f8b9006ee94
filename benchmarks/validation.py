"""make bench, token validation: one signed assertion verified from bytes, ours against the peers.

For SAML 2.0 and SAML 1.1 (RSA-2048, RSA-SHA256, 12 attributes of 3 values) every contender is
timed on the same bytes within each round, in turn, so machine noise hits all alike:

- python-xmlsec (the baseline): parse, register the ID attribute, verify with the certificate's
  key loaded once beforehand;
- signxml, python3-saml (``OneLogin_Saml2_Utils.validate_sign``) and pysaml2 (``SecurityContext``
  over the ``xmlsec1`` program, so about 50 ms a call: it gets fewer calls per round);
- wsbind first validation: ``parse_xml`` and ``CertSignedSamlAuthenticator.authenticate`` (profile,
  signature, conditions, audience) with the validated-token cache off, so every call does it all;
- wsbind whole request, first presentation: ``MessageVerifier.verify`` on the SOAP message carrying
  the token (envelope, Timestamp, token), cache off;
- wsbind whole request, repeated token: the same with the default cache, warm;
- two reference rows, no contenders: lxml parsing the request alone, and the cryptographic floor of
  a token (lxml parse, exc-c14n of the assertion and of SignedInfo, SHA-256, RSA verify), to show how
  much of each ratio no Python verifier can avoid.

The clock is the real one: tokens are issued at start with an hour of lifetime.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import signxml
import xmlsec
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from benchmarks.common import BENCH_STS, Results, interleaved, print_table
from samples.pki import Identity, self_signed
from wsbind import (
    CertSignedSamlAuthenticator,
    MessageVerifier,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SslTransportSecurityBinding,
    TransportFacts,
)
from wsbind.saml.authenticator import AuthenticationContext
from wsbind.saml.issuer import SamlIssuer, SamlVersion
from wsbind.soap.timeutil import utcnow
from wsbind.soap.xmlparse import parse_xml
from wsbind.wss.header import apply_security_header
from wsbind.wss.tokens import create_xml_security_token

ROUNDS = 21
CALLS = 40  # per round for every contender but pysaml2
SLOW_CALLS = 2  # per round for pysaml2 (it starts the xmlsec1 program)
AUDIENCE = "urn:bench:service"
CLAIMS = {f"claim{i}": [f"value-{i}-{j}" for j in range(3)] for i in range(12)}
SOAP11 = b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>'
DS = "http://www.w3.org/2000/09/xmldsig#"
HTTPS = TransportFacts(is_https=True)

XMLSEC = "python-xmlsec verify"
SIGNXML = "signxml verify"
PYTHON3_SAML = "python3-saml verify (validate_sign)"
PYSAML2 = "pysaml2 verify (xmlsec1 program)"
FIRST = "wsbind first validation (parse+profile+verify+conditions)"
REQUEST_FIRST = "wsbind whole request, first presentation (cache off)"
REQUEST_REPEATED = "wsbind whole request, repeated token (cache on)"
PARSE_FLOOR = "reference: lxml parse of the request alone"
CRYPTO_FLOOR = "reference: parse + 2 exc-c14n + SHA-256 + RSA verify"

SAML2_ONLY = "SAML 2.0 only (it marks only ID attributes as IDs, so AssertionID references do not resolve)"


def _verifier(sts: Identity, *, cache: bool) -> MessageVerifier:
    """A server verifier trusting ``sts``; ``cache=False`` opts out of the validated-token cache."""
    authenticator = CertSignedSamlAuthenticator({BENCH_STS: sts.certificate}, audiences=[AUDIENCE])
    bindings = [SslTransportSecurityBinding(), SamlMessageSecurityBinding(authenticator=authenticator)]
    return MessageVerifier(SecurityDescription(bindings, token_cache=cache))


def _message(token: bytes, verifier: MessageVerifier) -> bytes:
    envelope = etree.fromstring(SOAP11)
    apply_security_header(
        envelope,
        [create_xml_security_token(token)],
        now=utcnow(),
        timestamp_validity=verifier.description.timestamp_validity_duration,
    )
    return etree.tostring(envelope)


def _batch(run: Callable[[], object], count: int) -> Callable[[], object]:
    """``count`` calls as one, so contenders of very different speed share interleaved rounds."""

    def calls() -> object:
        for _ in range(count):
            run()
        return None

    return calls


def _peers(
    version: SamlVersion, token: bytes, sts: Identity, xmlsec1: str | None
) -> tuple[dict[str, Callable[[], object]], dict[str, str]]:
    """The peer contenders for this version, and the ones that cannot be measured, with why."""
    cert_pem = sts.certificate.public_bytes(Encoding.PEM)
    id_attribute = "ID" if version is SamlVersion.V2_0 else "AssertionID"
    key = xmlsec.Key.from_memory(cert_pem, xmlsec.constants.KeyDataFormatCertPem)

    def python_xmlsec() -> object:
        root = etree.fromstring(token)
        xmlsec.tree.add_ids(root, [id_attribute])
        context = xmlsec.SignatureContext()
        context.key = key
        context.verify(root.find(f"{{{DS}}}Signature"))
        return root

    peers: dict[str, Callable[[], object]] = {
        XMLSEC: python_xmlsec,
        SIGNXML: lambda: signxml.XMLVerifier().verify(token, x509_cert=cert_pem, id_attribute=id_attribute),
    }
    skipped: dict[str, str] = {}
    try:
        from onelogin.saml2.utils import OneLogin_Saml2_Utils
    except ImportError:
        skipped[PYTHON3_SAML] = "not installed (pip install -e '.[bench]')"
    else:
        if version is SamlVersion.V2_0:
            pem_text = cert_pem.decode()
            # Its default XPaths look for the signature under samlp:Response; ours is a bare assertion.
            xpath = "/saml:Assertion/ds:Signature"
            peers[PYTHON3_SAML] = lambda: OneLogin_Saml2_Utils.validate_sign(
                token, cert=pem_text, xpath=xpath, raise_exceptions=True
            )
        else:
            skipped[PYTHON3_SAML] = SAML2_ONLY
    if xmlsec1 is None:
        skipped[PYSAML2] = "the xmlsec1 program is not installed (apt-get install xmlsec1)"
    elif version is SamlVersion.V1_1:
        skipped[PYSAML2] = SAML2_ONLY
    else:
        from saml2 import sigver

        logging.getLogger("saml2").setLevel(logging.CRITICAL)  # it logs every xmlsec1 command line
        context = sigver.SecurityContext(sigver.CryptoBackendXmlSec1(xmlsec1), cert_type="pem")
        cert_file = str(sts.cert_file)
        peers[PYSAML2] = lambda: context.verify_signature(token, cert_file, "pem", node_name=sigver.NODE_NAME)
    return peers, skipped


def _ours(token: bytes, message: bytes, sts: Identity) -> dict[str, Callable[[], object]]:
    uncached = _verifier(sts, cache=False)
    cached = _verifier(sts, cache=True)
    binding = uncached.description.find(SamlMessageSecurityBinding)
    assert binding is not None and binding.authenticator is not None
    authenticator = binding.authenticator
    skew, sha1, limits = (
        uncached.description.max_allowed_clock_skew,
        uncached.description.allows_sha1,
        uncached.limits,
    )

    def first_validation() -> object:
        root = parse_xml(token, limits)
        context = AuthenticationContext(now=utcnow(), clock_skew=skew, allow_sha1=sha1, limits=limits)
        return authenticator.authenticate(root, root, context)

    return {
        FIRST: first_validation,
        REQUEST_FIRST: lambda: uncached.verify(message, HTTPS),
        REQUEST_REPEATED: lambda: cached.verify(message, HTTPS),
    }


def _floors(token: bytes, message: bytes, sts: Identity) -> dict[str, Callable[[], object]]:
    """What any verifier built on lxml and cryptography pays at least (no checks, no reading)."""
    public_key = sts.certificate.public_key()

    def crypto_floor() -> object:
        root = etree.fromstring(token)
        signature = root.find(f"{{{DS}}}Signature")
        assert signature is not None
        signed_info, value = signature[0], signature[1]
        signed_info_bytes = etree.tostring(signed_info, method="c14n", exclusive=True)
        root.remove(signature)
        hashlib.sha256(etree.tostring(root, method="c14n", exclusive=True)).digest()
        public_key.verify(base64.b64decode(value.text or ""), signed_info_bytes, padding.PKCS1v15(), SHA256())  # type: ignore[union-attr,call-arg]
        return root

    return {PARSE_FLOOR: lambda: etree.fromstring(message), CRYPTO_FLOOR: crypto_floor}


def _check(contenders: dict[str, Callable[[], object]]) -> None:
    """Before timing: every contender accepts the token (a refusal must not be what is timed)."""
    for name, run in contenders.items():
        outcome = run()
        if outcome is False or outcome is None:
            raise RuntimeError(f"{name} did not accept the benchmark token: {outcome!r}")
        subject = getattr(outcome, "subject_name_id", None) or getattr(
            getattr(outcome, "saml_assertion", None), "subject_name_id", None
        )
        if name.startswith("wsbind") and subject != "alice":
            raise RuntimeError(f"{name} authenticated {subject!r}, not alice")


def _measure(version: SamlVersion, sts: Identity, issuer: SamlIssuer, xmlsec1: str | None) -> dict[str, Any]:
    token = issuer.issue(subject="alice", version=version, audiences=[AUDIENCE], attributes=CLAIMS)
    message = _message(token, _verifier(sts, cache=False))
    peers, skipped = _peers(version, token, sts, xmlsec1)
    contenders = {**peers, **_ours(token, message, sts)}
    _check(contenders)
    contenders.update(_floors(token, message, sts))
    calls = {name: SLOW_CALLS if name == PYSAML2 else CALLS for name in contenders}
    print(
        f"\nSAML {version.value}: one assertion of {len(token)} bytes, in a request of {len(message)} bytes "
        f"({ROUNDS} interleaved rounds x {CALLS} calls, pysaml2 {SLOW_CALLS})...",
        flush=True,
    )
    batches = {name: _batch(run, calls[name]) for name, run in contenders.items()}
    per_batch = interleaved(batches, rounds=ROUNDS, calls=1, label=f"SAML {version.value}")
    medians = {name: per_batch[name] / calls[name] for name in contenders}
    print_table(f"Token validation from bytes, SAML {version.value} ({len(token)} bytes)", medians, XMLSEC)
    for name, reason in skipped.items():
        print(f"  {name:<58} {'-':>10}   not measured: {reason}")
    base = medians[XMLSEC]
    return {
        "token_bytes": len(token),
        "message_bytes": len(message),
        "rounds": ROUNDS,
        "calls_per_round": calls,
        "baseline": XMLSEC,
        "median_seconds": medians,
        "ratio_to_python_xmlsec": {name: median / base for name, median in medians.items()},
        "skipped": skipped,
    }


def main(results: Results) -> None:
    xmlsec1 = shutil.which("xmlsec1")
    section: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        sts = self_signed(Path(folder), "bench-sts")
        issuer = SamlIssuer(BENCH_STS, sts.private_key, sts.certificate)
        for version in (SamlVersion.V2_0, SamlVersion.V1_1):
            data = _measure(version, sts, issuer, xmlsec1)
            section[f"SAML {version.value}"] = data
            ratios = data["ratio_to_python_xmlsec"]
            results.target(f"first validation / python-xmlsec (SAML {version.value})", ratios[FIRST], 0.5)
            results.target(
                f"repeated token, whole request / python-xmlsec (SAML {version.value})", ratios[REQUEST_REPEATED], 0.15
            )
    results.add("validation", section)


if __name__ == "__main__":
    standalone = Results()
    main(standalone)
    standalone.print_targets()
