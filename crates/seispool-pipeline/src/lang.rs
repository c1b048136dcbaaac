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

use std::fmt;

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

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    Punct(char),
    /// A statement separator: `;` or a newline outside brackets.
    Sep,
    End,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Str(_) => "a string".to_string(),
            Tok::Int(_) | Tok::Float(_) => "a number".to_string(),
            Tok::Punct(c) => format!("'{c}'"),
            Tok::Sep => "end of statement".to_string(),
            Tok::End => "end of pipeline".to_string(),
        }
    }
}

/// Splits the text into tokens with their byte offsets.
/// Deepest bracket nesting accepted: the parser recurses per level, so unbounded nesting would
/// exhaust the stack (a crash, not an error) long before any real pipeline needs it.
const MAX_DEPTH: usize = 64;

struct Lexer<'a> {
    src: Source<'a>,
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Lexer<'a> {
    fn tokens(text: &'a str) -> Result<Vec<(Tok, Pos)>, PipelineError> {
        let mut lx = Lexer {
            src: Source::new(text),
            text,
            pos: 0,
            depth: 0,
        };
        let mut out = Vec::new();
        loop {
            let (tok, pos) = lx.next()?;
            let end = tok == Tok::End;
            out.push((tok, pos));
            if end {
                return Ok(out);
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.text[self.pos..].chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn next(&mut self) -> Result<(Tok, Pos), PipelineError> {
        self.skip_blanks();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok((Tok::End, start));
        };
        let tok = match c {
            '\n' | ';' => {
                self.bump();
                Tok::Sep
            }
            '\'' | '"' => Tok::Str(self.string(c)?),
            c if c.is_ascii_digit() || (c == '.' && self.peek2().is_some_and(|d| d.is_ascii_digit())) => {
                self.number()?
            }
            c if c.is_alphabetic() || c == '_' => Tok::Ident(self.ident()),
            '(' | '[' | ')' | ']' | ',' | '=' | '.' | '-' | '+' => {
                self.bump();
                match c {
                    '(' | '[' if self.depth >= MAX_DEPTH => {
                        let what = format!("brackets nested deeper than {MAX_DEPTH} levels");
                        return Err(self.src.error(start, what));
                    }
                    '(' | '[' => self.depth += 1,
                    ')' | ']' => self.depth = self.depth.saturating_sub(1),
                    _ => {}
                }
                Tok::Punct(c)
            }
            c => return Err(self.src.error(start, format!("unexpected character '{c}'"))),
        };
        Ok((tok, start))
    }

    /// Skips spaces, comments, and newlines inside brackets (implicit line joining).
    fn skip_blanks(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                '\n' if self.depth > 0 => {
                    self.bump();
                }
                '\\' if self.peek2() == Some('\n') => {
                    self.bump();
                    self.bump();
                }
                c if c.is_whitespace() && c != '\n' => {
                    self.bump();
                }
                _ => return,
            }
        }
    }

    fn ident(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.bump();
        }
        self.text[start..self.pos].to_string()
    }

    /// A Python number literal: `4`, `-` is a separate token; `.5`, `5.`, `1e-3`, `1_000`.
    fn number(&mut self) -> Result<Tok, PipelineError> {
        let start = self.pos;
        let mut is_float = false;
        let digits = |lx: &mut Self| {
            while lx.peek().is_some_and(|c| c.is_ascii_digit() || c == '_') {
                lx.bump();
            }
        };
        digits(self);
        if self.peek() == Some('.') {
            is_float = true;
            self.bump();
            digits(self);
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let save = self.pos;
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                is_float = true;
                digits(self);
            } else {
                self.pos = save;
            }
        }
        if self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return Err(self.src.error(start, "invalid number literal"));
        }
        let lit = &self.text[start..self.pos];
        let clean: String = lit.chars().filter(|&c| c != '_').collect();
        let bad = |what: &str| self.src.error(start, format!("{what} '{lit}'"));
        if lit.contains("__") || lit.ends_with('_') || lit.contains("_.") || lit.contains("._") {
            return Err(bad("invalid number literal"));
        }
        if is_float {
            match clean.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Tok::Float(f)),
                Ok(_) => Err(bad("number out of range")),
                Err(_) => Err(bad("invalid number literal")),
            }
        } else if clean.len() > 1 && clean.starts_with('0') && clean.bytes().any(|b| b != b'0') {
            Err(bad("leading zeros are not allowed in integer"))
        } else {
            clean
                .parse::<i64>()
                .map(Tok::Int)
                .map_err(|_| bad("integer out of range"))
        }
    }

    /// A quoted string with Python escapes (`\\`, `\'`, `\"`, `\n`, `\t`, `\r`; others kept verbatim).
    fn string(&mut self, quote: char) -> Result<String, PipelineError> {
        let start = self.pos;
        self.bump();
        let mut s = String::new();
        loop {
            match self.bump() {
                None | Some('\n') => return Err(self.src.error(start, "unterminated string")),
                Some(c) if c == quote => return Ok(s),
                Some('\\') => match self.bump() {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some('r') => s.push('\r'),
                    Some('\n') => {}
                    Some(c @ ('\\' | '\'' | '"')) => s.push(c),
                    Some(c) => {
                        s.push('\\');
                        s.push(c);
                    }
                    None => return Err(self.src.error(start, "unterminated string")),
                },
                Some(c) => s.push(c),
            }
        }
    }
}

