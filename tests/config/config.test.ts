import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { type DbfenceConfig, defaultConfig, findConfigFile, loadConfig } from "../../src/config/load.js";
import { configError, DEFAULTS, parseDbfence, parsePyproject, project } from "./helpers.js";

test("defaultConfig() holds the INTERFACE.md defaults", () => {
  assert.deepEqual(defaultConfig(), DEFAULTS);
});

test("defaults are fresh copies: changing one config does not change the next", () => {
  const first = defaultConfig();
  first.exclude.push("changed/**");
  first.lifecycle.startup = "changed";
  first.drivers.length = 0;
  assert.deepEqual(defaultConfig(), DEFAULTS);
  assert.deepEqual(parseDbfence(""), DEFAULTS);
});

// --- discovery --------------------------------------------------------------------------------

test("discovery prefers dbfence.toml, then .dbfence.toml, then pyproject.toml in one folder", () => {
  const pyproject = "[tool.dbfence]\n";
  const all = project({
    "dbfence.toml": "",
    ".dbfence.toml": "",
    "pyproject.toml": pyproject,
  });
  assert.equal(findConfigFile(all), path.join(all, "dbfence.toml"));
  const hidden = project({ ".dbfence.toml": "", "pyproject.toml": pyproject });
  assert.equal(findConfigFile(hidden), path.join(hidden, ".dbfence.toml"));
  const py = project({ "pyproject.toml": pyproject });
  assert.equal(findConfigFile(py), path.join(py, "pyproject.toml"));
});

test("discovery searches upward from a file's folder, and the nearest config wins", () => {
  const root = project({
    "dbfence.toml": 'src = ["outer"]\n',
    "app/.dbfence.toml": 'src = ["inner"]\n',
    "app/api/v1/users.py": "",
    "other/deep/mod.py": "",
  });
  assert.equal(findConfigFile(path.join(root, "other/deep/mod.py")), path.join(root, "dbfence.toml"));
  assert.equal(findConfigFile(path.join(root, "other/deep")), path.join(root, "dbfence.toml"));
  const loaded = loadConfig({
    startPath: path.join(root, "app/api/v1/users.py"),
  });
  assert.equal(loaded.file, path.join(root, "app/.dbfence.toml"));
  assert.equal(loaded.root, path.join(root, "app"));
  assert.deepEqual(loaded.config.src, ["inner"]);
});

test("a pyproject.toml without [tool.dbfence] is skipped and the search goes on upward", () => {
  const root = project({
    "dbfence.toml": 'connector = ["db.core"]\n',
    "service/pyproject.toml": '[project]\nname = "svc"\n\n[tool.ruff]\nline-length = 100\n',
    "service/main.py": "",
  });
  const loaded = loadConfig({ startPath: path.join(root, "service") });
  assert.equal(loaded.file, path.join(root, "dbfence.toml"));
  assert.equal(loaded.root, root);
  assert.deepEqual(loaded.config.connector, ["db.core"]);
});

test("a pyproject.toml that only has [[tool.dbfence.exceptions]] still holds [tool.dbfence]", () => {
  const text = '[[tool.dbfence.exceptions]]\npath = "a.py"\nrules = ["DBF104"]\nreason = "legacy"\n';
  const root = project({ "pyproject.toml": text });
  assert.equal(findConfigFile(root), path.join(root, "pyproject.toml"));
});

test("a broken pyproject.toml that mentions [tool.dbfence] is picked and its syntax error reported", () => {
  const root = project({
    "pyproject.toml": "[tool.dbfence]\nsrc = [\n",
    "dbfence.toml": "",
  });
  const nested = path.join(root, "pkg");
  fs.mkdirSync(nested);
  fs.renameSync(path.join(root, "pyproject.toml"), path.join(nested, "pyproject.toml"));
  assert.equal(findConfigFile(nested), path.join(nested, "pyproject.toml"));
  const error = configError(() => loadConfig({ startPath: nested }));
  assert.equal(error.file, path.join(nested, "pyproject.toml"));
  assert.match(error.message, /pyproject\.toml:3:1: invalid TOML \(at key 'tool\.dbfence'\): /);
});

test("no config anywhere: defaults, root is the start folder (a file's folder)", () => {
  const root = project({ "pkg/mod.py": "" });
  const fromFolder = loadConfig({ startPath: path.join(root, "pkg") });
  assert.deepEqual(fromFolder, {
    root: path.join(root, "pkg"),
    file: null,
    config: DEFAULTS,
  });
  const fromFile = loadConfig({ startPath: path.join(root, "pkg/mod.py") });
  assert.equal(fromFile.root, path.join(root, "pkg"));
  assert.equal(fromFile.file, null);
});

test("an empty dbfence.toml means all defaults, and its folder is the root", () => {
  const root = project({ "dbfence.toml": "", "src/app.py": "" });
  const loaded = loadConfig({ startPath: path.join(root, "src/app.py") });
  assert.deepEqual(loaded, {
    root,
    file: path.join(root, "dbfence.toml"),
    config: DEFAULTS,
  });
});

test("--config: the named file is used even when another config is nearer", () => {
  const root = project({
    "configs/strict.toml": 'select = ["DBF4"]\n',
    "app/dbfence.toml": 'select = ["DBF1"]\n',
  });
  const loaded = loadConfig({
    startPath: path.join(root, "app"),
    configFile: path.join(root, "configs/strict.toml"),
  });
  assert.equal(loaded.file, path.join(root, "configs/strict.toml"));
  assert.equal(loaded.root, path.join(root, "configs"));
  assert.deepEqual(loaded.config.select, ["DBF4"]);
});

