"""Signature wrapping: the signed assertion moved, copied or shadowed, at assertion and SOAP level.

The wrapping attacks keep the issuer's (or the client's) signature cryptographically valid over
the element it was made for, and arrange the message so a verifier that checks "some valid
signature" and a reader that takes "the first assertion" (or the first header, Body, Timestamp)
look at different elements; the envelope attacks give frameworks two answers to "which one".
The verifier must refuse the shape, or ignore the decoy.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Callable
from datetime import timedelta

from lxml import etree

from security.harness import (
    NOW,
    Attack,
    World,
    assertion_of,
    find,
    inert,
    on_tree,
    refused,
    security_of,
)
from wsbind.errors import FaultCode
from wsbind.soap import namespaces as ns
from wsbind.wss.timestamp import build_timestamp

SOMOROVSKY_2012 = "Somorovsky et al., On Breaking SAML: Be Whoever You Want to Be, USENIX Security 2012"
MCINTOSH_2005 = "McIntosh & Austel, XML Signature Element Wrapping Attacks and Countermeasures, ACM SWS 2005"
GAJEK_2009 = "Gajek, Jensen, Liao & Schwenk, Analysis of Signature Wrapping Attacks and Countermeasures, ICWS 2009"
RUBY_SAML_2024 = "CVE-2024-45409 (ruby-saml signature wrapping)"

Change = Callable[[etree._Element, World], None]

_DS = f"{{{ns.DS}}}"
_ATTACKER = "urn:attacker"
_OTHER_ACTOR = "urn:example:another-node"
_FORGED_ID = "_forged0123456789abcdef"
_NAME_TAGS = frozenset({"NameID", "NameIdentifier"})


# -- building blocks ----------------------------------------------------------------------


def forge(assertion: etree._Element, name: str = "admin") -> None:
    """Make ``assertion`` say what the attacker wants: another subject, the admin role.

    Every NameID is changed (a SAML 1.1 assertion repeats the subject in each statement).
    """
    names = [e for e in assertion.iter() if isinstance(e.tag, str) and etree.QName(e).localname in _NAME_TAGS]
    assert names, "the assertion names no subject"
    for element in names:
        element.text = name
    for value in assertion.iter(f"{{{ns.SAML2}}}AttributeValue", f"{{{ns.SAML1}}}AttributeValue"):
        value.text = "admin"


def id_attribute(assertion: etree._Element) -> str:
    """ID in SAML 2.0, AssertionID in SAML 1.1."""
    return "ID" if assertion.tag == f"{{{ns.SAML2}}}Assertion" else "AssertionID"


def signature_of(assertion: etree._Element) -> etree._Element:
    return find(assertion, "ds:Signature")


def unsigned(assertion: etree._Element) -> etree._Element:
    """A copy without its enveloped signature: its digest still matches the original's Reference."""
    stripped = copy.deepcopy(assertion)
    stripped.remove(signature_of(stripped))
    return stripped


def evil_copy(original: etree._Element, *, new_id: str | None = None, signed: bool = False) -> etree._Element:
    """A forged copy of ``original``; with ``signed`` it carries a copy of the original's signature."""
    evil = copy.deepcopy(original) if signed else unsigned(original)
    forge(evil)
    if new_id is not None:
        evil.set(id_attribute(evil), new_id)
    return evil


def header_of(root: etree._Element) -> etree._Element:
    return find(root, "/*/s11:Header | /*/s12:Header")


def body_of(root: etree._Element) -> etree._Element:
    return find(root, "/*/s11:Body | /*/s12:Body")


def foreign_header(root: etree._Element, name: str = "Extra") -> etree._Element:
    """A header block of the attacker's own, which no one here processes."""
    return etree.SubElement(header_of(root), f"{{{_ATTACKER}}}{name}")


def other_security(root: etree._Element, target: str | None = _OTHER_ACTOR) -> etree._Element:
    """A second wsse:Security header; ``target`` is its actor/role (None: no attribute, i.e. us)."""
    soap_ns = etree.QName(root).namespace
    attribute = "actor" if soap_ns == ns.SOAP11 else "role"
    security = etree.SubElement(header_of(root), f"{{{ns.WSSE}}}Security", nsmap={"wsse": ns.WSSE})
    if target is not None:
        security.set(f"{{{soap_ns}}}{attribute}", target)
    return security


