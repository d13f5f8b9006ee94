"""The threat catalogue (README.md) stays true to the attacks in the code."""

from __future__ import annotations

import re

from security.catalogue import ALL, README, THREATS, render

CVE = re.compile(r"CVE-\d{4}-\d{4,}")


def test_every_threat_class_has_attacks() -> None:
    covered = {a.threat for a in ALL}
    assert covered == set(THREATS), f"without attacks: {set(THREATS) - covered}; unknown: {covered - set(THREATS)}"


def test_every_attack_names_its_source() -> None:
    assert [a.id for a in ALL if not a.source.strip()] == []


def test_the_readme_lists_every_attack() -> None:
    text = README.read_text()
    assert render(text) == text, "README.md is stale: run PYTHONPATH=tests:. .venv/bin/python -m security.catalogue"
    for threat in THREATS:
        assert f"<!-- attacks:{threat} -->" in text, f"README.md has no attack list for {threat}"


def test_every_cve_an_attack_reproduces_is_cited_in_the_readme() -> None:
    prose = re.sub(r"<!-- attacks:.*?<!-- /attacks -->", "", README.read_text(), flags=re.DOTALL)
    cited = set(CVE.findall(prose))
    used = {cve for a in ALL for cve in CVE.findall(a.source)}
    assert used <= cited, f"cite these in a Sources table of README.md: {sorted(used - cited)}"
