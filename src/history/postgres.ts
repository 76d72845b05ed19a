/**
 * The shared history store on PostgreSQL (`pg`). Same schema and SQL as SQLite. The schema is applied
 * lazily before the first query and again after any failure, so a server whose database was dropped
 * and recreated (or restored) recovers by itself on the next request.
 *
 * Every wait is bounded: getting a connection (`connectTimeoutMs`, also while all pooled connections are
 * busy) and every statement (`statementTimeoutMs`, enforced twice: by the server as `statement_timeout`,
 * and by the client as a read timeout, which also fires when the server does not answer at all — frozen,
 * or a network that drops packets). A connection whose statement failed is discarded, never reused.
 */
import pg from "pg";
import { CREATE_MIGRATIONS_TABLE, pendingMigrations } from "./schema.js";
import type { AuditSnapshot } from "./snapshot.js";
import {
  auditValues,
  bucketWeeks,
  findingRows,
  type HistoryStore,
  type IngestResult,
  numbered,
  type RepositorySummary,
  SQL,
  type StoredAudit,
  storeError,
  type TrendPoint,
  toStoredAudit,
  toSummary,
  toTrend,
  toViolationKeys,
  type ViolationKey,
  type WeekViolations,
  weekWindow,
} from "./store.js";

type Row = Record<string, unknown>;

export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** How long to wait for a connection (default 5000 ms). */
  connectTimeoutMs?: number;
  /** How long one statement may take, server- and client-side (default 5000 ms). */
  statementTimeoutMs?: number;
  /** Called when an idle pooled connection breaks (the server went away); the pool replaces it. */
  onIdleError?: (e: Error) => void;
}

export const POSTGRES_DEFAULTS = { connectTimeoutMs: 5000, statementTimeoutMs: 5000 } as const;

/** Findings per INSERT statement: 9 parameters each, far below PostgreSQL's 65535. */
const FINDINGS_PER_STATEMENT = 1000;

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
  }
}

async function insertFindings(client: pg.PoolClient, id: number, snapshot: AuditSnapshot): Promise<void> {
  const all = findingRows(id, snapshot.findings);
  for (let start = 0; start < all.length; start += FINDINGS_PER_STATEMENT) {
    const chunk = all.slice(start, start + FINDINGS_PER_STATEMENT);
    const width = chunk[0]?.length ?? 0;
    const rows = chunk.map(
      (_, i) => `(${Array.from({ length: width }, (_, k) => `$${i * width + k + 1}`).join(", ")})`,
    );
    await client.query(`INSERT INTO audit_findings ${SQL.findingColumns} VALUES ${rows.join(", ")}`, chunk.flat());
  }
}

export class PostgresStore implements HistoryStore {
  readonly kind = "postgres";
  readonly location: string;
  private readonly pool: pg.Pool;
  private ready: Promise<void> | null = null;

