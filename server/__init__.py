"""Central sync server: tenants, location tokens, push/pull of changes."""
