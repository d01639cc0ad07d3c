"""Offline-first sync client: outbox batches, per-field merge, pull pages, service round."""
