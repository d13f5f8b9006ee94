"""SAML 1.1 and 2.0: the assertion view, the issuer, the server's authenticator, token cache and replay store."""
