import asyncpg  # dbfence: ignore[DBF104] asyncpg error classes drive the retry policy
import aiosqlite  # noqa: DBF104
import pymysql  # dbfence: ignore[DBF104]
import json  # dbfence: ignore[DBF104,DBF105] nothing to suppress here

SQL_NOTE = "get_db_session is the only way in"
