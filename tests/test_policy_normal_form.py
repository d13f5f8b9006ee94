"""WS-Policy normal form: alternatives from ExactlyOne/All/Optional/PolicyReference, with bounds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from wsbind.errors import UnsupportedPolicy, WsBindError
from wsbind.policy.normal_form import (
    MAX_ALTERNATIVES,
    WSP_12,
    WSP_15,
    alternatives,
    same_document_resolver,
)

SP = "http://schemas.xmlsoap.org/ws/2005/07/securitypolicy"


def doc(body: str, wsp: str = WSP_12) -> etree._Element:
    return etree.fromstring(
        f'<root xmlns:wsp="{wsp}" xmlns:sp="{SP}" '
        f'xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">'
        f"{body}</root>"
    )


def names(root: etree._Element, policy: etree._Element | None = None) -> list[list[str]]:
    target = policy if policy is not None else root[0]
    return [[etree.QName(a).localname for a in alt] for alt in alternatives(target, same_document_resolver(root))]


@pytest.mark.parametrize("wsp", [WSP_12, WSP_15], ids=["wsp12", "wsp15"])
def test_all_of_choices_is_their_cross_product(wsp: str) -> None:
    root = doc(
        "<wsp:Policy><wsp:ExactlyOne><sp:A/><sp:B/></wsp:ExactlyOne>"
        "<wsp:ExactlyOne><sp:C/><wsp:All><sp:D/><sp:E/></wsp:All></wsp:ExactlyOne></wsp:Policy>",
        wsp,
    )
    assert names(root) == [["A", "C"], ["A", "D", "E"], ["B", "C"], ["B", "D", "E"]]


def test_optional_is_a_choice_with_nothing_and_nested_policy_stays_inside() -> None:
    root = doc(
        '<wsp:Policy><sp:TransportBinding><wsp:Policy><sp:IncludeTimestamp/></wsp:Policy></sp:TransportBinding>'
        '<sp:Wss11 wsp:Optional="true"/></wsp:Policy>'
    )
    assert names(root) == [["TransportBinding", "Wss11"], ["TransportBinding"]]


def test_empty_policy_asks_nothing_and_empty_choice_can_never_be_met() -> None:
    assert names(doc("<wsp:Policy/>")) == [[]]
    assert names(doc("<wsp:Policy><wsp:ExactlyOne/></wsp:Policy>")) == []


def test_references_resolve_in_the_same_document() -> None:
    root = doc(
        '<wsp:Policy wsu:Id="outer"><wsp:PolicyReference URI="#inner"/><sp:A/></wsp:Policy>'
        '<wsp:Policy wsu:Id="inner"><sp:B/></wsp:Policy>'
    )
    assert names(root) == [["B", "A"]]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('<wsp:Policy><wsp:PolicyReference URI="https://evil.example/p"/></wsp:Policy>', "not a #id"),
        ('<wsp:Policy><wsp:PolicyReference URI="#missing"/></wsp:Policy>', "names no policy"),
        ('<wsp:Policy wsu:Id="loop"><wsp:PolicyReference URI="#loop"/></wsp:Policy>', "too deep"),
        ('<wsp:Policy><sp:A wsp:Optional="maybe"/></wsp:Policy>', "not a boolean"),
        ("<wsp:Policy><wsp:Never/></wsp:Policy>", "unknown WS-Policy operator"),
    ],
    ids=["external", "dangling", "loop", "optional-not-boolean", "unknown-operator"],
)
def test_documents_out_of_bounds_are_refused_by_name(body: str, says: str) -> None:
    with pytest.raises(UnsupportedPolicy, match=says):
        names(doc(body))


def test_exponential_expansion_is_refused() -> None:
    choice = "<wsp:ExactlyOne><sp:A/><sp:B/></wsp:ExactlyOne>"
    with pytest.raises(UnsupportedPolicy, match=str(MAX_ALTERNATIVES)):
        names(doc(f"<wsp:Policy>{choice * 7}</wsp:Policy>"))  # 2**7 = 128 alternatives
    assert len(names(doc(f"<wsp:Policy>{choice * 6}</wsp:Policy>"))) == 64


_NODE = st.recursive(
    st.sampled_from(["<sp:A/>", '<sp:B wsp:Optional="true"/>', '<wsp:PolicyReference URI="#p"/>', "<x/>"]),
    lambda inner: st.builds(
        lambda tag, kids: f"<wsp:{tag}>{''.join(kids)}</wsp:{tag}>",
        st.sampled_from(["All", "ExactlyOne", "Policy"]),
        st.lists(inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_NODE)
def test_no_expression_raises_anything_but_a_wsbind_error(expression: str) -> None:
    root = doc(f'<wsp:Policy wsu:Id="p">{expression}</wsp:Policy>')
    try:
        alternatives(root[0], same_document_resolver(root))
    except WsBindError:
        pass
