import type { ImportAlias } from "../../parser/ast.js";
import { DRIVER_ERROR_MODULES } from "../../semantic/knowledge/sqlalchemy.js";
import { defineRule } from "../rule.js";

const ERROR_NAME = /(Error|Exception|Warning)$/;

export default defineRule({
  code: "DBF104",
  name: "raw-driver-import",
  severity: "error",
  summary: "Imports a DB-API driver outside the connector",
  docs: {
    what: "Reports imports of database drivers (psycopg2, psycopg, asyncpg, sqlite3, pymysql, ... — config `drivers`) outside the connector. Imports that bring in only a driver's error modules or classes (`from psycopg2 import errors`, `from asyncpg.exceptions import UniqueViolationError`) are allowed; a whole-module `import asyncpg` is reported even if only its exceptions are used.",
    why: "A driver connection opened beside SQLAlchemy bypasses the connector's pool, transactions and settings, and sync drivers block the event loop of an async backend.",
    example: {
      bad: "import psycopg2\n\n\ndef count(dsn: str) -> int:\n    with psycopg2.connect(dsn) as conn:\n        return 1\n",
      good: "from asyncpg.exceptions import UniqueViolationError\n\n\ndef is_duplicate(exc: Exception) -> bool:\n    return isinstance(exc.__cause__, UniqueViolationError)\n",
    },
  },
  check(ctx) {
    if (ctx.isConnector) return;
    const drivers = ctx.config.drivers;
    const driverOf = (module: string): string | null =>
      drivers.find((d) => module === d || module.startsWith(`${d}.`)) ?? null;
    const onlyErrors = (module: string, driver: string): boolean => {
      const rest = module.slice(driver.length + 1).split(".");
      return module !== driver && rest.some((p) => DRIVER_ERROR_MODULES.has(p));
    };
    const report = (node: ImportAlias | { start: number; end: number }, driver: string, what: string): void => {
      ctx.report(
        node,
        `${what} imports the database driver '${driver}' outside the connector; go through the connector's AsyncSession (${ctx.config.sessionDependency[0] ?? "get_db_session"}) instead of the raw driver`,
      );
    };
    for (const site of ctx.facts.imports) {
      const s = site.stmt;
      if (s.kind === "Import") {
        for (const a of s.names) {
          const driver = driverOf(a.name);
          if (driver && !onlyErrors(a.name, driver)) report(s, driver, `'import ${a.name}'`);
        }
        continue;
      }
      const driver = driverOf(site.module);
      if (!driver || onlyErrors(site.module, driver)) continue;
      for (const a of s.names) {
        if (ERROR_NAME.test(a.name) || DRIVER_ERROR_MODULES.has(a.name)) continue;
        report(s, driver, `'from ${site.module} import ${a.name}'`);
      }
    }
  },
});
