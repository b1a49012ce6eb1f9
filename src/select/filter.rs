//! The filter language of `tck run --filter` and `tck list --filter`.
//!
//! One small expression language picks scripts by their metadata:
//!
//! ```text
//! expr    := or
//! or      := and (("|" | "or") and)*
//! and     := unary (("&" | "and") unary)*
//! unary   := ("!" | "not") unary | primary
//! primary := "(" expr ")" | "@" NAME | PREDICATE "(" ARGUMENT ")"
//! ```
//!
//! `!` binds tightest, then `&`, then `|`: `!a & b | c` is `((!a) & b) | c`.
//! Predicates: `all()`, `none()`, `id(GLOB)`, `area(GLOB)`, `tag(GLOB)`,
//! `priority(N)` with an optional comparison (`<=1`, `>=2`, `<1`, `>1`,
//! `=0`), and `requires(REQ)` where REQ is a requirement as `tck list`
//! shows it (`root`, `driver(QEMU)`, `resource(block_devices)`,
//! `booted-guest`) or just its kind (`driver`: any driver requirement).
//! An argument is everything up to the matching `)`, so it needs no quotes
//! (like nextest's filtersets, which this follows in spirit). Globs are
//! globset's (`*`, `?`, `[ab]`, `{a,b}`; `*` also matches `/`); `id` is
//! case-sensitive, `area`, `tag` and `requires` are not.
//!
//! `@name` stands for the filter set `name` from the configuration's
//! `[filters]` table, parsed in its place; a set that refers to itself,
//! directly or not, is an error.
//!
//! Errors say what was expected and point at the column, so the CLI can
//! print the expression with a caret under the culprit.

use std::collections::BTreeMap;
use std::fmt;

use crate::harness::discover::Script;

/// What a filter looks at in a script.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub id: &'a str,
    pub area: &'a str,
    pub tags: &'a [String],
    pub priority: u8,
    /// Requirements in their short form ([`crate::script::Require::describe`]).
    pub requirements: Vec<String>,
}

impl<'a> Subject<'a> {
    pub fn of(s: &'a Script) -> Self {
        Subject {
            id: &s.id,
            area: s.area(),
            tags: &s.tags,
            priority: s.meta.priority,
            requirements: s.requirements(),
        }
    }
}

/// A parsed filter expression.
#[derive(Debug, Clone)]
pub struct Filter {
    text: String,
    expr: Expr,
}

impl Filter {
    /// Parses `text`; `@name` references are looked up in `sets`.
    pub fn parse(text: &str, sets: &BTreeMap<String, String>) -> Result<Filter, FilterError> {
        let expr = parse_in(text, sets, &mut Vec::new())?;
        Ok(Filter {
            text: text.to_string(),
            expr,
        })
    }

    /// The expression as given.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn matches(&self, s: &Subject) -> bool {
        self.expr.eval(s)
    }

    /// Does the filter pick this script?
    pub fn picks(&self, s: &Script) -> bool {
        self.matches(&Subject::of(s))
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A bad filter expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// The text the error is in: the expression, or the named filter set
    /// it reaches through `@name`.
    pub expr: String,
    /// 0-based column (in characters) of the culprit in `expr`.
    pub column: usize,
    pub message: String,
    /// The filter sets the error is inside, outermost first (empty: the
    /// expression itself).
    pub sets: Vec<String>,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(inner) = self.sets.last() {
            let chain: Vec<String> = self.sets.iter().map(|s| format!("@{s}")).collect();
            write!(f, "in filter set @{inner}")?;
            if self.sets.len() > 1 {
                write!(f, " (reached through {})", chain.join(" → "))?;
            }
            f.write_str(", ")?;
        }
        writeln!(f, "column {}: {}", self.column + 1, self.message)?;
        writeln!(f, "    {}", self.expr)?;
        write!(f, "    {}^", " ".repeat(self.column))
    }
}

impl std::error::Error for FilterError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

