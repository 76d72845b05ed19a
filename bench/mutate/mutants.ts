/**
 * Mutants for bench/mutate: one injected violation each, built from the sites `sites.py` found.
 * A mutant is a list of in-line edits and whole-line insertions on one file; `applyMutant` returns the new
 * text and the map from new line numbers to original ones (0 = an inserted line).
 */

export const OPERATORS = [
  "drop-await",
  "await-sync",
  "sync-handler",
  "driver-import",
  "connector-internal",
  "gather",
  "raw-sql",
  "blocking-helper",
] as const;
export type Operator = (typeof OPERATORS)[number];

export const EXPECTED_CODE: Record<Operator, string> = {
  "drop-await": "DBF401",
  "await-sync": "DBF402",
  "sync-handler": "DBF301",
  "driver-import": "DBF104",
  "connector-internal": "DBF101",
  gather: "DBF404",
  "raw-sql": "DBF501",
  "blocking-helper": "DBF304",
};

/** Replace `len` characters at 1-based `line`, 0-based character `col`, by `text` (no newlines). */
export interface Edit {
  line: number;
  col: number;
  len: number;
  text: string;
}

/** Insert `lines` after original line `after` (0 = before the first line, -1 = after the last line). */
export interface Insert {
  after: number;
  lines: string[];
}

export interface Mutant {
  id: string;
  operator: Operator;
  variant: string;
  expect: string;
  file: string;
  edits: Edit[];
  inserts: Insert[];
  /** Where the finding is expected: an original line, or line `k` of insert number `insert`. */
  expectAt: { orig: number } | { insert: number; k: number };
  /** Original lines [from, to] that belong to the mutant (edited), besides the inserted ones. */
  region: [number, number][];
  site: Record<string, unknown>;
}

export interface Applied {
  text: string;
  /** newToOrig[newLine] = original line, or 0 for an inserted line (index 0 unused). */
  newToOrig: number[];
  expectedLine: number;
}

export function applyMutant(original: string, m: Mutant): Applied {
  const lines = original.split("\n");
  const trailing = lines.length > 0 && lines[lines.length - 1] === "";
  if (trailing) lines.pop();
  const edits = [...m.edits].sort((a, b) => a.line - b.line || b.col - a.col);
  for (const e of edits) {
    const l = lines[e.line - 1] ?? "";
    lines[e.line - 1] = l.slice(0, e.col) + e.text + l.slice(e.col + e.len);
  }
  const inserts = m.inserts.map((ins) => (ins.after === -1 ? { ...ins, after: lines.length } : ins));
  const out: string[] = [];
  const newToOrig: number[] = [0];
  const insertLine: number[][] = m.inserts.map(() => []);
  const emitInserts = (after: number): void => {
    inserts.forEach((ins, idx) => {
      if (ins.after !== after) return;
      for (const text of ins.lines) {
        out.push(text);
        newToOrig.push(0);
        insertLine[idx]?.push(out.length);
      }
    });
  };
  emitInserts(0);
  lines.forEach((text, i) => {
    out.push(text);
    newToOrig.push(i + 1);
    emitInserts(i + 1);
  });
  const at = m.expectAt;
  const expectedLine = "orig" in at ? newToOrig.indexOf(at.orig) : (insertLine[at.insert]?.[at.k] ?? -1);
  return { text: out.join("\n") + (trailing ? "\n" : ""), newToOrig, expectedLine };
}

/** Seeded PRNG (mulberry32): the same seed picks the same sites and variants. */
export { rng as prng } from "../generate.js";

