"""asv benchmark suite of fastrelu; see benchmarks.py and asv.conf.json."""
