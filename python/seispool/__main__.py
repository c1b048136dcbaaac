"""`seispool` console entry point: runs the Rust command line in-process."""

import sys


def main() -> None:
    from seispool._seispool import cli_main

    sys.exit(cli_main(["seispool", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
