"""make bench: token validation from bytes, ours against peers measured in the same run.

Each round times every contender on the same assertion, in turn (interleaved), so machine noise
hits all of them alike; the table shows the median per call and the ratio to python-xmlsec.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import signxml
import xmlsec
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from samples.pki import self_signed
from wsbind import (
    CertSignedSamlAuthenticator,
    MessageVerifier,
    SamlMessageSecurityBinding,
    SecurityDescription,
    SslTransportSecurityBinding,
    TransportFacts,
)
from wsbind.authenticator import AuthenticationContext
from wsbind.header import apply_security_header
from wsbind.saml_issuer import SamlIssuer
from wsbind.timeutil import utcnow
from wsbind.tokens import create_xml_security_token
from wsbind.xmlparse import parse_xml

ROUNDS, CALLS = 15, 40
RESULTS = Path(__file__).with_name("results.json")


def _contenders(
    token: bytes, message: bytes, cert_pem: bytes, authenticator: CertSignedSamlAuthenticator, verifier: MessageVerifier
) -> dict[str, Callable[[], object]]:
    key = xmlsec.Key.from_memory(cert_pem, xmlsec.constants.KeyDataFormatCertPem)

    def python_xmlsec() -> object:
        root = etree.fromstring(token)
        xmlsec.tree.add_ids(root, ["ID"])
        context = xmlsec.SignatureContext()
        context.key = key
        context.verify(root.find("{http://www.w3.org/2000/09/xmldsig#}Signature"))
        return root

    def wsbind_token() -> object:
        root = parse_xml(token)
        return authenticator.authenticate(
            root, root, AuthenticationContext(utcnow(), verifier.description.max_allowed_clock_skew, False)
        )

    return {
        "python-xmlsec verify": python_xmlsec,
        "signxml verify": lambda: signxml.XMLVerifier().verify(token, x509_cert=cert_pem),
        "wsbind token (profile+verify+conditions)": wsbind_token,
        "wsbind whole request (envelope+timestamp+token)": lambda: verifier.verify(message, TransportFacts(True)),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        sts = self_signed(Path(folder), "bench-sts")
    cert_pem = sts.certificate.public_bytes(Encoding.PEM)
    claims = {f"claim{i}": [f"value-{i}-{j}" for j in range(3)] for i in range(12)}
    token = SamlIssuer("https://sts.bench.test", sts.private_key, sts.certificate).issue(
        subject="alice", audiences=["urn:bench"], attributes=claims
    )
    authenticator = CertSignedSamlAuthenticator([sts.certificate])
    description = SecurityDescription(
        [SslTransportSecurityBinding(), SamlMessageSecurityBinding(authenticator=authenticator)]
    )
    verifier = MessageVerifier(description)
    envelope = etree.fromstring(
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>'
    )
    apply_security_header(
        envelope,
        [create_xml_security_token(token)],
        now=utcnow(),
        timestamp_validity=description.timestamp_validity_duration,
    )
    message = etree.tostring(envelope)
    contenders = _contenders(token, message, cert_pem, authenticator, verifier)

    print(
        f"Validating one signed SAML 2.0 assertion of {len(token)} bytes from bytes "
        f"({ROUNDS} interleaved rounds x {CALLS} calls)...",
        flush=True,
    )
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for round_number in range(ROUNDS):
        for name, run in contenders.items():
            start = time.perf_counter()
            for _ in range(CALLS):
                run()
            samples[name].append((time.perf_counter() - start) / CALLS)
        print(f"  round {round_number + 1}/{ROUNDS}", end="\r", flush=True)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    baseline = medians["python-xmlsec verify"]
    print(f"\n{'contender':<50} {'median':>10} {'x python-xmlsec':>16}")
    for name, median in medians.items():
        print(f"{name:<50} {median * 1e6:>8.0f}us {median / baseline:>16.2f}")
    RESULTS.write_text(json.dumps({"token_bytes": len(token), "median_seconds": medians}, indent=2))
    print(f"Results written to {RESULTS}")


if __name__ == "__main__":
    main()
