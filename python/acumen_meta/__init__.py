"""acumen_meta: metafor's meta-analysis numbers at native speed.

The Acumen evidence engine (Rust) behind an interface a metafor user
recognises: ``escalc``, ``rma``, ``rma_mh``, ``rma_peto``, results with
metafor's attribute names (``.`` written ``_``), their diagnostics as
methods, forest and funnel plots, and ``rma_batch`` for many independent
analyses at once. pandas and numpy are accepted when installed, never
required.
"""

from __future__ import annotations

import json
import math
from array import array
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from . import _core

__all__ = [
    "escalc",
    "rma",
    "rma_mh",
    "rma_peto",
    "rma_batch",
    "rma_mv",
    "robust",
    "RmaResult",
    "RmaMvResult",
    "ConvergenceError",
    "__version__",
]

__version__ = _core.engine_version()

#: An iterative estimator did not converge (a ``ValueError``).
ConvergenceError = _core.ConvergenceError

# The engine's data columns (escalc's arguments and the outcome columns).
_COLUMNS = {
    "yi", "vi", "sei", "ai", "bi", "ci", "di", "n1i", "n2i", "x1i", "x2i", "t1i", "t2i",
    "m1i", "m2i", "sd1i", "sd2i", "xi", "mi", "ri", "ni", "ti", "sdi", "pi", "study",
}


def _is_sequence(v: Any) -> bool:
    return hasattr(v, "__len__") and not isinstance(v, (str, bytes, dict))


def _cell(v: Any) -> str:
    """A value as the engine reads a CSV cell ("NA" for missing)."""
    if v is None:
        return "NA"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) or type(v).__name__.startswith("float"):
        f = float(v)
        return "NA" if math.isnan(f) else repr(f)
    if isinstance(v, int) or type(v).__name__.startswith("int"):
        return str(int(v))
    s = str(v)
    return "NA" if s in ("nan", "NaN", "<NA>") else s


def _data_columns(data: Any) -> Dict[str, List[Any]]:
    if data is None:
        return {}
    if hasattr(data, "columns") and hasattr(data, "__getitem__"):  # a pandas DataFrame
        return {str(c): list(data[c]) for c in data.columns}
    if isinstance(data, dict):
        return {str(k): list(v) for k, v in data.items()}
    raise TypeError("data: give a pandas DataFrame or a dict of columns")


def _mods_columns(mods: Any, n: int) -> Tuple[Optional[str], Dict[str, List[Any]]]:
    """A formula string as it is; a 1-D or 2-D array as columns X1..Xp (with an intercept, as metafor)."""
    if mods is None or isinstance(mods, str):
        return mods, {}
    rows = mods.tolist() if hasattr(mods, "tolist") else list(mods)
    if rows and not _is_sequence(rows[0]):
        rows = [[r] for r in rows]
    if len(rows) != n:
        raise ValueError(f"mods: {len(rows)} rows for {n} studies")
    p = len(rows[0]) if rows else 0
    cols = {f"X{j + 1}": [r[j] for r in rows] for j in range(p)}
    return "~ " + " + ".join(cols), cols


def _table(data: Any, columns: Dict[str, Any]) -> Tuple[List[str], List[List[str]], Dict[str, List[Any]]]:
    cols = _data_columns(data)
    for name, v in columns.items():
        if v is None:
            continue
        if isinstance(v, str):
            if v not in cols:
                raise ValueError(f"{name}: '{v}' is not a column of data")
            if v != name:
                cols[name] = cols[v]
        elif _is_sequence(v):
            cols[name] = list(v.tolist() if hasattr(v, "tolist") else v)
        else:
            raise ValueError(f"{name}: give a column name or a sequence of values")
    if not cols:
        raise ValueError("no data: give yi and vi, or a measure's columns")
    lengths = {k: len(v) for k, v in cols.items()}
    n = max(lengths.values())
    short = [k for k, m in lengths.items() if m != n]
    if short:
        raise ValueError(f"columns differ in length: {', '.join(f'{k} has {lengths[k]}' for k in short)}, others {n}")
    headers = list(cols)
    rows = [[_cell(cols[h][i]) for h in headers] for i in range(n)]
    return headers, rows, cols


