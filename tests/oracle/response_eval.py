"""ObsPy oracle for instrument responses, one process for all cases.

usage: response_eval.py OUT_DIR SPEC.json

SPEC: {"files": [...StationXML paths...], "cases": [[t_samp, nfft], ...], "outputs": ["VEL", ...],
       "write_synthetic": true}
With write_synthetic, StationXML files that exercise evalresp's rules (renormalised stages,
accelerometers, nm/cm units, Hz and digital poles and zeros, IIR and asymmetric FIR coefficients,
palindromic FIRs, delay corrections, response lists) are first written by ObsPy into OUT_DIR and
appended to the file list.

For every channel epoch with a response (document order: network, station, channel), every case and
every output, writes OUT_DIR/r_<file>_<chan>_<case>_<output>.bin (complex128 little-endian) or records
the error. Prints a JSON manifest on stdout.
"""
import copy
import json
import os
import sys
import warnings

import numpy as np
import obspy
from obspy import read_inventory
from obspy.core.inventory.response import (
    CoefficientsTypeResponseStage,
    FIRResponseStage,
    PolesZerosResponseStage,
    ResponseListElement,
    ResponseListResponseStage,
)

DATA = os.path.join(os.path.dirname(obspy.__file__), "core", "tests", "data")


def anmo():
    return read_inventory(os.path.join(DATA, "IU_ANMO_00_BHZ.xml"))


def synthetic(out_dir):
    """StationXML files written by ObsPy, each exercising one evalresp rule."""
    made = {}

    # Stage gains at frequencies other than the sensitivity's: evalresp renormalises them.
    inv = anmo()
    r = inv[0][0][0].response
    r.response_stages[0].stage_gain_frequency = 0.2
    r.response_stages[0].normalization_frequency = 0.3
    r.response_stages[1].stage_gain_frequency = 5.0
    made["renormalised"] = inv

    # Accelerometer in nm/s**2 with a Hz pole-zero stage.
    inv = anmo()
    r = inv[0][0][0].response
    s = r.response_stages[0]
    s.input_units = "NM/S**2"
    r.instrument_sensitivity.input_units = "NM/S**2"
    s.pz_transfer_function_type = "LAPLACE (HERTZ)"
    s.poles = [p / (2 * np.pi) for p in s.poles]
    s.zeros = [z / (2 * np.pi) for z in s.zeros]
    s.normalization_factor = s.calculate_normalization_factor()
    made["accel_nm_hz"] = inv

    # Displacement sensor in cm and velocity sensor in mm/s.
    for name, unit in (("disp_cm", "CM"), ("vel_mm", "MM/S"), ("acc_m", "M/S**2")):
        inv = anmo()
        r = inv[0][0][0].response
        r.response_stages[0].input_units = unit
        r.instrument_sensitivity.input_units = unit
        made[name] = inv

    # Digital pole-zero stage, IIR coefficients, an asymmetric FIR that is not normalised and has a
    # delay correction, and a palindromic FIR written as NONE.
    inv = anmo()
    r = inv[0][0][0].response
    fs = 40.0
    stages = r.response_stages[:2]
    last = r.response_stages[2]
    common = dict(input_units="COUNTS", output_units="COUNTS", stage_gain=1.0, stage_gain_frequency=0.02,
                  decimation_input_sample_rate=fs, decimation_factor=1, decimation_offset=0,
                  decimation_delay=0.0, decimation_correction=0.0)
    stages.append(copy.deepcopy(last))
    stages[-1].stage_sequence_number = 3
    stages.append(PolesZerosResponseStage(
        4, pz_transfer_function_type="DIGITAL (Z-TRANSFORM)", normalization_frequency=0.02,
        zeros=[complex(-1, 0)], poles=[complex(0.5, 0.2), complex(0.5, -0.2)], normalization_factor=0.6,
        **common))
    stages.append(CoefficientsTypeResponseStage(
        5, cf_transfer_function_type="DIGITAL", numerator=[0.2, 0.3, 0.1], denominator=[1.0, -0.4],
        **common))
    asym = dict(common, decimation_correction=0.05, decimation_delay=0.05)
    stages.append(CoefficientsTypeResponseStage(
        6, cf_transfer_function_type="DIGITAL", numerator=[0.5, 0.9, 0.35, -0.1, 0.05], denominator=[],
        **asym))
    stages.append(FIRResponseStage(7, symmetry="NONE", coefficients=[0.1, 0.25, 0.3, 0.25, 0.1], **common))
    stages.append(FIRResponseStage(8, symmetry="EVEN", coefficients=[-0.05, 0.2, 0.35], **common))
    stages.append(FIRResponseStage(9, symmetry="ODD", coefficients=[0.05, 0.2, 0.5], **common))
    r.response_stages = stages
    r.recalculate_overall_sensitivity(0.02)
    made["digital_stages"] = inv

    # A response list stage followed by a digitiser gain.
    inv = anmo()
    r = inv[0][0][0].response
    f = np.logspace(-3, 1.5, 40)
    pz = r.response_stages[0]
    resp = pz.normalization_factor * np.prod([1j * 2 * np.pi * f - z for z in pz.zeros], axis=0) / np.prod(
        [1j * 2 * np.pi * f - p for p in pz.poles], axis=0) * pz.stage_gain
    elems = [ResponseListElement(fi, abs(v), np.degrees(np.angle(v))) for fi, v in zip(f, resp)]
    stage1 = ResponseListResponseStage(1, stage_gain=1.0, stage_gain_frequency=0.02, input_units="M/S",
                                       output_units="V", response_list_elements=elems)
    r.response_stages = [stage1, r.response_stages[1]]
    made["response_list"] = inv

    paths = []
    for name, inv in made.items():
        p = os.path.join(out_dir, "synthetic_%s.xml" % name)
        inv.write(p, format="STATIONXML")
        paths.append(p)
    return paths


def main():
    out_dir, spec_path = sys.argv[1], sys.argv[2]
    with open(spec_path) as fh:
        spec = json.load(fh)
    files = list(spec["files"])
    if spec.get("write_synthetic"):
        files += synthetic(out_dir)
    manifest = {"files": files, "channels": []}
    warnings.simplefilter("ignore")
    for fi, path in enumerate(files):
        inv = read_inventory(path)
        ci = 0
        for net in inv:
            for sta in net:
                for cha in sta:
                    if cha.response is None:
                        continue
                    entry = {"file": fi, "chan": ci, "id": "%s.%s.%s.%s" % (net.code, sta.code,
                             cha.location_code, cha.code), "results": []}
                    for ki, (t_samp, nfft) in enumerate(spec["cases"]):
                        for output in spec["outputs"]:
                            try:
                                v, _ = cha.response.get_evalresp_response(t_samp, nfft, output=output)
                                name = "r_%d_%d_%d_%s.bin" % (fi, ci, ki, output)
                                v.astype("<c16").tofile(os.path.join(out_dir, name))
                                entry["results"].append({"case": ki, "output": output, "file": name})
                            except Exception as e:  # noqa: BLE001 - the oracle reports every refusal
                                entry["results"].append({"case": ki, "output": output,
                                                         "error": "%s: %s" % (type(e).__name__, e)})
                    manifest["channels"].append(entry)
                    ci += 1
    json.dump(manifest, sys.stdout)


if __name__ == "__main__":
    main()
