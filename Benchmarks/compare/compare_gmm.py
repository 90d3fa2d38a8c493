"""The gradbench GMM objective and gradient: JAX (jit, CPU, float64) against
gauss-gradbench on the same inputs, in one run.

    scripts/compare-gmm [--quick] [--rounds R]

This machine is shared and its speed drifts over seconds, so the two sides
are interleaved: in each of R rounds (7 by default), JAX runs the function
for about 0.2 s, then Gauss does, each keeping its best run of the round.
The ratio of a round compares runs a fraction of a second apart; the table
shows the median ratio over the rounds with its range, the best time of
each side over all rounds, and whether the values agree (relative 1e-8 on
every element). Compilation and the first run of each side are excluded.
The inputs are the ones gradbench's gmm eval generates (its seed and
recipe), so this loop and the eval time the same numbers.
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
from gmm_jax import arrays, gradbench_input, objective  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--quick", action="store_true")
parser.add_argument("--rounds", type=int, default=7)
args = parser.parse_args()

root = os.path.join(os.path.dirname(__file__), "..", "..")
binary = os.path.join(root, "Benchmarks", ".build", "release", "gauss-gradbench")
sizes = [(2, 5), (10, 25), (32, 50), (64, 100)] if args.quick else \
    [(d, k) for d in [2, 10, 20, 32, 64] for k in [5, 10, 25, 50, 100]] + [(64, 200)]
n, round_seconds = 1000, 0.2

objective_jit = jax.jit(objective, static_argnums=(5,))
gradient_jit = jax.jit(jax.grad(objective, argnums=(0, 1, 2, 3)), static_argnums=(5,))


def jax_round(function, *arguments):
    """The best of at least one run and round_seconds of runs."""
    times = []
    while not times or sum(times) < round_seconds:
        start = time.perf_counter()
        jax.block_until_ready(function(*arguments))
        times.append(time.perf_counter() - start)
    return min(times)


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else 0.5 * (ordered[middle - 1] + ordered[middle])


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
      f"{args.rounds} interleaved rounds of {round_seconds:g} s per side")
print(f"{'d':>3} {'K':>4} | {'JAX obj':>9} {'Gauss obj':>9} {'× median [range]':>19} | "
      f"{'JAX grad':>9} {'Gauss grad':>10} {'× median [range]':>19} | {'grad/obj':>13} | agree")
failures = []
for d, k in sizes:
    inp = gradbench_input(d, k, n)
    alpha, mu, q, l, x, m, gamma = arrays(inp)
    reference_value = float(objective_jit(alpha, mu, q, l, x, m, gamma))
    reference_gradient = [np.asarray(g) for g in gradient_jit(alpha, mu, q, l, x, m, gamma)]

    def gauss_round(function):
        reply = ask({"kind": "evaluate", "module": "gmm", "function": function,
                     "input": dict(inp, min_runs=2, min_seconds=round_seconds)})
        if not reply["success"]:
            raise RuntimeError(f"gauss-gradbench {function} failed at d={d} K={k}: {reply.get('error')}")
        # The first run of a message rebuilds the tape's buffers for a new input.
        return min(t["nanoseconds"] for t in reply["timings"][1:]) * 1e-9, reply["output"]

    results = {}
    for function, jitted in [("objective", objective_jit), ("jacobian", gradient_jit)]:
        pairs = []
        for _ in range(args.rounds):
            theirs = jax_round(jitted, alpha, mu, q, l, x, m, gamma)
            ours, output = gauss_round(function)
            pairs.append((theirs, ours))
        results[function] = (pairs, output)

    value, gradient = results["objective"][1], results["jacobian"][1]
    ours = [np.array(gradient["alpha"]), np.array(gradient["mu"]), np.array(gradient["q"]),
            np.array(gradient["l"]).reshape(k, d * (d - 1) // 2)]
    agree = abs(value - reference_value) <= 1e-8 * max(1, abs(reference_value)) and all(
        np.max(np.abs(a - b)) <= 1e-8 * max(1, np.max(np.abs(b))) for a, b in zip(ours, reference_gradient) if b.size)
    if not agree:
        failures.append((d, k, "values disagree"))

    def columns(pairs):
        ratios = [theirs / ours for theirs, ours in pairs]
        best_theirs, best_ours = min(p[0] for p in pairs), min(p[1] for p in pairs)
        return (f"{best_theirs * 1e3:>7.3f}ms {best_ours * 1e3:>7.3f}ms "
                f"{median(ratios):>5.2f} [{min(ratios):>4.2f}–{max(ratios):>5.2f}]"), best_ours

    objective_columns, best_objective = columns(results["objective"][0])
    gradient_columns, best_gradient = columns(results["jacobian"][0])
    per_round = [g[1] / o[1] for o, g in zip(results["objective"][0], results["jacobian"][0])]
    print(f"{d:>3} {k:>4} | {objective_columns} | {gradient_columns}  | "
          f"{median(per_round):>4.2f} [{min(per_round):.1f}–{max(per_round):.1f}] | {'yes' if agree else 'NO'}", flush=True)

tool.stdin.close()
tool.wait()
if failures:
    print(f"failures: {failures}", file=sys.stderr)
    sys.exit(1)
