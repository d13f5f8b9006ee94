"""The ``wsbind`` command, for an operator who has a token and a refusal and wants to know why.

``wsbind inspect FILE`` reads a SAML assertion, Response, RSTR or SOAP message and says what is in
it (nothing is trusted: it only reads); ``wsbind verify FILE --trust CERT`` runs the server's own
verifier on it; ``wsbind request-token STS_URL --username U`` asks an STS for a token (this one
needs the client side, ``pip install 'wsbind[zeep]'``). ``--json`` prints one JSON object.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from wsbind import __version__
from wsbind.errors import SecurityTokenServiceFault, SecurityVerificationError, WsBindError
from wsbind.model.bindings import SamlMessageSecurityBinding, SslTransportSecurityBinding
from wsbind.model.credentials import CertCredential
from wsbind.model.description import SecurityDescription
from wsbind.saml.assertion import SamlAssertion, issuer_of, read_assertion
from wsbind.saml.authenticator import AuthenticationContext, CertSignedSamlAuthenticator
from wsbind.soap import namespaces as ns
from wsbind.soap.timeutil import parse_xs_datetime, utcnow
from wsbind.soap.xmlparse import ParseLimits, parse_xml
from wsbind.soap.xmlread import decode_base64
from wsbind.verifier import MessageVerifier, TransportFacts
from wsbind.xmlcrypto.certs import load_certificates
from wsbind.xmlcrypto.decrypt import AssertionDecrypter

_ASSERTIONS = (f"{{{ns.SAML1}}}Assertion", f"{{{ns.SAML2}}}Assertion")
_ENCRYPTED = (f"{{{ns.SAML2}}}EncryptedAssertion", f"{{{ns.XENC}}}EncryptedData")
_DS = f"{{{ns.DS}}}"
_LIMITS = ParseLimits(max_bytes=16 * 1024 * 1024)  # a file on disk, not a request: a roomier limit
_METHODS = {  # short names for what a reader scans for
    ns.RSA_SHA1: "rsa-sha1", ns.RSA_SHA256: "rsa-sha256", ns.RSA_SHA384: "rsa-sha384", ns.RSA_SHA512: "rsa-sha512",
    ns.ECDSA_SHA1: "ecdsa-sha1", ns.ECDSA_SHA256: "ecdsa-sha256", ns.ECDSA_SHA384: "ecdsa-sha384",
    ns.ECDSA_SHA512: "ecdsa-sha512", ns.SHA1: "sha1", ns.SHA256: "sha256", ns.SHA384: "sha384", ns.SHA512: "sha512",
}  # fmt: skip


class CommandError(WsBindError):
    """A file, argument or service the command cannot use; the message says which."""


# -- finding tokens ------------------------------------------------------------------------------


def _read(path: str) -> etree._Element:
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return parse_xml(data, _LIMITS)
    except WsBindError as exc:
        raise CommandError(f"{path} is not XML wsbind reads: {exc}") from None


def _tokens(root: etree._Element) -> list[etree._Element]:
    """Every outermost assertion or encrypted assertion in the document, in order."""
    found: list[etree._Element] = []
    for element in root.iter(*_ASSERTIONS, *_ENCRYPTED):
        if not any(ancestor in found for ancestor in element.iterancestors()):
            found.append(element)
    return found


def _when(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "-"
    delta = value - now
    span = _span(abs(delta))
    relative = f"in {span}" if delta > timedelta(0) else f"{span} ago"
    return f"{value.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%SZ} ({relative})"


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _algorithm_at(parent: etree._Element | None, path: str) -> str:
    found = parent.find(path) if parent is not None else None
    return found.get("Algorithm", "?") if found is not None else "?"


def _signature(element: etree._Element) -> dict[str, str]:
    signature = element.find(f"{_DS}Signature")
    if signature is None:
        return {"signed": "no"}
    method = _algorithm_at(signature, f"{_DS}SignedInfo/{_DS}SignatureMethod")
    digest = _algorithm_at(signature, f"{_DS}SignedInfo/{_DS}Reference/{_DS}DigestMethod")
    result = {"signed": "yes", "method": _METHODS.get(method, method), "digest": _METHODS.get(digest, digest)}
    certificate = signature.findtext(f"{_DS}KeyInfo/{_DS}X509Data/{_DS}X509Certificate")
    if certificate:
        try:
            der = decode_base64(certificate)
            result["certificate"] = x509.load_der_x509_certificate(der).subject.rfc4514_string()
            result["sha256"] = ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())
        except ValueError:
            result["certificate"] = "(not a readable certificate)"
    return result


def _confirmation(assertion: SamlAssertion) -> str:
    method = (assertion.confirmation_method or "-").rsplit(":", 1)[-1]
    key_info = assertion.confirmation_key_info
    if key_info is None:
        return method
    if key_info.find(f"{{{ns.XENC}}}EncryptedKey") is not None:
        return f"{method} (symmetric proof key, encrypted to the relying party)"
    return f"{method} (public proof key)"


def describe(element: etree._Element, now: datetime) -> dict[str, Any]:
    """What ``wsbind inspect`` says of one token, as a dict (the text form prints these)."""
    if element.tag in _ENCRYPTED:
        xenc = f"{{{ns.XENC}}}"
        data = element if element.tag == f"{xenc}EncryptedData" else element.find(f"{xenc}EncryptedData")
        key = element.find(f".//{xenc}EncryptedKey")
        return {
            "kind": "encrypted assertion",
            "data encryption": _algorithm_at(data, f"{xenc}EncryptionMethod").rsplit("#", 1)[-1],
            "key transport": _algorithm_at(key, f"{xenc}EncryptionMethod").rsplit("#", 1)[-1],
            "note": "encrypted: wsbind verify FILE --decrypt KEY reads what is inside",
        }
    try:
        assertion = read_assertion(element)
    except WsBindError as exc:
        return {"kind": "SAML assertion", "unreadable": str(exc)}
    expiry = assertion.not_on_or_after
    state = "no expiry" if expiry is None else ("expired" if expiry <= now else "not yet valid")
    if expiry is not None and expiry > now and (assertion.not_before is None or assertion.not_before <= now):
        state = "valid now"
    return {
        "kind": f"SAML {assertion.version} assertion",
        "id": assertion.id,
        "issuer": assertion.issuer,
        "subject": f"{assertion.subject_name_id} ({assertion.subject_name_format or 'no format'})",
        "issued": _when(assertion.issue_instant, now),
        "not before": _when(assertion.not_before, now),
        "not on or after": _when(expiry, now),
        "state": state,
        "audiences": ", ".join(assertion.audiences) or "-",
        "confirmation": _confirmation(assertion),
        "attributes": "; ".join(f"{k}={','.join(v)}" for k, v in assertion.attributes.items()) or "-",
        **{f"signature {k}": v for k, v in _signature(element).items()},
    }


# -- the commands ----------------------------------------------------------------------------------


def _at(text: str | None) -> datetime:
    if text is None:
        return utcnow()
    try:
        return parse_xs_datetime(text)
    except ValueError:
        raise CommandError(f"--at {text!r} is not an xs:dateTime with a zone, e.g. 2026-12-04T10:00:00Z") from None


def _inspect(args: argparse.Namespace) -> tuple[int, Any]:
    root = _read(args.file)
    tokens = _tokens(root)
    if not tokens:
        raise CommandError(f"{args.file} holds no SAML assertion (root element {root.tag})")
    now = _at(args.at)
    return 0, [describe(token, now) for token in tokens]


def _verify(args: argparse.Namespace) -> tuple[int, Any]:
    root = _read(args.file)
    tokens = _tokens(root)
    if len(tokens) != 1:
        raise CommandError(f"{args.file} holds {len(tokens)} SAML tokens; verify takes a file with one")
    certificates = [c for path in args.trust for c in load_certificates(path, what=f"--trust {path}")]
    now = _at(args.at)
    token = tokens[0]
    decryption = CertCredential(args.decrypt, password=args.password) if args.decrypt else None
    try:
        issuer = args.issuer or _issuer_name(token, decryption)
    except WsBindError as exc:
        return 1, {"verdict": "refused", "reason": "unreadable-issuer", "detail": str(exc)}
    trusted: Any = {issuer: certificates} if issuer else certificates
    authenticator = CertSignedSamlAuthenticator(
        trusted, decryption, audiences=args.audience or (), require_subject=True
    )
    try:
        if root.tag in (f"{{{ns.SOAP11}}}Envelope", f"{{{ns.SOAP12}}}Envelope"):
            bindings = [SslTransportSecurityBinding(), SamlMessageSecurityBinding(authenticator)]
            description = SecurityDescription(bindings)
            verifier = MessageVerifier(description, clock=lambda: now, adapter="wsbind verify")
            verified = verifier.verify(etree.tostring(root), TransportFacts(is_https=True))
            assertion = verified.saml_assertion
        else:
            context = AuthenticationContext(now=now, clock_skew=timedelta(minutes=5), allow_sha1=args.allow_sha1)
            assertion = authenticator.authenticate(token, root, context)
    except SecurityVerificationError as exc:
        return 1, {
            "verdict": "refused",
            "fault": f"wsse:{exc.fault_code.value}",
            "reason": exc.reason,
            "detail": exc.detail or "",
        }
    assert assertion is not None
    return 0, {
        "verdict": "accepted",
        "subject": assertion.subject_name_id,
        "issuer": assertion.issuer,
        "version": assertion.version,
        "confirmation": (assertion.confirmation_method or "").rsplit(":", 1)[-1],
        "valid until": _when(assertion.not_on_or_after, now),
    }


def _issuer_name(token: etree._Element, decryption: CertCredential | None) -> str | None:
    """The issuer name the trusted certificates are bound to: the token's own (read, not trusted);
    for an encrypted token, the one inside when --decrypt opens it (else the verifier says why not)."""
    if token.tag in _ASSERTIONS:
        return issuer_of(token)
    key = decryption.load()[0] if decryption is not None else None
    if not isinstance(key, rsa.RSAPrivateKey):
        return None  # no key, or one that cannot decrypt: the verifier says so
    try:
        return issuer_of(AssertionDecrypter(key).decrypt(token))
    except WsBindError:
        return None


def _request_token(args: argparse.Namespace) -> tuple[int, Any]:
    try:
        from wsbind import SecurityKeyType, StringUsernameCredential, TrustVersion, UsernameMessageSecurityBinding
        from zeep_wsbind import TrustChannel, request_security_token
    except ImportError as exc:
        raise CommandError(f"request-token needs the client side: pip install 'wsbind[zeep]' ({exc})") from None
    password = os.environ.get("WSBIND_PASSWORD")
    if password is None:
        password = getpass.getpass(f"password for {args.username} at the STS: ")
    description = SecurityDescription(
        [
            SslTransportSecurityBinding(),
            UsernameMessageSecurityBinding(client_credential=StringUsernameCredential(args.username, password)),
        ]
    )
    version = TrustVersion.V1_3 if args.trust_version == "1.3" else TrustVersion.FEBRUARY_2005
    key_type = SecurityKeyType.NONE if args.key_type == "bearer" else SecurityKeyType.SYMMETRIC
    print(f"asking {args.sts_url} for a {args.key_type} token for {args.username} ...", file=sys.stderr)
    try:
        with TrustChannel(args.sts_url, description, verify=args.ca or True) as channel:
            properties: dict[str, Any] = {"trust_version": version, "issued_token_key_type": key_type}
            if args.applies_to:
                properties["applies_to"] = args.applies_to
            with request_security_token(channel, **properties) as token:
                xml = token.xml.decode("utf-8")
    except SecurityTokenServiceFault as exc:
        return 1, {"verdict": "refused by the STS", "fault": exc.code, "reason": exc.reason}
    return 0, {"token": xml}


# -- output ----------------------------------------------------------------------------------------


def _print(result: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    if isinstance(result, dict) and set(result) == {"token"}:
        print(result["token"])
        return
    for index, item in enumerate(result if isinstance(result, list) else [result]):
        if index:
            print()
        width = max(len(key) for key in item)
        for key, value in item.items():
            print(f"{key:<{width}}  {value}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wsbind", description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"wsbind {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    inspect = commands.add_parser("inspect", help="say what a token, Response, RSTR or SOAP message holds")
    inspect.add_argument("file", help="the XML file ('-' for standard input)")
    inspect.add_argument("--at", help="judge times at this xs:dateTime instead of now")
    inspect.add_argument("--json", action="store_true", help="print JSON")

    verify = commands.add_parser("verify", help="run the server's verifier on a token or SOAP request")
    verify.add_argument("file", help="the XML file: one assertion, or a whole SOAP request ('-' for stdin)")
    verify.add_argument("--trust", action="append", required=True, metavar="CERT",
                        help="a trusted issuer certificate (PEM, DER or PKCS#12); repeat for several")
    verify.add_argument("--issuer", help="the issuer name the certificates may sign as (default: the token's)")
    verify.add_argument("--audience", action="append", metavar="URI", help="an audience the service accepts")
    verify.add_argument("--at", help="verify as of this xs:dateTime instead of now")
    verify.add_argument("--decrypt", metavar="KEY", help="the service's key and certificate (PEM or PKCS#12)")
    verify.add_argument("--password", help="the password of --decrypt")
    verify.add_argument("--allow-sha1", action="store_true", help="accept SHA-1 as a SHA-1 suite would")
    verify.add_argument("--json", action="store_true", help="print JSON")

    request = commands.add_parser("request-token", help="ask a WS-Trust STS for a token (UsernameToken over TLS)")
    request.add_argument("sts_url", help="the STS endpoint, e.g. https://adfs.example/adfs/services/trust/13/usernamemixed")
    request.add_argument("--username", required=True, help="the user (password: WSBIND_PASSWORD, or a prompt)")
    request.add_argument("--applies-to", help="the relying party the token is for")
    request.add_argument("--trust-version", choices=("1.3", "2005"), default="1.3")
    request.add_argument("--key-type", choices=("bearer", "symmetric"), default="bearer")
    request.add_argument("--ca", help="trust only this CA file for the STS's certificate")
    request.add_argument("--json", action="store_true", help="print JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; 0 when the token is accepted (or read, or issued), 1 when it is not, 2 on misuse."""
    args = _parser().parse_args(argv)
    run = {"inspect": _inspect, "verify": _verify, "request-token": _request_token}[args.command]
    try:
        status, result = run(args)
    except WsBindError as exc:
        print(f"wsbind {args.command}: {exc}", file=sys.stderr)
        return 2
    _print(result, args.json)
    return status
