"""``python -m fastrelu info | bench | tune``."""

import argparse
import sys


def main(argv=None) -> int:
    from fastrelu import _bench

    p = argparse.ArgumentParser(prog="python -m fastrelu")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="show the build, CPU features and chosen kernels")
    _bench.add_arguments(sub.add_parser(
        "bench", help="time the kernels against the roofline, NumPy and torch"))
    sub.add_parser("tune", help="time the candidates on this machine, store the wisdom")
    args = p.parse_args(argv)

    import fastrelu

    if args.command == "info":
        fastrelu.show_config()
        return 0
    if args.command == "tune":
        from fastrelu import _tune

        _wisdom, rows = _tune.tune()
        print(_tune.format_rows(rows))
        print(f"wisdom: {_tune.wisdom_path()}")
        return 0
    return _bench.run(args)


if __name__ == "__main__":
    sys.exit(main())
