"""A worker without web routes: no route handlers, so the async share is 100 % by definition."""
import asyncio

from core.database import initialize_database, shutdown_database


async def main() -> None:
    await initialize_database()
    await shutdown_database()


if __name__ == "__main__":
    asyncio.run(main())
