"""Multilevel models (metafor's ``rma.mv``) and cluster-robust inference
(``robust``), through the same engine as the command line."""
import json
from typing import Any, Dict, List, Optional, Sequence, Union

from . import _core


class RmaMvResult:
    """A fitted multilevel model: metafor's names (``b``, ``se``, ``zval`` or
    ``tval``, ``pval``, ``ci_lb``, ``ci_ub``, ``vb``, ``sigma2``, ``s_names``,
    ``s_nlevels``, ``QE``, ``QEp``, ``QM``, ``QMp``, ``fit_stats``, ``I2_levels``, ...)."""

    def __init__(self, headers: List[str], rows: List[List[str]], request: Dict[str, Any], result: Dict[str, Any]):
        self._headers, self._rows, self._request, self._result = headers, rows, request, result

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        fit = self._result["fit"]
        if name in ("zval", "tval"):
            is_t = self._request.get("test", "z") == "t"
            if (name == "tval") != is_t:
                raise AttributeError(f"{name}: this model used test='{self._request.get('test', 'z')}'")
            return fit["stat"]
        if name in fit:
            return fit[name]
        if name in self._result:
            return self._result[name]
        raise AttributeError(name)

    def to_dict(self) -> Dict[str, Any]:
        """The engine's JSON (fit, robust when asked for, dropped rows, provenance)."""
        return self._result

    def robust(self, cluster: Any, adjust: bool = True, clubSandwich: bool = False) -> "RmaMvResult":
        """As metafor's ``robust(fit, cluster, adjust = TRUE)`` (CR1) or, with
        ``clubSandwich=True``, CR2 with Satterthwaite df and the HTZ test; the
        result's ``robust`` block has the cluster-robust numbers."""
        headers, rows, request = _robust_request(self._headers, self._rows, self._request, cluster, adjust, clubSandwich)
        return _fit(headers, rows, request)

    def confint(self) -> Dict[str, List[Any]]:
        """metafor's ``confint()`` for the variance components: profile-likelihood
        ``[estimate, ci_lb, ci_ub]`` per ``sigma2`` and ``tau2`` value (None where fixed)."""
        return _fit(self._headers, self._rows, dict(self._request, all=True))._result["confint"]

    def ranef(self) -> Dict[str, Dict[str, List[Any]]]:
        """metafor's ``ranef()``: per ``~ 1 | ...`` component, the levels and
        their BLUPs (``intrcpt``, ``se``, ``pi_lb``, ``pi_ub``)."""
        return _fit(self._headers, self._rows, dict(self._request, ranef=True))._result["ranef"]

    def summary(self) -> str:
        """A short report: variance components, heterogeneity, coefficients."""
        f = self._result["fit"]
        out = [f"Multivariate Meta-Analysis Model (k = {f['k']}; method: {self._request.get('method', 'REML')})", ""]
        for i, n in enumerate(f["s_names"]):
            out.append(f"sigma^2.{i + 1}  {f['sigma2'][i]:.4f}  nlvls {f['s_nlevels'][i]}  {n}")
        out.append(f"QE(df = {f['k'] - f['p']}) = {f['QE']:.4f}, p-val {f['QEp']:.4g}")
        for j, c in enumerate(f["coef_names"]):
            out.append(f"{c}: {f['b'][j]:.4f} (se {f['se'][j]:.4f}, p {f['pval'][j]:.4g}) [{f['ci_lb'][j]:.4f}, {f['ci_ub'][j]:.4f}]")
        return "\n".join(out)

    def __repr__(self) -> str:
        return self.summary()


def _robust_request(headers, rows, request, cluster, adjust, clubSandwich):
    """The table (with the cluster column added when given as values) and the request with robust set."""
    if not adjust and not clubSandwich:
        raise ValueError("adjust=False (CR0) is not offered; use adjust=True (CR1) or clubSandwich=True (CR2)")
    headers, rows = list(headers), [list(r) for r in rows]
    if isinstance(cluster, str):
        if cluster not in headers:
            raise ValueError(f"cluster: '{cluster}' is not a column of data")
        col = cluster
    else:
        values = list(cluster.tolist() if hasattr(cluster, "tolist") else cluster)
        if len(values) != len(rows):
            raise ValueError(f"cluster has {len(values)} values for {len(rows)} rows")
        col = "cluster"
        while col in headers:
            col = "_" + col
        headers.append(col)
        for r, v in zip(rows, values):
            r.append("" if v is None else str(v))
    return headers, rows, dict(request, robust=col, cr="CR2" if clubSandwich else "CR1")


