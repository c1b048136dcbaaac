//! The pipeline language (ObsPy method-call syntax), op application and the parallel runner.

pub mod info;
pub mod job;
mod lang;
mod ops;
pub mod pictures;
pub mod ppsd;
pub mod process;
pub mod responses;
pub mod runner;
mod suggest;
pub mod synth;
pub mod synth_inventory;

pub use job::{Job, JobBuilder, JobError, Opt, ReadBuilder, ReadJob};
pub use lang::PipelineError;
pub use ops::apply::{ApplyError, Processor, keeps_samples_in_place};
pub use ops::{
    DetrendKind, DifferentiateMethod, FillValue, FilterSpec, IntegrateMethod, InterpMethod, MergeMethod, Number, Op,
    Pipeline, Selection, TaperSide, TaperWindow, parse_pipeline,
};
