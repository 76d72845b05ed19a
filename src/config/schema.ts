/**
 * The one schema of dbfence's options. It validates `dbfence.toml` / `[tool.dbfence]`, and the same
 * object generates the JSON Schema and the options table of docs/configuration.md (see docs.ts),
 * so a key cannot be documented differently from how it is checked.
 */
import picomatch from "picomatch";
import { z } from "zod";

/** Default DBF104 drivers: DB-API modules that only the connector may import (RULES.md). */
export const DEFAULT_DRIVERS: readonly string[] = [
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

/** Exclusions that `exclude` replaces and `extend-exclude` keeps. */
export const DEFAULT_EXCLUDE: readonly string[] = ["**/alembic/**", "**/migrations/**"];

/** Why a glob is unusable, or null. `strictBrackets` makes picomatch reject "[abc" instead of matching it literally. */
export function globProblem(glob: string): string | null {
  if (nestedRepetition(glob)) {
    return "an extglob group with a wildcard or another group inside (like +(*a)) repeats a repetition: matching it can take minutes";
  }
  const stars = mostStarsInOneSegment(glob);
  if (stars > MAX_STARS_PER_SEGMENT) {
    return `${stars} * wildcards in one path segment, at most ${MAX_STARS_PER_SEGMENT}: regular-expression matching of such a pattern can take minutes`;
  }
  try {
    picomatch.scan(glob);
    picomatch.makeRe(glob, { strictBrackets: true });
    return null;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split(" - ")[0] : String(error);
    return reason.replace(/^Missing /, "missing ");
  }
}

/**
 * Globs become backtracking regular expressions: each `*` in one path segment multiplies the work on a
 * long file name (4 stars: seconds, 5: minutes, on a 255-character name). Real globs use one or two.
 */
export const MAX_STARS_PER_SEGMENT = 3;

/** An extglob group (`+(...)`, `*(...)`, `@(...)`, `?(...)`, `!(...)`) holding a `*` or a group: exponential backtracking. */
function nestedRepetition(glob: string): boolean {
  const plain = glob.replace(/\\./g, "");
  let depth = 0;
  for (let i = 0; i < plain.length; i++) {
    const c = plain[i];
    if ("*+?@!".includes(c as string) && plain[i + 1] === "(") {
      if (depth > 0) return true;
      depth++;
      i++;
    } else if (c === "(" && depth > 0) depth++;
    else if (c === ")" && depth > 0) depth--;
    else if (c === "*" && depth > 0) return true;
  }
  return false;
}

/** The largest number of `*` runs in one `/`-separated segment (`**` alone is a segment, not counted; escapes skipped). */
function mostStarsInOneSegment(glob: string): number {
  let most = 0;
  for (const segment of glob.split("/")) {
    if (segment === "**") continue;
    const runs = segment.replace(/\\./g, "").match(/\*+/g)?.length ?? 0;
    most = Math.max(most, runs);
  }
  return most;
}

const nonEmptyText = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: "must not be empty" });
/** Text a reader must find meaningful (a reason, an approver): blank is as empty as "". */
const nonBlankText = (what: string) =>
  nonEmptyText(what).refine((value) => value.trim() !== "", { error: "must not be blank" });

/** A glob relative to the project root; checked here so a typo fails loudly instead of matching nothing. */
const glob = nonEmptyText("a glob string").check((ctx) => {
  const problem = globProblem(ctx.value);
  if (problem !== null) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      message: `invalid glob ${JSON.stringify(ctx.value)} (${problem})`,
    });
  }
});

const PYTHON_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOTTED_MODULE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

const pythonName = nonEmptyText("a Python name").regex(PYTHON_NAME, {
  error: "expected a Python name like get_db_session",
});
const moduleName = nonEmptyText("a module name").regex(DOTTED_MODULE, {
  error: "expected a module name like psycopg2 or mysql.connector",
});
/** A relative path to a Python file or package folder, with `/` separators: `core/database.py`, `app/db`. */
const RELATIVE_PATH = /^(\.\/)?([A-Za-z0-9_.-]+\/)*[A-Za-z_][A-Za-z0-9_]*(\.py)?\/?$/;
/** `connector` entries: a dotted module (`core.database`) or a path inside the project (`core/database.py`). */
const connectorEntry = nonEmptyText("a module name or file path").refine(
  (value) => DOTTED_MODULE.test(value) || (value.includes("/") && RELATIVE_PATH.test(value) && !value.includes("..")),
  { error: "expected a module name like core.database or a file path like core/database.py" },
);

