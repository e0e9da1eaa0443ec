//! R-style moderator formulas turned into a model matrix with R's column
//! names and treatment coding: `~ a + factor(b) - 1`, interactions `a:b`
//! and `a*b` (= `a + b + a:b`), arithmetic `I(x^2)`, `I(x - 50)`, and a
//! chosen reference level `relevel(factor(x), ref = "B")`.
//!
//! Terms are ordered as R's `terms()` orders them (by degree, main effects
//! first, each degree in order of appearance). A factor in a term is coded
//! by contrasts when the term without it is in the model (the intercept
//! counts as the empty term), else by one indicator per level, as R's
//! `model.matrix` decides; in an interaction the first variable varies
//! fastest and column names are joined with `:`.

use crate::error::MetaError;

/// An arithmetic expression inside `I(...)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number (with its text as written).
    Num(f64),
    /// A numeric column.
    Col(String),
    /// Unary minus.
    Neg(Box<Expr>),
    /// A binary operation: `+ - * / ^`.
    Bin(char, Box<Expr>, Box<Expr>),
    /// Parentheses (kept for the R name).
    Paren(Box<Expr>),
}

/// One variable of a term.
#[derive(Debug, Clone, PartialEq)]
pub enum Var {
    /// A column used as is (a text column becomes a factor, as in R).
    Column(String),
    /// `factor(column)`.
    Factor(String),
    /// `relevel(factor(column), ref = "level")`: a factor whose reference
    /// (first) level is the one named; `label` is R's deparsed call.
    Relevel {
        /// Column.
        column: String,
        /// Reference level.
        reference: String,
        /// R's name of the variable.
        label: String,
    },
    /// `I(expr)`; `label` is R's deparsed call.
    Arith {
        /// The expression.
        expr: Expr,
        /// R's name of the variable.
        label: String,
    },
}

/// One term: a main effect (one variable) or an interaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Its variables, in the order written.
    pub vars: Vec<Var>,
}

/// A parsed moderator formula.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    /// The terms, in R's order.
    pub terms: Vec<Term>,
    /// Whether the model has an intercept.
    pub intercept: bool,
    /// The text as given.
    pub text: String,
}

pub(crate) fn ferr(text: &str, message: impl Into<String>) -> MetaError {
    MetaError::Formula {
        formula: text.to_string(),
        message: message.into(),
    }
}

fn is_name(s: &str) -> bool {
    let mut ch = s.chars();
    ch.next().is_some_and(|c| c.is_alphabetic() || c == '.' || c == '_')
        && s.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '_')
}

/// Splits `s` at the top-level (outside parentheses and quotes) characters
/// in `at`, returning each piece with the separator before it.
fn split_top(s: &str, at: &[char], first: char) -> Vec<(char, String)> {
    let (mut depth, mut quote) = (0i32, None::<char>);
    let mut out = Vec::new();
    let (mut sep, mut cur) = (first, String::new());
    for c in s.chars() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, _) if depth == 0 && at.contains(&c) => {
                out.push((sep, std::mem::take(&mut cur)));
                sep = c;
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push((sep, cur));
    out
}

impl Var {
    /// R's name of the variable (the prefix of its columns).
    pub fn label(&self) -> String {
        match self {
            Var::Column(c) => c.clone(),
            Var::Factor(c) => format!("factor({c})"),
            Var::Relevel { label, .. } | Var::Arith { label, .. } => label.clone(),
        }
    }

    pub(crate) fn columns(&self, out: &mut Vec<String>) {
        match self {
            Var::Column(c) | Var::Factor(c) | Var::Relevel { column: c, .. } => out.push(c.clone()),
            Var::Arith { expr, .. } => expr.columns(out),
        }
    }

    fn parse(text: &str, t: &str) -> Result<Var, MetaError> {
        let call = |name: &str| {
            t.strip_prefix(name)
                .and_then(|r| r.strip_prefix('('))
                .and_then(|r| r.strip_suffix(')'))
        };
        if let Some(inner) = call("factor") {
            let inner = inner.trim();
            if !is_name(inner) {
                return Err(ferr(text, format!("factor() needs a column name, got '{inner}'")));
            }
            return Ok(Var::Factor(inner.to_string()));
        }
        if let Some(inner) = call("relevel") {
            let args = split_top(inner, &[','], ',');
            let usage = "write relevel(factor(x), ref = \"B\")";
            let [(_, x), (_, r)] = args.as_slice() else {
                return Err(ferr(
                    text,
                    format!("relevel() takes a factor and its reference level: {usage}"),
                ));
            };
            let x = x.trim();
            let (column, x) = match call_arg(x, "factor") {
                Some(c) => (c.clone(), format!("factor({c})")),
                None if is_name(x) => (x.to_string(), x.to_string()),
                None => {
                    return Err(ferr(
                        text,
                        format!("relevel() needs a column or factor(column): {usage}"),
                    ))
                }
            };
            let r = r.trim();
            let (named, value) = match r.split_once('=') {
                Some((k, v)) if k.trim() == "ref" => (true, v.trim()),
                Some(_) => return Err(ferr(text, format!("relevel() knows only the argument ref: {usage}"))),
                None => (false, r),
            };
            let unquoted = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')));
            let Some(reference) = unquoted else {
                return Err(ferr(
                    text,
                    format!("relevel()'s reference level must be quoted: {usage}"),
                ));
            };
            let label = format!("relevel({x}, {}\"{reference}\")", if named { "ref = " } else { "" });
            return Ok(Var::Relevel {
                column,
                reference: reference.to_string(),
                label,
            });
        }
        if let Some(inner) = call("I") {
            let mut p = ExprParser {
                s: inner.as_bytes(),
                i: 0,
                text,
            };
            let expr = p.expr()?;
            p.skip_ws();
            if p.i != p.s.len() {
                return Err(ferr(text, format!("unexpected '{}' in I({inner})", &inner[p.i..])));
            }
            let label = format!("I({})", expr.deparse());
            return Ok(Var::Arith { expr, label });
        }
        if is_name(t) {
            return Ok(Var::Column(t.to_string()));
        }
        Err(ferr(
            text,
            format!(
                "unsupported term '{t}' (allowed: columns, factor(x), relevel(factor(x), ref = \"B\"), I(arithmetic), a:b, a*b, 1, 0, - 1)"
            ),
        ))
    }
}

