/**
 * Library knowledge: what SQLAlchemy 2.0/2.1, SQLModel and the DB-API drivers export, and which of
 * their methods are coroutines. Data only; rules read it through src/semantic/infer.ts.
 * Checked against SQLAlchemy 2.0/2.1's public API (sqlalchemy.ext.asyncio, sqlalchemy.orm, sqlalchemy.engine).
 */

/** The kinds of database values dbfence tracks. */
export type DbType =
  | "AsyncSession"
  | "AsyncConnection"
  | "AsyncEngine"
  | "AsyncResult"
  | "AsyncScalarResult"
  | "AsyncMappingResult"
  | "AsyncSessionMaker"
  | "Session"
  | "Connection"
  | "Engine"
  | "SessionMaker"
  | "DriverConnection"
  | "DriverCursor";

/**
 * A lookup table keyed by Python names: no prototype, so a name like `constructor` or `toString` (a
 * method a user calls on a session) is simply not in it, rather than finding `Object`'s member.
 */
export function table<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

export const ASYNC_SESSION_TYPES: ReadonlySet<DbType> = new Set<DbType>([
  "AsyncSession",
  "AsyncConnection",
  "AsyncEngine",
  "AsyncResult",
  "AsyncScalarResult",
  "AsyncMappingResult",
]);

/** Types whose `execute`/`scalar`/... take a SQL statement (DBF501/DBF502), sync or async. */
export const STATEMENT_RUNNERS: ReadonlySet<DbType> = new Set<DbType>([
  "AsyncSession",
  "AsyncConnection",
  "Session",
  "Connection",
]);

export const SESSION_TYPES: ReadonlySet<DbType> = new Set<DbType>(["AsyncSession", "Session"]);

/** Qualified names of library classes, as annotations name them. */
export const CLASS_TYPES: Readonly<Record<string, DbType>> = table({
  "sqlalchemy.ext.asyncio.AsyncSession": "AsyncSession",
  "sqlalchemy.ext.asyncio.session.AsyncSession": "AsyncSession",
  "sqlalchemy.ext.asyncio.async_scoped_session": "AsyncSession",
  "sqlalchemy.ext.asyncio.scoping.async_scoped_session": "AsyncSession",
  "sqlmodel.ext.asyncio.session.AsyncSession": "AsyncSession",
  "sqlalchemy.ext.asyncio.AsyncConnection": "AsyncConnection",
  "sqlalchemy.ext.asyncio.engine.AsyncConnection": "AsyncConnection",
  "sqlalchemy.ext.asyncio.AsyncEngine": "AsyncEngine",
  "sqlalchemy.ext.asyncio.engine.AsyncEngine": "AsyncEngine",
  "sqlalchemy.ext.asyncio.AsyncResult": "AsyncResult",
  "sqlalchemy.ext.asyncio.result.AsyncResult": "AsyncResult",
  "sqlalchemy.ext.asyncio.AsyncScalarResult": "AsyncScalarResult",
  "sqlalchemy.ext.asyncio.result.AsyncScalarResult": "AsyncScalarResult",
  "sqlalchemy.ext.asyncio.AsyncMappingResult": "AsyncMappingResult",
  "sqlalchemy.ext.asyncio.result.AsyncMappingResult": "AsyncMappingResult",
  "sqlalchemy.ext.asyncio.AsyncTupleResult": "AsyncResult",
  "sqlalchemy.ext.asyncio.result.AsyncTupleResult": "AsyncResult",
  "sqlalchemy.ext.asyncio.async_sessionmaker": "AsyncSessionMaker",
  "sqlalchemy.ext.asyncio.session.async_sessionmaker": "AsyncSessionMaker",
  "sqlalchemy.orm.Session": "Session",
  "sqlalchemy.orm.session.Session": "Session",
  "sqlalchemy.orm.scoped_session": "Session",
  "sqlalchemy.orm.scoping.scoped_session": "Session",
  "sqlmodel.Session": "Session",
  "sqlmodel.orm.session.Session": "Session",
  "sqlalchemy.orm.sessionmaker": "SessionMaker",
  "sqlalchemy.orm.session.sessionmaker": "SessionMaker",
  "sqlalchemy.Connection": "Connection",
  "sqlalchemy.engine.Connection": "Connection",
  "sqlalchemy.engine.base.Connection": "Connection",
  "sqlalchemy.Engine": "Engine",
  "sqlalchemy.engine.Engine": "Engine",
  "sqlalchemy.engine.base.Engine": "Engine",
});

