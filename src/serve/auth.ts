/**
 * Tokens for the server. Writes (`POST /api/audits`) need `Authorization: Bearer <token>`; reads, when
 * protected, take the same header or HTTP Basic with the token as the password (so a browser can open
 * the dashboard). Tokens are compared in constant time.
 */
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

export function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export type Credential = { kind: "bearer" | "basic"; secret: string } | { kind: "none" } | { kind: "malformed" };

export function credential(header: string | undefined): Credential {
  if (header === undefined || header.trim() === "") return { kind: "none" };
  const m = /^(\S+)\s+(.+)$/.exec(header.trim());
  if (!m) return { kind: "malformed" };
  const scheme = (m[1] as string).toLowerCase();
  const value = (m[2] as string).trim();
  if (scheme === "bearer") return { kind: "bearer", secret: value };
  if (scheme === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon < 0 ? { kind: "malformed" } : { kind: "basic", secret: decoded.slice(colon + 1) };
  }
  return { kind: "malformed" };
}

export type AuthDecision = { ok: true } | { ok: false; status: 401 | 403; error: string };

/** Writes: only a Bearer token equal to the write token. */
export function authorizeWrite(header: string | undefined, token: string | null, tokenEnv: string): AuthDecision {
  if (token === null)
    return {
      ok: false,
      status: 403,
      error: `POST /api/audits is disabled: start dbfence serve with a token in $${tokenEnv}`,
    };
  const c = credential(header);
  if (c.kind === "none") return { ok: false, status: 401, error: "missing Authorization: Bearer <token> header" };
  if (c.kind !== "bearer")
    return { ok: false, status: 401, error: "the Authorization header must be 'Bearer <token>'" };
  if (!sameToken(c.secret, token)) return { ok: false, status: 401, error: "wrong token" };
  return { ok: true };
}

/** Reads, when protected: the write token or the read token, as Bearer or as a Basic password. */
export function authorizeRead(header: string | undefined, tokens: readonly string[]): AuthDecision {
  const c = credential(header);
  if (c.kind === "none")
    return { ok: false, status: 401, error: "this server protects reads: send Authorization: Bearer <token>" };
  if (c.kind === "malformed")
    return { ok: false, status: 401, error: "the Authorization header must be 'Bearer <token>' or HTTP Basic" };
  if (!tokens.some((t) => sameToken(c.secret, t))) return { ok: false, status: 401, error: "wrong token" };
  return { ok: true };
}