def advice_after_conditions(assertion: etree._Element) -> etree._Element:
    """An empty saml:Advice where the schema puts it: right after Conditions."""
    saml = etree.QName(assertion).namespace
    conditions = find(assertion, "saml2:Conditions | saml1:Conditions")
    advice = etree.Element(f"{{{saml}}}Advice")
    conditions.addnext(advice)
    return advice


def timestamp_of(root: etree._Element) -> etree._Element:
    return find(root, "//wsse:Security/wsu:Timestamp")


def proof_of(root: etree._Element) -> etree._Element:
    return find(root, "//wsse:Security/ds:Signature")


def to_of(root: etree._Element) -> etree._Element:
    return find(root, "/*/s11:Header/wsa:To")


def fresh_timestamp() -> etree._Element:
    """What an attacker replaying an old message adds: a Timestamp of its own, not signed."""
    return build_timestamp(NOW, timedelta(minutes=5))


# -- assertion level (xsw) ------------------------------------------------------------------


def _xsw_signed_copy_in_extensions(root: etree._Element, world: World) -> None:
    """The evil assertion takes the original's place; the signed original hides inside it."""
    original = assertion_of(root)
    evil = copy.deepcopy(original)
    forge(evil)
    original.getparent().replace(original, evil)  # type: ignore[union-attr]
    etree.SubElement(signature_of(evil), f"{_DS}Object").append(original)


def _evil_first_original_after(root: etree._Element, world: World) -> None:
    """XSW3 shape: an unsigned evil assertion (new ID) goes first, the signed original stays after
    it; a verifier checking the one signature and a reader taking the first assertion disagree."""
    original = assertion_of(root)
    original.addprevious(evil_copy(original, new_id=_FORGED_ID))


def _original_in_evil_advice(root: etree._Element, world: World) -> None:
    """XSW7 shape with Advice as the extension point: the unsigned evil assertion (new ID) holds the
    signed original in its Advice, where the Reference still finds it by ID and verifies."""
    original = assertion_of(root)
    evil = evil_copy(original, new_id=_FORGED_ID)
    original.getparent().replace(original, evil)  # type: ignore[union-attr]
    advice_after_conditions(evil).append(original)


def _original_inside_signature_object(root: etree._Element, world: World) -> None:
    """XSW6/XSW8 shape: the evil assertion (new ID) carries the signature, and the unsigned original
    sits in a ds:Object inside it. Implementations that apply the enveloped transform by deleting
    the ds:Signature under the referenced element (as many SAML libraries do) find it valid."""
    original = assertion_of(root)
    evil = evil_copy(original, new_id=_FORGED_ID, signed=True)
    original.getparent().replace(original, evil)  # type: ignore[union-attr]
    etree.SubElement(signature_of(evil), f"{_DS}Object").append(unsigned(original))


def _original_inside_evil_beside_signature(root: etree._Element, world: World) -> None:
    """XSW2/XSW5 shape: the evil assertion (new ID) carries the signature, and the unsigned original
    becomes one of its children, outside the signature."""
    original = assertion_of(root)
    evil = evil_copy(original, new_id=_FORGED_ID, signed=True)
    original.getparent().replace(original, evil)  # type: ignore[union-attr]
    evil.append(unsigned(original))


def _evil_wraps_original(root: etree._Element, world: World) -> None:
    """XSW4 shape: an unsigned evil assertion is the token, the signed original its child."""
    original = assertion_of(root)
    evil = evil_copy(original, new_id=_FORGED_ID)
    original.getparent().replace(original, evil)  # type: ignore[union-attr]
    evil.append(original)


def _original_moved_to_other_header(root: etree._Element, world: World) -> None:
    """The evil assertion (new ID, signature copied) is the token; the Reference points at the
    unsigned original, moved into a header nobody processes."""
    original = assertion_of(root)
    original.getparent().replace(original, evil_copy(original, new_id=_FORGED_ID, signed=True))  # type: ignore[union-attr]
    foreign_header(root).append(unsigned(original))


