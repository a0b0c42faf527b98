"""Single-start scipy fits for bench/fit-vs-scipy: curve_fit (least squares) and least_squares
with a soft-L1 loss, both on log L = log(E + A x^-alpha) from the dataset's given start, for the
datasets on stdin (JSON). Prints one JSON object with the parameters, the objective (sum of
f_scale^2 rho(r^2/f_scale^2), twice scipy's cost) and the time per fit."""
import json
import sys
import time

import numpy as np
from scipy.optimize import curve_fit, least_squares


def model(x, E, logA, alpha):
    return np.log(E + np.exp(logA - alpha * np.log(x)))


def main():
    spec = json.load(sys.stdin)
    out = {"curve_fit": [], "soft_l1": [], "scipy": __import__("scipy").__version__}
    t_cf = t_sl = 0.0
    for d in spec["datasets"]:
        x = np.asarray(d["x"], dtype=float)
        y = np.log(np.asarray(d["y"], dtype=float))
        p0 = [d["start"]["E"], np.log(d["start"]["A"]), d["start"]["alpha"]]
        bounds = ([0.0, -60.0, 1e-6], [1e12, 60.0, 20.0])
        t0 = time.perf_counter()
        p, _ = curve_fit(model, x, y, p0=p0, bounds=bounds, method="trf", xtol=1e-14, ftol=1e-14, gtol=1e-14, max_nfev=10000)
        t_cf += time.perf_counter() - t0
        out["curve_fit"].append({"E": p[0], "A": float(np.exp(p[1])), "alpha": p[2],
                                 "cost": float(np.sum((model(x, *p) - y) ** 2))})
        t0 = time.perf_counter()
        r = least_squares(lambda q: model(x, *q) - y, p, bounds=bounds, loss="soft_l1", f_scale=spec["scale"],
                          xtol=1e-14, ftol=1e-14, gtol=1e-14, max_nfev=10000)
        t_sl += time.perf_counter() - t0
        out["soft_l1"].append({"E": r.x[0], "A": float(np.exp(r.x[1])), "alpha": r.x[2], "cost": 2 * float(r.cost)})
    n = len(spec["datasets"])
    out["secondsPerFit"] = {"curve_fit": t_cf / n, "soft_l1": t_sl / n}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
