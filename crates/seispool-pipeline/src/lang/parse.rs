//! The parser: tokens → calls with spans.

use super::lex::{Lexer, Tok};
use super::{Arg, Call, PipelineError, Pos, Source, Spanned, Value};

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
    use crate::lang::lex::MAX_DEPTH;

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