def _evil_in_original_signature(root: etree._Element, world: World) -> None:
    """The evil assertion nests inside the signed original, in a ds:Object of its Signature: the
    enveloped transform drops the whole Signature, so the original still verifies, and a descendant
    search for the subject finds the evil NameID first (the Signature precedes Subject)."""
    original = assertion_of(root)
    etree.SubElement(signature_of(original), f"{_DS}Object").append(evil_copy(original, new_id=_FORGED_ID))


def _signature_detached_into_security(root: etree._Element, world: World) -> None:
    """The signature leaves the assertion and sits in wsse:Security on its own, still valid over the
    unsigned original (moved to another header); the token is an unsigned evil assertion."""
    original = assertion_of(root)
    security = security_of(root)
    signature = signature_of(original)
    original.getparent().replace(original, evil_copy(original, new_id=_FORGED_ID))  # type: ignore[union-attr]
    original.remove(signature)
    foreign_header(root).append(original)
    security.append(signature)


def _forged_copy_in_body(root: etree._Element, world: World) -> None:
    """A forged copy with the same ID and the signature copied rides in the operation's argument."""
    original = assertion_of(root)
    operation = body_of(root)[0]
    operation.append(evil_copy(original, signed=True))


def _digest_value_decoy(root: etree._Element, world: World) -> None:
    """CVE-2024-45409's shape: the token is forged (same ID, genuine signature, SignedInfo intact),
    and a ds:DigestValue holding the forged assertion's real digest sits earlier in the message.
    A verifier that checks SignatureValue over SignedInfo but reads the DigestValue with a
    document-wide search (//ds:DigestValue) compares the forged digest with itself."""
    original = assertion_of(root)
    evil = evil_copy(original, signed=True)
    original.getparent().replace(original, evil)  # type: ignore[union-attr]
    canonical = etree.tostring(unsigned(evil), method="c14n", exclusive=True)
    header = foreign_header(root)
    etree.SubElement(header, f"{_DS}DigestValue").text = base64.b64encode(hashlib.sha256(canonical).digest()).decode()
    security_of(root).addprevious(header)


def _id_confusion(attribute: str) -> Change:
    """A forged assertion (its own ID is new) in another header carries the original's ID in
    ``attribute``: an ID resolver that honours that attribute resolves the Reference to it."""

    def change(root: etree._Element, world: World) -> None:
        original = assertion_of(root)
        original_id = original.get(id_attribute(original))
        assert original_id
        evil = evil_copy(original, new_id=_FORGED_ID)
        evil.set(attribute, original_id)
        foreign_header(root).append(evil)

    return change


def _original_wrapped_in_security(evil_same_id: bool) -> Change:
    """The signed original is hidden in an unknown element inside wsse:Security; the token the
    verifier sees is an evil assertion (same ID and signature copied, or new ID and unsigned)."""

    def change(root: etree._Element, world: World) -> None:
        original = assertion_of(root)
        if evil_same_id:
            evil = evil_copy(original, signed=True)
        else:
            evil = evil_copy(original, new_id=_FORGED_ID)
        wrapper = etree.Element(f"{{{_ATTACKER}}}Wrapper")
        original.getparent().replace(original, wrapper)  # type: ignore[union-attr]
        wrapper.append(original)
        wrapper.addnext(evil)

    return change


def _evil_wrapped_in_security(root: etree._Element, world: World) -> None:
    """An unsigned evil assertion (new ID) in an unknown element inside wsse:Security: not a token,
    so it is ignored and the signed original decides."""
    original = assertion_of(root)
    wrapper = etree.Element(f"{{{_ATTACKER}}}Wrapper")
    wrapper.append(evil_copy(original, new_id=_FORGED_ID))
    original.addnext(wrapper)


# -- SOAP level (soap-wrapping) -------------------------------------------------------------


