"""Writes scikit-learn reference fits for the Clustering tests.

Each fit starts from explicit initial parameters (so no random choices of
either library matter) and records scikit-learn's results; the default-start
cases record the k-means labels scikit-learn's own default start used, which
Gauss is then given as starting responsibilities. Run through
scripts/make-sklearn-fixtures.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture

root = os.path.join(os.path.dirname(__file__), "..")
out = os.path.join(root, "Tests", "ClusteringTests", "Fixtures")
os.makedirs(out, exist_ok=True)


def load_csv(name, drop_last):
    data = np.loadtxt(os.path.join(root, "data", name), delimiter=",", skiprows=1)
    return data[:, :-1] if drop_last else data


def blobs():
    rng = np.random.default_rng(20261125)
    centres = np.array([[0, 0, 0, 0, 0], [6, 1, -2, 0, 3], [-4, 5, 1, 2, -1], [2, -5, 4, -3, 0]], dtype=float)
    scales = [1.0, 0.5, 1.5, 0.8]
    rows = [c + s * rng.standard_normal((125, 5)) for c, s in zip(centres, scales)]
    data = np.vstack(rows)
    return data[rng.permutation(len(data))]


datasets = {
    "faithful": (load_csv("faithful.csv", False), 2, 1e-6),
    "iris": (load_csv("iris.csv", True), 3, 1e-6),
    "digits": (load_csv("digits.csv", True), 10, 1e-2),
    "blobs": (blobs(), 4, 1e-6),
}
np.save(os.path.join(out, "blobs.npy"), datasets["blobs"][0])


def initial_parameters(X, k, covariance_type):
    """Deterministic starting values: evenly spaced rows as means, equal
    weights, and the precision of the whole data's (regularised) covariance."""
    n, d = X.shape
    means = X[np.linspace(0, n - 1, k).astype(int)]
    weights = np.full(k, 1.0 / k)
    cov = np.cov(X.T, bias=True) + 0.1 * np.eye(d)
    if covariance_type == "full":
        precisions = np.stack([np.linalg.inv(cov)] * k)
    elif covariance_type == "tied":
        precisions = np.linalg.inv(cov)
    elif covariance_type == "diag":
        precisions = np.tile(1.0 / np.diag(cov), (k, 1))
    else:
        precisions = np.full(k, 1.0 / np.mean(np.diag(cov)))
    return weights, means, precisions


cases = []
for name, (X, k, reg) in datasets.items():
    for covariance_type in ["full", "tied", "diag", "spherical"]:
        weights, means, precisions = initial_parameters(X, k, covariance_type)
        gm = GaussianMixture(n_components=k, covariance_type=covariance_type, reg_covar=reg, tol=1e-3,
                             max_iter=100, weights_init=weights, means_init=means, precisions_init=precisions)
        gm.fit(X)
        cases.append({
            "dataset": name, "covariance_type": covariance_type, "n_components": k, "reg_covar": reg,
            "tol": 1e-3, "max_iter": 100,
            "weights_init": weights.tolist(), "means_init": means.tolist(), "precisions_init": np.asarray(precisions).tolist(),
            "weights": gm.weights_.tolist(), "means": gm.means_.tolist(),
            "covariances": np.asarray(gm.covariances_).tolist(),
            "precisions_cholesky": np.asarray(gm.precisions_cholesky_).tolist(),
            "lower_bound": gm.lower_bound_, "lower_bounds": [float(v) for v in gm.lower_bounds_],
            "n_iter": int(gm.n_iter_), "converged": bool(gm.converged_),
            "score": float(gm.score(X)), "bic": float(gm.bic(X)), "aic": float(gm.aic(X)),
            "predict_head": gm.predict(X)[:20].tolist(),
        })

kmeans_cases = []
for name, (X, k, _) in datasets.items():
    centres = X[np.linspace(0, len(X) - 1, k).astype(int)]
    km = KMeans(n_clusters=k, init=centres, n_init=1, tol=1e-4, max_iter=300, algorithm="lloyd").fit(X)
    kmeans_cases.append({
        "dataset": name, "n_clusters": k, "init": centres.tolist(), "centers": km.cluster_centers_.tolist(),
        "inertia": float(km.inertia_), "n_iter": int(km.n_iter_), "labels": km.labels_.tolist(),
    })


