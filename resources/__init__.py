"""Data files shipped with the program (translations, templates, tables, scripts)."""