export function shuffled<T>(items: T[], rand: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

type Site = Record<string, unknown> & { file: string };
export interface ModuleInfo {
  importPoint: number | null;
  asyncio: boolean;
  lines: number;
}

const DRIVER_IMPORTS = [
  "import asyncpg",
  "import psycopg2",
  "from aiosqlite import connect",
  "import pymysql",
  "from psycopg import AsyncConnection",
];

function base(op: Operator, site: Site, variant: string): Omit<Mutant, "id" | "edits" | "inserts" | "expectAt"> {
  return { operator: op, variant, expect: EXPECTED_CODE[op], file: site.file, region: [], site };
}

/** `import asyncio` at the module's import point when the module does not import it. */
function asyncioImport(mod: ModuleInfo | undefined): Insert[] {
  if (!mod || mod.asyncio || mod.importPoint === null) return [];
  return [{ after: mod.importPoint - 1, lines: ["import asyncio"] }];
}

function anchored(
  op: Operator,
  site: Site,
  variant: string,
  body: string[],
  k: number,
  extra: Insert[],
): Omit<Mutant, "id"> {
  const indent = String(site.indent);
  const ins: Insert = { after: Number(site.after), lines: body.map((l) => indent + l) };
  return { ...base(op, site, variant), edits: [], inserts: [ins, ...extra], expectAt: { insert: 0, k } };
}

function gatherVariant(site: Site, v: number, mod: ModuleInfo | undefined): Omit<Mutant, "id"> {
  const s = String(site.session);
  const variants: [string, string[], number][] = [
    ["gather-two", [`await asyncio.gather(${s}.flush(), ${s}.commit())`], 0],
    ["gather-list-comprehension", [`await asyncio.gather(*[${s}.flush() for _dbf_i in range(2)])`], 0],
    ["gather-generator", [`await asyncio.gather(*(${s}.commit() for _dbf_i in range(2)))`], 0],
    ["gather-in-loop", ["for _dbf_i in range(2):", `    await asyncio.gather(${s}.flush(), ${s}.rollback())`], 1],
    [
      "taskgroup-create-task-in-loop",
      [
        "async with asyncio.TaskGroup() as _dbf_tg:",
        "    for _dbf_i in range(2):",
        `        _dbf_tg.create_task(${s}.flush())`,
      ],
      2,
    ],
    [
      "wait-two-tasks",
      [`await asyncio.wait([asyncio.create_task(${s}.flush()), asyncio.create_task(${s}.commit())])`],
      0,
    ],
  ];
  const [name, body, k] = variants[v % variants.length] as [string, string[], number];
  return anchored("gather", site, name, body, k, asyncioImport(mod));
}

function rawSqlVariant(site: Site, v: number): Omit<Mutant, "id"> {
  const s = String(site.session);
  const variants: [string, string[], number][] = [
    ["literal", [`await ${s}.execute("SELECT 1")`], 0],
    ["name-bound-to-literal", ['_dbf_sql = "SELECT 1"', `await ${s}.execute(_dbf_sql)`], 1],
    ["constant-concatenation", [`_dbf_n = await ${s}.scalar("SELECT " + "1")`], 0],
    ["literal-result-used", [`_dbf_rows = (await ${s}.execute("SELECT 1")).all()`], 0],
  ];
  const [name, body, k] = variants[v % variants.length] as [string, string[], number];
  return anchored("raw-sql", site, name, body, k, []);
}

function blockingVariant(site: Site, v: number): Omit<Mutant, "id"> {
  const variants: [string, string[]][] = [
    [
      "helper-sqlite3",
      [
        "",
        "",
        "def _dbf_blocking_helper():",
        "    import sqlite3",
        '    conn = sqlite3.connect("app.db")',
        '    return conn.execute("SELECT 1").fetchall()',
      ],
    ],
    [
      "chain-of-two-psycopg2",
      [
        "",
        "",
        "def _dbf_blocking_helper():",
        "    return _dbf_blocking_inner()",
        "",
        "",
        "def _dbf_blocking_inner():",
        "    import psycopg2",
        '    conn = psycopg2.connect("dbname=app")',
        "    cur = conn.cursor()",
        '    cur.execute("SELECT 1")',
        "    return cur.fetchall()",
      ],
    ],
  ];
  const [name, helper] = variants[v % variants.length] as [string, string[]];
  const m = anchored("blocking-helper", site, name, ["_dbf_blocking_helper()"], 0, []);
  m.inserts.push({ after: -1, lines: helper });
  return m;
}

/** The mutant for `site` of `op`; `v` picks the variant (seeded by the caller). */
export function buildMutant(
  op: Operator,
  site: Site,
  v: number,
  modules: Record<string, ModuleInfo>,
): Omit<Mutant, "id"> {
  const mod = modules[site.file];
  switch (op) {
    case "drop-await": {
      const line = Number(site.line);
      return {
        ...base(op, site, `drop-await-${String(site.method)}`),
        edits: [{ line, col: Number(site.col), len: Number(site.len), text: "" }],
        inserts: [],
        expectAt: { orig: line },
        region: [[line, line]],
      };
    }
    case "await-sync": {
      const line = Number(site.line);
      return {
        ...base(op, site, `await-${String(site.method)}`),
        edits: [{ line, col: Number(site.col), len: 0, text: "await " }],
        inserts: [],
        expectAt: { orig: line },
        region: [[line, line]],
      };
    }
    case "sync-handler":
      return {
        ...base(op, site, "async-def-to-def"),
        edits: site.edits as Edit[],
        inserts: [],
        expectAt: { orig: Number(site.line) },
        region: [site.region as [number, number]],
      };
    case "driver-import": {
      const text = DRIVER_IMPORTS[v % DRIVER_IMPORTS.length] as string;
      return {
        ...base(op, site, text),
        edits: [],
        inserts: [{ after: Number(site.before) - 1, lines: [text] }],
        expectAt: { insert: 0, k: 0 },
        region: [],
      };
    }
    case "connector-internal": {
      const internals = site.internals as { module: string; name: string }[];
      const pick = internals[v % internals.length] as { module: string; name: string };
      const text = `from ${pick.module} import ${pick.name}`;
      return {
        ...base(op, site, text),
        edits: [],
        inserts: [{ after: Number(site.before) - 1, lines: [text] }],
        expectAt: { insert: 0, k: 0 },
        region: [],
      };
    }
    case "gather":
      return gatherVariant(site, v, mod);
    case "raw-sql":
      return rawSqlVariant(site, v);
    case "blocking-helper":
      return blockingVariant(site, v);
  }
}
