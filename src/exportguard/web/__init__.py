"""Analyst web console: server-rendered pages served by the API app."""
