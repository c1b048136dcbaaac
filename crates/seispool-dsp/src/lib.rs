//! Pure numeric kernels on `&[f64]`/`&mut [f64]` that reproduce ObsPy/SciPy results. No I/O, no threads.