def kmeans_labels(X, k, seed):
    """The labels GaussianMixture(init_params="kmeans", random_state=seed)
    starts from: its _initialize_parameters fits this KMeans with a fresh
    RandomState(seed)."""
    return KMeans(n_clusters=k, n_init=1, random_state=np.random.RandomState(seed)).fit(X).labels_


def check_labels_are_the_start(X, k, covariance_type, labels, fitted):
    """Refits from the M-step of one-hot `labels`, as explicit initial
    parameters, and checks that scikit-learn reaches the same model: the
    recorded labels are then exactly the start its default fit used."""
    from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky, _estimate_gaussian_parameters
    resp = np.zeros((len(X), k), dtype=X.dtype)
    resp[np.arange(len(X)), labels] = 1
    weights, means, covariances = _estimate_gaussian_parameters(X, resp, fitted.reg_covar, covariance_type)
    weights /= weights.sum()
    factors = _compute_precision_cholesky(covariances, covariance_type)
    if covariance_type == "full":
        precisions = np.stack([f @ f.T for f in factors])
    elif covariance_type == "tied":
        precisions = factors @ factors.T
    else:
        precisions = factors ** 2
    again = GaussianMixture(n_components=k, covariance_type=covariance_type, weights_init=weights, means_init=means,
                            precisions_init=precisions).fit(X)
    assert again.n_iter_ == fitted.n_iter_, (again.n_iter_, fitted.n_iter_)
    assert np.allclose(again.means_, fitted.means_, rtol=1e-4 if X.dtype == np.float32 else 1e-10)


# The default start (init_params="kmeans"), given to Gauss as the labels of
# scikit-learn's k-means: in float64, in float32 (scikit-learn then computes
# in float32), and with integer sample weights, which scikit-learn lacks and
# which are compared with its fit of the data with each row repeated.
default_start_cases = []
for name in ["faithful", "iris", "blobs"]:
    X, k, reg = datasets[name]
    for covariance_type in ["full", "tied", "diag", "spherical"]:
        for variant in ["float64", "float32", "weights"]:
            data = X.astype(np.float32) if variant == "float32" else X
            weights = None
            if variant == "weights":
                weights = np.arange(len(X)) % 3 + 1
                data = np.repeat(X, weights, axis=0)
            gm = GaussianMixture(n_components=k, covariance_type=covariance_type, reg_covar=reg, random_state=0).fit(data)
            labels = kmeans_labels(data, k, 0)
            check_labels_are_the_start(data, k, covariance_type, labels, gm)
            if weights is not None:
                first_copy = np.concatenate([[0], np.cumsum(weights)[:-1]])
                for copy in range(1, 3):
                    # Copies of one row share its label.
                    rows = weights > copy
                    assert np.all(labels[first_copy[rows] + copy] == labels[first_copy[rows]])
                labels = labels[first_copy]
            default_start_cases.append({
                "dataset": name, "covariance_type": covariance_type, "variant": variant, "n_components": k,
                "reg_covar": reg, "labels": labels.tolist(),
                "sample_weights": None if weights is None else weights.tolist(),
                "weights": gm.weights_.tolist(), "means": gm.means_.tolist(),
                "covariances": np.asarray(gm.covariances_).tolist(),
                "lower_bound": float(gm.lower_bound_), "n_iter": int(gm.n_iter_), "converged": bool(gm.converged_),
            })

with open(os.path.join(out, "sklearn-reference.json"), "w") as f:
    json.dump({"sklearn_version": sklearn.__version__, "gaussian_mixture": cases, "kmeans": kmeans_cases,
               "default_start": default_start_cases}, f)
print(f"wrote {len(cases)} mixture cases, {len(kmeans_cases)} k-means cases and {len(default_start_cases)} "
      f"default-start cases with scikit-learn {sklearn.__version__}")


# Variational mixtures. scikit-learn's BayesianGaussianMixture takes no
# starting parameters, so each fit starts from given responsibilities: the
# one-hot labels of its own default k-means start (checked to be that start)
# or, on Old Faithful, soft responsibilities drawn once and recorded.
class FromResponsibilities(BayesianGaussianMixture):
    """BayesianGaussianMixture started from `start_resp` instead of an init_params method."""

    def __init__(self, start_resp=None, **kwargs):
        super().__init__(**kwargs)
        self.start_resp = start_resp

    def _initialize_parameters(self, X, random_state, xp=None):
        self._initialize(X, self.start_resp)


def one_hot(labels, k):
    resp = np.zeros((len(labels), k))
    resp[np.arange(len(labels)), labels] = 1
    return resp


