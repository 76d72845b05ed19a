/**
 * The audit snapshot: what `dbfence audit` records and what `POST /api/audits` accepts. One zod schema
 * validates both, so a snapshot a CI job sends is exactly what a local audit stores.
 */
import { z } from "zod";

export const SNAPSHOT_VERSION = 1;

/** Limits that keep one snapshot bounded (the server's body limit is the other guard). */
export const SNAPSHOT_LIMITS = {
  findings: 50_000,
  message: 4_000,
  path: 1_000,
  thresholds: 100,
  /** Arrays and objects inside one another, the snapshot itself being level 1 (`metrics.details` included). */
  depth: 64,
  /** Any string anywhere in the snapshot (`metrics.details` included), in UTF-16 code units. */
  string: 100_000,
} as const;

/** The largest whole number a store column holds (PostgreSQL `integer`, the narrowest of the two stores). */
export const MAX_STORED_INTEGER = 2_147_483_647;

const count = z
  .number({ error: "expected a whole number" })
  .int({ error: "expected a whole number" })
  .min(0, { error: "must not be negative" })
  .max(MAX_STORED_INTEGER, { error: `must be at most ${MAX_STORED_INTEGER}` });
const nullableNumber = z.number({ error: "expected a number or null" }).nullable();

export const findingSchema = z.strictObject({
  code: z.string({ error: "expected a rule code" }).regex(/^DBF\d{3}$/, { error: "expected a rule code like DBF104" }),
  severity: z.enum(["error", "warning"], { error: "expected 'error' or 'warning'" }),
  path: z.string({ error: "expected a path" }).min(1, { error: "must not be empty" }).max(SNAPSHOT_LIMITS.path),
  line: count.min(1, { error: "lines start at 1" }),
  column: count.min(1, { error: "columns start at 1" }),
  message: z.string({ error: "expected a message" }).max(SNAPSHOT_LIMITS.message),
});

export const brokenThresholdSchema = z.strictObject({
  /** The config key under `[thresholds]`, e.g. `async-endpoints-percent-min`. */
  key: z.string().min(1).max(100),
  /** What is measured, for people: `async endpoints`. */
  metric: z.string().max(200),
  comparison: z.enum([">=", "<="]),
  limit: z.number(),
  unit: z.enum(["", "%", "ms"]),
  actual: z.number(),
  /** One sentence for people: `async endpoints: 80 %, needs ≥ 95 % (thresholds.async-endpoints-percent-min)`. */
  message: z.string().max(1_000),
});

export const probeSummarySchema = z.strictObject({
  url: z.string().max(2_000),
  count: count,
  ok: count,
  p50Ms: nullableNumber,
  p95Ms: nullableNumber,
  maxMs: nullableNumber,
  thresholdMs: z.number(),
  healthy: z.boolean(),
});

export const snapshotSchema = z.strictObject({
  snapshotVersion: z.literal(SNAPSHOT_VERSION, { error: `expected snapshotVersion ${SNAPSHOT_VERSION}` }),
  /** When the audit ran, ISO 8601 (stored normalised to UTC). */
  time: z.iso.datetime({ offset: true, error: "expected an ISO 8601 date-time like 2026-11-27T02:00:00Z" }),
  repository: z
    .string({ error: "expected the repository name" })
    .min(1, { error: "must not be empty" })
    .max(200, { error: "must be at most 200 characters" }),
  git: z.strictObject({
    commit: z.string().max(64).nullable(),
    branch: z.string().max(255).nullable(),
  }),
  toolVersion: z.string().max(50),
  status: z.enum(["passed", "failed"], { error: "expected 'passed' or 'failed'" }),
  summary: z.strictObject({ files: count, findings: count, errors: count, warnings: count }),
  metrics: z.strictObject({
    connectorUsagePoints: nullableNumber,
    asyncEndpointsPercent: nullableNumber,
    routeHandlers: count.nullable(),
    findingsPerCode: z.record(z.string().regex(/^DBF\d{3}$/), count),
    healthP95Ms: nullableNumber,
    /** Distinct error findings over the 7 days up to this audit, from the history store. */
    violationsPerWeek: count.nullable(),
    /** `dbfence metrics --format json` output when available; kept as sent. */
    details: z.unknown().optional(),
  }),
  probe: probeSummarySchema.nullable(),
  findings: z
    .array(findingSchema)
    .max(SNAPSHOT_LIMITS.findings, { error: `at most ${SNAPSHOT_LIMITS.findings} findings per snapshot` }),
  thresholdsBroken: z.array(brokenThresholdSchema).max(SNAPSHOT_LIMITS.thresholds),
});

export type AuditSnapshot = z.infer<typeof snapshotSchema>;
export type SnapshotFinding = z.infer<typeof findingSchema>;
export type BrokenThreshold = z.infer<typeof brokenThresholdSchema>;
export type ProbeSummary = z.infer<typeof probeSummarySchema>;

/** Validates unknown JSON; returns the snapshot or one readable line per problem (`findings[3].line: ...`). */
export function parseSnapshot(
  value: unknown,
): { ok: true; snapshot: AuditSnapshot } | { ok: false; problems: string[] } {
  const unstorable = storableProblems(value);
  if (unstorable.length > 0) return { ok: false, problems: unstorable };
  const result = snapshotSchema.safeParse(value);
  if (result.success) return { ok: true, snapshot: result.data };
  const problems = result.error.issues.slice(0, 20).map((issue) => {
    const where = pathText(issue.path);
    const message = issue.message.replace(
      /^Invalid input: expected (\w+), received undefined$/,
      "missing (expected $1)",
    );
    return `${where || "(body)"}: ${message}`;
  });
  if (result.error.issues.length > 20) problems.push(`... and ${result.error.issues.length - 20} more problems`);
  return { ok: false, problems };
}

function pathText(keys: readonly PropertyKey[]): string {
  return keys.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
    "",
  );
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored as text by both stores, or null. */
function textProblem(s: string): string | null {
  if (s.length > SNAPSHOT_LIMITS.string) return `longer than ${SNAPSHOT_LIMITS.string} characters`;
  if (s.includes("\u0000")) return "contains a NUL character (\\u0000), which PostgreSQL text cannot hold";
  if (LONE_SURROGATE.test(s)) return "contains a lone UTF-16 surrogate (not valid Unicode text)";
  return null;
}

/**
 * What a store would refuse (or silently alter) in any JSON value, found before the value reaches it:
 * nesting deeper than `SNAPSHOT_LIMITS.depth`, NUL characters and lone surrogates in strings and keys,
 * over-long strings. Iterative, so a body nested 100,000 deep is a problem reported, not a stack overflow.
 * At most 20 problems, each `path: what`.
 */
export function storableProblems(value: unknown): string[] {
  const problems: string[] = [];
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value, path: [] }];
  while (stack.length > 0 && problems.length < 20) {
    const { value: v, path: at } = stack.pop() as { value: unknown; path: PropertyKey[] };
    if (typeof v === "string") {
      const problem = textProblem(v);
      if (problem) problems.push(`${pathText(at) || "(body)"}: ${problem}`);
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    if (at.length >= SNAPSHOT_LIMITS.depth) {
      problems.push(`${pathText(at)}: nested deeper than ${SNAPSHOT_LIMITS.depth} levels`);
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...at, i] });
      continue;
    }
    for (const [key, child] of Object.entries(v).reverse()) {
      const problem = textProblem(key);
      if (problem) problems.push(`${pathText(at) || "(body)"}: a key ${problem}`);
      stack.push({ value: child, path: [...at, key] });
    }
  }
  return problems;
}
