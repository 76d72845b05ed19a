import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { loadConfig, parseConfigText } from "../../src/config/load.js";
import { configError, parseDbfence, parsePyproject, project } from "./helpers.js";

// --- errors ------------------------------------------------------------------------------------

test("an unknown top-level key names the file and the key, with a suggestion", () => {
  const error = configError(() => parseDbfence('conector = ["core.database"]'));
  assert.equal(error.message, "dbfence.toml: unknown key 'conector' (did you mean 'connector'?)");
  assert.equal(error.key, "conector");
  assert.equal(error.file, path.resolve("dbfence.toml"));
  const snake = configError(() => parseDbfence("extend_exclude = []"));
  assert.equal(snake.message, "dbfence.toml: unknown key 'extend_exclude' (did you mean 'extend-exclude'?)");
  const unrelated = configError(() => parseDbfence("limits = { max = 3 }"));
  assert.equal(unrelated.message, "dbfence.toml: unknown key 'limits'");
});

test("an unknown nested key under [tool.dbfence] names the table and the key", () => {
  const error = configError(() => parsePyproject('[tool.dbfence.lifecycle]\nstartp = "boot"\n'));
  assert.equal(
    error.message,
    "pyproject.toml: [tool.dbfence] unknown key 'lifecycle.startp' (did you mean 'lifecycle.startup'?)",
  );
  assert.equal(error.key, "lifecycle.startp");
  const top = configError(() => parsePyproject('[tool.dbfence]\nselect = ["DBF1"]\nignroe = []\n'));
  assert.equal(top.message, "pyproject.toml: [tool.dbfence] unknown key 'ignroe' (did you mean 'ignore'?)");
});

test("an unknown key inside an exception entry is reported with its index", () => {
  const text = '[[exceptions]]\npath = "a.py"\nrules = ["DBF104"]\nreason = "r"\naproved-by = "me"\n';
  const error = configError(() => parseDbfence(text));
  assert.equal(
    error.message,
    "dbfence.toml: unknown key 'exceptions[0].aproved-by' (did you mean 'exceptions[0].approved-by'?)",
  );
  assert.equal(error.key, "exceptions[0].aproved-by");
});

test("wrong types are errors that name the key and echo the value", () => {
  const cases: [string, string, string][] = [
    ["src = 42", "src", "dbfence.toml: src: expected an array, got 42"],
    ['src = "app"', "src", 'dbfence.toml: src: expected an array, got "app"'],
    ["include = [1]", "include[0]", "dbfence.toml: include[0]: expected a glob string, got 1"],
    ['require-reason = "yes"', "require-reason", 'dbfence.toml: require-reason: expected true or false, got "yes"'],
    ['lifecycle = "boot"', "lifecycle", 'dbfence.toml: lifecycle: expected a table, got "boot"'],
    [
      'health-path = "health"',
      "health-path",
      'dbfence.toml: health-path: expected a URL path starting with "/", got "health"',
    ],
    [
      'drivers = ["my-driver"]',
      "drivers[0]",
      'dbfence.toml: drivers[0]: expected a module name like psycopg2 or mysql.connector, got "my-driver"',
    ],
    ["exceptions = [3]", "exceptions[0]", "dbfence.toml: exceptions[0]: expected a table, got 3"],
    [
      'connector-api = ["app.db:"]',
      "connector-api[0]",
      'dbfence.toml: connector-api[0]: expected a Python name like get_db_session, or "module:name" / "module:*" like "app.db.models:*", got "app.db:"',
    ],
    [
      'connector-api = ["*"]',
      "connector-api[0]",
      'dbfence.toml: connector-api[0]: expected a Python name like get_db_session, or "module:name" / "module:*" like "app.db.models:*", got "*"',
    ],
    ["test-modules = [1]", "test-modules[0]", "dbfence.toml: test-modules[0]: expected a glob string, got 1"],
  ];
  for (const [text, key, message] of cases) {
    const error = configError(() => parseDbfence(text));
    assert.equal(error.message, message);
    assert.equal(error.key, key);
  }
  const severity = configError(() => parsePyproject('[tool.dbfence]\nseverity = { DBF302 = "fatal" }'));
  assert.equal(
    severity.message,
    'pyproject.toml: [tool.dbfence] severity.DBF302: must be "error" or "warning", got "fatal"',
  );
  assert.equal(severity.key, "severity.DBF302");
  const notTable = configError(() => parsePyproject("[tool]\ndbfence = 3\n"));
  assert.equal(notTable.message, "pyproject.toml: [tool.dbfence] must be a table, got 3");
});

