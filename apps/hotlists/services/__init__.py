"""Writes of hot lists and hits, one module per concept; callers import the module (no re-exports here)."""
