/**
 * Opens the history store a setting names: a `postgres://` URL, or the path of an SQLite file. The
 * drivers are imported only when used, so other commands do not pay for loading them.
 */
import path from "node:path";
import type { HistoryStore } from "./store.js";

/** The environment variable both `audit` and `serve` read when `--store` is not given. */
export const STORE_ENV = "DBFENCE_STORE";

/** The default SQLite file, relative to the project root (audit) or the working folder (serve). */
export const DEFAULT_STORE_FILE = path.join(".dbfence", "history.db");

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

export interface OpenStoreOptions {
  /** Folder a relative SQLite path is resolved against. */
  base: string;
  sqliteBusyTimeoutMs?: number;
  postgresPoolSize?: number;
  postgresConnectTimeoutMs?: number;
  postgresStatementTimeoutMs?: number;
  onIdleError?: (e: Error) => void;
}

/** The store, not yet connected: the first call connects (and migrates), so errors surface as StoreError. */
export async function openStore(spec: string, opts: OpenStoreOptions): Promise<HistoryStore> {
  if (isPostgresUrl(spec)) {
    const { PostgresStore } = await import("./postgres.js");
    return new PostgresStore(spec, {
      ...(opts.postgresPoolSize ? { poolSize: opts.postgresPoolSize } : {}),
      ...(opts.postgresConnectTimeoutMs ? { connectTimeoutMs: opts.postgresConnectTimeoutMs } : {}),
      ...(opts.postgresStatementTimeoutMs ? { statementTimeoutMs: opts.postgresStatementTimeoutMs } : {}),
      ...(opts.onIdleError ? { onIdleError: opts.onIdleError } : {}),
    });
  }
  const { SqliteStore } = await import("./sqlite.js");
  return new SqliteStore(
    path.resolve(opts.base, spec),
    opts.sqliteBusyTimeoutMs !== undefined ? { busyTimeoutMs: opts.sqliteBusyTimeoutMs } : {},
  );
}

/** `--store` if given, else $DBFENCE_STORE, else `.dbfence/history.db`. */
export function storeSpec(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? (env[STORE_ENV] || DEFAULT_STORE_FILE);
}
