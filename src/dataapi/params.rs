//! The Data API's named parameters: `:name` placeholders in the SQL become the engine's `$n`,
//! and the values are bound by the engine, never spliced into the text. A placeholder inside a
//! string, a quoted name or a comment is not one, and neither is a `::` cast.

use crate::sql::dialect::lex::{self, Kind};
use std::collections::HashMap;

/// Why the parameters do not fit the SQL.
#[derive(Debug, PartialEq, Eq)]
pub enum ParamError {
    /// A placeholder with no value.
    Missing(String),
    /// A value no placeholder uses.
    Unused(String),
    /// The same name given twice.
    Repeated(String),
}

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamError::Missing(name) => {
                write!(f, "The parameter :{name} in the SQL statement is not given a value.")
            }
            ParamError::Unused(name) => write!(
                f,
                "The parameter {name} is not used in the SQL statement. Remove it or use it as :{name}."
            ),
            ParamError::Repeated(name) => write!(f, "The parameter {name} is given more than once."),
        }
    }
}

/// The SQL with `$n` for each distinct `:name`, and the values in `$n` order.
pub fn bind(sql: &str, params: &[(String, String)]) -> Result<(String, Vec<String>), ParamError> {
    let mut given: HashMap<&str, (usize, bool)> = HashMap::new();
    for (i, (name, _)) in params.iter().enumerate() {
        if given.insert(name.as_str(), (i, false)).is_some() {
            return Err(ParamError::Repeated(name.clone()));
        }
    }
    let tokens: Vec<lex::Token> = lex::tokens(sql).collect();
    let bytes = sql.as_bytes();
    let punct = |i: usize, c: u8| {
        tokens
            .get(i)
            .is_some_and(|t| t.kind == Kind::Punct && bytes[t.start] == c)
    };
    let mut out = String::with_capacity(sql.len());
    let mut order: Vec<usize> = Vec::new();
    let mut copied = 0;
    for (i, token) in tokens.iter().enumerate() {
        let placeholder = punct(i, b':')
            && !(i > 0 && punct(i - 1, b':'))
            && tokens
                .get(i + 1)
                .is_some_and(|next| next.kind == Kind::Word && next.start == token.end);
        if !placeholder {
            continue;
        }
        let word = tokens[i + 1];
        let name = &sql[word.start..word.end];
        let Some((index, used)) = given.get_mut(name) else {
            return Err(ParamError::Missing(name.to_string()));
        };
        *used = true;
        let n = match order.iter().position(|&p| p == *index) {
            Some(at) => at + 1,
            None => {
                order.push(*index);
                order.len()
            }
        };
        out.push_str(&sql[copied..token.start]);
        out.push('$');
        out.push_str(&n.to_string());
        copied = word.end;
    }
    if let Some((name, _)) = params.iter().find(|(name, _)| !given[name.as_str()].1) {
        return Err(ParamError::Unused(name.clone()));
    }
    out.push_str(&sql[copied..]);
    let values = order.into_iter().map(|i| params[i].1.clone()).collect();
    Ok((out, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn placeholders_become_numbered_parameters() {
        let (sql, values) = bind(
            "select * from t where a = :a and b = :b or c = :a",
            &p(&[("b", "2"), ("a", "1")]),
        )
        .unwrap();
        assert_eq!(sql, "select * from t where a = $1 and b = $2 or c = $1");
        assert_eq!(values, vec!["1", "2"]);
    }

    #[test]
    fn strings_comments_and_casts_are_not_placeholders() {
        let text = "select ':a', \":a\", x::int /* :a */ -- :a\n, :a";
        let (sql, values) = bind(text, &p(&[("a", "7")])).unwrap();
        assert_eq!(sql, "select ':a', \":a\", x::int /* :a */ -- :a\n, $1");
        assert_eq!(values, vec!["7"]);
        assert_eq!(bind("select 1::text", &[]).unwrap().0, "select 1::text");
    }

    #[test]
    fn missing_unused_and_repeated_parameters_are_refused() {
        assert_eq!(bind("select :a", &[]), Err(ParamError::Missing("a".into())));
        assert_eq!(
            bind("select 1", &p(&[("a", "1")])),
            Err(ParamError::Unused("a".into()))
        );
        assert_eq!(
            bind("select :a", &p(&[("a", "1"), ("a", "2")])),
            Err(ParamError::Repeated("a".into()))
        );
    }
}