test("invalid or empty globs are rejected wherever globs are expected", () => {
  const error = configError(() => parseDbfence('exclude = ["[abc"]'));
  assert.equal(error.message, 'dbfence.toml: exclude[0]: invalid glob "[abc" (missing closing: "]")');
  assert.equal(error.key, "exclude[0]");
  assert.equal(
    configError(() => parseDbfence('include = [""]')).message,
    "dbfence.toml: include[0]: must not be empty",
  );
  const key = configError(() => parseDbfence('per-file-ignores = { "src/{a,b" = ["DBF1"] }'));
  assert.equal(key.key, 'per-file-ignores."src/{a,b"');
  assert.match(key.message, /invalid glob "src\/\{a,b"/);
  const entry = '[[exceptions]]\npath = "legacy/@(a"\nrules = ["DBF104"]\nreason = "r"\n';
  assert.equal(configError(() => parseDbfence(entry)).key, "exceptions[0].path");
  assert.equal(configError(() => parseDbfence('api-paths = ["a]"]')).key, "api-paths[0]");
});

test("rule codes: prefixes allowed in select/ignore/per-file-ignores, exact codes in severity/exceptions", () => {
  assert.deepEqual(parseDbfence('select = ["DBF", "DBF4", "DBF40", "DBF401"]').select, [
    "DBF",
    "DBF4",
    "DBF40",
    "DBF401",
  ]);
  const lower = configError(() => parseDbfence('select = ["dbf1"]'));
  assert.equal(
    lower.message,
    'dbfence.toml: select[0]: expected a rule code or prefix like DBF104 or DBF4, got "dbf1"',
  );
  assert.equal(configError(() => parseDbfence('ignore = ["DBF1041"]')).key, "ignore[0]");
  assert.equal(configError(() => parseDbfence('ignore = ["E501"]')).key, "ignore[0]");
  const pfi = configError(() => parseDbfence('per-file-ignores = { "tests/**" = ["DBFX"] }'));
  assert.equal(pfi.key, 'per-file-ignores."tests/**"[0]');
  const severity = configError(() => parseDbfence('severity = { DBF3 = "error" }'));
  assert.equal(
    severity.message,
    'dbfence.toml: severity.DBF3: invalid key: expected a rule code like DBF104, got "DBF3"',
  );
  const rule = configError(() => parseDbfence('exceptions = [{ path = "a.py", rules = ["DBF1"], reason = "r" }]'));
  assert.equal(rule.message, 'dbfence.toml: exceptions[0].rules[0]: expected a rule code like DBF104, got "DBF1"');
});

test("an exception needs a path, at least one rule and a reason", () => {
  const noReason = configError(() => parseDbfence('[[exceptions]]\npath = "a.py"\nrules = ["DBF104"]\n'));
  assert.equal(noReason.message, "dbfence.toml: exceptions[0]: missing required key 'reason'");
  assert.equal(noReason.key, "exceptions[0].reason");
  const noRules = configError(() => parseDbfence('[[exceptions]]\npath = "a.py"\nrules = []\nreason = "r"\n'));
  assert.equal(noRules.message, "dbfence.toml: exceptions[0].rules: must name at least one rule");
  const noPath = configError(() => parseDbfence('[[exceptions]]\nrules = ["DBF104"]\nreason = "r"\n'));
  assert.equal(noPath.key, "exceptions[0].path");
});

const entry = (expires: string) =>
  `[[exceptions]]\npath = "a.py"\nrules = ["DBF104"]\nreason = "r"\nexpires = ${expires}\n`;

test("expires accepts a TOML local date or a YYYY-MM-DD string, both as YYYY-MM-DD", () => {
  assert.equal(parseDbfence(entry("2026-01-15")).exceptions[0].expires, "2026-01-15");
  assert.equal(parseDbfence(entry('"2026-01-15"')).exceptions[0].expires, "2026-01-15");
  assert.equal(parseDbfence(entry("2024-02-29")).exceptions[0].expires, "2024-02-29");
  const py = parsePyproject(
    `[[tool.dbfence.exceptions]]\npath = "a.py"\nrules = ["DBF104"]\nreason = "r"\nexpires = 2030-06-01\n`,
  );
  assert.equal(py.exceptions[0].expires, "2030-06-01");
  assert.equal(parseDbfence(entry('"2026-01-15"').replace(/expires.*\n/, "")).exceptions[0].expires, null);
});

