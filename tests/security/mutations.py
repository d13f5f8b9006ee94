"""Mutations of the valid baselines, for the property tests, the fuzzer and differential tests.

A mutation is plain data (``Mutation``: a baseline, then steps), so a failing example prints
as something readable and replays for any World: ``apply_mutation(world, mutation)``. An
element is named by a target ``(scope, index)``: the index counts modulo what the scope's XPath
finds, so a target lands on the same element whatever the keys and IDs of the run.

Hypothesis draws mutations with ``mutations()`` / ``mutated_messages(world)``; the fuzzer draws
the same parameter spaces from a ``random.Random`` with ``random_mutation`` / ``random_step``.
Tree steps edit the parsed message; byte steps edit its serialization; ``inner`` steps (for the
encrypted baseline only) edit the decrypted assertion, which is then encrypted again to the
relying party, as anyone holding its certificate could.

``Authenticated`` is what an accepted message authenticates (every compared SamlAssertion
field, the canonical signed content, the proof key): an accepted mutation must equal a
baseline's, since no mutation can produce new content signed by the trusted issuer.
"""

from __future__ import annotations

import base64
import copy
import functools
import os
import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import strategies as st
from lxml import etree

from security.harness import AUDIENCE, BASES, ISSUER_NAME, NSMAP, World
from wsbind.saml.assertion import SamlAssertion
from wsbind.soap import namespaces as ns

# -- the parameter spaces ---------------------------------------------------------------------

_TOKEN_NAMES = "local-name()='Assertion' or local-name()='EncryptedAssertion' or local-name()='EncryptedData'"
SCOPES: dict[str, str] = {
    "any": "//*",
    "security": "//wsse:Security/descendant-or-self::*",
    "token": f"//wsse:Security/*[{_TOKEN_NAMES}]/descendant-or-self::*",
    "signature": "//ds:Signature/descendant-or-self::*",
    "identity": "//*["
    + " or ".join(
        f"local-name()='{name}'"
        for name in (
            "Assertion",
            "Issuer",
            "NameID",
            "NameIdentifier",
            "Subject",
            "SubjectConfirmation",
            "SubjectConfirmationData",
            "Conditions",
            "Audience",
            "Attribute",
            "AttributeValue",
            "Reference",
        )
    )
    + "]",
    "envelope": "/*/*",
}
"""Where a target looks: the identity scope holds the elements an identity is read from."""

TEXT_VALUES = (
    "mallory",
    "alice ",
    " alice",
    "ALICE",
    "alice\u200b",
    "\u0430lice",
    "admin",
    "reader,admin",
    ISSUER_NAME + "/",
    ISSUER_NAME + ".evil",
    "https://evil.example",
    AUDIENCE + "/",
    "urn:other",
    "2026-05-01T12:00:00Z",
    "2026-05-01T11:00:00Z",
    "2026-04-30T12:00:00Z",
    "2099-12-31T23:59:59Z",
    "1970-01-01T00:00:00Z",
    "2026-05-01T12:00:00+14:00",
    "2026-05-01T12:00:00",
    "not a date",
    "",
    " ",
    "\n",
    "x" * 4000,
    "#",
    "_dup",
    "1",
    "0",
    "true",
    "-1",
    "\u202e",
    "<x/>",
    "&amp;",
    "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key",
    "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches",
    "urn:oasis:names:tc:SAML:1.0:cm:bearer",
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "http://www.w3.org/2000/09/xmldsig#sha1",
    "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "http://www.w3.org/TR/1999/REC-xpath-19991116",
    "AAAA",
    "=",
    "1.1",
    "2.0",
)
"""Values a text or attribute is set to: other identities, times, algorithms, edge cases."""

DERIVED = ("upper", "append", "prepend-space", "drop-last", "double", "empty")
"""Changes computed from the current value."""

