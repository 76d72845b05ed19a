/**
 * Generators for the robustness test: hostile, huge or odd Python inputs, written to a temp tree.
 * Every generator is deterministic (no Math.random) so a failure reproduces byte for byte.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const DEEP = 50_000;
export const INDENT_LEVELS = 3_000;
export const PACKAGE_LEVELS = 200;
export const IMPORT_COUNT = 100_000;
export const BIG_FILE_BYTES = 20 * 1024 * 1024;
export const LONG_LINE_BYTES = 1024 * 1024;

/** The deep-nesting cases: file name (under `deep/`) → source. Each must parse or be DBF900, never crash. */
export function deepCases(): Record<string, string> {
  const n = DEEP;
  let indent = "";
  for (let i = 0; i < INDENT_LEVELS; i++) indent += `${" ".repeat(i)}if x:\n`;
  indent += `${" ".repeat(INDENT_LEVELS)}pass\n`;
  return {
    "parens.py": `x = ${"(".repeat(n)}1${")".repeat(n)}\n`,
    "lists.py": `x = ${"[".repeat(n)}${"]".repeat(n)}\n`,
    "unary.py": `x = ${"-".repeat(n)}1\n`,
    "indent.py": indent,
    "attributes.py": `x = a${".b".repeat(n)}\n`,
    "calls.py": `x = f${"()".repeat(n)}\n`,
    "plus.py": `x = ${Array.from({ length: n }, () => "a").join(" + ")}\n`,
  };
}

/** One line of about 1 MB; `import psycopg2` (DBF104) sits at its end, at `column`. */
export function longLine(): { text: string; column: number } {
  const head = `x = "${"a".repeat(LONG_LINE_BYTES)}"; `;
  return { text: `${head}import psycopg2\n`, column: head.length + 1 };
}

/** 100,000 imports; `import psycopg2` (DBF104) on the returned 1-based lines. */
export function manyImports(): { text: string; driverLines: number[] } {
  const lines: string[] = [];
  const driverLines: number[] = [];
  for (let i = 0; i < IMPORT_COUNT; i++) {
    if (i % 25_000 === 12_345) {
      lines.push("import psycopg2");
      driverLines.push(i + 1);
    } else if (i % 3 === 0) lines.push(`import pkg${i}.mod${i}`);
    else if (i % 3 === 1) lines.push(`from pkg${i} import name${i} as alias${i}`);
    else lines.push(`from .rel${i} import (a${i}, b${i})`);
  }
  return { text: `${lines.join("\n")}\n`, driverLines };
}

const FUNCTION_TEMPLATE = `
@router.get("/plants/{plant_id}/readings/@I@")
async def list_readings_@I@(
    plant_id: int,
    session: Annotated[AsyncSession, Depends(get_db_session)],
    limit: int = 100,
) -> list[dict[str, object]]:
    """Returns the latest readings of one plant (variant @I@)."""
    plant = await session.get(Plant, plant_id)
    if plant is None:
        raise HTTPException(status_code=404, detail=f"plant {plant_id} not found")
    result = await session.execute(
        select(Reading).where(Reading.plant_id == plant_id).order_by(Reading.taken_at.desc()).limit(limit)
    )
    rows = [{"id": r.id, "value": r.value, "at": r.taken_at.isoformat()} for r in result.scalars()]
    total = sum(row["value"] for row in rows if isinstance(row["value"], (int, float)))
    return rows if total >= 0 else []


def helper_@I@(values: list[int], *, scale: float = 1.5) -> float:
    acc = 0.0
    for index, value in enumerate(values):
        if index % 2 == 0 and value > 0:
            acc += value * scale
        elif value < 0:
            acc -= abs(value)
        else:
            continue
    return acc
`;

const BAD_TEMPLATE = `

async def forgot_await_@I@(session: AsyncSession, name: str) -> None:
    session.execute(text("SELECT * FROM plants WHERE name = '" + name + "'"))
`;

/**
 * A ~20 MB FastAPI router module made of realistic endpoints and helpers. Every 50th block also holds
 * a function with a missing `await` and SQL built by concatenation, so the rules have work to do.
 * Returns the text and how many of those bad functions it holds.
 */
