"""Assertion semantics: properly signed assertions that must still not be believed.

Every message here carries an assertion the trusted STS signed (or re-signed after an edit, with
the trusted key), so the signature verifies and only the semantic checks stand between it and
acceptance: the time window, the audience, the conditions, the confirmation and one-time use,
and the message's own wsu:Timestamp.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import xmlsec
from cryptography.hazmat.primitives import serialization
from lxml import etree

from security.harness import (
    AUDIENCE,
    NOW,
    Attack,
    Build,
    World,
    find,
    on_tree,
    refused,
    security_of,
)
from wsbind.errors import FaultCode
from wsbind.saml.issuer import (
    BEARER_V1,
    BEARER_V2,
    HOLDER_OF_KEY_V1,
    HOLDER_OF_KEY_V2,
    SamlVersion,
    encrypt_assertion,
)
from wsbind.soap import namespaces as ns

SAML_CORE = "SAML 2.0 Core (OASIS, 2005)"
SAML_CORE_CONDITIONS = f"{SAML_CORE} 2.5.1 Conditions (2.5.1.1 processing rules, 2.5.1.2 NotBefore, NotOnOrAfter)"
SAML_CORE_AUDIENCE = f"{SAML_CORE} 2.5.1.4 AudienceRestriction"
SAML_CORE_ONE_TIME_USE = f"{SAML_CORE} 2.5.1.5 OneTimeUse"
SAML_CORE_CONFIRMATION = f"{SAML_CORE} 2.4.1.1-2.4.1.2 SubjectConfirmation and SubjectConfirmationData"
SAML_PROFILES_CONFIRMATION = "SAML V2.0 Profiles (OASIS, 2005) 3 Confirmation Method Identifiers"
SAML11_CORE = "SAML V1.1 Assertions and Protocol (OASIS, 2003) 2.3.2 Conditions"
SAML_TOKEN_PROFILE = "WS-Security SAML Token Profile 1.1 (OASIS, 2006) 3.5 confirmation methods"
WSS_TIMESTAMP = "WS-Security SOAP Message Security 1.1 (OASIS, 2006) 10 Security Timestamps"
DAY = timedelta(hours=24)

S2 = f"{{{ns.SAML2}}}"
S1 = f"{{{ns.SAML1}}}"
WSU = f"{{{ns.WSU}}}"
SENDER_VOUCHES_V2 = "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches"
SENDER_VOUCHES_V1 = "urn:oasis:names:tc:SAML:1.0:cm:sender-vouches"


# -- building signed assertions -------------------------------------------------------------


def issued(version: SamlVersion = SamlVersion.V2_0, **options: Any) -> Build:
    """An envelope around an assertion the trusted STS issued with ``options``."""

    def build(world: World) -> list[bytes]:
        return [world.envelope(world.issue(version, **options))]

    return build


def resign(world: World, assertion: etree._Element, *, rogue: bool = False, partner: bool = False) -> bytes:
    """Sign ``assertion`` again with the trusted STS key (the rogue's or the partner's if asked), as
    SamlIssuer does.

    Lets an attack carry a shape the issuer never produces, while the signature still verifies:
    then only the semantic check can stop it.
    """
    for old in assertion.findall(f"{{{ns.DS}}}Signature"):
        assertion.remove(old)
    identity = world.rogue if rogue else world.partner if partner else world.issuer
    saml2 = assertion.tag == f"{S2}Assertion"
    id_attribute = "ID" if saml2 else "AssertionID"
    signature = xmlsec.template.create(
        assertion, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformRsaSha256, ns="ds"
    )
    issuer = assertion.find(f"{S2}Issuer")
    if saml2 and issuer is not None:
        issuer.addnext(signature)
    else:
        assertion.append(signature)
    reference = xmlsec.template.add_reference(
        signature, xmlsec.constants.TransformSha256, uri=f"#{assertion.get(id_attribute)}"
    )
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformEnveloped)
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformExclC14N)
    key_info = xmlsec.template.ensure_key_info(signature)
    xmlsec.template.x509_data_add_certificate(xmlsec.template.add_x509_data(key_info))
    xmlsec.tree.add_ids(assertion, [id_attribute])
    key = xmlsec.Key.from_file(str(identity.key_file), xmlsec.constants.KeyDataFormatPem)
    key.load_cert_from_file(str(identity.cert_file), xmlsec.constants.KeyDataFormatPem)
    context = xmlsec.SignatureContext()
    context.key = key
    context.sign(signature)
    return etree.tostring(assertion)


def edited_assertion(
    world: World,
    change: Callable[[etree._Element, World], None],
    version: SamlVersion = SamlVersion.V2_0,
    **options: Any,
) -> bytes:
    """An assertion issued with ``options``, edited by ``change``, then re-signed with the trusted key."""
    assertion = etree.fromstring(world.issue(version, **options))
    change(assertion, world)
    return resign(world, assertion)


def edited(
    change: Callable[[etree._Element, World], None], version: SamlVersion = SamlVersion.V2_0, **options: Any
) -> Build:
    def build(world: World) -> list[bytes]:
        return [world.envelope(edited_assertion(world, change, version, **options))]

    return build


def _one(parent: etree._Element, path: str) -> etree._Element:
    found = parent.find(path)
    assert found is not None, path
    return found


def _set_condition_time(name: str, value: str | None) -> Callable[[etree._Element, World], None]:
    def change(assertion: etree._Element, world: World) -> None:
        conditions = _one(assertion, f"{S2}Conditions")
        if value is None:
            del conditions.attrib[name]
        else:
            conditions.set(name, value)

    return change


def _set_issue_instant(value: str) -> Callable[[etree._Element, World], None]:
    def change(assertion: etree._Element, world: World) -> None:
        assertion.set("IssueInstant", value)

    return change


def _drop_conditions(assertion: etree._Element, world: World) -> None:
    assertion.remove(_one(assertion, f"{S2}Conditions"))


def _second_conditions(assertion: etree._Element, world: World) -> None:
    """A second, unrestricted Conditions after the real one: readers that take the last one lose."""
    conditions = _one(assertion, f"{S2}Conditions")
    extra = etree.Element(f"{S2}Conditions", NotBefore="2026-01-01T00:00:00Z", NotOnOrAfter="2026-12-31T00:00:00Z")
    conditions.addnext(extra)


def _confirmation_data_expired(assertion: etree._Element, world: World) -> None:
    data = _one(assertion, f"{S2}Subject/{S2}SubjectConfirmation/{S2}SubjectConfirmationData")
    data.set("NotOnOrAfter", "2026-05-01T11:50:00Z")


def _drop_subject_confirmation(assertion: etree._Element, world: World) -> None:
    subject = _one(assertion, f"{S2}Subject")
    subject.remove(_one(subject, f"{S2}SubjectConfirmation"))


def _second_confirmation(method: str) -> Callable[[etree._Element, World], None]:
    def change(assertion: etree._Element, world: World) -> None:
        confirmation = _one(assertion, f"{S2}Subject/{S2}SubjectConfirmation")
        extra = copy.deepcopy(confirmation)
        extra.set("Method", method)
        confirmation.addnext(extra)

    return change


def _saml11_second_subject(assertion: etree._Element, world: World) -> None:
    """The attribute statement names another subject than the authentication statement."""
    statement = _one(assertion, f"{S1}AttributeStatement")
    _one(statement, f"{S1}Subject/{S1}NameIdentifier").text = "admin"


def _saml11_mixed_methods(assertion: etree._Element, world: World) -> None:
    statement = _one(assertion, f"{S1}AttributeStatement")
    _one(statement, f"{S1}Subject/{S1}SubjectConfirmation/{S1}ConfirmationMethod").text = SENDER_VOUCHES_V1


def _saml11_condition_time(name: str, value: str) -> Callable[[etree._Element, World], None]:
    def change(assertion: etree._Element, world: World) -> None:
        _one(assertion, f"{S1}Conditions").set(name, value)

    return change


def _condition(tag: str, *children: tuple[str, str], **attributes: str) -> etree._Element:
    element = etree.Element(tag, attributes)
    for child_tag, text in children:
        etree.SubElement(element, child_tag).text = text
    return element


def _one_time_use_replay(encrypt: bool) -> Build:
    """The same OneTimeUse assertion twice: in two fresh envelopes (or two fresh ciphertexts)."""

    def build(world: World) -> list[bytes]:
        assertion = world.issue(extra_conditions=[etree.Element(f"{S2}OneTimeUse")])
        if not encrypt:
            return [world.envelope(assertion), world.envelope(assertion)]
        cert = world.relying_party.certificate
        return [world.envelope(encrypt_assertion(assertion, cert)), world.envelope(encrypt_assertion(assertion, cert))]

    return build


def _hok_without_proof(version: SamlVersion) -> Build:
    """A holder-of-key assertion naming the client's key, sent by someone who cannot sign with it."""
    method = HOLDER_OF_KEY_V2 if version is SamlVersion.V2_0 else HOLDER_OF_KEY_V1

    def build(world: World) -> list[bytes]:
        assertion = world.issue(version, confirmation_method=method, confirmation_key_info=world.client_key_info())
        return [world.envelope(assertion)]

    return build


