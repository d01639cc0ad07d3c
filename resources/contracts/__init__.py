"""Editable loan conditions (conditions_<lang>.md; first line `version: …`)."""
