"""Times the bench/compare workloads in PyMARE; prints "name seconds" lines.

Usage: python bench/pymare_bench.py DATA_DIR
"""
import sys
import time

import numpy as np
from pymare import estimators, Dataset

d = sys.argv[1]


def per_call(reps, f):
    f()
    t = time.perf_counter()
    for _ in range(reps):
        f()
    return (time.perf_counter() - t) / reps


def reml(y, v):
    est = estimators.VarianceBasedLikelihoodEstimator(method="REML")
    est.fit_dataset(Dataset(y=y, v=v))
    return est.summary()


bcg = np.loadtxt(f"{d}/bcg.csv", delimiter=",", skiprows=1)
print(f"reml_k13 {per_call(100, lambda: reml(bcg[:, 0], bcg[:, 1])):.3e}")
for k in ["1000", "4000", "1000000"]:
    x = np.loadtxt(f"{d}/k{k}.csv", delimiter=",", skiprows=1)
    reps = 1 if k == "1000000" else 5
    print(f"reml_k{k} {per_call(reps, lambda: reml(x[:, 0], x[:, 1])):.3e}")