NEW_ATTRIBUTES = (
    "ID",
    "AssertionID",
    f"{{{ns.WSU}}}Id",
    "Id",
    "id",
    "URI",
    "Algorithm",
    f"{{{ns.SOAP11}}}mustUnderstand",
    f"{{{ns.SOAP12}}}mustUnderstand",
    f"{{{ns.SOAP11}}}actor",
    f"{{{ns.SOAP12}}}role",
    "Version",
    "NotBefore",
    "NotOnOrAfter",
    "Method",
    "{http://www.w3.org/XML/1998/namespace}id",
    "{urn:evil}x",
    "Recipient",
    "Name",
)
LOCAL_NAMES = (
    "Assertion",
    "EncryptedAssertion",
    "Signature",
    "SignedInfo",
    "Reference",
    "Security",
    "Header",
    "Body",
    "Timestamp",
    "Issuer",
    "NameID",
    "NameIdentifier",
    "Subject",
    "Conditions",
    "Audience",
    "AttributeValue",
    "Object",
    "KeyInfo",
    "To",
    "Envelope",
    "Advice",
)
NAMESPACES = (
    *NSMAP.values(),
    "urn:evil",
    "",
    ns.DS + "x",
    "http://www.w3.org/2009/xmldsig11#",
    "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd",
)
WRAPPERS = (
    "{urn:evil}Wrapper",
    f"{{{ns.DS}}}Object",
    f"{{{ns.SAML2}}}Advice",
    f"{{{ns.SAML1}}}Advice",
    f"{{{ns.WSSE}}}Security",
    f"{{{ns.SOAP11}}}Header",
    f"{{{ns.SOAP12}}}Header",
    f"{{{ns.SAML2}}}Evidence",
    f"{{{ns.WSSE}}}SecurityTokenReference",
    f"{{{ns.SOAP11}}}Body",
)
NODE_KINDS = ("comment", "pi", "cdata")
NODE_PLACES = ("text", "child", "after")
BLOBS = (
    b"<!--",
    b"-->",
    b"<![CDATA[",
    b"]]>",
    b"&amp;",
    b"&#0;",
    b"&#x110000;",
    b"&x;",
    b"\x00",
    b"\xff\xfe",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
    b"<?pi x?>",
    b'<?xml version="1.0" encoding="UTF-16"?>',
    b'<!DOCTYPE s [<!ENTITY x "y">]>',
    b'xmlns:ds="urn:evil" ',
    b'xmlns="urn:evil" ',
    b'"',
    b"'",
    b"<",
    b">",
    b"/>",
    b"</a>",
    b"\r\n",
    b" ",
    b"=",
    b"#",
    b":",
    b"<a>",
    b"\t",
    b"\x7f",
    b"\xe2\x80\xae",
)
"""Byte runs that mean something to an XML parser or a decoder."""

_CDATA_MARK = "wsbind-cdata-split"


# -- steps and mutations -----------------------------------------------------------------------


class Step(NamedTuple):
    """One change: its kind and its arguments (plain values, see STEP_KINDS)."""

    kind: str
    args: tuple[Any, ...]

    def describe(self) -> str:
        return f"{self.kind}({', '.join(_short(a) for a in self.args)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How Hypothesis prints a step in a failing example: replayable, not the lambda that made it."""
        printer.text(repr(self))


@dataclass(frozen=True)
class Mutation:
    """A baseline and the changes applied to it, in order: inner, then tree, then byte steps."""

    base: str
    tree: tuple[Step, ...] = ()
    raw: tuple[Step, ...] = ()
    inner: tuple[Step, ...] = ()

    def describe(self) -> str:
        parts = [f"inner {s.describe()}" for s in self.inner]
        parts += [s.describe() for s in (*self.tree, *self.raw)]
        return f"{self.base}: " + "; ".join(parts)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:40] + f"...<{len(text)} chars>"


class _Domain(ABC):
    """One argument's space, drawn either by Hypothesis or by a Random (the fuzzer)."""

    @abstractmethod
    def strategy(self) -> st.SearchStrategy[Any]: ...

    @abstractmethod
    def draw(self, rng: random.Random) -> Any: ...


class _Choice(_Domain):
    def __init__(self, values: Sequence[Any]) -> None:
        self.values = tuple(values)

    def strategy(self) -> st.SearchStrategy[Any]:
        return st.sampled_from(self.values)

    def draw(self, rng: random.Random) -> Any:
        return rng.choice(self.values)


