"""ObsPy 1.5.1 PPSD oracle: runs `PPSD(stats, metadata, **params).add(stream)` for each case of a JSON
list and prints one JSON result per case (setup arrays, times processed, binned PSDs, histogram, the
evaluated response, warnings).

A case: {"raw": path of float64 samples, "sampling_rate", "starttime", "id"} or {"files": [paths]},
"id" (the PPSD's seed id), "metadata": {"paz": {...}} | {"sensitivity": s} | {"inventory": path},
"params": PPSD keyword arguments, optional "npz": where to save_npz.
"""

import json
import sys
import warnings

import numpy as np
from obspy import Stream, Trace, UTCDateTime, read
from obspy.signal import PPSD
from obspy.signal.spectral_estimation import get_nhnm, get_nlnm


def stream_of(case):
    if "files" in case:
        st = Stream()
        for f in case["files"]:
            st += read(f)
        return st
    data = np.fromfile(case["raw"], dtype="<f8")
    net, sta, loc, cha = case["id"].split(".")
    tr = Trace(data=data)
    tr.stats.network, tr.stats.station, tr.stats.location, tr.stats.channel = net, sta, loc, cha
    tr.stats.sampling_rate = case["sampling_rate"]
    tr.stats.starttime = UTCDateTime(case["starttime"])
    return Stream([tr])


def trimmed(st, window):
    if window:
        t0 = UTCDateTime(window[0]) if window[0] else None
        t1 = UTCDateTime(window[1]) if window[1] else None
        for tr in st:
            tr.trim(t0, t1)
        st.traces = [tr for tr in st if tr.stats.npts > 0]
    return st


def metadata_of(case):
    m = case["metadata"]
    if "paz" in m:
        p = m["paz"]
        return {
            "poles": [complex(*z) for z in p["poles"]],
            "zeros": [complex(*z) for z in p["zeros"]],
            "gain": p["gain"],
            "sensitivity": p["sensitivity"],
        }
    if "sensitivity" in m:
        # ObsPy 1.5.1 evaluates a dict's poles and zeros at __init__ even for ringlaser.
        return {"poles": [], "zeros": [], "gain": 1.0, "sensitivity": m["sensitivity"]}
    if "epochs" in m:
        inv = inventory_of(case["id"], m["epochs"])
        if m.get("write_inventory"):
            inv.write(m["write_inventory"], format="STATIONXML")
        return inv
    return m["inventory"]


def inventory_of(seed_id, epochs):
    """An Inventory with one channel epoch per entry, each with a PAZ response."""
    from obspy.core.inventory import Channel, Inventory, Network, Response, Station
    net, sta, loc, cha = seed_id.split(".")
    channels = []
    for e in epochs:
        p = e["paz"]
        resp = Response.from_paz(
            zeros=[complex(*z) for z in p["zeros"]], poles=[complex(*z) for z in p["poles"]],
            stage_gain=p["sensitivity"], stage_gain_frequency=1.0, input_units="M/S",
            output_units="COUNTS", normalization_frequency=1.0, normalization_factor=p["gain"])
        channels.append(Channel(cha, loc, 0.0, 0.0, 0.0, 0.0,
                                start_date=UTCDateTime(e["start"]) if e.get("start") else None,
                                end_date=UTCDateTime(e["end"]) if e.get("end") else None,
                                response=resp))
    return Inventory(networks=[Network(net, stations=[Station(sta, 0.0, 0.0, 0.0, channels=channels)])])


def run(case):
    st = trimmed(stream_of(case), case.get("trim"))
    net, sta, loc, cha = case["id"].split(".")
    from obspy.core import Stats
    stats = Stats({"network": net, "station": sta, "location": loc, "channel": cha,
             "sampling_rate": case.get("sampling_rate") or st[0].stats.sampling_rate})
    params = dict(case.get("params", {}))
    for k in ("db_bins", "period_limits"):
        if k in params and params[k] is not None:
            params[k] = tuple(params[k])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ppsd = PPSD(stats, metadata_of(case), **params)
        changed = ppsd.add(st)
        if case.get("add_again"):
            changed = ppsd.add(stream_of({"files": case["add_again"]}))
    out = {
        "changed": bool(changed),
        "nfft": ppsd.nfft, "nlap": ppsd.nlap, "len": ppsd.len,
        "psd_periods": ppsd.psd_periods.tolist(),
        "period_binning": ppsd._period_binning.tolist(),
        "db_bin_edges": ppsd.db_bin_edges.tolist(),
        "times_processed": [int(t) for t in ppsd._times_processed],
        "times_data": [[int(a), int(b)] for a, b in ppsd._times_data],
        "times_gaps": [[int(a), int(b)] for a, b in ppsd._times_gaps],
        "binned_psds": [[float(v) if np.isfinite(v) else None for v in p] for p in ppsd._binned_psds],
        "warnings": [str(w.message) for w in caught],
    }
    if ppsd._times_processed:
        ppsd.calculate_histogram()
        out["histogram"] = ppsd.current_histogram.astype(np.int64).tolist()
        out["mode"] = ppsd.get_mode()[1].tolist()
        out["mean"] = ppsd.get_mean()[1].tolist()
    resp = ppsd.responses[0]["response"] if ppsd.responses and "paz" in case["metadata"] else None
    if resp is not None:
        out["response_re"] = resp.real.tolist()
        out["response_im"] = resp.imag.tolist()
    if ppsd.responses and "paz" not in case["metadata"]:
        out["epochs"] = [{"start": int(r["start_time"]._ns), "end": int(r["end_time"]._ns),
                          "re": r["response"].real.tolist(), "im": r["response"].imag.tolist()}
                         for r in ppsd.responses]
    if case.get("reference"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = PPSD.load_npz(case["reference"], allow_pickle=True)
        out["reference"] = {"times_processed": [int(t) for t in ref._times_processed],
                            "binned_psds": [[float(v) for v in p] for p in ref._binned_psds]}
    if case.get("npz"):
        ppsd.save_npz(case["npz"])
    return out


def main():
    cases = json.load(open(sys.argv[1]))
    results = [run(c) for c in cases]
    p, lo = get_nlnm()
    _, hi = get_nhnm()
    print(json.dumps({"cases": results, "nlnm": [p.tolist(), lo.tolist()], "nhnm": hi.tolist()}))


main()
