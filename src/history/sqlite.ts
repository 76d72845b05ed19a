/**
 * The embedded history store: one SQLite file (better-sqlite3, WAL). Readers never wait for a writer;
 * a writer waits up to `busyTimeoutMs` for another process's write (an audit running beside `serve`)
 * and then fails with a StoreError (the server answers 503).
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
  /** How long a write waits for another connection's write lock (default 5000 ms). */
  busyTimeoutMs?: number;
}

export class SqliteStore implements HistoryStore {
  readonly kind = "sqlite";
  readonly location: string;
  private db: Database.Database | null = null;

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
    if (this.db) return this.db;
    let db: Database.Database | null = null;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      db = new Database(this.file, { timeout: this.opts.busyTimeoutMs ?? 5000 });
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      applyMigrations(db);
      this.db = db;
      return db;
    } catch (e) {
      db?.close();
      throw storeError(`cannot open the SQLite history store ${this.file}`, e);
    }
  }

  private guard<T>(what: string, fn: (db: Database.Database) => T): T {
    const db = this.open();
    try {
      return fn(db);
    } catch (e) {
      throw storeError(`${what} (SQLite ${this.file})`, e);
    }
  }

  async migrate(): Promise<void> {
    this.open();
  }

  async appliedMigrations(): Promise<number[]> {
    return this.guard("cannot read the schema version", (db) =>
      (db.prepare(SQL.appliedMigrations).all() as Row[]).map((r) => Number(r.version)),
    );
  }

  async insertAudit(snapshot: AuditSnapshot, receivedAt = new Date()): Promise<number> {
    return this.guard("cannot store the audit", (db) => {
      const insertAudit = db.prepare(SQL.insertAudit);
      const insertFinding = db.prepare(
        `INSERT INTO audit_findings ${SQL.findingColumns} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      return db
        .transaction(() => {
          const id = Number(insertAudit.run(...auditValues(snapshot, receivedAt)).lastInsertRowid);
          for (const row of findingRows(id, snapshot.findings)) insertFinding.run(...row);
          return id;
        })
        .immediate();
    });
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

  async ping(): Promise<void> {
    this.guard("the history store does not answer", (db) => {
      const version = db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as Row;
      if (version.v === null) throw new StoreError("the history store has no schema");
      // Readers never block in WAL mode; this also proves a write could start now.
      db.prepare("BEGIN IMMEDIATE").run();
      db.prepare("ROLLBACK").run();
    });
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