class _Int(_Domain):
    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def strategy(self) -> st.SearchStrategy[Any]:
        return st.integers(self.low, self.high)

    def draw(self, rng: random.Random) -> Any:
        return rng.randint(self.low, self.high)


class _Tagged(_Domain):
    """A (tag, value) pair whose value space depends on the tag."""

    def __init__(self, options: dict[str, _Domain]) -> None:
        self.options = options

    def strategy(self) -> st.SearchStrategy[Any]:
        return st.one_of(*(st.tuples(st.just(t), d.strategy()) for t, d in self.options.items()))

    def draw(self, rng: random.Random) -> Any:
        tag = rng.choice(list(self.options))
        return (tag, self.options[tag].draw(rng))


class _Pair(_Domain):
    def __init__(self, first: _Domain, second: _Domain) -> None:
        self.first, self.second = first, second

    def strategy(self) -> st.SearchStrategy[Any]:
        return st.tuples(self.first.strategy(), self.second.strategy())

    def draw(self, rng: random.Random) -> Any:
        return (self.first.draw(rng), self.second.draw(rng))


class _Bytes(_Domain):
    """A meaningful run from BLOBS, or a few arbitrary bytes."""

    def strategy(self) -> st.SearchStrategy[Any]:
        return st.one_of(st.sampled_from(BLOBS), st.binary(min_size=1, max_size=8))

    def draw(self, rng: random.Random) -> Any:
        if rng.random() < 0.6:
            return rng.choice(BLOBS)
        return rng.randbytes(rng.randint(1, 8))


TARGET = _Pair(_Choice(tuple(SCOPES)), _Int(0, 63))
POSITION = _Int(0, 15)
VALUE = _Tagged({"lit": _Choice(TEXT_VALUES), "derive": _Choice(DERIVED), "id": _Int(0, 7), "ref": _Int(0, 7)})
ATTRIBUTE = _Tagged({"existing": _Int(0, 7), "new": _Choice(NEW_ATTRIBUTES)})
RENAME = _Tagged({"local": _Choice(LOCAL_NAMES), "ns": _Choice(NAMESPACES)})
OFFSET = _Int(0, 1 << 16)

TREE_STEPS: dict[str, tuple[_Domain, ...]] = {
    "delete": (TARGET,),
    "duplicate": (TARGET,),
    "move": (TARGET, TARGET, POSITION),
    "swap": (TARGET, TARGET),
    "set-text": (TARGET, VALUE),
    "set-attr": (TARGET, ATTRIBUTE, VALUE),
    "delete-attr": (TARGET, _Int(0, 7)),
    "insert-node": (TARGET, _Choice(NODE_KINDS), _Choice(NODE_PLACES), _Int(0, 64)),
    "rename": (TARGET, RENAME),
    "wrap": (TARGET, _Choice(WRAPPERS)),
    "copy-token": (TARGET, POSITION),
    "graft": (_Choice(BASES), TARGET, TARGET, POSITION),
    "wrap-original": (TARGET, POSITION, VALUE),
}
"""Tree steps and their arguments. ``wrap-original`` is signature wrapping: the signed token
moves under the target and an edited copy takes its place."""

BYTE_STEPS: dict[str, tuple[_Domain, ...]] = {
    "flip": (OFFSET, _Int(0, 7)),
    "insert": (OFFSET, _Bytes()),
    "delete-run": (OFFSET, _Int(1, 64)),
    "overwrite": (OFFSET, _Bytes()),
    "truncate": (OFFSET,),
    "splice": (_Choice(BASES), OFFSET, OFFSET),
    "repeat": (OFFSET, _Int(1, 64), _Int(2, 8)),
}


def _step_strategy(kinds: dict[str, tuple[_Domain, ...]]) -> st.SearchStrategy[Step]:
    return st.one_of(*(st.builds(Step, st.just(k), st.tuples(*(d.strategy() for d in ds))) for k, ds in kinds.items()))


@functools.cache
def tree_steps() -> st.SearchStrategy[Step]:
    """Built once: constructing these strategies costs more than drawing from them."""
    return _step_strategy(TREE_STEPS)


@functools.cache
def byte_steps() -> st.SearchStrategy[Step]:
    return _step_strategy(BYTE_STEPS)


