"""Oracle for the SDS tests: which day files ObsPy's SDS client would read for each query.

usage: sds_oracle.py QUERIES.json
QUERIES.json: {"root": ..., "queries": [{"net", "sta", "loc", "cha", "start_ns", "end_ns",
               "type", "border_seconds", "border_samples"}, ...]}
Prints one JSON line per query: the sorted paths from Client._get_filenames, relative to root.
"""
import json
import os
import sys

from obspy import UTCDateTime
from obspy.clients.filesystem.sds import Client


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    root = spec["root"]
    clients = {}
    for q in spec["queries"]:
        key = (q["type"], q["border_seconds"], q["border_samples"])
        if key not in clients:
            clients[key] = Client(root, sds_type=q["type"], fileborder_seconds=q["border_seconds"],
                                  fileborder_samples=q["border_samples"])
        paths = clients[key]._get_filenames(q["net"], q["sta"], q["loc"], q["cha"],
                                            UTCDateTime(ns=q["start_ns"]), UTCDateTime(ns=q["end_ns"]))
        print(json.dumps(sorted(os.path.relpath(p, root) for p in paths)))


if __name__ == "__main__":
    main()