export function bigModule(targetBytes = BIG_FILE_BYTES): { text: string; badFunctions: number } {
  const parts = [
    '"""Generated router module for the robustness test."""\n',
    "from __future__ import annotations\n\n",
    "from typing import Annotated\n\n",
    "from fastapi import APIRouter, Depends, HTTPException\n",
    "from sqlalchemy import select, text\n",
    "from sqlalchemy.ext.asyncio import AsyncSession\n\n",
    "from app.db import get_db_session\n",
    "from app.models import Plant, Reading\n\n",
    "router = APIRouter()\n\n",
  ];
  let size = parts.reduce((n, p) => n + p.length, 0);
  let badFunctions = 0;
  for (let i = 0; size < targetBytes; i++) {
    let block = FUNCTION_TEMPLATE.replaceAll("@I@", String(i));
    if (i % 50 === 0) {
      block += BAD_TEMPLATE.replaceAll("@I@", String(i));
      badFunctions++;
    }
    parts.push(block);
    size += block.length;
  }
  return { text: parts.join(""), badFunctions };
}

/** Bytes from a fixed linear congruential generator; `noNul` maps zero bytes to 0x80. */
export function pseudoRandomBytes(length: number, seed: number, noNul = false): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const byte = state >>> 24;
    out[i] = noNul && byte === 0 ? 0x80 : byte;
  }
  return out;
}

/** Encoding and line-ending cases (file name under `enc/` → bytes). `import psycopg2` is on line 3 where present. */
export function encodingCases(): Record<string, Buffer> {
  // PNG signature and an IHDR chunk, then noise: a binary file someone renamed to .py.
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]),
    pseudoRandomBytes(64 * 1024, 7),
  ]);
  return {
    "empty.py": Buffer.alloc(0),
    "bom_only.py": Buffer.from([0xef, 0xbb, 0xbf]),
    "nul_bytes.py": Buffer.from("import os\n\0\nx = 1\n", "latin1"),
    "invalid_utf8.py": Buffer.from([...Buffer.from('x = "'), 0xff, 0xfe, 0xc3, 0x28, ...Buffer.from('"\n')]),
    "latin1_coding.py": Buffer.from(
      '# -*- coding: latin-1 -*-\nname = "caf\u00e9 \u00fcber \u00f1"\nimport psycopg2\n',
      "latin1",
    ),
    "crlf.py": Buffer.from('x = 1\r\ny = "two"\r\nimport psycopg2\r\n'),
    "lone_cr.py": Buffer.from('x = 1\ry = "two"\rimport psycopg2\r'),
    "binary_png.py": png,
    "binary_no_nul.py": pseudoRandomBytes(64 * 1024, 11, true),
  };
}

