//! `QUALIFY condition`: Redshift filters a SELECT's rows by a condition over its window
//! functions, evaluated after them (and after GROUP BY and HAVING), before DISTINCT, ORDER BY
//! and LIMIT. PostgreSQL has no such clause, so the SELECT becomes a subquery that computes
//! the condition as one more column, `"?keep"`, and an outer SELECT that keeps the rows where
//! it holds and shows only the original columns:
//!
//! ```text
//! SELECT [DISTINCT] "?qualify"."?c1" AS a, ("?qualify"."?row2").*
//! FROM (SELECT x AS "?c1", t AS "?row2", (condition) AS "?keep" FROM t ...) AS "?qualify"
//! WHERE "?keep" [ORDER BY ...] [LIMIT ...]
//! ```
//!
//! A `*` (or `t.*`) becomes the whole row of its relation, expanded again outside, so the
//! outer list names exactly the columns the query had. The condition may name the select
//! list's aliases: they are replaced by the expressions they name. The edits are insertions
//! and small replacements around the select list, so the other rules still translate what
//! is inside it; the condition, which moves, is translated on its own.

use super::lex::Kind;
use super::{translate, Edit, Statement, AFTER_A_RELATION};

/// One item of the select list, and what the outer SELECT shows of it.
struct Item {
    /// Edit to the inner item: the alias it gets, or the whole row a `*` becomes.
    edit: Edit,
    /// The outer SELECT's expression for it.
    outer: String,
    /// An explicit alias and the expression it names (for the condition).
    alias: Option<(String, String)>,
}

