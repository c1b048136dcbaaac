//! `Trace` ⇄ Python. A trace crosses the boundary as a "raw" tuple
//! `(network, station, location, channel, starttime_ns, sampling_rate, npts, data, is_text, mseed, headers)`;
//! `data` is a 1-D numpy array (int32, float32, float64, or uint8 for text) that Rust hands over without a
//! copy (`PyArray1::from_vec` takes ownership of the `Vec`). The Python classes live in `seispool/core.py`.

use std::collections::BTreeMap;

use numpy::{PyArray1, PyReadonlyArray1, PyReadwriteArray1, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use seispool_core::{ChannelId, HeaderValue, MseedInfo, Samples, Stats, Stream, Time, Trace};

/// Python objects of one trace (owning the sample buffer).
pub fn trace_to_py<'py>(py: Python<'py>, trace: Trace) -> PyResult<Bound<'py, PyTuple>> {
    let Trace { stats, data } = trace;
    let (array, text) = match data {
        Samples::I32(v) => (PyArray1::from_vec(py, v).into_any(), false),
        Samples::F32(v) => (PyArray1::from_vec(py, v).into_any(), false),
        Samples::F64(v) => (PyArray1::from_vec(py, v).into_any(), false),
        Samples::Text(v) => (PyArray1::from_vec(py, v).into_any(), true),
    };
    let mseed = match &stats.mseed {
        Some(m) => {
            let d = PyDict::new(py);
            d.set_item("encoding", m.encoding)?;
            d.set_item("record_length", m.record_length)?;
            d.set_item("big_endian", m.big_endian)?;
            d.set_item("dataquality", m.dataquality.to_string())?;
            d.set_item("number_of_records", m.number_of_records)?;
            d.set_item("version", m.version)?;
            d.into_any()
        }
        None => py.None().into_bound(py),
    };
    let headers = PyDict::new(py);
    for (k, v) in &stats.headers {
        match v {
            HeaderValue::Int(i) => headers.set_item(k, i)?,
            HeaderValue::Float(f) => headers.set_item(k, f)?,
            HeaderValue::Text(s) => headers.set_item(k, s)?,
        }
    }
    let id = &stats.id;
    PyTuple::new(
        py,
        [
            id.network.as_str().into_pyobject(py)?.into_any(),
            id.station.as_str().into_pyobject(py)?.into_any(),
            id.location.as_str().into_pyobject(py)?.into_any(),
            id.channel.as_str().into_pyobject(py)?.into_any(),
            stats.starttime.ns().into_pyobject(py)?.into_any(),
            stats.sampling_rate.into_pyobject(py)?.into_any(),
            stats.npts.into_pyobject(py)?.into_any(),
            array,
            pyo3::types::PyBool::new(py, text).to_owned().into_any(),
            mseed,
            headers.into_any(),
        ],
    )
}

/// Python list of raw tuples for a stream.
pub fn stream_to_py<'py>(py: Python<'py>, stream: Stream) -> PyResult<Vec<Bound<'py, PyTuple>>> {
    stream.traces.into_iter().map(|t| trace_to_py(py, t)).collect()
}

fn samples_from_py(data: &Bound<'_, PyAny>, text: bool) -> PyResult<Samples> {
    fn copy<T: numpy::Element + Clone>(a: PyReadonlyArray1<'_, T>) -> Vec<T> {
        match a.as_slice() {
            Ok(s) => s.to_vec(),
            Err(_) => a.as_array().iter().cloned().collect(),
        }
    }
    if let Ok(a) = data.extract::<PyReadonlyArray1<'_, i32>>() {
        return Ok(Samples::I32(copy(a)));
    }
    if let Ok(a) = data.extract::<PyReadonlyArray1<'_, f64>>() {
        return Ok(Samples::F64(copy(a)));
    }
    if let Ok(a) = data.extract::<PyReadonlyArray1<'_, f32>>() {
        return Ok(Samples::F32(copy(a)));
    }
    if text && let Ok(a) = data.extract::<PyReadonlyArray1<'_, u8>>() {
        return Ok(Samples::Text(copy(a)));
    }
    let what = match data.cast::<numpy::PyUntypedArray>() {
        Ok(a) => format!("a {}-d array of dtype {}", a.ndim(), a.dtype()),
        Err(_) => format!("a {}", data.get_type().name()?),
    };
    Err(PyTypeError::new_err(format!(
        "trace data must be a 1-d numpy array of int32, float32 or float64 (or uint8 text); got {what}"
    )))
}