/** Sync `Session` classes (DBF201/DBF202). */
export const SYNC_SESSION_CLASSES: ReadonlySet<string> = new Set([
  "sqlalchemy.orm.Session",
  "sqlalchemy.orm.session.Session",
  "sqlmodel.Session",
  "sqlmodel.orm.session.Session",
]);

/** Calls whose result has a known type (factories and constructors). */
export const CALL_RESULTS: Readonly<Record<string, DbType>> = table({
  "sqlalchemy.create_engine": "Engine",
  "sqlalchemy.engine.create_engine": "Engine",
  "sqlalchemy.engine_from_config": "Engine",
  "sqlalchemy.engine.engine_from_config": "Engine",
  "sqlmodel.create_engine": "Engine",
  "sqlalchemy.ext.asyncio.create_async_engine": "AsyncEngine",
  "sqlalchemy.ext.asyncio.engine.create_async_engine": "AsyncEngine",
  "sqlalchemy.ext.asyncio.async_engine_from_config": "AsyncEngine",
  "sqlalchemy.ext.asyncio.engine.async_engine_from_config": "AsyncEngine",
  "sqlalchemy.ext.asyncio.async_sessionmaker": "AsyncSessionMaker",
  "sqlalchemy.ext.asyncio.session.async_sessionmaker": "AsyncSessionMaker",
  "sqlalchemy.ext.asyncio.async_scoped_session": "AsyncSession",
  "sqlalchemy.ext.asyncio.scoping.async_scoped_session": "AsyncSession",
  "sqlalchemy.ext.asyncio.AsyncSession": "AsyncSession",
  "sqlalchemy.ext.asyncio.session.AsyncSession": "AsyncSession",
  "sqlmodel.ext.asyncio.session.AsyncSession": "AsyncSession",
  "sqlalchemy.orm.sessionmaker": "SessionMaker",
  "sqlalchemy.orm.session.sessionmaker": "SessionMaker",
  "sqlalchemy.orm.scoped_session": "Session",
  "sqlalchemy.orm.scoping.scoped_session": "Session",
  "sqlalchemy.orm.Session": "Session",
  "sqlalchemy.orm.session.Session": "Session",
  "sqlmodel.Session": "Session",
  "sqlmodel.orm.session.Session": "Session",
});

/** Module-level functions that build engines (DBF102), by their last name; package must be sqlalchemy/sqlmodel. */
export const ENGINE_FACTORIES: ReadonlySet<string> = new Set([
  "create_engine",
  "create_async_engine",
  "engine_from_config",
  "async_engine_from_config",
  "create_pool_from_url",
  "create_async_pool_from_url",
]);

/** Session factories and sessions constructed directly (DBF103), by their last name. */
export const SESSION_FACTORIES: ReadonlySet<string> = new Set([
  "sessionmaker",
  "async_sessionmaker",
  "scoped_session",
  "async_scoped_session",
  "Session",
  "AsyncSession",
]);

/** Names whose import from sqlalchemy.orm (or Session from sqlmodel) is DBF201. */
export const SYNC_SESSION_IMPORTS: Readonly<Record<string, ReadonlySet<string>>> = table({
  "sqlalchemy.orm": new Set(["Session", "sessionmaker", "scoped_session"]),
  "sqlalchemy.orm.session": new Set(["Session", "sessionmaker"]),
  "sqlalchemy.orm.scoping": new Set(["scoped_session"]),
  sqlmodel: new Set(["Session"]),
  "sqlmodel.orm.session": new Set(["Session"]),
});

