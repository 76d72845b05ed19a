# DBF304 (new rule): a project sync function that blocks on the database (directly or through another project
# sync function), called from async def without offloading; the harness's blocking-helper mutants.
import asyncio
import sqlite3  # expect: DBF104

import psycopg2  # expect: DBF104


def load_rows() -> list[tuple]:
    conn = sqlite3.connect("app.db")
    return conn.execute("SELECT 1").fetchall()


def _fetch() -> list[tuple]:
    conn = psycopg2.connect("dbname=app")
    cur = conn.cursor()
    cur.execute("SELECT 1")
    return cur.fetchall()


def load_report() -> list[tuple]:
    return _fetch()


async def build_report() -> int:
    rows = load_rows()  # expect: DBF304
    more = load_report()  # expect: DBF304
    offloaded = await asyncio.to_thread(load_report)
    return len(rows) + len(more) + len(offloaded)
