/**
 * `dbfence serve`'s settings: a small TOML or JSON file (`--config`), then command-line flags on top.
 * Secrets (tokens, a webhook URL) come from environment variables, never from the file.
 */
import fs from "node:fs";
import path from "node:path";
import { Cron } from "croner";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { storeSpec } from "../history/open.js";

export const SERVE_DEFAULTS = {
  host: "127.0.0.1",
  port: 8700,
  cron: "0 2 * * *",
  timezone: "UTC",
  bodyLimitBytes: 10 * 1024 * 1024,
  tokenEnv: "DBFENCE_TOKEN",
  readTokenEnv: "DBFENCE_READ_TOKEN",
  webhookEnv: "DBFENCE_WEBHOOK",
} as const;

const repositorySchema = z.strictObject({
  name: z.string().min(1).max(200).optional().describe("name the audits are filed under (default: the folder's name)"),
  path: z.string().min(1).describe("the project folder (relative to this file)"),
  probe: z
    .url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" })
    .optional()
    .describe("health URL to probe"),
  "probe-count": z.number().int().min(1).max(1000).default(20),
  config: z.string().optional().describe("dbfence config file for this project (default: discovered)"),
});

export const serveFileSchema = z.strictObject({
  host: z.string().min(1).default(SERVE_DEFAULTS.host),
  port: z.number().int().min(0).max(65535).default(SERVE_DEFAULTS.port),
  store: z
    .string()
    .min(1)
    .optional()
    .describe("SQLite file or postgres:// URL (default: $DBFENCE_STORE, else .dbfence/history.db)"),
  "token-env": z.string().min(1).default(SERVE_DEFAULTS.tokenEnv),
  "read-token-env": z.string().min(1).default(SERVE_DEFAULTS.readTokenEnv),
  "protect-reads": z.boolean().default(false),
  "body-limit-bytes": z
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(SERVE_DEFAULTS.bodyLimitBytes),
  "sqlite-busy-timeout-ms": z.number().int().min(0).max(60_000).default(1000),
  "postgres-connect-timeout-ms": z.number().int().min(100).max(600_000).default(5000),
  "postgres-statement-timeout-ms": z.number().int().min(100).max(600_000).default(5000),
  "health-timeout-ms": z.number().int().min(50).max(60_000).default(500),
  schedule: z
    .strictObject({
      cron: z.string().min(1).default(SERVE_DEFAULTS.cron),
      timezone: z.string().min(1).default(SERVE_DEFAULTS.timezone),
      "run-on-start": z.boolean().default(false),
      "audit-log": z.string().optional(),
      "webhook-env": z.string().min(1).default(SERVE_DEFAULTS.webhookEnv),
      "dashboard-url": z.url().optional(),
      "timeout-ms": z
        .number()
        .int()
        .min(1000)
        .default(30 * 60_000),
      repositories: z.array(repositorySchema).default([]),
    })
    .prefault({}),
});

export interface ScheduledRepository {
  name: string;
  /** Absolute. */
  path: string;
  probe: string | null;
  probeCount: number;
  config: string | null;
}

export interface ScheduleSettings {
  cron: string;
  timezone: string;
  runOnStart: boolean;
  /** Absolute, or null: each audit's default (.dbfence/audit.log in the repository). */
  auditLog: string | null;
  webhook: string | null;
  dashboardUrl: string | null;
  timeoutMs: number;
  repositories: ScheduledRepository[];
}

export interface ServeSettings {
  host: string;
  port: number;
  /** A postgres:// URL or an absolute SQLite path. */
  store: string;
  tokenEnv: string;
  token: string | null;
  readToken: string | null;
  protectReads: boolean;
  bodyLimit: number;
  sqliteBusyTimeoutMs: number;
  postgresConnectTimeoutMs: number;
  postgresStatementTimeoutMs: number;
  healthTimeoutMs: number;
  /** Null when `--no-schedule`. */
  schedule: ScheduleSettings | null;
  /** The config file, when one was read. */
  file: string | null;
}

export class ServeConfigError extends Error {}

export interface ServeFlags {
  config?: string;
  host?: string;
  port?: number;
  store?: string;
  cron?: string;
  noSchedule?: boolean;
  runNow?: boolean;
  protectReads?: boolean;
}

function readFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ServeConfigError(`${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return file.endsWith(".json") ? JSON.parse(text) : parseToml(text);
  } catch (e) {
    throw new ServeConfigError(`${file}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  }
}

export function loadServeSettings(
  flags: ServeFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): ServeSettings {
  const file = flags.config ? path.resolve(cwd, flags.config) : null;
  const raw = file ? readFile(file) : {};
  const parsed = serveFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path.map(String).join(".") || "(file)";
    throw new ServeConfigError(`${file ?? "settings"}: ${key}: ${issue?.message ?? "invalid"}`);
  }
  const c = parsed.data;
  const base = file ? path.dirname(file) : cwd;
  const spec = flags.store ?? c.store ?? storeSpec(undefined, env);
  // A path in the file is relative to the file; from a flag, $DBFENCE_STORE or the default, to the working folder.
  const store = /^postgres(ql)?:\/\//i.test(spec) ? spec : path.resolve(!flags.store && c.store ? base : cwd, spec);
  const token = env[c["token-env"]] || null;
  const readToken = env[c["read-token-env"]] || null;
  const protectReads = flags.protectReads ?? c["protect-reads"];
  if (protectReads && !token && !readToken)
    throw new ServeConfigError(
      `protect-reads needs a token: set $${c["read-token-env"]} (reads only) or $${c["token-env"]}`,
    );

  const s = c.schedule;
  const cron = flags.cron ?? s.cron;
  try {
    new Cron(cron, { timezone: s.timezone, paused: true }).stop();
  } catch (e) {
    throw new ServeConfigError(
      `schedule: '${cron}' (timezone ${s.timezone}) is not a cron expression croner accepts: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const repositories = s.repositories.map((r): ScheduledRepository => {
    const abs = path.resolve(base, r.path);
    if (!fs.existsSync(abs)) throw new ServeConfigError(`schedule.repositories: '${r.path}' does not exist (${abs})`);
    return {
      name: r.name ?? path.basename(abs),
      path: abs,
      probe: r.probe ?? null,
      probeCount: r["probe-count"],
      config: r.config ? path.resolve(base, r.config) : null,
    };
  });
  return {
    host: flags.host ?? c.host,
    port: flags.port ?? c.port,
    store,
    tokenEnv: c["token-env"],
    token,
    readToken,
    protectReads,
    bodyLimit: c["body-limit-bytes"],
    sqliteBusyTimeoutMs: c["sqlite-busy-timeout-ms"],
    postgresConnectTimeoutMs: c["postgres-connect-timeout-ms"],
    postgresStatementTimeoutMs: c["postgres-statement-timeout-ms"],
    healthTimeoutMs: c["health-timeout-ms"],
    schedule: flags.noSchedule
      ? null
      : {
          cron,
          timezone: s.timezone,
          runOnStart: flags.runNow ?? s["run-on-start"],
          auditLog: s["audit-log"] ? path.resolve(base, s["audit-log"]) : null,
          webhook: env[s["webhook-env"]] || null,
          dashboardUrl: s["dashboard-url"] ?? null,
          timeoutMs: s["timeout-ms"],
          repositories,
        },
    file,
  };
}
