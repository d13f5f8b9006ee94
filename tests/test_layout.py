"""The shape of the code: the public names of the three packages, wsbind's six subpackages, no
import cycle, and no private module or name used across packages.

The exported names are pinned here on purpose (as httpx's test_exported_members does): adding or
removing a public name is an API change, and this test makes it a visible one.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("wsbind", "zeep_wsbind", "spyne_wsbind")
SUBPACKAGES = {"model", "soap", "wss", "xmlcrypto", "saml", "trust", "policy"}

EXPORTED = {
    "wsbind": {
        # model: descriptions, bindings, limits, caches
        "SecurityDescription", "MessageLimits", "ValidatedTokenCache", "SecurityBinding", "SecurityAlgorithmSuite",
        "SslTransportSecurityBinding", "TcpSspiTransportSecurityBinding", "NamedPipeSspiTransportSecurityBinding",
        "HttpHeaderAuthSecurityBinding", "UsernameMessageSecurityBinding", "KerberosApreqMessageSecurityBinding",
        "XmlTokenMessageSecurityBinding", "SamlMessageSecurityBinding", "SecurityContextMessageSecurityBinding",
        # keys and certificates from files or bytes
        "CertificateSource", "KeySource", "load_certificate", "load_certificates", "load_private_key",
        "load_key_and_certificate",
        # credentials, authenticators, replay
        "CertCredential", "WindowsIntegratedAuthCredential", "StringWindowsIntegratedAuthCredential",
        "DefaultWindowsIntegratedAuthCredential", "OpaqueWindowsIntegratedAuthCredential", "StringUsernameCredential",
        "SamlAuthenticator", "CertSignedSamlAuthenticator", "SamlValidator", "ReplayStore", "ReplayCache",
        # enums
        "SecurityBindingType", "ChannelBinding", "Side", "MessageSecurityUsage", "SamlAuthenticatorType",
        "SecurityKeyHandleType", "ProtectionLevel", "SecurityProperty", "SecurityBindingProperty", "MessageProperty",
        "SecurityTimestampUsage", "SecurityHeaderLayout", "SecurityHeaderVersion", "ExtendedProtectionPolicy",
        "ExtendedProtectionScenario", "SecurityAlgorithmSuiteName", "SecurityAlgorithmId",
        "WindowsIntegratedAuthPackage", "ImpersonationLevel", "HttpHeaderAuthScheme", "HttpHeaderAuthTarget",
        "CertFailure", "SecureProtocol", "SignedParts", "TrustVersion", "SecureConversationVersion",
        "RequestSecurityTokenAction",
        "SecurityKeyType", "SecurityKeyEntropyMode", "SecurityTokenReferenceMode", "XmlSecurityTokenProperty",
        # keys, tokens, SAML
        "SecurityKeyHandle", "RawSymmetricSecurityKeyHandle", "NcryptAsymmetricSecurityKeyHandle",
        "CapiAsymmetricSecurityKeyHandle", "XmlSecurityToken", "XmlTokenSource", "create_xml_security_token",
        "create_x509_security_token",
        "free_security_token", "SamlAssertion", "SamlIssuer", "SamlVersion", "SAML11_TOKEN_TYPE", "SAML20_TOKEN_TYPE",
        # WS-Trust
        "RequestSecurityTokenParameters", "SecurityTokenServiceFault", "TokenRequestError", "TrustProtocolError",
        # pipelines
        "OutgoingSecurity", "MessageVerifier", "TransportFacts", "VerifiedMessage",
        # errors and warnings
        "WsBindError", "WsBindValueError", "WsBindTypeError", "InvalidSecurityDescription", "UnsupportedBinding",
        "UnsupportedPolicy",
        "InvalidToken", "TokenFreed",
        "TokenUnavailable", "InsecureTransport", "MessagePropertyUnavailable", "SecurityVerificationError",
        "KeyLoadError", "AnonymousServerWarning", "FaultCode",
    },
    "zeep_wsbind": {
        "SecurityPlugin", "secure_client", "secure_async_client", "SecureAsyncClient", "TrustChannel",
        "ChannelState", "ChannelStateError", "TrustChannelError", "request_security_token",
        "arequest_security_token", "IssuedTokenProvider",
    },
    "spyne_wsbind": {
        "SecurityHandler", "SecuredWsgiApplication", "SecurityTokenService", "get_message_property", "MessageProperty",
    },
}  # fmt: skip


@pytest.mark.parametrize("package", PACKAGES)
def test_exported_names_are_pinned(package: str) -> None:
    module = importlib.import_module(package)
    exported = set(module.__all__)
    assert len(exported) == len(module.__all__), f"{package}.__all__ lists a name twice"
    assert exported - EXPORTED[package] == set(), f"new public names in {package}: pin them here (an API change)"
    assert EXPORTED[package] - exported == set(), f"public names gone from {package}: an API change"
    for name in exported:
        assert hasattr(module, name), f"{package}.__all__ names {name}, which {package} does not define"


def test_wsbind_has_its_six_subpackages_and_few_top_level_modules() -> None:
    directory = ROOT / "wsbind"
    subpackages = {p.name for p in directory.iterdir() if (p / "__init__.py").is_file()}
    modules = {p.stem for p in directory.glob("*.py")}
    assert subpackages == SUBPACKAGES
    assert modules == {"__init__", "__main__", "errors", "verifier", "outgoing", "cli"}, (
        "new code goes into the subpackage of its concept"
    )


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _runtime_imports(tree: ast.AST) -> Iterator[ast.ImportFrom | ast.Import]:
    """Every import that runs (at module level or in a function); ``if TYPE_CHECKING:`` blocks are
    left out: they name types for annotations (a security context's bootstrap description is a
    description inside a binding inside a description) and never execute."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            continue
        if isinstance(node, ast.ImportFrom | ast.Import):
            yield node
        yield from _runtime_imports(node)


