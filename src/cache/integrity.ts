/**
 * What makes the cache safe to keep inside a checkout that others write to (docs/design.md, "The cache
 * cannot hide findings"):
 *  - a **machine secret** kept outside every repository (`$XDG_CACHE_HOME/dbfence/cache-key`, else
 *    `~/.cache/dbfence/cache-key`, created 0600; or `DBFENCE_CACHE_SECRET`) keys an HMAC over every cache
 *    file and every stored summary, and enters the cache file names: a cache written anywhere else (another
 *    machine, another checkout, a pull request that commits `.dbfence_cache/`) is never even opened, and an
 *    edited one does not verify;
 *  - only **regular files** are read, never through a symlink, opened non-blocking (a FIFO, a device or a
 *    link to `/dev/zero` is skipped at once), and at most `MAX_CACHE_BYTES` of them;
 *  - nothing is written or removed through a symlinked cache folder, and only dbfence's own file names are
 *    removed.
 * Anything that does not pass is ignored and rebuilt: a bad cache costs speed, never correctness.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** The largest cache or summary file read (bytes); larger ones are ignored and rebuilt. */
export const MAX_CACHE_BYTES = 256 * 1024 * 1024;
const KEY_BYTES = 32;
const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;
const NONBLOCK = fs.constants.O_NONBLOCK ?? 0;

/** Where this machine's cache secret is kept. */
export function secretFile(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), ".cache");
  return path.join(base, "dbfence", "cache-key");
}

/**
 * The bytes of `file` when it is a regular file (not a symlink, FIFO, socket or device) of at most `max`
 * bytes; else null. Never blocks: the file is checked before and after opening it non-blocking.
 */
export function readRegular(file: string, max: number): Buffer | null {
  try {
    const before = fs.lstatSync(file);
    if (!before.isFile() || before.size > max) return null;
    const fd = fs.openSync(file, fs.constants.O_RDONLY | NOFOLLOW | NONBLOCK);
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile() || st.ino !== before.ino || st.size > max) return null;
      const buf = Buffer.alloc(st.size);
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(fd, buf, got, buf.length - got, got);
        if (n === 0) break;
        got += n;
      }
      return got === buf.length ? buf : null;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

let secret: { key: Buffer | null; problem: string | null } | null = null;

/**
 * This machine's cache secret, created on first use. null (with the reason) when it cannot be read or
 * created safely: the run then goes on without a cache.
 */
export function cacheSecret(): { key: Buffer | null; problem: string | null } {
  secret ??= loadSecret();
  return secret;
}

function loadSecret(): { key: Buffer | null; problem: string | null } {
  const given = process.env.DBFENCE_CACHE_SECRET;
  if (given !== undefined && given !== "") {
    return given.length >= 16
      ? { key: Buffer.from(given, "utf8"), problem: null }
      : { key: null, problem: "DBFENCE_CACHE_SECRET is shorter than 16 characters; running without a cache" };
  }
  const file = secretFile();
  const existing = trusted(file);
  if (existing !== undefined) return existing;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
    fs.writeFileSync(tmp, crypto.randomBytes(KEY_BYTES), { mode: 0o600, flag: "wx" });
    try {
      // link() fails when another run created the key first: then that one is used.
      fs.linkSync(tmp, file);
    } catch {
      // kept: the other run's key
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  } catch (e) {
    return { key: null, problem: `cannot create the cache key ${file} (${errorText(e)}); running without a cache` };
  }
  return trusted(file) ?? { key: null, problem: `cannot read the cache key ${file}; running without a cache` };
}

/** The key in `file` if it is one only this user can read and write; undefined when there is none. */
function trusted(file: string): { key: Buffer | null; problem: string | null } | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return undefined;
  }
  const uid = process.getuid?.();
  const problem = !st.isFile()
    ? "is not a regular file"
    : (st.mode & 0o077) !== 0
      ? "can be read or written by other users (chmod 600 it)"
      : uid !== undefined && st.uid !== uid
        ? "belongs to another user"
        : null;
  if (problem) return { key: null, problem: `the cache key ${file} ${problem}; running without a cache` };
  const key = readRegular(file, 4096);
  return key && key.length >= KEY_BYTES
    ? { key, problem: null }
    : { key: null, problem: `the cache key ${file} is unreadable or too short; running without a cache` };
}

/** A name derived from the secret: enters the cache key, so another machine's cache files are never opened. */
export function machineId(key: Buffer): string {
  return crypto.createHmac("sha256", key).update("dbfence machine id").digest("hex");
}

/** The MAC of a cache payload under `name` (the cache key and the kind of file). */
export function mac(key: Buffer, name: string, payload: string | Buffer): string {
  return crypto.createHmac("sha256", key).update(name).update("\0").update(payload).digest("hex");
}

export function macEqual(a: string, b: string): boolean {
  return a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Is `dir` (and each of `subdirs` under it) a real directory or absent — never a symlink or anything else?
 * Writing or removing through a committed symlink (`.dbfence_cache/v1 -> ~`) must not happen.
 */
export function safeFolder(dir: string, ...subdirs: string[]): boolean {
  let p = dir;
  for (const part of ["", ...subdirs]) {
    p = part ? path.join(p, part) : p;
    try {
      if (!fs.lstatSync(p).isDirectory()) return false;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") return false;
    }
  }
  return true;
}

function errorText(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}
