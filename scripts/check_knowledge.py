#!/usr/bin/env python3
"""Check dbfence's SQLAlchemy library knowledge against a SQLAlchemy (and SQLModel) source tree.

Usage:
    python3 scripts/check_knowledge.py SA_SRC [SQLMODEL_SRC] [--report] [--json] [--build]

SA_SRC is a SQLAlchemy checkout (the directory holding ``lib/sqlalchemy``); SQLMODEL_SRC a SQLModel
checkout (holding ``sqlmodel/``). Nothing is imported: the files are parsed with ``ast``:

    lib/sqlalchemy/ext/asyncio/{session,engine,result,scoping}.py   (+ base.py, for base classes only)
    sqlmodel/ext/asyncio/session.py

For each async class the public methods are classified as

    coroutine        ``async def`` (awaiting is required)
    awaitable-cm     ``@asyncstartablecontext async def`` (AsyncConnection.stream): awaitable *and* ``async with``
    async-cm         ``@contextlib.asynccontextmanager async def`` (AsyncEngine.begin): ``async with`` only
    async-gen        ``async def`` with ``yield`` (``partitions``): ``async for`` only
    sync             plain ``def``

following base classes defined in those files and the ``create_proxy_methods(Target, ..., methods=[...],
classmethods=[...])`` decorator lists (AsyncSession proxies the sync ``Session``; async_scoped_session proxies
``AsyncSession``, so a proxied name takes the kind it has on the target class).

dbfence's data is read from the built module dist/src/semantic/knowledge/sqlalchemy.js with ``node``
(build it first: ``cd /work/main && npx tsc -p tsconfig.json``, or pass ``--build``).

Printed: coroutine methods dbfence lacks, methods dbfence lists as coroutines that are not coroutines in this
version, DBF402 sync methods of AsyncSession that are actually async, METHOD_RESULTS entries that disagree
with the return annotations, and what begin()/begin_nested() return. Exit status 1 when there are differences,
unless ``--report``; 2 on usage errors.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE_JS = REPO / "dist" / "src" / "semantic" / "knowledge" / "sqlalchemy.js"

SA_FILES = ["session", "engine", "result", "scoping", "base"]
# Classes reported, in order: (package, module, class name).
REPORTED = [
    ("sqlalchemy", "sqlalchemy.ext.asyncio.session", "AsyncSession"),
    ("sqlalchemy", "sqlalchemy.ext.asyncio.scoping", "async_scoped_session"),
    ("sqlmodel", "sqlmodel.ext.asyncio.session", "AsyncSession"),
    ("sqlalchemy", "sqlalchemy.ext.asyncio.engine", "AsyncConnection"),
    ("sqlalchemy", "sqlalchemy.ext.asyncio.engine", "AsyncEngine"),
    ("sqlalchemy", "sqlalchemy.ext.asyncio.result", "AsyncResult"),
    ("sqlalchemy", "sqlalchemy.ext.asyncio.result", "AsyncScalarResult"),
    ("sqlalchemy", "sqlalchemy.ext.asyncio.result", "AsyncMappingResult"),
    ("sqlalchemy", "sqlalchemy.ext.asyncio.result", "AsyncTupleResult"),
]
# Classes whose begin()/begin_nested() are reported (async_sessionmaker is dbfence's AsyncSessionMaker).
BEGIN_CLASSES = REPORTED[:5] + [("sqlalchemy", "sqlalchemy.ext.asyncio.session", "async_sessionmaker")]

AWAITABLE_KINDS = {"coroutine", "awaitable-cm"}
PROPERTY_DECORATORS = {
    "property",
    "setter",
    "getter",
    "deleter",
    "memoized_property",
    "ro_memoized_property",
    "ro_non_memoized_property",
    "non_memoized_property",
    "memoized_attribute",
    "hybridproperty",
    "hybridmethod",
}
TYPING_BASES = {"Generic", "Awaitable", "ABC", "object", "Protocol", "TypingOnly"}


@dataclass
class Member:
    name: str
    kind: str  # coroutine | awaitable-cm | async-cm | async-gen | sync | attribute
    returns: str | None = None
    origin: str = "def"  # "def", "proxy(<Target>)" or "base(<Class>)"
    classmethod: bool = False
    typing_only: bool = False
    line: int = 0
    deprecated: bool = False


@dataclass
class ClassInfo:
    package: str
    module: str
    name: str
    file: Path
    node: ast.ClassDef
    own: dict[str, Member] = field(default_factory=dict)
    proxy_target: str | None = None
    proxy_methods: list[str] = field(default_factory=list)
    proxy_attributes: list[str] = field(default_factory=list)
    imports: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def qname(self) -> str:
        return f"{self.module}.{self.name}"


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return dotted(node.func)
    if isinstance(node, ast.Subscript):
        return dotted(node.value)
    return ""


def has_yield(fn: ast.AST) -> bool:
    """A yield in the function itself (not in a nested function or class)."""
    stack = list(ast.iter_child_nodes(fn))
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(n))
    return False


def is_stub(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return all(isinstance(s, ast.Pass) for s in body)


def classify(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, bool]:
    """(kind, is_classmethod) of a function defined in a class body."""
    decos = [dotted(d).split(".")[-1] for d in fn.decorator_list]
    is_cm = "classmethod" in decos
    if any(d in PROPERTY_DECORATORS for d in decos):
        return "attribute", is_cm
    if isinstance(fn, ast.FunctionDef):
        return "sync", is_cm
    if "asynccontextmanager" in decos:
        return "async-cm", is_cm
    if "asyncstartablecontext" in decos:
        return "awaitable-cm", is_cm
    if has_yield(fn):
        return "async-gen", is_cm
    ret = dotted(fn.returns) if fn.returns is not None else ""
    if is_stub(fn) and ret.split(".")[-1] in {"AsyncIterator", "AsyncGenerator"}:
        # typing-only stubs (AsyncTupleResult.partitions) of an async generator
        return "async-gen", is_cm
    return "coroutine", is_cm


def class_body_functions(body: list[ast.stmt], typing_only: bool = False):
    """Functions of a class body, including those under `if TYPE_CHECKING:` (and its else)."""
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield stmt, typing_only
        elif isinstance(stmt, ast.If):
            tc = "TYPE_CHECKING" in ast.unparse(stmt.test)
            yield from class_body_functions(stmt.body, typing_only or tc)
            yield from class_body_functions(stmt.orelse, typing_only)


def str_list(node: ast.AST | None) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def parse_module(package: str, module: str, path: Path) -> list[ClassInfo]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imports: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                base = module.split(".")[: -node.level]
                mod = ".".join(base + ([mod] if mod else []))
            for a in node.names:
                imports[a.asname or a.name] = (mod, a.name)
    classes = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        info = ClassInfo(package, module, node.name, path, node, imports=imports)
        for deco in node.decorator_list:
            if isinstance(deco, ast.Call) and dotted(deco.func).split(".")[-1] == "create_proxy_methods":
                info.proxy_target = dotted(deco.args[0]) if deco.args else None
                kw = {k.arg: k.value for k in deco.keywords}
                info.proxy_methods = str_list(kw.get("methods")) + str_list(kw.get("classmethods"))
                info.proxy_attributes = str_list(kw.get("attributes"))
        impl: dict[str, Member] = {}
        overloads: dict[str, Member] = {}
        for fn, typing_only in class_body_functions(node.body):
            kind, is_cm = classify(fn)
            decos = [dotted(d).split(".")[-1] for d in fn.decorator_list]
            m = Member(
                fn.name,
                kind,
                ast.unparse(fn.returns) if fn.returns is not None else None,
                "def",
                is_cm,
                typing_only,
                fn.lineno,
                "deprecated" in decos,
            )
            if "overload" in decos:
                overloads.setdefault(fn.name, m)
            elif kind == "attribute" or fn.name not in impl:
                impl[fn.name] = m
        for name, m in overloads.items():
            impl.setdefault(name, m)
        info.own = impl
        classes.append(info)
    return classes


class Model:
    def __init__(self, sa_src: Path, sqlmodel_src: Path | None):
        self.classes: dict[tuple[str, str], ClassInfo] = {}  # (package, class name) -> info
        base = sa_src / "lib" / "sqlalchemy" / "ext" / "asyncio"
        if not base.is_dir():
            raise SystemExit(f"check_knowledge: {base} not found (SA_SRC must be a SQLAlchemy checkout)")
        for f in SA_FILES:
            p = base / f"{f}.py"
            if not p.exists():
                raise SystemExit(f"check_knowledge: {p} not found")
            for c in parse_module("sqlalchemy", f"sqlalchemy.ext.asyncio.{f}", p):
                self.classes[("sqlalchemy", c.name)] = c
        if sqlmodel_src is not None:
            p = sqlmodel_src / "sqlmodel" / "ext" / "asyncio" / "session.py"
            if not p.exists():
                raise SystemExit(f"check_knowledge: {p} not found (SQLMODEL_SRC must be a SQLModel checkout)")
            for c in parse_module("sqlmodel", "sqlmodel.ext.asyncio.session", p):
                self.classes[("sqlmodel", c.name)] = c
        self._cache: dict[tuple[str, str], dict[str, Member]] = {}
        self.notes: list[str] = []

    def get(self, package: str, name: str) -> ClassInfo | None:
        return self.classes.get((package, name))

    def resolve_name(self, info: ClassInfo, name: str) -> ClassInfo | None:
        """A class named in `info`'s file: defined there, or imported from a parsed sqlalchemy.ext.asyncio module."""
        head = name.split(".")[-1]
        same = self.get(info.package, head)
        if same is not None and same.module == info.module:
            return same
        if name in info.imports:
            mod, orig = info.imports[name]
            if mod.startswith("sqlalchemy.ext.asyncio"):
                return self.get("sqlalchemy", orig)
            if mod.startswith(info.package) and self.get(info.package, orig):
                return self.get(info.package, orig)
            return None
        if info.package == "sqlalchemy" and "." not in name:
            return self.get("sqlalchemy", name)
        return None

    def bases(self, info: ClassInfo) -> tuple[list[ClassInfo], list[str]]:
        found, external = [], []
        for b in info.node.bases:
            name = dotted(b)
            if name.split(".")[-1] in TYPING_BASES:
                continue
            r = self.resolve_name(info, name)
            if r is None:
                src = info.imports.get(name, ("?", name))[0]
                external.append(f"{name} ({src})")
            else:
                found.append(r)
        return found, external

    def members(self, info: ClassInfo) -> dict[str, Member]:
        """All members: own defs, then proxy-list names not defined here, then base classes (in order)."""
        key = (info.package, info.name)
        if key in self._cache:
            return self._cache[key]
        self._cache[key] = {}
        out: dict[str, Member] = dict(info.own)
        target = self.resolve_name(info, info.proxy_target) if info.proxy_target else None
        target_members = self.members(target) if target else {}
        for name in info.proxy_methods:
            if target is not None:
                tm = target_members.get(name)
                kind = tm.kind if tm else "missing"
                ret = tm.returns if tm else None
            else:  # proxies of the sync Session/Connection/Engine are plain defs
                tm, kind, ret = None, "sync", None
            if name in out:
                own = out[name]
                if own.kind != kind and kind != "missing":
                    self.notes.append(
                        f"{info.qname}.{name}: defined as {own.kind} but proxies {info.proxy_target}.{name} ({kind})"
                    )
                continue
            out[name] = Member(name, kind, ret, f"proxy({info.proxy_target})")
        for name in info.proxy_attributes:
            out.setdefault(name, Member(name, "attribute", None, f"proxy({info.proxy_target})"))
        bases, _ = self.bases(info)
        for b in bases:
            for name, m in self.members(b).items():
                if name not in out:
                    origin = m.origin if m.origin.startswith("base(") else f"base({b.name})"
                    out[name] = Member(
                        name, m.kind, m.returns, origin, m.classmethod, m.typing_only, m.line, m.deprecated
                    )
        self._cache[key] = out
        return out

    def public(self, info: ClassInfo) -> dict[str, Member]:
        return {n: m for n, m in self.members(info).items() if not n.startswith("_") and m.kind != "attribute"}


