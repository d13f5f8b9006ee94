"""WS-Security header pieces: tokens, key handles, the header, Timestamp, UsernameToken, proof of possession."""
