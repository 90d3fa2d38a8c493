"""gradbench's own GMM evaluation, run against JAX's tool and gauss-gradbench.

    python gradbench_eval.py --gradbench DIR [--tools jax,gauss] [-d 2 10 ...] [-k 5 10 ...]
                             [--rounds R] [--min-seconds S] [--markdown]

DIR is a gradbench working tree whose validator, tools/manual/bin/gmm, is
built (scripts/compare-gmm does all of this). For each tool and round this
starts gradbench's eval (python -m gradbench.evals.gmm.run, which generates
the inputs, sends them over gradbench's protocol, and checks every output
against the manual C++ implementation) and the tool, and passes their
messages to each other line by line, as the gradbench command does. The
time reported for a tool is what gradbench reports: the minimum of the
tool's "evaluate" timings for that input, here also over the rounds. The
tools run as gradbench runs them by default: JAX's tool pins itself to one
processor; gauss-gradbench is given its own default threads, unless
--one-core pins it too (taskset -c 0).
"""
import argparse
import json
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..", "..")

parser = argparse.ArgumentParser()
parser.add_argument("--gradbench", required=True, help="a gradbench working tree with tools/manual/bin/gmm built")
parser.add_argument("--tools", default="jax,gauss")
parser.add_argument("-d", nargs="+", type=int, default=[2, 10, 20, 32, 64])
parser.add_argument("-k", nargs="+", type=int, default=[5, 10, 25, 50, 100])
parser.add_argument("-n", type=int, default=1000)
parser.add_argument("--min-seconds", type=float, default=1.0, help="gradbench's default: 1")
parser.add_argument("--min-runs", type=int, default=2,
                    help="gradbench's default is 1, which times only the compiling first call when it takes over --min-seconds")
parser.add_argument("--rounds", type=int, default=1)
parser.add_argument("--one-core", action="store_true", help="pin gauss-gradbench to processor 0, as JAX's tool pins itself")
parser.add_argument("--json", help="also write every result to this file")
args = parser.parse_args()

gradbench = os.path.abspath(args.gradbench)
environment = dict(os.environ, PYTHONPATH=os.path.join(gradbench, "python", "gradbench"))
gauss_binary = os.path.join(root, "Benchmarks", ".build", "release", "gauss-gradbench")
commands = {
    # JAX dispatches asynchronously on the CPU since 0.4.31, and gradbench's JAX tool
    # does not wait for results inside its timed loop, so it would time the dispatch
    # alone (microseconds at every size): its script runs with synchronous dispatch.
    "jax": [sys.executable, os.path.join(here, "jax_tool_synchronous.py"),
            os.path.join(gradbench, "python", "gradbench", "gradbench", "tools", "jax", "run.py")],
    "gauss": (["taskset", "-c", "0"] if args.one_core else []) + [gauss_binary],
}


def run_eval(tool):
    """One run of the eval against `tool`: {(description, function): (min ns, valid, error)}."""
    evaluation = subprocess.Popen(
        [sys.executable, "-m", "gradbench.evals.gmm.run", "-d", *map(str, args.d), "-k", *map(str, args.k),
         "-n", str(args.n), "--min-seconds", str(args.min_seconds), "--min-runs", str(args.min_runs)],
        cwd=gradbench, env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    implementation = subprocess.Popen(commands[tool], cwd=gradbench, env=environment,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    evaluations, results = {}, {}
    try:
        for line in evaluation.stdout:
            message = json.loads(line)
            implementation.stdin.write(line)
            implementation.stdin.flush()
            if message["kind"] == "end":
                break
            reply_line = implementation.stdout.readline()
            if not reply_line:
                raise RuntimeError(f"{tool} closed its output at message {message['id']} ({message['kind']})")
            reply = json.loads(reply_line)
            if message["kind"] == "define" and not reply.get("success"):
                raise RuntimeError(f"{tool} cannot define the module: {reply.get('error')}")
            if message["kind"] == "evaluate":
                key = (message.get("description", ""), message["function"])
                if not reply.get("success"):
                    results[key] = (None, False, reply.get("error"))
                else:
                    evaluations[message["id"]] = key
                    times = [t["nanoseconds"] for t in reply.get("timings", []) if t["name"] == "evaluate"]
                    results[key] = (min(times), None, None)
                    sys.stderr.write(f"{tool} {key[0]} {key[1]}: {min(times) / 1e6:.3f} ms\n")
            if message["kind"] == "analysis" and message["of"] in evaluations:
                key = evaluations[message["of"]]
                results[key] = (results[key][0], message["valid"], message.get("error"))
            evaluation.stdin.write(reply_line)
            evaluation.stdin.flush()
    finally:
        for process in (implementation, evaluation):
            process.stdin.close()
            process.wait()
    return results


tools = args.tools.split(",")
best = {tool: {} for tool in tools}
for _ in range(args.rounds):
    for tool in tools:
        for key, (nanoseconds, valid, error) in run_eval(tool).items():
            previous = best[tool].get(key)
            if nanoseconds is None or not valid:
                best[tool][key] = (previous[0] if previous else None, False, error)
            elif previous is None or (previous[0] is not None and nanoseconds < previous[0] and previous[1]):
                best[tool][key] = (nanoseconds, True, None)

keys = sorted(best[tools[0]], key=lambda key: (tuple(int(v) for v in key[0].split("_")), key[1]))
try:
    import jax
    jax_version = f"JAX {jax.__version__}, "
except ImportError:
    jax_version = ""
print(f"gradbench gmm eval, {jax_version}n = {args.n}, --min-seconds {args.min_seconds} --min-runs {args.min_runs}, {args.rounds} round(s); "
      f"minimum 'evaluate' time per input; JAX pinned to one processor by its tool"
      + ("; gauss pinned to one processor" if args.one_core else "; gauss with its default threads"))
header = "| d, K | function | " + " | ".join(tools) + (" | ratio (jax / gauss) | gauss gradient / objective |" if tools == ["jax", "gauss"] else " |")
print(header)
print("|" + "---|" * (header.count("|") - 1))
for key in keys:
    d, k, _ = key[0].split("_")
    cells = []
    for tool in tools:
        nanoseconds, valid, error = best[tool].get(key, (None, False, "missing"))
        cells.append("failed" if nanoseconds is None else f"{nanoseconds / 1e6:.3f} ms" + ("" if valid else " (WRONG)"))
    row = f"| {d}, {k} | {key[1]} | " + " | ".join(cells)
    if tools == ["jax", "gauss"]:
        jax_ns, gauss_ns = best["jax"].get(key, (None,))[0], best["gauss"].get(key, (None,))[0]
        row += f" | {jax_ns / gauss_ns:.2f}×" if jax_ns and gauss_ns else " | –"
        objective = best["gauss"].get((key[0], "objective"), (None,))[0]
        row += f" | {gauss_ns / objective:.2f} |" if key[1] == "jacobian" and objective and gauss_ns else " | |"
    else:
        row += " |"
    print(row)
invalid = [(tool, key, best[tool][key][2]) for tool in tools for key in best[tool] if not best[tool][key][1]]
for tool, key, error in invalid:
    print(f"\n{tool} {key[0]} {key[1]}: not valid: {(error or '')[:500]}")
if args.json:
    with open(args.json, "w") as file:
        json.dump({tool: {f"{key[0]} {key[1]}": value for key, value in best[tool].items()} for tool in tools}, file, indent=1)
sys.exit(1 if invalid else 0)
