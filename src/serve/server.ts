/**
 * `dbfence serve`'s HTTP server (fastify): the dashboard, its JSON API, `POST /api/audits` for CI jobs,
 * and `GET /healthz`. A store that fails answers 503 and the server keeps running; the next request
 * tries the store again, so it recovers by itself when the store returns.
 *
 * What the store would refuse as data is refused before it gets there (400, see `parseSnapshot`); 503 is
 * only ever the store's own failure, which a retry can cure. Posting is idempotent (`Idempotency-Key`, or
 * the snapshot's content hash). Where the store is (user, host, database, file) is told only to callers
 * with a token: 503 bodies and `/healthz` give everyone else a reason without a location.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { parseSnapshot } from "../history/snapshot.js";
import { contentSha256, type HistoryStore, StoreError } from "../history/store.js";
import { VERSION } from "../version.js";
import { assets } from "./assets.js";
import { authorizeRead, authorizeWrite } from "./auth.js";
import { renderDashboard, renderMessagePage, repositoryHref } from "./html.js";
import type { SchedulerStatus } from "./scheduler.js";

export interface ServerOptions {
  store: HistoryStore;
  /** The write token (`POST /api/audits`); null disables posting. */
  token: string | null;
  /** Named in messages: where the token comes from. */
  tokenEnv?: string;
  /** An extra token that only reads. */
  readToken?: string | null;
  /** Reads (dashboard and GET /api/...) need a token too. */
  protectReads?: boolean;
  /** Largest accepted request body, bytes. */
  bodyLimit: number;
  /** Audits per repository on the trend charts (default 90). */
  trendLimit?: number;
  /** Weeks in the violations-per-week table (default 12). */
  weeks?: number;
  /** How long `/healthz` waits for the store before it answers "degraded" (default 500 ms). */
  healthTimeoutMs?: number;
  /** The scheduler's state for /healthz. */
  schedulerStatus?: () => SchedulerStatus;
  /** One line per noteworthy event (store down / back, internal errors). */
  log?: (line: string) => void;
}

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const log = opts.log ?? (() => {});
  const tokenEnv = opts.tokenEnv ?? "DBFENCE_TOKEN";
  const readTokens = [opts.token, opts.readToken].filter((t): t is string => typeof t === "string" && t !== "");
  const trendLimit = opts.trendLimit ?? 90;
  const weeks = opts.weeks ?? 12;
  const started = Date.now();
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit, routerOptions: { ignoreTrailingSlash: true } });
  // JSON only: any other body is 415, with a message that says what to send.
  app.removeContentTypeParser(["text/plain"]);

  // The store's state, for logs: one line when it goes away and one when it is back.
  let storeDown: string | null = null;
  /** Whether the request carries any valid token (the write or the read token): it may see store details. */
  const trusted = (req: FastifyRequest): boolean =>
    readTokens.length > 0 && authorizeRead(req.headers.authorization, readTokens).ok;
  async function use<T>(fn: (s: HistoryStore) => Promise<T>): Promise<T> {
    try {
      const value = await fn(opts.store);
      if (storeDown !== null) {
        log(`history store is back (${opts.store.kind})`);
        storeDown = null;
      }
      return value;
    } catch (e) {
      if (e instanceof StoreError && storeDown === null) {
        storeDown = e.message;
        log(`history store unavailable: ${e.message}`);
      }
      throw e;
    }
  }

  app.addHook("onSend", async (_req, reply, payload) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    const type = String(reply.getHeader("content-type") ?? "");
    if (type.startsWith("text/html")) reply.header("content-security-policy", CSP);
    return payload;
  });

  const readGuard = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!opts.protectReads) return;
    const decision = authorizeRead(req.headers.authorization, readTokens);
    if (decision.ok) return;
    const html = !req.url.startsWith("/api/");
    reply
      .code(decision.status)
      .header("www-authenticate", html ? 'Basic realm="dbfence", charset="UTF-8"' : 'Bearer realm="dbfence"');
    return html
      ? reply.type("text/html; charset=utf-8").send(renderMessagePage("Sign in", decision.error))
      : reply.send({ error: decision.error });
  };

  app.setErrorHandler((error: FastifyError | Error, req, reply) => {
    if (error instanceof StoreError) {
      reply.code(503).header("retry-after", "5");
      const detail = trusted(req) ? error.message : null;
      const message = `history store unavailable: ${error.reason}`;
      return req.url.startsWith("/api/")
        ? reply.send({ error: message, ...(detail ? { detail } : {}) })
        : reply
            .type("text/html; charset=utf-8")
            .send(renderMessagePage("History store unavailable", detail ? `${message} (${detail})` : message));
    }
    const code = (error as FastifyError).code;
    const status = (error as FastifyError).statusCode;
    const messages: Record<string, [number, string]> = {
      FST_ERR_CTP_BODY_TOO_LARGE: [413, `the request body is larger than the limit of ${opts.bodyLimit} bytes`],
      FST_ERR_CTP_INVALID_JSON_BODY: [400, "the body is not valid JSON"],
      FST_ERR_CTP_EMPTY_JSON_BODY: [400, "the body is empty; send the audit snapshot as JSON"],
      FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, "send the audit snapshot as JSON (Content-Type: application/json)"],
      FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, "the Content-Length header does not match the body"],
    };
    const known = code ? messages[code] : undefined;
    if (known) return reply.code(known[0]).send({ error: known[1] });
    if (typeof status === "number" && status >= 400 && status < 500) {
      // Other client errors fastify found (a JSON body with __proto__, a bad header, ...).
      return reply.code(status).send({ error: error.message });
    }
    log(`internal error on ${req.method} ${req.url}: ${error.stack ?? error.message}`);
    return reply.code(500).send({ error: "internal error; the server log has the details" });
  });

  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith("/api/"))
      return reply.code(404).send({ error: `no such endpoint: ${req.method} ${req.url}` });
    return reply
      .code(404)
      .type("text/html; charset=utf-8")
      .send(renderMessagePage("Not found", `${req.url} is not a page here.`));
  });

  // ---- health ----------------------------------------------------------------------------------------
  // One ping at a time, awaited for at most healthTimeoutMs: a store that hangs makes /healthz say so
  // quickly, and a monitor polling it cannot pile pings up on the store.
  const healthTimeoutMs = opts.healthTimeoutMs ?? 500;
  let pinging: Promise<void> | null = null;
  async function pingStore(): Promise<void> {
    pinging ??= use((s) => s.ping()).finally(() => {
      pinging = null;
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StoreError(
              `the history store did not answer /healthz's ping within ${healthTimeoutMs} ms`,
              undefined,
              `the store did not answer within ${healthTimeoutMs} ms`,
            ),
          ),
        healthTimeoutMs,
      );
    });
    try {
      await Promise.race([pinging, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  app.get("/healthz", async (req, reply) => {
    let problem: StoreError | Error | null = null;
    try {
      await pingStore();
    } catch (e) {
      problem = e instanceof Error ? e : new Error(String(e));
    }
    const store: Record<string, unknown> = {
      kind: opts.store.kind,
      ok: problem === null,
      error: problem === null ? null : problem instanceof StoreError ? problem.reason : "the store failed",
    };
    if (trusted(req)) Object.assign(store, { location: opts.store.location, detail: problem?.message ?? null });
    return reply.code(problem === null ? 200 : 503).send({
      status: problem === null ? "ok" : "degraded",
      version: VERSION,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      store,
      scheduler: schedulerFor(opts.schedulerStatus?.() ?? null, trusted(req)),
    });
  });

  // ---- static assets (uPlot from node_modules, the page's own script and styles) -----------------------
  app.get<{ Params: { file: string } }>("/assets/:file", async (req, reply) => {
    const asset = assets().get(req.params.file);
    if (!asset) return reply.code(404).type("text/plain; charset=utf-8").send("no such asset");
    return reply.type(asset.type).header("cache-control", "public, max-age=3600").send(asset.body);
  });

  app.get("/favicon.ico", async (_req, reply) => reply.redirect("/assets/favicon.svg", 301));

  // ---- dashboard --------------------------------------------------------------------------------------
  async function dashboard(reply: FastifyReply, wanted: string | null): Promise<FastifyReply> {
    const repositories = await use((s) => s.repositories());
    const newest = [...repositories].sort((a, b) => (a.latest.time < b.latest.time ? 1 : -1))[0];
    const name = wanted ?? newest?.repository ?? null;
    if (wanted !== null && !repositories.some((r) => r.repository === wanted))
      return reply
        .code(404)
        .type("text/html; charset=utf-8")
        .send(renderMessagePage("No such repository", `No audits of '${wanted}' are stored.`));
    const selected =
      name === null
        ? null
        : {
            repository: name,
            latest: await use((s) => s.latestAudit(name)),
            trend: await use((s) => s.trend(name, trendLimit)),
            weekly: await use((s) => s.weeklyViolations(name, weeks)),
          };
    return reply
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .send(renderDashboard({ repositories, selected, generatedAt: new Date() }));
  }
  app.get("/", { onRequest: readGuard }, async (_req, reply) => dashboard(reply, null));
  app.get<{ Params: { name: string } }>("/repositories/:name", { onRequest: readGuard }, async (req, reply) =>
    dashboard(reply, req.params.name),
  );

  // ---- JSON API -----------------------------------------------------------------------------------------
  const limitOf = (q: { limit?: string }, fallback: number): number => {
    const n = Number(q.limit ?? fallback);
    return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : fallback;
  };

  const known = async (name: string): Promise<boolean> => (await use((s) => s.countAudits(name))) > 0;
  const unknownRepository = (reply: FastifyReply, name: string) =>
    reply.code(404).send({ error: `no audits of '${name}' are stored` });

  app.get("/api/repositories", { onRequest: readGuard }, async () => ({
    repositories: (await use((s) => s.repositories())).map((r) => ({ ...r, url: repositoryHref(r.repository) })),
  }));

  app.get<{ Params: { name: string }; Querystring: { limit?: string; weeks?: string } }>(
    "/api/repositories/:name",
    { onRequest: readGuard },
    async (req, reply) => {
      const name = req.params.name;
      const latest = await use((s) => s.latestAudit(name));
      if (!latest) return unknownRepository(reply, name);
      const w = limitOf({ limit: req.query.weeks }, weeks);
      return {
        repository: name,
        audits: await use((s) => s.countAudits(name)),
        latest: { id: latest.id, receivedAt: latest.receivedAt, ...latest.snapshot },
        trend: await use((s) => s.trend(name, limitOf(req.query, trendLimit))),
        violationsPerWeek: await use((s) => s.weeklyViolations(name, w)),
      };
    },
  );

  app.get<{ Params: { name: string }; Querystring: { limit?: string } }>(
    "/api/repositories/:name/trend",
    { onRequest: readGuard },
    async (req, reply) => {
      if (!(await known(req.params.name))) return unknownRepository(reply, req.params.name);
      return {
        repository: req.params.name,
        trend: await use((s) => s.trend(req.params.name, limitOf(req.query, trendLimit))),
      };
    },
  );

  app.get<{ Params: { name: string }; Querystring: { weeks?: string } }>(
    "/api/repositories/:name/violations",
    { onRequest: readGuard },
    async (req, reply) => {
      if (!(await known(req.params.name))) return unknownRepository(reply, req.params.name);
      return {
        repository: req.params.name,
        violationsPerWeek: await use((s) =>
          s.weeklyViolations(req.params.name, limitOf({ limit: req.query.weeks }, weeks)),
        ),
      };
    },
  );

  app.get<{ Params: { id: string } }>("/api/audits/:id", { onRequest: readGuard }, async (req, reply) => {
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id < 1)
      return reply.code(400).send({ error: "the audit id must be a whole number ≥ 1" });
    const audit = await use((s) => s.getAudit(id));
    if (!audit) return reply.code(404).send({ error: `no audit #${id}` });
    return { id: audit.id, receivedAt: audit.receivedAt, ...audit.snapshot };
  });

  app.post(
    "/api/audits",
    {
      // Before the body is read: an unauthorised client cannot make the server buffer anything.
      onRequest: async (req, reply) => {
        const decision = authorizeWrite(req.headers.authorization, opts.token, tokenEnv);
        if (decision.ok) return;
        if (decision.status === 401) reply.header("www-authenticate", 'Bearer realm="dbfence"');
        return reply.code(decision.status).send({ error: decision.error });
      },
    },
    async (req, reply) => {
      const parsed = parseSnapshot(req.body);
      if (!parsed.ok)
        return reply.code(400).send({
          error:
            "the body is not a dbfence audit snapshot (snapshotVersion 1, as `dbfence audit --format json` prints under `snapshot`)",
          problems: parsed.problems,
        });
      const key = idempotencyKey(req.headers["idempotency-key"]);
      if (!key.ok) return reply.code(400).send({ error: key.error });
      const hash = contentSha256(parsed.snapshot);
      const stored = await use((s) => s.ingestAudit(parsed.snapshot, key.value ?? `sha256:${hash}`));
      if (!stored.created && stored.contentSha256 !== hash)
        return reply.code(409).send({
          error: `Idempotency-Key '${key.value?.slice(4)}' was already used for audit #${stored.id}, a different snapshot; send each audit with a key of its own`,
          id: stored.id,
        });
      return reply.code(stored.created ? 201 : 200).send({
        id: stored.id,
        repository: parsed.snapshot.repository,
        status: parsed.snapshot.status,
        url: repositoryHref(parsed.snapshot.repository),
        duplicate: !stored.created,
      });
    },
  );

  return app;
}

/** Printable ASCII, 1 to 200 characters (Node has trimmed the header's outer spaces). */
const KEY_PATTERN = /^[\x20-\x7e]{1,200}$/;

/** The `Idempotency-Key` header as the stored key (`key:...`), null when absent, or what is wrong with it. */
function idempotencyKey(
  header: string | string[] | undefined,
): { ok: true; value: string | null } | { ok: false; error: string } {
  if (header === undefined) return { ok: true, value: null };
  if (Array.isArray(header) || !KEY_PATTERN.test(header))
    return {
      ok: false,
      error: "the Idempotency-Key header must be one value of 1 to 200 printable ASCII characters (a UUID, say)",
    };
  return { ok: true, value: `key:${header}` };
}

/**
 * The scheduler's state for /healthz. Callers without a token do not get the repositories' folders nor
 * the audits' error text (which can name the store: `cannot store the audit (PostgreSQL postgres://...)`).
 */
function schedulerFor(status: SchedulerStatus | null, trusted: boolean): unknown {
  if (status === null || trusted || status.lastRun === null) return status;
  return {
    ...status,
    lastRun: {
      ...status.lastRun,
      results: status.lastRun.results.map(({ path: _path, error, ...rest }) => ({
        ...rest,
        error: error === null ? null : "the audit failed (the server log has the details)",
      })),
    },
  };
}
