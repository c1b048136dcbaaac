//! Python's argument binding for an op call: a [`Sig`] binds positional and keyword arguments to parameter
//! names, and [`Bound`]'s typed accessors report errors at the offending value.

use seispool_core::Time;

use super::Number;
use crate::lang::{Arg, Call, PipelineError, Pos, Source, Spanned, Value};
use crate::suggest::closest;

/// An op's signature: parameter names in positional order, how many may be positional, which are required.
pub(super) struct Sig {
    op: String,
    params: Vec<&'static str>,
    positional: usize,
    required: Vec<&'static str>,
    /// Parameters ObsPy accepts that seispool does not, with the reason.
    unsupported: Vec<(&'static str, &'static str)>,
}

impl Sig {
    pub(super) fn new(op: &str, params: &[&'static str], positional: usize) -> Self {
        Sig {
            op: format!("{op}()"),
            params: params.to_vec(),
            positional,
            required: Vec::new(),
            unsupported: Vec::new(),
        }
    }

    pub(super) fn required(mut self, names: &[&'static str]) -> Self {
        self.required = names.to_vec();
        self
    }

    pub(super) fn unsupported(mut self, names: &[(&'static str, &'static str)]) -> Self {
        self.unsupported = names.to_vec();
        self
    }

    /// Binds the call's arguments to parameters with Python's rules; checks the first offence in text order.
    pub(super) fn bind<'c>(self, src: Source<'c>, call: &'c Call) -> Result<Bound<'c>, PipelineError> {
        let mut bound: Vec<(&'static str, &'c Spanned)> = Vec::new();
        let mut seen_keyword = false;
        for (i, Arg { name, value }) in call.args.iter().enumerate() {
            let (param, pos) = match name {
                None if seen_keyword => {
                    return Err(src.error(value.pos, "positional argument follows keyword argument"));
                }
                None if i >= self.positional.min(self.params.len()) => {
                    let what = format!(
                        "too many positional arguments to {}: it takes at most {}, got {}",
                        self.op,
                        self.positional.min(self.params.len()),
                        call.args.iter().filter(|a| a.name.is_none()).count()
                    );
                    return Err(src.error(value.pos, what));
                }
                None => (self.params[i], value.pos),
                Some((kw, pos)) => {
                    seen_keyword = true;
                    (self.keyword(src, kw, *pos)?, *pos)
                }
            };
            if bound.iter().any(|(p, _)| *p == param) {
                return Err(src.error(pos, format!("duplicate argument '{param}' to {}", self.op)));
            }
            bound.push((param, value));
        }
        if let Some(missing) = self.required.iter().find(|r| !bound.iter().any(|(p, _)| p == *r)) {
            let what = format!("{} missing required argument '{missing}'", self.op);
            return Err(src.error(call.pos, what));
        }
        Ok(Bound {
            src,
            op: self.op,
            args: bound,
        })
    }

    fn keyword(&self, src: Source, kw: &str, pos: Pos) -> Result<&'static str, PipelineError> {
        if let Some(p) = self.params.iter().find(|p| **p == kw) {
            return Ok(p);
        }
        if let Some((_, why)) = self.unsupported.iter().find(|(n, _)| *n == kw) {
            return Err(src.error(
                pos,
                format!("argument '{kw}' to {} is not supported yet ({why})", self.op),
            ));
        }
        let what = format!("unknown argument '{kw}' to {}", self.op);
        match closest(kw, &self.params) {
            Some(s) => Err(src.error_suggest(pos, what, Some(s))),
            None if self.params.is_empty() => Err(src.error(pos, format!("{what}: it takes no arguments"))),
            None => Err(src.error(pos, format!("{what} (valid: {})", self.params.join(", ")))),
        }
    }
}

/// Arguments bound to parameter names, with typed accessors that report errors at the value.
pub(super) struct Bound<'c> {
    pub(super) src: Source<'c>,
    pub(super) op: String,
    args: Vec<(&'static str, &'c Spanned)>,
}

