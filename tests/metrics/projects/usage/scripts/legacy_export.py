import asyncio

import psycopg2

from core.database import initialize_database

asyncio.run(initialize_database())
CONNECTION = psycopg2.connect("dbname=app")
