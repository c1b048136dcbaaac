//! The error every ObsPy-exact processing kernel returns where ObsPy raises.

/// An operation refused its input, where ObsPy raises: `op` names the ObsPy method, `msg` says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{op}: {msg}")]
pub struct OpError {
    /// The ObsPy method (or kernel) that refused, e.g. `"detrend"`.
    pub op: &'static str,
    /// What was wrong, lowercase.
    pub msg: String,
}

impl OpError {
    /// Builds an error for `op` with message `msg`.
    pub fn new(op: &'static str, msg: impl Into<String>) -> Self {
        OpError { op, msg: msg.into() }
    }
}
