"""The gradbench GMM objective in JAX, written from the formula: the
independent reference for Gauss's taped objective, and the peer it is
timed against.

    python gmm_jax.py fixture OUT.json      # writes a small reference fixture
"""
import json
import math
import sys

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gammaln, logsumexp

jax.config.update("jax_enable_x64", True)


def unpack_q(q_k, l_k, d):
    """Q = diag(exp q) + L, L strictly lower, filled column by column."""
    rows, cols = np.tril_indices(d, -1)
    order = np.lexsort((rows, cols))  # column-major order of the strict lower triangle
    L = jnp.zeros((d, d)).at[rows[order], cols[order]].set(l_k)
    return jnp.diag(jnp.exp(q_k)) + L


def objective(alpha, mu, q, l, x, m, gamma):
    n, d = x.shape
    k = alpha.shape[0]
    Qs = jax.vmap(lambda qk, lk: unpack_q(qk, lk, d))(q, l)              # k × d × d
    diff = x[:, None, :] - mu[None, :, :]                                 # n × k × d
    projected = jnp.einsum("kij,nkj->nki", Qs, diff)
    beta = alpha[None, :] + q.sum(1)[None, :] - 0.5 * (projected ** 2).sum(2)
    loglik = logsumexp(beta, axis=1).sum() - n * logsumexp(alpha) - 0.5 * n * d * math.log(2 * math.pi)
    nu = d + m + 1
    log_gamma_d = d * (d - 1) / 4 * math.log(math.pi) + sum(gammaln(nu / 2 + (1 - j) / 2) for j in range(1, d + 1))
    prior = k * (nu * d * jnp.log(gamma / math.sqrt(2)) - log_gamma_d) \
        - 0.5 * gamma ** 2 * (jnp.exp(2 * q).sum() + (l ** 2).sum()) + m * q.sum()
    return loglik + prior


def random_input(d, k, n, seed, m=0, gamma=1.0):
    rng = np.random.default_rng(seed)
    return {"d": d, "k": k, "n": n, "m": m, "gamma": gamma,
            "x": rng.standard_normal((n, d)).tolist(), "alpha": rng.standard_normal(k).tolist(),
            "mu": rng.standard_normal((k, d)).tolist(), "q": (0.3 * rng.standard_normal((k, d))).tolist(),
            "l": (0.3 * rng.standard_normal((k, d * (d - 1) // 2))).tolist()}


def gradbench_input(d, k, n, seed=31337, m=0, gamma=1.0):
    """An input as gradbench's gmm eval draws it (its seed, order and
    distributions: x, alpha, q and l standard normal, mu uniform on [0, 1)),
    so that the timing loop and the eval see the same numbers."""
    rng = np.random.default_rng(seed=seed)
    x = [list(rng.normal(size=d)) for _ in range(n)]
    alpha = list(rng.normal(size=k))
    mu = [list(rng.uniform(size=d)) for _ in range(k)]
    q = [list(rng.normal(size=d)) for _ in range(k)]
    l = [list(rng.normal(size=d * (d - 1) // 2)) for _ in range(k)]
    return {"d": d, "k": k, "n": n, "m": m, "gamma": gamma, "x": x, "alpha": alpha, "mu": mu, "q": q, "l": l}


def arrays(inp):
    d = inp["d"]
    return (jnp.array(inp["alpha"]), jnp.array(inp["mu"]), jnp.array(inp["q"]),
            jnp.array(inp["l"]).reshape(inp["k"], d * (d - 1) // 2), jnp.array(inp["x"]), inp["m"], inp["gamma"])


if __name__ == "__main__" and sys.argv[1] == "fixture":
    cases = []
    for (d, k, n, m, gamma, seed) in [(3, 4, 10, 2, 1.5, 1), (1, 2, 5, 0, 1.0, 2), (5, 3, 20, 1, 0.7, 3)]:
        inp = random_input(d, k, n, seed, m, gamma)
        alpha, mu, q, l, x, m_, g = arrays(inp)
        value = objective(alpha, mu, q, l, x, m_, g)
        grads = jax.grad(objective, argnums=(0, 1, 2, 3))(alpha, mu, q, l, x, m_, g)
        cases.append({"input": inp, "objective": float(value),
                      "gradient": {"alpha": np.asarray(grads[0]).tolist(), "mu": np.asarray(grads[1]).tolist(),
                                   "q": np.asarray(grads[2]).tolist(), "l": np.asarray(grads[3]).tolist()}})
    with open(sys.argv[2], "w") as f:
        json.dump({"jax_version": jax.__version__, "cases": cases}, f)
    print(f"wrote {len(cases)} cases with JAX {jax.__version__}")
