/** `dbfence serve`: the dashboard, its JSON API, `POST /api/audits`, and the audit scheduler. */
import { parseArgs } from "node:util";
import { loadServeSettings, SERVE_DEFAULTS, ServeConfigError } from "../serve/config.js";
import { type Command, fail } from "./common.js";

const log = (line: string) => process.stderr.write(`dbfence serve: ${line}\n`);

export const serveCommand: Command = {
  name: "serve",
  summary: "dashboard + JSON API for audit history, POST /api/audits for CI, and a daily audit scheduler",
  help: `Usage: dbfence serve [options]

Options:
  --config FILE        settings file, TOML or JSON (docs/audits.md lists every key)
  --host HOST          address to listen on (default ${SERVE_DEFAULTS.host})
  --port N             port (default ${SERVE_DEFAULTS.port}; 0 picks a free one)
  --store PATH|URL     history store: an SQLite file or a postgres:// URL
                       (default: $DBFENCE_STORE, else .dbfence/history.db in the current folder)
  --cron EXPR          when the scheduler audits the configured repositories (default "${SERVE_DEFAULTS.cron}", UTC)
  --no-schedule        do not run the scheduler
  --run-now            audit the configured repositories once at start, too
  --protect-reads      the dashboard and GET /api/... need a token too

Environment: $DBFENCE_TOKEN enables POST /api/audits (Authorization: Bearer <token>);
$DBFENCE_READ_TOKEN is a token for reads only; $DBFENCE_WEBHOOK alerts on scheduled audits.

Stops on SIGINT/SIGTERM. Exit codes: 0 stopped, 2 usage or configuration error (or the port is taken).
`,
  async run(args) {
    const { values } = parseArgs({
      args,
      allowPositionals: false,
      options: {
        config: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        store: { type: "string" },
        cron: { type: "string" },
        "no-schedule": { type: "boolean", default: false },
        "run-now": { type: "boolean", default: false },
        "protect-reads": { type: "boolean" },
      },
    });
    let port: number | undefined;
    if (values.port !== undefined) {
      port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0-65535, got '${values.port}'`);
    }
    let settings: ReturnType<typeof loadServeSettings>;
    try {
      settings = loadServeSettings({
        ...(values.config ? { config: values.config } : {}),
        ...(values.host ? { host: values.host } : {}),
        ...(port !== undefined ? { port } : {}),
        ...(values.store ? { store: values.store } : {}),
        ...(values.cron ? { cron: values.cron } : {}),
        noSchedule: values["no-schedule"],
        ...(values["run-now"] ? { runNow: true } : {}),
        ...(values["protect-reads"] !== undefined ? { protectReads: values["protect-reads"] } : {}),
      });
    } catch (e) {
      if (e instanceof ServeConfigError) fail(e.message);
      throw e;
    }

    // Loaded here, not at the top: every other command would pay for fastify and the drivers.
    const { openStore } = await import("../history/open.js");
    const { AuditScheduler } = await import("../serve/scheduler.js");
    const { buildServer } = await import("../serve/server.js");
    const store = await openStore(settings.store, {
      base: process.cwd(),
      sqliteBusyTimeoutMs: settings.sqliteBusyTimeoutMs,
      postgresConnectTimeoutMs: settings.postgresConnectTimeoutMs,
      postgresStatementTimeoutMs: settings.postgresStatementTimeoutMs,
      onIdleError: (e) => log(`history store connection lost: ${e.message}`),
    });
    try {
      await store.migrate();
    } catch (e) {
      // Not fatal: the server answers 503 until the store is there, then recovers.
      log(
        `history store unavailable at start (${e instanceof Error ? e.message : String(e)}); serving 503 until it answers`,
      );
    }
    const scheduler = settings.schedule ? new AuditScheduler(settings.schedule, settings.store, log) : null;
    const app = await buildServer({
      store,
      token: settings.token,
      tokenEnv: settings.tokenEnv,
      readToken: settings.readToken,
      protectReads: settings.protectReads,
      bodyLimit: settings.bodyLimit,
      healthTimeoutMs: settings.healthTimeoutMs,
      ...(scheduler ? { schedulerStatus: () => scheduler.status() } : {}),
      log,
    });
    let address: string;
    try {
      address = await app.listen({ host: settings.host, port: settings.port });
    } catch (e) {
      await store.close();
      fail(`cannot listen on ${settings.host}:${settings.port}: ${e instanceof Error ? e.message : String(e)}`);
    }
    log(
      `listening on ${address} (store: ${store.kind} ${store.location}; POST /api/audits ${settings.token ? "enabled" : `disabled, set $${settings.tokenEnv}`}${settings.protectReads ? "; reads need a token" : ""})`,
    );
    if (scheduler && settings.schedule) {
      scheduler.start();
      log(
        `scheduler: '${settings.schedule.cron}' ${settings.schedule.timezone}, ${settings.schedule.repositories.length} repositories, next run ${scheduler.nextRun()?.toISOString() ?? "never"}`,
      );
      if (settings.schedule.runOnStart) void scheduler.runNow();
    }

    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log(`${signal}: stopping`);
        resolve();
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    });
    scheduler?.stop();
    await app.close();
    await store.close();
    return 0;
  },
};