#[derive(Debug, Clone)]
enum Expr {
    All,
    None,
    Id(globset::GlobMatcher),
    Area(globset::GlobMatcher),
    Tag(globset::GlobMatcher),
    Priority(Cmp, u8),
    Requires(Requirement),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

impl Expr {
    fn eval(&self, s: &Subject) -> bool {
        match self {
            Expr::All => true,
            Expr::None => false,
            Expr::Id(g) => g.is_match(s.id),
            Expr::Area(g) => g.is_match(s.area),
            Expr::Tag(g) => s.tags.iter().any(|t| g.is_match(t)),
            Expr::Priority(cmp, n) => match cmp {
                Cmp::Lt => s.priority < *n,
                Cmp::Le => s.priority <= *n,
                Cmp::Eq => s.priority == *n,
                Cmp::Ge => s.priority >= *n,
                Cmp::Gt => s.priority > *n,
            },
            Expr::Requires(q) => s
                .requirements
                .iter()
                .any(|r| q.matches(&Requirement::split(r))),
            Expr::Not(e) => !e.eval(s),
            Expr::And(a, b) => a.eval(s) && b.eval(s),
            Expr::Or(a, b) => a.eval(s) || b.eval(s),
        }
    }
}

/// A requirement split into its kind and arguments: `driver(QEMU|LXC)` →
/// `driver`, `[QEMU, LXC]`; `root` → `root`, none.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    kind: String,
    args: Option<Vec<String>>,
}

/// Requirement kinds, as [`crate::script::Require::describe`] spells them,
/// and whether they take an argument.
const REQUIREMENT_KINDS: [(&str, bool); 8] = [
    ("root", false),
    ("driver", true),
    ("resource", true),
    ("other-host", false),
    ("booted-guest", false),
    ("tool", true),
    ("local-host", false),
    ("disruptive", false),
];

impl Requirement {
    fn split(text: &str) -> Requirement {
        let text = text.trim();
        match text.split_once('(') {
            Some((kind, rest)) => Requirement {
                kind: kind.trim().to_ascii_lowercase(),
                args: Some(
                    rest.trim_end_matches(')')
                        .split('|')
                        .map(|a| a.trim().to_ascii_lowercase())
                        .filter(|a| !a.is_empty())
                        .collect(),
                ),
            },
            None => Requirement {
                kind: text.to_ascii_lowercase(),
                args: None,
            },
        }
    }

    /// Does this query match the script's requirement `r`? Same kind, and
    /// every argument of the query is one of `r`'s.
    fn matches(&self, r: &Requirement) -> bool {
        if self.kind != r.kind {
            return false;
        }
        match (&self.args, &r.args) {
            (None, _) => true,
            (Some(q), Some(have)) => q.iter().all(|a| have.contains(a)),
            (Some(_), None) => false,
        }
    }
}

fn parse_in(
    text: &str,
    sets: &BTreeMap<String, String>,
    stack: &mut Vec<String>,
) -> Result<Expr, FilterError> {
    let mut p = Parser {
        text,
        pos: 0,
        sets,
        stack,
    };
    p.skip_ws();
    if p.pos == text.len() {
        return Err(p.error(
            0,
            "the filter is empty; write e.g. all(), tag(slow) or area(domain) & !tag(slow)",
        ));
    }
    let e = p.or()?;
    p.skip_ws();
    if let Some(c) = p.peek() {
        let msg = if c == ')' {
            "unmatched `)`".to_string()
        } else {
            format!(
                "unexpected `{c}` after a complete expression; join predicates with & (and) or | (or)"
            )
        };
        return Err(p.error(p.pos, &msg));
    }
    Ok(e)
}

