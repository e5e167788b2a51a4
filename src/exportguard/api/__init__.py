"""REST adapter (FastAPI) over the core."""