impl<'c> Bound<'c> {
    pub(super) fn get(&self, name: &str) -> Option<&'c Spanned> {
        self.args.iter().find(|(p, _)| *p == name).map(|(_, v)| *v)
    }

    /// The argument's value unless absent or `None`.
    pub(super) fn given(&self, name: &str) -> Option<&'c Spanned> {
        self.get(name).filter(|v| v.value != Value::None)
    }

    pub(super) fn type_error(&self, name: &str, v: &Spanned, expected: &str) -> PipelineError {
        let what = format!(
            "{} argument '{name}' expects {expected}, got {}",
            self.op,
            v.value.describe()
        );
        self.src.error(v.pos, what)
    }

    pub(super) fn range_error(&self, name: &str, v: &Spanned, rule: &str) -> PipelineError {
        let what = format!("{} argument '{name}' must be {rule}, got {}", self.op, v.value);
        self.src.error(v.pos, what)
    }

    pub(super) fn opt_number(&self, name: &str) -> Result<Option<Number>, PipelineError> {
        match self.given(name) {
            None => Ok(None),
            Some(v) => match v.value {
                Value::Int(i) => Ok(Some(Number::Int(i))),
                Value::Float(f) => Ok(Some(Number::Float(f))),
                _ => Err(self.type_error(name, v, "a number")),
            },
        }
    }

    pub(super) fn opt_f64(&self, name: &str) -> Result<Option<f64>, PipelineError> {
        Ok(self.opt_number(name)?.map(|n| match n {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }))
    }

    /// An optional non-negative float.
    pub(super) fn opt_f64_min0(&self, name: &str) -> Result<Option<f64>, PipelineError> {
        match (self.opt_f64(name)?, self.get(name)) {
            (Some(x), Some(v)) if x < 0.0 => Err(self.range_error(name, v, "non-negative")),
            (x, _) => Ok(x),
        }
    }

    /// A float where `None` is not allowed.
    pub(super) fn f64(&self, name: &str, default: f64) -> Result<f64, PipelineError> {
        match self.get(name) {
            Some(v) if v.value == Value::None => Err(self.type_error(name, v, "a number")),
            _ => Ok(self.opt_f64(name)?.unwrap_or(default)),
        }
    }

    /// A float that must satisfy `ok` (described by `rule`).
    pub(super) fn f64_where(
        &self,
        name: &str,
        default: f64,
        ok: fn(f64) -> bool,
        rule: &str,
    ) -> Result<f64, PipelineError> {
        let x = self.f64(name, default)?;
        match self.get(name) {
            Some(v) if !ok(x) => Err(self.range_error(name, v, rule)),
            _ => Ok(x),
        }
    }

    pub(super) fn opt_int(&self, name: &str) -> Result<Option<(i64, &'c Spanned)>, PipelineError> {
        match self.given(name) {
            None => Ok(None),
            Some(v) => match v.value {
                Value::Int(i) => Ok(Some((i, v))),
                _ => Err(self.type_error(name, v, "an integer")),
            },
        }
    }

    /// An integer in `lo..=hi`.
    pub(super) fn int_in(&self, name: &str, default: i64, lo: i64, hi: i64) -> Result<i64, PipelineError> {
        if let Some(v) = self.get(name).filter(|v| v.value == Value::None) {
            return Err(self.type_error(name, v, "an integer"));
        }
        match self.opt_int(name)? {
            None => Ok(default),
            Some((i, _)) if (lo..=hi).contains(&i) => Ok(i),
            Some((_, v)) if hi == i64::MAX => Err(self.range_error(name, v, &format!("at least {lo}"))),
            Some((_, v)) => Err(self.range_error(name, v, &format!("between {lo} and {hi}"))),
        }
    }

    /// A non-negative integer that fits `u32`, at least `lo`.
    pub(super) fn u32_min(&self, name: &str, default: u32, lo: u32) -> Result<u32, PipelineError> {
        let i = self.int_in(name, i64::from(default), i64::from(lo), i64::MAX)?;
        match (u32::try_from(i), self.get(name)) {
            (Ok(n), _) => Ok(n),
            (Err(_), Some(v)) => Err(self.range_error(name, v, &format!("at most {}", u32::MAX))),
            (Err(_), None) => Ok(default),
        }
    }

    /// An optional integer of at least `lo` (≥ 0).
    pub(super) fn opt_u64(&self, name: &str, lo: i64) -> Result<Option<u64>, PipelineError> {
        match self.opt_int(name)? {
            None => Ok(None),
            Some((_, _)) => Ok(Some(self.int_in(name, lo, lo, i64::MAX)?.unsigned_abs())),
        }
    }

    pub(super) fn bool(&self, name: &str, default: bool) -> Result<bool, PipelineError> {
        match self.get(name) {
            None => Ok(default),
            Some(Spanned {
                value: Value::Bool(b), ..
            }) => Ok(*b),
            Some(v) => Err(self.type_error(name, v, "True or False")),
        }
    }

    pub(super) fn opt_str(&self, name: &str) -> Result<Option<(&'c str, Pos)>, PipelineError> {
        match self.given(name) {
            None => Ok(None),
            Some(Spanned {
                value: Value::Str(s),
                pos,
            }) => Ok(Some((s.as_str(), *pos))),
            Some(v) => Err(self.type_error(name, v, "a string")),
        }
    }

    pub(super) fn opt_string(&self, name: &str) -> Result<Option<String>, PipelineError> {
        Ok(self.opt_str(name)?.map(|(s, _)| s.to_string()))
    }

    /// A name from `choices` (case-insensitive, as ObsPy lowercases), or `default` when absent.
    pub(super) fn choice(
        &self,
        name: &str,
        what: &str,
        default: &str,
        choices: &[&'static str],
    ) -> Result<String, PipelineError> {
        if let Some(v) = self.get(name).filter(|v| v.value == Value::None) {
            return Err(self.type_error(name, v, "a string"));
        }
        let Some((s, pos)) = self.opt_str(name)? else {
            return Ok(default.to_string());
        };
        let lower = s.to_lowercase();
        if choices.contains(&lower.as_str()) {
            return Ok(lower);
        }
        let bad = format!("unknown {what} '{s}'");
        match closest(&lower, choices) {
            Some(c) => Err(self.src.error_suggest(pos, bad, Some(c))),
            None => Err(self.src.error(pos, format!("{bad} (valid: {})", choices.join(", ")))),
        }
    }

    /// An ISO-8601 time string.
    pub(super) fn time(&self, name: &str) -> Result<Option<Time>, PipelineError> {
        let Some(v) = self.given(name) else {
            return Ok(None);
        };
        let Value::Str(s) = &v.value else {
            return Err(self.type_error(name, v, "a time string such as '2024-01-01T00:00:00'"));
        };
        Time::parse(s)
            .map(Some)
            .map_err(|e| self.src.error(v.pos, format!("{} argument '{name}': {e}", self.op)))
    }

    /// Rejects `name` when given with a truthy value ObsPy supports but seispool cannot run.
    pub(super) fn only_false(&self, name: &str, why: &str) -> Result<(), PipelineError> {
        match (self.bool(name, false)?, self.get(name)) {
            (true, Some(v)) => Err(self
                .src
                .error(v.pos, format!("{} argument '{name}=True' {why}", self.op))),
            _ => Ok(()),
        }
    }
}

