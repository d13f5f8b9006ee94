"""The WWSAPI security-binding model: enums, bindings, credentials, descriptions, limits, algorithm suites, rules."""
