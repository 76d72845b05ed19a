/**
 * The connector's public names (`connector-api`) against the connector's modules (`connector`).
 *
 * - An unqualified entry (`get_db_session`) is a name of a module `connector` lists itself: the module, or
 *   for a connector package its `__init__`. Submodules of a connector package are not covered by it.
 * - `"pkg.session:get_db_session"` allows one name of one module; `"pkg.models:*"` every name of that module,
 *   and so the uses of an imported submodule (`from pkg import models`, then `models.User`).
 */

export interface ConnectorApi {
  /** May code outside the connector use `name` of connector module `module`? */
  allows(module: string, name: string): boolean;
  /** The entries as written, for messages. */
  readonly entries: readonly string[];
}

export function connectorApi(entries: readonly string[], connectors: readonly string[]): ConnectorApi {
  const plain = new Set<string>();
  const qualified = new Map<string, Set<string>>();
  for (const e of entries) {
    const at = e.indexOf(":");
    if (at < 0) {
      plain.add(e);
      continue;
    }
    const module = e.slice(0, at);
    const names = qualified.get(module) ?? new Set<string>();
    names.add(e.slice(at + 1));
    qualified.set(module, names);
  }
  const roots = new Set(connectors);
  return {
    entries,
    allows(module, name) {
      const names = qualified.get(module);
      if (names && (names.has("*") || names.has(name))) return true;
      return plain.has(name) && roots.has(module);
    },
  };
}

/** `"module:name"` → the module part; null for an unqualified entry. */
export function entryModule(entry: string): string | null {
  const at = entry.indexOf(":");
  return at < 0 ? null : entry.slice(0, at);
}
