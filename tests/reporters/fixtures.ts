/** Hand-made check results shared by the reporter tests and the docs example generator. */

import type { CheckResult, Finding, RuleMeta } from "../../src/types.js";

export const TOOL_VERSION = "0.1.0";

function rule(
  code: string,
  name: string,
  severity: RuleMeta["severity"],
  summary: string,
  extra: Partial<RuleMeta> = {},
): RuleMeta {
  return {
    code,
    name,
    severity,
    summary,
    docs: {
      what: `Checks for ${summary.charAt(0).toLowerCase()}${summary.slice(1)}`,
      why: "The backend must reach the database only through its one async connector.",
      example: {
        bad: "async def list_skills(session: AsyncSession):\n    session.execute(select(Skill))\n",
        good: "async def list_skills(session: AsyncSession):\n    await session.execute(select(Skill))\n",
      },
    },
    ...extra,
  };
}

/** A catalog of five rules, given out of code order on purpose. */
export const rules: ReadonlyMap<string, RuleMeta> = new Map(
  [
    rule("DBF401", "missing-await", "error", "A coroutine method of an async session is not awaited.", {
      fix: { applicability: "safe", description: "Add `await`" },
    }),
    rule("DBF104", "raw-driver-import", "error", "A DB-API driver is imported outside the connector."),
    rule("DBF302", "sync-endpoint", "warning", "A route handler is defined with `def`."),
    rule("DBF203", "legacy-query-api", "error", "`.query(...)` is called on a session."),
    rule("DBF501", "raw-sql-string", "error", "A `str` is passed as the statement to `execute`."),
  ].map((meta) => [meta.code, meta]),
);

function finding(
  code: string,
  severity: Finding["severity"],
  path: string,
  [line, column, endLine, endColumn]: [number, number, number, number],
  message: string,
  fix: Finding["fix"] = null,
): Finding {
  const name = rules.get(code)?.name ?? "syntax-error";
  return {
    code,
    name,
    severity,
    path,
    line,
    column,
    endLine,
    endColumn,
    message,
    fix,
  };
}

/** Source files of the sample project, for the `sourceLine` callback. */
export const sources: Record<string, string> = {
  "api/skills.py": [
    "from fastapi import APIRouter, Depends",
    "from sqlalchemy.ext.asyncio import AsyncSession",
    "import psycopg2",
    "",
    "async def list_skills(session: AsyncSession = Depends(get_db_session)):",
    "    result = session.execute(select(Skill))",
    "    return result.scalars().all()",
  ].join("\n"),
  "api/users.py": ["@router.get('/users/<script>')", "def list_users():", "    return []"].join("\n"),
  "api/ünï/labels.py": [
    "async def labels(session: AsyncSession):",
    '\tname = "🎉 日本語"; rows = session.query(Label).all()',
  ].join("\n"),
  "etl/load,v2:final%.py": [
    "async def load(session: AsyncSession, pattern: str):",
    "    sql = f\"SELECT * FROM t WHERE a LIKE '%{pattern}%', b = 1\"",
    "    await session.execute(",
    "        sql,",
    "    )",
  ].join("\n"),
};

export function sourceLine(path: string, line: number): string | undefined {
  return sources[path]?.split("\n")[line - 1];
}

/** Five findings (one warning, one fix, unicode and tabs, awkward characters), given unsorted. */
export const sampleResult: CheckResult = {
  root: "/home/dev/shop api",
  findings: [
    finding(
      "DBF401",
      "error",
      "api/skills.py",
      [6, 14, 6, 44],
      "AsyncSession.execute() is a coroutine and is not awaited; add 'await'",
      {
        description: "Add `await`",
        applicability: "safe",
        edits: [{ line: 6, column: 14, endLine: 6, endColumn: 14, text: "await " }],
      },
    ),
    finding(
      "DBF302",
      "warning",
      "api/users.py",
      [2, 1, 3, 14],
      "Route handler 'list_users' for GET /users/<script> is a sync 'def'; make it 'async def'",
    ),
    finding(
      "DBF104",
      "error",
      "api/skills.py",
      [3, 1, 3, 16],
      "Driver 'psycopg2' is imported outside the connector; use get_db_session from core.database",
    ),
    finding(
      "DBF203",
      "error",
      "api/ünï/labels.py",
      [2, 25, 2, 45],
      "Legacy AsyncSession.query() call; use select() with session.execute()",
    ),
    finding(
      "DBF501",
      "error",
      "etl/load,v2:final%.py",
      [3, 11, 5, 6],
      "A str is passed to execute(): 100% raw SQL, no bind parameters.\nWrap it in text(), e.g. text('... :a, :b')",
    ),
  ],
  summary: { files: 7, findings: 5, errors: 4, warnings: 1, durationMs: 35.4 },
  notices: [],
};

export const cleanResult: CheckResult = {
  root: "/home/dev/shop api",
  findings: [],
  summary: { files: 7, findings: 0, errors: 0, warnings: 0, durationMs: 12 },
  notices: [],
};

function repeated(code: string, times: number): Finding[] {
  const first = sampleResult.findings.find((f) => f.code === code) as Finding;
  return Array.from({ length: times }, (_, i) => ({
    ...first,
    line: first.line + 10 * i,
    endLine: first.endLine + 10 * i,
  }));
}

/** Fifteen findings of five rules, for `--statistics`. */
export const statisticsResult: CheckResult = {
  ...sampleResult,
  findings: [
    ...repeated("DBF203", 1),
    ...repeated("DBF401", 2),
    ...repeated("DBF501", 9),
    ...repeated("DBF302", 1),
    ...repeated("DBF104", 2),
  ],
  summary: { files: 7, findings: 15, errors: 14, warnings: 1, durationMs: 41 },
};