fn call_arg(s: &str, name: &str) -> Option<String> {
    let inner = s
        .strip_prefix(name)?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')?
        .trim();
    is_name(inner).then(|| inner.to_string())
}

impl Expr {
    pub(crate) fn columns(&self, out: &mut Vec<String>) {
        match self {
            Expr::Num(_) => {}
            Expr::Col(c) => out.push(c.clone()),
            Expr::Neg(e) | Expr::Paren(e) => e.columns(out),
            Expr::Bin(_, a, b) => {
                a.columns(out);
                b.columns(out);
            }
        }
    }

    /// The expression as R's `deparse` writes it (spaces around `+ - *`,
    /// none around `/` and `^`).
    pub fn deparse(&self) -> String {
        match self {
            Expr::Num(x) => {
                if x.fract() == 0.0 && x.abs() < 1e15 {
                    format!("{}", *x as i64)
                } else {
                    format!("{x}")
                }
            }
            Expr::Col(c) => c.clone(),
            Expr::Neg(e) => format!("-{}", e.deparse()),
            Expr::Paren(e) => format!("({})", e.deparse()),
            Expr::Bin(op @ ('/' | '^'), a, b) => format!("{}{op}{}", a.deparse(), b.deparse()),
            Expr::Bin(op, a, b) => format!("{} {op} {}", a.deparse(), b.deparse()),
        }
    }

    pub(crate) fn eval(&self, row: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
        Some(match self {
            Expr::Num(x) => *x,
            Expr::Col(c) => row(c)?,
            Expr::Neg(e) => -e.eval(row)?,
            Expr::Paren(e) => e.eval(row)?,
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.eval(row)?, b.eval(row)?);
                match op {
                    '+' => a + b,
                    '-' => a - b,
                    '*' => a * b,
                    '/' => a / b,
                    _ => a.powf(b),
                }
            }
        })
    }
}

/// Recursive descent over `I(...)`: `+ -` below `* /` below unary minus
/// below `^` (right-associative; `-x^2` is `-(x^2)` as in R).
struct ExprParser<'a> {
    s: &'a [u8],
    i: usize,
    text: &'a str,
}

impl ExprParser<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.i).copied()
    }
    fn expr(&mut self) -> Result<Expr, MetaError> {
        let mut e = self.product()?;
        while let Some(op @ (b'+' | b'-')) = self.peek() {
            self.i += 1;
            e = Expr::Bin(op as char, Box::new(e), Box::new(self.product()?));
        }
        Ok(e)
    }
    fn product(&mut self) -> Result<Expr, MetaError> {
        let mut e = self.unary()?;
        while let Some(op @ (b'*' | b'/')) = self.peek() {
            self.i += 1;
            e = Expr::Bin(op as char, Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }
    fn unary(&mut self) -> Result<Expr, MetaError> {
        if self.peek() == Some(b'-') {
            self.i += 1;
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        let base = self.atom()?;
        if self.peek() == Some(b'^') {
            self.i += 1;
            return Ok(Expr::Bin('^', Box::new(base), Box::new(self.unary()?)));
        }
        Ok(base)
    }
    fn atom(&mut self) -> Result<Expr, MetaError> {
        match self.peek() {
            Some(b'(') => {
                self.i += 1;
                let e = self.expr()?;
                if self.peek() != Some(b')') {
                    return Err(ferr(self.text, "a '(' without its ')' in I(...)"));
                }
                self.i += 1;
                Ok(Expr::Paren(Box::new(e)))
            }
            Some(c) if c.is_ascii_digit() || c == b'.' => {
                let start = self.i;
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_digit()
                        || self.s[self.i] == b'.'
                        || self.s[self.i] == b'e'
                        || ((self.s[self.i] == b'-' || self.s[self.i] == b'+') && self.s[self.i - 1] == b'e'))
                {
                    self.i += 1;
                }
                let t = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
                t.parse::<f64>()
                    .map(Expr::Num)
                    .map_err(|_| ferr(self.text, format!("'{t}' is not a number in I(...)")))
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                let start = self.i;
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_alphanumeric() || b"._".contains(&self.s[self.i]))
                {
                    self.i += 1;
                }
                Ok(Expr::Col(String::from_utf8_lossy(&self.s[start..self.i]).into_owned()))
            }
            _ => Err(ferr(
                self.text,
                "I(...) takes numbers, columns, + - * / ^ and parentheses",
            )),
        }
    }
}

