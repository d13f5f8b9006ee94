"""SOAP plumbing: the hardened parser, namespaces, xs:dateTime, envelopes and faults."""