def _split(kwargs: Dict[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """Data columns (arrays, or names of columns) and engine options."""
    columns, options = {}, {}
    for k, v in kwargs.items():
        (columns if k in _COLUMNS else options)[k] = v
    return columns, options


class RmaResult:
    """A fitted model: metafor's names as attributes (``b``, ``se``, ``zval``
    or ``tval``, ``pval``, ``ci_lb``, ``ci_ub``, ``tau2``, ``I2``, ``H2``,
    ``QE``, ``QEp``, ``QM``, ``QMp``, ``k``, ``p``, ...), the escalc values as
    ``yi`` and ``vi``, and the diagnostics as methods."""

    def __init__(self, headers, rows, request, result, pooling, fast=None):
        self._headers, self._rows, self._request = headers, rows, request
        self._result = result
        self._fast = fast
        self._pooling = pooling

    def _table_rows(self) -> List[List[str]]:
        """The table's rows (made on first use after a fast fit)."""
        if self._rows is None:
            by, bv = self._raw
            ys, vs = array("d"), array("d")
            ys.frombytes(by)
            vs.frombytes(bv)
            self._rows = [[_cell(a), _cell(b)] for a, b in zip(ys, vs)]
        return self._rows

    @property
    def _d(self) -> Dict[str, Any]:
        """The engine's whole JSON, computed on first use after a fast fit."""
        if self._result is None:
            self._result = json.loads(_core.analyse(self._headers, self._table_rows(), json.dumps(self._request)))
        return self._result

    # --- attributes -------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        fast = self.__dict__.get("_fast")
        test = self.__dict__.get("_request", {}).get("test", "z")
        if fast is not None and (name in fast or name in ("zval", "tval")) and self.__dict__.get("_result") is None:
            fit = fast
        else:
            fit = self._d.get("fit", {})
        d = self._d if fit is not fast else {}
        if name in ("zval", "tval"):
            stat_is_t = test in ("t", "knha", "adhoc")
            if (name == "tval") != stat_is_t:
                raise AttributeError(f"this model has {'tval' if stat_is_t else 'zval'} (test = {test!r})")
            return _out(fit["stat"])
        if name in fit:
            return _out(fit[name])
        if name in ("yi", "vi") and "escalc" in d:
            return _out(d["escalc"][name])
        if name in d:
            return _out(d[name])
        raise AttributeError(name)

    def to_dict(self) -> Dict[str, Any]:
        """The engine's JSON (metafor's names), with the provenance block."""
        return json.loads(json.dumps(self._d))

    @property
    def provenance(self) -> Dict[str, Any]:
        """How the result was computed: engine, input hash, options, iterations, fallbacks."""
        return self._d.get("provenance", {})

    def __repr__(self) -> str:
        f = self._d.get("fit", {})
        return f"<RmaResult k={f.get('k')} b={f.get('b')} tau2={f.get('tau2')}>"

    # --- refits with a block asked for ------------------------------------
    def _with(self, **more) -> Dict[str, Any]:
        req = dict(self._request, **more)
        return json.loads(_core.analyse(self._headers, self._table_rows(), json.dumps(req)))

    def confint(self) -> Dict[str, Any]:
        """Confidence intervals of τ², τ, I² and H² (Q-profile), as ``confint(res)``."""
        return self._with(all=True).get("confint")

    def predict(self, newmods: Optional[str] = None) -> Dict[str, Any]:
        """Predicted values with CI and prediction interval (``newmods``: "1.5;2" rows)."""
        return self._with(all=True, newmods=newmods).get("predict") if newmods else self._with(all=True).get("predict")

    def leave1out(self) -> Dict[str, Any]:
        """Leave-one-out estimates, as ``leave1out(res)``."""
        return self._with(leave1out=True)["leave1out"]

    def influence(self) -> Dict[str, Any]:
        """Influence diagnostics, as ``influence(res)``."""
        return self._with(influence=True)["influence"]

    def regtest(self) -> Dict[str, Any]:
        """Egger's regression test, as ``regtest(res)``."""
        return self._with(regtest=True)["regtest"]

    def ranktest(self) -> Dict[str, Any]:
        """Begg's rank correlation test, as ``ranktest(res)``."""
        return self._with(ranktest=True)["ranktest"]

    def trimfill(self) -> Dict[str, Any]:
        """Trim and fill, as ``trimfill(res)``."""
        return self._with(trimfill=True)["trimfill"]

    def cumul(self, order: Optional[str] = None) -> Dict[str, Any]:
        """Cumulative meta-analysis (``order``: a column to sort by), as ``cumul(res)``."""
        more = {"cumul": True}
        if order:
            more["cumul_order"] = order
        return self._with(**more)["cumul"]

    def permutest(self, permutations: Any = 1000, seed: int = 1) -> Dict[str, Any]:
        """Permutation test (``permutations="exact"`` for the exact test), as ``permutest(res)``."""
        return self._with(permutations=str(permutations), seed=seed)["permutest"]

    # --- plots ------------------------------------------------------------
    def _plot(self, kind: str, format: str, dpi: float):
        svg = _core.plot(self._headers, self._table_rows(), json.dumps(self._request), kind)
        if format == "svg":
            return svg
        if format == "png":
            return _core.svg_to_png(svg, dpi)
        raise ValueError(f"format: '{format}' is not svg or png")

    def forest(self, format: str = "svg", dpi: float = 300.0):
        """The forest plot as SVG text (``format="png"``: PNG bytes at ``dpi``)."""
        return self._plot("forest", format, dpi)

    def funnel(self, format: str = "svg", dpi: float = 300.0):
        """The funnel plot as SVG text (``format="png"``: PNG bytes at ``dpi``)."""
        return self._plot("funnel", format, dpi)

    # --- printing ---------------------------------------------------------
    def summary(self) -> str:
        """Prints (and returns) the fit in metafor's layout."""
        fit = self._fast if self._fast is not None and self._result is None else self._d.get("fit", {})
        text = _summary(fit, self._request, self._pooling)
        print(text)
        return text


def _out(v: Any) -> Any:
    """Lists of numbers as numpy arrays when numpy is installed."""
    if isinstance(v, list) and v and all(isinstance(x, (int, float)) or x is None for x in v):
        try:
            import numpy as np

            return np.array([np.nan if x is None else x for x in v], dtype=float)
        except ImportError:
            return v
    return v


def _p(p: float) -> str:
    return "<.0001" if p < 1e-4 else f"{p:.4f}"


def _stars(p: float) -> str:
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "." if p < 0.1 else ""


def _summary(f: Dict[str, Any], req: Dict[str, Any], pooling: str) -> str:
    method = req.get("method", "REML")
    fixed = method in ("EE", "FE") or pooling != "rma"
    head = {"rma": "Random-Effects Model", "MH": "Equal-Effects Model (Mantel-Haenszel)", "PETO": "Equal-Effects Model (Peto)"}
    lines = []
    if fixed:
        lines.append(f"{head.get(pooling, 'Equal-Effects Model') if pooling != 'rma' else 'Equal-Effects Model'} (k = {f.get('k')})")
    else:
        lines.append(f"{'Mixed-Effects Model' if f.get('p', 1) > 1 else head['rma']} (k = {f.get('k')}; tau^2 estimator: {method})")
    lines.append("")
    if not fixed and "tau2" in f:
        se = f.get("se_tau2")
        lines.append(f"tau^2 (estimated amount of total heterogeneity): {f['tau2']:.4f}" + (f" (SE = {se:.4f})" if isinstance(se, (int, float)) else ""))
        lines.append(f"tau (square root of estimated tau^2 value):      {math.sqrt(max(f['tau2'], 0)):.4f}")
    if "I2" in f and isinstance(f["I2"], (int, float)):
        lines.append(f"I^2 (total heterogeneity / total variability):   {f['I2']:.2f}%")
        lines.append(f"H^2 (total variability / sampling variability):  {f['H2']:.2f}")
    if "QE" in f:
        lines += ["", "Test for Heterogeneity:", f"Q(df = {f.get('k', 0) - f.get('p', 1)}) = {f['QE']:.4f}, p-val {'<' if f['QEp'] < 1e-4 else '='} {_p(f['QEp']).lstrip('<')}"]
    t = req.get("test", "z") in ("t", "knha", "adhoc")
    lines += ["", "Model Results:", ""]
    names = f.get("coef_names", ["estimate"])
    hdr = f"{'':>10} {'estimate':>9} {'se':>8} {'tval' if t else 'zval':>8} {'pval':>8} {'ci.lb':>8} {'ci.ub':>8}"
    lines.append(hdr)
    for j, name in enumerate(names):
        b, se, st, p = f["b"][j], f["se"][j], f["stat"][j], f["pval"][j]
        lines.append(f"{name:>10} {b:>9.4f} {se:>8.4f} {st:>8.4f} {_p(p):>8} {f['ci_lb'][j]:>8.4f} {f['ci_ub'][j]:>8.4f}  {_stars(p)}")
    lines += ["", "---", "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"]
    return "\n".join(lines)


def _run(data: Any, columns: Dict[str, Any], options: Dict[str, Any], pooling: str) -> RmaResult:
    mods = options.pop("mods", None)
    n_hint = None
    if mods is not None and not isinstance(mods, str):
        probe = next((v for v in columns.values() if _is_sequence(v)), None)
        n_hint = len(probe) if probe is not None else len(next(iter(_data_columns(data).values()), []))
    formula, mod_cols = _mods_columns(mods, n_hint or 0)
    columns = dict(columns, **mod_cols)
    if formula:
        options["mods"] = formula
    for k in ("slab",):
        if k in options:
            columns["study"] = options.pop(k)
    headers, rows, _ = _table(data, columns)
    unknown_py = [k for k, v in options.items() if v is None]
    for k in unknown_py:
        options.pop(k)
    result = json.loads(_core.analyse(headers, rows, json.dumps(options)))
    return RmaResult(headers, rows, options, result, pooling)


def rma(yi: Any = None, vi: Any = None, sei: Any = None, *, data: Any = None, mods: Any = None,
        measure: Optional[str] = None, method: str = "REML", test: str = "z", level: float = 95.0,
        **kwargs: Any) -> RmaResult:
    """Fits metafor's ``rma.uni``: ``yi``/``vi`` (or ``sei``) as arrays or column
    names of ``data``, or a ``measure`` with its columns (``ai=``, ``m1i=``, ...);
    ``mods`` a formula string over ``data`` ("~ x + factor(g)") or a 1-D/2-D array;
    every other option by metafor's name (``btt``, ``tau2``, ``weights``,
    ``control``-free ``maxiter``, ``fallback``, ...)."""
    columns, options = _split(kwargs)
    if (data is None and mods is None and measure is None and sei is None and not kwargs
            and _is_sequence(yi) and _is_sequence(vi)):
        return _fast_rma(yi, vi, method, test, level)
    columns.update({k: v for k, v in (("yi", yi), ("vi", vi), ("sei", sei)) if v is not None})
    options.update(method=method, test=test, level=level, mods=mods)
    if measure:
        options["measure"] = measure
    return _run(data, columns, options, "rma")


def _floats(x: Any) -> bytes:
    try:
        import numpy as np

        return np.ascontiguousarray(x, dtype=np.float64).tobytes()
    except ImportError:
        return array("d", (float("nan") if v is None else float(v) for v in x)).tobytes()


def _fast_rma(yi: Any, vi: Any, method: str, test: str, level: float) -> RmaResult:
    """rma(yi, vi) on two arrays: the fit straight from the engine (no table,
    no JSON); the whole JSON (diagnostics, to_dict) is computed when asked."""
    by, bv = _floats(yi), _floats(vi)
    if len(by) != len(bv):
        raise ValueError(f"columns differ in length: yi has {len(by) // 8}, vi has {len(bv) // 8}")
    fast = _core.fit_arrays(by, bv, method, test, level)
    request = {"method": method, "test": test, "level": level}
    res = RmaResult(["yi", "vi"], None, request, None, "rma", fast)
    res._raw = (by, bv)
    return res


def rma_mh(*, data: Any = None, measure: str = "OR", **kwargs: Any) -> RmaResult:
    """Mantel-Haenszel pooling of 2×2 tables (``ai``, ``bi``, ``ci``, ``di`` or
    ``n1i``/``n2i``) or person-time data, as metafor's ``rma.mh``."""
    columns, options = _split(kwargs)
    options.update(method="MH", measure=measure)
    return _run(data, columns, options, "MH")


def rma_peto(*, data: Any = None, **kwargs: Any) -> RmaResult:
    """Peto's method for 2×2 tables, as metafor's ``rma.peto``."""
    columns, options = _split(kwargs)
    options.update(method="PETO")
    options.setdefault("measure", "PETO")
    return _run(data, columns, options, "PETO")


def escalc(measure: str, *, data: Any = None, vtype: str = "LS", **kwargs: Any):
    """Effect sizes and sampling variances as metafor's ``escalc``: a dict
    ``{"yi": ..., "vi": ...}``, or ``data`` with ``yi`` and ``vi`` added when
    ``data`` is a pandas DataFrame."""
    columns, options = _split(kwargs)
    options.update(measure=measure, vtype=vtype, method="EE")
    headers, rows, _ = _table(data, columns)
    res = json.loads(_core.analyse(headers, rows, json.dumps(options)))
    out = {"yi": _out(res["escalc"]["yi"]), "vi": _out(res["escalc"]["vi"])}
    if hasattr(data, "assign"):
        return data.assign(yi=out["yi"], vi=out["vi"])
    return out


def _packed(x: Any) -> Tuple[bytes, int, int]:
    """Rows of numbers (lists; None or NaN = no study) as packed float64."""
    rows = [list(r) for r in x]
    cols = len(rows[0]) if rows else 0
    if any(len(r) != cols for r in rows):
        raise ValueError("yi and vi: every row needs the same number of cells (NaN for no study)")
    flat = array("d", (float("nan") if v is None else float(v) for r in rows for v in r))
    return flat.tobytes(), len(rows), cols


def rma_batch(yi: Any, vi: Any, method: str = "REML", test: str = "z", level: float = 95.0) -> Dict[str, Any]:
    """Many independent intercept-only meta-analyses at once: ``yi`` and ``vi``
    are 2-D (one row per analysis, NaN where a study is absent). Fitted in
    parallel without the GIL; returns arrays ``b``, ``se``, ``stat``, ``pval``,
    ``ci_lb``, ``ci_ub``, ``tau2``, ``I2``, ``QE``, ``QEp``, ``k`` (NaN where a
    row could not be fitted) and ``errors``: (row, message) for those rows."""
    fields = list(_core.BATCH_FIELDS)
    try:
        import numpy as np
    except ImportError:
        np = None
    if np is not None:
        # Read in place when the arrays are C-contiguous float64 already.
        y, v = np.ascontiguousarray(yi, dtype=np.float64), np.ascontiguousarray(vi, dtype=np.float64)
        if y.ndim != 2 or v.ndim != 2:
            raise ValueError("yi and vi: give 2-D arrays, one row per analysis")
        if y.shape != v.shape:
            raise ValueError(f"yi is {y.shape[0]} × {y.shape[1]} but vi is {v.shape[0]} × {v.shape[1]}")
        m, errors = _core.rma_batch_array(y, v, method, test, level)
        res = {f: m[:, j] for j, f in enumerate(fields)}
    else:
        (by, r, c), (bv, r2, c2) = _packed(yi), _packed(vi)
        if (r, c) != (r2, c2):
            raise ValueError(f"yi is {r} × {c} but vi is {r2} × {c2}")
        out, errors = _core.rma_batch(by, bv, r, c, method, test, level)
        n = len(fields)
        flat = array("d")
        flat.frombytes(out)
        res = {f: [flat[i * n + j] for i in range(r)] for j, f in enumerate(fields)}
    res["errors"] = errors
    return res


from .mv import RmaMvResult, rma_mv, robust  # noqa: E402  (uses _table above)
