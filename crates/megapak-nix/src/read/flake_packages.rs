//! The walk over a parsed flake that finds its Python package lists and their entries. The rules
//! are documented on the crate.

use std::collections::{BTreeMap, HashSet};

use rnix::ast::{self, BinOpKind, Expr, HasEntry};
use rnix::{NodeOrToken, SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize};
use rowan::ast::AstNode;

use super::commented_entries::commented_names;
use super::item_names::{attr_name, ident_text, item_name, static_path, strip_parens};
use super::package_sets::{is_override, is_python_interpreter, is_python_set};
use super::scope::{param_name, resolve};
use super::{EntryState, FlakeEntry};
use crate::location::LineIndex;

/// How many `let` bindings one chain may follow (`a = b; b = c; …`) before giving up.
const MAX_RESOLVE_DEPTH: u32 = 32;

/// Every Python package entry under `root`, in file order.
pub(super) fn find_entries(root: &SyntaxNode, index: &LineIndex) -> Vec<FlakeEntry> {
    let mut walker = Walker {
        index,
        entries: BTreeMap::new(),
        visited: HashSet::new(),
    };
    // First the lists that are Python lists as a whole: they name every item.
    for node in root.descendants() {
        if let Some(apply) = ast::Apply::cast(node.clone()) {
            if is_with_packages(&apply)
                && let Some(argument) = apply.argument()
            {
                walker.python_expr(&argument, &PythonScope::default());
            }
        } else if let Some(with) = ast::With::cast(node) {
            let namespace = with.namespace().map(|ns| static_path(&ns));
            if let (Some(namespace), Some(body)) = (namespace, with.body())
                && is_python_set(&namespace)
            {
                let scope = PythonScope::default().with_set(namespace.join("."));
                walker.python_expr(&body, &scope);
            }
        }
    }
    // Then any other list, for the items selected from a Python package set by name.
    for list in root.descendants().filter_map(ast::List::cast) {
        walker.list(&list, Mode::Loose);
    }
    walker.entries.into_values().collect()
}

/// What is known, inside a Python package list, about the names in scope.
#[derive(Debug, Clone, Default)]
struct PythonScope {
    /// Function arguments that are a Python package set (`ps` in `ps: with ps; [ … ]`).
    params: Vec<String>,
    /// The Python package sets of the enclosing `with`s, innermost last, as written.
    withs: Vec<String>,
    /// How many `let` bindings were followed to get here.
    depth: u32,
}

impl PythonScope {
    fn with_set(mut self, set: String) -> Self {
        self.withs.push(set);
        self
    }

    fn deeper(&self) -> Self {
        Self {
            depth: self.depth + 1,
            ..self.clone()
        }
    }

    /// The set a bare name belongs to: the innermost Python `with`.
    fn bare_set(&self) -> Option<String> {
        self.withs.last().cloned()
    }
}

/// How a list is read.
#[derive(Debug, Clone, Copy)]
enum Mode<'a> {
    /// A Python package list: every item that names a package is an entry.
    Python(&'a PythonScope),
    /// Any other list: only items selected from a set named like a Python package set are.
    Loose,
}

#[derive(Debug)]
struct Walker<'a> {
    index: &'a LineIndex<'a>,
    /// Keyed by where the entry starts: an entry reached twice (a `let`-bound list used twice,
    /// or seen by both passes) is reported once, as first found.
    entries: BTreeMap<TextSize, FlakeEntry>,
    /// Expressions already walked as Python package lists, so that `a = b ++ b; b = c ++ c; …`
    /// stays linear.
    visited: HashSet<(SyntaxKind, TextRange)>,
}

