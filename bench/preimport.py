"""No benchmarks: imports torch in the processes that import the whole suite.

asv imports every module of ``bench/`` to discover the benchmarks, and its
fork server (``asv.conf.json``: ``"launch_method": "forkserver"``) does the
same before forking one child per benchmark, so torch's import (~2 s) is paid
once there instead of in every child that times a torch form.  A spawned
benchmark process imports only its own module (``benchmarks``), never this
one.  fastrelu is not imported here: see ``benchmarks.py``'s docstring.
"""

try:
    import torch  # noqa: F401
except Exception:  # not installed or broken: the torch benchmarks skip themselves
    pass
