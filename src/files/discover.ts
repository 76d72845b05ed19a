/**
 * Finds the Python files a run checks.
 *
 * Decisions (see also globs.ts for the glob syntax and gitignore.ts for .gitignore precedence):
 * - `include` / `exclude` are the final lists: the caller has already applied `extend-exclude`.
 * - Explicit FILES on the command line skip `.gitignore` (the user named them) but NOT `exclude` or
 *   `include`: pre-commit passes every staged file, and excluded migrations must stay excluded. They
 *   must still end in `.py` / `.pyi`; other files (README.md from pre-commit) are silently skipped.
 * - Explicit FOLDERS are walked with the usual rules, except that the built-in skip list does not
 *   apply to the folder itself (`dbfence check .venv/x` does what it says) and that a folder which is
 *   itself git-ignored is walked with only the .gitignore files found inside it (otherwise all of its
 *   content would be ignored through its parent). `exclude` still applies to it.
 * - An explicit path that does not exist or cannot be read becomes a problem entry, not an exception:
 *   the caller decides whether that is a usage error.
 * - Symbolic links are followed. A link to a folder that contains the link (by realpath) is a loop:
 *   reported and skipped. Folders and files reached twice (two links, or a link and the real path) are
 *   read once; the path that does not go through a link wins, because links are walked only after
 *   every link-free folder. A broken link is reported only when its name could be Python source (ends
 *   in .py/.pyi, or has no extension and might have been a folder): a dangling `docs/x.md` link is
 *   none of dbfence's business.
 * - A name that is not valid UTF-8 cannot be carried through the run as a path, so such a file — or
 *   every Python file under such a folder — is kept with an `unreadable` reason (DBF900 at its name,
 *   bytes shown as `\xff`): it can never hide a violation by being skipped in silence.
 * - An explicit path that is neither a file nor a folder (a FIFO, socket or device) is a problem entry:
 *   it is never opened, so it cannot hang the run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type GitignoreContext, GitignoreContexts, isInsideOrSame, posixRelative } from "./gitignore.js";
import { compileGlobs } from "./globs.js";

export interface DiscoverOptions {
  /** Absolute project root. */
  root: string;
  /** Absolute files or folders given on the command line (default [root]). */
  paths: string[];
  /** Globs relative to root (see globs.ts); `["."]` means everything. */
  include: string[];
  /** Globs relative to root (see globs.ts); matching folders are pruned without being read. */
  exclude: string[];
  respectGitignore: boolean;
}

export interface DiscoveredFile {
  abs: string;
  /** Relative to root, '/' separators; starts with `../` for explicit paths outside the root. */
  rel: string;
  /** Why the file cannot be read at all (its name is not valid UTF-8): reported as DBF900, never read. */
  unreadable?: string;
}

export interface DiscoverResult {
  /** `*.py` and `*.pyi`, sorted by rel (code-unit order, so the result is locale-independent). */
  files: DiscoveredFile[];
  /** Unreadable folders, symlink loops, broken links, missing explicit paths; sorted by rel. */
  problems: { rel: string; message: string }[];
}

/**
 * Folders that never hold project code. Besides the required list, `.hg`, `.svn`, `.nox`, `.eggs` and
 * `.pytest_cache` are tool or VCS state as well. Any folder holding `pyvenv.cfg` is a virtualenv.
 */
export const SKIPPED_FOLDERS: ReadonlySet<string> = new Set([
  ".git",
  ".hg",
  ".svn",
  "node_modules",
  "__pycache__",
  ".venv",
  "venv",
  ".tox",
  ".nox",
  ".eggs",
  ".mypy_cache",
  ".pytest_cache",
  ".ruff_cache",
  ".dbfence_cache",
  "site-packages",
]);

export const LOOP_MESSAGE = "symbolic link loop, skipped";
export const BROKEN_LINK_MESSAGE = "broken symbolic link, skipped";

interface Frame {
  abs: string;
  /** Realpath of the folder: loop detection and deduplication. */
  real: string;
  rel: string;
  ctx: GitignoreContext | null;
  viaLink: boolean;
  explicit: boolean;
}

interface Candidate {
  file: DiscoveredFile;
  viaLink: boolean;
}

export function isPythonSource(name: string): boolean {
  return name.endsWith(".py") || name.endsWith(".pyi");
}

function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" ? code : "";
}

