"""Moving Gaussian mixtures between Gauss model files and scikit-learn.

    import gauss_sklearn
    gm = gauss_sklearn.load("model.json")          # a fitted sklearn.mixture.GaussianMixture
    gm.predict(X)                                   # the labels `gauss predict` gives
    gauss_sklearn.save(gm, "from-sklearn.json")     # a model file `gauss predict` reads

A Gauss model file holds scikit-learn's attributes under their names
without the trailing underscore; the covariance layout decides scikit-
learn's `covariance_type`, so mclust's models load as the scikit-learn type
of their layout (VEV as "full", EEI as "diag", EII as "spherical"). The
file's `settings` block uses scikit-learn's parameter names where scikit-
learn has the parameter (`random_state`, `init_params`), and `load` passes
those on. Needs numpy and scikit-learn; nothing else.
"""
import json

import numpy as np
from sklearn.mixture import GaussianMixture

MODEL_FILE_VERSION = 1
_SKLEARN_PARAMETERS = ("n_components", "tol", "reg_covar", "max_iter", "n_init", "init_params", "random_state")
_SKLEARN_INITS = ("kmeans", "k-means++", "random", "random_from_data")


def _layout(model):
    """scikit-learn's covariance_type for the shape the file's covariances have."""
    k, d = model["n_components"], model["n_features"]
    shape = np.shape(model["covariances"])
    if shape == (k, d, d):
        return "full"
    if shape == (d, d):
        return "tied"
    if shape == (k, d):
        return "diag"
    if shape == (k,):
        return "spherical"
    raise ValueError(f"covariances of shape {shape} fit no covariance type for K={k}, d={d}")


def _precisions(covariance_type, precisions_cholesky):
    """scikit-learn's precisions_ from the Cholesky factors U (precision = U·Uᵀ)."""
    u = np.asarray(precisions_cholesky, dtype=float)
    if covariance_type == "full":
        return np.einsum("kij,klj->kil", u, u)
    if covariance_type == "tied":
        return u @ u.T
    return u ** 2


def from_dict(model):
    """A fitted scikit-learn GaussianMixture from a parsed Gauss model file."""
    if model.get("model", "gaussian_mixture") != "gaussian_mixture":
        raise ValueError(f"a {model['model']!r} model has no scikit-learn GaussianMixture counterpart")
    version = model.get("gauss_model_version", MODEL_FILE_VERSION)
    if version != MODEL_FILE_VERSION:
        raise ValueError(f"model file version {version} is not supported (this module reads {MODEL_FILE_VERSION})")
    covariance_type = _layout(model)
    settings = {key: value for key, value in model.get("settings", {}).items() if key in _SKLEARN_PARAMETERS}
    if settings.get("init_params") not in _SKLEARN_INITS:
        settings.pop("init_params", None)
    settings["n_components"] = model["n_components"]
    gm = GaussianMixture(covariance_type=covariance_type, **settings)
    gm.weights_ = np.asarray(model["weights"], dtype=float)
    gm.means_ = np.asarray(model["means"], dtype=float)
    gm.covariances_ = np.asarray(model["covariances"], dtype=float)
    gm.precisions_cholesky_ = np.asarray(model["precisions_cholesky"], dtype=float)
    gm.precisions_ = _precisions(covariance_type, gm.precisions_cholesky_)
    gm.converged_ = bool(model.get("converged", True))
    gm.n_iter_ = int(model.get("n_iter", 0))
    bound = model.get("lower_bound")
    gm.lower_bound_ = -np.inf if bound is None else float(bound)
    gm.n_features_in_ = int(model["n_features"])
    return gm


def load(path):
    """A fitted scikit-learn GaussianMixture from a Gauss model file."""
    with open(path) as file:
        return from_dict(json.load(file))


def to_dict(gm):
    """A Gauss model file's contents (a dict) from a fitted scikit-learn GaussianMixture."""
    for attribute in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        if not hasattr(gm, attribute):
            raise ValueError(f"the GaussianMixture is not fitted: it has no {attribute}")
    parameters = gm.get_params()
    random_state = parameters.get("random_state")
    settings = {
        "n_components": int(gm.n_components), "covariance_type": gm.covariance_type, "tol": float(gm.tol),
        "reg_covar": float(gm.reg_covar), "max_iter": int(gm.max_iter), "n_init": int(gm.n_init),
        "init_params": gm.init_params, "random_state": random_state if isinstance(random_state, int) else 0,
        "dtype": "float64", "n_samples": 0,
    }
    bound = getattr(gm, "lower_bound_", None)
    return {
        "model": "gaussian_mixture", "gauss_model_version": MODEL_FILE_VERSION,
        "covariance_type": gm.covariance_type, "n_components": int(gm.n_components),
        "n_features": int(gm.means_.shape[1]),
        "weights": gm.weights_.tolist(), "means": gm.means_.tolist(),
        "covariances": np.asarray(gm.covariances_).tolist(),
        "precisions_cholesky": np.asarray(gm.precisions_cholesky_).tolist(),
        "converged": bool(getattr(gm, "converged_", True)), "n_iter": int(getattr(gm, "n_iter_", 0)),
        "lower_bound": None if bound is None or not np.isfinite(bound) else float(bound),
        "lower_bounds": [], "settings": settings,
    }


def save(gm, path):
    """Writes a fitted scikit-learn GaussianMixture as a Gauss model file."""
    with open(path, "w") as file:
        json.dump(to_dict(gm), file)
        file.write("\n")