impl Walker<'_> {
    /// Walks `expr`, whose value is (part of) a Python package list or a function returning one.
    fn python_expr(&mut self, expr: &Expr, scope: &PythonScope) {
        let node = expr.syntax();
        if scope.depth > MAX_RESOLVE_DEPTH || !self.visited.insert((node.kind(), node.text_range()))
        {
            return;
        }
        match expr {
            Expr::Paren(paren) => self.python_opt(paren.expr(), scope),
            Expr::List(list) => self.list(list, Mode::Python(scope)),
            Expr::BinOp(op) if op.operator() == Some(BinOpKind::Concat) => {
                self.python_opt(op.lhs(), scope);
                self.python_opt(op.rhs(), scope);
            }
            Expr::With(with) => {
                let mut inner = scope.clone();
                if let Some(namespace) = with.namespace() {
                    let path = static_path(&namespace);
                    let is_param = matches!(path.as_slice(), [name] if scope.params.contains(name));
                    if is_param || is_python_set(&path) {
                        inner.withs.push(path.join("."));
                    }
                }
                self.python_opt(with.body(), &inner);
            }
            Expr::Lambda(lambda) => {
                let mut inner = scope.clone();
                inner.params.extend(param_name(lambda));
                self.python_opt(lambda.body(), &inner);
            }
            Expr::LetIn(let_in) => self.python_opt(let_in.body(), scope),
            Expr::IfElse(if_else) => {
                self.python_opt(if_else.body(), scope);
                self.python_opt(if_else.else_body(), scope);
            }
            Expr::Ident(ident) => self.python_opt(resolve(ident), &scope.deeper()),
            Expr::Apply(apply) => {
                let function = apply.lambda();
                if let Some(Expr::AttrSet(set)) = attr_values_argument(apply) {
                    // `builtins.attrValues { inherit (ps) torch numpy; }`: the set's values.
                    self.attr_values(&set, scope);
                } else if let Some(lambda) = function.clone().and_then(called_lambda) {
                    // `serverDeps p`: the list is what the function returns.
                    self.python_expr(&Expr::Lambda(lambda), &scope.deeper());
                } else {
                    // `lib.optionals cond [ … ]`: the list is an argument.
                    self.python_opt(apply.argument(), scope);
                    if let Some(function @ Expr::Apply(_)) = function {
                        self.python_expr(&function, scope);
                    }
                }
            }
            _ => {}
        }
    }

    /// The values of a set whose values are the packages (the argument of `attrValues`):
    /// `inherit (ps) torch;`, `inherit numpy;` and `name = ps.scipy;` are entries.
    fn attr_values(&mut self, set: &ast::AttrSet, scope: &PythonScope) {
        for entry in set.entries() {
            match entry {
                ast::Entry::Inherit(inherit) => {
                    let written = match inherit.from().and_then(|from| from.expr()) {
                        Some(from) => static_path(&from),
                        None => Vec::new(),
                    };
                    let Some(set) = entry_set(&written, Mode::Python(scope)) else {
                        continue;
                    };
                    for attr in inherit.attrs() {
                        let Some(name) = attr_name(&attr) else {
                            continue;
                        };
                        let start = attr.syntax().text_range().start();
                        self.insert(
                            start,
                            FlakeEntry {
                                attr: name,
                                set: set.clone(),
                                state: EntryState::Listed,
                                note: None,
                                location: self.index.location(start),
                            },
                        );
                    }
                }
                ast::Entry::AttrpathValue(binding) => {
                    if let Some(value) = binding.value() {
                        self.listed(&value, Mode::Python(scope));
                    }
                }
            }
        }
    }

    fn python_opt(&mut self, expr: Option<Expr>, scope: &PythonScope) {
        if let Some(expr) = expr {
            self.python_expr(&expr, scope);
        }
    }

    /// Reads the items and the comments directly inside `list`. Comments nested deeper (inside
    /// an override's attribute set) are not entries of this list.
    fn list(&mut self, list: &ast::List, mode: Mode<'_>) {
        // The start of the previous item while no line break has followed it: a comment then is
        // that item's trailing note, not a commented-out entry.
        let mut item_on_this_line: Option<TextSize> = None;
        for element in list.syntax().children_with_tokens() {
            match element {
                NodeOrToken::Node(node) => {
                    if let Some(item) = Expr::cast(node) {
                        self.listed(&item, mode);
                        item_on_this_line = Some(item.syntax().text_range().start());
                    }
                }
                NodeOrToken::Token(token) => match token.kind() {
                    SyntaxKind::TOKEN_WHITESPACE if token.text().contains('\n') => {
                        item_on_this_line = None;
                    }
                    SyntaxKind::TOKEN_COMMENT => match item_on_this_line.take() {
                        Some(item) => self.attach_note(item, &token),
                        None => self.commented(&token, mode),
                    },
                    _ => {}
                },
            }
        }
    }

    fn listed(&mut self, item: &Expr, mode: Mode<'_>) {
        let Some(name) = item_name(item) else {
            return;
        };
        let Some(set) = entry_set(&name.set, mode) else {
            return;
        };
        self.insert(
            item.syntax().text_range().start(),
            FlakeEntry {
                attr: name.attr,
                set,
                state: EntryState::Listed,
                note: None,
                location: self.index.location(item.syntax().text_range().start()),
            },
        );
    }

    fn commented(&mut self, comment: &SyntaxToken, mode: Mode<'_>) {
        let start = comment.text_range().start();
        for mut name in commented_names(comment.text()) {
            let Some(attr) = name.path.pop() else {
                continue;
            };
            let Some(set) = entry_set(&name.path, mode) else {
                continue;
            };
            let offset = start + TextSize::try_from(name.offset).unwrap_or_default();
            self.insert(
                offset,
                FlakeEntry {
                    attr,
                    set,
                    state: EntryState::CommentedOut,
                    note: name.note,
                    location: self.index.location(offset),
                },
            );
        }
    }

    /// Gives the entry starting at `item` the text of `comment` as its note, unless it has one.
    fn attach_note(&mut self, item: TextSize, comment: &SyntaxToken) {
        if let Some(entry) = self.entries.get_mut(&item)
            && entry.note.is_none()
        {
            entry.note = comment_text(comment.text());
        }
    }

    fn insert(&mut self, at: TextSize, entry: FlakeEntry) {
        self.entries.entry(at).or_insert(entry);
    }
}