def scalar(value):
    value = np.asarray(value)
    assert value.size == 1, value.shape
    return float(value.reshape(()))


def bayesian_record(model):
    concentration = model.weight_concentration_
    if model.weight_concentration_prior_type == "dirichlet_process":
        concentration = [concentration[0].tolist(), concentration[1].tolist()]
    else:
        concentration = [concentration.tolist()]
    return {
        "weight_concentration": concentration, "weights": model.weights_.tolist(),
        "mean_precision": model.mean_precision_.tolist(), "means": model.means_.tolist(),
        "degrees_of_freedom": np.atleast_1d(model.degrees_of_freedom_).tolist(),
        "covariances": np.asarray(model.covariances_).tolist(),
        "precisions_cholesky": np.asarray(model.precisions_cholesky_).tolist(),
        # scikit-learn keeps some bounds as arrays of one value.
        "lower_bound": scalar(model.lower_bound_), "lower_bounds": [scalar(v) for v in model.lower_bounds_],
        "n_iter": int(model.n_iter_), "converged": bool(model.converged_),
        "covariance_prior": np.atleast_2d(model.covariance_prior_).tolist(),
        "mean_prior": model.mean_prior_.tolist(),
        "score": float(model.score(model._fixture_X)), "predict_head": model.predict(model._fixture_X)[:20].tolist(),
    }


bayesian_datasets = {
    "faithful": (load_csv("faithful.csv", False), 6),
    "iris": (load_csv("iris.csv", True), 6),
    "digits": (load_csv("digits.csv", True), 15),
}
bayesian_cases = []
for name, (X, k) in bayesian_datasets.items():
    labels = kmeans_labels(X, k, 0)
    starts = [("labels", one_hot(labels, k))]
    if name == "faithful":
        rng = np.random.default_rng(7)
        soft = rng.random((len(X), k))
        starts.append(("soft", soft / soft.sum(axis=1, keepdims=True)))
    for covariance_type in ["full", "tied", "diag", "spherical"]:
        for prior in ["dirichlet_process", "dirichlet_distribution"]:
            for start_name, resp in starts:
                # A fixed number of iterations (tol 0), and the default tolerance for n_iter and converged.
                for tol, max_iter in [(0.0, 12), (1e-3, 300)]:
                    model = FromResponsibilities(
                        start_resp=resp, n_components=k, covariance_type=covariance_type,
                        weight_concentration_prior_type=prior, tol=tol, max_iter=max_iter)
                    model._fixture_X = X
                    model.fit(X)
                    if start_name == "labels" and tol > 0:
                        # The labels are the start of scikit-learn's own default fit.
                        default = BayesianGaussianMixture(n_components=k, covariance_type=covariance_type,
                                                          weight_concentration_prior_type=prior, tol=tol,
                                                          max_iter=max_iter, random_state=0).fit(X)
                        assert default.n_iter_ == model.n_iter_ and np.allclose(default.means_, model.means_, rtol=1e-10)
                    record = bayesian_record(model)
                    # Digits' full covariances are 15×64×64 numbers: keep one fit's.
                    if name == "digits" and covariance_type == "full" and (tol > 0 or prior != "dirichlet_process"):
                        record["covariances"] = None
                        record["precisions_cholesky"] = None
                    record.update({"dataset": name, "covariance_type": covariance_type, "weight_prior": prior,
                                   "start": start_name, "n_components": k, "tol": tol, "max_iter": max_iter,
                                   "responsibilities": resp.tolist() if start_name == "soft" else None,
                                   "labels": labels.tolist() if start_name == "labels" else None})
                    bayesian_cases.append(record)

# A Dirichlet process with K = 10 on Old Faithful: the components it keeps.
X = bayesian_datasets["faithful"][0]
dp = BayesianGaussianMixture(n_components=10, random_state=0, max_iter=1000).fit(X)
switch_off = {"labels": kmeans_labels(X, 10, 0).tolist(), "weights": dp.weights_.tolist(),
              "active": int(np.sum(dp.weights_ > 0.01)), "n_iter": int(dp.n_iter_), "lower_bound": scalar(dp.lower_bound_)}

with open(os.path.join(out, "sklearn-bayesian-reference.json"), "w") as f:
    json.dump({"sklearn_version": sklearn.__version__, "cases": bayesian_cases, "dirichlet_process_faithful": switch_off}, f)
print(f"wrote {len(bayesian_cases)} variational mixture cases with scikit-learn {sklearn.__version__}")
