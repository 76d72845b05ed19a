/** The SQLite history store on real files: the shared contract, WAL, a locked file, a newer schema. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import { SqliteStore } from "../../src/history/sqlite.js";
import { StoreError } from "../../src/history/store.js";
import { storeContract } from "./contract.js";
import { snapshot } from "./helpers.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbfence-sqlite-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = () => path.join(dir, `h${++n}`, ".dbfence", "history.db");

storeContract("SQLite", {
  fresh: async () => new SqliteStore(freshFile()),
  sibling: (store) => new SqliteStore((store as SqliteStore).file),
});

describe("SQLite store on disk", () => {
  test("creates its folder and file, in WAL mode", async () => {
    const file = freshFile();
    const store = new SqliteStore(file);
    await store.insertAudit(snapshot());
    assert.ok(fs.existsSync(`${file}-wal`), "a -wal file exists while the store is open");
    const raw = new Database(file, { readonly: true });
    assert.equal(raw.pragma("journal_mode", { simple: true }), "wal");
    raw.close();
    await store.close();
  });

  test("a write lock held by another connection is a StoreError after the busy timeout; the store recovers", async () => {
    const file = freshFile();
    const store = new SqliteStore(file, { busyTimeoutMs: 100 });
    await store.insertAudit(snapshot());
    const other = new Database(file, { timeout: 0 });
    other.prepare("BEGIN IMMEDIATE").run();
    try {
      await assert.rejects(store.insertAudit(snapshot()), (e: unknown) => {
        assert.ok(e instanceof StoreError);
        assert.match(e.message, /cannot store the audit.*database is locked/);
        return true;
      });
      await assert.rejects(store.ping(), StoreError);
      // Readers are not blocked in WAL mode.
      assert.equal(await store.countAudits(), 1);
    } finally {
      other.prepare("ROLLBACK").run();
      other.close();
    }
    await store.insertAudit(snapshot());
    await store.ping();
    assert.equal(await store.countAudits(), 2);
    await store.close();
  });

  test("a file that is not a database is a StoreError naming the file", async () => {
    const file = freshFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "this is not an SQLite database, just text that is long enough to have a header".repeat(20));
    const store = new SqliteStore(file);
    await assert.rejects(store.countAudits(), (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.ok(e.message.includes(file), e.message);
      return true;
    });
    await store.close();
  });

  test("a store made by a newer dbfence is refused with a clear message", async () => {
    const file = freshFile();
    const store = new SqliteStore(file);
    await store.migrate();
    await store.close();
    const raw = new Database(file);
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(99, "future", "x");
    raw.close();
    await assert.rejects(new SqliteStore(file).countAudits(), /schema version 99.*upgrade dbfence/);
  });
});