struct Parser<'a, 's> {
    text: &'a str,
    /// Byte offset.
    pos: usize,
    sets: &'a BTreeMap<String, String>,
    /// The named sets being expanded, outermost first.
    stack: &'s mut Vec<String>,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

impl Parser<'_, '_> {
    fn error(&self, byte: usize, message: &str) -> FilterError {
        let byte = byte.min(self.text.len());
        FilterError {
            expr: self.text.to_string(),
            column: self.text[..byte].chars().count(),
            message: message.to_string(),
            sets: self.stack.clone(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn skip_ws(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// A word at the current position (letters, digits, `_`, `-`).
    fn word(&self) -> &str {
        let rest = &self.text[self.pos..];
        let end = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
        &rest[..end]
    }

    /// Consumes the operator symbol `sym` or the keyword `kw`.
    fn operator(&mut self, sym: char, kw: &str) -> Result<bool, FilterError> {
        self.skip_ws();
        if self.peek() == Some(sym) {
            let at = self.pos;
            self.pos += sym.len_utf8();
            if self.peek() == Some(sym) {
                return Err(self.error(
                    at,
                    &format!("`{sym}{sym}`: write a single `{sym}` (or `{kw}`)"),
                ));
            }
            return Ok(true);
        }
        if self.word() == kw {
            self.pos += kw.len();
            return Ok(true);
        }
        Ok(false)
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.and()?;
        while self.operator('|', "or")? {
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.unary()?;
        while self.operator('&', "and")? {
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        self.skip_ws();
        if self.peek() == Some('!') {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.word() == "not" {
            self.pos += 3;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            None => Err(self.error(
                start,
                "expected a predicate such as tag(slow), `!`, `(` or @name, found the end of the filter",
            )),
            Some('(') => {
                self.pos += 1;
                let e = self.or()?;
                self.skip_ws();
                if self.peek() == Some(')') {
                    self.pos += 1;
                    Ok(e)
                } else {
                    let found = match self.peek() {
                        None => "the end of the filter".to_string(),
                        Some(c) => format!("`{c}`"),
                    };
                    Err(self.error(
                        self.pos,
                        &format!(
                            "expected `)` to close the `(` at column {}, found {found}",
                            self.text[..start].chars().count() + 1
                        ),
                    ))
                }
            }
            Some('@') => {
                self.pos += 1;
                let name = self.word().to_string();
                if name.is_empty() {
                    return Err(self.error(
                        self.pos,
                        "expected the name of a filter set after `@` (e.g. @smoke)",
                    ));
                }
                self.pos += name.len();
                self.named(&name, start)
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let name = self.word().to_string();
                self.pos += name.len();
                if name == "and" || name == "or" {
                    return Err(self.error(
                        start,
                        &format!("expected a predicate before `{name}`"),
                    ));
                }
                self.skip_ws();
                if self.peek() != Some('(') {
                    let hint = if PREDICATES.iter().any(|(p, _)| *p == name) {
                        format!("write {name}(…)")
                    } else {
                        format!("predicates are written like tag({name})")
                    };
                    return Err(self.error(
                        self.pos,
                        &format!("expected `(` after `{name}`: {hint}"),
                    ));
                }
                let open = self.pos;
                self.pos += 1;
                let (from, to) = self.argument(open, &name)?;
                self.predicate(&name, start, &self.text[from..to], from)
            }
            Some(')') => Err(self.error(
                start,
                "expected a predicate before `)` (empty parentheses or a dangling operator)",
            )),
            Some(c) => Err(self.error(
                start,
                &format!("unexpected `{c}`; expected a predicate such as tag(slow), `!`, `(` or @name"),
            )),
        }
    }

    /// The byte range of the argument up to the `)` matching the `(` at
    /// `open`, without surrounding blanks.
    fn argument(&mut self, open: usize, name: &str) -> Result<(usize, usize), FilterError> {
        let mut depth = 1usize;
        let from = self.pos;
        for (i, c) in self.text[from..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        let raw = &self.text[from..from + i];
                        self.pos = from + i + 1;
                        let lead = raw.len() - raw.trim_start().len();
                        return Ok((from + lead, from + lead + raw.trim().len()));
                    }
                }
                _ => {}
            }
        }
        Err(self.error(open, &format!("the `(` of {name}( is never closed")))
    }

    fn predicate(
        &self,
        name: &str,
        start: usize,
        arg: &str,
        arg_at: usize,
    ) -> Result<Expr, FilterError> {
        let glob = |case_insensitive: bool| -> Result<globset::GlobMatcher, FilterError> {
            if arg.is_empty() {
                return Err(self.error(
                    arg_at,
                    &format!("{name}() needs a glob, e.g. {name}({})", example(name)),
                ));
            }
            globset::GlobBuilder::new(arg)
                .case_insensitive(case_insensitive)
                .literal_separator(false)
                .build()
                .map(|g| g.compile_matcher())
                .map_err(|e| self.error(arg_at, &format!("invalid glob {arg:?}: {}", e.kind())))
        };
        match name {
            "all" | "none" => {
                if !arg.is_empty() {
                    return Err(self.error(arg_at, &format!("{name}() takes no argument")));
                }
                Ok(if name == "all" { Expr::All } else { Expr::None })
            }
            "id" => Ok(Expr::Id(glob(false)?)),
            "area" => Ok(Expr::Area(glob(true)?)),
            "tag" => Ok(Expr::Tag(glob(true)?)),
            "priority" => self.priority(arg, arg_at),
            "requires" => self.requirement(arg, arg_at),
            _ => {
                let mut near: Vec<(usize, &str)> = PREDICATES
                    .iter()
                    .map(|(p, _)| (crate::harness::discover::distance(name, p), *p))
                    .filter(|(d, _)| *d <= 2)
                    .collect();
                near.sort();
                let hint = match near.first() {
                    Some((_, p)) => format!("did you mean {p}()? "),
                    None => String::new(),
                };
                let all: Vec<String> = PREDICATES
                    .iter()
                    .map(|(p, a)| format!("{p}({a})"))
                    .collect();
                Err(self.error(
                    start,
                    &format!(
                        "unknown predicate `{name}`; {hint}predicates are {}",
                        all.join(", ")
                    ),
                ))
            }
        }
    }

    fn priority(&self, arg: &str, arg_at: usize) -> Result<Expr, FilterError> {
        let (cmp, num) = if let Some(n) = arg.strip_prefix("<=") {
            (Cmp::Le, n)
        } else if let Some(n) = arg.strip_prefix(">=") {
            (Cmp::Ge, n)
        } else if let Some(n) = arg.strip_prefix('<') {
            (Cmp::Lt, n)
        } else if let Some(n) = arg.strip_prefix('>') {
            (Cmp::Gt, n)
        } else if let Some(n) = arg.strip_prefix('=') {
            (Cmp::Eq, n)
        } else {
            (Cmp::Eq, arg)
        };
        let num_at = arg_at + (arg.len() - num.len()) + (num.len() - num.trim_start().len());
        num.trim().parse::<u8>().map(|n| Expr::Priority(cmp, n)).map_err(|_| {
            self.error(
                if num.trim().is_empty() { arg_at } else { num_at },
                "priority() takes a number from 0 (smoke) to 255, with an optional comparison: \
                 priority(0), priority(<=1), priority(>=2), priority(<2), priority(>0), priority(=1)",
            )
        })
    }

    fn requirement(&self, arg: &str, arg_at: usize) -> Result<Expr, FilterError> {
        let known: Vec<String> = REQUIREMENT_KINDS
            .iter()
            .map(|(k, a)| {
                if *a {
                    format!("{k}(…)")
                } else {
                    k.to_string()
                }
            })
            .collect();
        if arg.is_empty() {
            return Err(self.error(
                arg_at,
                &format!(
                    "requires() needs a requirement as `tck list` shows it: {}",
                    known.join(", ")
                ),
            ));
        }
        let q = Requirement::split(arg);
        let Some((_, takes_arg)) = REQUIREMENT_KINDS.iter().find(|(k, _)| *k == q.kind) else {
            return Err(self.error(
                arg_at,
                &format!(
                    "unknown requirement `{}`; requirements are {}",
                    q.kind,
                    known.join(", ")
                ),
            ));
        };
        match &q.args {
            Some(_) if !takes_arg => Err(self.error(
                arg_at,
                &format!("the requirement `{}` takes no argument", q.kind),
            )),
            Some(a) if a.is_empty() => Err(self.error(
                arg_at,
                &format!(
                    "`{}()` is empty: give e.g. {}, or just `{}` for any",
                    q.kind,
                    example_requirement(&q.kind),
                    q.kind
                ),
            )),
            _ if arg.matches('(').count() != arg.matches(')').count()
                || (arg.contains('(') && !arg.ends_with(')')) =>
            {
                Err(self.error(
                    arg_at,
                    &format!(
                        "`{arg}` is not a requirement; write e.g. {}",
                        example_requirement(&q.kind)
                    ),
                ))
            }
            _ => Ok(Expr::Requires(q)),
        }
    }

    /// Expands `@name` (the `@` at byte `at`).
    fn named(&mut self, name: &str, at: usize) -> Result<Expr, FilterError> {
        let Some(text) = self.sets.get(name) else {
            let defined: Vec<String> = self.sets.keys().map(|k| format!("@{k}")).collect();
            let msg = if defined.is_empty() {
                format!(
                    "unknown filter set @{name}: the configuration defines none \
                     (add it under [filters] in the configuration file)"
                )
            } else {
                format!(
                    "unknown filter set @{name}; the configuration defines {}",
                    defined.join(", ")
                )
            };
            return Err(self.error(at, &msg));
        };
        if let Some(i) = self.stack.iter().position(|s| s == name) {
            let mut cycle: Vec<String> = self.stack[i..].iter().map(|s| format!("@{s}")).collect();
            cycle.push(format!("@{name}"));
            return Err(self.error(
                at,
                &format!("filter set @{name} refers to itself: {}", cycle.join(" → ")),
            ));
        }
        self.stack.push(name.to_string());
        let e = parse_in(text, self.sets, self.stack);
        self.stack.pop();
        e
    }
}

/// Predicates and the form of their argument, for messages.
const PREDICATES: [(&str, &str); 7] = [
    ("all", ""),
    ("none", ""),
    ("id", "GLOB"),
    ("area", "GLOB"),
    ("tag", "GLOB"),
    ("priority", "N"),
    ("requires", "REQ"),
];

fn example(name: &str) -> &'static str {
    match name {
        "id" => "domain/0*",
        "area" => "domain",
        _ => "slow",
    }
}

fn example_requirement(kind: &str) -> &'static str {
    match kind {
        "driver" => "driver(QEMU)",
        "resource" => "resource(block_devices)",
        "tool" => "tool(qemu-img)",
        _ => "root",
    }
}

#[cfg(test)]
mod tests;