/** Every piece of modern syntax (Python 3.14 grammar); must not be DBF900. Checked against CPython 3.13 minus the 3.14-only lines. */
export const PY314_FEATURES = `"""Every piece of modern syntax dbfence must parse (Python 3.14 grammar)."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

# PEP 695 type aliases and generics, PEP 696 type parameter defaults, PEP 646 star unpacking
type Point = tuple[float, float]
type ListOrSet[T] = list[T] | set[T]
type Recursive[T] = T | list[Recursive[T]]


class Box[T: (int, str), *Ts, **P]:
    def get[U = int](self, x: U) -> U:
        return x


def first[T: object = object](xs: list[T], /) -> T:
    return xs[0]


def star_annotation[*Ts](*args: *Ts) -> tuple[*Ts]:
    return args


# PEP 701 f-strings: reused quotes, nesting, backslashes, comments, nested format specs
name = "dbfence"
width = 10
s1 = f"{f"{f"{name!r:>{width}}"}"}"
s2 = f"{"\\n".join(["a", "b"])}"
s3 = f"{
    name  # a comment inside the replacement field
}"
s4 = f'{'nested' + 'quotes'}'
s5 = f"{name=} {width=:>5} {3.14159:.{2}f} {{literal braces}}"
s6 = rf"raw {name}\\d+" + Rb"bytes\\d".decode() + fr"{name}\\n"
s7 = f"""multi
{name:{'>' if width else '<'}{width}}
"""

# PEP 750 template strings
t1 = t"hello {name}"
t2 = t"{name!r:>{width}} and {f'{name}'}"
t3 = rt"raw {name}\\d"
t4 = tr"""raw triple {name}"""

# PEP 758: except and except* without parentheses
try:
    pass
except ValueError, TypeError:
    pass
except (KeyError, IndexError) as err:
    print(err)

try:
    pass
except* ValueError, TypeError:
    pass

# match statements
command = {"action": "go", "dir": "north"}
match command:
    case {"action": "go", "dir": str(direction)} if direction:
        print(direction)
    case [1, 2, *rest]:
        print(rest)
    case Box() | None:
        pass
    case {"x": 0 | 1 as v, **others}:
        print(v, others)
    case (1 | 2) as small if small > 0:
        pass
    case -1j | 1 + 2j | "s" "t" | b"b" | True | None:
        pass
    case _:
        pass

match = 1  # soft keywords stay usable as names
case = match
type = case

# walrus
xs = [1, 2, 3]
if (n := len(xs)) > 2:
    print(n)
ys = [y for x in xs if (y := x * 2) > 2]
print(f"{(n := 5)}")


# async: comprehensions, with, for, generators
async def agen() -> AsyncIterator[int]:
    for i in range(3):
        yield i
        await asyncio.sleep(0)


async def pred(x: int) -> bool:
    return x > 0


async def use_async() -> None:
    a = [x async for x in agen() if await pred(x)]
    b = {x: x async for x in agen()}
    c = {x async for x in agen()}
    d = (x async for x in agen())
    e = [[y async for y in agen()] for _ in range(2)]
    async with asyncio.timeout(1) as t, asyncio.timeout(2):
        pass
    async with (
        asyncio.timeout(1) as t,
        asyncio.timeout(2) as u,
    ):
        print(t, u)
    async for item in agen():
        print(item)
    else:
        pass
    print(a, b, c, d, e, await asyncio.gather(*[pred(i) for i in range(3)]))
    async with asyncio.TaskGroup() as tg:
        tg.create_task(pred(1))


# PEP 614: decorators are arbitrary expressions
handlers: list[Callable[..., object]] = []
registry = {"a": [lambda f: f]}


@registry["a"][0]
@(lambda f: f)
@(handlers.append if handlers else (lambda f: f))
@dataclass(frozen=True, slots=True)
class Decorated:
    x: int = 0
    y: list[int] | None = None


# lambda defaults and every parameter kind
f = lambda a, b=1, /, c=2, *args, d=3, e, **kw: (a, b, c, d, e, args, kw)
g = lambda *, key=lambda v: -v: key
h = lambda: (yield)


def params(a, b=2, /, c=3, *args: int, d: int = 4, **kwargs: str) -> None:
    nonlocal_target = 0

    def inner() -> None:
        nonlocal nonlocal_target
        nonlocal_target += 1

    inner()


def generator():
    x = yield
    y = yield from range(3)
    return x, y


# unpacking, star expressions, subscripts
first_, *middle, last = range(10)
merged = {**{"a": 1}, "b": 2, **dict(c=3)}
joined = [*xs, *ys]
tup = *xs, *ys
arr = {}
arr[1:2, ::3, ...] if False else None
for q in *xs, *ys:
    pass


def returns():
    return *xs, *ys


# parenthesized context managers, global, del, assert, raise from, except*
with (open(__file__) as fa, open(__file__) as fb):
    pass
counter = 0


def bump() -> None:
    global counter
    counter += 1
    del_me = [1]
    del del_me[0]
    assert counter, "message"
    try:
        raise ValueError("x") from None
    except* ValueError as eg:
        raise RuntimeError from eg
    finally:
        pass


# numbers, strings, operators
nums = (1_000_000, 0x_FF, 0o17, 0b1010, 1e-3, 1.5j, 0.0, 1_0.0_1e+1_0)
text_ = "implicit" 'concat' """triple""" r"\\raw"
ops = (1 @ 2 if False else 0, 2**-1, ~1, not 1, 1 if 1 else 2, 3 // 2, 5 % 3, 1 << 2 >> 1, 1 & 2 | 3 ^ 4)
chained = 1 < 2 <= 3 != 4 == 4 > 0 >= n is not None in [0] not in []
x: int = 1
y: "Box[int]"
ann: dict[str, list[tuple[int, ...]]] = {}
print(*xs, sep="", **{"end": "\\n"})
slices = xs[::-1], xs[1:], xs[:1], xs[:]
cond = [i for i in range(10) if i if i % 2 for j in range(i)]
ellipsis = ...
`;

export const PY2_PRINT = 'print "x"\n';

/** Writes `files` (posix paths relative to `root`) creating folders on the way. */
export function writeFiles(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, ...rel.split("/"));
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
}

/** `p0/p1/.../p199`: PACKAGE_LEVELS nested packages, each with `__init__.py`; returns the posix path of the deepest. */
export function nestedPackages(root: string, base: string): string {
  const parts: string[] = [base];
  for (let i = 0; i < PACKAGE_LEVELS; i++) {
    parts.push(`p${i}`);
    const dir = path.join(root, ...parts);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "__init__.py"), i % 10 === 0 ? `from . import p${i + 1}\n` : "");
  }
  return parts.join("/");
}
