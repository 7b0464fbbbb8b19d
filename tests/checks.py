"""Checks shared by tests that must prove a secret is nowhere in the database."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import inspect, text

from reflectie.db import db


def database_contains(app: Flask, value: str) -> bool:
    """Whether `value` occurs in any column of any row of any table."""
    with app.app_context():
        connection = db.session.connection()
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                if any(value in str(cell) for cell in row):
                    return True
    return False
