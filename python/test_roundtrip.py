"""Gauss → scikit-learn → Gauss with the same predictions, run by the Swift
test suite when scikit-learn is importable (Tests/GaussCLITests/
PythonRoundTripTests.swift), or by hand:

    python3 python/test_roundtrip.py GAUSS-EXECUTABLE DATA.csv WORK-DIRECTORY
"""
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gauss_sklearn  # noqa: E402


def run(gauss, *arguments):
    return subprocess.run([gauss, *arguments], check=True, capture_output=True, text=True).stdout


def main(gauss, data_path, work):
    X = np.loadtxt(data_path, delimiter=",", skiprows=1)
    for covariance in ["full", "tied", "diag", "spherical", "VEV", "EEI", "EII"]:
        model_path = os.path.join(work, f"gauss-{covariance}.json")
        run(gauss, "fit", data_path, "-k", "3", "--covariance", covariance, "--seed", "2", "-o", model_path)
        gauss_labels = np.array(run(gauss, "predict", model_path, data_path).split(), dtype=int)
        gauss_probabilities = np.loadtxt(run(gauss, "predict", model_path, data_path, "--proba").splitlines(), delimiter=",")
        gm = gauss_sklearn.load(model_path)
        assert np.array_equal(gm.predict(X), gauss_labels), covariance
        assert np.allclose(gm.predict_proba(X), gauss_probabilities, rtol=1e-9, atol=1e-12), covariance
        score = float(run(gauss, "score", model_path, data_path))
        assert abs(gm.score(X) - score) <= 1e-9 * abs(score), (covariance, gm.score(X), score)
        # Settings pass back under scikit-learn's names.
        with open(model_path) as file:
            settings = json.load(file)["settings"]
        assert settings["random_state"] == 2 and gm.random_state == 2, settings
        # And back: the file scikit-learn's model writes predicts the same.
        back = os.path.join(work, f"sklearn-{covariance}.json")
        gauss_sklearn.save(gm, back)
        again = np.array(run(gauss, "predict", back, data_path).split(), dtype=int)
        assert np.array_equal(again, gauss_labels), covariance
    # A model scikit-learn fitted itself, read by gauss.
    from sklearn.mixture import GaussianMixture
    for covariance in ["full", "tied", "diag", "spherical"]:
        gm = GaussianMixture(n_components=2, covariance_type=covariance, random_state=0).fit(X)
        path = os.path.join(work, f"fitted-by-sklearn-{covariance}.json")
        gauss_sklearn.save(gm, path)
        labels = np.array(run(gauss, "predict", path, data_path).split(), dtype=int)
        assert np.array_equal(labels, gm.predict(X)), covariance
        score = float(run(gauss, "score", path, data_path))
        assert abs(gm.score(X) - score) <= 1e-9 * abs(score), (covariance, gm.score(X), score)
    print("round trip: ok")


if __name__ == "__main__":
    main(*sys.argv[1:4])
