"""The inbox: receive (verify, record once, 202) and process (one handler per type)."""
