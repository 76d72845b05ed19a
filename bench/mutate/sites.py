#!/usr/bin/env python3
"""Mutation sites for bench/mutate (called by dist/bench/mutate/mutate.js, never by tests).

Reads one JSON request on stdin:
  {"root": abs path, "files": [rel paths to scan], "connectorFiles": {rel path: dotted module},
   "connectorApi": [names], "sessionDeps": [names], "sessionTypes": [annotation names]}
and prints {"sites": {operator: [site, ...]}, "skipped": {...}} on stdout.

A site is a place where the injected violation is real by the catalog (../shared/spec/RULES.md):
- a session is a name bound by `async with <expr> as s` (not through Starlette's untyped `request.app.state`)
  or a parameter annotated with an async session type (or an alias of one), AND the function already awaits a
  session coroutine method on it (`await s.execute(...)` ...), AND it is used with a method only an
  `AsyncSession` has (`add`, `get`, `flush`, `refresh`, ...) or its binding names a session
  (`async with db.session_context() as s`, `s: AsyncSession`). The real code works, so such a name holds an
  AsyncSession at runtime; the binding is one dbfence's inference is meant to follow (catalog v2 providers).
- a route handler uses the database when a parameter is annotated with an async session type/alias or
  receives `Depends(<session dependency>)`.
Edits are in character columns (ast gives UTF-8 byte offsets; they are converted here).
"""

import ast
import json
import sys

COROUTINE = {
    "execute", "scalar", "scalars", "get", "get_one", "stream", "stream_scalars", "refresh", "merge",
    "delete", "flush", "commit", "rollback", "close",
}
# Methods that show a name holds an AsyncSession (not `get`/`delete`: an httpx.AsyncClient has those too).
SESSION_ONLY = {"add", "add_all", "get_one", "flush", "refresh", "merge", "expunge", "expire", "scalars", "scalar"}
SYNC_METHODS = {"add", "add_all", "expunge", "expunge_all", "expire", "expire_all"}
ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route", "websocket"}
SIMPLE_STMTS = (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign)


def char_col(line_text, byte_col):
    return len(line_text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def node_text(src, node):
    return ast.get_source_segment(src, node) or ""


class FileInfo:
    def __init__(self, rel, src):
        self.rel = rel
        self.src = src
        self.lines = src.split("\n")
        self.tree = ast.parse(src)
        self.parents = {}
        for parent in ast.walk(self.tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent

    def enclosing_function(self, node):
        cur = self.parents.get(node)
        while cur is not None and not isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            cur = self.parents.get(cur)
        return cur

    def col(self, lineno, byte_col):
        return char_col(self.lines[lineno - 1], byte_col)

    def import_point(self):
        """Line before which a module-level import can be inserted (after docstring and __future__)."""
        body = self.tree.body
        i = 0
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            i = 1
        while i < len(body) and isinstance(body[i], ast.ImportFrom) and body[i].module == "__future__":
            i += 1
        if i >= len(body):
            # only a docstring / __future__ imports (or nothing): insert after the last line
            return len(self.lines) if self.lines[-1] == "" else len(self.lines) + 1
        stmt = body[i]
        return min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])

    def imports_asyncio(self):
        for stmt in self.tree.body:
            if isinstance(stmt, ast.Import) and any(a.name == "asyncio" and a.asname is None for a in stmt.names):
                return True
        return False


def own_nodes(fn):
    """Nodes of fn's body, not descending into nested functions/lambdas/classes."""
    stack = list(fn.body) if not isinstance(fn, ast.Lambda) else []
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.append(child)


def annotation_is_session(info, ann, session_types):
    if ann is None:
        return False
    text = node_text(info.src, ann)
    return any(t in text for t in session_types)


