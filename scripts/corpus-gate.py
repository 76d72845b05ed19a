#!/usr/bin/env python3
"""Scores the built CLI on the public corpus and fails when a gated code is below 1.000.

Usage: corpus-gate.py SHARED_DIR. The gated codes are listed in scripts/corpus-gate.json: each issue that
completes a rule adds its codes there, so the gate only ever tightens.
"""
import json, os, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared")
gate = json.load(open(os.path.join(here, "corpus-gate.json")))
out = os.path.join(tempfile.mkdtemp(), "score.json")
cli = os.path.join(root, "dist", "src", "cli.js")
subprocess.run([sys.executable, os.path.join(shared, "tools", "score-corpus.py"), "--cmd", f"node {cli}",
                os.path.join(shared, "corpus", "cases"), "--json", out], check=True)
score = json.load(open(out))
failed = []
for code, what in gate["codes"].items():
    c = score["per_code"].get(code, {"tp": 0, "fp": 0, "fn": 0})
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    need_p = what in ("both", "precision")
    need_r = what in ("both", "recall")
    if (need_p and p < 1.0) or (need_r and r < 1.0):
        failed.append(f"{code}: precision={p:.3f} recall={r:.3f} (gate: {what})")
if score["errors"]:
    failed.append(f"{len(score['errors'])} case(s) could not be scored: {score['errors'][:3]}")
if failed:
    print("corpus gate FAILED:\n  " + "\n  ".join(failed))
    sys.exit(1)
print(f"corpus gate passed for {len(gate['codes'])} codes")
