"""Add/edit dialogs for devices and borrowers."""
