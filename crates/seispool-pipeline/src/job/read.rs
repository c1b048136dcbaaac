//! Reading and inventorying many files at once (Python's `seispool.read`/`seispool.info`, `seispool info`):
//! the options checked once, the files listed, read in parallel on a pool built for the call.

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;
use seispool_core::{Stream, Time};
use seispool_io::{IoError, ReadOptions};

use super::check;
use super::error::{JobError, Opt};
use crate::info::{FileInfo, InfoReport, file_info};
use crate::process::{cut_to_window, list_inputs_matching};
use crate::runner::{build_joined_pool, effective_jobs};

/// A read or an inventory as a front end received it (unchecked).
#[derive(Clone, Debug, Default)]
pub struct ReadBuilder {
    /// Files, directories, SDS roots.
    pub paths: Vec<PathBuf>,
    /// The format to read (`None`: detected per file).
    pub format: Option<String>,
    /// Keep data from this time on.
    pub starttime: Option<Time>,
    /// Keep data up to this time.
    pub endtime: Option<Time>,
    /// `NET.STA.LOC.CHA` glob.
    pub select: Option<String>,
    /// Follow symlinks in input directories wherever they lead.
    pub follow_symlinks: bool,
    /// Worker threads (`None`/0: all cores).
    pub jobs: Option<usize>,
    /// StationXML file or directory: the inventory then lists data channels without a response.
    pub inventory: Option<PathBuf>,
}

/// A checked read.
#[derive(Clone, Debug)]
pub struct ReadJob {
    paths: Vec<PathBuf>,
    opts: ReadOptions,
    follow_symlinks: bool,
    jobs: Option<usize>,
    responses: Option<std::sync::Arc<crate::responses::Responses>>,
}

/// A read that failed: a file (its name, offset and what was expected) or the worker threads.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A file could not be listed or read.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The worker threads could not be started.
    #[error("cannot start worker threads: {0}")]
    Pool(String),
    /// The traces could not be cut to the window.
    #[error("{0}")]
    Cut(String),
}

impl ReadBuilder {
    /// Checks every option.
    pub fn build(self) -> Result<ReadJob, JobError> {
        check::inputs(&self.paths)?;
        check::window(self.starttime, self.endtime)?;
        if let Some(g) = &self.select {
            check::select(g)?;
        }
        check::jobs(self.jobs)?;
        let format = check::format(Opt::Format, self.format.as_deref())?;
        let no_ops = crate::Pipeline {
            ops: Vec::new(),
            text: String::new(),
        };
        let responses = check::responses(&no_ops, self.inventory.as_deref(), None)?;
        Ok(ReadJob {
            responses,
            paths: self.paths,
            opts: ReadOptions {
                format,
                starttime: self.starttime,
                endtime: self.endtime,
                select: self.select,
                headonly: false,
            },
            follow_symlinks: self.follow_symlinks,
            jobs: self.jobs,
        })
    }
}

impl ReadJob {
    /// The read options (headers and samples).
    pub fn options(&self) -> &ReadOptions {
        &self.opts
    }

    /// The files to read: directories walked, SDS day files whose names cannot match the window or the
    /// selection left out unopened (names trusted only at their SDS place), the runner's own bookkeeping
    /// (`OUT/.seispool/`) skipped so a `process` output directory reads back as a whole.
    pub fn files(&self) -> Result<Vec<PathBuf>, IoError> {
        let o = &self.opts;
        let files = list_inputs_matching(
            &self.paths,
            o.starttime,
            o.endtime,
            o.select.as_deref(),
            self.follow_symlinks,
        )?;
        Ok(files.into_iter().map(|f| f.path).collect())
    }

    /// `f` over `files` on a pool of `threads` threads (the job's `jobs` at most).
    fn par_map<T: Send>(
        &self,
        files: &[PathBuf],
        threads: usize,
        f: impl Fn(&PathBuf) -> T + Sync + Send,
    ) -> Result<Vec<T>, ReadError> {
        let pool = build_joined_pool(effective_jobs(self.jobs).min(threads.max(1)))
            .map_err(|e| ReadError::Pool(e.to_string()))?;
        let out = pool.install(|| files.par_iter().map(f).collect());
        drop(pool);
        Ok(out)
    }

    /// Reads every file into one stream (in path order) plus the readers' warnings. With a time window,
    /// only records overlapping it are decoded and the traces are cut to it as `obspy.read(starttime=,
    /// endtime=)` does (`headonly` keeps whole records).
    pub fn read(&self, headonly: bool) -> Result<(Stream, Vec<String>), ReadError> {
        let opts = ReadOptions {
            headonly,
            ..self.opts.clone()
        };
        let files = self.files()?;
        // Every thread even for one file: the records of a large file decode in parallel on the pool.
        let parts = if headonly {
            self.par_map(&files, files.len(), |f| seispool_io::read(f, &opts))?
        } else {
            self.par_map(&files, usize::MAX, |f| seispool_io::read_in_pool(f, &opts))?
        };
        let mut stream = Stream::default();
        let mut warnings = Vec::new();
        for part in parts {
            let r = part?;
            stream.traces.extend(r.stream.traces);
            warnings.extend(r.warnings);
        }
        if !headonly {
            cut_to_window(&mut stream, opts.starttime, opts.endtime).map_err(|e| ReadError::Cut(e.to_string()))?;
        }
        Ok((stream, warnings))
    }

    /// The inventory of every file from its headers; a file that cannot be read is reported in its entry.
    pub fn info(&self) -> Result<InfoReport, ReadError> {
        let started = Instant::now();
        let opts = ReadOptions {
            headonly: true,
            ..self.opts.clone()
        };
        let files = self.files()?;
        let mut infos: Vec<FileInfo> = self.par_map(&files, files.len(), |f| file_info(f, &opts))?;
        let opened = infos.len();
        if opts.select.is_some() || opts.starttime.is_some() || opts.endtime.is_some() {
            // Files opened because their names prove nothing, holding none of the selection: not listed.
            infos.retain(|i| i.error.is_some() || !i.traces.is_empty());
        }
        let mut report = InfoReport::new(infos, started.elapsed().as_secs_f64());
        report.opened = opened;
        if let Some(r) = &self.responses {
            report.check_responses(r.inventory());
        }
        Ok(report)
    }
}
