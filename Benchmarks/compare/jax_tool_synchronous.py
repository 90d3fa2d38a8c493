"""Runs gradbench's JAX tool (the script given) with synchronous CPU dispatch.

    python jax_tool_synchronous.py GRADBENCH/python/gradbench/gradbench/tools/jax/run.py [ARGS]

Since JAX 0.4.31 a jitted call on the CPU returns before its result is
computed, and gradbench's JAX tool does not wait for the result inside its
timed loop, so its timings would be of the dispatch alone. With
jax_cpu_enable_async_dispatch off (the JAX_CPU_ENABLE_ASYNC_DISPATCH
variable is not read by JAX 0.10), each call returns its computed result and
the tool's own timing includes the work. Nothing else about the tool
changes: it runs as its own script, with its directory on the path.
"""
import os
import runpy
import sys

import jax

jax.config.update("jax_cpu_enable_async_dispatch", False)
script = os.path.abspath(sys.argv[1])
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(script))
runpy.run_path(script, run_name="__main__")