def session_names(info, fn, req):
    """name -> provenance for the async sessions of async function fn (see module docstring)."""
    candidates = {}
    stores = {}
    for node in own_nodes(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores[node.id] = stores.get(node.id, 0) + 1
        if isinstance(node, ast.AsyncWith):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name):
                    expr = node_text(info.src, item.context_expr)
                    if ".state." in expr or expr.startswith("state."):
                        continue  # Starlette State attributes are untyped: outside the catalog
                    candidates[item.optional_vars.id] = ("async-with", expr)
    args = fn.args
    for a in args.posonlyargs + args.args + args.kwonlyargs:
        if annotation_is_session(info, a.annotation, req["sessionTypes"]):
            candidates[a.arg] = ("param", node_text(info.src, a.annotation))
    awaited, methods = {}, {}
    for node in own_nodes(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name):
            methods.setdefault(node.func.value.id, set()).add(node.func.attr)
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Attribute) and isinstance(node.value.func.value, ast.Name) \
                and node.value.func.attr in COROUTINE:
            awaited[node.value.func.value.id] = True
    result = {}
    for name, (kind, text) in candidates.items():
        limit = 1 if kind == "async-with" else 0
        if stores.get(name, 0) > limit or not awaited.get(name):
            continue
        named = kind == "param" or "session" in text.lower()
        if named or methods.get(name, set()) & SESSION_ONLY:
            result[name] = f"{kind}: {text}"
    return result


def simple_anchor(info, stmt):
    """A simple statement alone on its lines, after which a line can be inserted at its indentation."""
    if not isinstance(stmt, SIMPLE_STMTS):
        return None
    line = info.lines[stmt.lineno - 1]
    col = info.col(stmt.lineno, stmt.col_offset)
    if line[:col].strip() != "" or "\t" in line[:col]:
        return None
    end_line = info.lines[stmt.end_lineno - 1]
    rest = end_line[info.col(stmt.end_lineno, stmt.end_col_offset):].strip()
    if rest and not rest.startswith("#"):
        return None
    return " " * col


def scan_file(info, req, sites):
    rel = info.rel
    for fn in ast.walk(info.tree):
        if not isinstance(fn, ast.AsyncFunctionDef):
            continue
        sessions = session_names(info, fn, req)
        for node in own_nodes(fn):
            add_await_sites(info, fn, node, sessions, sites)
            if isinstance(node, ast.stmt) and info.enclosing_function(node) is fn:
                indent = simple_anchor(info, node)
                if indent is None:
                    continue
                session = anchored_session(node, sessions)
                anchor = {"file": rel, "after": node.end_lineno, "indent": indent, "function": fn.name,
                          "functionLine": fn.lineno}
                sites["blocking-helper"].append(anchor)
                if session:
                    s_anchor = dict(anchor, session=session, provenance=sessions[session])
                    sites["gather"].append(s_anchor)
                    sites["raw-sql"].append(s_anchor)
        handler = route_handler_site(info, fn, req)
        if handler:
            sites["sync-handler"].append(handler)
    point = info.import_point()
    if point is not None:
        sites["driver-import"].append({"file": rel, "before": point, "asyncio": info.imports_asyncio()})
    sites["_modules"][rel] = {"importPoint": point, "asyncio": info.imports_asyncio(), "lines": len(info.lines)}


def anchored_session(stmt, sessions):
    for node in ast.walk(stmt):
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Attribute) and isinstance(node.value.func.value, ast.Name) \
                and node.value.func.value.id in sessions and node.value.func.attr in COROUTINE:
            return node.value.func.value.id
    return None


def add_await_sites(info, fn, node, sessions, sites):
    if info.enclosing_function(node) is not fn:
        return
    if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
        call = node.value
        f = call.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in sessions \
                and f.attr in COROUTINE:
            line = info.lines[node.lineno - 1]
            col = info.col(node.lineno, node.col_offset)
            m = len(line[col:]) - len(line[col + 5:].lstrip())
            if line[col:col + 5] == "await" and m > 5 and call.lineno == node.lineno:
                sites["drop-await"].append({
                    "file": info.rel, "line": node.lineno, "col": col, "len": m, "session": f.value.id,
                    "method": f.attr, "function": fn.name, "provenance": sessions[f.value.id]})
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        f = node.value.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in sessions \
                and f.attr in SYNC_METHODS and simple_anchor(info, node) is not None:
            sites["await-sync"].append({
                "file": info.rel, "line": node.lineno, "col": info.col(node.lineno, node.col_offset),
                "session": f.value.id, "method": f.attr, "function": fn.name,
                "provenance": sessions[f.value.id]})


