"""Writes to agreements, one module per concept; callers import the module (no re-exports here)."""
