import csv
import sys

import psycopg2  # expect: DBF104
from psycopg2 import errors

from core.database import SessionFactory  # expect: DBF101


def export(dsn: str, path: str) -> None:
    conn = psycopg2.connect(dsn)
    with open(path, "w", newline="") as handle:
        cur = conn.cursor()
        cur.execute("SELECT id, name, email FROM agents")
        csv.writer(handle).writerows(cur.fetchall())
    conn.close()


async def vacuum() -> None:
    async with SessionFactory() as session:
        conn = await session.connection()
        await conn.exec_driver_sql("VACUUM ANALYZE agents")  # expect: DBF105


if __name__ == "__main__":
    try:
        export(sys.argv[1], sys.argv[2])
    except errors.UndefinedTable:
        print("run the migrations first")
