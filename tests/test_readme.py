"""Every ```python block of README.md and of the guides (docs/guides/) runs as written.

A README block runs in a fresh namespace; a guide reads as one program, so its blocks run in order
in one namespace per page, and a guide block marked not-run makes every later block of that page
wait for the same reason (it may use the names it defines).

The blocks run in a temporary directory holding the files they name (keys, certificates, a PKCS#12
file), made here. A block that needs a network service it cannot reach from a test says so with
``<!-- not-run: reason -->`` on the line before its fence; this test counts those, and fails when
any other block raises, or when fewer blocks run than the README had when this test was written.
A line ending in ``# prints: text`` must print that text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from samples.pki import Identity, self_signed

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
GUIDES = sorted((ROOT / "docs" / "guides").glob("*.md"))
MIN_RUN = 6  # the blocks that ran when this test was written; a README change may only add to them
MIN_GUIDE_RUN = 3  # the same for the guides
PKCS12_PASSWORD = b"changeit"

_FENCE = re.compile(r"^```(\S*)\s*$")
_PRINTS = re.compile(r"#\s*prints:\s*(?P<text>.+?)\s*$", re.MULTILINE)
_NOT_RUN = re.compile(r"^<!--\s*not-run:\s*(?P<reason>.+?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the opening fence
    code: str
    not_run: str | None  # the reason, when marked


def python_blocks(text: str, name: str = "README.md") -> list[Block]:
    """The ```python blocks of a Markdown text, each with its not-run marker, if any."""
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if fence is None:
            index += 1
            continue
        start = index
        index += 1
        body: list[str] = []
        while index < len(lines) and not lines[index].startswith("```"):
            body.append(lines[index])
            index += 1
        if index == len(lines):
            raise AssertionError(f"{name}:{start + 1}: a code block is never closed")
        index += 1
        if fence.group(1) != "python":
            continue
        marker = _NOT_RUN.match(lines[start - 1]) if start else None
        blocks.append(Block(start + 1, "\n".join(body) + "\n", marker.group("reason") if marker else None))
    return blocks


def _pkcs12(directory: Path, identity: Identity) -> None:
    data = pkcs12.serialize_key_and_certificates(
        identity.cert_file.stem.encode(),
        identity.private_key,
        identity.certificate,
        None,
        serialization.BestAvailableEncryption(PKCS12_PASSWORD),
    )
    (directory / f"{identity.cert_file.stem}.p12").write_bytes(data)


@pytest.fixture(scope="module")
def snippet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files README and guide snippets name: sts-signing.{crt,key,p12} and orders.{crt,key,p12}."""
    directory = tmp_path_factory.mktemp("readme")
    for name in ("sts-signing", "orders"):
        _pkcs12(directory, self_signed(directory, name))
    return directory


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


def test_the_readme_has_blocks_that_run() -> None:
    runnable = [block for block in BLOCKS if block.not_run is None]
    not_run = [block for block in BLOCKS if block.not_run is not None]
    print(f"README.md: {len(BLOCKS)} python blocks, {len(runnable)} run, {len(not_run)} marked not-run")
    assert len(runnable) >= MIN_RUN, (
        f"only {len(runnable)} README python blocks run (at least {MIN_RUN} did); "
        "a block marked <!-- not-run --> should be one that cannot run in a test"
    )


@pytest.mark.parametrize(
    "block",
    [block for block in BLOCKS if block.not_run is None],
    ids=lambda block: f"README.md:{block.line}",
)
def test_a_readme_block_runs_as_written(
    block: Block, snippet_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(snippet_dir)
    code = compile(block.code, f"README.md:{block.line}", "exec")
    namespace: dict[str, object] = {"__name__": "readme_snippet"}
    exec(code, namespace)  # noqa: S102 - the point of the test
    printed = capsys.readouterr().out
    for expected in _PRINTS.findall(block.code):
        assert expected in printed, f"README.md:{block.line} says it prints {expected!r}; it printed {printed!r}"


@pytest.mark.parametrize(
    "block",
    [block for block in BLOCKS if block.not_run is not None],
    ids=lambda block: f"README.md:{block.line}",
)
def test_a_not_run_block_still_compiles(block: Block) -> None:
    """Not run, but not left to rot either: it must at least be valid Python."""
    compile(block.code, f"README.md:{block.line}", "exec")


def _guide_blocks(page: Path) -> tuple[list[Block], list[Block]]:
    """(blocks that run, blocks that do not): everything from the first not-run block on waits."""
    blocks = python_blocks(page.read_text(encoding="utf-8"), page.name)
    first_not_run = next((i for i, block in enumerate(blocks) if block.not_run is not None), len(blocks))
    return blocks[:first_not_run], blocks[first_not_run:]


def test_the_guides_have_blocks_that_run() -> None:
    runnable = [block for page in GUIDES for block in _guide_blocks(page)[0]]
    assert len(runnable) >= MIN_GUIDE_RUN, (
        f"only {len(runnable)} guide python blocks run (at least {MIN_GUIDE_RUN} did); "
        "a block marked <!-- not-run --> should be one that cannot run in a test"
    )


@pytest.mark.parametrize("page", GUIDES, ids=lambda page: page.name)
def test_a_guide_runs_as_written(page: Path, snippet_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(snippet_dir)
    runnable, waiting = _guide_blocks(page)
    namespace: dict[str, object] = {"__name__": "guide_snippet"}
    for block in runnable:
        exec(compile(block.code, f"{page.name}:{block.line}", "exec"), namespace)  # noqa: S102
    for block in waiting:
        compile(block.code, f"{page.name}:{block.line}", "exec")
        assert block.not_run is not None or waiting[0].not_run is not None


def test_the_extractor_sees_markers_and_unclosed_fences() -> None:
    text = "intro\n<!-- not-run: needs a service -->\n```python\nx = 1\n```\n```sh\nls\n```\n```python\ny = 2\n```\n"
    assert python_blocks(text) == [Block(3, "x = 1\n", "needs a service"), Block(9, "y = 2\n", None)]
    with pytest.raises(AssertionError, match="never closed"):
        python_blocks("```python\nx = 1\n")
