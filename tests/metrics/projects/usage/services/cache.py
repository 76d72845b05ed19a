import sqlite3


def open_cache() -> sqlite3.Connection:
    return sqlite3.connect("cache.db")