/** Method results: `<receiver type>.<method>(...)` → type (after `await` where the method is a coroutine). */
export const METHOD_RESULTS: Readonly<Partial<Record<DbType, Readonly<Record<string, DbType>>>>> = table({
  AsyncSessionMaker: table({ __call__: "AsyncSession", begin: "AsyncSession" }),
  SessionMaker: table({ __call__: "Session", begin: "Session" }),
  AsyncEngine: table({ connect: "AsyncConnection", begin: "AsyncConnection", execution_options: "AsyncEngine" }),
  Engine: table({ connect: "Connection", begin: "Connection", raw_connection: "DriverConnection" }),
  AsyncSession: table({
    // Calling an async_scoped_session returns the task's AsyncSession.
    __call__: "AsyncSession",
    connection: "AsyncConnection",
    stream: "AsyncResult",
    stream_scalars: "AsyncScalarResult",
  }),
  AsyncConnection: table({
    stream: "AsyncResult",
    stream_scalars: "AsyncScalarResult",
    execution_options: "AsyncConnection",
    start: "AsyncConnection",
  }),
  AsyncResult: table({
    scalars: "AsyncScalarResult",
    mappings: "AsyncMappingResult",
    unique: "AsyncResult",
    columns: "AsyncResult",
    tuples: "AsyncResult",
  }),
  AsyncScalarResult: table({ unique: "AsyncScalarResult" }),
  AsyncMappingResult: table({ unique: "AsyncMappingResult", columns: "AsyncMappingResult" }),
  Session: table({ connection: "Connection" }),
  DriverConnection: table({ cursor: "DriverCursor" }),
});

/** Coroutine methods per type (DBF401/DBF403), from SQLAlchemy 2.x and SQLModel. */
export const COROUTINE_METHODS: Readonly<Partial<Record<DbType, ReadonlySet<string>>>> = table({
  AsyncSession: new Set([
    "execute",
    "scalar",
    "scalars",
    "get",
    "get_one",
    "stream",
    "stream_scalars",
    "refresh",
    "merge",
    "merge_all",
    "delete",
    "delete_all",
    "flush",
    "commit",
    "rollback",
    "close",
    "reset",
    "aclose",
    "invalidate",
    "connection",
    "run_sync",
    "remove",
    "exec",
  ]),
  AsyncConnection: new Set([
    "execute",
    "exec_driver_sql",
    "scalar",
    "scalars",
    "stream",
    "stream_scalars",
    "commit",
    "rollback",
    "close",
    "aclose",
    "invalidate",
    "run_sync",
    "start",
    "get_raw_connection",
  ]),
  AsyncEngine: new Set(["dispose", "raw_connection"]),
  AsyncResult: new Set(ASYNC_RESULT_COROUTINES()),
  AsyncScalarResult: new Set(ASYNC_RESULT_COROUTINES()),
  AsyncMappingResult: new Set(ASYNC_RESULT_COROUTINES()),
});

function ASYNC_RESULT_COROUTINES(): string[] {
  return [
    "all",
    "first",
    "one",
    "one_or_none",
    "scalar",
    "scalar_one",
    "scalar_one_or_none",
    "fetchall",
    "fetchone",
    "fetchmany",
    "freeze",
    "close",
  ];
}

/** Sync methods of AsyncSession: awaiting their result is a TypeError (DBF402). */
export const ASYNC_SESSION_SYNC_METHODS: ReadonlySet<string> = new Set([
  "add",
  "add_all",
  "expire",
  "expire_all",
  "expunge",
  "expunge_all",
  "is_modified",
  "in_transaction",
  "in_nested_transaction",
  "get_bind",
  "get_transaction",
  "get_nested_transaction",
]);

/** Methods that run a SQL statement given as their first argument (DBF501). */
export const STATEMENT_METHODS: ReadonlySet<string> = new Set([
  "execute",
  "scalar",
  "scalars",
  "stream",
  "stream_scalars",
  "exec",
]);

/** Attribute/method names that reach the DB-API connection (DBF105). */
export const RAW_CONNECTION_ATTRIBUTES: ReadonlySet<string> = new Set([
  "raw_connection",
  "get_raw_connection",
  "dbapi_connection",
  "driver_connection",
  "exec_driver_sql",
]);

/** The DB-API drivers whose API blocks the event loop (DBF303), with their `connect` functions. */
export const BLOCKING_DRIVERS: ReadonlySet<string> = new Set([
  "psycopg2",
  "psycopg",
  "sqlite3",
  "pymysql",
  "MySQLdb",
  "mysql.connector",
  "cx_Oracle",
  "oracledb",
  "pyodbc",
  "pymssql",
  "pg8000",
]);

/** Driver module parts that hold only errors: importing them is not driver use (DBF104). */
export const DRIVER_ERROR_MODULES: ReadonlySet<string> = new Set(["errors", "errorcodes", "exceptions"]);
