/**
 * The review item "tests on the async fixture", which no rule covers: it is computed from the
 * project's pytest files.
 *
 * - Test files are pytest's defaults: `test_*.py` and `*_test.py`; fixtures also come from
 *   `conftest.py`. Tests are `test*` functions, and `test*` methods of `Test*` classes.
 * - A fixture is a function decorated with `pytest.fixture` / `pytest_asyncio.fixture` (called or
 *   not; `name=` is honoured). What it provides comes from its return annotation (iterators unwrapped)
 *   or, without one, from what it yields or returns (`async with AsyncSession(engine) as s: yield s`).
 * - A test receives a fixture through a parameter of the same name: the fixture in the test's own
 *   module wins, then the nearest `conftest.py` up the folders, as pytest resolves them. A parameter
 *   that names no known fixture is judged by its annotation.
 *
 * Problems: no tests at all; no test receives an `AsyncSession`; a fixture provides a sync `Session`;
 * a test receives a sync `Session`. They are shaped like findings (codes `TESTS-…`) so that `--diff`
 * fingerprints them like any other finding.
 */
import fs from "node:fs";
import path from "node:path";
import type { LoadedConfig } from "../config/load.js";
import { connectorModules, moduleForFile } from "../engine/modules.js";
import { decodePythonSource } from "../files/decode.js";
import { discoverFiles } from "../files/discover.js";
import type { FunctionDef, Module, Stmt } from "../parser/ast.js";
import { parsePython } from "../parser/index.js";
import type { LineMap } from "../parser/lines.js";
import { type Fact, type NameContext, TypeInference } from "../semantic/infer.js";
import type { DbType } from "../semantic/knowledge/sqlalchemy.js";
import { ProjectIndex } from "../semantic/project.js";
import { type FunctionSig, functionSig, type ModuleSummary, summarizeModule } from "../semantic/summary.js";
import type { Finding } from "../types.js";

export const TESTS_ITEM_CODES = {
  none: "TESTS-NONE",
  noAsync: "TESTS-NO-ASYNC-FIXTURE",
  syncFixture: "TESTS-SYNC-FIXTURE",
  syncTest: "TESTS-SYNC-SESSION",
} as const;

type SessionKind = "async" | "sync" | null;

export interface FixtureInfo {
  name: string;
  path: string;
  line: number;
  kind: SessionKind;
}

export interface TestsReport {
  testFiles: number;
  tests: number;
  /** Tests that receive an AsyncSession (through a fixture or an annotated parameter). */
  asyncTests: number;
  /** Fixtures that provide an AsyncSession, and how many tests use each. */
  asyncFixtures: (FixtureInfo & { uses: number })[];
  problems: Finding[];
}

interface ParsedTestFile {
  rel: string;
  module: string;
  tree: Module;
  lines: LineMap;
}

const isTestFile = (name: string) => /^test_.*\.py$/.test(name) || /^.+_test\.py$/.test(name);
const isConftest = (name: string) => name === "conftest.py";
const FIXTURE_DECORATORS = new Set(["pytest.fixture", "pytest_asyncio.fixture", "_pytest.fixtures.fixture"]);

function kindOf(f: Fact | null): SessionKind {
  if (f?.t !== "db") return null;
  const db: DbType = f.db;
  return db === "AsyncSession" ? "async" : db === "Session" ? "sync" : null;
}

/** Analyses the project's tests (the files `check` would read, config include/exclude honoured). */
export function analyzeTests(loaded: LoadedConfig): TestsReport {
  const { root, config } = loaded;
  const files = discoverFiles({
    root,
    paths: [root],
    include: config.include,
    exclude: config.exclude,
    respectGitignore: true,
  }).files;
  const summaries: ModuleSummary[] = [];
  const testish: ParsedTestFile[] = [];
  for (const file of files) {
    const base = path.posix.basename(file.rel);
    if (!file.rel.endsWith(".py") && !file.rel.endsWith(".pyi")) continue;
    let text: string;
    try {
      const decoded = decodePythonSource(fs.readFileSync(file.abs));
      if (!decoded.ok) continue;
      text = decoded.text;
    } catch {
      continue;
    }
    const parsed = parsePython(text);
    if (!parsed.ok) continue;
    const { module, isPackage } = moduleForFile(file.rel, config.src);
    summaries.push(summarizeModule(module, file.rel, isPackage, parsed.module, (o) => parsed.lines.lineOf(o)));
    if (isTestFile(base) || isConftest(base)) {
      testish.push({ rel: file.rel, module, tree: parsed.module, lines: parsed.lines });
    }
  }
  const infer = new TypeInference(new ProjectIndex(summaries), {
    connectors: connectorModules(config.connector, config.src),
    sessionDependencies: config.sessionDependency,
  });
  return judge(testish, infer);
}

