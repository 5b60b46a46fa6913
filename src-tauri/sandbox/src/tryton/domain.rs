//! Tryton domains: the search filters clients send as nested lists.
//!
//! `[["name", "ilike", "ada%"], ["OR", ["id", "=", 1], ["id", "=", 2]]]` is a conjunction;
//! a list whose first element is `"OR"` (or `"AND"`) is joined by it. A leaf is
//! `[path, operator, value]`; the path may go through relations (`addresses.city`). Parsing
//! checks every field name against the model, as Tryton does, so a misspelt field is an error
//! rather than a filter that silently matches nothing.

use serde_json::Value;

use super::db::AppError;
use super::schema::{Kind, Model};
use super::value::{from_json, Val};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Like,
    NotLike,
    ILike,
    NotILike,
}

impl Op {
    fn parse(text: &str) -> Option<Op> {
        Some(match text {
            "=" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "in" => Op::In,
            "not in" => Op::NotIn,
            "like" => Op::Like,
            "not like" => Op::NotLike,
            "ilike" => Op::ILike,
            "not ilike" => Op::NotILike,
            _ => return None,
        })
    }

    /// The operator a negative one denies (`!=` denies `=`), for relations: "no address in
    /// Springfield" is the complement of "an address in Springfield".
    pub fn positive(self) -> Option<Op> {
        match self {
            Op::Ne => Some(Op::Eq),
            Op::NotIn => Some(Op::In),
            Op::NotLike => Some(Op::Like),
            Op::NotILike => Some(Op::ILike),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    One(Val),
    Many(Vec<Val>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Leaf {
    /// Field names from the searched model on, one per relation crossed.
    pub path: Vec<String>,
    pub op: Op,
    pub value: Operand,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Domain {
    All(Vec<Domain>),
    Any(Vec<Domain>),
    Leaf(Leaf),
}

impl Domain {
    /// Whether a leaf of this domain filters on `field` of the searched model itself.
    pub fn mentions(&self, field: &str) -> bool {
        match self {
            Domain::All(parts) | Domain::Any(parts) => parts.iter().any(|d| d.mentions(field)),
            Domain::Leaf(leaf) => leaf.path.len() == 1 && leaf.path[0] == field,
        }
    }

    /// The smallest ID a match can have, from `id >`/`id >=` leaves of the top conjunction:
    /// keyset paging then starts where the previous page ended instead of scanning from the
    /// first record.
    pub fn id_floor(&self) -> Option<i64> {
        let leaves: Vec<&Domain> = match self {
            Domain::All(items) => items.iter().collect(),
            leaf @ Domain::Leaf(_) => vec![leaf],
            Domain::Any(_) => return None,
        };
        leaves
            .into_iter()
            .filter_map(|item| match item {
                Domain::Leaf(Leaf {
                    path,
                    op,
                    value: Operand::One(Val::Int(id)),
                }) if path.len() == 1 && path[0] == "id" => match op {
                    Op::Gt => id.checked_add(1),
                    Op::Ge | Op::Eq => Some(*id),
                    _ => None,
                },
                Domain::All(_) => item.id_floor(),
                _ => None,
            })
            .max()
    }
}

/// Tryton reports a bad domain with the Python error's text as the error's name; the
/// sandbox names the problem instead, in the same `[text, ""]` shape.
fn malformed(what: impl Into<String>) -> AppError {
    AppError::named(what.into())
}

/// Parses `value` as a domain over `model`; `models` resolves the targets of relations.
pub(crate) fn parse<'m>(
    value: &Value,
    model: &'m Model,
    models: &'m dyn Fn(&str) -> Option<&'m Model>,
) -> Result<Domain, AppError> {
    let Value::Array(items) = value else {
        return Err(malformed(format!("a domain must be a list, not {value}")));
    };
    if is_leaf(items) {
        return parse_leaf(items, model, models).map(Domain::Leaf);
    }
    let (any, rest) = match items.first().and_then(Value::as_str) {
        Some("OR") => (true, &items[1..]),
        Some("AND") => (false, &items[1..]),
        _ => (false, &items[..]),
    };
    let parts = rest
        .iter()
        .map(|item| parse(item, model, models))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(if any {
        Domain::Any(parts)
    } else {
        Domain::All(parts)
    })
}

/// Tryton's own test: a list of at least three whose second element is text.
fn is_leaf(items: &[Value]) -> bool {
    items.len() >= 3 && items[0].is_string() && items[1].is_string()
}

fn parse_leaf<'m>(
    items: &[Value],
    model: &'m Model,
    models: &'m dyn Fn(&str) -> Option<&'m Model>,
) -> Result<Leaf, AppError> {
    let path_text = items[0].as_str().unwrap_or_default();
    let op_text = items[1].as_str().unwrap_or_default();
    let path: Vec<String> = path_text.split('.').map(str::to_owned).collect();
    let mut current = model;
    let mut last_kind = Kind::Integer;
    for (i, name) in path.iter().enumerate() {
        let kind = current.kind_of(name).ok_or_else(|| AppError::key(name))?;
        last_kind = kind;
        if i + 1 < path.len() {
            let target = kind.target().ok_or_else(|| AppError::key(&path[i + 1]))?;
            current = models(target).ok_or_else(|| AppError::key(name))?;
        }
    }
    let op = Op::parse(op_text).ok_or_else(|| AppError::key(op_text))?;
    let value = match op {
        Op::In | Op::NotIn => {
            let list = match &items[2] {
                Value::Array(list) => list.clone(),
                Value::Null => Vec::new(),
                single => vec![single.clone()],
            };
            Operand::Many(
                list.iter()
                    .map(|v| from_json(v).map(|v| coerce(v, last_kind)))
                    .collect::<Result<_, _>>()
                    .map_err(malformed)?,
            )
        }
        _ => Operand::One(
            from_json(&items[2])
                .map(|v| coerce(v, last_kind))
                .map_err(malformed)?,
        ),
    };
    Ok(Leaf { path, op, value })
}

/// Brings a client's value to the field's kind where Tryton's SQL would: 0/1 for booleans,
/// integers for floats and decimals.
fn coerce(value: Val, kind: Kind) -> Val {
    match (kind, value) {
        (Kind::Boolean, Val::Int(n)) => Val::Bool(n != 0),
        (Kind::Float, Val::Int(n)) => Val::Float(n as f64),
        (Kind::Numeric, Val::Int(n)) => Val::Decimal(n.into()),
        (Kind::Numeric, Val::Float(f)) => rust_decimal::Decimal::try_from(f)
            .map(Val::Decimal)
            .unwrap_or(Val::Float(f)),
        (_, value) => value,
    }
}

/// SQL `LIKE`: `%` any run, `_` any one character, `\` escapes. Like SQLite's, it ignores
/// the case of ASCII letters; `ilike` ignores case altogether.
pub(crate) fn like(text: &str, pattern: &str, fold_all: bool) -> bool {
    let fold = |c: char| {
        if fold_all {
            c.to_lowercase().next().unwrap_or(c)
        } else {
            c.to_ascii_lowercase()
        }
    };
    let text: Vec<char> = text.chars().map(fold).collect();
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '\\' => Token::Char(chars.next().map(fold).unwrap_or('\\')),
            '%' => Token::Any,
            '_' => Token::One,
            c => Token::Char(fold(c)),
        });
    }
    glob(&text, &tokens)
}

#[derive(Clone, Copy)]
enum Token {
    Char(char),
    One,
    Any,
}

/// Iterative wildcard match with one backtrack point, linear in practice.
fn glob(text: &[char], tokens: &[Token]) -> bool {
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(Token::Any) => {
                star = Some((p, t));
                p += 1;
            }
            Some(Token::One) => {
                t += 1;
                p += 1;
            }
            Some(Token::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    tokens[p..].iter().all(|token| matches!(token, Token::Any))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_follows_sql_wildcards_and_escapes() {
        assert!(
            like("Ada Lovelace", "ada%", false),
            "ASCII case is ignored, as SQLite does"
        );
        assert!(like("Ada", "A_a", false));
        assert!(!like("Ada", "A_", false), "_ is exactly one character");
        assert!(
            like("100%", "100\\%", false),
            "an escaped % is a percent sign"
        );
        assert!(!like("1000", "100\\%", false));
        assert!(like("Élodie", "élodie", true), "ilike folds every letter");
        assert!(!like("Élodie", "élodie", false), "like folds ASCII only");
        assert!(
            like("abcabd", "%abd", false),
            "backtracks past a false start"
        );
    }
}