_MODES = ("tree", "tree", "tree", "bytes", "mixed")


def mutations(bases: Sequence[str] = BASES) -> st.SearchStrategy[Mutation]:
    """Mostly tree mutations (1-3 steps), some byte-level, some both; inner ones for "encrypted"."""
    return _mutations(tuple(bases))


@functools.cache
def _mutations(bases: tuple[str, ...]) -> st.SearchStrategy[Mutation]:
    inner_lists = st.lists(tree_steps(), min_size=1, max_size=2)
    tree_lists = {n: st.lists(tree_steps(), min_size=n, max_size=3) for n in (0, 1)}
    byte_lists = st.lists(byte_steps(), min_size=1, max_size=2)

    @st.composite
    def draw_mutation(draw: st.DrawFn) -> Mutation:
        base = draw(st.sampled_from(bases))
        mode = draw(st.sampled_from(_MODES))
        inner: list[Step] = draw(inner_lists) if base == "encrypted" and draw(st.booleans()) else []
        tree = draw(tree_lists[0 if inner else 1]) if mode != "bytes" else []
        raw = draw(byte_lists) if mode != "tree" else []
        return Mutation(base, tuple(tree), tuple(raw), tuple(inner))

    return draw_mutation()


def mutated_messages(world: World, bases: Sequence[str] = BASES) -> st.SearchStrategy[tuple[str, bytes]]:
    """(description, message) pairs: mutations of ``world``'s baselines, applied."""
    return mutations(bases).map(lambda m: (m.describe(), apply_mutation(world, m)))


def random_step(rng: random.Random, raw: bool = False) -> Step:
    """A step drawn with ``rng`` from the same spaces as the Hypothesis strategies."""
    kinds = BYTE_STEPS if raw else TREE_STEPS
    kind = rng.choice(list(kinds))
    return Step(kind, tuple(d.draw(rng) for d in kinds[kind]))


def random_mutation(rng: random.Random, bases: Sequence[str] = BASES) -> Mutation:
    base = rng.choice(tuple(bases))
    mode = rng.choice(_MODES)
    inner = [random_step(rng) for _ in range(rng.randint(1, 2))] if base == "encrypted" and rng.random() < 0.5 else []
    tree = [random_step(rng) for _ in range(rng.randint(0 if inner else 1, 3))] if mode != "bytes" else []
    raw = [random_step(rng, raw=True) for _ in range(rng.randint(1, 2))] if mode != "tree" else []
    return Mutation(base, tuple(tree), tuple(raw), tuple(inner))


# -- what an accepted message authenticates ----------------------------------------------------


@dataclass(frozen=True)
class Authenticated:
    """What an accepted message authenticates: compared whole with what a baseline authenticates."""

    fields: tuple[tuple[str, object], ...]
    """Every compared SamlAssertion field (subject, issuer, attributes, audiences, times, ...)."""
    signed: bytes
    """Exclusive c14n (no comments) of the assertion without its ds:Signature: the signed content."""
    proof_key: bytes | None

    @classmethod
    def of(cls, assertion: SamlAssertion) -> Authenticated:
        names = [f.name for f in SamlAssertion.__dataclass_fields__.values() if f.compare]
        fields = tuple((name, _hashable(getattr(assertion, name))) for name in names)
        signed = copy.deepcopy(assertion.element)
        for signature in signed.findall(f"{{{ns.DS}}}Signature"):
            signed.remove(signature)
        key = assertion.confirmation_key_info
        return cls(fields, c14n(signed), None if key is None else c14n(key))

    def differences(self, other: Authenticated) -> list[str]:
        found = [f"{a[0]}: {a[1]!r} != {b[1]!r}" for a, b in zip(self.fields, other.fields, strict=True) if a != b]
        if self.signed != other.signed:
            found.append("the canonical signed content differs")
        if self.proof_key != other.proof_key:
            found.append("the holder-of-key proof key differs")
        return found


def _hashable(value: object) -> object:
    return tuple(sorted(value.items())) if isinstance(value, Mapping) else value


def c14n(element: etree._Element) -> bytes:
    return etree.tostring(copy.deepcopy(element), method="c14n", exclusive=True, with_comments=False)