def _hok_proof_by_other_key(world: World) -> list[bytes]:
    """The assertion names the rogue's certificate; the client proves possession of its own key."""
    key_info = world.client_key_info()
    der = world.rogue.certificate.public_bytes(serialization.Encoding.DER)
    find(key_info, "ds:X509Data/ds:X509Certificate").text = base64.b64encode(der).decode()
    assertion = world.issue(confirmation_method=HOLDER_OF_KEY_V2, confirmation_key_info=key_info)
    return [world.holder_of_key(assertion)]


# -- the wsu:Timestamp (unsigned in the bearer baseline: only its check stops these) ----------


def _timestamp(root: etree._Element) -> etree._Element:
    return find(root, "//wsse:Security/wsu:Timestamp")


def _timestamp_times(created: str, expires: str | None) -> Callable[[etree._Element, World], None]:
    def change(root: etree._Element, world: World) -> None:
        timestamp = _timestamp(root)
        _one(timestamp, f"{WSU}Created").text = created
        expires_element = _one(timestamp, f"{WSU}Expires")
        if expires is None:
            timestamp.remove(expires_element)
        else:
            expires_element.text = expires

    return change


def _drop_timestamp(root: etree._Element, world: World) -> None:
    security_of(root).remove(_timestamp(root))


def _second_timestamp(root: etree._Element, world: World) -> None:
    """A second, fresh-looking Timestamp after the assertion: readers that take the last one lose."""
    timestamp = _timestamp(root)
    extra = copy.deepcopy(timestamp)
    extra.set(f"{WSU}Id", "TS-second")
    _one(extra, f"{WSU}Created").text = "2026-05-01T12:04:00.000Z"
    _one(extra, f"{WSU}Expires").text = "2026-05-01T13:04:00.000Z"
    security_of(root).append(extra)
    _one(timestamp, f"{WSU}Created").text = "2026-04-30T12:00:00.000Z"
    _one(timestamp, f"{WSU}Expires").text = "2026-04-30T12:05:00.000Z"


