"""Benchmark suite: streaming crypto vs openssl and vs the seed's in-memory way, and the big/small pipelines vs
plain boto3 against a sandbox. ``python -m bench [--size-mib N | --quick]``; results in bench/results/latest.json.

Every measured operation runs in its own child process (bench.worker) so its peak RSS and CPU are its own.
"""