def _imported_modules(node: ast.ImportFrom | ast.Import, modules: dict[str, Path]) -> Iterator[tuple[str, str]]:
    """(module, name) pairs: the module an import loads, and the name taken from it ('' for a module)."""
    if isinstance(node, ast.Import):
        yield from ((alias.name, "") for alias in node.names)
        return
    assert node.level == 0, "imports inside the packages are absolute"
    for alias in node.names:
        submodule = f"{node.module}.{alias.name}"
        yield (submodule, "") if submodule in modules else (node.module or "", alias.name)


def test_no_import_cycle_between_modules() -> None:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            for target, _ in _imported_modules(node, modules):
                if target in modules and target != name and target not in PACKAGES:
                    graph[name].add(target)
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_nothing_private_is_imported_across_packages() -> None:
    """A private module or name (leading underscore) is used only inside its own package."""
    modules = _modules()
    crossings = []
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            for target, taken in _imported_modules(node, modules):
                if target.split(".")[0] not in PACKAGES:
                    continue
                target_package = target if target in modules and modules[target].name == "__init__.py" else (
                    target.rpartition(".")[0]
                )
                private = any(part.startswith("_") for part in target.split(".")) or taken.startswith("_")
                if private and taken != "__version__" and target_package != package:
                    crossings.append(f"{name} imports {target}{'.' + taken if taken else ''}")
    assert crossings == []


# Built-in exceptions production code may still raise: an invariant that cannot break (RuntimeError
# marks unreachable code), the import guard's ImportError (Python's own import protocol) and
# the command's SystemExit (its exit status).
_BUILTIN_RAISES_ALLOWED = {"RuntimeError", "ImportError", "SystemExit"}


def test_everything_raised_is_a_wsbind_error() -> None:
    """Callers catch WsBindError for anything wsbind refuses; ValueError/TypeError remain second bases."""
    import builtins

    offenders = []
    for path in _modules().values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and isinstance(node.exc.func, ast.Name):
                raised = node.exc.func.id
                builtin = getattr(builtins, raised, None)
                if isinstance(builtin, type) and issubclass(builtin, BaseException):
                    if raised not in _BUILTIN_RAISES_ALLOWED:
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} raises {raised}")
    assert offenders == []
    from wsbind.errors import WsBindError

    for name in _modules():
        if any(part.startswith("_") for part in name.split(".")):
            continue
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, Exception)
                and not issubclass(value, Warning)
                and value.__module__ == name
                and not attribute.startswith("_")
            ):
                assert issubclass(value, WsBindError), f"{name}.{attribute} does not derive from WsBindError"
