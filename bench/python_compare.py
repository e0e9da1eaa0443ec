"""The timings of bench/python_compare: acumen_meta vs PyMARE vs statsmodels.

1. One REML fit of dat.bcg (k = 13), called from Python, overhead included
   (statsmodels' combine_effects has no REML: its iterated (Paule-Mandel)
   estimator is timed, marked as such).
2. 1,000 such fits in a Python loop.
3. 100,000 independent analyses of k = 20 (the voxel-wise case):
   acumen_meta.rma_batch (REML) vs PyMARE's vectorised DerSimonian-Laird
   on the same 2-D arrays.
4. One REML fit at k = 1,000,000.
Prints a markdown table; every ratio is the other tool's time / acumen_meta's.
"""
import csv
import time
import warnings

import numpy as np

import acumen_meta as am
from pymare import Dataset, estimators
from statsmodels.stats.meta_analysis import combine_effects

warnings.filterwarnings("ignore")


def best(reps, f, rounds=3):
    f()
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(reps):
            f()
        times.append((time.perf_counter() - t) / reps)
    return min(times)


def fmt(s):
    return f"{s * 1e6:.1f} µs" if s < 1e-3 else f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"


rows = list(csv.DictReader(open("fixtures/data/bcg_yivi.csv")))
yi = np.array([float(r["yi"]) for r in rows])
vi = np.array([float(r["vi"]) for r in rows])


def pymare_reml(y, v):
    est = estimators.VarianceBasedLikelihoodEstimator(method="REML")
    est.fit_dataset(Dataset(y=y, v=v))
    return est.summary()


# The three agree on the numbers they share (checked before timing).
a = am.rma(yi, vi)
p = pymare_reml(yi, vi)
assert abs(float(np.ravel(p.tau2)[0]) - a.tau2) < 1e-4, (p.tau2, a.tau2)

table = []
t_a = best(2000, lambda: am.rma(yi, vi).b)
t_p = best(50, lambda: pymare_reml(yi, vi))
t_s = best(200, lambda: combine_effects(yi, vi, method_re="iterated"))
table.append(("one REML fit, dat.bcg (k = 13)", t_a, t_p, t_s, "statsmodels: Paule-Mandel (no REML)"))

t_a = best(1, lambda: [am.rma(yi, vi).b for _ in range(1000)])
t_p = best(1, lambda: [pymare_reml(yi, vi) for _ in range(1000)], rounds=1)
t_s = best(1, lambda: [combine_effects(yi, vi, method_re="iterated") for _ in range(1000)], rounds=1)
table.append(("1,000 REML fits in a loop (k = 13)", t_a, t_p, t_s, "statsmodels: Paule-Mandel"))

rng = np.random.default_rng(2026)
n, k = 100_000, 20
V = rng.uniform(0.01, 0.2, size=(n, k))
Y = rng.normal(0.3, np.sqrt(V + 0.05))
t_a = best(1, lambda: am.rma_batch(Y, V, method="REML"), rounds=2)
t_adl = best(1, lambda: am.rma_batch(Y, V, method="DL"), rounds=2)


X1 = np.ones((k, 1))


def pymare_dl():
    est = estimators.DerSimonianLaird()
    est.fit(y=Y.T, v=V.T, X=X1)
    return est.summary()


t_p = best(1, pymare_dl, rounds=2)
table.append(("100,000 analyses of k = 20, REML (acumen rma_batch) vs PyMARE's vectorised DL", t_a, t_p, None, ""))
table.append(("the same, DL in both", t_adl, t_p, None, ""))

big_v = rng.uniform(0.01, 0.2, size=1_000_000)
big_y = rng.normal(0.3, np.sqrt(big_v + 0.05))
t_a = best(1, lambda: am.rma(big_y, big_v).b, rounds=2)
t_p = best(1, lambda: pymare_reml(big_y, big_v), rounds=1)
table.append(("one REML fit, k = 1,000,000", t_a, t_p, None, ""))

print("| work | acumen_meta | PyMARE | ratio | statsmodels | ratio |")
print("|---|---|---|---|---|---|")
def ratio(r):
    return f"{r:,.0f}×" if r >= 10 else f"{r:.2g}×"


for name, ta, tp, ts, note in table:
    s = f"{fmt(ts)} ({note})" if ts else "—"
    rs = ratio(ts / ta) if ts else "—"
    print(f"| {name} | {fmt(ta)} | {fmt(tp)} | {ratio(tp / ta)} | {s} | {rs} |")
