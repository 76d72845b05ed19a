/** Loading dbfence's configuration: discovery, TOML parsing, validation, and the engine-facing shape. */
import fs from "node:fs";
import path from "node:path";
import { parse, TomlDate, TomlError } from "smol-toml";
import { z } from "zod";
import { findConfigFile, isFile, misspeltDbfenceTable, startFolder } from "./discover.js";
import { exceptionLines, firstImpossibleDate } from "./lines.js";
import { describeIssue, describeValue, genericErrorMap, type KeyPath } from "./messages.js";
import { optionsSchema, type ParsedOptions } from "./schema.js";

export { findConfigFile } from "./discover.js";

export interface ExceptionEntry {
  path: string;
  rules: string[];
  reason: string;
  approvedBy: string | null;
  /** "YYYY-MM-DD" */
  expires: string | null;
  /** 1-based line where the entry starts: its `[[exceptions]]` header, or its `{` in an inline array. */
  line: number;
}

export interface DbfenceConfig {
  src: string[];
  include: string[];
  /** The default (or `exclude`) plus `extend-exclude`. */
  exclude: string[];
  connector: string[];
  connectorApi: string[];
  sessionDependency: string[];
  testFixtureModules: string[];
  /** Test code (catalog v2): apps there are not top-level, DBF302 does not apply. */
  testModules: string[];
  apiPaths: string[];
  healthPath: string;
  lifecycle: { startup: string; shutdown: string };
  drivers: string[];
  /** `select` plus `extend-select`. */
  select: string[];
  /** The `extend-select` part of `select` (for messages that name the key). */
  extendSelect: string[];
  ignore: string[];
  severity: Record<string, "error" | "warning">;
  perFileIgnores: Record<string, string[]>;
  requireReason: boolean;
  exceptions: ExceptionEntry[];
  thresholds: Thresholds;
}

/** `[thresholds]`: the policy targets `dbfence metrics --check` enforces. */
export interface Thresholds {
  connectorUsagePointsMin: number;
  asyncEndpointsPercentMin: number;
  healthLatencyMsMax: number;
  coveragePercentMin: number;
  violationsPerWeekMax: number;
}

export interface LoadedConfig {
  /** Absolute project root: the config file's folder, or the start folder when there is none. */
  root: string;
  /** Absolute path of the config file, null when none was found. */
  file: string | null;
  config: DbfenceConfig;
}

/** A configuration problem (exit 2). `file` is absolute; `key` is the offending option's path, e.g. `exceptions[1].expires`. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file: string | null,
    readonly key: string | null,
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

export type ConfigKind = "dbfence" | "pyproject";

export function defaultConfig(): DbfenceConfig {
  return toConfig(optionsSchema.parse({}), []);
}

export function loadConfig(opts: { startPath: string; configFile?: string }): LoadedConfig {
  if (opts.configFile !== undefined) {
    const file = path.resolve(opts.configFile);
    if (!isFile(file)) {
      throw new ConfigError(`${opts.configFile}: config file not found`, file, null);
    }
    return loadFile(file);
  }
  const found = findConfigFile(opts.startPath);
  if (found === null) {
    return {
      root: startFolder(opts.startPath),
      file: null,
      config: defaultConfig(),
    };
  }
  return loadFile(found);
}

function loadFile(file: string): LoadedConfig {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`${displayPath(file)}: cannot read: ${reason}`, file, null);
  }
  const text = decodeConfig(bytes, file);
  const kind: ConfigKind = path.basename(file) === "pyproject.toml" ? "pyproject" : "dbfence";
  return {
    root: path.dirname(file),
    file,
    config: parseConfigText(text, file, kind),
  };
}

/** Parses and validates one config file's text; `file` is used for messages only. */
export function parseConfigText(text: string, file: string, kind: ConfigKind): DbfenceConfig {
  const shown = displayPath(file);
  const source = text.replace(/^\uFEFF/, "");
  const document = parseToml(source, shown, file);
  const options = kind === "pyproject" ? dbfenceTable(document, shown, file) : document;
  normaliseExpiryDates(options);
  const result = optionsSchema.safeParse(options, { error: genericErrorMap });
  if (!result.success) throw validationError(result.error, options, kind, shown, file);
  const arrayPath = kind === "pyproject" ? ["tool", "dbfence", "exceptions"] : ["exceptions"];
  return toConfig(result.data, exceptionLines(source, arrayPath, result.data.exceptions.length));
}

