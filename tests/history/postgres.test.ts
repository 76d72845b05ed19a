/**
 * The PostgreSQL history store against the real server (.ci/run installs and starts it). The file
 * creates its own database and drops it at the end; each contract test gets an empty schema of its
 * own in it (creating a database per test costs a checkpoint each). An unreachable server fails the
 * suite (no skip).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { PostgresStore, redactUrl } from "../../src/history/postgres.js";
import { StoreError } from "../../src/history/store.js";
import { storeContract } from "./contract.js";
import { runIn, snapshot, type TestDatabase, testDatabase, withSchema } from "./helpers.js";

const made: TestDatabase[] = [];
const urls = new Map<PostgresStore, string>();
let shared: TestDatabase;
before(async () => {
  shared = await testDatabase("store");
  made.push(shared);
});
after(async () => {
  for (const db of made) await db.drop();
});

let schemas = 0;
async function fresh(): Promise<PostgresStore> {
  const schema = `t${++schemas}`;
  await runIn(shared.url, `CREATE SCHEMA ${schema}`);
  const url = withSchema(shared.url, schema);
  const store = new PostgresStore(url);
  urls.set(store, url);
  return store;
}

storeContract("PostgreSQL", {
  fresh,
  sibling: (store) => new PostgresStore(urls.get(store as PostgresStore) as string),
});

describe("PostgreSQL store", () => {
  test("the schema is the same tables and columns as SQLite's, recorded in schema_migrations", async () => {
    const store = await fresh();
    await store.migrate();
    const client = new pg.Client({ connectionString: urls.get(store) });
    await client.connect();
    const cols = await client.query(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
    );
    const byTable = new Map<string, string[]>();
    for (const r of cols.rows as { table_name: string; column_name: string }[])
      byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r.column_name]);
    assert.deepEqual([...byTable.keys()], ["audit_findings", "audits", "schema_migrations"]);
    assert.deepEqual(byTable.get("audit_findings"), [
      "audit_id",
      "ordinal",
      "code",
      "severity",
      "path",
      "line",
      "col",
      "message",
      "occurrence",
    ]);
    assert.equal((await client.query("SELECT name FROM schema_migrations WHERE version = 1")).rowCount, 1);
    await client.end();
    await store.close();
  });

  test("a dropped database is a StoreError; once it is back (empty) the store re-applies the schema and works", async () => {
    const db = await testDatabase("recover");
    made.push(db);
    const idle: Error[] = [];
    const store = new PostgresStore(db.url, { onIdleError: (e) => idle.push(e) });
    await store.insertAudit(snapshot());
    await db.drop();
    await assert.rejects(store.insertAudit(snapshot()), (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.match(e.message, /cannot store the audit \(PostgreSQL .*\).*does not exist|terminat/);
      return true;
    });
    await assert.rejects(store.ping(), StoreError);
    await db.create();
    const id = await store.insertAudit(snapshot());
    assert.equal(id, 1, "a new, empty database");
    assert.equal(await store.countAudits(), 1);
    await store.close();
  });

  test("an unreachable server is a StoreError, and the URL's password is never shown", async () => {
    const store = new PostgresStore("postgres://someone:s3cret@127.0.0.1:1/nowhere", { connectTimeoutMs: 1000 });
    await assert.rejects(store.countAudits(), (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.doesNotMatch(e.message, /s3cret/);
      return true;
    });
    assert.equal(redactUrl("postgres://someone:s3cret@db/x"), "postgres://someone:***@db/x");
    await store.close();
  });
});