test("--config naming a missing file is a ConfigError", () => {
  const root = project({});
  const missing = path.join(root, "nope.toml");
  const error = configError(() => loadConfig({ startPath: root, configFile: missing }));
  assert.equal(error.message, `${missing}: config file not found`);
  assert.equal(error.file, missing);
  assert.equal(error.key, null);
  const folder = configError(() => loadConfig({ startPath: root, configFile: root }));
  assert.match(folder.message, /config file not found$/);
});

test("--config naming a pyproject.toml without [tool.dbfence] is a ConfigError", () => {
  const root = project({ "pyproject.toml": '[project]\nname = "x"\n' });
  const file = path.join(root, "pyproject.toml");
  const error = configError(() => loadConfig({ startPath: root, configFile: file }));
  assert.equal(error.message, `${file}: no [tool.dbfence] table`);
});

// --- every key ---------------------------------------------------------------------------------

const EVERY_KEY = `
src = ["backend", "libs"]
include = ["backend/**", "libs"]
exclude = ["**/generated/**"]
extend-exclude = ["scripts/**"]
connector = ["app.db.connector", "core/database.py"]
connector-api = ["get_session", "Base", "app.db.models:*", "app.db.session:get_db"]
extend-connector-api = ["ping_database"]
session-dependency = ["get_session"]
test-fixture-modules = ["tests/fixtures.py"]
test-modules = ["qa/**"]
api-paths = ["backend/api", "backend/**/routes_*.py"]
health-path = "/healthz/db"
lifecycle = { startup = "open_db", shutdown = "close_db" }
drivers = ["asyncpg", "mysql.connector"]
extend-drivers = ["duckdb"]
select = ["DBF1", "DBF401"]
extend-select = ["DBF6"]
ignore = ["DBF302"]
severity = { DBF302 = "error", DBF104 = "warning" }
per-file-ignores = { "tests/**" = ["DBF1", "DBF203"], "scripts/*.py" = ["DBF104"] }
require-reason = false

[[exceptions]]
path = "backend/legacy/**"
rules = ["DBF104", "DBF105"]
reason = "nightly ETL"
approved-by = "data-team"
expires = 2025-12-31
`;

const EVERY_KEY_CONFIG: DbfenceConfig = {
  src: ["backend", "libs"],
  include: ["backend/**", "libs"],
  exclude: ["**/generated/**", "scripts/**"],
  connector: ["app.db.connector", "core/database.py"],
  connectorApi: ["get_session", "Base", "app.db.models:*", "app.db.session:get_db", "ping_database"],
  sessionDependency: ["get_session"],
  testFixtureModules: ["tests/fixtures.py"],
  testModules: ["qa/**"],
  apiPaths: ["backend/api", "backend/**/routes_*.py"],
  healthPath: "/healthz/db",
  lifecycle: { startup: "open_db", shutdown: "close_db" },
  drivers: ["asyncpg", "mysql.connector", "duckdb"],
  select: ["DBF1", "DBF401", "DBF6"],
  extendSelect: ["DBF6"],
  ignore: ["DBF302"],
  severity: { DBF302: "error", DBF104: "warning" },
  perFileIgnores: {
    "tests/**": ["DBF1", "DBF203"],
    "scripts/*.py": ["DBF104"],
  },
  requireReason: false,
  exceptions: [
    {
      path: "backend/legacy/**",
      rules: ["DBF104", "DBF105"],
      reason: "nightly ETL",
      approvedBy: "data-team",
      expires: "2025-12-31",
      line: 24,
    },
  ],
  thresholds: {
    connectorUsagePointsMin: 50,
    asyncEndpointsPercentMin: 95,
    healthLatencyMsMax: 1000,
    coveragePercentMin: 80,
    violationsPerWeekMax: 0,
  },
};

test("every key round-trips from dbfence.toml", () => {
  assert.deepEqual(parseDbfence(EVERY_KEY), EVERY_KEY_CONFIG);
});

test("every key round-trips from [tool.dbfence] in pyproject.toml", () => {
  const text = `[project]\nname = "svc"\n\n[tool.dbfence]${EVERY_KEY.replace("[[exceptions]]", "[[tool.dbfence.exceptions]]")}`;
  const expected = structuredClone(EVERY_KEY_CONFIG);
  expected.exceptions[0].line = 27;
  assert.deepEqual(parsePyproject(text), expected);
});

test("extend-exclude adds to the default exclude; exclude replaces it", () => {
  assert.deepEqual(parseDbfence('extend-exclude = ["build/**"]').exclude, [
    "**/alembic/**",
    "**/migrations/**",
    "build/**",
  ]);
  assert.deepEqual(parseDbfence('exclude = ["vendor/**"]').exclude, ["vendor/**"]);
  assert.deepEqual(parseDbfence("exclude = []").exclude, []);
  const both = parseDbfence('exclude = ["a/**"]\nextend-exclude = ["b/**", "a/**"]');
  assert.deepEqual(both.exclude, ["a/**", "b/**"]);
});

test("a list setting replaces its default; a partial lifecycle table keeps the other default", () => {
  const config = parseDbfence('drivers = ["asyncpg"]\n[lifecycle]\nstartup = "boot"\n');
  assert.deepEqual(config.drivers, ["asyncpg"]);
  assert.deepEqual(config.lifecycle, {
    startup: "boot",
    shutdown: "shutdown_database",
  });
  assert.deepEqual(parseDbfence("connector-api = []").connectorApi, []);
});

test("an empty [tool.dbfence] table means all defaults", () => {
  assert.deepEqual(parsePyproject("[tool.dbfence]\n\n[tool.black]\nline-length = 99\n"), DEFAULTS);
});
