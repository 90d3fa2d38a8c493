"""Gauss against its peers, on the same inputs, in one run.

    scripts/compare [--quick] [--only em,bayesian,mclust,mclust-select,mlpack,kmeans,gmm] [--chart OUT.svg] [--json OUT.json] [--markdown OUT.md]

Cases:
  em      one EM iteration per covariance type against scikit-learn, at Old
          Faithful, n=20 000 and n=100 000 (d=128, K=32), from the same start;
          at n=100 000 also on overlapping clusters (centers 0.25·N(0, I)
          apart, so no responsibility is exactly zero and no row can be
          skipped in the M-step);
          per-iteration time = (time of 1+m iterations - time of 1) / m, each
          the best of several repeats; the lower bounds must agree.
  bayesian  one variational iteration (BayesianGaussianMixture, default
          priors, Dirichlet process) against scikit-learn's, full and diag,
          at n=100 000 (d=128, K=32), on separated and on overlapping
          clusters (as for em), from the same starting responsibilities
          (each row one-hot on its nearest of K evenly spaced rows; scikit-
          learn takes none, so a subclass starts from them), per-iteration
          time as for em; the lower bounds must agree.
  mclust  one EM iteration of each of mclust's fourteen models against R's
          mclust (me(), Debian's r-cran-mclust) at n=20 000, d=32, K=8 on
          overlapping clusters, from the same starting responsibilities
          (as for bayesian), no regularisation on either side, per-iteration
          time as for em (R times its own me() calls), R and Gauss
          alternating twice per model, each side's best; the log-likelihoods
          must agree to 1e-9, except VVE's, whose M-step differs from
          mclust's by design, and EVE's, whose path parts from mclust's at the
          first M-step (a better orientation; docs/clustering.md): within 1e-3.
  mclust-select  mclust's default hierarchical clustering (hc, VVV, on the
          SVD transformation) of 2000 rows at d=8 and d=32 (overlapping
          clusters), the best of the repeats on each side, the partitions
          into 8 clusters must be equal; and mclust's whole model selection,
          Mclust(x, G = 1:9) against Gauss's (the fourteen models at K =
          1...9 from one tree, mclust's rule of convergence; em-iteration
          --select), on Old Faithful and iris the best of the repeats on
          each side, R and Gauss alternating twice, on 2000 rows at d=8
          (25 s in R) timed once each: the chosen model and K must agree
          and the BICs to 1e-6.
  mlpack  the n=20 000 full case against mlpack's gmm_train (per-iteration
          time as above, each side from its own k-means start: mlpack's Python
          binding takes no initial parameters). So agreement is checked
          loosely: fits run to convergence from those starts must reach
          finite mean log-likelihoods within 0.1% of each other.
  kmeans  k-means iterations against scikit-learn's KMeans, from the same
          centers, at n=20 000 and n=100 000, and at n=100 000 on the
          overlapping clusters too, where Elkan's bounds save little (Old
          Faithful converges in fewer iterations than are timed),
          per-iteration time as for em:
          Gauss's default (Elkan's bounds while they pay) against
          scikit-learn's default (lloyd) and its elkan, and Gauss's lloyd
          against scikit-learn's lloyd; the inertias must agree.
  gmm     the gradbench GMM gradient against JAX (jit, float64), interleaved
          in rounds; every gradient element must agree.
--quick runs the n=20 000 EM, variational and k-means cases and four gradient sizes (under
two minutes); the default runs everything. Any disagreement, or a peer that
fails, makes the script exit with status 1 after printing which.
"""
import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..", "..")
tools = os.path.join(root, "Benchmarks", ".build", "release")

parser = argparse.ArgumentParser()
parser.add_argument("--quick", action="store_true")
parser.add_argument("--only", default="em,bayesian,mclust,mclust-select,mlpack,kmeans,gmm")
parser.add_argument("--repeats", type=int, default=2)
parser.add_argument("--iterations", type=int, default=2)
parser.add_argument("--rounds", type=int, default=7)
parser.add_argument("--chart", help="write an SVG bar chart of the ratios here")
parser.add_argument("--json", help="write every row here")
parser.add_argument("--markdown", help="write the table as Markdown here (for docs/benchmarks.md)")
args = parser.parse_args()
only = set(args.only.split(","))
if args.quick:
    only.discard("mlpack")