def _foreign_header_copy(new_id: bool) -> Change:
    """A forged copy sits in some other header: with the same ID it is a duplicate; with a new
    ID it is ignored, because only wsse:Security's token counts."""

    def change(root: etree._Element, world: World) -> None:
        evil = copy.deepcopy(assertion_of(root))
        forge(evil)
        if new_id:
            evil.set("ID", "_forged")
        foreign_header(root).append(evil)

    return change


def _second_security_for_us(target: str | None, *, first: bool) -> Change:
    """A second wsse:Security that also targets us, carrying a forged token (new ID, unsigned):
    frameworks that take the first header and verifiers that take the last disagree."""

    def change(root: etree._Element, world: World) -> None:
        ours = security_of(root)
        second = other_security(root, target)
        second.append(fresh_timestamp())
        second.append(evil_copy(assertion_of(root), new_id=_FORGED_ID))
        if first:
            ours.addprevious(second)

    return change


def _signed_token_in_other_actor_header(same_id: bool) -> Change:
    """The signed original moves to a Security header for another node, placed first so an ID
    lookup finds it; ours carries a forged token (same ID with the signature copied, or a new ID
    unsigned). A verifier that checks signatures in every Security header but reads ours accepts."""

    def change(root: etree._Element, world: World) -> None:
        ours = security_of(root)
        original = assertion_of(root)
        if same_id:
            evil = evil_copy(original, signed=True)
        else:
            evil = evil_copy(original, new_id=_FORGED_ID)
        original.getparent().replace(original, evil)  # type: ignore[union-attr]
        second = other_security(root)
        ours.addprevious(second)
        second.append(original)

    return change


def _forged_token_in_other_actor_header(same_id: bool) -> Change:
    """Ours keeps the signed original; a Security header for another node carries a forged token.
    With a new ID it goes first, for frameworks that read the first Security header whatever its
    actor/role; with the original's ID it goes last (so an ID lookup still finds the original
    first), for frameworks that read the last one."""

    def change(root: etree._Element, world: World) -> None:
        ours = security_of(root)
        evil = evil_copy(assertion_of(root), signed=same_id, new_id=None if same_id else _FORGED_ID)
        second = other_security(root)
        if not same_id:
            ours.addprevious(second)
        second.append(evil)

    return change


def _second_header(root: etree._Element, world: World) -> None:
    """A second SOAP Header with a forged Security: frameworks differ on which Header they read."""
    header = header_of(root)
    extra = etree.Element(header.tag)
    security = etree.SubElement(extra, f"{{{ns.WSSE}}}Security", nsmap={"wsse": ns.WSSE})
    security.append(fresh_timestamp())
    security.append(evil_copy(assertion_of(root), new_id=_FORGED_ID))
    header.addnext(extra)


def _second_body(root: etree._Element, world: World) -> None:
    """A second Body with another operation: the verifier checked one, the dispatcher may run the other."""
    body = body_of(root)
    extra = etree.Element(body.tag)
    etree.SubElement(extra, f"{{{_ATTACKER}}}deleteEverything")
    body.addnext(extra)


def _body_into_header(root: etree._Element, world: World) -> None:
    """McIntosh & Austel's move: the original Body goes into the Header (where a descendant search
    for Body still finds it), leaving the Envelope without a Body of its own."""
    body = body_of(root)
    root.remove(body)
    foreign_header(root, "Wrapper").append(body)


def _element_after_body(root: etree._Element, world: World) -> None:
    """An element after the Body holding another operation (some stacks process trailing blocks)."""
    extra = etree.SubElement(root, f"{{{_ATTACKER}}}Trailer")
    etree.SubElement(extra, f"{{{_ATTACKER}}}deleteEverything")


def _hok_timestamp_wrapped(same_id: bool) -> Change:
    """The signed Timestamp moves into a wrapper inside Security and a fresh, unsigned one is added
    (with a new Id; or with the signed one's Id, after the wrapper so an ID lookup still finds the
    signed one first): replaying a proof with a new lifetime."""

    def change(root: etree._Element, world: World) -> None:
        signed = timestamp_of(root)
        wrapper = etree.Element(f"{{{_ATTACKER}}}Wrapper")
        signed.addprevious(wrapper)
        wrapper.append(signed)
        fresh = fresh_timestamp()
        if same_id:
            fresh.set(f"{{{ns.WSU}}}Id", signed.get(f"{{{ns.WSU}}}Id") or "")
            wrapper.addnext(fresh)
        else:
            wrapper.addprevious(fresh)

    return change


