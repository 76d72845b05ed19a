#!/usr/bin/env python3
"""Scores the built CLI on the public corpus and fails unless every gated code and case is exact.

Usage: corpus-gate.py SHARED_DIR [--json OUT]. Every code and every case is gated at precision = recall =
1.000, except the v2 behaviour not built yet, listed under "pending" in scripts/corpus-gate.json:
  - a pending case is scored but not gated;
  - a pending code's labels and findings are left out of every case.
The pending lists only shrink: an issue that delivers a code or a case removes it. The gate also fails when
a pending entry passes already, so that the list stays exact about what is built.
"""
import json, os, subprocess, sys, tempfile
from collections import Counter

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
args = [a for a in sys.argv[1:] if not a.startswith("--")]
shared = args[0] if args else os.path.join(root, "..", "shared")
gate = json.load(open(os.path.join(here, "corpus-gate.json")))
pending_codes = set(gate["pending"]["codes"])
pending_cases = set(gate["pending"]["cases"])
out = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else os.path.join(tempfile.mkdtemp(), "score.json")
cli = os.path.join(root, "dist", "src", "cli.js")
cases_dir = os.path.join(shared, "corpus", "cases")
subprocess.run([sys.executable, os.path.join(shared, "tools", "score-corpus.py"), "--quiet", "--cmd", f"node {cli}",
                cases_dir, "--json", out], check=True)
score = json.load(open(out))
all_cases = {n for n in os.listdir(cases_dir) if os.path.isdir(os.path.join(cases_dir, n)) and not n.startswith(".")}

failed = []
unknown = pending_cases - all_cases
if unknown:
    failed.append(f"pending cases not in the corpus: {sorted(unknown)}")
errored = {name for name, _ in score["errors"]}
for name, err in score["errors"]:
    if name not in pending_cases:
        failed.append(f"{name}: could not be scored: {err}")

gated_misses = Counter()
case_misses = Counter()
code_misses = Counter()
for kind, case, path, line, code in score["misses"]:
    case_misses[case] += 1
    if code in pending_codes:
        code_misses[code] += 1
    elif case not in pending_cases:
        gated_misses[code] += 1
        failed.append(f"{kind} {case}/{path}:{line} {code}")

for case in sorted(pending_cases & all_cases):
    if case_misses[case] == 0 and case not in errored:
        failed.append(f"pending case {case} passes now: remove it from pending in scripts/corpus-gate.json")
for code in sorted(pending_codes):
    c = score["per_code"].get(code, {"tp": 0, "fp": 0, "fn": 0})
    if code_misses[code] == 0 and c["tp"] > 0:
        failed.append(f"pending code {code} passes now: remove it from pending in scripts/corpus-gate.json")

gated_cases = len(all_cases - pending_cases)
if failed:
    print("corpus gate FAILED:\n  " + "\n  ".join(failed))
    sys.exit(1)
print(f"corpus gate passed: {gated_cases} of {len(all_cases)} cases gated at precision = recall = 1.000 "
      f"(every code but the pending {', '.join(sorted(pending_codes)) or 'none'}); "
      f"{len(pending_cases)} cases and {len(pending_codes)} codes pending")
