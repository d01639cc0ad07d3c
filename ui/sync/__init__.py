"""The window's sync pieces: controller, settings page, status-bar widget, wiring, Conflicten view."""