impl Statement<'_> {
    /// The edits that turn each SELECT with a QUALIFY clause into the filtered subquery.
    pub(super) fn qualify(&self) -> Vec<Edit> {
        let mut edits = Vec::new();
        for q in 0..self.tokens.len() {
            if self.is_word(q, "qualify") {
                if let Some(found) = self.qualified_select(q) {
                    edits.extend(found);
                }
            }
        }
        edits
    }

    /// The SELECT whose QUALIFY is at `q`, rewritten; `None` when its shape is not one
    /// this rule reads (the statement then goes on as written, and the engine refuses it).
    fn qualified_select(&self, q: usize) -> Option<Vec<Edit>> {
        let select = self.level_start(q)?;
        let (tail, _end) = self.level_tail(q);
        if tail == q + 1 {
            return None;
        }
        let mut first = select + 1;
        let distinct = self.is_word(first, "distinct");
        if distinct && self.is_word(first + 1, "on") {
            return None;
        }
        if distinct || self.is_word(first, "all") {
            first += 1;
        }
        let from = self.at_level(first, q, &["from"])?;
        let relation = self.single_relation(from + 1);
        let items = self.split_at_commas(first, from);
        let mut rewritten = Vec::with_capacity(items.len());
        for (k, &(a, b)) in items.iter().enumerate() {
            rewritten.push(self.select_item(k + 1, a, b, relation.as_deref())?);
        }
        let condition = self.condition_text(q + 1, tail, &rewritten);
        let outer: Vec<&str> = rewritten.iter().map(|item| item.outer.as_str()).collect();
        let mut edits = vec![Edit {
            start: self.tokens[select].start,
            end: self.tokens[select].start,
            text: format!(
                "SELECT {}{} FROM (",
                if distinct { "DISTINCT " } else { "" },
                outer.join(", ")
            ),
        }];
        if distinct {
            edits.push(self.remove(select + 1, select + 1));
        }
        let last_item_end = self.tokens[from - 1].end;
        edits.extend(rewritten.into_iter().map(|item| item.edit));
        edits.push(Edit {
            start: last_item_end,
            end: last_item_end,
            text: format!(", ({condition}) AS \"?keep\""),
        });
        edits.push(self.remove(q, tail - 1));
        let end = self.tokens[tail - 1].end;
        edits.push(Edit {
            start: end,
            end,
            text: ") AS \"?qualify\" WHERE \"?keep\"".to_string(),
        });
        Some(edits)
    }

    /// The `SELECT` that begins the query level token `at` is in.
    pub(super) fn level_start(&self, at: usize) -> Option<usize> {
        let mut depth = 0usize;
        for j in (0..at).rev() {
            if self.is(j, ")") {
                depth += 1;
            } else if self.is(j, "(") {
                if depth == 0 {
                    return None;
                }
                depth -= 1;
            } else if depth == 0 && self.is_word(j, "select") {
                return Some(j);
            }
        }
        None
    }

    /// Where the QUALIFY at `q`'s condition ends (at ORDER BY, LIMIT, OFFSET or FETCH of its
    /// level, or the level's end), and where the level ends.
    fn level_tail(&self, q: usize) -> (usize, usize) {
        let mut depth = 0usize;
        let mut tail = None;
        for j in q + 1..self.tokens.len() {
            if self.is(j, "(") {
                depth += 1;
            } else if self.is(j, ")") {
                if depth == 0 {
                    return (tail.unwrap_or(j), j);
                }
                depth -= 1;
            } else if depth == 0 {
                if self.is_any_word(j, &["union", "except", "intersect", "minus"]) {
                    return (tail.unwrap_or(j), j);
                }
                let starts_tail = (self.is_word(j, "order") && self.is_word(j + 1, "by"))
                    || self.is_any_word(j, &["limit", "offset", "fetch"]);
                if starts_tail && tail.is_none() {
                    tail = Some(j);
                }
            }
        }
        let end = self.tokens.len();
        (tail.unwrap_or(end), end)
    }

    /// The first of `words` between `from` and `to` at the level of `from`.
    pub(super) fn at_level(&self, from: usize, to: usize, words: &[&str]) -> Option<usize> {
        let mut depth = 0usize;
        for j in from..to {
            if self.is(j, "(") {
                depth += 1;
            } else if self.is(j, ")") {
                depth = depth.checked_sub(1)?;
            } else if depth == 0 && self.is_any_word(j, words) {
                return Some(j);
            }
        }
        None
    }

    /// The token ranges of a comma-separated list from `from` to `to` (at its own level).
    pub(super) fn split_at_commas(&self, from: usize, to: usize) -> Vec<(usize, usize)> {
        let mut items = Vec::new();
        let (mut depth, mut start) = (0usize, from);
        for j in from..to {
            if self.is(j, "(") {
                depth += 1;
            } else if self.is(j, ")") {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && self.is(j, ",") {
                items.push((start, j));
                start = j + 1;
            }
        }
        items.push((start, to));
        items
    }

    /// The name a `*` stands for when FROM names one relation (`t`, `s.t`, `t AS a`, `t a`):
    /// its alias, or its own name.
    fn single_relation(&self, at: usize) -> Option<String> {
        let is_name = |i: usize| matches!(self.tokens.get(i), Some(t) if matches!(t.kind, Kind::Word | Kind::QuotedName));
        if !is_name(at) {
            return None;
        }
        let mut last = at;
        while self.is(last + 1, ".") && is_name(last + 2) {
            last += 2;
        }
        let (alias, next) = if self.is_word(last + 1, "as") && is_name(last + 2) {
            (last + 2, last + 3)
        } else if is_name(last + 1) && !self.is_any_word(last + 1, AFTER_A_RELATION) {
            (last + 1, last + 2)
        } else {
            (last, last + 1)
        };
        let ends = next >= self.tokens.len()
            || self.is_any_word(next, &["where", "group", "having", "window", "qualify"]);
        ends.then(|| self.text(alias).to_string())
    }

    /// Select item `k`, tokens `a..b`.
    fn select_item(&self, k: usize, a: usize, b: usize, relation: Option<&str>) -> Option<Item> {
        if a >= b {
            return None;
        }
        let row = format!("\"?row{k}\"");
        let outer_row = format!("(\"?qualify\".{row}).*");
        if b - a == 1 && self.is(a, "*") {
            let relation = relation?;
            return Some(Item {
                edit: self.replace(a, a, format!("{relation} AS {row}")),
                outer: outer_row,
                alias: None,
            });
        }
        if b - a == 3 && self.is(a + 1, ".") && self.is(a + 2, "*") {
            return Some(Item {
                edit: self.replace(a, a + 2, format!("{} AS {row}", self.text(a))),
                outer: outer_row,
                alias: None,
            });
        }
        let inner = format!("\"?c{k}\"");
        let quoted = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
        let outer = |name: &str| format!("\"?qualify\".{inner} AS {}", quoted(name));
        let last = b - 1;
        let is_name = |i: usize| {
            self.tokens
                .get(i)
                .is_some_and(|t| matches!(t.kind, Kind::Word | Kind::QuotedName))
        };
        // An explicit alias: `e AS name`, or `e name` after a call, a name or a literal.
        let alias_from = if b - a >= 3 && self.is_word(last - 1, "as") && is_name(last) {
            Some(last - 1)
        } else if b - a >= 2
            && is_name(last)
            && !self.is_any_word(last, &["end", "null", "true", "false"])
            && (self.is(last - 1, ")")
                || (b - a == 2 && is_name(a))
                || (b - a == 4 && self.is(a + 1, ".") && is_name(a + 2)))
        {
            Some(last)
        } else {
            None
        };
        if let Some(alias_from) = alias_from {
            let name = self.folded(last)?;
            let expression = &self.sql[self.tokens[a].start..self.tokens[alias_from - 1].end];
            return Some(Item {
                edit: self.replace(alias_from, last, format!("AS {inner}")),
                outer: outer(&name),
                alias: Some((name, expression.to_string())),
            });
        }
        // No alias: the name the engine would give the column.
        let name = if b - a == 1 && is_name(a) {
            self.folded(a)?
        } else if b - a == 3 && self.is(a + 1, ".") && is_name(a + 2) {
            self.folded(a + 2)?
        } else if is_name(a) && self.is(a + 1, "(") && self.closing(a + 1) == Some(last) {
            self.folded(a)?
        } else {
            "?column?".to_string()
        };
        let end = self.tokens[last].end;
        Some(Item {
            edit: Edit {
                start: end,
                end,
                text: format!(" AS {inner}"),
            },
            outer: outer(&name),
            alias: None,
        })
    }

    /// The condition (tokens `from..to`), each select-list alias it names replaced by the
    /// expression the alias names, then translated as any SQL is.
    fn condition_text(&self, from: usize, to: usize, items: &[Item]) -> String {
        let mut text = String::new();
        let mut at = self.tokens[from].start;
        for j in from..to {
            let Some(name) = self.folded(j) else {
                continue;
            };
            let bare = !(self.qualified(j) || self.is(j + 1, "(") || self.is(j + 1, "."));
            let named = items
                .iter()
                .filter_map(|item| item.alias.as_ref())
                .find(|(alias, _)| *alias == name);
            if let (true, Some((_, expression))) = (bare, named) {
                text.push_str(&self.sql[at..self.tokens[j].start]);
                text.push_str(&format!("({expression})"));
                at = self.tokens[j].end;
            }
        }
        text.push_str(&self.sql[at..self.tokens[to - 1].end]);
        translate(&text).into_owned()
    }
}
