//! The lexer: pipeline text → tokens with their byte offsets.

use super::{PipelineError, Pos, Source};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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
    pub(super) fn describe(&self) -> String {
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
pub(super) const MAX_DEPTH: usize = 64;

pub(super) struct Lexer<'a> {
    src: Source<'a>,
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Lexer<'a> {
    pub(super) fn tokens(text: &'a str) -> Result<Vec<(Tok, Pos)>, PipelineError> {
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
