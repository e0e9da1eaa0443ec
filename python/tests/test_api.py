"""The Python interface itself: metafor's attribute names, the diagnostics
as methods, plots, errors as ValueError/ConvergenceError, and rma_batch
against single fits (numbers from metafor's dat.bcg: rma(yi, vi) on
escalc("RR", ...) gives b = -0.7145323, tau2 = 0.3132433, I2 = 92.22139)."""

import math

import pytest

import acumen_meta as am
from acumen_meta import _core

# metafor's dat.bcg (tpos, tneg, cpos, cneg).
TPOS = [4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27]
TNEG = [119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886]
CPOS = [11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29]
CNEG = [128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825]


def bcg():
    return am.escalc("RR", ai=TPOS, bi=TNEG, ci=CPOS, di=CNEG)


def test_rma_has_metafors_names_and_numbers():
    d = bcg()
    res = am.rma(d["yi"], d["vi"])
    assert math.isclose(res.b[0], -0.7145323, abs_tol=1e-6)
    assert math.isclose(res.tau2, 0.3132433, abs_tol=1e-6)
    assert math.isclose(res.I2, 92.22139, abs_tol=1e-4)
    assert math.isclose(res.zval[0], -3.9744, abs_tol=1e-4)
    with pytest.raises(AttributeError):
        res.tval
    assert res.k == 13
    text = res.summary()
    assert "Random-Effects Model (k = 13; tau^2 estimator: REML)" in text
    assert "intrcpt" in text and "***" in text
    assert res.provenance["method"] == "REML"


def test_the_same_fit_from_the_measures_columns_and_with_moderators():
    ablat = [44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33]
    data = {"tpos": TPOS, "tneg": TNEG, "cpos": CPOS, "cneg": CNEG, "ablat": ablat}
    res = am.rma(measure="RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=data, mods="~ ablat")
    # metafor: rma(measure="RR", ..., mods = ~ ablat): b = (0.2515, -0.0291).
    assert math.isclose(res.b[0], 0.2515, abs_tol=1e-4)
    assert math.isclose(res.b[1], -0.0291, abs_tol=1e-4)
    d = bcg()
    arr = am.rma(d["yi"], d["vi"], mods=[[a] for a in ablat])
    assert math.isclose(arr.b[1], res.b[1], rel_tol=1e-9)
    assert list(arr.to_dict()["fit"]["coef_names"]) == ["intrcpt", "X1"]


def test_diagnostics_and_plots():
    d = bcg()
    res = am.rma(d["yi"], d["vi"])
    l1o = res.leave1out()
    assert len(l1o["estimate"]) == 13
    assert 0 < res.regtest()["rma_sei"]["pval"] < 1
    assert "k0" in res.trimfill()
    assert res.forest().startswith("<svg")
    assert res.funnel().startswith("<svg")
    assert res.forest(format="png")[:8] == b"\x89PNG\r\n\x1a\n"
    mh = am.rma_mh(ai=TPOS, bi=TNEG, ci=CPOS, di=CNEG, measure="RR")
    assert mh.k == 13
    peto = am.rma_peto(ai=TPOS, bi=TNEG, ci=CPOS, di=CNEG)
    assert peto.k == 13


def test_errors_are_value_errors_in_one_line():
    with pytest.raises(ValueError, match="method"):
        am.rma([0.1, 0.2], [0.01, 0.02], method="REMLX")
    with pytest.raises(ValueError, match="columns differ in length"):
        am.rma([0.1, 0.2, 0.3], [0.01, 0.02])
    with pytest.raises(ValueError, match="unknown field"):
        am.rma([0.1, 0.2], [0.01, 0.02], estimator="REML")
    assert issubclass(am.ConvergenceError, ValueError)


def test_rma_batch_matches_single_fits():
    d = bcg()
    yi, vi = list(d["yi"]), list(d["vi"])
    nan = float("nan")
    rows_y = [yi, yi[:10] + [nan] * 3, [0.1] + [nan] * 12]
    rows_v = [vi, vi[:10] + [nan] * 3, [0.02] + [nan] * 12]
    out = am.rma_batch(rows_y, rows_v)
    single = am.rma(yi[:10], vi[:10])
    assert math.isclose(out["b"][0], -0.7145323, abs_tol=1e-6)
    assert math.isclose(out["b"][1], single.b[0], rel_tol=1e-12)
    assert math.isclose(out["tau2"][1], single.tau2, rel_tol=1e-12)
    assert out["k"][2] == 1
    with pytest.raises(ValueError):
        am.rma_batch(rows_y, rows_v[:2])


def test_rma_batch_array_layouts_and_the_path_without_numpy():
    np = pytest.importorskip("numpy")
    d = bcg()
    yi, vi = np.asarray(d["yi"], dtype=float), np.asarray(d["vi"], dtype=float)
    y = np.vstack([yi, yi[::-1], yi * 0.5])
    v = np.vstack([vi, vi[::-1], vi * 2.0])
    y[2, 4:7] = np.nan
    out = am.rma_batch(y, v, method="DL", test="t", level=90)
    # The same arrays as a transposed (Fortran-ordered) view and as packed bytes.
    fort = am.rma_batch(np.asfortranarray(y), np.asfortranarray(v), method="DL", test="t", level=90)
    packed, errors = _core.rma_batch(y.tobytes(), v.tobytes(), 3, 13, "DL", "t", 90.0)
    flat = np.frombuffer(packed, dtype=np.float64).reshape(3, len(_core.BATCH_FIELDS))
    assert errors == []
    for j, f in enumerate(_core.BATCH_FIELDS):
        assert np.array_equal(out[f], fort[f]), f
        assert np.array_equal(out[f], flat[:, j]), f
    keep = ~np.isnan(y[2])
    single = am.rma(list(y[2][keep]), list(v[2][keep]), method="DL", test="t", level=90)
    assert math.isclose(out["ci_lb"][2], single.ci_lb[0], rel_tol=1e-12)
    assert out["k"][2] == 10
    # dat.bcg under DL, as metafor prints it (4 decimals): tau^2 = 0.3088, estimate = -0.7141
    assert math.isclose(out["tau2"][0], 0.3088, abs_tol=5e-5)
    assert math.isclose(out["b"][0], -0.7141, abs_tol=5e-5)
    with pytest.raises(ValueError, match="yi is 3"):
        am.rma_batch(y, v[:2])


def test_the_fast_path_gives_the_full_paths_numbers():
    d = bcg()
    fast = am.rma(list(d["yi"]), list(d["vi"]), method="DL", test="knha")
    full = am.rma("yi", "vi", data={"yi": list(d["yi"]), "vi": list(d["vi"])}, method="DL", test="knha").to_dict()["fit"]
    for name in ("b", "se", "pval", "ci_lb", "ci_ub"):
        assert list(getattr(fast, name)) == full[name], name
    assert list(fast.tval) == full["stat"]
    for name in ("tau2", "se_tau2", "I2", "H2", "QE", "QEp", "QM", "QMp", "k"):
        assert getattr(fast, name) == full[name], name
    # The whole JSON when asked for, and NaN or a bad method refused in words.
    assert fast.to_dict()["fit"]["b"] == full["b"]
    assert len(fast.leave1out()["estimate"]) == 13