impl Formula {
    /// Parses a formula; `- 1` or `+ 0` removes the intercept.
    pub fn parse(text: &str) -> Result<Formula, MetaError> {
        let body = text.trim();
        let body = body.strip_prefix('~').unwrap_or(body).trim();
        if body.is_empty() {
            return Err(ferr(text, "empty formula (write e.g. \"~ x + factor(g)\")"));
        }
        let mut terms: Vec<Term> = Vec::new();
        let mut intercept = true;
        for (i, (sign, raw)) in split_top(body, &['+', '-'], '+').into_iter().enumerate() {
            let t = raw.trim();
            if t.is_empty() {
                if i == 0 && sign == '+' {
                    continue; // leading "- 1"
                }
                return Err(ferr(text, "a '+' or '-' without a term"));
            }
            match (sign, t) {
                ('-', "1") | ('+', "0") | ('-', "0") => intercept = false,
                ('+', "1") => intercept = true,
                ('-', _) => {
                    return Err(ferr(
                        text,
                        format!("removing the term '{t}' is not supported (only '- 1')"),
                    ))
                }
                _ => {
                    // a*b*c: every product of the operands (R's crossing).
                    let mut crossed: Vec<Vec<Var>> = Vec::new();
                    for (_, operand) in split_top(t, &['*'], '*') {
                        let mut vars = Vec::new();
                        for (_, v) in split_top(operand.trim(), &[':'], ':') {
                            let v = v.trim();
                            if v.is_empty() {
                                return Err(ferr(text, format!("a ':' or '*' without a variable in '{t}'")));
                            }
                            let var = Var::parse(text, v)?;
                            if !vars.contains(&var) {
                                vars.push(var);
                            }
                        }
                        let mut next = crossed.clone();
                        next.push(vars.clone());
                        for c in &crossed {
                            let mut joined = c.clone();
                            joined.extend(vars.iter().filter(|v| !c.contains(v)).cloned());
                            next.push(joined);
                        }
                        crossed = next;
                    }
                    for vars in crossed {
                        let same = |t: &Term| t.vars.len() == vars.len() && vars.iter().all(|v| t.vars.contains(v));
                        if !terms.iter().any(same) {
                            terms.push(Term { vars });
                        }
                    }
                }
            }
        }
        // R orders terms by degree, stably.
        terms.sort_by_key(|t| t.vars.len());
        Ok(Formula {
            terms,
            intercept,
            text: text.to_string(),
        })
    }

    /// The columns the formula reads.
    pub fn columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        for t in &self.terms {
            for v in &t.vars {
                v.columns(&mut out);
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        out.retain(|c| seen.insert(c.clone()));
        out
    }

    pub(crate) fn has_term(&self, vars: &[&Var]) -> bool {
        self.terms
            .iter()
            .any(|t| t.vars.len() == vars.len() && vars.iter().all(|v| t.vars.contains(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_intercept_rules() {
        let f = Formula::parse("~ ablat + factor(alloc) - 1").unwrap();
        assert!(!f.intercept);
        assert_eq!(f.terms.len(), 2);
        assert_eq!(f.terms[1].vars, vec![Var::Factor("alloc".into())]);
        assert!(!Formula::parse("~ 0 + x").unwrap().intercept);
        assert!(Formula::parse("x").unwrap().intercept);
        assert!(Formula::parse("~ ").is_err());
        assert!(Formula::parse("~ log(x)").is_err());
    }

    #[test]
    fn crossing_and_order_follow_r() {
        // a*b = a + b + a:b; R puts main effects before interactions.
        let f = Formula::parse("~ a:b + c").unwrap();
        let labels: Vec<String> = f
            .terms
            .iter()
            .map(|t| t.vars.iter().map(Var::label).collect::<Vec<_>>().join(":"))
            .collect();
        assert_eq!(labels, ["c", "a:b"]);
        let f = Formula::parse("~ a * factor(b)").unwrap();
        assert_eq!(f.terms.len(), 3);
    }

    #[test]
    fn deparses_as_r() {
        let f = Formula::parse("~ I(x^2) + I(x-50) + I(2*x/3) + relevel(factor(g), ref='B')").unwrap();
        let labels: Vec<String> = f.terms.iter().map(|t| t.vars[0].label()).collect();
        assert_eq!(
            labels,
            ["I(x^2)", "I(x - 50)", "I(2 * x/3)", "relevel(factor(g), ref = \"B\")"]
        );
    }
}
