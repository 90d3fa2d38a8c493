"""The gradbench GMM objective and gradient: JAX (jit, CPU, float64) against
gauss-gradbench on the same inputs, in one run.

    scripts/compare-gmm [--quick]

Each side runs each function at least 5 times and for at least a second
after a warm-up; the table shows the best time of each, their ratio, and whether the values agree
(relative 1e-8 on every element).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import jax
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from gmm_jax import arrays, objective, random_input  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--quick", action="store_true")
args = parser.parse_args()

root = os.path.join(os.path.dirname(__file__), "..", "..")
binary = os.path.join(root, "Benchmarks", ".build", "release", "gauss-gradbench")
sizes = [(2, 5), (10, 25), (32, 50), (64, 100)] if args.quick else \
    [(d, k) for d in [2, 10, 20, 32, 64] for k in [5, 10, 25, 50, 100]] + [(64, 200)]
n, runs, seconds = 1000, 5, 1.0

objective_jit = jax.jit(objective, static_argnums=(5,))
gradient_jit = jax.jit(jax.grad(objective, argnums=(0, 1, 2, 3)), static_argnums=(5,))


def best(function, *arguments):
    jax.block_until_ready(function(*arguments))  # compile and warm up
    times = []
    while len(times) < runs or sum(times) < seconds:
        start = time.perf_counter()
        jax.block_until_ready(function(*arguments))
        times.append(time.perf_counter() - start)
    return min(times)


tool = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
counter = 0


def ask(message):
    global counter
    message["id"] = counter
    counter += 1
    tool.stdin.write(json.dumps(message) + "\n")
    tool.stdin.flush()
    response = json.loads(tool.stdout.readline())
    assert response["id"] == message["id"], response
    return response


ask({"kind": "start", "eval": "gmm"})
assert ask({"kind": "define", "module": "gmm"})["success"]

print(f"JAX {jax.__version__} ({jax.default_backend()}, float64, jit) vs gauss-gradbench; n = {n}; "
      f"best of at least {runs} runs and {seconds:g} s each")
print(f"{'d':>3} {'K':>4} | {'JAX obj':>10} {'Gauss obj':>10} {'×':>6} | {'JAX grad':>10} {'Gauss grad':>10} {'×':>6} | {'Gauss grad/obj':>14} | agree")
failures = []
for d, k in sizes:
    inp = random_input(d, k, n, seed=1000 + 100 * d + k)
    alpha, mu, q, l, x, m, gamma = arrays(inp)
    jax_objective = best(objective_jit, alpha, mu, q, l, x, m, gamma)
    jax_gradient = best(gradient_jit, alpha, mu, q, l, x, m, gamma)
    reference_value = float(objective_jit(alpha, mu, q, l, x, m, gamma))
    reference_gradient = [np.asarray(g) for g in gradient_jit(alpha, mu, q, l, x, m, gamma)]

    message = {"kind": "evaluate", "module": "gmm", "input": dict(inp, min_runs=runs + 1, min_seconds=seconds)}
    value_reply = ask(dict(message, function="objective"))
    gradient_reply = ask(dict(message, function="jacobian"))
    if not (value_reply["success"] and gradient_reply["success"]):
        failures.append((d, k, value_reply.get("error"), gradient_reply.get("error")))
        continue
    # The first run includes warm-up, as JAX's compilation is excluded on its side.
    ours_objective = min(t["nanoseconds"] for t in value_reply["timings"][1:]) * 1e-9
    ours_gradient = min(t["nanoseconds"] for t in gradient_reply["timings"][1:]) * 1e-9
    output = gradient_reply["output"]
    ours = [np.array(output["alpha"]), np.array(output["mu"]), np.array(output["q"]),
            np.array(output["l"]).reshape(k, d * (d - 1) // 2)]
    agree = abs(value_reply["output"] - reference_value) <= 1e-8 * max(1, abs(reference_value)) and all(
        np.max(np.abs(a - b)) <= 1e-8 * max(1, np.max(np.abs(b))) for a, b in zip(ours, reference_gradient) if b.size)
    if not agree:
        failures.append((d, k, "values disagree"))
    print(f"{d:>3} {k:>4} | {jax_objective * 1e3:>8.3f}ms {ours_objective * 1e3:>8.3f}ms {jax_objective / ours_objective:>6.2f} | "
          f"{jax_gradient * 1e3:>8.3f}ms {ours_gradient * 1e3:>8.3f}ms {jax_gradient / ours_gradient:>6.2f} | "
          f"{ours_gradient / ours_objective:>14.2f} | {'yes' if agree else 'NO'}", flush=True)

tool.stdin.close()
tool.wait()
if failures:
    print(f"failures: {failures}", file=sys.stderr)
    sys.exit(1)