/** A `connector-api` entry: `name`, `module:name`, or `module:*` (every name of a connector package's submodule). */
const apiEntry = nonEmptyText("a Python name or module:name").regex(
  /^(?:[A-Za-z_][A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*:(?:[A-Za-z_][A-Za-z0-9_]*|\*))$/,
  { error: 'expected a Python name like get_db_session, or "module:name" / "module:*" like "app.db.models:*"' },
);

/** Test code (catalog v2 "test module"). */
export const DEFAULT_TEST_MODULES: readonly string[] = [
  "**/tests/**",
  "**/test_*.py",
  "**/*_test.py",
  "**/conftest.py",
];

/** `DBF` alone selects every rule; `DBF4` a family; `DBF401` one rule. */
export const RULE_SELECTOR = /^DBF\d{0,3}$/;
export const RULE_CODE = /^DBF\d{3}$/;

const ruleSelector = z.string({ error: "expected a rule code or prefix like DBF104 or DBF4" }).regex(RULE_SELECTOR, {
  error: "expected a rule code or prefix like DBF104 or DBF4",
});
const ruleCode = z
  .string({ error: "expected a rule code like DBF104" })
  .regex(RULE_CODE, { error: "expected a rule code like DBF104" });

const severity = z.enum(["error", "warning"], {
  error: 'must be "error" or "warning"',
});

/** TOML local dates are turned into "YYYY-MM-DD" strings before validation (load.ts), so one check covers both. */
const isoDate = z.iso.date({ error: "expected a date like 2025-12-31" });

const list = <T extends z.ZodType>(item: T) => z.array(item, { error: "expected an array" });

const lifecycleDefault = {
  startup: "initialize_database",
  shutdown: "shutdown_database",
};

/** Policy thresholds for `dbfence metrics --check` (the seed's targets). */
export const THRESHOLD_DEFAULTS = {
  "connector-usage-points-min": 50,
  "async-endpoints-percent-min": 95,
  "health-latency-ms-max": 1000,
  "coverage-percent-min": 80,
  "violations-per-week-max": 0,
};

const nonNegative = (what: string) => z.number({ error: `expected ${what}` }).min(0, { error: "must not be negative" });
const percent = nonNegative("a percentage (0-100)").max(100, { error: "must be at most 100" });

const exceptionEntry = z.strictObject(
  {
    path: glob.describe("files the exception covers (glob relative to the project root)"),
    rules: list(ruleCode)
      .min(1, { error: "must name at least one rule" })
      .describe("rule codes the exception silences"),
    reason: nonBlankText("a string").describe("why the exception exists"),
    "approved-by": nonBlankText("a string").optional().describe("who approved it"),
    expires: isoDate.optional().describe("after this date the exception stops applying (DBF903)"),
  },
  { error: "expected a table" },
);

export const optionsSchema = z.strictObject(
  {
    src: list(nonEmptyText("a folder"))
      .default(["."])
      .describe("folders that are import roots (module `core.database` = `<src>/core/database.py`)"),
    include: list(glob).default(["."]).describe("what to check (globs or folders, relative to the project root)"),
    exclude: list(glob)
      .default([...DEFAULT_EXCLUDE])
      .describe("what not to check; setting it replaces the default"),
    "extend-exclude": list(glob).default([]).describe("added to `exclude` (keeps its default)"),
    connector: list(connectorEntry)
      .default(["core.database"])
      .describe("dotted module names (or file paths) of the connector"),
    "connector-api": list(apiEntry)
      .default(["get_db_session", "initialize_database", "shutdown_database", "health_check_database", "Base"])
      .describe(
        'names others may import from the connector (DBF101); `"module:name"` and `"module:*"` for a connector package\'s submodules; setting it replaces the default',
      ),
    "extend-connector-api": list(apiEntry).default([]).describe("added to `connector-api` (keeps its default)"),
    "session-dependency": list(pythonName)
      .default(["get_db_session"])
      .describe("connector functions that yield an `AsyncSession`"),
    "test-fixture-modules": list(glob)
      .default(["tests/conftest.py", "**/conftest.py"])
      .describe("files allowed to create test engines/sessions (DBF102/DBF103 only)"),
    "test-modules": list(glob)
      .default([...DEFAULT_TEST_MODULES])
      .describe("test code: its apps are not top-level apps (DBF601/DBF602) and DBF302 does not apply there"),
    "api-paths": list(glob)
      .default(["."])
      .describe("where DBF302 applies (a path without glob characters is a folder prefix)"),
    "health-path": nonEmptyText("a URL path")
      .regex(/^\//, { error: 'expected a URL path starting with "/"' })
      .default("/health/db")
      .describe("route DBF601 looks for"),
    lifecycle: z
      .strictObject(
        {
          startup: pythonName.default(lifecycleDefault.startup),
          shutdown: pythonName.default(lifecycleDefault.shutdown),
        },
        { error: "expected a table" },
      )
      .default({ ...lifecycleDefault })
      .describe("connector functions the app must await at startup and shutdown (DBF602)"),
    drivers: list(moduleName)
      .default([...DEFAULT_DRIVERS])
      .describe("driver top-level module names (DBF104); setting it replaces the default list"),
    "extend-drivers": list(moduleName).default([]).describe("added to `drivers` (keeps the default list)"),
    select: list(ruleSelector)
      .default(["DBF"])
      .describe("rule codes or prefixes to run (`DBF` = all, `DBF4` = a family); each must match a rule"),
    "extend-select": list(ruleSelector).default([]).describe("rule codes or prefixes run in addition to `select`"),
    ignore: list(ruleSelector).default([]).describe("rule codes or prefixes not to run; each must match a rule"),
    severity: z
      .record(ruleCode, severity, { error: "expected a table" })
      .default({})
      .describe('per-code override, e.g. `{ DBF302 = "error" }`'),
    "per-file-ignores": z
      .record(glob, list(ruleSelector), { error: "expected a table" })
      .default({})
      .describe("glob -> rule codes or prefixes not reported in matching files"),
    "require-reason": z
      .boolean({ error: "expected true or false" })
      .default(true)
      .describe("suppression comments need a reason (DBF902)"),
    exceptions: list(exceptionEntry)
      .default([])
      .describe(
        'reviewed, time-boxed exceptions: `path` (glob), `rules` (codes), `reason`, optional `approved-by` and `expires` (a TOML date or a `"YYYY-MM-DD"` string)',
      ),
    thresholds: z
      .strictObject(
        {
          "connector-usage-points-min": nonNegative("a whole number")
            .int({ error: "expected a whole number" })
            .default(THRESHOLD_DEFAULTS["connector-usage-points-min"]),
          "async-endpoints-percent-min": percent.default(THRESHOLD_DEFAULTS["async-endpoints-percent-min"]),
          "health-latency-ms-max": nonNegative("a number of milliseconds").default(
            THRESHOLD_DEFAULTS["health-latency-ms-max"],
          ),
          "coverage-percent-min": percent.default(THRESHOLD_DEFAULTS["coverage-percent-min"]),
          "violations-per-week-max": nonNegative("a whole number")
            .int({ error: "expected a whole number" })
            .default(THRESHOLD_DEFAULTS["violations-per-week-max"]),
        },
        { error: "expected a table" },
      )
      .default({ ...THRESHOLD_DEFAULTS })
      .describe(
        "policy targets `dbfence metrics --check` enforces (see docs/commands/metrics.md); a partial table keeps the other defaults",
      ),
  },
  { error: "expected a table" },
);

/** Options as written in the file (kebab-case), after defaults are applied. */
export type ParsedOptions = z.output<typeof optionsSchema>;
