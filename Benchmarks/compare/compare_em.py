"""EM iteration time, Gauss against scikit-learn, from the same start.

Both sides fit the same .npy file from the same initial parameters (evenly
spaced rows as means, equal weights, identity precisions) with tol 0, and
time 1 + m iterations minus 1 iteration, keeping the best of R repeats.
The final lower bounds must agree; the script fails loudly if they do not.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import sklearn
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_info

root = os.path.join(os.path.dirname(__file__), "..", "..")
binary = os.path.join(root, "Benchmarks", ".build", "release", "em-iteration")

parser = argparse.ArgumentParser()
parser.add_argument("--quick", action="store_true", help="the medium size only (about two minutes)")
parser.add_argument("--repeats", type=int, default=2)
parser.add_argument("--iterations", type=int, default=2)
args = parser.parse_args()


def make_data(n, d, k, seed=0):
    """Well-separated clusters: centres ~ N(0, 9 I), points ~ N(centre, I)."""
    rng = np.random.default_rng(seed)
    centres = 3 * rng.standard_normal((k, d))
    return centres[rng.integers(0, k, n)] + rng.standard_normal((n, d))


def initial(X, k, covariance_type):
    n, d = X.shape
    means = X[[c * (n - 1) // max(k - 1, 1) for c in range(k)]].astype(np.float64)
    precisions = {"full": np.stack([np.eye(d)] * k), "tied": np.eye(d),
                  "diag": np.ones((k, d)), "spherical": np.ones(k)}[covariance_type]
    return np.full(k, 1.0 / k), means, precisions


def sklearn_time(X, k, covariance_type):
    weights, means, precisions = initial(X, k, covariance_type)

    def fit(iterations):
        gm = GaussianMixture(n_components=k, covariance_type=covariance_type, tol=0, max_iter=iterations,
                             weights_init=weights, means_init=means, precisions_init=precisions)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gm.fit(X)
        return time.perf_counter() - start, gm.lower_bound_

    # The minimum of each over the repeats, then the difference (as em-iteration does).
    one = many = float("inf")
    for _ in range(args.repeats):
        one = min(one, fit(1)[0])
        elapsed, bound = fit(1 + args.iterations)
        many = min(many, elapsed)
    return (many - one) / args.iterations, bound


def gauss_time(path, k, covariance_type, float32):
    command = [binary, path, str(k), covariance_type, "--iterations", str(args.iterations), "--repeats", str(args.repeats)]
    if float32:
        command.append("--float32")
    result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    return result["seconds_per_iteration"], result["lower_bound"]


blas = [f"{i['internal_api']} {i['version']} ({i.get('architecture')}, {i['num_threads']} threads)"
        for i in threadpool_info() if i["user_api"] == "blas"]
print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, BLAS: {'; '.join(blas)}")
print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; "
      f"per-iteration time = (time of 1+{args.iterations} iterations - time of 1) / {args.iterations}, "
      f"each the best of {args.repeats}")
print()
print(f"{'case':<38} {'scikit-learn':>13} {'Gauss':>10} {'speed-up':>9}  lower bounds agree")

sizes = [(20_000, 128, 32)] if args.quick else [(20_000, 128, 32), (100_000, 128, 32)]
failures = []
with tempfile.TemporaryDirectory() as tmp:
    for n, d, k in sizes:
        X = make_data(n, d, k)
        path64, path32 = os.path.join(tmp, "x64.npy"), os.path.join(tmp, "x32.npy")
        np.save(path64, X)
        np.save(path32, X.astype(np.float32))
        for covariance_type in ["full", "tied", "diag", "spherical"]:
            reference, reference_bound = sklearn_time(X, k, covariance_type)
            for float32 in [False, True] if covariance_type == "full" else [False]:
                ours, bound = gauss_time(path32 if float32 else path64, k, covariance_type, float32)
                tolerance = 1e-5 if float32 else 1e-9
                agree = abs(bound - reference_bound) <= tolerance * abs(reference_bound)
                if not agree:
                    failures.append((n, d, k, covariance_type, float32, bound, reference_bound))
                name = f"n={n} d={d} K={k} {covariance_type}{' float32' if float32 else ''}"
                print(f"{name:<38} {reference:>12.3f}s {ours:>9.3f}s {reference / ours:>8.1f}x  "
                      f"{'yes' if agree else 'NO'} ({bound:.10g} vs {reference_bound:.10g})", flush=True)

if failures:
    print(f"\nlower bounds disagree in {len(failures)} case(s): {failures}", file=sys.stderr)
    sys.exit(1)
