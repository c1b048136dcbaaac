//! Runs a child process in its own process group under a hard deadline. On expiry, and after a normal
//! exit too, the whole group is killed with `SIGKILL`, so hung pool workers never outlive the doctor.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Exited with this status code.
    Code(i32),
    /// Killed by this signal (not by us).
    Signal(i32),
    /// Still running at the deadline; its group was killed.
    TimedOut,
}

/// What a finished child left behind.
#[derive(Debug)]
pub(crate) struct Finished {
    /// How it ended.
    pub ending: Ending,
    /// Captured standard output (lossy UTF-8).
    pub stdout: String,
    /// Captured standard error (lossy UTF-8).
    pub stderr: String,
    /// Wall time from spawn to reaping.
    pub elapsed: Duration,
}

/// Most output kept per stream; a chatty child cannot exhaust memory.
const MAX_CAPTURE: u64 = 8 << 20;
/// How long to wait for the pipes to close once the group is dead.
const DRAIN_GRACE: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(20);

/// Without process groups and `fork` there is nothing to diagnose safely.
#[cfg(not(unix))]
pub(crate) fn run(_cmd: Command, _timeout: Duration) -> std::io::Result<Finished> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "seispool doctor needs a unix system",
    ))
}

/// Spawns `cmd` (stdin closed, stdout/stderr captured) as leader of a new process group and waits at
/// most `timeout` for it.
#[cfg(unix)]
pub(crate) fn run(mut cmd: Command, timeout: Duration) -> std::io::Result<Finished> {
    use std::os::unix::process::CommandExt;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let stdout = capture(child.stdout.take());
    let stderr = capture(child.stderr.take());
    let pid = child.id();
    let timed_out = loop {
        if exited_unreaped(pid)? {
            break false;
        }
        if start.elapsed() >= timeout {
            break true;
        }
        thread::sleep(POLL);
    };
    // The leader is a zombie (or still running) here, so its pid — the group id — cannot be reused yet.
    kill_group(pid);
    let status = child.wait()?;
    let ending = if timed_out { Ending::TimedOut } else { ending_of(status) };
    let elapsed = start.elapsed();
    Ok(Finished {
        ending,
        stdout: drained(stdout),
        stderr: drained(stderr),
        elapsed,
    })
}

#[cfg(unix)]
fn ending_of(status: std::process::ExitStatus) -> Ending {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => Ending::Code(code),
        (None, Some(sig)) => Ending::Signal(sig),
        (None, None) => Ending::Code(-1),
    }
}

#[cfg(unix)]
fn capture<R: Read + Send + 'static>(pipe: Option<R>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    if let Some(pipe) = pipe {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let mut pipe = pipe;
            // Read past the cap without keeping it, so the writer never blocks on a full pipe.
            let _ = pipe.by_ref().take(MAX_CAPTURE).read_to_end(&mut buf);
            let _ = std::io::copy(&mut pipe, &mut std::io::sink());
            let _ = tx.send(buf);
        });
    }
    rx
}

/// The captured text, or what arrived so far if a process outside the group still holds the pipe.
#[cfg(unix)]
fn drained(rx: mpsc::Receiver<Vec<u8>>) -> String {
    let bytes = rx.recv_timeout(DRAIN_GRACE).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// True once `pid` has exited, leaving it unreaped (`WNOWAIT`) so its process group id stays reserved.
#[cfg(unix)]
#[allow(unsafe_code)]
fn exited_unreaped(pid: u32) -> std::io::Result<bool> {
    let id = libc::id_t::from(pid);
    // SAFETY: siginfo_t is plain old data, so all-zero is a valid value; waitid only writes into it.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: `info` is a valid, exclusively borrowed siginfo_t for the duration of the call.
    let rc = unsafe {
        libc::waitid(
            libc::P_PID,
            id,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: after a successful waitid, si_pid is set (0 when the child has not changed state).
    Ok(unsafe { info.si_pid() } != 0)
}

/// Sends `SIGKILL` to every process in the group led by `pgid`; an empty group is fine.
#[cfg(unix)]
#[allow(unsafe_code)]
fn kill_group(pgid: u32) {
    let Ok(pgid) = libc::pid_t::try_from(pgid) else { return };
    // SAFETY: killpg has no memory-safety preconditions; ESRCH (group already gone) is expected and ignored.
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
}
