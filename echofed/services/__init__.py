"""Use cases: what people and operators do, each a function over one session."""