rows = []       # dicts: case, peer, peer_s, gauss_s, ratio, spread, agree, detail, floor_s, peer_floor_s
failures = []


def duration(seconds):
    """Three significant digits in s, ms or µs."""
    for unit, scale in [("s", 1), ("ms", 1e-3), ("µs", 1e-6)]:
        if abs(seconds) >= scale or unit == "µs":
            value = seconds / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"


def report(row):
    row["agree"] = bool(row["agree"])  # numpy's bool is not JSON
    rows.append(row)
    spread = f" [{row['spread'][0]:.2f}–{row['spread'][1]:.2f}]" if row.get("spread") else ""
    floor = duration(row["floor_s"]) if row.get("floor_s") else ""
    peer_floor = duration(row["peer_floor_s"]) if row.get("peer_floor_s") else ""
    print(f"{row['case']:<40} {row['peer']:<13} {duration(row['peer_s']):>10} {duration(row['gauss_s']):>10} "
          f"{row['ratio']:>7.2f}x{spread:<14} {floor:>10} {peer_floor:>10}  {'yes' if row['agree'] else 'NO'}  "
          f"{row.get('detail', '')}", flush=True)
    if not row["agree"]:
        failures.append(f"{row['case']} vs {row['peer']}: {row.get('detail', '')}")


