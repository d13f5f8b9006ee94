"""WS-Policy and WS-SecurityPolicy: reading what a WSDL's policy asks of a client (in progress)."""
