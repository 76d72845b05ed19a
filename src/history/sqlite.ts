/**
 * The embedded history store: one SQLite file (better-sqlite3, WAL). Readers never wait for a writer.
 * better-sqlite3 is synchronous, so SQLite's own busy wait would block the whole process (the server's
 * event loop with it): the connection has busy_timeout 0, and a statement that finds the file locked by
 * another process is retried here, asynchronously, with backoff (2 ms doubling to 50 ms) until
 * `busyTimeoutMs` has passed; then it is a StoreError (the server answers 503). Between retries the
 * event loop is free: `/healthz` and reads keep answering while a writer holds the lock.
 *
 * The file is watched, too: one deleted or replaced while the store is open would otherwise take every
 * later write with it (the open connection writes into the unlinked file). Each call checks that the path
 * still names the file that was opened; if not, it fails with a StoreError naming what happened, and a
 * deleted file is never silently re-created (only the first open creates it).
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { CREATE_MIGRATIONS_TABLE, pendingMigrations } from "./schema.js";
import type { AuditSnapshot } from "./snapshot.js";
import {
  auditValues,
  bucketWeeks,
  findingRows,
  type HistoryStore,
  type IngestResult,
  type RepositorySummary,
  SQL,
  type StoredAudit,
  StoreError,
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

export interface SqliteOptions {
  /** How long a call keeps retrying while another connection holds the write lock (default 5000 ms). */
  busyTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function isBusy(e: unknown): boolean {
  const code = (e instanceof StoreError ? (e.cause as { code?: unknown } | undefined) : (e as { code?: unknown }))
    ?.code;
  return typeof code === "string" && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

const VANISHED = "the store's file was deleted or replaced";

export class SqliteStore implements HistoryStore {
  readonly kind = "sqlite";
  readonly location: string;
  private db: Database.Database | null = null;
  /** The opened file's identity; once set, the file must exist (a deleted one is not re-created). */
  private identity: { dev: number; ino: number } | null = null;

  constructor(
    readonly file: string,
    private readonly opts: SqliteOptions = {},
  ) {
    this.location = file;
  }

  /**
   * Opens the file (creating its folder) and applies pending migrations, lazily, so a missing folder or
   * a locked file is a StoreError on the call that needed it, and a later call tries again.
   */
  private open(): Database.Database {
    if (this.db) {
      this.checkIdentity();
      return this.db;
    }
    let db: Database.Database | null = null;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      db = new Database(this.file, { timeout: 0, fileMustExist: this.identity !== null });
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      applyMigrations(db);
      const st = fs.statSync(this.file);
      this.identity = { dev: st.dev, ino: st.ino };
      this.db = db;
      return db;
    } catch (e) {
      db?.close();
      if (this.identity !== null && !fs.existsSync(this.file)) throw this.vanished();
      throw storeError(`cannot open the SQLite history store ${this.file}`, e);
    }
  }

  /** The path must still name the file that was opened. */
  private checkIdentity(): void {
    const st = fs.statSync(this.file, { throwIfNoEntry: false });
    if (st && this.identity && st.dev === this.identity.dev && st.ino === this.identity.ino) return;
    // The stale connection's WAL file is at the same path as the new file's would be: left behind, the
    // next open would replay the old file's pages onto the new one. Empty it into the old file, close.
    try {
      this.db?.pragma("wal_checkpoint(TRUNCATE)");
    } catch {
      // Closing below is what matters; a WAL left behind with nothing new in it is harmless.
    }
    this.db?.close();
    this.db = null;
    if (st) this.identity = null;
    throw st ? this.vanished("was replaced by another file", "the next request opens the new file") : this.vanished();
  }

  private vanished(
    what = "was deleted",
    next = "restore it, or restart dbfence serve to begin an empty history",
  ): StoreError {
    return new StoreError(
      `the SQLite history store ${this.file} ${what} while it was in use; ${next}`,
      undefined,
      VANISHED,
    );
  }

  /** One attempt: open, check the file, run `fn`; any failure is a StoreError. */
  private attempt<T>(what: string, fn: (db: Database.Database) => T): T {
    const db = this.open();
    try {
      return fn(db);
    } catch (e) {
      throw storeError(`${what} (SQLite ${this.file})`, e);
    }
  }

  /**
   * `attempt`, retried without blocking while the file is locked, for up to `waitMs`. Calls that find
   * the file locked wait together for one prober (below) to see it free, then each tries again: twenty
   * waiting requests cost one probe per interval, not twenty attempts.
   */
  private async guard<T>(
    what: string,
    fn: (db: Database.Database) => T,
    waitMs = this.opts.busyTimeoutMs ?? 5000,
  ): Promise<T> {
    const deadline = performance.now() + waitMs;
    for (;;) {
      try {
        return this.attempt(what, fn);
      } catch (e) {
        if (!isBusy(e)) throw e;
        const left = deadline - performance.now();
        if (left <= 0) throw e;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.lockFree(), new Promise<void>((r) => (timer = setTimeout(r, left)))]);
        clearTimeout(timer);
      }
    }
  }

  private probe: Promise<void> | null = null;

  /**
   * Resolves when the write lock could be taken (or the store failed otherwise, or the busy timeout has
   * passed: callers check their own deadline). One probe loop at a time, backing off 2 ms → 50 ms.
   */
  private lockFree(): Promise<void> {
    this.probe ??= (async () => {
      const until = performance.now() + (this.opts.busyTimeoutMs ?? 5000);
      for (let delay = 2; performance.now() < until; delay = Math.min(delay * 2, 50)) {
        await sleep(delay);
        try {
          const db = this.open();
          db.prepare("BEGIN IMMEDIATE").run();
          db.prepare("ROLLBACK").run();
          return;
        } catch (e) {
          if (!isBusy(e)) return;
        }
      }
    })().finally(() => {
      this.probe = null;
    });
    return this.probe;
  }

  async migrate(): Promise<void> {
    await this.guard("cannot migrate the history store", () => {});
  }

  async appliedMigrations(): Promise<number[]> {
    return this.guard("cannot read the schema version", (db) =>
      (db.prepare(SQL.appliedMigrations).all() as Row[]).map((r) => Number(r.version)),
    );
  }

  async insertAudit(snapshot: AuditSnapshot, receivedAt = new Date()): Promise<number> {
    const values = auditValues(snapshot, receivedAt);
    return this.guard(
      "cannot store the audit",
      (db) => db.transaction(() => this.insertRows(db, SQL.insertAudit, values, snapshot)).immediate() as number,
    );
  }

  async ingestAudit(snapshot: AuditSnapshot, idempotencyKey: string, receivedAt = new Date()): Promise<IngestResult> {
    const values = auditValues(snapshot, receivedAt, idempotencyKey);
    return this.guard("cannot store the audit", (db) =>
      db
        .transaction((): IngestResult => {
          const id = this.insertRows(db, SQL.insertAudit + SQL.onKeyTaken, values, snapshot);
          if (id !== null) return { id, created: true, contentSha256: values.at(-1) as string };
          const row = db.prepare(SQL.auditByKey).get(idempotencyKey) as Row;
          return { id: Number(row.id), created: false, contentSha256: (row.content_sha256 as string | null) ?? null };
        })
        .immediate(),
    );
  }

  /** The audit row and its findings; null when `sql` inserted no row (the idempotency key was taken). */
  private insertRows(db: Database.Database, sql: string, values: unknown[], snapshot: AuditSnapshot): number | null {
    const inserted = db.prepare(sql).run(...values);
    if (inserted.changes === 0) return null;
    const id = Number(inserted.lastInsertRowid);
    const insertFinding = db.prepare(
      `INSERT INTO audit_findings ${SQL.findingColumns} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const row of findingRows(id, snapshot.findings)) insertFinding.run(...row);
    return id;
  }

  async getAudit(id: number): Promise<StoredAudit | null> {
    return this.guard("cannot read the audit", (db) => this.withFindings(db, db.prepare(SQL.getAudit).get(id) as Row));
  }

  async latestAudit(repository: string): Promise<StoredAudit | null> {
    return this.guard("cannot read the latest audit", (db) =>
      this.withFindings(db, db.prepare(SQL.latestAudit).get(repository) as Row),
    );
  }

  private withFindings(db: Database.Database, row: Row | undefined): StoredAudit | null {
    if (!row) return null;
    return toStoredAudit(row, db.prepare(SQL.findingsOf).all(row.id) as Row[]);
  }

  async repositories(): Promise<RepositorySummary[]> {
    return this.guard("cannot list repositories", (db) => (db.prepare(SQL.repositories).all() as Row[]).map(toSummary));
  }

  async trend(repository: string, limit: number): Promise<TrendPoint[]> {
    return this.guard("cannot read the trend", (db) =>
      toTrend(
        db.prepare(SQL.trendAudits).all(repository, limit) as Row[],
        db.prepare(SQL.trendCodes).all(repository, limit) as Row[],
      ),
    );
  }

  async countAudits(repository?: string): Promise<number> {
    return this.guard("cannot count audits", (db) => {
      const row = (
        repository === undefined ? db.prepare(SQL.countAll).get() : db.prepare(SQL.countRepository).get(repository)
      ) as Row;
      return Number(row.n);
    });
  }

  async violationsBetween(repository: string, since: Date, until: Date): Promise<ViolationKey[]> {
    return this.guard("cannot read violations", (db) =>
      toViolationKeys(
        db.prepare(SQL.violationsBetween).all(repository, since.toISOString(), until.toISOString()) as Row[],
      ),
    );
  }

  async weeklyViolations(repository: string, weeks: number, now = new Date()): Promise<WeekViolations[]> {
    const { first, until } = weekWindow(weeks, now);
    return this.guard("cannot read violations per week", (db) => {
      const args = [repository, first.toISOString(), until.toISOString()];
      return bucketWeeks(
        first,
        weeks,
        db.prepare(SQL.violationsByDay).all(...args) as Row[],
        db.prepare(SQL.auditDays).all(...args) as Row[],
      );
    });
  }

  /** Does not wait for a lock: a file locked by another writer is reported at once. */
  async ping(): Promise<void> {
    await this.guard(
      "the history store does not answer",
      (db) => {
        const version = db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as Row;
        if (version.v === null) throw new StoreError("the history store has no schema");
        // Readers never block in WAL mode; this also proves a write could start now.
        db.prepare("BEGIN IMMEDIATE").run();
        db.prepare("ROLLBACK").run();
      },
      0,
    );
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = null;
  }
}

function applyMigrations(db: Database.Database): void {
  db.prepare(CREATE_MIGRATIONS_TABLE).run();
  // IMMEDIATE: two processes starting at once take turns; the second sees the first's versions.
  db.transaction(() => {
    const applied = (db.prepare(SQL.appliedMigrations).all() as Row[]).map((r) => Number(r.version));
    for (const m of pendingMigrations(applied)) {
      for (const stmt of m.statements("sqlite")) db.prepare(stmt).run();
      db.prepare(SQL.recordMigration).run(m.version, m.name, new Date().toISOString());
    }
  }).immediate();
}
