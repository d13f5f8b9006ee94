"""XML-DSig and XML-Enc primitives: algorithms, signing, verifying under a strict profile, decryption, keys."""
