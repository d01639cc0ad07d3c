"""Data layer: SQLAlchemy models, engine/session set-up, migrations. Never imports Qt."""
