//! The pipeline language (ObsPy method-call syntax), op application and the parallel runner.

mod apply;
mod lang;
mod ops;
pub mod ppsd;
pub mod process;
pub mod runner;
mod suggest;
pub mod synth;

pub use apply::{ApplyError, Processor};
pub use lang::PipelineError;
pub use ops::{
    DetrendKind, DifferentiateMethod, FillValue, FilterSpec, IntegrateMethod, InterpMethod, MergeMethod, Number, Op,
    Pipeline, Selection, TaperSide, TaperWindow, parse_pipeline,
};
