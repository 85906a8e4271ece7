"""Clinic records: SQLAlchemy tables, the database and its migrations."""
