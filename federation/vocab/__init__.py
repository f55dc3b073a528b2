"""ActivityStreams vocabulary ↔ JSON: pure functions, no I/O, no storage.

Converters are named by direction: ``*_to_json`` builds what we send, ``parse_*`` validates
what we receive into frozen dataclasses.
"""
