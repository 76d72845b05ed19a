#!/usr/bin/env python3
"""Print the names a project imports from its connector modules (a starting `connector-api` for a real repo).

  python3 bench/mutate/connector_api.py ROOT SRC_ROOT INCLUDE_DIR MODULE [MODULE ...]

Scans INCLUDE_DIR's .py files (outside the connector modules) for `from M import a, b` and `import M` + `M.a`,
M one of MODULES (relative imports resolved against SRC_ROOT). One name per line, sorted.
"""
import ast
import os
import sys

root, src, include, *modules = sys.argv[1:]
src_abs = os.path.join(root, src)
names = set()
for dirpath, _, files in os.walk(os.path.join(root, include)):
    for f in files:
        if not f.endswith(".py"):
            continue
        path = os.path.join(dirpath, f)
        mod = os.path.relpath(path, src_abs)[:-3].replace(os.sep, ".")
        if mod.endswith(".__init__"):
            mod = mod[: -len(".__init__")]
        if mod in modules:
            continue
        try:
            tree = ast.parse(open(path, encoding="utf-8").read())
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        pkg = mod.split(".")[:-1] if not f == "__init__.py" else mod.split(".")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = node.module or ""
                if node.level:
                    base = pkg[: len(pkg) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                if target in modules:
                    names.update(a.name for a in node.names if a.name != "*")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
                pass
print("\n".join(sorted(names)))