def load_dbfence(build: bool) -> dict:
    if build:
        subprocess.run(["npx", "tsc", "-p", "tsconfig.json"], cwd=REPO, check=True)
    if not KNOWLEDGE_JS.exists():
        raise SystemExit(
            f"check_knowledge: {KNOWLEDGE_JS} not found; build first (cd {REPO} && npx tsc -p tsconfig.json) or pass --build"
        )
    script = (
        f"import * as k from {json.dumps(KNOWLEDGE_JS.as_uri())};"
        "const conv = (v) => v instanceof Set ? [...v].sort() : (v && typeof v === 'object')"
        " ? Object.fromEntries(Object.entries(v).map(([a, b]) => [a, conv(b)])) : v;"
        "const out = {}; for (const [n, v] of Object.entries(k)) if (typeof v !== 'function') out[n] = conv(v);"
        "process.stdout.write(JSON.stringify(out));"
    )
    res = subprocess.run(
        ["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=False
    )
    if res.returncode != 0:
        raise SystemExit(f"check_knowledge: node failed reading {KNOWLEDGE_JS}:\n{res.stderr}")
    return json.loads(res.stdout)


def git_describe(src: Path) -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        tag = subprocess.run(
            ["git", "-C", str(src), "describe", "--tags", "--exact-match", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        return f"{tag or '(no tag)'} {commit}"
    except (OSError, subprocess.CalledProcessError):
        return "(not a git checkout)"


def version_of(src: Path, package: str) -> str:
    init = src / ("lib/sqlalchemy/__init__.py" if package == "sqlalchemy" else "sqlmodel/__init__.py")
    try:
        for node in ast.parse(init.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
            ):
                if isinstance(node.value, ast.Constant):
                    return str(node.value.value)
    except OSError:
        pass
    return "?"


def ann_type(ann: str | None, own_type: str | None, simple_types: dict[str, str]) -> str | None:
    """The DbType a return annotation names (outermost class; Self/_AS/AsyncIterator[X] unwrapped)."""
    if not ann:
        return None
    try:
        node = ast.parse(ann, mode="eval").body
    except SyntaxError:
        return None
    while True:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node = ast.parse(node.value, mode="eval").body
            continue
        if isinstance(node, ast.Subscript) and dotted(node.value).split(".")[-1] in {
            "AsyncIterator",
            "Optional",
            "Awaitable",
            "_AsyncSessionContextManager",
        }:
            node = node.slice
            continue
        break
    name = dotted(node).split(".")[-1]
    if name == "Self":
        return own_type
    if name == "_AS":
        return "AsyncSession"
    return simple_types.get(name)


def label(info: ClassInfo) -> str:
    return info.name if info.package == "sqlalchemy" else f"{info.package}.{info.name}"


def analyse(model: Model, k: dict) -> dict:
    class_types: dict[str, str] = k["CLASS_TYPES"]
    coro: dict[str, list[str]] = k["COROUTINE_METHODS"]
    sync402: list[str] = k["ASYNC_SESSION_SYNC_METHODS"]
    method_results: dict[str, dict[str, str]] = k["METHOD_RESULTS"]
    simple_types = {q.split(".")[-1]: t for q, t in class_types.items() if q.startswith("sqlalchemy.ext.asyncio.")}
    simple_types["async_sessionmaker"] = "AsyncSessionMaker"

    classes = []
    by_type: dict[str, list[tuple[ClassInfo, dict[str, Member]]]] = {}
    missing_classes = []
    for package, module, name in REPORTED:
        info = model.get(package, name)
        if info is None:
            if package == "sqlmodel" and not any(c[0] == "sqlmodel" for c in model.classes):
                continue
            missing_classes.append(f"{module}.{name}")
            continue
        pub = model.public(info)
        dbtype = class_types.get(info.qname) or class_types.get(f"{module.rsplit('.', 1)[0]}.{name}")
        _, external = model.bases(info)
        classes.append(
            {
                "class": info.qname,
                "dbtype": dbtype,
                "external_bases": external,
                "coroutines": sorted(n for n, m in pub.items() if m.kind in AWAITABLE_KINDS),
                "awaitable_cm": sorted(n for n, m in pub.items() if m.kind == "awaitable-cm"),
                "async_cm": sorted(n for n, m in pub.items() if m.kind == "async-cm"),
                "async_gen": sorted(n for n, m in pub.items() if m.kind == "async-gen"),
                "sync": sorted(n for n, m in pub.items() if m.kind == "sync"),
                "proxied": sorted(n for n, m in pub.items() if m.origin.startswith("proxy(")),
                "typing_only": sorted(n for n, m in pub.items() if m.typing_only),
                "deprecated": sorted(n for n, m in pub.items() if m.deprecated),
            }
        )
        if dbtype:
            by_type.setdefault(dbtype, []).append((info, pub))

    def describe(name: str, members: list[tuple[ClassInfo, dict[str, Member]]]) -> str:
        parts = []
        for info, pub in members:
            m = pub.get(name)
            parts.append(f"{label(info)}: {m.kind if m else 'absent'}")
        return "; ".join(parts)

    lacking, extra = [], []
    for dbtype in sorted(set(by_type) | set(coro)):
        members = by_type.get(dbtype, [])
        if not members:
            continue
        real: dict[str, list[str]] = {}
        for info, pub in members:
            for n, m in pub.items():
                if m.kind in AWAITABLE_KINDS:
                    real.setdefault(n, []).append(label(info))
        have = set(coro.get(dbtype, []))
        for n in sorted(set(real) - have):
            lacking.append({"type": dbtype, "method": n, "coroutine_on": real[n], "detail": describe(n, members)})
        for n in sorted(have - set(real)):
            extra.append({"type": dbtype, "method": n, "detail": describe(n, members)})

    session_members = by_type.get("AsyncSession", [])
    sync_async, sync_absent, sync_candidates = [], [], []
    for n in sorted(sync402):
        kinds = {label(info): (pub[n].kind if n in pub else "absent") for info, pub in session_members}
        if any(v in AWAITABLE_KINDS or v in {"async-cm", "async-gen"} for v in kinds.values()):
            sync_async.append({"method": n, "detail": describe(n, session_members)})
        elif all(v == "absent" for v in kinds.values()):
            sync_absent.append({"method": n, "detail": describe(n, session_members)})
    seen = set()
    for info, pub in session_members:
        for n, m in sorted(pub.items()):
            if m.kind == "sync" and n not in sync402 and n not in seen:
                seen.add(n)
                sync_candidates.append(
                    {"method": n, "returns": m.returns, "classmethod": m.classmethod, "detail": describe(n, session_members)}
                )

    begins = []
    for package, module, name in BEGIN_CLASSES:
        info = model.get(package, name)
        if info is None:
            continue
        mem = model.members(info)
        for meth in ("begin", "begin_nested"):
            m = mem.get(meth)
            if m is None:
                continue
            ret_name = ""
            if m.returns:
                try:
                    ret_name = dotted(ast.parse(m.returns, mode="eval").body).split(".")[-1]
                except SyntaxError:
                    ret_name = m.returns
            ret_cls = model.get("sqlalchemy", ret_name)
            awaitable = aenter = False
            if m.kind == "async-cm":
                usage, aenter = "async with only (contextlib.asynccontextmanager; awaiting it is a TypeError)", True
            elif m.kind == "coroutine":
                usage = "await"
                awaitable = True
            elif ret_cls is not None:
                rm = model.members(ret_cls)
                awaitable = "__await__" in rm
                aenter = "__aenter__" in rm
                usage = " or ".join(
                    x for x, ok in (("await", awaitable), ("async with", aenter)) if ok
                ) or "neither awaitable nor an async context manager"
            else:
                usage = "unknown (return class not parsed)"
            begins.append(
                {
                    "class": info.qname,
                    "method": meth,
                    "kind": m.kind,
                    "returns": m.returns,
                    "origin": m.origin,
                    "awaitable": awaitable,
                    "async_with": aenter,
                    "usage": usage,
                }
            )

    # METHOD_RESULTS against return annotations (async types only).
    result_mismatch, result_missing = [], []
    for dbtype, members in sorted(by_type.items()):
        entries = method_results.get(dbtype, {})
        for n in sorted({n for _, pub in members for n in pub}):
            anns = {}
            for info, pub in members:
                m = pub.get(n)
                if m is not None and m.kind != "async-gen":
                    t = ann_type(m.returns, class_types.get(info.qname), simple_types)
                    anns[label(info)] = (t, m.returns)
            types = {t for t, _ in anns.values() if t}
            if n in entries:
                if types and entries[n] not in types:
                    result_mismatch.append(
                        {"type": dbtype, "method": n, "dbfence": entries[n], "annotations": {c: a for c, (_, a) in anns.items()}}
                    )
            elif types and n not in {"begin", "begin_nested"}:
                result_missing.append(
                    {"type": dbtype, "method": n, "annotated": sorted(types), "annotations": {c: a for c, (_, a) in anns.items()}}
                )
    for dbtype, entries in sorted(method_results.items()):
        if dbtype not in by_type:
            continue
        for n, t in sorted(entries.items()):
            if n == "__call__":
                continue
            if not any(n in pub for _, pub in by_type[dbtype]):
                result_mismatch.append({"type": dbtype, "method": n, "dbfence": t, "annotations": {}, "absent": True})

    return {
        "classes": classes,
        "missing_classes": missing_classes,
        "lacking_coroutines": lacking,
        "extra_coroutines": extra,
        "dbf402_async": sync_async,
        "dbf402_absent": sync_absent,
        "dbf402_candidates": sync_candidates,
        "begin": begins,
        "method_results_mismatch": result_mismatch,
        "method_results_missing": result_missing,
        "proxy_notes": model.notes,
    }


def print_report(res: dict, header: list[str]) -> int:
    p = print
    for h in header:
        p(h)
    p("")
    p("== Classes (public methods) ==")
    for c in res["classes"]:
        p(f"{c['class']}  -> dbfence type {c['dbtype'] or '(unknown to dbfence CLASS_TYPES)'}")
        p(f"  coroutines ({len(c['coroutines'])}): {', '.join(c['coroutines'])}")
        if c["awaitable_cm"]:
            p(f"    of which awaitable + async context manager: {', '.join(c['awaitable_cm'])}")
        if c["async_cm"]:
            p(f"  async context managers (async with only): {', '.join(c['async_cm'])}")
        if c["async_gen"]:
            p(f"  async generators (async for only): {', '.join(c['async_gen'])}")
        p(f"  sync ({len(c['sync'])}): {', '.join(c['sync'])}")
        if c["deprecated"]:
            p(f"  deprecated: {', '.join(c['deprecated'])}")
        if c["typing_only"]:
            p(f"  declared under TYPE_CHECKING only: {', '.join(c['typing_only'])}")
        if c["external_bases"]:
            p(f"  external bases not followed: {', '.join(c['external_bases'])}")
    for m in res["missing_classes"]:
        p(f"MISSING CLASS: {m}")
    diffs = len(res["missing_classes"])

    p("")
    p("== Coroutine methods dbfence lacks (COROUTINE_METHODS) ==")
    for d in res["lacking_coroutines"]:
        p(f"  + {d['type']}.{d['method']}   [{d['detail']}]")
    p("  (none)" if not res["lacking_coroutines"] else "")
    p("== Methods dbfence lists as coroutines that are not coroutines here ==")
    for d in res["extra_coroutines"]:
        p(f"  - {d['type']}.{d['method']}   [{d['detail']}]")
    p("  (none)" if not res["extra_coroutines"] else "")
    p("== DBF402 (ASYNC_SESSION_SYNC_METHODS) that are actually async ==")
    for d in res["dbf402_async"]:
        p(f"  ! {d['method']}   [{d['detail']}]")
    p("  (none)" if not res["dbf402_async"] else "")
    p("== DBF402 methods that exist on no AsyncSession class ==")
    for d in res["dbf402_absent"]:
        p(f"  ? {d['method']}   [{d['detail']}]")
    p("  (none)" if not res["dbf402_absent"] else "")
    p("== Other sync methods of the AsyncSession classes, not in DBF402 (informational) ==")
    for d in res["dbf402_candidates"]:
        cm = " (classmethod)" if d["classmethod"] else ""
        p(f"  . {d['method']}{cm} -> {d['returns']}   [{d['detail']}]")
    p("== begin()/begin_nested() ==")
    for b in res["begin"]:
        p(f"  {b['class']}.{b['method']}(): {b['kind']} -> {b['returns']}; usage: {b['usage']}  [{b['origin']}]")
    p("== METHOD_RESULTS that disagree with the return annotation ==")
    for d in res["method_results_mismatch"]:
        if d.get("absent"):
            p(f"  ! {d['type']}.{d['method']} -> {d['dbfence']}: no such method")
        else:
            p(f"  ! {d['type']}.{d['method']} -> {d['dbfence']}: annotated {d['annotations']}")
    p("  (none)" if not res["method_results_mismatch"] else "")
    p("== METHOD_RESULTS entries dbfence could add (informational) ==")
    for d in res["method_results_missing"]:
        p(f"  . {d['type']}.{d['method']} -> {'/'.join(d['annotated'])}   {d['annotations']}")
    if res["proxy_notes"]:
        p("== Proxy-list inconsistencies ==")
        for n in res["proxy_notes"]:
            p(f"  ! {n}")
    diffs += (
        len(res["lacking_coroutines"])
        + len(res["extra_coroutines"])
        + len(res["dbf402_async"])
        + len(res["dbf402_absent"])
        + len(res["method_results_mismatch"])
        + len(res["proxy_notes"])
    )
    p("")
    p(f"{diffs} difference(s)")
    return diffs


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sa_src", type=Path, help="SQLAlchemy checkout (holds lib/sqlalchemy)")
    ap.add_argument("sqlmodel_src", type=Path, nargs="?", help="SQLModel checkout (holds sqlmodel/)")
    ap.add_argument("--report", action="store_true", help="always exit 0")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    ap.add_argument("--build", action="store_true", help="run tsc before reading dist/")
    args = ap.parse_args(argv)

    model = Model(args.sa_src, args.sqlmodel_src)
    k = load_dbfence(args.build)
    res = analyse(model, k)
    header = [
        f"SQLAlchemy {version_of(args.sa_src, 'sqlalchemy')}: {git_describe(args.sa_src)} ({args.sa_src})",
    ]
    if args.sqlmodel_src:
        header.append(
            f"SQLModel {version_of(args.sqlmodel_src, 'sqlmodel')}: {git_describe(args.sqlmodel_src)} ({args.sqlmodel_src})"
        )
    header.append(f"dbfence data: {os.path.relpath(KNOWLEDGE_JS, REPO)}")
    if args.json:
        diffs = sum(
            len(res[x])
            for x in (
                "missing_classes",
                "lacking_coroutines",
                "extra_coroutines",
                "dbf402_async",
                "dbf402_absent",
                "method_results_mismatch",
                "proxy_notes",
            )
        )
        print(json.dumps({"sources": header, "differences": diffs, **res}, indent=2))
    else:
        diffs = print_report(res, header)
    return 1 if diffs and not args.report else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