/**
 * The dotted key a TOML line sets (`select`, `thresholds.violations-per-week-max`), or the table its header
 * opens, for messages about a line the TOML parser rejected; null when the line names none.
 */
export function keyAtLine(text: string, line: number): string | null {
  const lines = text.split(/\r?\n/);
  const header = /^\s*\[\[?\s*([^\][]*?)\s*\]?\]?\s*(#.*)?$/;
  const assignment = /^\s*([A-Za-z0-9_\-."' ]+?)\s*=/;
  const clean = (key: string) => key.replace(/["'\s]/g, "");
  const own = lines[line - 1] ?? "";
  const ownHeader = header.exec(own);
  if (ownHeader !== null && own.trimStart().startsWith("[")) return clean(ownHeader[1]) || null;
  const ownKey = assignment.exec(own);
  let table = "";
  for (let i = line - 2; i >= 0; i--) {
    const found = lines[i].trimStart().startsWith("[") ? header.exec(lines[i]) : null;
    if (found !== null) {
      table = clean(found[1]);
      break;
    }
  }
  if (ownKey === null) return table === "" ? null : table;
  return table === "" ? clean(ownKey[1]) : `${table}.${clean(ownKey[1])}`;
}

/** TOML is UTF-8: invalid bytes are an error at their line, never silently replaced (a key could change meaning). */
function decodeConfig(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const line = firstInvalidUtf8Line(bytes);
    const message = `${displayPath(file)}:${line}: invalid TOML: the file is not valid UTF-8 (TOML files must be UTF-8)`;
    throw new ConfigError(message, file, null);
  }
}

function firstInvalidUtf8Line(bytes: Buffer): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    try {
      decoder.decode(bytes.subarray(start, i));
    } catch {
      return line;
    }
    line++;
    start = i + 1;
  }
  return line;
}

/** Keys that name Object's own machinery: a table holding one would be read differently by different code. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

function forbiddenKey(value: unknown, at: string[]): string | null {
  if (value === null || typeof value !== "object") return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = forbiddenKey(value[i], [...at.slice(0, -1), `${at[at.length - 1] ?? ""}[${i}]`]);
      if (found !== null) return found;
    }
    return null;
  }
  if (value instanceof TomlDate) return null;
  for (const key of Object.getOwnPropertyNames(value)) {
    if (FORBIDDEN_KEYS.has(key)) return [...at, key].join(".");
    const found = forbiddenKey((value as Record<string, unknown>)[key], [...at, key]);
    if (found !== null) return found;
  }
  return null;
}

function parseToml(text: string, shown: string, file: string): Record<string, unknown> {
  let document: Record<string, unknown>;
  try {
    document = parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // smol-toml's message carries a multi-line code excerpt; the first line is the reason.
    const reason = error.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
    const where = `${shown}:${error.line}:${error.column}`;
    const key = keyAtLine(text, error.line);
    const at = key === null ? "" : ` (at key '${key}')`;
    throw new ConfigError(`${where}: invalid TOML${at}: ${reason}`, path.resolve(file), key);
  }
  const forbidden = forbiddenKey(document, []);
  if (forbidden !== null) {
    const message = `${shown}: key '${forbidden}' is not allowed (it names JavaScript object machinery, not a setting)`;
    throw new ConfigError(message, path.resolve(file), forbidden);
  }
  const impossible = firstImpossibleDate(text);
  if (impossible !== null) {
    const message = `${shown}:${impossible.line}: invalid TOML: ${impossible.text} is not a calendar date`;
    throw new ConfigError(message, path.resolve(file), null);
  }
  return document;
}

function dbfenceTable(document: Record<string, unknown>, shown: string, file: string): unknown {
  const tool = document.tool;
  const table =
    tool !== null && typeof tool === "object" && Object.hasOwn(tool, "dbfence")
      ? (tool as Record<string, unknown>).dbfence
      : undefined;
  if (table === undefined) {
    const misspelt = misspeltDbfenceTable(document);
    const hint = misspelt === null ? "" : `; ${misspelt} looks like a misspelt [tool.dbfence]`;
    throw new ConfigError(`${shown}: no [tool.dbfence] table${hint}`, path.resolve(file), misspelt);
  }
  if (table === null || typeof table !== "object" || Array.isArray(table)) {
    const message = `${shown}: [tool.dbfence] must be a table, got ${describeValue(table)}`;
    throw new ConfigError(message, path.resolve(file), "tool.dbfence");
  }
  return table;
}

/**
 * `expires` may be a TOML local date (`2025-12-31`) or a string; both become "YYYY-MM-DD" here.
 * Other TOML date kinds stay as they are, so validation rejects them naming what was written.
 */
function normaliseExpiryDates(options: unknown): void {
  const exceptions = (options as { exceptions?: unknown } | null)?.exceptions;
  if (!Array.isArray(exceptions)) return;
  for (const entry of exceptions) {
    if (entry === null || typeof entry !== "object") continue;
    const record = entry as Record<string, unknown>;
    const expires = record.expires;
    if (expires instanceof TomlDate && expires.isDate()) record.expires = expires.toISOString();
  }
}

function validationError(error: z.ZodError, data: unknown, kind: ConfigKind, shown: string, file: string): ConfigError {
  // An unknown key is the likeliest root cause (a typo), so it is reported before anything else.
  const issue = error.issues.find((candidate) => candidate.code === "unrecognized_keys") ?? error.issues[0];
  const where = kind === "pyproject" ? "[tool.dbfence] " : "";
  const { key, text } = describeIssue(issue, data, where, knownKeysAt);
  return new ConfigError(`${shown}: ${text}`, path.resolve(file), key);
}

/** Keys the schema allows in the table at `keyPath`, for "did you mean". */
function knownKeysAt(keyPath: KeyPath): string[] {
  let schema: z.ZodType = optionsSchema;
  for (const part of [...keyPath, null]) {
    while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) {
      schema = schema.unwrap() as z.ZodType;
    }
    if (part === null) break;
    if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodObject) schema = schema.shape[String(part)] as z.ZodType;
    else return [];
    if (schema === undefined) return [];
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** Copies every list and table, so callers may change their config without touching the schema's defaults. */
function toConfig(options: ParsedOptions, lines: number[]): DbfenceConfig {
  return {
    src: [...options.src],
    include: [...options.include],
    exclude: unique([...options.exclude, ...options["extend-exclude"]]),
    connector: [...options.connector],
    connectorApi: unique([...options["connector-api"], ...options["extend-connector-api"]]),
    sessionDependency: [...options["session-dependency"]],
    testFixtureModules: [...options["test-fixture-modules"]],
    testModules: [...options["test-modules"]],
    apiPaths: [...options["api-paths"]],
    healthPath: options["health-path"],
    lifecycle: {
      startup: options.lifecycle.startup,
      shutdown: options.lifecycle.shutdown,
    },
    drivers: unique([...options.drivers, ...options["extend-drivers"]]),
    select: unique([...options.select, ...options["extend-select"]]),
    extendSelect: [...options["extend-select"]],
    ignore: [...options.ignore],
    severity: { ...options.severity },
    perFileIgnores: Object.fromEntries(
      Object.entries(options["per-file-ignores"]).map(([glob, codes]) => [glob, [...codes]]),
    ),
    requireReason: options["require-reason"],
    exceptions: options.exceptions.map((entry, index) => ({
      path: entry.path,
      rules: [...entry.rules],
      reason: entry.reason,
      approvedBy: entry["approved-by"] ?? null,
      expires: entry.expires ?? null,
      line: lines[index] ?? 1,
    })),
    thresholds: {
      connectorUsagePointsMin: options.thresholds["connector-usage-points-min"],
      asyncEndpointsPercentMin: options.thresholds["async-endpoints-percent-min"],
      healthLatencyMsMax: options.thresholds["health-latency-ms-max"],
      coveragePercentMin: options.thresholds["coverage-percent-min"],
      violationsPerWeekMax: options.thresholds["violations-per-week-max"],
    },
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** The file as the user knows it: relative to the working directory when inside it, else as given. */
function displayPath(file: string): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(process.cwd(), file);
  const inside = relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
  return inside ? relative.split(path.sep).join("/") : file;
}