def _hok_timestamp_in_other_actor_header(root: etree._Element, world: World) -> None:
    """The signed Timestamp moves to a Security header for another node; ours gets a fresh one."""
    signed = timestamp_of(root)
    signed.addprevious(fresh_timestamp())
    other_security(root).append(signed)


def _hok_second_timestamp(root: etree._Element, world: World) -> None:
    """A second, unsigned Timestamp next to the signed one: which one is checked for freshness?"""
    timestamp_of(root).addnext(fresh_timestamp())


def _hok_second_to(root: etree._Element, world: World) -> None:
    """A second wsa:To naming the attacker's endpoint next to the signed one."""
    evil = etree.Element(f"{{{ns.WSA}}}To")
    evil.text = "https://attacker.example/service"
    to_of(root).addprevious(evil)


def _hok_to_wrapped(root: etree._Element, world: World) -> None:
    """The signed To moves into a wrapper header and a new To for another endpoint takes its place,
    so the proof meant for one service is replayed to another."""
    signed = to_of(root)
    evil = etree.Element(f"{{{ns.WSA}}}To")
    evil.text = "https://other.example/service"
    signed.addprevious(evil)
    foreign_header(root, "Wrapper").append(signed)


def _hok_proof_moved(into_other_security: bool) -> Change:
    """The proof signature leaves our Security header (for another actor's, or an unknown header):
    a verifier searching //ds:Signature anywhere would still find and verify it."""

    def change(root: etree._Element, world: World) -> None:
        proof = proof_of(root)
        target = other_security(root) if into_other_security else foreign_header(root)
        target.append(proof)

    return change


def _token_moved_into_body(root: etree._Element, world: World) -> None:
    """The signed token leaves wsse:Security for the operation's argument: a reader doing
    //saml2:Assertion still finds it, but it no longer is a security token of this message."""
    body_of(root)[0].append(assertion_of(root))


# -- the catalogue --------------------------------------------------------------------------

_TOKEN = FaultCode.INVALID_SECURITY_TOKEN
_SECURITY = FaultCode.INVALID_SECURITY

