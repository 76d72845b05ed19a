/**
 * The policy's review checklist and which findings decide each item. "Tests on the async fixture"
 * has no rule: src/review/tests.ts computes it from the project.
 */
import type { Finding } from "../types.js";

export type ItemId = "session-local" | "session" | "sync-endpoints" | "awaited" | "tests" | "health";

export interface ChecklistItem {
  id: ItemId;
  title: string;
  /** What the item means, in one line. */
  covers: string;
  /** Rule codes that decide it (empty for the computed tests item). */
  codes: readonly string[];
}

export const CHECKLIST: readonly ChecklistItem[] = [
  {
    id: "session-local",
    title: "No `SessionLocal`",
    covers: "sessions and engines come from the connector: no connector internals, own engines or session factories",
    codes: ["DBF101", "DBF102", "DBF103"],
  },
  {
    id: "session",
    title: "No `Session()`",
    covers: "no sync `Session`: not imported, annotated or constructed",
    codes: ["DBF103", "DBF201", "DBF202"],
  },
  {
    id: "sync-endpoints",
    title: "No sync DB endpoints",
    covers: "route handlers that use the database are `async def` and never block the event loop",
    codes: ["DBF301", "DBF303"],
  },
  {
    id: "awaited",
    title: "All awaited",
    covers: "every session coroutine is awaited, nothing else is, and no session is used concurrently",
    codes: ["DBF401", "DBF402", "DBF403", "DBF404"],
  },
  {
    id: "tests",
    title: "Tests on the async fixture",
    covers: "tests exist and receive an `AsyncSession` from an async fixture, never a sync `Session`",
    codes: [],
  },
  {
    id: "health",
    title: "Health endpoint present",
    covers: "each app serves an async `GET` health endpoint that uses the connector, and starts/stops the connector",
    codes: ["DBF601", "DBF602"],
  },
];

/**
 * DBF103 reports both session factories (`sessionmaker`, `async_sessionmaker`, `scoped_session`: the
 * `SessionLocal` pattern) and sessions constructed directly (`Session(...)`, `AsyncSession(...)`); its
 * message starts with the constructed name.
 */
const DIRECT_SESSION = /^(Async)?Session\(/;

/** The checklist item a finding belongs to, or null when it is not on the checklist. */
export function itemOf(f: Finding): ItemId | null {
  if (f.code === "DBF103") return DIRECT_SESSION.test(f.message) ? "session" : "session-local";
  for (const item of CHECKLIST) if (item.codes.includes(f.code)) return item.id;
  return null;
}
