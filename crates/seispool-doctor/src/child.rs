//! Runs a child process in its own process group under a hard deadline. On expiry, and after a normal
//! exit too, the whole group is killed with `SIGKILL`, so hung pool workers never outlive the doctor.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
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
    /// Why the watcher ended it early, when it did.
    pub stalled: Option<String>,
}

/// Most output kept per stream; a chatty child cannot exhaust memory.
const MAX_CAPTURE: u64 = 8 << 20;
/// How long to wait for the pipes to close once the group is dead.
const DRAIN_GRACE: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(20);
/// The watcher looks at the output every this many polls (0.25 s).
const WATCH_EVERY: u32 = 12;

/// Without process groups and `fork` there is nothing to diagnose safely.
#[cfg(not(unix))]
pub(crate) fn run(_cmd: Command, _timeout: Duration) -> std::io::Result<Finished> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "seispool doctor needs a unix system",
    ))
}

/// Without process groups and `fork` there is nothing to diagnose safely.
#[cfg(not(unix))]
pub(crate) fn run_watched(
    cmd: Command,
    timeout: Duration,
    _watch: &dyn Fn(&str) -> Option<String>,
) -> std::io::Result<Finished> {
    run(cmd, timeout)
}

/// Spawns `cmd` (stdin closed, stdout/stderr captured) as leader of a new process group and waits at
/// most `timeout` for it.
#[cfg(unix)]
pub(crate) fn run(cmd: Command, timeout: Duration) -> std::io::Result<Finished> {
    run_watched(cmd, timeout, &|_| None)
}

/// As `run`, and also ends the child early (as `TimedOut`, with `stalled` set) as soon as `watch`, shown
/// the standard output so far, names a reason.
#[cfg(unix)]
pub(crate) fn run_watched(
    mut cmd: Command,
    timeout: Duration,
    watch: &dyn Fn(&str) -> Option<String>,
) -> std::io::Result<Finished> {
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
    let mut stalled = None;
    let mut polls = 0u32;
    let timed_out = loop {
        if exited_unreaped(pid)? {
            break false;
        }
        if start.elapsed() >= timeout {
            break true;
        }
        polls += 1;
        if polls.is_multiple_of(WATCH_EVERY) {
            stalled = watch(&stdout.so_far());
            if stalled.is_some() {
                break true;
            }
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
        stdout: stdout.drained(),
        stderr: stderr.drained(),
        elapsed,
        stalled,
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

/// A pipe read on its own thread into a shared buffer (at most `MAX_CAPTURE` kept).
#[cfg(unix)]
struct Capture {
    buf: Arc<Mutex<Vec<u8>>>,
    done: mpsc::Receiver<()>,
}

#[cfg(unix)]
fn capture<R: Read + Send + 'static>(pipe: Option<R>) -> Capture {
    let (tx, done) = mpsc::channel();
    let buf = Arc::new(Mutex::new(Vec::new()));
    if let Some(mut pipe) = pipe {
        let buf = Arc::clone(&buf);
        thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                match pipe.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        // Read past the cap without keeping it, so the writer never blocks on a full pipe.
                        let mut b = buf.lock().unwrap_or_else(|e| e.into_inner());
                        let room = usize::try_from(MAX_CAPTURE)
                            .unwrap_or(usize::MAX)
                            .saturating_sub(b.len());
                        b.extend_from_slice(&chunk[..n.min(room)]);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = tx.send(());
        });
    }
    Capture { buf, done }
}

#[cfg(unix)]
impl Capture {
    fn so_far(&self) -> String {
        String::from_utf8_lossy(&self.buf.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// The captured text, or what arrived so far if a process outside the group still holds the pipe.
    fn drained(self) -> String {
        let _ = self.done.recv_timeout(DRAIN_GRACE);
        self.so_far()
    }
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
