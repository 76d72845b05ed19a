#!/usr/bin/env node
/** The command line: parses arguments, loads config, calls the engine, prints with a reporter. */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { explainMarkdown, rulesTable } from "./cli/explain.js";
import { ConfigError, loadConfig } from "./config/load.js";
import { runCheck } from "./engine/run.js";
import { decodePythonSource } from "./files/decode.js";
import { formatResult, isOutputFormat, OUTPUT_FORMATS } from "./reporters/index.js";
import { RULES_BY_CODE, ruleMetas } from "./rules/index.js";
import { VERSION } from "./version.js";

const HELP = `dbfence ${VERSION} — keeps a FastAPI + SQLAlchemy backend on its one async database connector

Usage:
  dbfence check [PATHS...] [options]   check Python files (default: the current folder)
  dbfence rules                        list every rule
  dbfence explain CODE                 explain one rule (what, why, example, fix)
  dbfence --version | --help

Options for check:
  --format text|json|sarif|github      output format (default: text)
  --config FILE                        use this config file instead of discovering one
  --select CODES                       only these rule codes or prefixes (comma-separated, e.g. DBF1,DBF401)
  --ignore CODES                       skip these rule codes or prefixes
  --strict                             warnings also make the exit code 1
  --statistics                         text format: counts per rule instead of each finding
  --no-color                           no ANSI colours (also NO_COLOR=1)

Exit codes: 0 no error findings, 1 error findings (or warnings with --strict), 2 usage or configuration error.
Configuration: dbfence.toml, .dbfence.toml or [tool.dbfence] in pyproject.toml (docs/configuration.md).
`;

function fail(message: string): never {
  process.stderr.write(`dbfence: ${message}\n`);
  process.exit(2);
}

function codes(value: string | undefined, option: string): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const known = [...RULES_BY_CODE.keys(), ...CATALOG_ONLY];
  for (const c of list) {
    if (!/^DBF\d{0,3}$/.test(c)) fail(`${option}: '${c}' is not a rule code or prefix (like DBF401 or DBF4)`);
    if (!known.some((k) => k.startsWith(c))) fail(`${option}: no rule matches '${c}'; 'dbfence rules' lists them`);
  }
  return list;
}

/** Codes of the rule catalog that this build does not implement yet; selecting them is not an error. */
const CATALOG_ONLY: string[] = [];

function isInside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

function check(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: "string", default: "text" },
      config: { type: "string" },
      select: { type: "string" },
      ignore: { type: "string" },
      strict: { type: "boolean", default: false },
      statistics: { type: "boolean", default: false },
      "no-color": { type: "boolean", default: false },
    },
  });
  const format = values.format as string;
  if (!isOutputFormat(format)) fail(`--format must be one of ${OUTPUT_FORMATS.join(", ")}, got '${format}'`);
  const paths = (positionals.length > 0 ? positionals : ["."]).map((p) => path.resolve(p));
  for (const p of paths) if (!fs.existsSync(p)) fail(`path '${path.relative(process.cwd(), p) || p}' does not exist`);
  const loaded = loadConfig({
    startPath: paths[0] as string,
    ...(values.config ? { configFile: path.resolve(values.config) } : {}),
  });
  // An explicit --config elsewhere (ci/dbfence.toml) configures the project; it does not move its root.
  if (values.config && !paths.every((p) => isInside(p, loaded.root))) {
    const cwd = process.cwd();
    const first = paths[0] as string;
    loaded.root = paths.every((p) => isInside(p, cwd))
      ? cwd
      : fs.statSync(first).isDirectory()
        ? first
        : path.dirname(first);
  }
  const select = codes(values.select, "--select");
  const ignore = codes(values.ignore, "--ignore");
  const onlyRoot = paths.length === 1 && paths[0] === loaded.root;
  const result = runCheck({
    loaded,
    paths: onlyRoot ? [loaded.root] : paths,
    ...(select ? { select } : {}),
    ...(ignore ? { ignore } : {}),
  });
  for (const n of result.notices) process.stderr.write(`dbfence: warning: ${n}\n`);
  const color = format === "text" && !values["no-color"] && !process.env.NO_COLOR && process.stdout.isTTY === true;
  const out = formatResult(format, result, ruleMetas(), {
    toolVersion: VERSION,
    color,
    statistics: values.statistics,
    sourceLine: (rel, line) => sourceLine(loaded.root, rel, line),
  });
  process.stdout.write(out);
  const failing = result.summary.errors > 0 || (values.strict && result.summary.warnings > 0);
  return failing ? 1 : 0;
}

const sourceCache = new Map<string, string[]>();
function sourceLine(root: string, rel: string, line: number): string | undefined {
  let lines = sourceCache.get(rel);
  if (!lines) {
    try {
      lines = readText(path.resolve(root, rel)).split(/\r\n|\r|\n/);
    } catch {
      lines = [];
    }
    sourceCache.set(rel, lines);
  }
  return lines[line - 1];
}

function readText(file: string): string {
  const decoded = decodePythonSource(fs.readFileSync(file));
  return decoded.ok ? decoded.text : "";
}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case "--help":
    case "-h":
    case "help":
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    case "--version":
    case "-V":
      process.stdout.write(`dbfence ${VERSION}\n`);
      return 0;
    case "check":
      if (rest.includes("--help") || rest.includes("-h")) {
        process.stdout.write(HELP);
        return 0;
      }
      return check(rest);
    case "rules":
      process.stdout.write(rulesTable(ruleMetas().values()));
      return 0;
    case "explain": {
      const code = (rest[0] ?? "").toUpperCase();
      const rule = RULES_BY_CODE.get(code);
      if (!rule) fail(`unknown rule '${rest[0] ?? ""}'; 'dbfence rules' lists them`);
      process.stdout.write(explainMarkdown(ruleMetas().get(code) ?? rule));
      return 0;
    }
    default:
      fail(`unknown command '${command}'; try 'dbfence --help'`);
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (e instanceof ConfigError) fail(e.message);
  if (e instanceof TypeError && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) fail(e.message);
  const detail = e instanceof Error ? (process.env.DBFENCE_DEBUG ? (e.stack ?? e.message) : e.message) : String(e);
  process.stderr.write(`dbfence: internal error: ${detail}\n`);
  process.stderr.write("dbfence: this is a bug in dbfence; please report it with the file that triggered it.\n");
  process.exitCode = 3;
}