def _timestamp_extra_child(root: etree._Element, world: World) -> None:
    """A second Created: one reader checks the first, another uses the last."""
    timestamp = _timestamp(root)
    created = etree.Element(f"{WSU}Created")
    created.text = "2026-04-30T12:00:00.000Z"
    timestamp.append(created)


def _saml11(**options: Any) -> Build:
    return issued(SamlVersion.V1_1, **options)


OTHER_AUDIENCE = "https://other-rp.example.test/service"
FAR_FUTURE = NOW + timedelta(hours=2)


ATTACKS: list[Attack] = [
    # Time window (SAML 2.0 Conditions).
    refused(
        "sem-assertion-expired",
        "semantics",
        issued(now=NOW - timedelta(hours=2)),
        FaultCode.FAILED_AUTHENTICATION,
        "expired",
        source=SAML_CORE_CONDITIONS,
    ),
    refused(
        "sem-assertion-not-yet-valid",
        "semantics",
        issued(not_before=NOW + timedelta(minutes=10)),
        FaultCode.FAILED_AUTHENTICATION,
        "not-yet-valid",
        source=SAML_CORE_CONDITIONS,
    ),
    refused(
        "sem-assertion-issued-in-future",
        "semantics",
        issued(now=FAR_FUTURE),
        FaultCode.FAILED_AUTHENTICATION,
        "not-yet-valid",
        source=SAML_CORE_CONDITIONS,
    ),
    refused(
        "sem-no-not-on-or-after",
        "semantics",
        edited(_set_condition_time("NotOnOrAfter", None)),
        FaultCode.FAILED_AUTHENTICATION,
        "lifetime-too-long",
        source=SAML_CORE_CONDITIONS,
    ),
    refused(
        "sem-no-conditions",
        "semantics",
        edited(_drop_conditions),
        FaultCode.FAILED_AUTHENTICATION,
        "lifetime-too-long",
        source=SAML_CORE_CONDITIONS,
    ),
    refused(
        "sem-lifetime-over-a-day",
        "semantics",
        issued(lifetime=DAY + timedelta(hours=1)),
        FaultCode.FAILED_AUTHENTICATION,
        "lifetime-too-long",
        source=SAML_CORE_CONDITIONS,
    ),
    refused(
        "sem-not-before-long-ago",
        "semantics",
        issued(not_before=NOW - timedelta(days=3)),
        FaultCode.FAILED_AUTHENTICATION,
        "lifetime-too-long",
        source=SAML_CORE_CONDITIONS,
    ),
    refused(
        "sem-not-on-or-after-without-zone",
        "semantics",
        edited(_set_condition_time("NotOnOrAfter", "2026-05-01T13:00:00")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "malformed-assertion",
        source=f"{SAML_CORE} 1.3.3 Time Values (UTC, xs:dateTime)",
    ),
    refused(
        "sem-not-before-out-of-range",
        "semantics",
        edited(_set_condition_time("NotBefore", "2026-02-30T12:00:00Z")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "malformed-assertion",
        source=f"{SAML_CORE} 1.3.3 Time Values (UTC, xs:dateTime)",
    ),
    refused(
        "sem-issue-instant-malformed",
        "semantics",
        edited(_set_issue_instant("yesterday")),
        FaultCode.INVALID_SECURITY_TOKEN,
        "malformed-assertion",
        source=f"{SAML_CORE} 2.3.3 Assertion (IssueInstant)",
    ),
    refused(
        "sem-two-conditions",
        "semantics",
        edited(_second_conditions),
        FaultCode.INVALID_SECURITY_TOKEN,
        "malformed-assertion",
        source=f"{SAML_CORE} 2.3.3 Assertion (at most one Conditions)",
    ),
    # Audience.
    refused(
        "sem-wrong-audience",
        "semantics",
        issued(audiences=[OTHER_AUDIENCE]),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-audience",
        source=SAML_CORE_AUDIENCE,
    ),
    refused(
        "sem-no-audience",
        "semantics",
        issued(audiences=[]),
        FaultCode.FAILED_AUTHENTICATION,
        "no-audience",
        source=SAML_CORE_AUDIENCE,
    ),
    refused(
        "sem-audience-prefix-of-ours",
        "semantics",
        issued(audiences=[AUDIENCE + "-admin"]),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-audience",
        source=SAML_CORE_AUDIENCE,
    ),
    refused(
        "sem-second-audience-restriction-not-ours",
        "semantics",
        issued(extra_conditions=[_condition(f"{S2}AudienceRestriction", (f"{S2}Audience", OTHER_AUDIENCE))]),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-audience",
        source=SAML_CORE_AUDIENCE,
    ),
    # Conditions the relying party does not understand make the assertion invalid.
    refused(
        "sem-unknown-condition",
        "semantics",
        issued(extra_conditions=[_condition("{urn:example:conditions}OnlyOnTuesdays")]),
        FaultCode.FAILED_AUTHENTICATION,
        "unknown-condition",
        source=SAML_CORE_CONDITIONS,
    ),
    # One-time use.
    refused(
        "sem-one-time-use-replayed",
        "semantics",
        _one_time_use_replay(encrypt=False),
        FaultCode.FAILED_AUTHENTICATION,
        "replay",
        source=SAML_CORE_ONE_TIME_USE,
    ),
    refused(
        "sem-one-time-use-replayed-re-encrypted",
        "semantics",
        _one_time_use_replay(encrypt=True),
        FaultCode.FAILED_AUTHENTICATION,
        "replay",
        source=SAML_CORE_ONE_TIME_USE,
    ),
    # Untrusted issuer: the rogue STS uses our STS's name.
    refused(
        "sem-untrusted-issuer-same-name",
        "semantics",
        lambda world: [world.envelope(world.issue(rogue=True))],
        FaultCode.FAILED_AUTHENTICATION,
        "untrusted-issuer",
        source=f"{SAML_CORE} 5 SAML and XML Signature Syntax and Processing",
    ),
    # Subject confirmation.
    refused(
        "sem-sender-vouches",
        "semantics",
        issued(confirmation_method=SENDER_VOUCHES_V2),
        FaultCode.FAILED_AUTHENTICATION,
        "confirmation-method",
        source=SAML_PROFILES_CONFIRMATION,
    ),
    refused(
        "sem-unknown-confirmation-method",
        "semantics",
        issued(confirmation_method="urn:example:cm:trust-me"),
        FaultCode.FAILED_AUTHENTICATION,
        "confirmation-method",
        source=SAML_CORE_CONFIRMATION,
    ),
    refused(
        "sem-no-subject-confirmation",
        "semantics",
        edited(_drop_subject_confirmation),
        FaultCode.FAILED_AUTHENTICATION,
        "confirmation-method",
        source=SAML_CORE_CONFIRMATION,
    ),
    refused(
        "sem-second-confirmation-sender-vouches",
        "semantics",
        edited(_second_confirmation(SENDER_VOUCHES_V2)),
        FaultCode.INVALID_SECURITY_TOKEN,
        "malformed-assertion",
        source=SAML_CORE_CONFIRMATION,
    ),
    refused(
        "sem-holder-of-key-without-proof",
        "semantics",
        _hok_without_proof(SamlVersion.V2_0),
        FaultCode.FAILED_AUTHENTICATION,
        "holder-of-key-without-proof",
        source=SAML_TOKEN_PROFILE,
    ),
    refused(
        "sem-holder-of-key-without-key",
        "semantics",
        issued(confirmation_method=HOLDER_OF_KEY_V2),
        FaultCode.INVALID_SECURITY_TOKEN,
        "holder-of-key-without-key",
        source=SAML_TOKEN_PROFILE,
    ),
    refused(
        "sem-holder-of-key-proved-with-another-key",
        "semantics",
        _hok_proof_by_other_key,
        FaultCode.FAILED_AUTHENTICATION,
        "proof-signature",
        source=SAML_TOKEN_PROFILE,
    ),
    refused(
        "sem-bearer-naming-a-key",
        "semantics",
        lambda world: [
            world.envelope(world.issue(confirmation_method=BEARER_V2, confirmation_key_info=world.client_key_info()))
        ],
        FaultCode.INVALID_SECURITY_TOKEN,
        "confirmation-method",
        source=SAML_PROFILES_CONFIRMATION,
    ),
    refused(
        "sem-confirmation-data-expired",
        "semantics",
        edited(_confirmation_data_expired),
        FaultCode.FAILED_AUTHENTICATION,
        "expired",
        source=SAML_CORE_CONFIRMATION,
    ),
    # SAML 1.1 equivalents.
    refused(
        "sem-saml11-expired",
        "semantics",
        _saml11(now=NOW - timedelta(hours=2)),
        FaultCode.FAILED_AUTHENTICATION,
        "expired",
        source=SAML11_CORE,
    ),
    refused(
        "sem-saml11-lifetime-over-a-day",
        "semantics",
        _saml11(lifetime=2 * DAY),
        FaultCode.FAILED_AUTHENTICATION,
        "lifetime-too-long",
        source=SAML11_CORE,
    ),
    refused(
        "sem-saml11-malformed-time",
        "semantics",
        edited(_saml11_condition_time("NotOnOrAfter", "2026-05-01 13:00"), SamlVersion.V1_1),
        FaultCode.INVALID_SECURITY_TOKEN,
        "malformed-assertion",
        source=SAML11_CORE,
    ),
    refused(
        "sem-saml11-wrong-audience",
        "semantics",
        _saml11(audiences=[OTHER_AUDIENCE]),
        FaultCode.FAILED_AUTHENTICATION,
        "wrong-audience",
        source=SAML11_CORE,
    ),
    refused(
        "sem-saml11-unknown-condition",
        "semantics",
        _saml11(extra_conditions=[_condition("{urn:example:conditions}OnlyOnTuesdays")]),
        FaultCode.FAILED_AUTHENTICATION,
        "unknown-condition",
        source=SAML11_CORE,
    ),
    refused(
        "sem-saml11-sender-vouches",
        "semantics",
        _saml11(confirmation_method=SENDER_VOUCHES_V1),
        FaultCode.FAILED_AUTHENTICATION,
        "confirmation-method",
        source=SAML_TOKEN_PROFILE,
    ),
    refused(
        "sem-saml11-holder-of-key-without-proof",
        "semantics",
        _hok_without_proof(SamlVersion.V1_1),
        FaultCode.FAILED_AUTHENTICATION,
        "holder-of-key-without-proof",
        source=SAML_TOKEN_PROFILE,
    ),
    refused(
        "sem-saml11-bearer-naming-a-key",
        "semantics",
        lambda world: [
            world.envelope(
                world.issue(
                    SamlVersion.V1_1, confirmation_method=BEARER_V1, confirmation_key_info=world.client_key_info()
                )
            )
        ],
        FaultCode.INVALID_SECURITY_TOKEN,
        "confirmation-method",
        source=SAML_TOKEN_PROFILE,
    ),
    refused(
        "sem-saml11-statements-name-other-subject",
        "semantics",
        edited(_saml11_second_subject, SamlVersion.V1_1),
        FaultCode.INVALID_SECURITY_TOKEN,
        "malformed-assertion",
        source="SAML V1.1 Assertions and Protocol (OASIS, 2003) 2.4.2 SubjectStatementAbstractType",
    ),
    refused(
        "sem-saml11-mixed-confirmation-methods",
        "semantics",
        edited(_saml11_mixed_methods, SamlVersion.V1_1),
        FaultCode.INVALID_SECURITY_TOKEN,
        "malformed-assertion",
        source=SAML_TOKEN_PROFILE,
    ),
    # The message's wsu:Timestamp.
    refused(
        "sem-timestamp-too-old",
        "semantics",
        on_tree("saml2", _timestamp_times("2026-05-01T11:40:00.000Z", "2026-05-01T13:00:00.000Z")),
        FaultCode.MESSAGE_EXPIRED,
        "timestamp-too-old",
        source=WSS_TIMESTAMP,
    ),
    refused(
        "sem-timestamp-expired",
        "semantics",
        on_tree("saml2", _timestamp_times("2026-05-01T11:52:00.000Z", "2026-05-01T11:54:00.000Z")),
        FaultCode.MESSAGE_EXPIRED,
        "timestamp-expired",
        source=WSS_TIMESTAMP,
    ),
    refused(
        "sem-timestamp-in-future",
        "semantics",
        on_tree("saml2", _timestamp_times("2026-05-01T12:10:00.000Z", "2026-05-01T12:15:00.000Z")),
        FaultCode.INVALID_SECURITY,
        "timestamp-in-future",
        source=WSS_TIMESTAMP,
    ),
    refused(
        "sem-timestamp-missing",
        "semantics",
        on_tree("saml2", _drop_timestamp),
        FaultCode.INVALID_SECURITY,
        "no-timestamp",
        source=WSS_TIMESTAMP,
    ),
    refused(
        "sem-timestamp-twice",
        "semantics",
        on_tree("saml2", _second_timestamp),
        FaultCode.INVALID_SECURITY,
        "several-timestamps",
        source=WSS_TIMESTAMP,
    ),
    refused(
        "sem-timestamp-created-twice",
        "semantics",
        on_tree("saml2", _timestamp_extra_child),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=WSS_TIMESTAMP,
    ),
    refused(
        "sem-timestamp-without-zone",
        "semantics",
        on_tree("saml2", _timestamp_times("2026-05-01T12:00:00", "2026-05-01T12:05:00")),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=WSS_TIMESTAMP,
    ),
    refused(
        "sem-timestamp-expires-before-created",
        "semantics",
        on_tree("saml2", _timestamp_times("2026-05-01T12:00:00.000Z", "2026-05-01T11:00:00.000Z")),
        FaultCode.INVALID_SECURITY,
        "malformed-timestamp",
        source=WSS_TIMESTAMP,
    ),
]