fn mseed_from_py(d: &Bound<'_, PyAny>) -> PyResult<Option<MseedInfo>> {
    if d.is_none() {
        return Ok(None);
    }
    let d = d.cast::<PyDict>()?;
    let get = |k: &str| d.get_item(k);
    let mut m = MseedInfo::default();
    if let Some(v) = get("encoding")? {
        m.encoding = v.extract()?;
    }
    if let Some(v) = get("record_length")? {
        m.record_length = v.extract()?;
    }
    if let Some(v) = get("big_endian")? {
        m.big_endian = v.extract()?;
    }
    if let Some(v) = get("dataquality")? {
        let s: String = v.extract()?;
        m.dataquality = s.chars().next().unwrap_or('D');
    }
    if let Some(v) = get("number_of_records")? {
        m.number_of_records = v.extract()?;
    }
    if let Some(v) = get("version")? {
        m.version = v.extract()?;
    }
    Ok(Some(m))
}

fn headers_from_py(d: &Bound<'_, PyAny>) -> PyResult<BTreeMap<String, HeaderValue>> {
    let mut out = BTreeMap::new();
    if d.is_none() {
        return Ok(out);
    }
    for (k, v) in d.cast::<PyDict>()?.iter() {
        let key: String = k.extract()?;
        let value = if v.is_instance_of::<pyo3::types::PyBool>() {
            HeaderValue::Int(i64::from(v.extract::<bool>()?))
        } else if let Ok(i) = v.extract::<i64>() {
            HeaderValue::Int(i)
        } else if let Ok(f) = v.extract::<f64>() {
            HeaderValue::Float(f)
        } else if let Ok(s) = v.extract::<String>() {
            HeaderValue::Text(s)
        } else {
            return Err(PyTypeError::new_err(format!(
                "header {key:?}: expected int, float or str, got {}",
                v.get_type().name()?
            )));
        };
        out.insert(key, value);
    }
    Ok(out)
}

/// One trace from its raw tuple (the samples are copied into a Rust `Vec`).
pub fn trace_from_py(raw: &Bound<'_, PyAny>) -> PyResult<Trace> {
    let t = raw_tuple(raw)?;
    let data = samples_from_py(&t.get_item(7)?, t.get_item(8)?.extract()?)?;
    let stats = stats_from_py(t, data.len())?;
    Ok(Trace { stats, data })
}

fn raw_tuple<'a, 'py>(raw: &'a Bound<'py, PyAny>) -> PyResult<&'a Bound<'py, PyTuple>> {
    let t = raw.cast::<PyTuple>()?;
    if t.len() != 11 {
        return Err(PyValueError::new_err(format!(
            "raw trace must be an 11-tuple, got {} items",
            t.len()
        )));
    }
    Ok(t)
}

/// The header of a raw tuple whose samples number `len`.
fn stats_from_py(t: &Bound<'_, PyTuple>, len: usize) -> PyResult<Stats> {
    let s = |i: usize| -> PyResult<String> { t.get_item(i)?.extract() };
    let npts: usize = t.get_item(6)?.extract()?;
    Ok(Stats {
        id: ChannelId::new(&s(0)?, &s(1)?, &s(2)?, &s(3)?),
        starttime: Time(t.get_item(4)?.extract()?),
        sampling_rate: t.get_item(5)?.extract()?,
        // header-only traces keep their declared npts; otherwise npts is the data length
        npts: if len == 0 { npts } else { len },
        mseed: mseed_from_py(&t.get_item(9)?)?,
        headers: headers_from_py(&t.get_item(10)?)?,
    })
}

/// Headers and, for each, its samples borrowed from numpy for writing in place.
pub type Borrowed<'py> = (Vec<Stats>, Vec<PyReadwriteArray1<'py, f64>>);

/// The headers of raw tuples and their samples borrowed for writing in place, without a copy; `None`
/// unless every trace's samples are a writable, C-contiguous, native float64 array that no other trace
/// of `raws` shares (numpy's borrow checker refuses a second writable borrow of overlapping memory).
pub fn borrow_stream_from_py<'py>(raws: &Bound<'py, PyAny>) -> PyResult<Option<Borrowed<'py>>> {
    let mut stats = Vec::new();
    let mut arrays = Vec::new();
    for raw in raws.try_iter()? {
        let raw = raw?;
        let t = raw_tuple(&raw)?;
        if t.get_item(8)?.extract::<bool>()? {
            return Ok(None);
        }
        let Ok(a) = t.get_item(7)?.extract::<PyReadwriteArray1<'py, f64>>() else {
            return Ok(None);
        };
        if !a.is_c_contiguous() {
            return Ok(None);
        }
        stats.push(stats_from_py(t, a.len())?);
        arrays.push(a);
    }
    Ok(Some((stats, arrays)))
}

/// A stream from a sequence of raw tuples.
pub fn stream_from_py(raws: &Bound<'_, PyAny>) -> PyResult<Stream> {
    let mut traces = Vec::new();
    for raw in raws.try_iter()? {
        traces.push(trace_from_py(&raw?)?);
    }
    Ok(Stream::new(traces))
}
