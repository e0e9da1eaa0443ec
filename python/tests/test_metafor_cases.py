"""Every metafor reference case (fixtures/metafor_cases.json, written by
fixtures/make_fixtures.R with R 4.2 and metafor 3.8) through the Python API:
each case's `acumen meta` arguments become keyword arguments of rma(),
rma_mh() or rma_peto() on the case's CSV read as plain columns, and every
number metafor gave is compared at the Rust suite's tolerances
(crates/acumen-meta/src/tolerance.rs: REL 1e-7, ABS 1e-12, 10 × the case's
measured stopping-rule slack)."""

import csv
import json
import math
from pathlib import Path

import pytest

import acumen_meta as am

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
CASES = json.loads((FIXTURES / "metafor_cases.json").read_text())

REL, ABS, SLACK_FACTOR = 1e-7, 1e-12, 10.0
FLAGS = {"all", "unweighted", "leave1out", "influence", "regtest", "ranktest", "trimfill", "cumul", "no_correct"}


def close(actual, expected, slack):
    if actual == expected:
        return True
    return abs(actual - expected) <= REL * abs(expected) + ABS + SLACK_FACTOR * slack * max(abs(expected), 1.0)


def compare(path, expected, actual, slack, errs):
    if expected is None:
        if actual is not None:
            errs.append(f"{path}: expected null, got {actual!r}")
    elif isinstance(expected, bool) or isinstance(expected, str):
        if expected != actual:
            errs.append(f"{path}: expected {expected!r}, got {actual!r}")
    elif isinstance(expected, (int, float)):
        if not isinstance(actual, (int, float)) or not close(float(actual), float(expected), slack):
            errs.append(f"{path}: expected {expected!r}, got {actual!r}")
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            errs.append(f"{path}: expected {len(expected)} elements, got {actual!r}")
            return
        for i, (e, a) in enumerate(zip(expected, actual)):
            compare(f"{path}[{i}]", e, a, slack, errs)
    elif isinstance(expected, dict):
        for k, v in expected.items():
            if not isinstance(actual, dict) or k not in actual:
                errs.append(f"{path}.{k}: missing")
            else:
                compare(f"{path}.{k}", v, actual[k], slack, errs)


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    return {h: [r[j] if j < len(r) else "" for r in body] for j, h in enumerate(header)}


def call(args):
    """A case's arguments as a Python call: (function, data, keyword arguments)."""
    file, rest = args[0], args[1:]
    kw, i = {}, 0
    while i < len(rest):
        key = rest[i][2:].replace("-", "_")
        if key in FLAGS:
            kw[key] = True
            i += 1
            continue
        value = rest[i + 1]
        i += 2
        if key == "format":
            continue
        if key in ("add", "level", "tau2"):
            value = float(value)
        elif key in ("maxiter", "seed"):
            value = int(value)
        kw[key] = value
    data = read_csv(FIXTURES / file)
    method = kw.get("method", "REML")
    if method == "MH":
        kw.pop("method")
        return am.rma_mh, data, kw
    if method == "PETO":
        kw.pop("method")
        return am.rma_peto, data, kw
    # Columns named as in the file are passed by name (as metafor's data=).
    for col in ("yi", "vi", "sei"):
        if col in data:
            kw[col] = col
    return am.rma, data, kw


def check_random_permutations(e, a, n, errs):
    """Random permutations cannot reproduce R's random numbers: p-values
    must agree within 3 sqrt(p (1 - p) / N) + 1 / N (as the Rust suite)."""
    pairs = list(zip(e["pval"], a["pval"])) + [(e["QMp"], a["QMp"])]
    for pe, pa in pairs:
        tol = 3.0 * math.sqrt(pe * (1.0 - pe) / n) + 1.0 / n
        if abs(pe - pa) > tol:
            errs.append(f"permutest: p = {pa} vs metafor {pe} (allowed {tol:.4f})")
    if e["exact"] != a["exact"] or e["n_perm"] != a["n_perm"]:
        errs.append("permutest: exact / n_perm differ")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_metafor_case(case):
    fn, data, kw = call(case["args"])
    res = fn(data=data, **kw)
    got = res.to_dict()
    errs = []
    expected = dict(case["expected"])
    if case.get("perm_n"):
        check_random_permutations(expected.pop("permutest"), got["permutest"], case["perm_n"], errs)
    for block, want in expected.items():
        if block not in got:
            errs.append(f"{block}: missing")
            continue
        compare(block, want, got[block], case["slack"], errs)
    assert not errs, f"{case['name']}: " + "; ".join(errs[:8])