def run_tool(name, *arguments):
    result = subprocess.run([os.path.join(tools, name), *map(str, arguments)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{name} failed: {result.stderr.strip()}")
    return json.loads(result.stdout)


def make_data(n, d, k, seed=0, spread=3.0):
    """Clusters with centers ~ N(0, spread² I) and points ~ N(center, I):
    well separated at spread 3 (most responsibilities underflow to exactly
    0), overlapping at 0.25 (centers about 4 apart at d = 128, so every
    responsibility is soft)."""
    rng = np.random.default_rng(seed)
    centers = spread * rng.standard_normal((k, d))
    return centers[rng.integers(0, k, n)] + rng.standard_normal((n, d))


def faithful():
    return np.loadtxt(os.path.join(root, "data", "faithful.csv"), delimiter=",", skiprows=1)


def evenly_spaced(X, k):
    n = X.shape[0]
    return X[[c * (n - 1) // max(k - 1, 1) for c in range(k)]].astype(np.float64)


def per_iteration(fit, iterations=None):
    """(time of 1+m - time of 1) / m, each the best of the repeats (m = iterations, by default
    --iterations); and the last result."""
    m = iterations or args.iterations
    one = many = float("inf")
    for _ in range(args.repeats):
        one = min(one, fit(1)[0])
        elapsed, result = fit(1 + m)
        many = min(many, elapsed)
    return (many - one) / m, result


def iterations_for(n, d, k):
    """--iterations, or at least 200 where an iteration is a few microseconds (Old Faithful), so
    that the difference of two whole-fit timings, which carry fit set-up, is not noise (it came
    out negative with m = 2)."""
    return args.iterations if n * d * k >= 100_000 else max(args.iterations, 200)


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


gauss_blas = {}


def gemm_rates():
    """GFLOPS of Gauss's dgemm and sgemm at 1000×1000 (the gemm-overhead tool),
    and the BLAS kernels it runs."""
    output = subprocess.run([os.path.join(tools, "gemm-overhead")], capture_output=True, text=True, check=True).stdout
    rates = {}
    for line in output.splitlines():
        if "1000×1000" in line:
            rates[line.split()[0]] = float(line.split()[-1])
        if line.startswith("BLAS kernels:"):
            gauss_blas["kernels"] = line.split(":", 1)[1].strip()
        if line.startswith("OpenBLAS:"):
            gauss_blas["configuration"] = line.split(":", 1)[1].split(";")[0].strip()
    return rates["dgemm"], rates["sgemm"]


def numpy_gemm_rates():
    """GFLOPS of numpy's (the peers') dgemm and sgemm at 1000×1000, best of several."""
    rng = np.random.default_rng(1)
    rates = []
    for dtype in [np.float64, np.float32]:
        a, b = rng.standard_normal((1000, 1000)).astype(dtype), rng.standard_normal((1000, 1000)).astype(dtype)
        best = float("inf")
        for _ in range(15):
            best = min(best, timed(lambda: a @ b)[0])
        rates.append(2e9 / best / 1e9)
    return rates


def em_cases(tmp, sizes):
    import sklearn
    from sklearn.mixture import GaussianMixture
    dgemm, sgemm = gemm_rates()
    peer_dgemm, peer_sgemm = numpy_gemm_rates()
    print(f"# Gauss's BLAS: {gauss_blas.get('configuration')}; kernels {gauss_blas.get('kernels')}", flush=True)
    print(f"# GEMM at 1000² measured now, Gauss: {dgemm:.1f} GFLOPS (Double), {sgemm:.1f} (Float); numpy: "
          f"{peer_dgemm:.1f} (Double), {peer_sgemm:.1f} (Float); Gauss/numpy {dgemm / peer_dgemm:.2f} (Double), "
          f"{sgemm / peer_sgemm:.2f} (Float)", flush=True)
    print(f"# EM against scikit-learn {sklearn.__version__}; floors (full): Gauss's flops at its GEMM rate, "
          f"(1 + (d + 8)/d)·n·K·d² for float64 up to d = 256 (E-step's triangular kernel, (d + 8)/d; M-step Grams, 1), "
          f"2.5·n·K·d² otherwise (E-step's two GEMMs on triangular factors, 1.5); scikit-learn's 3·n·K·d² "
          f"(triangular solves, 1; M-step GEMMs, 2) at numpy's", flush=True)
    for label, X, k in sizes:
        n, d = X.shape
        path64, path32 = os.path.join(tmp, f"{label}64.npy"), os.path.join(tmp, f"{label}32.npy")
        np.save(path64, X)
        np.save(path32, X.astype(np.float32))
        means = evenly_spaced(X, k)
        for covariance_type in ["full", "tied", "diag", "spherical"]:
            precisions = {"full": np.stack([np.eye(d)] * k), "tied": np.eye(d),
                          "diag": np.ones((k, d)), "spherical": np.ones(k)}[covariance_type]

            def fit(iterations):
                gm = GaussianMixture(n_components=k, covariance_type=covariance_type, tol=0, max_iter=iterations,
                                     weights_init=np.full(k, 1 / k), means_init=means, precisions_init=precisions)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    return timed(lambda: gm.fit(X).lower_bound_)

            iterations = iterations_for(n, d, k)
            reference, reference_bound = per_iteration(fit, iterations)
            for float32 in ([False, True] if covariance_type == "full" else [False]):
                result = run_tool("em-iteration", path32 if float32 else path64, k, covariance_type,
                                  *(["--float32"] if float32 else []), "--iterations", iterations,
                                  "--repeats", args.repeats)
                ours, bound = result["seconds_per_iteration"], result["lower_bound"]
                tolerance = 1e-5 if float32 else 1e-9
                full = covariance_type == "full"
                # Gauss's E-step: float64 up to d = 256, the triangular kernel, which skips
                # the factor's zero triangle eight columns at a time; otherwise two GEMMs
                # on each factor's halves from d = 8 on.
                e_step = (d + 8) / d if not float32 and d <= 256 else (1.5 if d >= 8 else 2)
                floor = (e_step + 1) * n * k * d * d / ((sgemm if float32 else dgemm) * 1e9) if full else None
                # scikit-learn computes in float64 whatever the input.
                peer_floor = 3 * n * k * d * d / (peer_dgemm * 1e9) if full else None
                report({"case": f"EM {covariance_type}{' float32' if float32 else ''} {label}", "peer": "scikit-learn",
                        "peer_s": reference, "gauss_s": ours, "ratio": reference / ours, "floor_s": floor,
                        "peer_floor_s": peer_floor,
                        "agree": math.isfinite(bound) and abs(bound - reference_bound) <= tolerance * abs(reference_bound),
                        "detail": f"bounds {bound:.10g} / {reference_bound:.10g}"})


def nearest_row_responsibilities(X, k):
    """One-hot responsibilities: each row on its nearest of K evenly spaced rows."""
    centers = evenly_spaced(X, k)
    distances = (X * X).sum(1)[:, None] - 2 * X @ centers.T + (centers * centers).sum(1)[None, :]
    resp = np.zeros((X.shape[0], k))
    resp[np.arange(X.shape[0]), distances.argmin(1)] = 1
    return resp


def bayesian_cases(tmp, sizes):
    import sklearn
    from sklearn.mixture import BayesianGaussianMixture

    class FromResponsibilities(BayesianGaussianMixture):
        """scikit-learn's variational mixture started from given responsibilities."""

        def __init__(self, start=None, **kwargs):
            super().__init__(**kwargs)
            self.start = start

        def _initialize_parameters(self, X, random_state, xp=None):
            self._initialize(X, self.start)

    print(f"# Variational mixture against scikit-learn {sklearn.__version__} BayesianGaussianMixture "
          f"(default priors), from the same starting responsibilities", flush=True)
    for label, X, k in sizes:
        path, start_path = os.path.join(tmp, f"bayesian-{label}.npy"), os.path.join(tmp, f"bayesian-{label}-start.npy")
        np.save(path, X)
        start = nearest_row_responsibilities(X, k)
        np.save(start_path, start)
        for covariance_type in ["full", "diag"]:
            def fit(iterations):
                model = FromResponsibilities(start=start, n_components=k, covariance_type=covariance_type, tol=0,
                                             max_iter=iterations)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    return timed(lambda: model.fit(X).lower_bound_)

            reference, reference_bound = per_iteration(fit)
            result = run_tool("em-iteration", path, k, covariance_type, "--bayesian", start_path,
                              "--iterations", args.iterations, "--repeats", args.repeats)
            ours, bound = result["seconds_per_iteration"], result["lower_bound"]
            report({"case": f"variational {covariance_type} {label}", "peer": "scikit-learn", "peer_s": reference,
                    "gauss_s": ours, "ratio": reference / ours,
                    "agree": math.isfinite(bound) and abs(bound - reference_bound) <= 1e-9 * abs(reference_bound),
                    "detail": f"bounds {bound:.10g} / {reference_bound:.10g}"})


def mclust_cases(tmp, n, d, k):
    X = make_data(n, d, k, seed=3, spread=0.5)
    start = nearest_row_responsibilities(X, k)
    path, start_path = os.path.join(tmp, "mclust.npy"), os.path.join(tmp, "mclust-start.npy")
    np.save(path, X)
    np.save(start_path, start)
    raw, raw_start = os.path.join(tmp, "mclust.f64"), os.path.join(tmp, "mclust-start.f64")
    X.astype("<f8").tofile(raw)
    start.astype("<f8").tofile(raw_start)
    models = ["EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "VEE", "EVE", "VVE", "EEV", "VEV", "EVV", "VVV"]
    version = subprocess.run(["Rscript", "-e", "cat(as.character(packageVersion('mclust')))"], capture_output=True,
                             text=True, check=True).stdout.strip()
    print(f"# EM against R's mclust {version} me(), n={n}, d={d}, K={k}, overlapping clusters, from the same "
          f"starting responsibilities, no regularisation", flush=True)
    def theirs(model):
        result = subprocess.run(["Rscript", os.path.join(here, "mclust_me.R"), raw, raw_start,
                                 *map(str, [n, d, k, args.iterations, args.repeats]), model], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"mclust failed: {result.stderr.strip()}")
        line = json.loads(result.stdout)
        return dict(line, seconds=(line["many"] - line["one"]) / args.iterations)

    for model in models:
        # R and Gauss alternate, twice per model, each side's best kept: on a
        # machine whose speed drifts over minutes, the two sides of a ratio
        # are timed seconds apart rather than one whole side before the other.
        peer, ours = None, None
        for _ in range(2):
            run = theirs(model)
            peer = run if peer is None or run["seconds"] < peer["seconds"] else peer
            mine = run_tool("em-iteration", path, k, model, "--start", start_path, "--reg-covar", 0,
                            "--iterations", args.iterations, "--repeats", args.repeats)
            ours = mine if ours is None or mine["seconds_per_iteration"] < ours["seconds_per_iteration"] else ours
        reference = peer["seconds"]
        bound = ours["lower_bound"] * n
        loglik = peer["loglik"]
        if model == "VVE":
            agree = math.isfinite(bound)
            detail = f"log-likelihoods {bound:.10g} / {loglik} (VVE's M-steps differ by design)"
        elif model == "EVE":
            # At d = 32 the M-step's orientation problem has several local
            # optima: from the same statistics Gauss's rotation sweeps reach a
            # higher expected log-likelihood than mclust's majorise-minimise
            # steps, and the two EM paths part from the first M-step on, with
            # either one's log-likelihood the higher a few iterations later
            # (docs/clustering.md). So: finite, and within 1e-3 relative
            # (seen: Gauss higher by 8e-7 at n = 20 000 after 11 iterations,
            # lower by 1.4e-4 at n = 5000 after 3).
            agree = loglik is not None and math.isfinite(bound) and abs(bound - loglik) <= 1e-3 * abs(loglik)
            detail = f"log-likelihoods {bound:.10g} / {loglik} (EVE: a different orientation from the first M-step)"
        else:
            agree = loglik is not None and math.isfinite(bound) and abs(bound - loglik) <= 1e-9 * abs(loglik)
            detail = f"log-likelihoods {bound:.10g} / {loglik}"
        report({"case": f"EM {model} n={n} d={d} K={k}", "peer": "mclust", "peer_s": reference,
                "gauss_s": ours["seconds_per_iteration"], "ratio": reference / ours["seconds_per_iteration"],
                "agree": agree, "detail": detail})


def canonical(labels):
    numbering = {}
    return [numbering.setdefault(label, len(numbering)) for label in labels]


def mclust_select_cases(tmp):
    version = subprocess.run(["Rscript", "-e", "cat(as.character(packageVersion('mclust')))"], capture_output=True,
                             text=True, check=True).stdout.strip()
    script = os.path.join(here, "mclust_select.R")

    def r_json(raw, n, d, k, mode, repeats=None):
        result = subprocess.run(["Rscript", script, raw, *map(str, [n, d, k, repeats or args.repeats, mode])],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"mclust failed: {result.stderr.strip()}")
        return json.loads(result.stdout)

    def save(name, X):
        path, raw = os.path.join(tmp, f"{name}.npy"), os.path.join(tmp, f"{name}.f64")
        np.save(path, X)
        X.astype("<f8").tofile(raw)
        return path, raw

    print(f"# mclust {version}'s hierarchical clustering (hc) and whole model selection (Mclust)", flush=True)
    for d in [8, 32]:
        X = make_data(2000, d, 8, seed=3, spread=0.5)
        path, raw = save(f"hc{d}", X)
        theirs = r_json(raw, 2000, d, 8, "hc")
        ours = run_tool("em-iteration", path, 8, "VVV", "--hierarchical", "--repeats", args.repeats)
        report({"case": f"hc n=2000 d={d}", "peer": "mclust", "peer_s": theirs["seconds"], "gauss_s": ours["seconds"],
                "ratio": theirs["seconds"] / ours["seconds"],
                "agree": canonical(ours["labels"]) == canonical(theirs["labels"]), "detail": "partitions into 8 clusters"})
    iris = np.loadtxt(os.path.join(root, "data", "iris.csv"), delimiter=",", skiprows=1, usecols=range(4))
    for name, X in [("faithful", faithful()), ("iris", iris), ("n=2000 d=8", make_data(2000, 8, 8, seed=3, spread=0.5))]:
        path, raw = save("select", X)
        # R and Gauss alternate, each side keeping its best, so that the two
        # sides of the ratio are timed seconds apart (this machine's speed
        # drifts over minutes).
        repeats, rounds = (1, 1) if X.shape[0] >= 2000 else (args.repeats, 2)
        theirs, ours = None, None
        for _ in range(rounds):
            r = r_json(raw, X.shape[0], X.shape[1], 9, "select", repeats=repeats)
            theirs = r if theirs is None or r["seconds"] < theirs["seconds"] else theirs
            g = run_tool("em-iteration", path, 9, "VVV", "--select", "--repeats", repeats)
            ours = g if ours is None or g["seconds"] < ours["seconds"] else ours
        agree = (ours["model"], ours["n_components"]) == (theirs["model"], theirs["n_components"]) \
            and abs(ours["bic"] - theirs["bic"]) <= 1e-6 * abs(theirs["bic"])
        report({"case": f"Mclust K=1..9 {name}", "peer": "mclust", "peer_s": theirs["seconds"], "gauss_s": ours["seconds"],
                "ratio": theirs["seconds"] / ours["seconds"], "agree": agree,
                "detail": f"{ours['model']} K={ours['n_components']} BIC {ours['bic']:.10g} / "
                          f"{theirs['model']} K={theirs['n_components']} BIC {theirs['bic']:.10g}"})


def mlpack_cases(tmp):
    import importlib.metadata
    import mlpack
    print(f"# EM against mlpack {importlib.metadata.version('mlpack')} (gmm_train; its k-means start)", flush=True)
    n, d, k = 20_000, 128, 32
    X = make_data(n, d, k)
    path = os.path.join(tmp, "mlpack64.npy")
    np.save(path, X)
    for covariance_type in ["full"]:
        diagonal = covariance_type == "diag"

        def fit(iterations):
            return timed(lambda: mlpack.gmm_train(gaussians=k, input_=X, max_iterations=iterations, seed=1,
                                                  tolerance=0.0, diagonal_covariance=diagonal))

        reference, _ = per_iteration(fit)
        ours = run_tool("em-iteration", path, k, covariance_type, "--iterations", args.iterations,
                        "--repeats", args.repeats)["seconds_per_iteration"]
        # Agreement: converged fits, each from its own start, reach the same
        # mean log-likelihood on these well-separated clusters.
        model = mlpack.gmm_train(gaussians=k, input_=X, max_iterations=100, seed=1, tolerance=1e-3 * n,
                                 diagonal_covariance=diagonal)["output_model"]
        theirs = float(np.mean(np.log(mlpack.gmm_probability(input_=X, input_model=model)["output"])))
        mine = run_tool("em-iteration", path, k, covariance_type, "--fit")["lower_bound"]
        report({"case": f"EM {covariance_type} n=20000", "peer": "mlpack", "peer_s": reference, "gauss_s": ours,
                "ratio": reference / ours,
                "agree": math.isfinite(mine) and math.isfinite(theirs) and abs(mine - theirs) <= 1e-3 * abs(theirs),
                "detail": f"converged mean log-likelihood {mine:.6f} / {theirs:.6f}"})


def kmeans_cases(tmp, sizes):
    import sklearn
    from sklearn.cluster import KMeans
    print(f"# k-means against scikit-learn {sklearn.__version__}", flush=True)
    for label, X, k in sizes:
        path = os.path.join(tmp, f"kmeans-{label}.npy")
        np.save(path, X)
        centers = evenly_spaced(X, k)

        def peer(algorithm):
            def fit(iterations):
                km = KMeans(n_clusters=k, init=centers, n_init=1, max_iter=iterations, tol=0, algorithm=algorithm)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    return timed(lambda: km.fit(X).inertia_)
            return per_iteration(fit)

        def gauss(algorithm):
            return run_tool("kmeans-iteration", path, k, "--iterations", args.iterations, "--repeats", args.repeats,
                            "--algorithm", algorithm)

        theirs = {algorithm: peer(algorithm) for algorithm in ("lloyd", "elkan")}
        ours = {algorithm: gauss(algorithm) for algorithm in ("automatic", "lloyd")}
        for case, mine, peer_algorithm in [(f"k-means n={label[2:]}", "automatic", "lloyd"),
                                           (f"k-means n={label[2:]}", "automatic", "elkan"),
                                           (f"k-means Lloyd n={label[2:]}", "lloyd", "lloyd")]:
            reference, reference_inertia = theirs[peer_algorithm]
            result = ours[mine]
            report({"case": case, "peer": f"sklearn {peer_algorithm}", "peer_s": reference,
                    "gauss_s": result["seconds_per_iteration"], "ratio": reference / result["seconds_per_iteration"],
                    "agree": math.isfinite(result["inertia"])
                    and abs(result["inertia"] - reference_inertia) <= 1e-9 * abs(reference_inertia),
                    "detail": f"Gauss {mine}; inertia {result['inertia']:.10g} / {reference_inertia:.10g}"})


def gmm_cases(sizes):
    import jax
    sys.path.insert(0, here)
    from gmm_jax import arrays, gradbench_input, objective
    print(f"# GMM gradient against JAX {jax.__version__} ({jax.default_backend()}, float64, jit), n = 1000, "
          f"{args.rounds} interleaved rounds of 0.2 s per side; ratio = median of rounds [range]", flush=True)
    gradient_jit = jax.jit(jax.grad(objective, argnums=(0, 1, 2, 3)), static_argnums=(5,))
    tool = subprocess.Popen([os.path.join(tools, "gauss-gradbench")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    counter = [0]

    def ask(message):
        message["id"] = counter[0]
        counter[0] += 1
        tool.stdin.write(json.dumps(message) + "\n")
        tool.stdin.flush()
        return json.loads(tool.stdout.readline())

    ask({"kind": "start", "eval": "gmm"})
    ask({"kind": "define", "module": "gmm"})
    for d, k in sizes:
        inp = gradbench_input(d, k, 1000)
        alpha, mu, q, l, x, m, gamma = arrays(inp)
        reference = [np.asarray(g) for g in gradient_jit(alpha, mu, q, l, x, m, gamma)]
        pairs, output = [], None
        for _ in range(args.rounds):
            times = []
            while not times or sum(times) < 0.2:
                elapsed, _ = timed(lambda: jax.block_until_ready(gradient_jit(alpha, mu, q, l, x, m, gamma)))
                times.append(elapsed)
            reply = ask({"kind": "evaluate", "module": "gmm", "function": "jacobian",
                         "input": dict(inp, min_runs=2, min_seconds=0.2)})
            if not reply["success"]:
                raise RuntimeError(f"gauss-gradbench failed at d={d} K={k}: {reply.get('error')}")
            output = reply["output"]
            pairs.append((min(times), min(t["nanoseconds"] for t in reply["timings"][1:]) * 1e-9))
        ours = [np.array(output["alpha"]), np.array(output["mu"]), np.array(output["q"]),
                np.array(output["l"]).reshape(k, d * (d - 1) // 2)]
        agree = all(np.max(np.abs(a - b)) <= 1e-8 * max(1, np.max(np.abs(b))) for a, b in zip(ours, reference) if b.size)
        ratios = sorted(p[0] / p[1] for p in pairs)
        report({"case": f"GMM gradient d={d} K={k}", "peer": "JAX", "peer_s": min(p[0] for p in pairs),
                "gauss_s": min(p[1] for p in pairs), "ratio": ratios[len(ratios) // 2],
                "spread": (ratios[0], ratios[-1]), "agree": agree, "detail": "every gradient element to 1e-8"})
    tool.stdin.close()
    tool.wait()


def chart(path):
    """A horizontal bar per row: the ratio on a log scale, 1× marked (bars
    below 1× point left of the axis)."""
    width, left, bar, gap = 820, 300, 14, 6
    top = 40
    height = top + len(rows) * (bar + gap) + 40  # (rows without a ratio leave space at the end)
    shown = [r for r in rows if r["ratio"] > 0]  # a non-positive difference of times has no ratio to draw
    largest = max([r["ratio"] for r in shown] + [10])
    smallest = min([r["ratio"] for r in shown] + [1])
    low, high = math.log10(smallest / 1.1), math.log10(largest * 1.2)
    scale = (width - left - 70) / (high - low)

    def x(ratio):
        return left + 10 + (math.log10(ratio) - low) * scale

    origin = x(1)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
             f'<text x="{left}" y="20" font-size="13">Gauss speed-up over each peer (log scale; peer time / Gauss time)</text>']
    for tick in [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]:
        if smallest <= tick <= largest * 1.2:
            parts.append(f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{height - 30}" stroke="#ddd"/>')
            parts.append(f'<text x="{x(tick):.1f}" y="{height - 16}" text-anchor="middle">{tick}×</text>')
    colours = {"scikit-learn": "#4c72b0", "mlpack": "#dd8452", "JAX": "#55a868"}
    for i, r in enumerate(shown):
        y = top + i * (bar + gap)
        colour = colours.get(r["peer"], "#888")
        end = x(r["ratio"])
        parts.append(f'<text x="{left - 6}" y="{y + bar - 3}" text-anchor="end">{r["case"]} vs {r["peer"]}</text>')
        parts.append(f'<rect x="{min(origin, end):.1f}" y="{y}" width="{max(1.0, abs(end - origin)):.1f}" height="{bar}" '
                     f'fill="{colour}"/>')
        parts.append(f'<text x="{max(origin, end) + 4:.1f}" y="{y + bar - 3}">{r["ratio"]:.2f}×</text>')
    parts.append(f'<line x1="{origin:.1f}" y1="{top - 6}" x2="{origin:.1f}" y2="{height - 30}" stroke="#333"/>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def markdown(path):
    lines = ["| case | peer | peer time | Gauss time | peer / Gauss | dense-BLAS time (Gauss / peer) | agree |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        spread = f" [{r['spread'][0]:.2f}–{r['spread'][1]:.2f}]" if r.get("spread") else ""
        floor = (f"{duration(r['floor_s'])} / {duration(r['peer_floor_s'])}" if r.get("floor_s") and r.get("peer_floor_s")
                 else "")
        lines.append(f"| {r['case']} | {r['peer']} | {duration(r['peer_s'])} | {duration(r['gauss_s'])} | "
                     f"{r['ratio']:.2f}×{spread} | {floor} | {'yes' if r['agree'] else 'NO'} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


from threadpoolctl import threadpool_info  # noqa: E402

import sklearn.cluster  # noqa: E402,F401  (loads scikit-learn's BLAS too, so it is listed)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            lines = f.read().splitlines()
    except OSError:
        return platform.processor()
    field = lambda key: next((l.split(":", 1)[1].strip() for l in lines if l.split(":")[0].strip() == key), "?")
    return f"{field('model name')} (family {field('cpu family')}, model {field('model')})"


blas = [f"{i['internal_api']} {i['version']} ({i.get('architecture')} kernels, {i['num_threads']} threads)"
        for i in threadpool_info() if i["user_api"] == "blas"]
print(f"CPU: {cpu_model()}, {os.cpu_count()} cores")
print(f"Python {platform.python_version()}, numpy {np.__version__}, peers' BLAS: {'; '.join(blas) or 'none loaded'}")
print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
      f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}, cores: {os.cpu_count()}")
print(f"{'case':<40} {'peer':<13} {'peer':>10} {'Gauss':>10} {'ratio':>8}{'':<14} {'floor':>10} {'peer floor':>10}  agree")
medium = ("n=20000", make_data(20_000, 128, 32), 32)
large = ("n=100000", make_data(100_000, 128, 32), 32)
overlapping = ("n=100000 overlapping", make_data(100_000, 128, 32, spread=0.25), 32)
sizes = [medium] if args.quick else [("faithful", faithful(), 2), medium, large, overlapping]
with tempfile.TemporaryDirectory() as tmp:
    for name, run in [("em", lambda: em_cases(tmp, sizes)),
                      ("bayesian", lambda: bayesian_cases(tmp, [medium] if args.quick else [large, overlapping])),
                      ("mclust", lambda: mclust_cases(tmp, 5_000 if args.quick else 20_000, 32, 8)),
                      ("mclust-select", lambda: mclust_select_cases(tmp)),
                      ("mlpack", lambda: mlpack_cases(tmp)),
                      ("kmeans", lambda: kmeans_cases(tmp, [size for size in sizes
                                                         if size[0] in ("n=20000", "n=100000", "n=100000 overlapping")])),
                      ("gmm", lambda: gmm_cases([(2, 5), (10, 25), (32, 50), (64, 100)] if args.quick else
                                                [(d, k) for d in [2, 10, 20, 32, 64] for k in [5, 10, 25, 50, 100]]
                                                + [(64, 200)]))]:
        if name in only:
            try:
                run()
            except Exception as error:  # a peer that cannot run is a failure, named
                failures.append(f"{name}: {error}")
                print(f"# {name} failed: {error}", flush=True)

if args.json:
    with open(args.json, "w") as f:
        json.dump(rows, f, indent=1)
if args.markdown and rows:
    markdown(args.markdown)
if args.chart and rows:
    chart(args.chart)
if failures:
    print("\nFAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
    sys.exit(1)