ATTACKS: list[Attack] = [
    # Assertion level.
    refused(
        "xsw-original-inside-forged-signature",
        "xsw",
        on_tree("saml2", _xsw_signed_copy_in_extensions),
        _TOKEN,
        "signature-profile",
        "duplicate-id",
        source=SOMOROVSKY_2012,
    ),
    *(
        refused(
            f"xsw-evil-first-original-after-{base}",
            "xsw",
            on_tree(base, _evil_first_original_after),
            _SECURITY,
            "several-saml-tokens",
            source=SOMOROVSKY_2012,
        )
        for base in ("saml2", "saml11")
    ),
    *(
        refused(
            f"xsw-original-in-evil-advice-{base}",
            "xsw",
            on_tree(base, _original_in_evil_advice),
            _TOKEN,
            "signature-profile",
            source=SOMOROVSKY_2012,
        )
        for base in ("saml2", "saml11")
    ),
    refused(
        "xsw-original-inside-signature-object",
        "xsw",
        on_tree("saml2", _original_inside_signature_object),
        _TOKEN,
        "signature-profile",
        source=SOMOROVSKY_2012,
    ),
    *(
        refused(
            f"xsw-original-inside-evil-{base}",
            "xsw",
            on_tree(base, _original_inside_evil_beside_signature),
            _TOKEN,
            "reference",
            source=SOMOROVSKY_2012,
        )
        for base in ("saml2", "saml11")
    ),
    refused(
        "xsw-evil-wraps-original",
        "xsw",
        on_tree("saml2", _evil_wraps_original),
        _TOKEN,
        "signature-profile",
        source=SOMOROVSKY_2012,
    ),
    refused(
        "xsw-reference-to-original-in-other-header",
        "xsw",
        on_tree("saml2", _original_moved_to_other_header),
        _TOKEN,
        "reference",
        source=MCINTOSH_2005,
    ),
    refused(
        "xsw-evil-nested-in-original-signature",
        "xsw",
        on_tree("saml2", _evil_in_original_signature),
        _TOKEN,
        "signature-profile",
        source=SOMOROVSKY_2012,
    ),
    refused(
        "xsw-signature-detached-into-security",
        "xsw",
        on_tree("saml2", _signature_detached_into_security),
        FaultCode.FAILED_AUTHENTICATION,
        "unsigned",
        source=SOMOROVSKY_2012,
    ),
    refused(
        "xsw-forged-copy-in-body",
        "xsw",
        on_tree("saml2", _forged_copy_in_body),
        _TOKEN,
        "duplicate-id",
        source=MCINTOSH_2005,
    ),
    refused(
        "xsw-digest-value-decoy",
        "xsw",
        on_tree("saml2", _digest_value_decoy),
        FaultCode.FAILED_AUTHENTICATION,
        "signature",
        source=RUBY_SAML_2024,
    ),
    *(
        refused(
            f"xsw-id-confusion-{label}",
            "xsw",
            on_tree(base, _id_confusion(attribute)),
            _TOKEN,
            "duplicate-id",
            source=SOMOROVSKY_2012,
        )
        for label, base, attribute in (
            ("wsu-id", "saml2", f"{{{ns.WSU}}}Id"),
            ("xml-id", "saml2", f"{{{ns.XML}}}id"),
            ("plain-id", "saml2", "Id"),
            ("assertion-id-on-saml2", "saml2", "AssertionID"),
            ("id-on-saml11", "saml11", "ID"),
        )
    ),
    refused(
        "xsw-original-wrapped-in-security-same-id",
        "xsw",
        on_tree("saml2", _original_wrapped_in_security(evil_same_id=True)),
        _TOKEN,
        "duplicate-id",
        source=SOMOROVSKY_2012,
    ),
    refused(
        "xsw-original-wrapped-in-security-unsigned-evil",
        "xsw",
        on_tree("saml11", _original_wrapped_in_security(evil_same_id=False)),
        FaultCode.FAILED_AUTHENTICATION,
        "unsigned",
        source=SOMOROVSKY_2012,
    ),
    inert("xsw-evil-wrapped-in-security", "xsw", on_tree("saml2", _evil_wrapped_in_security), source=SOMOROVSKY_2012),
    # SOAP level.
    refused(
        "soap-signed-copy-in-another-header",
        "soap-wrapping",
        on_tree("saml2", _foreign_header_copy(new_id=False)),
        _TOKEN,
        "duplicate-id",
        source=SOMOROVSKY_2012,
    ),
    inert(
        "soap-forged-assertion-in-another-header",
        "soap-wrapping",
        on_tree("saml2", _foreign_header_copy(True)),
        source=SOMOROVSKY_2012,
    ),
    refused(
        "soap-two-security-headers-for-us",
        "soap-wrapping",
        on_tree("saml2", _second_security_for_us(None, first=True)),
        _SECURITY,
        "duplicate-security-header",
        source=GAJEK_2009,
    ),
    refused(
        "soap-second-security-for-actor-next",
        "soap-wrapping",
        on_tree("saml2", _second_security_for_us("http://schemas.xmlsoap.org/soap/actor/next", first=False)),
        _SECURITY,
        "duplicate-security-header",
        source=GAJEK_2009,
    ),
    refused(
        "soap12-second-security-for-ultimate-receiver",
        "soap-wrapping",
        on_tree(
            "saml2-soap12",
            _second_security_for_us("http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver", first=True),
        ),
        _SECURITY,
        "duplicate-security-header",
        source=GAJEK_2009,
    ),
    refused(
        "soap-signed-token-for-other-actor-copy-for-us",
        "soap-wrapping",
        on_tree("saml2", _signed_token_in_other_actor_header(same_id=True)),
        _TOKEN,
        "duplicate-id",
        source=GAJEK_2009,
    ),
    refused(
        "soap12-signed-token-for-other-role-forged-for-us",
        "soap-wrapping",
        on_tree("saml2-soap12", _signed_token_in_other_actor_header(same_id=False)),
        FaultCode.FAILED_AUTHENTICATION,
        "unsigned",
        source=GAJEK_2009,
    ),
    inert(
        "soap-forged-token-for-other-actor",
        "soap-wrapping",
        on_tree("saml2", _forged_token_in_other_actor_header(same_id=False)),
        source=GAJEK_2009,
    ),
    refused(
        "soap12-forged-copy-for-other-role",
        "soap-wrapping",
        on_tree("saml2-soap12", _forged_token_in_other_actor_header(same_id=True)),
        _TOKEN,
        "duplicate-id",
        source=GAJEK_2009,
    ),
    refused(
        "soap-two-headers",
        "soap-wrapping",
        on_tree("saml2", _second_header),
        _SECURITY,
        "envelope-structure",
        source=MCINTOSH_2005,
    ),
    refused(
        "soap-two-bodies",
        "soap-wrapping",
        on_tree("hok", _second_body),
        _SECURITY,
        "envelope-structure",
        source=MCINTOSH_2005,
    ),
    refused(
        "soap-body-moved-into-header",
        "soap-wrapping",
        on_tree("hok", _body_into_header),
        _SECURITY,
        "envelope-structure",
        source=MCINTOSH_2005,
    ),
    refused(
        "soap-element-after-body",
        "soap-wrapping",
        on_tree("saml2", _element_after_body),
        _SECURITY,
        "envelope-structure",
        source=MCINTOSH_2005,
    ),
    refused(
        "soap-hok-signed-timestamp-wrapped",
        "soap-wrapping",
        on_tree("hok", _hok_timestamp_wrapped(same_id=False)),
        _SECURITY,
        "proof-does-not-cover-timestamp",
        source=GAJEK_2009,
    ),
    refused(
        "soap-hok-signed-timestamp-wrapped-same-id",
        "soap-wrapping",
        on_tree("hok", _hok_timestamp_wrapped(same_id=True)),
        _SECURITY,
        "duplicate-id",
        source=GAJEK_2009,
    ),
    refused(
        "soap-hok-signed-timestamp-for-other-actor",
        "soap-wrapping",
        on_tree("hok", _hok_timestamp_in_other_actor_header),
        _SECURITY,
        "proof-does-not-cover-timestamp",
        source=GAJEK_2009,
    ),
    refused(
        "soap-hok-second-timestamp",
        "soap-wrapping",
        on_tree("hok", _hok_second_timestamp),
        _SECURITY,
        "several-timestamps",
        source=GAJEK_2009,
    ),
    refused(
        "soap-hok-second-to",
        "soap-wrapping",
        on_tree("hok", _hok_second_to),
        _SECURITY,
        "several-to-headers",
        source=GAJEK_2009,
    ),
    refused(
        "soap-hok-signed-to-wrapped",
        "soap-wrapping",
        on_tree("hok", _hok_to_wrapped),
        _SECURITY,
        "proof-signature-profile",
        source=GAJEK_2009,
    ),
    refused(
        "soap-hok-proof-in-other-actor-security",
        "soap-wrapping",
        on_tree("hok", _hok_proof_moved(into_other_security=True)),
        FaultCode.FAILED_AUTHENTICATION,
        "holder-of-key-without-proof",
        source=GAJEK_2009,
    ),
    refused(
        "soap-hok-proof-in-unknown-header",
        "soap-wrapping",
        on_tree("hok", _hok_proof_moved(into_other_security=False)),
        FaultCode.FAILED_AUTHENTICATION,
        "holder-of-key-without-proof",
        source=GAJEK_2009,
    ),
    refused(
        "soap-token-moved-into-body",
        "soap-wrapping",
        on_tree("saml2", _token_moved_into_body),
        FaultCode.SECURITY_TOKEN_UNAVAILABLE,
        "no-saml-token",
        source=MCINTOSH_2005,
    ),
]