interface Fixture extends FixtureInfo {
  uses: number;
}

interface TestFn {
  file: ParsedTestFile;
  fn: FunctionDef;
  /** Leading parameters that are not fixtures (`self`). */
  skip: number;
}

function judge(files: ParsedTestFile[], infer: TypeInference): TestsReport {
  const fixturesByFile = new Map<string, Map<string, Fixture>>();
  const tests: TestFn[] = [];
  const problems: Finding[] = [];

  for (const file of files) {
    const ctx = infer.moduleContext(file.module);
    const own = new Map<string, Fixture>();
    fixturesByFile.set(file.rel, own);
    const isTests = isTestFile(path.posix.basename(file.rel));
    const visitFunction = (fn: FunctionDef, inClass: boolean) => {
      const name = fixtureName(fn, infer, ctx);
      if (name !== null) {
        const kind = fixtureKind(fn, file.module, infer);
        const f: Fixture = { name, path: file.rel, line: file.lines.lineOf(fn.defStart), kind, uses: 0 };
        own.set(name, f);
        if (kind === "sync") {
          problems.push(
            at(
              TESTS_ITEM_CODES.syncFixture,
              file,
              fn,
              `fixture '${name}' provides a sync Session; make it an async fixture that yields an AsyncSession`,
            ),
          );
        }
      } else if (isTests && fn.name.startsWith("test")) {
        tests.push({ file, fn, skip: inClass ? 1 : 0 });
      }
    };
    for (const s of topLevel(file.tree.body)) {
      if (s.kind === "FunctionDef") visitFunction(s, false);
      else if (s.kind === "ClassDef" && s.name.startsWith("Test")) {
        // Fixtures defined in a test class are registered for the whole module: close enough.
        for (const m of s.body) if (m.kind === "FunctionDef") visitFunction(m, true);
      }
    }
  }

  let asyncTests = 0;
  for (const t of tests) {
    const ctx = infer.moduleContext(t.file.module);
    let sync: { how: string } | null = null;
    let usesAsync = false;
    for (const p of t.fn.params.slice(t.skip)) {
      if (p.category !== "plain" || p.name === "") continue;
      const fixture = lookupFixture(p.name, t.file.rel, fixturesByFile);
      const kind = fixture ? fixture.kind : kindOf(infer.paramType(p, ctx));
      if (kind === "async") {
        usesAsync = true;
        if (fixture) fixture.uses++;
      } else if (kind === "sync" && sync === null) {
        sync = {
          how: fixture
            ? `through fixture '${fixture.name}' (${fixture.path}:${fixture.line})`
            : `as parameter '${p.name}'`,
        };
      }
    }
    if (usesAsync) asyncTests++;
    if (sync) {
      problems.push(
        at(
          TESTS_ITEM_CODES.syncTest,
          t.file,
          t.fn,
          `${t.fn.name} receives a sync Session ${sync.how}; use the async session fixture instead`,
        ),
      );
    }
  }

  const allFixtures = [...fixturesByFile.values()].flatMap((m) => [...m.values()]);
  const asyncFixtures = allFixtures.filter((f) => f.kind === "async");
  const testFiles = new Set(tests.map((t) => t.file.rel)).size;
  if (tests.length === 0) {
    problems.push(
      global(TESTS_ITEM_CODES.none, "no tests found (pytest files test_*.py or *_test.py with test functions)"),
    );
  } else if (asyncTests === 0) {
    const fixtures = asyncFixtures.map((f) => `'${f.name}' (${f.path}:${f.line})`).join(", ");
    problems.push(
      global(
        TESTS_ITEM_CODES.noAsync,
        asyncFixtures.length > 0
          ? `no test receives an AsyncSession: the async session fixture ${fixtures} is not used by any test`
          : "no test receives an AsyncSession: add an async session fixture (in tests/conftest.py) and use it in the database tests",
      ),
    );
  }
  return {
    testFiles,
    tests: tests.length,
    asyncTests,
    asyncFixtures: asyncFixtures.sort((a, b) => b.uses - a.uses || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    problems,
  };
}

/** Module-level statements, also inside `if`/`try` blocks. */
function topLevel(body: Stmt[]): Stmt[] {
  const out: Stmt[] = [];
  const stack = [...body].reverse();
  while (stack.length > 0) {
    const s = stack.pop() as Stmt;
    out.push(s);
    const inner =
      s.kind === "If"
        ? [...s.body, ...s.orelse]
        : s.kind === "Try"
          ? [...s.body, ...s.handlers.flatMap((h) => h.body), ...s.orelse, ...s.finalbody]
          : [];
    for (let i = inner.length - 1; i >= 0; i--) stack.push(inner[i] as Stmt);
  }
  return out;
}

function fixtureName(fn: FunctionDef, infer: TypeInference, ctx: NameContext): string | null {
  for (const d of fn.decorators) {
    const target = d.kind === "Call" ? d.func : d;
    const q = infer.qname(target, ctx);
    const last = target.kind === "Attribute" ? target.attr : target.kind === "Name" ? target.id : "";
    if (!(q !== null ? FIXTURE_DECORATORS.has(q) : last === "fixture")) continue;
    if (d.kind === "Call") {
      const named = d.args.find((a) => a.name === "name")?.value;
      if (named?.kind === "Str" && named.value !== null) return named.value;
    }
    return fn.name;
  }
  return null;
}

/** What a fixture provides: its return annotation, else what it yields or returns. */
function fixtureKind(fn: FunctionDef, module: string, infer: TypeInference): SessionKind {
  const sig = functionSig(fn);
  const annotated = kindOf(infer.returnType(module, sig, true));
  if (annotated !== null || sig.returns !== null) return annotated;
  const ctx = functionContext(sig, module, infer);
  for (const v of [...sig.yields, ...sig.returnValues]) {
    const k = kindOf(infer.valueType(v, ctx));
    if (k !== null) return k;
  }
  return null;
}

/** Evaluates names inside a function: parameters by their annotations, locals by their last value. */
function functionContext(sig: FunctionSig, module: string, infer: TypeInference): NameContext {
  const base = infer.moduleContext(module);
  const params = new Map(sig.params.map((p) => [p.name, p]));
  const visiting = new Set<string>();
  const ctx: NameContext = {
    module,
    resolveName: base.resolveName,
    localFact: (name) => {
      const p = params.get(name);
      if (p) return infer.paramType(p, base);
      const value = sig.locals[name];
      if (!value) return undefined;
      if (visiting.has(name)) return null;
      visiting.add(name);
      try {
        return infer.valueType(value, ctx);
      } finally {
        visiting.delete(name);
      }
    },
  };
  return ctx;
}

/** pytest's lookup: the test's module, then conftest.py files from its folder up to the root. */
function lookupFixture(name: string, rel: string, byFile: Map<string, Map<string, Fixture>>): Fixture | null {
  const own = byFile.get(rel)?.get(name);
  if (own) return own;
  let dir = path.posix.dirname(rel);
  for (;;) {
    const conftest = dir === "." ? "conftest.py" : `${dir}/conftest.py`;
    const f = byFile.get(conftest)?.get(name);
    if (f) return f;
    if (dir === "." || dir === "") return null;
    dir = path.posix.dirname(dir);
  }
}

/** A problem at `def name` of a function. */
function at(code: string, file: ParsedTestFile, fn: FunctionDef, message: string): Finding {
  const s = file.lines.position(fn.defStart);
  const e = file.lines.position(fn.nameStart + fn.name.length);
  return {
    code,
    name: "tests-on-async-fixture",
    severity: "error",
    path: file.rel,
    line: s.line,
    column: s.column,
    endLine: e.line,
    endColumn: e.column,
    message,
    fix: null,
  };
}

/** A problem of the whole project: no file, no line. */
function global(code: string, message: string): Finding {
  return {
    code,
    name: "tests-on-async-fixture",
    severity: "error",
    path: "",
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    message,
    fix: null,
  };
}
