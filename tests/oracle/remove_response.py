"""ObsPy oracle for Trace.remove_response / remove_sensitivity, one process for all cases.

usage: remove_response.py OUT_DIR SPEC.json

SPEC: {"files": [...StationXML...], "synthetic": true, "waveforms": [[mseed, xml], ...],
       "npts": [3001, 4000], "options": [{...remove_response kwargs...}, ...]}

For every channel epoch with a response in every file (plus the synthetic inventories of
response_eval.py when asked), a trace of seeded noise starting one hour into the epoch is written to
OUT_DIR/in_<t>.f64 and every option set is applied (`"sensitivity": true` means remove_sensitivity);
results go to OUT_DIR/out_<t>_<o>.f64 or record the error. Without a water level, "rounding" records
how far ObsPy's own result moves when the FIR coefficients move by one ulp. Waveform pairs use the real samples.
Prints a JSON manifest on stdout.
"""
import copy
import json
import os
import sys
import warnings

import numpy as np
from obspy import Trace, UTCDateTime, read, read_inventory
from obspy.core.inventory.response import CoefficientsTypeResponseStage, FIRResponseStage

sys.path.insert(0, os.path.dirname(__file__))
from response_eval import synthetic  # noqa: E402


def epochs(path):
    inv = read_inventory(path)
    for net in inv:
        for sta in net:
            for cha in sta:
                if cha.response is None:
                    continue
                start = cha.start_date or UTCDateTime(2020, 1, 1)
                rate = cha.sample_rate or 20.0
                yield inv, "%s.%s.%s.%s" % (net.code, sta.code, cha.location_code, cha.code), start + 3600, rate


def nudged(inv):
    """The inventory with every FIR and coefficient numerator moved by one ulp: how much ObsPy's own
    result depends on rounding (plain inversion amplifies FIR stopband rounding noise)."""
    inv = copy.deepcopy(inv)
    for net in inv:
        for sta in net:
            for cha in sta:
                for st in (cha.response.response_stages if cha.response else []):
                    if isinstance(st, FIRResponseStage):
                        st.coefficients = [np.nextafter(float(c), np.inf) for c in st.coefficients]
                    elif isinstance(st, CoefficientsTypeResponseStage):
                        st.numerator = [np.nextafter(float(c), np.inf) for c in st.numerator]
    return inv


def apply(tr, inv, opts):
    tr = tr.copy()
    opts = dict(opts)
    if opts.pop("sensitivity", False):
        tr.remove_sensitivity(inventory=inv)
    else:
        tr.remove_response(inventory=inv, **opts)
    return tr.data.astype("<f8")


def main():
    out_dir, spec_path = sys.argv[1], sys.argv[2]
    with open(spec_path) as fh:
        spec = json.load(fh)
    files = list(spec["files"])
    if spec.get("synthetic"):
        files += synthetic(out_dir)
    warnings.simplefilter("ignore")
    traces = []
    for fi, path in enumerate(files):
        for ei, (inv, sid, start, rate) in enumerate(epochs(path)):
            npts = spec["npts"][len(traces) % len(spec["npts"])]
            rng = np.random.default_rng(len(traces))
            data = np.cumsum(rng.standard_normal(npts)) * 1000.0 + 5000.0
            tr = Trace(data=data, header={"starttime": start, "sampling_rate": rate})
            tr.id = sid
            traces.append((path, tr, inv))
    for mseed, xml in spec.get("waveforms", []):
        inv = read_inventory(xml)
        for tr in read(mseed):
            traces.append((xml, tr, inv))
    manifest = {"traces": []}
    for ti, (path, tr, inv) in enumerate(traces):
        name = "in_%d.f64" % ti
        tr.data.astype("<f8").tofile(os.path.join(out_dir, name))
        entry = {"xml": path, "id": tr.id, "starttime_ns": tr.stats.starttime.ns,
                 "sampling_rate": tr.stats.sampling_rate, "input": name, "results": []}
        for oi, opts in enumerate(spec["options"]):
            try:
                out = apply(tr, inv, opts)
                oname = "out_%d_%d.f64" % (ti, oi)
                out.tofile(os.path.join(out_dir, oname))
                result = {"option": oi, "file": oname}
                if "water_level" in opts and opts["water_level"] is None:
                    result["rounding"] = float(np.abs(apply(tr, nudged(inv), opts) - out).max())
                entry["results"].append(result)
            except Exception as e:  # noqa: BLE001 - the oracle reports every refusal
                entry["results"].append({"option": oi, "error": "%s: %s" % (type(e).__name__, e)})
        manifest["traces"].append(entry)
    json.dump(manifest, sys.stdout)


if __name__ == "__main__":
    main()
