"""Pages of the hot-list app, one module per concept; urls.py imports the modules (no re-exports here)."""
