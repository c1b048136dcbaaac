//! Options by neutral names, and the error of an invalid one.
//!
//! The library never writes a front end's spelling of an option (`--record-length`, `record_length=`):
//! a [`JobError`] keeps the option names of its message as placeholders, and each front end renders it with
//! its own names ([`JobError::render`]). So the CLI and Python report the same problem in the same words.

use std::fmt;

/// An option of a job (processing run, read or inventory), by its neutral name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Opt {
    /// The input files, directories or SDS roots.
    Inputs,
    /// The output directory.
    Out,
    /// The pipeline text.
    Pipeline,
    /// Start of the time window.
    Starttime,
    /// End of the time window.
    Endtime,
    /// The `NET.STA.LOC.CHA` glob.
    Select,
    /// Seconds of neighbouring SDS days read as context.
    Overlap,
    /// The output format (of a processing run) or the format to read (of a read or inventory).
    Format,
    /// The input format of a processing run.
    InputFormat,
    /// The MiniSEED data encoding of the output.
    Encoding,
    /// The MiniSEED record length of the output.
    RecordLength,
    /// The byte order of the output.
    ByteOrder,
    /// Worker threads.
    Jobs,
    /// Skip outputs finished by an earlier run.
    Resume,
    /// The StationXML file or directory for `remove_response`/`remove_sensitivity`.
    Inventory,
}

impl Opt {
    /// Every option.
    pub const ALL: [Opt; 15] = [
        Opt::Inputs,
        Opt::Out,
        Opt::Pipeline,
        Opt::Starttime,
        Opt::Endtime,
        Opt::Select,
        Opt::Overlap,
        Opt::Format,
        Opt::InputFormat,
        Opt::Encoding,
        Opt::RecordLength,
        Opt::ByteOrder,
        Opt::Jobs,
        Opt::Resume,
        Opt::Inventory,
    ];

    /// The neutral name (snake_case; Python's keyword names are these).
    pub fn name(self) -> &'static str {
        match self {
            Opt::Inputs => "inputs",
            Opt::Out => "out",
            Opt::Pipeline => "pipeline",
            Opt::Starttime => "starttime",
            Opt::Endtime => "endtime",
            Opt::Select => "select",
            Opt::Overlap => "overlap",
            Opt::Format => "format",
            Opt::InputFormat => "input_format",
            Opt::Encoding => "encoding",
            Opt::RecordLength => "record_length",
            Opt::ByteOrder => "byteorder",
            Opt::Jobs => "jobs",
            Opt::Resume => "resume",
            Opt::Inventory => "inventory",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(String),
    Name(Opt),
}

/// An option that cannot be used: which one, and why. Option names in the message are filled in by
/// [`JobError::render`]; `Display` uses the neutral names.
#[derive(Clone, Debug, PartialEq)]
pub struct JobError {
    /// The option at fault.
    pub option: Opt,
    pieces: Vec<Piece>,
}

impl JobError {
    /// An error about `option` whose message is built with [`JobError::name`] and [`JobError::text`].
    pub fn of(option: Opt) -> JobError {
        JobError {
            option,
            pieces: Vec::new(),
        }
    }

    /// `NAME VALUE problem`, the common shape: `record_length 1000 is not a power of two ...`.
    pub fn value(option: Opt, value: impl fmt::Display, problem: &str) -> JobError {
        JobError::of(option).name(option).text(format!(" {value} {problem}"))
    }

    /// A message that names no option (e.g. `a.mseed: no such file or directory`).
    pub fn plain(option: Opt, message: impl Into<String>) -> JobError {
        JobError::of(option).text(message)
    }

    /// Appends an option name.
    pub fn name(mut self, option: Opt) -> JobError {
        self.pieces.push(Piece::Name(option));
        self
    }

    /// Appends text.
    pub fn text(mut self, text: impl Into<String>) -> JobError {
        self.pieces.push(Piece::Text(text.into()));
        self
    }

    /// The message with each option named by `name` (a front end's flag or keyword).
    pub fn render(&self, name: impl Fn(Opt) -> String) -> String {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.clone(),
                Piece::Name(o) => name(*o),
            })
            .collect()
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(|o| o.name().to_string()))
    }
}

impl std::error::Error for JobError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_fills_in_each_front_ends_names() {
        let e = JobError::of(Opt::Endtime)
            .name(Opt::Endtime)
            .text(" 2 is before ")
            .name(Opt::Starttime)
            .text(" 3");
        assert_eq!(e.to_string(), "endtime 2 is before starttime 3");
        let cli = e.render(|o| format!("--{}", o.name().replace('_', "-")));
        assert_eq!(cli, "--endtime 2 is before --starttime 3");
        let names: std::collections::HashSet<_> = Opt::ALL.iter().map(|o| o.name()).collect();
        assert_eq!(names.len(), Opt::ALL.len());
    }
}
