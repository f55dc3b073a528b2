"""All SQL of echofed, as typed functions that take a session."""
