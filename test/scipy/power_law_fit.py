"""Reference for test/unit/analysis-power-law-scipy.test.ts: the global minimum of the log-space
power-law objective by scipy.optimize.least_squares, started from a dense grid of points.

Input (stdin, JSON): {"datasets": [{"x": [...], "y": [...], "loss": "linear"|"soft_l1"|"huber",
"f_scale": s}]}. The objective is sum_i s^2 rho((r_i/s)^2) over r_i = log y_i - log(E + A x_i^-alpha),
i.e. twice scipy's cost, with bounds E >= 0 and 1e-6 <= alpha <= 20. Output: one JSON object per
dataset with E, A, alpha and that objective at the best of all starts."""
import json
import sys

import numpy as np
from scipy.optimize import least_squares


def fit(d):
    x = np.asarray(d["x"], dtype=float)
    ly = np.log(np.asarray(d["y"], dtype=float))
    t0 = np.mean(np.log(x))
    t = np.log(x) - t0
    y_min = float(np.min(np.exp(ly)))

    def resid(p):
        return ly - np.log(p[0] + np.exp(p[1] - p[2] * t))

    lo, hi = [0.0, -60.0, 1e-6], [1e12, 60.0, 20.0]
    best = None
    for alpha in np.geomspace(0.003, 10, 12):
        for frac in (0.0, 0.5, 0.9, 0.99):
            e = frac * y_min
            la = float(np.mean(np.log(np.exp(ly) - e) + alpha * t))
            r = least_squares(resid, [e, la, alpha], bounds=(lo, hi), method="trf", loss=d["loss"],
                              f_scale=d["f_scale"], xtol=1e-14, ftol=1e-14, gtol=1e-14, max_nfev=5000)
            if best is None or r.cost < best.cost:
                best = r
    p = best.x
    return {"E": float(p[0]), "A": float(np.exp(p[1] + p[2] * t0)), "alpha": float(p[2]), "cost": 2 * float(best.cost)}


def main():
    spec = json.load(sys.stdin)
    json.dump([fit(d) for d in spec["datasets"]], sys.stdout)


if __name__ == "__main__":
    main()