# -- applying ----------------------------------------------------------------------------------

Sources = Callable[[str], bytes]
"""Where graft and splice find another baseline: World.baseline."""


def apply_mutation(world: World, mutation: Mutation) -> bytes:
    """The message ``mutation`` describes, built from ``world``'s baselines."""
    data = world.baseline(mutation.base)
    if mutation.inner:
        data = _reencrypted(world, mutation.inner)
    if mutation.tree:
        data = apply_tree_steps(data, mutation.tree, world.baseline)
    for step in mutation.raw:
        data = apply_byte_step(data, step, world.baseline)
    return data


def apply_tree_steps(data: bytes, steps: Sequence[Step], sources: Sources) -> bytes:
    """Parse ``data``, apply ``steps`` and serialize; unparseable data comes back unchanged."""
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError:
        return data
    for step in steps:
        apply_tree_step(root, step, sources)
    out = etree.tostring(root)
    return out.replace(f"<!--{_CDATA_MARK}-->".encode(), b"<![CDATA[]]>")


def apply_tree_step(root: etree._Element, step: Step, sources: Sources) -> None:
    """Change the tree in place; a step that does not apply (e.g. deleting the root) does nothing."""
    handler = _TREE_HANDLERS[step.kind]
    try:
        handler(root, sources, *step.args)
    except ValueError:
        pass  # lxml refused a value as not XML-compatible (e.g. a control character): no change


def apply_byte_step(data: bytes, step: Step, sources: Sources) -> bytes:
    return _BYTE_HANDLERS[step.kind](data, sources, *step.args)


# Choosing elements.