/// Parses tokens into calls.
struct Parser<'a> {
    src: Source<'a>,
    toks: Vec<(Tok, Pos)>,
    i: usize,
}

/// Parses the pipeline text into its calls, in order. Statement separators and comments are dropped.
pub(crate) fn parse_calls(text: &str) -> Result<Vec<Call>, PipelineError> {
    let mut p = Parser {
        src: Source::new(text),
        toks: Lexer::tokens(text)?,
        i: 0,
    };
    let mut calls = Vec::new();
    loop {
        while p.peek() == &Tok::Sep {
            p.i += 1;
        }
        if p.peek() == &Tok::End {
            return Ok(calls);
        }
        p.statement(&mut calls)?;
        match p.peek() {
            Tok::Sep | Tok::End => {}
            t => return Err(p.unexpected(t.clone(), "';' or a newline between calls")),
        }
    }
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.i.min(self.toks.len() - 1)].0
    }

    fn pos(&self) -> Pos {
        self.toks[self.i.min(self.toks.len() - 1)].1
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        &self.toks[(self.i + ahead).min(self.toks.len() - 1)].0
    }

    fn unexpected(&self, tok: Tok, expected: &str) -> PipelineError {
        self.src
            .error(self.pos(), format!("expected {expected}, found {}", tok.describe()))
    }

    fn statement(&mut self, calls: &mut Vec<Call>) -> Result<(), PipelineError> {
        if matches!(self.peek(), Tok::Ident(_)) && self.peek_at(1) == &Tok::Punct('.') {
            self.i += 2;
        }
        calls.push(self.call()?);
        while self.peek() == &Tok::Punct('.') {
            self.i += 1;
            calls.push(self.call()?);
        }
        Ok(())
    }

    fn call(&mut self) -> Result<Call, PipelineError> {
        let pos = self.pos();
        let Tok::Ident(name) = self.peek().clone() else {
            return Err(self.unexpected(self.peek().clone(), "a call such as detrend(\"linear\")"));
        };
        self.i += 1;
        if self.peek() != &Tok::Punct('(') {
            let what = format!("expected '(' after '{name}'; calls are written {name}(...)");
            return Err(self.src.error(self.pos(), what));
        }
        self.i += 1;
        let mut args = Vec::new();
        while self.peek() != &Tok::Punct(')') {
            args.push(self.arg()?);
            if self.peek() == &Tok::Punct(',') {
                self.i += 1;
            } else if self.peek() != &Tok::Punct(')') {
                return Err(self.unexpected(self.peek().clone(), "',' or ')'"));
            }
        }
        self.i += 1;
        Ok(Call { name, pos, args })
    }

    fn arg(&mut self) -> Result<Arg, PipelineError> {
        let mut name = None;
        if let Tok::Ident(id) = self.peek().clone()
            && self.peek_at(1) == &Tok::Punct('=')
        {
            name = Some((id, self.pos()));
            self.i += 2;
        }
        let value = self.value()?;
        Ok(Arg { name, value })
    }

    fn value(&mut self) -> Result<Spanned, PipelineError> {
        let pos = self.pos();
        let tok = self.peek().clone();
        self.i += 1;
        let value = match tok {
            Tok::Str(s) => Value::Str(s),
            Tok::Int(i) => Value::Int(i),
            Tok::Float(f) => Value::Float(f),
            Tok::Ident(id) if id == "True" => Value::Bool(true),
            Tok::Ident(id) if id == "False" => Value::Bool(false),
            Tok::Ident(id) if id == "None" => Value::None,
            Tok::Punct(sign @ ('-' | '+')) => self.signed(sign, pos)?,
            Tok::Punct('[') => Value::List(self.items(']')?),
            Tok::Punct('(') => self.tuple()?,
            Tok::Ident(id) => {
                let what = format!("expected a value, found name '{id}' (strings need quotes: '{id}')");
                return Err(self.src.error(pos, what));
            }
            t => {
                self.i -= 1;
                return Err(self.unexpected(t, "a value"));
            }
        };
        Ok(Spanned { value, pos })
    }

    fn signed(&mut self, sign: char, pos: Pos) -> Result<Value, PipelineError> {
        let neg = sign == '-';
        let value = match self.peek().clone() {
            Tok::Int(i) if neg => Value::Int(-i),
            Tok::Int(i) => Value::Int(i),
            Tok::Float(f) if neg => Value::Float(-f),
            Tok::Float(f) => Value::Float(f),
            t => {
                let what = format!("expected a number after '{sign}', found {}", t.describe());
                return Err(self.src.error(pos, what));
            }
        };
        self.i += 1;
        Ok(value)
    }

    /// `(` already consumed: `()` or `(v,)` or `(v, w)` is a tuple, `(v)` is just `v`.
    fn tuple(&mut self) -> Result<Value, PipelineError> {
        let items = self.items(')')?;
        let trailing_comma = self.i >= 2 && self.toks[self.i - 2].0 == Tok::Punct(',');
        match items.as_slice() {
            [single] if !trailing_comma => Ok(single.value.clone()),
            _ => Ok(Value::Tuple(items)),
        }
    }

    /// Comma-separated values up to `close` (opening bracket already consumed); trailing comma allowed.
    fn items(&mut self, close: char) -> Result<Vec<Spanned>, PipelineError> {
        let mut items = Vec::new();
        while self.peek() != &Tok::Punct(close) {
            items.push(self.value()?);
            if self.peek() == &Tok::Punct(',') {
                self.i += 1;
            } else if self.peek() != &Tok::Punct(close) {
                return Err(self.unexpected(self.peek().clone(), &format!("',' or '{close}'")));
            }
        }
        self.i += 1;
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<Value> {
        let calls = parse_calls(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        calls[0].args.iter().map(|a| a.value.value.clone()).collect()
    }

    #[test]
    fn number_literals_follow_python() {
        assert_eq!(
            values("f(1e-3, .5, 5., -2, +3, 1_000, 0, 2E2)"),
            vec![
                Value::Float(1e-3),
                Value::Float(0.5),
                Value::Float(5.0),
                Value::Int(-2),
                Value::Int(3),
                Value::Int(1000),
                Value::Int(0),
                Value::Float(200.0)
            ]
        );
    }

    #[test]
    fn parenthesised_value_is_not_a_tuple() {
        assert_eq!(values("f((1))"), vec![Value::Int(1)]);
        assert!(matches!(&values("f((1,))")[0], Value::Tuple(v) if v.len() == 1));
        assert!(matches!(&values("f(())")[0], Value::Tuple(v) if v.is_empty()));
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            values(r#"f('a\'b', "c\"d", 'e\\f', 'g\qh')"#),
            vec![
                Value::Str("a'b".into()),
                Value::Str("c\"d".into()),
                Value::Str("e\\f".into()),
                Value::Str("g\\qh".into())
            ]
        );
    }

    #[test]
    fn deeply_nested_pipeline_text_crashes_the_process() {
        for open in ["(", "["] {
            let deep = format!("f({}1", open.repeat(100_000));
            let err = parse_calls(&deep).expect_err("nesting beyond the limit must be refused");
            assert!(err.to_string().contains("nested deeper than 64"), "{err}");
        }
        let ok = format!("f({}1{})", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        assert!(parse_calls(&ok).is_ok());
    }
}