  constructor(url: string, opts: PostgresOptions = {}) {
    this.location = redactUrl(url);
    const statementMs = opts.statementTimeoutMs ?? POSTGRES_DEFAULTS.statementTimeoutMs;
    this.pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs,
      idleTimeoutMillis: 10_000,
      statement_timeout: statementMs,
      lock_timeout: statementMs,
      query_timeout: statementMs,
      // A transaction left open by a client that vanished holds its locks at most this long.
      idle_in_transaction_session_timeout: Math.max(statementMs * 2, 10_000),
      keepAlive: true,
    });
    // Without a listener, a pooled connection that the server ends would crash the process.
    this.pool.on("error", (e) => opts.onIdleError?.(e));
  }

  /** Runs `fn` once the schema is in place; any failure makes the next call check the schema again. */
  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      this.ready ??= this.applyMigrations();
      await this.ready;
      return await fn();
    } catch (e) {
      this.ready = null;
      throw storeError(`${what} (PostgreSQL ${this.location})`, e);
    }
  }

  private async query(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(numbered(sql), params)).rows as Row[];
  }

  private async applyMigrations(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      // One migrator at a time across processes; the others wait here and then find nothing to do.
      await client.query("SELECT pg_advisory_xact_lock(7295001)");
      await client.query(CREATE_MIGRATIONS_TABLE);
      const applied = (await client.query(SQL.appliedMigrations)).rows.map((r: Row) => Number(r.version));
      for (const m of pendingMigrations(applied)) {
        for (const stmt of m.statements("postgres")) await client.query(stmt);
        await client.query(numbered(SQL.recordMigration), [m.version, m.name, new Date().toISOString()]);
      }
      await client.query("COMMIT");
      client.release();
    } catch (e) {
      client.release(e instanceof Error ? e : true);
      throw e;
    }
  }

  async migrate(): Promise<void> {
    await this.run("cannot migrate the history store", async () => {});
  }

  async appliedMigrations(): Promise<number[]> {
    return this.run("cannot read the schema version", async () =>
      (await this.query(SQL.appliedMigrations)).map((r) => Number(r.version)),
    );
  }

  async insertAudit(snapshot: AuditSnapshot, receivedAt = new Date()): Promise<number> {
    const values = auditValues(snapshot, receivedAt);
    return this.run("cannot store the audit", () =>
      this.transaction(async (client) => {
        const inserted = await client.query(`${numbered(SQL.insertAudit)} RETURNING id`, values);
        const id = Number((inserted.rows[0] as Row).id);
        await insertFindings(client, id, snapshot);
        return id;
      }),
    );
  }

  async ingestAudit(snapshot: AuditSnapshot, idempotencyKey: string, receivedAt = new Date()): Promise<IngestResult> {
    const values = auditValues(snapshot, receivedAt, idempotencyKey);
    return this.run("cannot store the audit", () =>
      this.transaction(async (client): Promise<IngestResult> => {
        // A concurrent insert of the same key waits here for the other transaction, then inserts nothing.
        const inserted = await client.query(`${numbered(SQL.insertAudit + SQL.onKeyTaken)} RETURNING id`, values);
        const row = inserted.rows[0] as Row | undefined;
        if (row) {
          await insertFindings(client, Number(row.id), snapshot);
          return { id: Number(row.id), created: true, contentSha256: values.at(-1) as string };
        }
        const existing = (await client.query(numbered(SQL.auditByKey), [idempotencyKey])).rows[0] as Row;
        return {
          id: Number(existing.id),
          created: false,
          contentSha256: (existing.content_sha256 as string | null) ?? null,
        };
      }),
    );
  }

  /**
   * BEGIN, `fn`, COMMIT on one connection. On any failure the connection is destroyed, not rolled back:
   * a ROLLBACK to a server that stopped answering would wait another timeout, and the server rolls the
   * transaction back itself when the connection ends.
   */
  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const value = await fn(client);
      await client.query("COMMIT");
      client.release();
      return value;
    } catch (e) {
      client.release(e instanceof Error ? e : true);
      throw e;
    }
  }

  async getAudit(id: number): Promise<StoredAudit | null> {
    return this.run("cannot read the audit", async () => this.withFindings((await this.query(SQL.getAudit, [id]))[0]));
  }

  async latestAudit(repository: string): Promise<StoredAudit | null> {
    return this.run("cannot read the latest audit", async () =>
      this.withFindings((await this.query(SQL.latestAudit, [repository]))[0]),
    );
  }

  private async withFindings(row: Row | undefined): Promise<StoredAudit | null> {
    if (!row) return null;
    return toStoredAudit(row, await this.query(SQL.findingsOf, [row.id]));
  }

  async repositories(): Promise<RepositorySummary[]> {
    return this.run("cannot list repositories", async () => (await this.query(SQL.repositories)).map(toSummary));
  }

  async trend(repository: string, limit: number): Promise<TrendPoint[]> {
    return this.run("cannot read the trend", async () =>
      toTrend(
        await this.query(SQL.trendAudits, [repository, limit]),
        await this.query(SQL.trendCodes, [repository, limit]),
      ),
    );
  }

  async countAudits(repository?: string): Promise<number> {
    return this.run("cannot count audits", async () => {
      const rows =
        repository === undefined ? await this.query(SQL.countAll) : await this.query(SQL.countRepository, [repository]);
      return Number((rows[0] as Row).n);
    });
  }

  async violationsBetween(repository: string, since: Date, until: Date): Promise<ViolationKey[]> {
    return this.run("cannot read violations", async () =>
      toViolationKeys(await this.query(SQL.violationsBetween, [repository, since.toISOString(), until.toISOString()])),
    );
  }

  async weeklyViolations(repository: string, weeks: number, now = new Date()): Promise<WeekViolations[]> {
    const { first, until } = weekWindow(weeks, now);
    return this.run("cannot read violations per week", async () => {
      const args = [repository, first.toISOString(), until.toISOString()];
      return bucketWeeks(
        first,
        weeks,
        await this.query(SQL.violationsByDay, args),
        await this.query(SQL.auditDays, args),
      );
    });
  }

  async ping(): Promise<void> {
    await this.run("the history store does not answer", async () => {
      await this.query("SELECT 1 FROM schema_migrations LIMIT 1");
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
