"""The one algorithm table and its policy: what each check may accept, decided in one place."""

from __future__ import annotations

import dataclasses

import pytest

from wsbind.soap import namespaces as ns
from wsbind.xmlcrypto.algorithms import HMACS, SIGNATURES, AlgorithmPolicy, algorithm_policy


def test_sha1_only_when_the_suite_names_it() -> None:
    strict, lenient = algorithm_policy(allow_sha1=False), algorithm_policy(allow_sha1=True)
    assert ns.SHA1 not in strict.assertion_digests and ns.RSA_SHA1 not in strict.assertion_signatures
    assert ns.SHA1 not in strict.proof_digests(symmetric=False)
    assert ns.RSA_SHA1 not in strict.proof_signatures(symmetric=False)
    assert {ns.SHA1, ns.RSA_SHA1, ns.ECDSA_SHA1} <= lenient.assertion_digests | lenient.assertion_signatures
    # an HMAC proof covers only what its sender signs: SHA-1 digests stay allowed there (Basic256)
    assert ns.SHA1 in strict.proof_digests(symmetric=True)


def test_keyed_and_public_key_methods_never_mix() -> None:
    """HMAC with a public key as its secret is the classic confusion; neither list takes the other kind."""
    for policy in (algorithm_policy(allow_sha1=False), algorithm_policy(allow_sha1=True)):
        assert not policy.assertion_signatures & set(HMACS)
        assert not policy.proof_signatures(symmetric=False) & set(HMACS)
        assert policy.proof_signatures(symmetric=True) == set(HMACS)
        assert policy.assertion_signatures <= set(SIGNATURES)


def test_cbc_off_leaves_only_authenticated_encryption() -> None:
    assert all(uri.endswith("gcm") for uri in algorithm_policy(allow_cbc=False).data_encryption)
    assert any(uri.endswith("cbc") for uri in algorithm_policy(allow_cbc=True).data_encryption)
    assert ns.RSA_1_5 not in algorithm_policy().key_transport


def test_the_policy_is_frozen_and_shared() -> None:
    policy = algorithm_policy(allow_sha1=False)
    assert policy is algorithm_policy(allow_sha1=False)
    assert isinstance(policy, AlgorithmPolicy)
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.assertion_digests = frozenset({ns.SHA1})  # type: ignore[misc]
