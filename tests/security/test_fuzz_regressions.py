"""Replays the fuzz corpus: every committed seed and regression, plus large generated inputs.

Committed files cannot carry signatures by this run's fresh keys, so they are refused unless
they are inert; what is checked is the fuzzer's contract: the verifier refuses with
SecurityVerificationError (run_verifier lets nothing else through) or accepts without
changing what is authenticated, and decides within a generous bound.

seed/ holds the baselines signed by a throwaway STS (the fuzzer's structure to start from);
regressions/ holds hand-made hostile inputs and the inputs of fuzzer findings (move a file
from build/fuzz-findings/ there). ``PYTHONPATH=tests:. python -m security.test_fuzz_regressions``
rewrites the generated files; finding files are never touched.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from security.harness import BASES, IDENTITY, NOW, World, find, make_world, run_verifier
from security.mutations import Authenticated
from wsbind.soap import namespaces as ns
from wsbind.verifier import MessageVerifier, TransportFacts

CORPUS = Path(__file__).parent / "fuzz_corpus"
SEED, REGRESSIONS = CORPUS / "seed", CORPUS / "regressions"
BOUND_SECONDS = 5.0
"""A denial-of-service guard per input (normal is milliseconds), not a performance assertion."""


_SOAP = f'<s:Envelope xmlns:s="{ns.SOAP11}">'


def _nested(depth: int, inner: str = "") -> bytes:
    return f"{_SOAP}<s:Body>{'<a>' * depth}{inner}{'</a>' * depth}</s:Body></s:Envelope>".encode()


def _header(*children: str) -> bytes:
    return f"{_SOAP}<s:Header>{''.join(children)}</s:Header><s:Body/></s:Envelope>".encode()


def hostile_inputs() -> dict[str, bytes]:
    """Small hand-made inputs kept in regressions/ (deterministic)."""
    security = f'<wsse:Security xmlns:wsse="{ns.WSSE}">'
    timestamp = (
        f'<wsu:Timestamp xmlns:wsu="{ns.WSU}"><wsu:Created>2026-05-01T12:00:00Z</wsu:Created>'
        "<wsu:Expires>2026-05-01T12:05:00Z</wsu:Expires></wsu:Timestamp>"
    )
    return {
        "empty.xml": b"",
        "whitespace.xml": b" \r\n\t",
        "lone-angle.xml": b"<",
        "bom-only.xml": b"\xef\xbb\xbf",
        "declaration-only.xml": b'<?xml version="1.0"?>',
        "invalid-utf8.xml": _SOAP.encode() + b"<s:Body>\xff\xfe\xc0\x80\xed\xa0\x80</s:Body></s:Envelope>",
        "nul-byte.xml": _SOAP.encode() + b"<s:Body>\x00</s:Body></s:Envelope>",
        "utf16.xml": ('<?xml version="1.0" encoding="UTF-16"?>' + _SOAP + "<s:Body/></s:Envelope>").encode("utf-16"),
        "encoding-lies.xml": b'<?xml version="1.0" encoding="UTF-16"?>' + _SOAP.encode() + b"<s:Body/></s:Envelope>",
        "unknown-encoding.xml": b'<?xml version="1.0" encoding="x-wsbind"?>' + _nested(0),
        "entity-expansion.xml": (
            b'<!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>' + _nested(1, "&c;")
        ),
        "external-entity.xml": b'<!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + _nested(1, "&x;"),
        "undeclared-prefix.xml": b"<x:Envelope><x:Body/></x:Envelope>",
        "deep-65.xml": _nested(65),
        "deep-300.xml": _nested(300),
        "many-attributes.xml": _SOAP.encode()
        + b"<s:Body><a "
        + b" ".join(f'a{i}="{i}"'.encode() for i in range(3000))
        + b"/></s:Body></s:Envelope>",
        "header-elements-40.xml": _header(*(f"<h{i}/>" for i in range(40))),
        "security-without-token.xml": _header(security + timestamp + "</wsse:Security>"),
        "comment-and-pi-around-root.xml": b"<!--c--><?pi x?>" + _SOAP.encode() + b"<s:Body/></s:Envelope><!--c-->",
        "two-roots.xml": _SOAP.encode() + b"<s:Body/></s:Envelope>" + _SOAP.encode() + b"<s:Body/></s:Envelope>",
        "hygiene-parser-quotes-name.xml": _SOAP.encode()[:-1] + b" " + b"A" * 80 + b"><s:Body/></s:Envelope>",
    }


def seeds(world: World) -> dict[str, bytes]:
    """The baselines signed by ``world`` (a throwaway one when writing the committed files)."""
    return {f"baseline-{base}.xml": world.baseline(base) for base in BASES}


def algorithm_uri_input(world: World) -> bytes:
    """A saml2 baseline whose DigestMethod names a long unknown algorithm (the fuzzer's finding)."""
    root = etree.fromstring(world.baseline("saml2"))
    digest = find(root, "//saml2:Assertion/ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestMethod")
    digest.set("Algorithm", "http://www.w3.org/2001/04/xmlen" + "rg/2001/04/xmlen" * 6 + "c#sha256")
    return etree.tostring(root)


def write_generated(directory: Path) -> None:
    """Rewrite the generated seed and regression files (with a throwaway world)."""
    world = make_world(directory)
    SEED.mkdir(parents=True, exist_ok=True)
    REGRESSIONS.mkdir(parents=True, exist_ok=True)
    for name, data in seeds(world).items():
        (SEED / name).write_bytes(data)
    for name, data in hostile_inputs().items():
        (REGRESSIONS / name).write_bytes(data)
    (REGRESSIONS / "hygiene-algorithm-uri.xml").write_bytes(algorithm_uri_input(world))


def _corpus_files() -> list[Any]:
    files = sorted(SEED.glob("*")) + sorted(REGRESSIONS.glob("*"))
    params = []
    for path in files:
        if not path.is_file() or path.name.startswith("."):
            continue
        params.append(pytest.param(path, id=f"{path.parent.name}/{path.name}"))
    return params


def check(world: World, data: bytes) -> None:
    """Refused with SecurityVerificationError, or accepted authenticating exactly a baseline; in time."""
    start = time.perf_counter()
    outcome = run_verifier(world, [data])
    elapsed = time.perf_counter() - start
    assert elapsed < BOUND_SECONDS, f"took {elapsed:.1f} s"
    if outcome.accepted:
        assert outcome.identity == IDENTITY
        verifier = MessageVerifier(world.description(), clock=lambda: NOW)
        assertion = verifier.verify(data, TransportFacts(is_https=True)).saml_assertion
        assert assertion is not None
        references = [Authenticated.of(_baseline_assertion(world, b)) for b in BASES]
        assert Authenticated.of(assertion) in references, "accepted, but it authenticates something else"


def _baseline_assertion(world: World, base: str) -> Any:
    verifier = MessageVerifier(world.description(), clock=lambda: NOW)
    return verifier.verify(world.baseline(base), TransportFacts(is_https=True)).saml_assertion


def test_the_corpus_is_there() -> None:
    """The committed seeds and hand-made regressions exist (the fuzzer and this file read them)."""
    names = {p.name for p in SEED.iterdir()} | {p.name for p in REGRESSIONS.iterdir()}
    assert {f"baseline-{b}.xml" for b in BASES} <= names
    assert set(hostile_inputs()) <= names


@pytest.mark.parametrize("path", _corpus_files())
def test_corpus_file(world: World, path: Path) -> None:
    check(world, path.read_bytes())


LARGE = {
    "over-max-bytes": lambda: _SOAP.encode() + b"<s:Body><!--" + b"x" * (1024 * 1024) + b"--></s:Body></s:Envelope>",
    "depth-100000": lambda: _nested(100_000),
    "siblings-100000": lambda: _header("<h/>" * 100_000),
    "attribute-1mib-minus": lambda: _SOAP.encode() + b'<s:Body a="' + b"x" * 1_000_000 + b'"/></s:Envelope>',
}
"""Too big to commit; generated here."""


@pytest.mark.parametrize("name", sorted(LARGE))
def test_large_input(world: World, name: str) -> None:
    check(world, LARGE[name]())


if __name__ == "__main__":
    import tempfile

    write_generated(Path(tempfile.mkdtemp(prefix="wsbind-corpus-")))
