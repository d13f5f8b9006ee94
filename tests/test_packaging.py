"""Packaging: one version, honest extras, a LICENSE matching the metadata, the spyne import guard,
and an sdist that carries every file of the checkout its tests need."""

from __future__ import annotations

import configparser
import importlib.metadata
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import wsbind

ROOT = Path(__file__).resolve().parent.parent


def _setup_cfg() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return config


def _requirements(text: str) -> set[str]:
    names = set()
    for line in text.strip().splitlines():
        name = line.split(";")[0].strip()
        for mark in "<>=!~[ ":
            name = name.split(mark)[0]
        if name and not line.lstrip().startswith("#"):
            names.add(name.lower())
    return names


def test_version_has_one_source() -> None:
    assert _setup_cfg()["metadata"]["version"] == "attr: wsbind.__version__"
    assert wsbind.__version__ == importlib.metadata.version("wsbind")
    assert f"## {wsbind.__version__}" in (ROOT / "CHANGELOG.md").read_text()


def test_license_file_matches_metadata() -> None:
    assert _setup_cfg()["metadata"]["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "the wsbind authors" in text


def test_extras_keep_the_client_free_of_the_server() -> None:
    options = _setup_cfg()
    core = _requirements(options["options"]["install_requires"])
    extras = {name: _requirements(value) for name, value in options["options.extras_require"].items()}
    assert core == {"lxml", "xmlsec", "cryptography"}
    assert extras["zeep"] == {"zeep", "requests", "httpx", "certifi"}
    assert {"spyne", "cheroot"} <= extras["spyne"]
    assert extras["all"] == extras["zeep"] | extras["spyne"]
    assert extras["all"] <= extras["test"]  # make test installs both sides
    assert "redis" not in extras  # declared only once code uses it


def test_import_spyne_wsbind_without_spyne_says_why() -> None:
    # A fresh interpreter in which spyne cannot be imported, as on Python 3.12+.
    code = (
        "import sys; sys.modules['spyne'] = None\n"
        "try:\n    import spyne_wsbind\n"
        "except ImportError as e:\n    print(type(e).__name__, '|', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.startswith("ImportError | "), out
    assert "needs spyne, which is not installed" in out and "zeep_wsbind" in out and "wsbind[spyne]" in out


def test_guard_message_on_new_python_names_the_version() -> None:
    from spyne_wsbind._spyne_guard import explain_missing_spyne

    missing = ModuleNotFoundError("No module named 'spyne'", name="spyne")
    assert "this is Python 3.12.1" in explain_missing_spyne(missing, (3, 12, 1))
    broken = ModuleNotFoundError("No module named 'spyne.util.six.moves'", name="spyne.util.six.moves")
    assert "installed but does not import on Python 3.13.0" in explain_missing_spyne(broken, (3, 13, 0))


def _checkout_files() -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout (an unpacked sdist): nothing to compare the sdist with")
    return {line for line in listed.stdout.splitlines() if (ROOT / line).is_file()}


def test_sdist_ships_every_file_the_tests_need(tmp_path: Path) -> None:
    wanted = _checkout_files()
    # Build from a copy of the checkout: an in-tree build would also ship whatever a stale
    # wsbind.egg-info/SOURCES.txt lists, hiding a gap in MANIFEST.in.
    source = tmp_path / "src"
    for name in wanted:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", str(tmp_path), str(source)],
        capture_output=True, check=True,
    )
    (archive,) = tmp_path.glob("wsbind-*.tar.gz")
    with tarfile.open(archive) as sdist:
        shipped = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    missing = sorted(name for name in wanted - shipped if name not in {".gitignore"})
    assert not missing, f"add these to MANIFEST.in (the tests or make targets use them): {missing}"
