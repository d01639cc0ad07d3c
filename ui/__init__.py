"""The desktop window: a thin PySide6 layer over the services in `app/`."""
