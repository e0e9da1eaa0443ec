"""Every multilevel reference case (fixtures/mv_cases.json, written by
fixtures/make_mv_fixtures.R with R 4.2, metafor 3.8 and clubSandwich)
through rma_mv() and robust(): each case's `acumen meta` arguments become
keyword arguments on the case's CSV read as plain columns, and every number
metafor gave is compared at the Rust suite's tolerances."""

import json

import pytest

import acumen_meta as am
from test_metafor_cases import FIXTURES, compare, read_csv

CASES = json.loads((FIXTURES / "mv_cases.json").read_text())


def kwargs_of(args):
    file, it = args[0], iter(args[1:])
    kw, rob = {"random": []}, {}
    for a in it:
        key = a[2:]
        if key in ("ranef", "all"):
            rob["_" + key] = True
            continue
        v = next(it)
        if key == "format":
            continue
        if key == "random":
            kw["random"].append(v)
        elif key == "robust":
            rob["cluster"] = v
        elif key == "cr":
            rob["clubSandwich"] = v == "CR2"
        elif key in ("sigma2", "tau2"):
            kw[key] = [None if s == "NA" else float(s) for s in v.split(",")]
        elif key == "V-cluster":
            kw["V_cluster"] = v
        elif key == "rho":
            kw["rho"] = float(v)
        elif key == "V":
            kw["V_file"] = v
        else:
            kw[key.replace("-", "_")] = v
    return file, kw, rob


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case):
    file, kw, rob = kwargs_of(case["args"])
    data = read_csv(FIXTURES / file)
    V = "vi"
    if "V_file" in kw:
        # The published covariances as a k x k matrix (list of rows).
        k = len(data["yi"])
        V = [[0.0] * k for _ in range(k)]
        vf = read_csv(FIXTURES / kw.pop("V_file"))
        for i, j, c in zip(vf["row_i"], vf["row_j"], vf["cov"]):
            V[int(i) - 1][int(j) - 1] = V[int(j) - 1][int(i) - 1] = float(c)
    blups = rob.pop("_ranef", False)
    pl = rob.pop("_all", False)
    if not kw["random"]:
        # robust() of an rma.uni fit.
        kw.pop("random")
        if pl:
            kw["all"] = True
        res = am.rma("yi", "vi", data=data, **kw)
        if rob:
            res = am.robust(res, **rob)
        errs = []
        compare(case["name"], case["expected"], res.to_dict(), case["slack"], errs)
        assert not errs, "\n".join(errs)
        return
    res = am.rma_mv("yi", V, data=data, **kw)
    if rob:
        res = am.robust(res, **rob)
    got = dict(res.to_dict())
    if blups:
        got["ranef"] = res.ranef()
    if pl:
        got["confint"] = res.confint()
    errs = []
    compare(case["name"], case["expected"], got, case["slack"], errs)
    assert not errs, "\n".join(errs)
    f = case["expected"]["fit"]
    assert res.sigma2 == pytest.approx(f["sigma2"], rel=1e-5, abs=1e-7)
    stat = res.tval if kw.get("test") == "t" else res.zval
    assert stat == pytest.approx(f["stat"], rel=1e-5)


def test_errors_are_value_errors():
    data = read_csv(FIXTURES / "data/assink2016.csv")
    with pytest.raises(ValueError, match="must be one column name"):
        am.rma_mv("yi", "vi", data=data, random="~ log(esid) | study")
    with pytest.raises(ValueError, match="not nested"):
        am.robust(am.rma_mv("yi", "vi", data=data, random="~ 1 | study/esid"), "esid", clubSandwich=True)
