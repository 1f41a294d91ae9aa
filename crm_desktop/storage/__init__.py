"""Storage: the engine and its pragmas, audit hooks, Alembic migrations, backups.

Nothing is imported here: a module of it (the shared shop's link, read before the first
window shows) must not bring SQLAlchemy with it."""