def route_handler_site(info, fn, req):
    routed = False
    for dec in fn.decorator_list:
        if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr in ROUTE_METHODS:
            routed = True
    if not routed:
        return None
    uses = None
    args = fn.args
    defaults = dict(zip([a.arg for a in args.args[len(args.args) - len(args.defaults):]], args.defaults))
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    for a in args.posonlyargs + args.args + args.kwonlyargs:
        ann = node_text(info.src, a.annotation) if a.annotation is not None else ""
        default = node_text(info.src, defaults[a.arg]) if a.arg in defaults else ""
        if annotation_is_session(info, a.annotation, req["sessionTypes"]) or any(
                f"Depends({d})" in ann or f"Depends({d})" in default for d in req["sessionDeps"]):
            uses = f"{a.arg}: {ann} {('= ' + default) if default else ''}".strip()
            break
    if uses is None:
        return None
    edits = []
    line = info.lines[fn.lineno - 1]
    col = info.col(fn.lineno, fn.col_offset)
    if line[col:col + 6] != "async ":
        return None
    edits.append({"line": fn.lineno, "col": col, "len": 6, "text": ""})
    for node in own_nodes(fn):
        if isinstance(node, ast.comprehension) and node.is_async:
            return None
        if isinstance(node, (ast.Await, ast.AsyncWith, ast.AsyncFor)):
            kw = "await" if isinstance(node, ast.Await) else "async"
            ln = info.lines[node.lineno - 1]
            c = info.col(node.lineno, node.col_offset)
            if ln[c:c + len(kw)] != kw:
                return None
            n = len(ln[c:]) - len(ln[c + len(kw):].lstrip())
            if n == len(kw):
                return None  # keyword at end of line
            edits.append({"line": node.lineno, "col": c, "len": n, "text": ""})
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return None
    return {"file": info.rel, "line": fn.lineno, "function": fn.name, "uses": uses, "edits": edits,
            "region": [min([fn.lineno] + [d.lineno for d in fn.decorator_list]), fn.end_lineno]}


def connector_internals(root, connector_files, api):
    out = []
    for rel, module in connector_files.items():
        try:
            with open(f"{root}/{rel}", encoding="utf-8") as fh:
                tree = ast.parse(fh.read())
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
        names = []
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.append(stmt.name)
            elif isinstance(stmt, ast.Assign):
                names += [t.id for t in stmt.targets if isinstance(t, ast.Name)]
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                names.append(stmt.target.id)
        for name in dict.fromkeys(names):
            if name not in api and f"{module}:{name}" not in api and f"{module}:*" not in api \
                    and not name.startswith("__"):
                out.append({"module": module, "name": name})
    return out


def main():
    req = json.load(sys.stdin)
    sites = {k: [] for k in ("drop-await", "await-sync", "sync-handler", "driver-import", "connector-internal",
                             "gather", "raw-sql", "blocking-helper")}
    sites["_modules"] = {}
    skipped = {"syntax": [], "connector": 0}
    connector = set(req["connectorFiles"])
    for rel in req["files"]:
        if rel in connector:
            skipped["connector"] += 1
            continue
        try:
            with open(f"{req['root']}/{rel}", encoding="utf-8") as fh:
                info = FileInfo(rel, fh.read())
        except (SyntaxError, UnicodeDecodeError, ValueError, RecursionError):
            skipped["syntax"].append(rel)
            continue
        scan_file(info, req, sites)
    internals = connector_internals(req["root"], req["connectorFiles"], set(req["connectorApi"]))
    for module_site in sites["driver-import"]:
        if internals:
            sites["connector-internal"].append(dict(module_site, internals=internals))
    modules = sites.pop("_modules")
    json.dump({"sites": sites, "modules": modules, "internals": internals, "skipped": skipped}, sys.stdout)


if __name__ == "__main__":
    main()
