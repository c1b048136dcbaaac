//! The pipeline language (ObsPy method-call syntax), op application and the parallel runner.

pub mod runner;
pub mod synth;