test("bad dates are errors naming the entry", () => {
  const twoEntries = `${entry('"2026-01-01"')}${entry('"next year"')}`;
  const words = configError(() => parseDbfence(twoEntries));
  assert.equal(words.message, 'dbfence.toml: exceptions[1].expires: expected a date like 2025-12-31, got "next year"');
  assert.equal(words.key, "exceptions[1].expires");
  const impossible = configError(() => parseDbfence(entry('"2025-02-30"')));
  assert.equal(
    impossible.message,
    'dbfence.toml: exceptions[0].expires: expected a date like 2025-12-31, got "2025-02-30"',
  );
  // smol-toml would roll a TOML 2025-02-30 over to March 2; dbfence refuses it instead.
  const literal = configError(() => parseDbfence(entry("2025-02-30")));
  assert.equal(literal.message, "dbfence.toml:5: invalid TOML: 2025-02-30 is not a calendar date");
  const dateTime = configError(() => parseDbfence(entry("2025-12-31T10:00:00")));
  assert.equal(dateTime.key, "exceptions[0].expires");
  assert.match(dateTime.message, /expected a date like 2025-12-31, got the date-time 2025-12-31T10:00:00/);
  assert.equal(configError(() => parseDbfence(entry("20251231"))).key, "exceptions[0].expires");
});

test("a TOML syntax error names the file, line and column", () => {
  const error = configError(() => parseDbfence('src = ["a"]\nselect = = ["DBF1"]\n'));
  assert.equal(error.message, "dbfence.toml:2:10: invalid TOML (at key 'select'): invalid value");
  assert.equal(error.file, path.resolve("dbfence.toml"));
  assert.equal(error.key, "select");
  const duplicate = configError(() => parseDbfence('src = ["a"]\n\nsrc = ["b"]\n'));
  assert.match(duplicate.message, /^dbfence\.toml:3:1: invalid TOML \(at key 'src'\): /);
});

test("messages show the file relative to the cwd when inside it, else as given", () => {
  const inside = path.join(process.cwd(), "sub", "dbfence.toml");
  const error = configError(() => parseConfigText("bad = 1", inside, "dbfence"));
  assert.equal(error.message, "sub/dbfence.toml: unknown key 'bad'");
  assert.equal(error.file, inside);
  const root = project({ "dbfence.toml": "bad = 1" });
  const outside = configError(() => loadConfig({ startPath: root }));
  assert.equal(outside.message, `${path.join(root, "dbfence.toml")}: unknown key 'bad'`);
});

// --- issue 17: configs that used to be accepted silently ---------------------------------------

test("a TOML error inside a table names the table's key", () => {
  const error = configError(() => parseDbfence('src = ["a"]\n[thresholds]\n# note\nviolations-per-week-max = = 1\n'));
  assert.match(error.message, /^dbfence\.toml:4:\d+: invalid TOML \(at key 'thresholds\.violations-per-week-max'\): /);
  assert.equal(error.key, "thresholds.violations-per-week-max");
  const pyproject = configError(() => parsePyproject('[tool.dbfence]\nselect = ["DBF1",\n'));
  assert.match(pyproject.message, /^pyproject\.toml:\d+:\d+: invalid TOML/);
});

test("a connector that is neither a module name nor a file path is an error", () => {
  for (const bad of ["!!bad", "core database", "../outside/db.py", "core..database"]) {
    const error = configError(() => parseDbfence(`connector = [${JSON.stringify(bad)}]`));
    assert.equal(error.key, "connector[0]", bad);
    assert.match(error.message, /expected a module name like core\.database or a file path like core\/database\.py/);
  }
  for (const good of ["core.database", "core/database.py", "app/db", "src/app/db/__init__.py", "./core/database.py"]) {
    assert.deepEqual(parseDbfence(`connector = [${JSON.stringify(good)}]`).connector, [good]);
  }
});