def _fit(headers: List[str], rows: List[List[str]], request: Dict[str, Any]) -> RmaMvResult:
    result = json.loads(_core.analyse(headers, rows, json.dumps(request)))
    return RmaMvResult(headers, rows, request, result)


def rma_mv(yi: Any, V: Any = None, *, random: Union[str, Sequence[str]], data: Any = None, mods: Optional[str] = None,
           method: str = "REML", test: str = "z", level: float = 95.0, sigma2: Optional[Sequence[Optional[float]]] = None,
           V_cluster: Optional[str] = None, rho: Optional[float] = None, btt: Optional[Sequence[int]] = None,
           struct: Optional[str] = None, dfs: Optional[str] = None, tau2: Optional[Sequence[Optional[float]]] = None,
           maxiter: int = 100) -> RmaMvResult:
    """Fits metafor's ``rma.mv``: ``yi`` and the sampling variances ``V`` as
    arrays or column names of ``data``; ``random`` one formula or a list
    (``"~ 1 | study/esid"``); ``mods`` a formula over ``data``; ``sigma2`` to
    fix components (``[0.05, None]``); ``V_cluster`` with ``rho`` for sampling
    errors correlated within clusters (as ``vcalc(vi, cluster, rho = rho)``),
    or ``V`` a k x k matrix (a 2-D array or list of rows) of known sampling
    covariances; ``struct`` for a ``~ inner | outer`` term (CS, HCS, UN, ID, DIAG),
    whose ``tau2`` (``[0.03, None]``) and ``rho`` (without ``V_cluster``) can be fixed."""
    from . import _table

    v_rows = None
    matrix = V is not None and not isinstance(V, str) and (
        getattr(V, "ndim", None) == 2 or (hasattr(V, "__len__") and len(V) > 0 and hasattr(V[0], "__len__")))
    if matrix:
        m = [list(r) for r in (V.tolist() if hasattr(V, "tolist") else V)]
        k = len(m)
        if any(len(r) != k for r in m):
            raise ValueError("V: give a square k x k matrix (or the variances vi)")
        v_rows = [[i + 1, j + 1, float(m[i][j])] for i in range(k) for j in range(i, k) if i == j or m[i][j] != 0.0]
        V = [float(m[i][i]) for i in range(k)]
    headers, rows, _ = _table(data, {"yi": yi, "vi": V})
    request: Dict[str, Any] = {
        "random": [random] if isinstance(random, str) else list(random),
        "method": method,
        "test": test,
        "level": level,
        "maxiter": maxiter,
    }
    if mods is not None:
        if not isinstance(mods, str):
            raise ValueError("mods: give a formula over data, e.g. \"~ year\"")
        request["mods"] = mods
    if sigma2 is not None:
        request["sigma2"] = ",".join("NA" if s is None else repr(float(s)) for s in sigma2)
    if V_cluster is not None:
        request["V_cluster"] = V_cluster
    if rho is not None:
        request["rho"] = float(rho)
    if btt is not None:
        request["btt"] = ",".join(str(int(b)) for b in btt)
    if struct is not None:
        request["struct"] = struct
    if dfs is not None:
        request["dfs"] = dfs
    if tau2 is not None:
        request["tau2_mv"] = ",".join("NA" if t is None else repr(float(t)) for t in tau2)
    if v_rows is not None:
        request["V_rows"] = v_rows
    return _fit(headers, rows, request)


def robust(x: Any, cluster: Any, adjust: bool = True, clubSandwich: bool = False) -> Any:
    """metafor's ``robust()`` for an ``rma_mv`` fit (see :meth:`RmaMvResult.robust`)
    or an ``rma`` fit: the same model refitted with the cluster-robust block
    ``robust`` (CR1, or CR2 with ``clubSandwich=True``)."""
    if isinstance(x, RmaMvResult):
        return x.robust(cluster, adjust=adjust, clubSandwich=clubSandwich)
    from . import RmaResult

    if not isinstance(x, RmaResult):
        raise ValueError("robust(): give a fit of rma() or rma_mv()")
    headers, rows, request = _robust_request(x._headers, x._table_rows(), x._request, cluster, adjust, clubSandwich)
    result = json.loads(_core.analyse(headers, rows, json.dumps(request)))
    return RmaResult(headers, rows, request, result, "rma")