/// The `set` of an entry written with the set path `written` (empty for a bare name), or
/// `None` if in this mode it is not a Python entry.
fn entry_set(written: &[String], mode: Mode<'_>) -> Option<Option<String>> {
    match mode {
        Mode::Python(scope) if written.is_empty() => Some(scope.bare_set()),
        Mode::Python(_) => Some(Some(written.join("."))),
        Mode::Loose if is_python_set(written) => Some(Some(written.join("."))),
        Mode::Loose => None,
    }
}

/// A comment's words without the `#` or `/* */` around them; `None` if there are none.
fn comment_text(comment: &str) -> Option<String> {
    let text = match comment.strip_prefix("/*") {
        Some(body) => body.strip_suffix("*/").unwrap_or(body),
        None => comment.trim_start_matches('#'),
    };
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The argument of `builtins.attrValues x` or `lib.attrValues x`.
fn attr_values_argument(apply: &ast::Apply) -> Option<Expr> {
    let name = match strip_parens(apply.lambda()?)? {
        Expr::Ident(ident) => ident_text(&ident),
        Expr::Select(select) => attr_name(&select.attrpath()?.attrs().last()?)?,
        _ => return None,
    };
    (name == "attrValues").then(|| apply.argument().and_then(strip_parens))?
}

/// The function `function` calls when it is a lambda, or a name bound to one.
fn called_lambda(function: Expr) -> Option<ast::Lambda> {
    match strip_parens(function)? {
        Expr::Lambda(lambda) => Some(lambda),
        Expr::Ident(ident) => match strip_parens(resolve(&ident)?)? {
            Expr::Lambda(lambda) => Some(lambda),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `apply` is `<python interpreter>.withPackages <argument>`.
fn is_with_packages(apply: &ast::Apply) -> bool {
    let Some(Expr::Select(select)) = apply.lambda().and_then(strip_parens) else {
        return false;
    };
    let Some(mut names) = attr_names(&select) else {
        return false;
    };
    if names.pop().as_deref() != Some("withPackages") {
        return false;
    }
    let receiver = match names.pop() {
        Some(name) => Some(name),
        None => select.expr().and_then(last_name),
    };
    receiver.is_some_and(|name| is_python_interpreter(&name))
}

/// The last name `expr` refers to, through parentheses and overrides: `python3` for
/// `pkgs.python3` and for `(python3.override { … })`.
fn last_name(expr: Expr) -> Option<String> {
    match strip_parens(expr)? {
        Expr::Ident(ident) => Some(ident_text(&ident)),
        Expr::Select(select) => attr_names(&select)?.pop(),
        Expr::Apply(apply) => {
            let Expr::Select(select) = strip_parens(apply.lambda()?)? else {
                return None;
            };
            let mut names = attr_names(&select)?;
            if !names.pop().is_some_and(|name| is_override(&name)) {
                return None;
            }
            match names.pop() {
                Some(name) => Some(name),
                None => last_name(select.expr()?),
            }
        }
        _ => None,
    }
}

/// The attribute names of a select's path (not its base); `None` if one is computed.
fn attr_names(select: &ast::Select) -> Option<Vec<String>> {
    select
        .attrpath()?
        .attrs()
        .map(|attr| attr_name(&attr))
        .collect()
}
