//! Inspection: run the embedded script in the target interpreter and turn its JSON into facts.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::child::{self, Ending};
use crate::runtime::LibraryFacts;
use crate::{DoctorError, DoctorOptions};

const SCRIPT: &str = include_str!("doctor_inspect.py");

/// The interpreter and what importing the modules did to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interpreter {
    /// The interpreter as given.
    pub python: PathBuf,
    /// `sys.executable`.
    pub executable: PathBuf,
    /// `platform.python_implementation()` (CPython, PyPy).
    pub implementation: String,
    /// `platform.python_version()`.
    pub version: String,
    /// `sys.platform`.
    pub platform: String,
    /// The default `multiprocessing` start method.
    pub start_method: String,
    /// Whether `os.fork()` in a process with threads emits a DeprecationWarning (Python 3.12+); None without fork.
    pub fork_warns_with_threads: Option<bool>,
    /// `os.cpu_count()`.
    pub cpu_count: Option<u32>,
    /// Thread-related environment variables that are set, as the interpreter sees them.
    pub env: BTreeMap<String, String>,
    /// numpy's build-time BLAS name (`numpy.show_config`), when numpy says.
    pub numpy_blas: Option<String>,
    /// threadpoolctl version, when it is importable.
    pub threadpoolctl: Option<String>,
    /// `seispool` is importable, so `seispool.mp.Pool` can be tried.
    pub seispool: bool,
    /// Each module imported: numpy, scipy, scipy.linalg, then the user's.
    pub imports: Vec<Import>,
}

/// One attempted import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    /// Module name.
    pub name: String,
    /// Given with `--import` (a failure is then an error, not a fact).
    pub user: bool,
    /// Imported without error.
    pub ok: bool,
    /// `__version__`, when a string.
    #[serde(default)]
    pub version: Option<String>,
    /// `__file__`.
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// The module exposes a callable `_doctor_probe` that the probe calls.
    #[serde(default)]
    pub has_probe: bool,
    /// The exception, when the import failed.
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Deserialize)]
struct Raw {
    executable: PathBuf,
    version: String,
    implementation: String,
    platform: String,
    start_method: String,
    fork_warns_with_threads: Option<bool>,
    cpu_count: Option<u32>,
    env: BTreeMap<String, String>,
    imports: Vec<Import>,
    libraries: Vec<PathBuf>,
    runtime_facts: BTreeMap<PathBuf, LibraryFacts>,
    threadpoolctl: Option<RawThreadpoolctl>,
    numpy_blas: Option<String>,
    site_packages: Vec<PathBuf>,
    #[serde(default)]
    owners: BTreeMap<PathBuf, String>,
    #[serde(default)]
    seispool: bool,
}

#[derive(Deserialize)]
struct RawThreadpoolctl {
    version: Option<String>,
}

/// Everything the inspection learned.
pub(crate) struct Inspection {
    /// Facts about the interpreter.
    pub interpreter: Interpreter,
    /// Shared libraries loaded after the imports.
    pub libraries: Vec<PathBuf>,
    /// What the thread runtimes among them reported through ctypes/threadpoolctl.
    pub facts: BTreeMap<PathBuf, LibraryFacts>,
    /// The interpreter's site-packages folders.
    pub site_packages: Vec<PathBuf>,
    /// The installed distribution that ships each runtime library, per its RECORD.
    pub owners: BTreeMap<PathBuf, String>,
}

/// Runs the inspection script under `opts.timeout`.
pub(crate) fn inspect(opts: &DoctorOptions) -> Result<Inspection, DoctorError> {
    let python = &opts.python;
    let imports = serde_json::to_string(&opts.imports).unwrap_or_else(|_| "[]".into());
    let mut cmd = Command::new(python);
    cmd.arg("-c").arg(SCRIPT).arg(imports);
    cmd.envs(opts.extra_env.iter().map(|(k, v)| (k, v)));
    let f = child::run(cmd, opts.timeout).map_err(|source| DoctorError::Spawn {
        python: python.clone(),
        source,
    })?;
    match f.ending {
        Ending::Code(0) => {}
        Ending::TimedOut => {
            return Err(DoctorError::InspectTimeout {
                python: python.clone(),
                timeout: opts.timeout,
            });
        }
        ending => {
            let how = match ending {
                Ending::Signal(s) => format!("killed by signal {s}"),
                Ending::Code(c) => format!("exit code {c}"),
                Ending::TimedOut => String::new(),
            };
            let last = f
                .stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or_default();
            return Err(DoctorError::InspectFailed {
                python: python.clone(),
                how,
                stderr: last.trim().to_string(),
            });
        }
    }
    let line = f
        .stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let raw: Raw = serde_json::from_str(line).map_err(|e| DoctorError::BadInspection {
        python: python.clone(),
        what: e.to_string(),
    })?;
    if let Some(bad) = raw.imports.iter().find(|i| i.user && !i.ok) {
        return Err(DoctorError::Import {
            python: python.clone(),
            module: bad.name.clone(),
            error: bad.error.clone().unwrap_or_default(),
        });
    }
    Ok(into_inspection(python.clone(), raw))
}

fn into_inspection(python: PathBuf, raw: Raw) -> Inspection {
    let interpreter = Interpreter {
        python,
        executable: raw.executable,
        implementation: raw.implementation,
        version: raw.version,
        platform: raw.platform,
        start_method: raw.start_method,
        fork_warns_with_threads: raw.fork_warns_with_threads,
        cpu_count: raw.cpu_count,
        env: raw.env,
        numpy_blas: raw.numpy_blas,
        threadpoolctl: raw.threadpoolctl.and_then(|t| t.version),
        seispool: raw.seispool,
        imports: raw.imports,
    };
    Inspection {
        interpreter,
        libraries: raw.libraries,
        facts: raw.runtime_facts,
        site_packages: raw.site_packages,
        owners: raw.owners,
    }
}
