//! Lexer and parser of the pipeline language: Python method-call syntax → calls with spans.
//!
//! Grammar (whitespace allowed between any two tokens; newlines inside brackets are ignored like
//! Python's implicit line joining; `#` starts a comment running to the end of the line):
//! ```text
//! pipeline  := statement ((';' | newline) statement)*      empty statements are skipped
//! statement := [IDENT '.'] call ('.' call)*                 `st.detrend().taper(0.05)` as pasted from a script
//! call      := IDENT '(' [arg (',' arg)* [',']] ')'
//! arg       := [IDENT '='] value
//! value     := STRING | ['-'|'+'] NUMBER | True | False | None | '[' values ']' | '(' values ')'
//! ```
//! The leading `IDENT '.'` (usually `st.` or `tr.`) is ignored: ObsPy's methods return the object
//! itself, so a chain of calls is a sequence of ops.
//!
//! This file holds the error, source positions and values; [`lex`] splits the text into tokens and
//! [`parse`] turns them into calls.

mod lex;
mod parse;

use std::fmt;

pub(crate) use parse::parse_calls;

/// A pipeline text that cannot be parsed or validated, with the position of the culprit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct PipelineError {
    /// What is wrong, without the position (`unknown argument 'freqmn' to filter()`).
    pub what: String,
    /// 1-based line of the culprit; `None` when the error concerns the whole text.
    pub line: Option<usize>,
    /// 1-based column (in characters) of the culprit.
    pub column: Option<usize>,
    /// Whether the text spans several lines (then the line is printed too).
    pub multiline: bool,
    /// The closest valid name, when the culprit looks like a typo.
    pub suggestion: Option<String>,
}

impl PipelineError {
    fn render(&self) -> String {
        let mut s = self.what.clone();
        match (self.line, self.column) {
            (Some(l), Some(c)) if self.multiline => s.push_str(&format!(" at line {l}, column {c}")),
            (_, Some(c)) => s.push_str(&format!(" at column {c}")),
            _ => {}
        }
        if let Some(name) = &self.suggestion {
            s.push_str(&format!("; did you mean '{name}'?"));
        }
        s
    }

    /// An error about the whole text (no position).
    pub(crate) fn whole(what: impl Into<String>) -> Self {
        PipelineError {
            what: what.into(),
            line: None,
            column: None,
            multiline: false,
            suggestion: None,
        }
    }
}

/// A byte offset into the pipeline text.
pub(crate) type Pos = usize;

/// Converts byte offsets into 1-based line/column positions for error messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'a> {
    text: &'a str,
}

impl<'a> Source<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Source { text }
    }

    /// An error located at byte offset `pos`.
    pub(crate) fn error(&self, pos: Pos, what: impl Into<String>) -> PipelineError {
        let before = &self.text[..pos.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        PipelineError {
            what: what.into(),
            line: Some(line),
            column: Some(column),
            multiline: self.text.trim_end().contains('\n'),
            suggestion: None,
        }
    }

    /// An error at `pos` with a "did you mean" suggestion.
    pub(crate) fn error_suggest(&self, pos: Pos, what: impl Into<String>, suggestion: Option<&str>) -> PipelineError {
        let mut e = self.error(pos, what);
        e.suggestion = suggestion.map(str::to_string);
        e
    }
}

/// A literal value as written (Python semantics: ints and floats are distinct).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    List(Vec<Spanned>),
    Tuple(Vec<Spanned>),
}

/// A value with the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spanned {
    pub value: Value,
    pub pos: Pos,
}

impl Value {
    /// How the value reads in a type error: `string 'four'`, `float 4.5`, `True`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Value::Str(_) => format!("string {self}"),
            Value::Int(_) => format!("integer {self}"),
            Value::Float(_) => format!("float {self}"),
            Value::Bool(_) | Value::None => self.to_string(),
            Value::List(_) => format!("list {self}"),
            Value::Tuple(_) => format!("tuple {self}"),
        }
    }
}

/// Writes `f` so that it lexes back to the same `f64` and always reads as a float (`4.0`, `1e-5`).
pub(crate) fn fmt_float(f: f64, out: &mut fmt::Formatter<'_>) -> fmt::Result {
    let s = format!("{f:?}");
    if s.contains(['.', 'e', 'E']) || !f.is_finite() {
        out.write_str(&s)
    } else {
        write!(out, "{s}.0")
    }
}

/// Writes `s` as a Python string literal in single quotes.
pub(crate) fn fmt_str(s: &str, out: &mut fmt::Formatter<'_>) -> fmt::Result {
    out.write_str("'")?;
    for c in s.chars() {
        match c {
            '\\' => out.write_str("\\\\")?,
            '\'' => out.write_str("\\'")?,
            '\n' => out.write_str("\\n")?,
            '\t' => out.write_str("\\t")?,
            '\r' => out.write_str("\\r")?,
            c => write!(out, "{c}")?,
        }
    }
    out.write_str("'")
}

impl fmt::Display for Value {
    /// Python `repr` of the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seq = |f: &mut fmt::Formatter<'_>, items: &[Spanned], open: &str, close: &str| {
            f.write_str(open)?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{}", item.value)?;
            }
            if close == ")" && items.len() == 1 {
                f.write_str(",")?;
            }
            f.write_str(close)
        };
        match self {
            Value::Str(s) => fmt_str(s, f),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => fmt_float(*x, f),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::None => f.write_str("None"),
            Value::List(items) => seq(f, items, "[", "]"),
            Value::Tuple(items) => seq(f, items, "(", ")"),
        }
    }
}

/// One argument of a call: `name=value` or a positional `value`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Arg {
    /// The keyword and its offset, for keyword arguments.
    pub name: Option<(String, Pos)>,
    pub value: Spanned,
}

/// One method call `name(args)`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Call {
    pub name: String,
    pub pos: Pos,
    pub args: Vec<Arg>,
}
