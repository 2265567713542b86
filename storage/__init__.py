"""Persistence: tables, sessions, migrations and media files."""
