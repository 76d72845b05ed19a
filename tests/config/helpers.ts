/** Shared by the config tests: temp projects, error capture, parse shortcuts and the defaults. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, type DbfenceConfig, parseConfigText } from "../../src/config/load.js";

const createdRoots: string[] = [];
// Temp projects are removed when the test process ends, pass or fail.
process.on("exit", () => {
  for (const root of createdRoots) fs.rmSync(root, { recursive: true, force: true });
});

/** A real folder tree under the OS temp dir; `files` maps relative paths to contents. */
export function project(files: Record<string, string>): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-config-")));
  createdRoots.push(root);
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return root;
}

/** The ConfigError thrown by `run`, failing the test when nothing (or something else) is thrown. */
export function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail("expected a ConfigError");
}

export const parseDbfence = (text: string) => parseConfigText(text, "dbfence.toml", "dbfence");
export const parsePyproject = (text: string) => parseConfigText(text, "pyproject.toml", "pyproject");

export const DRIVERS = [
  "psycopg2",
  "psycopg",
  "psycopg_pool",
  "asyncpg",
  "pg8000",
  "aiopg",
  "sqlite3",
  "aiosqlite",
  "pymysql",
  "MySQLdb",
  "mysql.connector",
  "aiomysql",
  "asyncmy",
  "cx_Oracle",
  "oracledb",
  "pyodbc",
  "aioodbc",
  "pymssql",
  "databases",
];

export const DEFAULTS: DbfenceConfig = {
  src: ["."],
  include: ["."],
  exclude: ["**/alembic/**", "**/migrations/**"],
  connector: ["core.database"],
  connectorApi: ["get_db_session", "initialize_database", "shutdown_database", "health_check_database", "Base"],
  sessionDependency: ["get_db_session"],
  testFixtureModules: ["tests/conftest.py", "**/conftest.py"],
  testModules: ["**/tests/**", "**/test_*.py", "**/*_test.py", "**/conftest.py"],
  apiPaths: ["."],
  healthPath: "/health/db",
  lifecycle: { startup: "initialize_database", shutdown: "shutdown_database" },
  drivers: DRIVERS,
  select: ["DBF"],
  extendSelect: [],
  ignore: [],
  severity: {},
  perFileIgnores: {},
  requireReason: true,
  exceptions: [],
  thresholds: {
    connectorUsagePointsMin: 50,
    asyncEndpointsPercentMin: 95,
    healthLatencyMsMax: 1000,
    coveragePercentMin: 80,
    violationsPerWeekMax: 0,
  },
};