test("keys naming object machinery (__proto__, constructor) are refused wherever they stand", () => {
  const cases: [string, string][] = [
    ['severity = { __proto__ = "error" }', "severity.__proto__"],
    ['per-file-ignores = { __proto__ = ["DBF104"] }', "per-file-ignores.__proto__"],
    ["[thresholds]\nconstructor = 1\n", "thresholds.constructor"],
    ['[[exceptions]]\npath = "a.py"\nrules = ["DBF104"]\nreason = "r"\n__proto__ = 1\n', "exceptions[0].__proto__"],
  ];
  for (const [text, key] of cases) {
    const error = configError(() => parseDbfence(text));
    assert.equal(error.key, key, text);
    assert.match(error.message, new RegExp(`key '${key.replace(/[.[\]]/g, "\\$&")}' is not allowed`));
  }
});

test("a config file that is not valid UTF-8 is an error at the line of the bad byte", () => {
  const root = project({});
  fs.writeFileSync(path.join(root, "dbfence.toml"), Buffer.from('src = ["."]\nconnector = ["core.\xff"]\n', "latin1"));
  const error = configError(() => loadConfig({ startPath: root }));
  assert.match(error.message, /dbfence\.toml:2: invalid TOML: the file is not valid UTF-8/);
});

test("a misspelt or unterminated [tool.dbfence] header in pyproject.toml is an error, not the defaults", () => {
  const typo = project({ "pyproject.toml": '[tool.dbfenc]\nsrc = ["."]\n' });
  const error = configError(() => loadConfig({ startPath: typo }));
  assert.match(error.message, /no \[tool\.dbfence\] table; \[tool\.dbfenc\] looks like a misspelt \[tool\.dbfence\]/);
  const tools = project({ "pyproject.toml": '[tools.dbfence]\nsrc = ["."]\n' });
  assert.match(configError(() => loadConfig({ startPath: tools })).message, /\[tools\.dbfence\] looks like a misspelt/);
  const open = project({ "pyproject.toml": '[tool.dbfence\nsrc = ["."]\n' });
  assert.match(configError(() => loadConfig({ startPath: open })).message, /^.*pyproject\.toml:1:\d+: invalid TOML/);
  const unrelated = project({ "pyproject.toml": "[tool.black]\nline-length = 100\n", "dbfence.toml": "" });
  assert.equal(loadConfig({ startPath: unrelated }).file, path.join(unrelated, "dbfence.toml"));
});

test("a blank exception reason or approver, and a fractional weekly violation threshold, are errors", () => {
  const entry = (extra: string) => `[[exceptions]]\npath = "a.py"\nrules = ["DBF104"]\n${extra}\n`;
  assert.equal(configError(() => parseDbfence(entry('reason = "   "'))).key, "exceptions[0].reason");
  assert.match(configError(() => parseDbfence(entry('reason = "\t"'))).message, /must not be blank/);
  assert.equal(
    configError(() => parseDbfence(entry('reason = "r"\napproved-by = " "'))).key,
    "exceptions[0].approved-by",
  );
  const fraction = configError(() => parseDbfence("[thresholds]\nviolations-per-week-max = 0.5\n"));
  assert.equal(fraction.key, "thresholds.violations-per-week-max");
  assert.match(fraction.message, /expected a whole number, got 0\.5/);
});

test("a glob whose matching could backtrack for minutes is refused at once, naming the key", () => {
  const started = performance.now();
  const error = configError(() => parseDbfence('exclude = ["**/*a*a*a*a*a*a*b"]'));
  assert.equal(error.key, "exclude[0]");
  assert.match(error.message, /7 \* wildcards in one path segment, at most 3/);
  assert.equal(
    configError(() => parseDbfence('per-file-ignores = { "*a*b*c*d.py" = ["DBF1"] }')).key?.startsWith(
      "per-file-ignores",
    ),
    true,
  );
  assert.ok(performance.now() - started < 5000);
  for (const nested of ["**/+(*a)+(*a)b", "legacy/*(a*)", "@(x|+(y))"]) {
    const e = configError(() => parseDbfence(`exclude = [${JSON.stringify(nested)}]`));
    assert.match(e.message, /extglob group with a wildcard or another group inside/, nested);
  }
  // Ordinary globs, `**` segments, plain extglobs and escaped stars stay valid.
  assert.equal(parseDbfence('exclude = ["**/@(alembic|migrations)/**", "+(a|b).py"]').exclude.length, 2);
  const ok = parseDbfence('exclude = ["**/*_test.py", "**/**/legacy/**", "a/*x*y*.py", "lit\\\\*\\\\*\\\\*\\\\*.py"]');
  assert.equal(ok.exclude.length, 4);
});
