"""The ObsPy equivalent of `seispool process`: read each file, apply the pipeline's method calls to the
Stream (the pipeline text *is* ObsPy syntax), write the result, on a multiprocessing.Pool.

usage: obspy_process.py IN_DIR OUT_DIR PIPELINE JOBS [ENCODING]
Uses the forkserver start method, so it does not hang on BLAS/OpenMP threads (the seed bug).
Prints one JSON line: {"files": n, "seconds": wall}.
"""

import json
import multiprocessing
import os
import sys
import time


def calls(pipeline):
    """Split the pipeline into method-call strings (';' or newline separated, '#' comments)."""
    out, depth, cur, quote = [], 0, "", None
    for line in pipeline.splitlines():
        for ch in line:
            if quote:
                cur += ch
                if ch == quote:
                    quote = None
                continue
            if ch in "\"'":
                quote = ch
            elif ch == "#":
                break
            elif ch in "([":
                depth += 1
            elif ch in ")]":
                depth -= 1
            elif ch == ";" and depth == 0:
                out.append(cur.strip())
                cur = ""
                continue
            cur += ch
        if depth == 0:
            out.append(cur.strip())
            cur = ""
    return [c for c in out if c]


def process_one(args):
    import obspy

    src, dst, pipeline, encoding = args
    st = obspy.read(src)
    for call in calls(pipeline):
        call = call[3:] if call.startswith(("st.", "tr.")) else call
        eval("st." + call, {"st": st, "UTCDateTime": obspy.UTCDateTime})
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if len(st):
        for tr in st:
            tr.data = tr.data.astype("float32" if encoding == "FLOAT32" else "float64")
        st.write(dst, format="MSEED", encoding=encoding)
    return dst


def main():
    src_dir, out_dir, pipeline, jobs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    encoding = sys.argv[5] if len(sys.argv) > 5 else "FLOAT32"
    tasks = []
    for root, _, files in os.walk(src_dir):
        for name in sorted(files):
            if name.startswith("."):
                continue
            src = os.path.join(root, name)
            rel = os.path.relpath(src, src_dir)
            tasks.append((src, os.path.join(out_dir, rel), pipeline, encoding))
    tasks.sort()
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(jobs) as pool:
        pool.map(process_one, tasks, chunksize=1)
    print(json.dumps({"files": len(tasks), "seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    main()
