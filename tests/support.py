"""Test helpers: a test service, SOAP envelopes, raw posts (servers and PKI come from samples)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from lxml import etree
from spyne import Application, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11, Soap12

from samples.pki import Identity, self_signed
from spyne_wsbind import MessageProperty, get_message_property
from wsbind import (
    SecurityDescription,
    SslTransportSecurityBinding,
    XmlTokenMessageSecurityBinding,
    create_xml_security_token,
)
from wsbind.soap import namespaces as ns

Issuer = Identity


def make_issuer(directory: Path, name: str, *, ec_key: bool = False) -> Identity:
    return self_signed(directory, name, ec_key=ec_key)


class WhoAmIService(ServiceBase):
    """Answers with what the security handler established about the caller."""

    @rpc(_returns=Unicode)
    def whoami(ctx: Any) -> str:
        assertion = get_message_property(ctx, MessageProperty.SAML_ASSERTION)
        if assertion is None:
            return "anonymous"
        roles = ",".join(assertion.attributes.get("role", ()))
        return f"{assertion.subject_name_id}|{assertion.issuer}|{roles}|{assertion.version}"

    @rpc(Unicode, _returns=Unicode)
    def echo(ctx: Any, text: str) -> str:
        return text

    @rpc(Unicode, _returns=Unicode)
    def message_property(ctx: Any, name: str) -> str:
        return repr(get_message_property(ctx, MessageProperty[name]))


def make_app(soap12: bool = False) -> Application:
    protocol = Soap12 if soap12 else Soap11
    return Application(
        [WhoAmIService],
        tns="urn:wsbind:test",
        in_protocol=protocol(validator="lxml"),
        out_protocol=protocol(),
    )


SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"


def envelope(
    *tokens: bytes,
    soap12: bool = False,
    now: dt.datetime | None = None,
    timestamp: bool = True,
    validity: dt.timedelta = dt.timedelta(minutes=5),
) -> bytes:
    """A request for WhoAmIService.whoami carrying ``tokens`` in wsse:Security."""
    from lxml import etree

    from wsbind.wss.header import apply_security_header
    from wsbind.wss.tokens import create_xml_security_token

    soap_ns = SOAP12 if soap12 else SOAP11
    root = etree.fromstring(
        f'<s:Envelope xmlns:s="{soap_ns}"><s:Header/><s:Body>'
        '<t:whoami xmlns:t="urn:wsbind:test"/></s:Body></s:Envelope>'.encode()
    )
    apply_security_header(
        root,
        [create_xml_security_token(t) for t in tokens],
        now=(now or dt.datetime.now(dt.timezone.utc)) if timestamp else None,
        timestamp_validity=validity,
    )
    return etree.tostring(root)


def post(url: str, body: bytes, ca: Path | None, soap12: bool = False) -> tuple[int, str | None, bytes]:
    """POST raw bytes; return (status, the WS-Security fault code or None, body)."""
    import requests
    from lxml import etree

    session = requests.Session()
    session.trust_env = False
    content_type = "application/soap+xml; charset=utf-8" if soap12 else "text/xml; charset=utf-8"
    headers = {"Content-Type": content_type, "SOAPAction": '"whoami"'}
    response = session.post(url, data=body, headers=headers, verify=str(ca) if ca else False, timeout=10)
    code = None
    try:
        root = etree.fromstring(response.content)
        code_text = root.findtext(".//faultcode") or root.findtext(f".//{{{SOAP12}}}Subcode/{{{SOAP12}}}Value")
        code = code_text.split(":")[-1] if code_text else None
    except etree.XMLSyntaxError:
        pass
    return response.status_code, code, response.content


def client_description(token_xml: bytes) -> SecurityDescription:
    """A client description presenting ``token_xml`` (a bearer assertion) over TLS."""
    return SecurityDescription(
        [SslTransportSecurityBinding(), XmlTokenMessageSecurityBinding(create_xml_security_token(token_xml))]
    )


ENCRYPTED_KEY_TYPE = "http://www.w3.org/2001/04/xmlenc#EncryptedKey"


def retrieval_layout(encrypted: bytes, *, key_id: str = "key-1", **retrieval: str) -> etree._Element:
    """The Okta/Shibboleth/ADFS layout: the EncryptedKey beside the EncryptedData, named by a
    RetrievalMethod in the EncryptedData's KeyInfo (attributes ``retrieval`` override URI and Type)."""
    from wsbind.soap.xmlparse import parse_xml

    xenc, ds = f"{{{ns.XENC}}}", f"{{{ns.DS}}}"
    root = parse_xml(encrypted)
    key_info = root.find(f"{xenc}EncryptedData/{ds}KeyInfo")
    assert key_info is not None
    encrypted_key = key_info.find(f"{xenc}EncryptedKey")
    assert encrypted_key is not None
    encrypted_key.set("Id", key_id)
    root.append(encrypted_key)
    attributes = {"URI": f"#{key_id}", "Type": ENCRYPTED_KEY_TYPE, **retrieval}
    etree.SubElement(key_info, f"{ds}RetrievalMethod", attributes)
    return parse_xml(etree.tostring(root))