/// The value of a `type`/`method`-like selector: the `index`-th positional argument or the keyword.
pub(super) fn selector<'c>(call: &'c Call, index: usize, keyword: &str) -> Option<&'c Spanned> {
    let positional = call.args.iter().take_while(|a| a.name.is_none()).nth(index);
    let named = || {
        call.args
            .iter()
            .find(|a| a.name.as_ref().is_some_and(|(n, _)| n == keyword))
    };
    positional.or_else(named).map(|a| &a.value)
}

/// The selector as a lowercase string, `default` when absent; type errors are left to the binder.
pub(super) fn selector_name(call: &Call, index: usize, keyword: &str, default: &str) -> String {
    match selector(call, index, keyword).map(|v| &v.value) {
        Some(Value::Str(s)) => s.to_lowercase(),
        _ => default.to_string(),
    }
}

/// Checks the selector (`type`/`method`) before binding, since it decides which other arguments exist.
pub(super) fn check_selector(
    src: Source,
    call: &Call,
    sel: (usize, &str),
    what: &str,
    choices: &[&str],
) -> Result<(), PipelineError> {
    let (index, keyword) = sel;
    let Some(v) = selector(call, index, keyword) else {
        return Ok(());
    };
    let Value::Str(s) = &v.value else {
        let what = format!(
            "{}() argument '{keyword}' expects a string, got {}",
            call.name,
            v.value.describe()
        );
        return Err(src.error(v.pos, what));
    };
    let lower = s.to_lowercase();
    if choices.contains(&lower.as_str()) {
        return Ok(());
    }
    let bad = format!("unknown {what} '{s}'");
    match closest(&lower, choices) {
        Some(c) => Err(src.error_suggest(v.pos, bad, Some(c))),
        None => Err(src.error(v.pos, format!("{bad} (valid: {})", choices.join(", ")))),
    }
}
