"""WS-Trust February 2005 and 1.3 Issue: protocol constants, request parameters, client and server sides, P_SHA1."""