function describeError(err: unknown, what: "folder" | "path"): string {
  const code = errorCode(err);
  switch (code) {
    case "EACCES":
    case "EPERM":
      return `cannot read ${what}: permission denied, skipped`;
    case "ENOENT":
      return "no such file or folder";
    case "ENOTDIR":
      return `cannot read ${what}: a component of the path is not a folder, skipped`;
    case "ELOOP":
      return LOOP_MESSAGE;
    default:
      return `cannot read ${what}: ${code || String(err)}, skipped`;
  }
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function discoverFiles(opts: DiscoverOptions): DiscoverResult {
  const root = path.resolve(opts.root);
  const include = compileGlobs(opts.include);
  const exclude = compileGlobs(opts.exclude);
  const contexts = opts.respectGitignore ? new GitignoreContexts(root) : null;
  const problems: { rel: string; message: string }[] = [];
  const candidates = new Map<string, Candidate>();
  const toRel = (abs: string) => posixRelative(root, abs);
  const problem = (rel: string, message: string) => problems.push({ rel: rel === "" ? "." : rel, message });

  const included = (rel: string) => include.matchesEverything || include.matchesSelfOrAncestor(rel, false);

  const addCandidate = (abs: string, rel: string, real: string, viaLink: boolean) => {
    const existing = candidates.get(real);
    // First one wins, except that a link-free path replaces one reached through a link.
    if (existing === undefined || (existing.viaLink && !viaLink)) {
      candidates.set(real, { file: { abs, rel }, viaLink });
    }
  };

  // Two stacks instead of recursion: `plain` is drained before any folder reached through a link is
  // opened, so the link-free path of a folder or file is the one kept.
  const plain: Frame[] = [];
  const linked: Frame[] = [];
  const visited = new Set<string>();

  const explicitPaths = opts.paths.length > 0 ? opts.paths : [root];
  for (const given of explicitPaths) {
    const abs = path.resolve(root, given);
    const rel = toRel(abs);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch (err) {
      const dangling = errorCode(err) === "ENOENT" && isSymlink(abs);
      problem(rel, dangling ? BROKEN_LINK_MESSAGE : describeError(err, "path"));
      continue;
    }
    if (st.isDirectory()) {
      if (exclude.matchesSelfOrAncestor(rel, true)) continue;
      let real: string;
      try {
        real = fs.realpathSync(abs);
      } catch (err) {
        problem(rel, describeError(err, "folder"));
        continue;
      }
      let ctx: GitignoreContext | null = null;
      if (contexts !== null) {
        ctx = contexts.forFolder(abs);
        ctx.loadChain(path.dirname(abs));
        if (ctx.ignores(abs, true)) ctx = contexts.forBase(abs);
      }
      plain.push({ abs, real, rel, ctx, viaLink: false, explicit: true });
    } else if (st.isFile()) {
      if (!isPythonSource(abs)) continue;
      if (exclude.matchesSelfOrAncestor(rel, false) || !included(rel)) continue;
      let real = abs;
      try {
        real = fs.realpathSync(abs);
      } catch {
        // stat succeeded, so realpath failing is a race; the logical path still identifies it.
      }
      addCandidate(abs, rel, real, false);
    } else {
      problem(rel, "not a regular file or folder (a FIFO, socket or device), skipped");
    }
  }
  // Stacks are LIFO: reverse so the first command-line path is walked first.
  plain.reverse();

  for (;;) {
    const frame = plain.pop() ?? linked.pop();
    if (frame === undefined) break;
    if (visited.has(frame.real)) continue;
    visited.add(frame.real);

    let raw: fs.Dirent<Buffer>[];
    try {
      raw = fs.readdirSync(frame.abs, { withFileTypes: true, encoding: "buffer" });
    } catch (err) {
      problem(frame.rel, describeError(err, "folder"));
      continue;
    }
    const entries: NamedEntry[] = [];
    for (const entry of raw) {
      const name = utf8Name(entry.name);
      if (name !== null) entries.push({ name, entry });
      else {
        const rel = `${frame.rel === "" ? "" : `${frame.rel}/`}${escapeName(entry.name)}`;
        const rawPath = Buffer.concat([Buffer.from(`${frame.abs}${path.sep}`), entry.name]);
        for (const found of undecodableSources(rawPath, rel, entry.isDirectory())) {
          if (exclude.matchesSelfOrAncestor(found, false) || !included(found)) continue;
          const abs = path.join(frame.abs, found.slice(frame.rel === "" ? 0 : frame.rel.length + 1));
          candidates.set(`\0${found}`, { file: { abs, rel: found, unreadable: NON_UTF8_NAME }, viaLink: false });
        }
      }
    }
    if (!frame.explicit && entries.some((e) => e.name === "pyvenv.cfg")) continue;
    const ctx = frame.ctx;
    ctx?.load(frame.abs);
    entries.sort((a, b) => byCodeUnits(a.name, b.name));

    const subfolders: Frame[] = [];
    for (const { name, entry } of entries) {
      const abs = path.join(frame.abs, name);
      const rel = frame.rel === "" ? name : `${frame.rel}/${name}`;
      const isLink = entry.isSymbolicLink();
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (isLink) {
        try {
          const st = fs.statSync(abs);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch (err) {
          const couldBeSource = isPythonSource(name) || path.extname(name) === "";
          if (!couldBeSource || exclude.matches(rel, false) || ctx?.ignores(abs, false)) continue;
          if (!included(rel)) continue;
          const code = errorCode(err);
          problem(rel, code === "ENOENT" ? BROKEN_LINK_MESSAGE : describeError(err, "path"));
          continue;
        }
      }

      if (isDir) {
        if (SKIPPED_FOLDERS.has(name)) continue;
        if (exclude.matches(rel, true) || ctx?.ignores(abs, true)) continue;
        let real = path.join(frame.real, name);
        if (isLink) {
          try {
            real = fs.realpathSync(abs);
          } catch (err) {
            problem(rel, describeError(err, "folder"));
            continue;
          }
          // Following a link to a folder that contains it would never end.
          if (isInsideOrSame(real, frame.real)) {
            problem(rel, LOOP_MESSAGE);
            continue;
          }
        }
        const child = {
          abs,
          real,
          rel,
          ctx,
          viaLink: frame.viaLink || isLink,
          explicit: false,
        };
        if (child.viaLink) linked.push(child);
        else subfolders.push(child);
      } else if (isFile && isPythonSource(name)) {
        if (exclude.matches(rel, false) || ctx?.ignores(abs, false) || !included(rel)) continue;
        let real = path.join(frame.real, name);
        if (isLink) {
          try {
            real = fs.realpathSync(abs);
          } catch (err) {
            problem(rel, describeError(err, "path"));
            continue;
          }
        }
        addCandidate(abs, rel, real, frame.viaLink || isLink);
      }
      // Sockets, FIFOs and devices are never source.
    }
    // Reverse so that sibling folders are opened in name order (not that the result depends on it).
    for (let i = subfolders.length - 1; i >= 0; i--) plain.push(subfolders[i] as Frame);
  }

  const files = [...candidates.values()].map((c) => c.file);
  files.sort((a, b) => byCodeUnits(a.rel, b.rel));
  problems.sort((a, b) => byCodeUnits(a.rel, b.rel) || byCodeUnits(a.message, b.message));
  return { files, problems };
}

interface NamedEntry {
  name: string;
  entry: fs.Dirent<Buffer>;
}

export const NON_UTF8_NAME =
  "its path is not valid UTF-8 (bytes shown as \\xNN), so dbfence cannot check it; rename it to a UTF-8 name";

/** The name as text, or null when its bytes are not valid UTF-8. */
function utf8Name(bytes: Buffer): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Printable ASCII as it is, every other byte as `\xNN`. */
function escapeName(bytes: Buffer): string {
  let out = "";
  for (const b of bytes)
    out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  return out;
}

/** The Python sources at or under an undecodable name, as escaped relative paths (folders walked by bytes, at most 10,000 entries). */
function undecodableSources(rawPath: Buffer, rel: string, isDir: boolean): string[] {
  if (!isDir) return isPythonSource(rel) ? [rel] : [];
  const found: string[] = [];
  const stack: [Buffer, string][] = [[rawPath, rel]];
  let budget = 10_000;
  while (stack.length > 0 && budget > 0) {
    const [dir, dirRel] = stack.pop() as [Buffer, string];
    let entries: fs.Dirent<Buffer>[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true, encoding: "buffer" });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (--budget <= 0) break;
      const name = utf8Name(entry.name) ?? escapeName(entry.name);
      const childRel = `${dirRel}/${name}`;
      if (entry.isDirectory() && !SKIPPED_FOLDERS.has(name)) {
        stack.push([Buffer.concat([dir, Buffer.from(path.sep), entry.name]), childRel]);
      } else if (entry.isFile() && isPythonSource(name)) found.push(childRel);
    }
  }
  return found.sort(byCodeUnits);
}

function isSymlink(abs: string): boolean {
  try {
    return fs.lstatSync(abs).isSymbolicLink();
  } catch {
    return false;
  }
}
