"""remove_response: `seispool process --inventory` vs ObsPy, whole commands, paired in one run.

usage: .venv/bin/python bench/response_vs_obspy.py --seispool target/release/seispool
           [--before OLD_SEISPOOL] [--runs 3] [--hours 6 24] [--cases light-disp light-vel heavy-disp]

Each case is one 100 Hz Steim2 random-walk trace (6 h and 24 h) and one response from ObsPy's test data:

* light-disp: IU_ANMO_00_BHZ.xml (STS-2 poles and zeros, Q330, one 67-tap FIR), output="DISP",
  pre_filt=[0.005, 0.01, 20, 40];
* light-vel: the same response, output="VEL", no pre_filt (ObsPy's defaults otherwise);
* heavy-disp: hydrophone_response_PA.xml (3F.MRO01..HDH: eight stages, six FIRs, 3269 coefficients),
  output="DISP", the same pre_filt.

Both sides read the MiniSEED, remove the response and write FLOAT64 MiniSEED: seispool as a user runs it
(`seispool process DIR --inventory XML --out OUT ...`, default --jobs), ObsPy as a `python -c` script of
read + read_inventory + remove_response + write (its import included). Runs alternate A/B (and the old
binary, with --before); the table gives medians of wall time and of CPU time (user + sys of the child,
from wait4), the ratio ObsPy/seispool of each (per pair, then the median), and the largest difference of
the outputs relative to the trace's max. Prints the load average before and after.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import obspy
from obspy import Trace, UTCDateTime, read

DATA = os.path.join(os.path.dirname(obspy.__file__), "core", "tests", "data")
PRE_FILT = [0.005, 0.01, 20, 40]
CASES = {
    "light-disp": (
        "IU_ANMO_00_BHZ.xml",
        ("IU", "ANMO", "00", "BHZ"),
        (2020, 1, 1),
        "DISP",
        PRE_FILT,
    ),
    "light-vel": (
        "IU_ANMO_00_BHZ.xml",
        ("IU", "ANMO", "00", "BHZ"),
        (2020, 1, 1),
        "VEL",
        None,
    ),
    "heavy-disp": (
        "hydrophone_response_PA.xml",
        ("3F", "MRO01", "", "HDH"),
        (2021, 1, 1),
        "DISP",
        PRE_FILT,
    ),
    # A response at the trace's own rate: BW.RJOB..EHZ (STS-2, 200 Hz, FIRs of 48 and 285 taps at 2000 and
    # 1000 Hz) on a 200 Hz trace. The light cases put a 20 Hz channel's response (FIR at 20 Hz) on a 100 Hz
    # trace, whose grid repeats the FIR's period five times (seispool evaluates one period); here no FIR
    # period fits in the grid, as for most real channels. Give --hours 3 for the samples of 6 h at 100 Hz.
    "real-disp": (
        "../../data/BW_RJOB.xml",
        ("BW", "RJOB", "", "EHZ"),
        (2020, 1, 1),
        "DISP",
        PRE_FILT,
    ),
}
RATES = {"real-disp": 200.0}

OBSPY_RUN = """
import sys
from obspy import read, read_inventory
src, dst, xml, output, pre_filt = sys.argv[1:6]
pf = None if pre_filt == "none" else [float(x) for x in pre_filt.split(",")]
st = read(src)
st.remove_response(inventory=read_inventory(xml), output=output, pre_filt=pf)
st.write(dst, format="MSEED", encoding="FLOAT64")
"""


def med(xs, i):
    """The median of field `i` over runs `xs`."""
    return statistics.median(x[i] for x in xs)


def ratio(xs, ys, i):
    """The median pair-by-pair ratio of field `i`, ys over xs."""
    return statistics.median(y[i] / x[i] for x, y in zip(xs, ys))


def make_input(path, hours, ident, day, rate=100.0):
    rng = np.random.default_rng(int(hours))
    n = int(hours * 3600 * rate)
    data = np.cumsum(rng.integers(-500, 500, n)).astype(np.int32)
    net, sta, loc, cha = ident
    tr = Trace(
        data,
        header={
            "network": net,
            "station": sta,
            "location": loc,
            "channel": cha,
            "sampling_rate": rate,
            "starttime": UTCDateTime(*day),
        },
    )
    tr.write(path, format="MSEED", encoding="STEIM2")


def timed(cmd):
    """Wall seconds and CPU seconds (user + sys) of one child process."""
    t = time.perf_counter()
    pid = os.posix_spawn(cmd[0], cmd, os.environ)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    return wall, ru.ru_utime + ru.ru_stime


def seispool_cmd(binary, src_dir, xml, out, output, pre_filt):
    pf = "" if pre_filt is None else f", pre_filt={pre_filt}"
    return [
        binary,
        "process",
        src_dir,
        "--inventory",
        xml,
        "--out",
        out,
        "--encoding",
        "FLOAT64",
        "--quiet",
        "--pipeline",
        f"remove_response(output='{output}'{pf})",
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seispool", required=True)
    ap.add_argument("--before", help="an older seispool binary, timed in the same pairs")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--hours", type=float, nargs="+", default=[6, 24])
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    args = ap.parse_args()
    seispool = os.path.abspath(args.seispool)
    print(f"load average at start: {os.getloadavg()}")
    head = "| case | trace | seispool wall / cpu s | ObsPy wall / cpu s | ObsPy÷seispool wall | cpu |"
    if args.before:
        head += " before wall / cpu s | before÷after wall |"
    head += " max difference / max |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    with tempfile.TemporaryDirectory() as d:
        for hours in args.hours:
            for case in args.cases:
                xml_name, ident, day, output, pre_filt = CASES[case]
                xml = os.path.join(DATA, xml_name)
                tag = f"{case}-{hours:g}"
                src_dir = os.path.join(d, f"in-{tag}")
                os.makedirs(src_dir)
                src = os.path.join(src_dir, "trace.mseed")
                rate = RATES.get(case, 100.0)
                make_input(src, hours, ident, day, rate)
                ours_out = os.path.join(d, f"out-{tag}")
                old_out = os.path.join(d, f"old-{tag}")
                theirs = os.path.join(d, f"obspy-{tag}.mseed")
                pf = "none" if pre_filt is None else ",".join(str(x) for x in pre_filt)
                obspy_cmd = [
                    sys.executable,
                    "-c",
                    OBSPY_RUN,
                    src,
                    theirs,
                    xml,
                    output,
                    pf,
                ]
                a, b, c = [], [], []
                for _ in range(args.runs):
                    a.append(timed(seispool_cmd(seispool, src_dir, xml, ours_out, output, pre_filt)))
                    b.append(timed(obspy_cmd))
                    if args.before:
                        c.append(
                            timed(
                                seispool_cmd(
                                    os.path.abspath(args.before),
                                    src_dir,
                                    xml,
                                    old_out,
                                    output,
                                    pre_filt,
                                )
                            )
                        )
                got = read(os.path.join(ours_out, "trace.mseed"))[0].data
                want = read(theirs)[0].data
                diff = np.abs(got - want).max() / np.abs(want).max()
                row = (
                    f"| {case} | {hours:g} h at {rate:g} Hz ({int(hours * 3600 * rate)} samples) | {med(a, 0):.2f} / {med(a, 1):.2f} "
                    f"| {med(b, 0):.2f} / {med(b, 1):.2f} | {ratio(a, b, 0):.1f}× | {ratio(a, b, 1):.1f}× |"
                )
                if args.before:
                    row += f" {med(c, 0):.2f} / {med(c, 1):.2f} | {ratio(a, c, 0):.2f}× |"
                print(row + f" {diff:.1e} |", flush=True)
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
