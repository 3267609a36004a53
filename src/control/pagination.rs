//! Pagination over a name-ordered map. A `nextToken` is the key the page ended on, tied to the
//! operation that issued it; the next page resumes strictly after that key. So a page costs
//! O(log n + page), and an item present throughout is neither repeated nor skipped however many
//! others are created or deleted between pages.

use crate::control::error::{ApiError, ApiResult};
use crate::model::Operation;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::collections::BTreeMap;
use std::ops::Bound;

/// The page size when the caller gives no `maxResults` (the reference's documented default).
pub const DEFAULT_PAGE: usize = 100;

pub struct Page<'a, V> {
    pub items: Vec<&'a V>,
    pub next_token: Option<String>,
}

fn encode(op: Operation, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}\n{key}", op.name()))
}

fn decode(op: Operation, token: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (name, key) = text.split_once('\n')?;
    (name == op.name()).then(|| key.to_string())
}

/// One page of the values of `map` that pass `keep`, in key order.
pub fn page<'a, V>(
    map: &'a BTreeMap<String, V>,
    op: Operation,
    next_token: Option<&str>,
    max_results: Option<i32>,
    keep: impl Fn(&V) -> bool,
) -> ApiResult<Page<'a, V>> {
    let start = match next_token {
        Some(token) => {
            Bound::Excluded(decode(op, token).ok_or_else(|| ApiError::invalid_token(op))?)
        }
        None => Bound::Unbounded,
    };
    let size = max_results.map_or(DEFAULT_PAGE, |n| n.max(1) as usize);
    let mut matching = map
        .range::<String, _>((start, Bound::Unbounded))
        .filter(|(_, v)| keep(v));
    let mut items = Vec::with_capacity(size.min(map.len()));
    let mut last = None;
    for (key, value) in matching.by_ref().take(size) {
        items.push(value);
        last = Some(key);
    }
    let next_token = match (last, matching.next()) {
        (Some(key), Some(_)) => Some(encode(op, key)),
        _ => None,
    };
    Ok(Page { items, next_token })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(keys: &[&str]) -> BTreeMap<String, String> {
        keys.iter()
            .map(|k| (k.to_string(), k.to_string()))
            .collect()
    }

    #[test]
    fn pages_resume_after_the_last_key_despite_changes() {
        let mut m = map(&["a", "c", "e", "g"]);
        let op = Operation::ListNamespaces;
        let first = page(&m, op, None, Some(2), |_| true).unwrap();
        assert_eq!(first.items, vec!["a", "c"]);
        let token = first.next_token.unwrap();
        m.remove("c");
        m.insert("b".into(), "b".into());
        m.insert("f".into(), "f".into());
        let second = page(&m, op, Some(&token), Some(2), |_| true).unwrap();
        assert_eq!(second.items, vec!["e", "f"]);
        let third = page(&m, op, second.next_token.as_deref(), Some(2), |_| true).unwrap();
        assert_eq!(third.items, vec!["g"]);
        assert!(third.next_token.is_none());
    }

    #[test]
    fn forged_or_foreign_tokens_are_refused() {
        let m = map(&["a", "b"]);
        let token = page(&m, Operation::ListWorkgroups, None, Some(1), |_| true)
            .unwrap()
            .next_token
            .unwrap();
        let err = page(&m, Operation::ListNamespaces, Some(&token), None, |_| true)
            .err()
            .unwrap();
        assert_eq!(err.code, crate::control::error::ErrorCode::Validation);
        let err = page(
            &m,
            Operation::ListUsageLimits,
            Some("not-a-token!"),
            None,
            |_| true,
        )
        .err()
        .unwrap();
        assert_eq!(
            err.code,
            crate::control::error::ErrorCode::InvalidPagination
        );
    }
}