def _elements(root: etree._Element, scope: str) -> list[etree._Element]:
    found = root.xpath(SCOPES[scope], namespaces=NSMAP)
    elements = [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []
    return elements or [e for e in root.iter() if isinstance(e.tag, str)]


def _pick(root: etree._Element, target: tuple[str, int]) -> etree._Element:
    elements = _elements(root, target[0])
    return elements[target[1] % len(elements)]


def _token(root: etree._Element) -> etree._Element | None:
    found = _elements(root, "token")
    return found[0] if found and found[0].getparent() is not None and _is_token(found[0]) else None


def _is_token(element: etree._Element) -> bool:
    return isinstance(element.tag, str) and etree.QName(element).localname in (
        "Assertion",
        "EncryptedAssertion",
        "EncryptedData",
    )


def _inside(element: etree._Element, container: etree._Element) -> bool:
    """Whether ``element`` is ``container`` or one of its descendants."""
    return element is container or any(a is container for a in element.iterancestors())


def _insert(parent: etree._Element, position: int, child: etree._Element) -> None:
    parent.insert(position % (len(parent) + 1), child)


def _ids(root: etree._Element) -> list[str]:
    names = ("ID", "AssertionID", "Id", f"{{{ns.WSU}}}Id")
    return [v for e in root.iter() if isinstance(e.tag, str) for n in names if (v := e.get(n))]


def _value(root: etree._Element, current: str, spec: tuple[str, Any]) -> str:
    tag, arg = spec
    if tag == "lit":
        return str(arg)
    if tag in ("id", "ref"):
        ids = _ids(root) or ["_none"]
        value = ids[int(arg) % len(ids)]
        return value if tag == "id" else "#" + value
    return {
        "upper": current.upper(),
        "append": current + "x",
        "prepend-space": " " + current,
        "drop-last": current[:-1],
        "double": current + current,
        "empty": "",
    }[arg]


# Tree step handlers: (root, sources, *args).


def _delete(root: etree._Element, _s: Sources, target: tuple[str, int]) -> None:
    element = _pick(root, target)
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


def _duplicate(root: etree._Element, _s: Sources, target: tuple[str, int]) -> None:
    element = _pick(root, target)
    if element.getparent() is not None:
        element.addnext(copy.deepcopy(element))


def _move(root: etree._Element, _s: Sources, source: tuple[str, int], dest: tuple[str, int], position: int) -> None:
    element, parent = _pick(root, source), _pick(root, dest)
    if element.getparent() is not None and not _inside(parent, element):
        _insert(parent, position, element)


def _swap(root: etree._Element, _s: Sources, first: tuple[str, int], second: tuple[str, int]) -> None:
    a, b = _pick(root, first), _pick(root, second)
    if a.getparent() is None or b.getparent() is None or _inside(a, b) or _inside(b, a):
        return
    placeholder = etree.Element("placeholder")
    a.addprevious(placeholder)
    b.addprevious(a)
    placeholder.addprevious(b)
    parent = placeholder.getparent()
    assert parent is not None
    parent.remove(placeholder)


def _set_text(root: etree._Element, _s: Sources, target: tuple[str, int], value: tuple[str, Any]) -> None:
    element = _pick(root, target)
    element.text = _value(root, element.text or "", value)


def _attribute_name(element: etree._Element, spec: tuple[str, Any]) -> str:
    names = list(element.attrib.keys())
    if spec[0] == "existing" and names:
        return str(names[int(spec[1]) % len(names)])
    return str(spec[1]) if spec[0] == "new" else "ID"


def _set_attr(
    root: etree._Element, _s: Sources, target: tuple[str, int], name: tuple[str, Any], value: tuple[str, Any]
) -> None:
    element = _pick(root, target)
    attribute = _attribute_name(element, name)
    element.set(attribute, _value(root, str(element.get(attribute) or ""), value))


def _delete_attr(root: etree._Element, _s: Sources, target: tuple[str, int], index: int) -> None:
    element = _pick(root, target)
    names = [str(name) for name in element.attrib.keys()]
    if names:
        del element.attrib[names[index % len(names)]]


def _insert_node(root: etree._Element, _s: Sources, target: tuple[str, int], kind: str, place: str, at: int) -> None:
    element = _pick(root, target)
    node: etree._Element
    if kind == "comment":
        node = etree.Comment(" wsbind ")
    elif kind == "pi":
        node = etree.ProcessingInstruction("wsbind", "x")
    elif place == "child":
        element.text = etree.CDATA(element.text or "")
        return
    else:
        node = etree.Comment(_CDATA_MARK)  # becomes an empty CDATA section when serialized
    if place == "text":
        text = element.text or ""
        cut = at % (len(text) + 1)
        element.text = text[:cut]
        node.tail = text[cut:]
        element.insert(0, node)
    elif place == "child":
        _insert(element, at, node)
    else:
        element.addnext(node)


def _rename(root: etree._Element, _s: Sources, target: tuple[str, int], spec: tuple[str, str]) -> None:
    element = _pick(root, target)
    qname = etree.QName(element)
    how, value = spec
    namespace, local = (qname.namespace, value) if how == "local" else (value, qname.localname)
    element.tag = f"{{{namespace}}}{local}" if namespace else local


def _wrap(root: etree._Element, _s: Sources, target: tuple[str, int], wrapper_tag: str) -> None:
    element = _pick(root, target)
    if element.getparent() is None:
        return
    wrapper = etree.Element(wrapper_tag)
    element.addprevious(wrapper)
    wrapper.append(element)


def _copy_token(root: etree._Element, _s: Sources, dest: tuple[str, int], position: int) -> None:
    token = _token(root)
    if token is not None:
        _insert(_pick(root, dest), position, copy.deepcopy(token))


def _graft(
    root: etree._Element, sources: Sources, base: str, source: tuple[str, int], dest: tuple[str, int], position: int
) -> None:
    other = etree.fromstring(sources(base))
    _insert(_pick(root, dest), position, copy.deepcopy(_pick(other, source)))


def _wrap_original(
    root: etree._Element, _s: Sources, dest: tuple[str, int], position: int, value: tuple[str, Any]
) -> None:
    token = _token(root)
    if token is None:
        return
    forged = copy.deepcopy(token)
    for name in forged.iter(f"{{{ns.SAML2}}}NameID", f"{{{ns.SAML1}}}NameIdentifier"):
        name.text = _value(root, name.text or "", value)
    token.addprevious(forged)
    parent = _pick(root, dest)
    if _inside(parent, token) or _inside(parent, forged):
        parent = root
    _insert(parent, position, token)


_TREE_HANDLERS: dict[str, Callable[..., None]] = {
    "delete": _delete,
    "duplicate": _duplicate,
    "move": _move,
    "swap": _swap,
    "set-text": _set_text,
    "set-attr": _set_attr,
    "delete-attr": _delete_attr,
    "insert-node": _insert_node,
    "rename": _rename,
    "wrap": _wrap,
    "copy-token": _copy_token,
    "graft": _graft,
    "wrap-original": _wrap_original,
}


# Byte step handlers: (data, sources, *args).


def _at(data: bytes, offset: int) -> int:
    return offset % (len(data) + 1)


def _flip(data: bytes, _s: Sources, offset: int, bit: int) -> bytes:
    if not data:
        return data
    i = offset % len(data)
    return data[:i] + bytes([data[i] ^ (1 << bit)]) + data[i + 1 :]


def _insert_bytes(data: bytes, _s: Sources, offset: int, blob: bytes) -> bytes:
    i = _at(data, offset)
    return data[:i] + blob + data[i:]


def _delete_run(data: bytes, _s: Sources, offset: int, length: int) -> bytes:
    i = _at(data, offset)
    return data[:i] + data[i + length :]


def _overwrite(data: bytes, _s: Sources, offset: int, blob: bytes) -> bytes:
    i = _at(data, offset)
    return data[:i] + blob + data[i + len(blob) :]


def _truncate(data: bytes, _s: Sources, offset: int) -> bytes:
    return data[: _at(data, offset)]


def _splice(data: bytes, sources: Sources, base: str, offset: int, other_offset: int) -> bytes:
    other = sources(base)
    return data[: _at(data, offset)] + other[_at(other, other_offset) :]


def _repeat(data: bytes, _s: Sources, offset: int, length: int, times: int) -> bytes:
    i = _at(data, offset)
    return data[:i] + data[i : i + length] * times + data[i + length :]


_BYTE_HANDLERS: dict[str, Callable[..., bytes]] = {
    "flip": _flip,
    "insert": _insert_bytes,
    "delete-run": _delete_run,
    "overwrite": _overwrite,
    "truncate": _truncate,
    "splice": _splice,
    "repeat": _repeat,
}


# The encrypted baseline's plaintext, for inner steps.

_PLAINTEXTS: dict[bytes, bytes] = {}


def plaintext_assertion(world: World) -> bytes:
    """The signed assertion inside the "encrypted" baseline (decrypted with the relying party's key)."""
    encrypted = world.baseline("encrypted")
    if encrypted not in _PLAINTEXTS:
        from wsbind.xmlcrypto.decrypt import AssertionDecrypter

        token = etree.fromstring(encrypted).xpath("//wsse:Security/*[2]", namespaces=NSMAP)
        assert isinstance(token, list) and isinstance(token[0], etree._Element)
        assert token[0].tag == f"{{{ns.SAML2}}}EncryptedAssertion", token[0].tag
        decrypted = AssertionDecrypter(world.relying_party.private_key).decrypt(token[0])
        _PLAINTEXTS[encrypted] = etree.tostring(decrypted)
    return _PLAINTEXTS[encrypted]


def _reencrypted(world: World, steps: Sequence[Step]) -> bytes:
    """The encrypted baseline with ``steps`` applied to its assertion before encrypting it again.

    Encrypted here like the baseline (AES-256-GCM, key sent with RSA-OAEP to the relying
    party), whatever the plaintext has become: the decrypter must judge it, not the encrypter.
    """
    plaintext = apply_tree_steps(plaintext_assertion(world), steps, world.baseline)
    root = etree.fromstring(world.baseline("encrypted"))
    values = root.xpath("//saml2:EncryptedAssertion//xenc:CipherValue", namespaces=NSMAP)
    assert isinstance(values, list) and len(values) == 2
    key_value, data_value = values
    assert isinstance(key_value, etree._Element) and isinstance(data_value, etree._Element)
    key, iv = os.urandom(32), os.urandom(12)
    public_key = world.relying_party.certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    wrapped = public_key.encrypt(key, padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None))  # noqa: S303
    key_value.text = base64.b64encode(wrapped).decode()
    data_value.text = base64.b64encode(iv + AESGCM(key).encrypt(iv, plaintext, None)).decode()
    return etree.tostring(root)
