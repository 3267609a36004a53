//! SUPER navigation: Redshift reads into a SUPER value with `[n]` and `.attribute`
//! (`c.c_orders[0].o_orderkey`). SUPER is jsonb in the engine, whose subscripts are `[n]` and
//! `['attribute']`: so each `.attribute` that follows a subscript becomes `['attribute']`
//! (folded to lower case unless quoted, as Redshift folds names). A name before the first
//! subscript is left alone (a table's alias and its column, as the engine reads them), and a
//! path with no attribute after a subscript (an array element, `a[1]`) goes as written.
//!
//! A path with no subscript (`t.c.a.b`) is SUPER navigation when its first name is a relation
//! of the statement (a table it reads, or an alias it gives one): the engine would read three
//! names as a schema's table's column and four as another database's, so past the relation
//! and its column every `.attribute` becomes `['attribute']`. Two names (`c.a`) are
//! navigation into the SUPER column `c` in a query or DML statement whose relations (what its FROM clauses
//! and their kin name, and its CTEs) do not include `c`: only the column's type tells it from
//! `table.column`, so wherever `c` could be a relation the path stays as written.
//!
//! An unquoted attribute is folded to lower case; a quoted one keeps its case only when the
//! session makes identifiers case-sensitive (`enable_case_sensitive_identifier`, or
//! `enable_case_sensitive_super_attribute`), as Redshift does: the catalog's
//! `redshift_super_attribute` decides, at run time, for a quoted name with upper-case letters.
//!
//! Unnesting: an item of a FROM list that is a SUPER path from an earlier item's alias
//! (`FROM bar AS b, b.data.scalar_array AS element [AT index]`), or an earlier unnested element
//! itself, iterates over that array: a LATERAL subquery of `jsonb_array_elements` whose column
//! has the item's alias, with the 0-based position as the AT name (a value that is not an
//! array gives no rows, as Redshift's lax navigation does).

use super::lex::Kind;
use super::{Edit, Statement, AFTER_A_RELATION};
use std::collections::HashSet;

/// The words after which relations are named (a FROM clause and its kin).
const RELATION_CLAUSES: &[&str] = &["from", "join", "into", "using", "update", "table"];

/// Names before a dot that are never a SUPER column: the system's schemas, and the
/// pseudo-relations of rules and upserts.
const NOT_COLUMNS: &[&str] = &["pg_catalog", "information_schema", "excluded", "new", "old"];

/// The words besides those after a WHERE that end a FROM clause at its own level.
const CLAUSES_AFTER_FROM: &[&str] = &["select", "where", "set", "on", "values"];

impl Statement<'_> {
    /// The attribute named at token `j`, as a jsonb subscript's key.
    fn attribute(&self, j: usize) -> String {
        match self.tokens[j].kind {
            Kind::QuotedName => {
                let name = self.folded(j).unwrap_or_default();
                let literal = format!("'{}'", name.replace('\'', "''"));
                match name.chars().any(char::is_uppercase) {
                    true => format!("[pg_catalog.redshift_super_attribute({literal})]"),
                    false => format!("[{literal}]"),
                }
            }
            _ => format!("['{}']", self.text(j).to_lowercase().replace('\'', "''")),
        }
    }

    /// The names a statement gives its relations: each table it names after FROM, JOIN or
    /// UPDATE (the last part of a qualified name), and each alias (a name after AS, or right
    /// after such a table or a parenthesized subquery).
    fn relation_names(&self) -> HashSet<String> {
        let mut names = HashSet::new();
        let mut i = 0;
        while i < self.tokens.len() {
            if self.is_any_word(i, &["from", "join", "update"]) && self.is_name(i + 1) {
                let mut last = i + 1;
                while self.is(last + 1, ".") && self.is_name(last + 2) {
                    last += 2;
                }
                names.extend(self.folded(last));
                if self.is_name(last + 1) {
                    names.extend(self.folded(last + 1));
                }
                i = last + 1;
                continue;
            }
            if self.is_word(i, "as") && self.is_name(i + 1) {
                names.extend(self.folded(i + 1));
            }
            i += 1;
        }
        names
    }

    /// The edits turning the attributes of the paths with no subscript (`t.c.a.b`) whose first
    /// name is one of the statement's relations into jsonb subscripts (`t.c['a']['b']`).
    pub(super) fn super_attribute_paths(&self) -> Vec<Edit> {
        let relations = self.relation_names();
        let mut edits = Vec::new();
        let mut j = 0;
        while j < self.tokens.len() {
            let starts = self.is_name(j)
                && !self.qualified(j)
                && self.is(j + 1, ".")
                && self.is_name(j + 2)
                && self.is(j + 3, ".")
                && self.is_name(j + 4);
            if !starts {
                j += 1;
                continue;
            }
            let mut last = j + 4;
            while self.is(last + 1, ".") && self.is_name(last + 2) {
                last += 2;
            }
            let relation = self.folded(j).is_some_and(|n| relations.contains(&n));
            if relation && !self.is(last + 1, "(") {
                let text: String = (j + 4..=last)
                    .step_by(2)
                    .map(|k| self.attribute(k))
                    .collect();
                edits.push(Edit {
                    start: self.tokens[j + 3].start,
                    end: self.tokens[last].end,
                    text,
                });
            }
            j = last + 1;
        }
        edits
    }

    /// The edits turning `c.a`, two names whose first is no relation of the statement, into
    /// `c['a']`: navigation into the SUPER column `c` (`SELECT payload.event FROM events`).
    /// Only the column's type tells it from `table.column`, so the rule holds back wherever
    /// the first name could be a relation: any name the statement gives in a FROM clause or
    /// its kin (a table, the last part of a qualified one, an alias) or to a CTE; and paths
    /// in those clauses, after `::` or AS (a type) or COLLATE, before `(` (a function), and
    /// from the system's schemas or the pseudo-relations of rules and upserts are left alone.
    pub(super) fn super_column_paths(&self) -> Vec<Edit> {
        let n = self.tokens.len();
        let in_from = self.in_relation_clause();
        let mut relations: HashSet<String> = (0..n)
            .filter(|&i| in_from[i] && self.is_name(i) && !self.is(i + 1, "."))
            .filter_map(|i| self.folded(i))
            .collect();
        // A CTE's name: `x AS (` or `x (columns) AS (`.
        for i in (0..n).filter(|&i| self.is_name(i)) {
            let after = match self.is(i + 1, "(") {
                true => self.closing(i + 1).map_or(n, |c| c + 1),
                false => i + 1,
            };
            if self.is_word(after, "as") && self.is(after + 1, "(") {
                relations.extend(self.folded(i));
            }
        }
        let mut edits = Vec::new();
        for (i, &in_clause) in in_from.iter().enumerate() {
            let path = !in_clause
                && self.is_name(i)
                && self.is(i + 1, ".")
                && self.is_name(i + 2)
                && !self.is(i + 3, ".")
                && !self.is(i + 3, "(")
                && !self.qualified(i)
                && !(i > 0 && (self.is(i - 1, ":") || self.is_any_word(i - 1, &["as", "collate"])));
            let Some(head) = self.folded(i).filter(|_| path) else {
                continue;
            };
            if relations.contains(&head) || NOT_COLUMNS.contains(&head.as_str()) {
                continue;
            }
            edits.push(Edit {
                start: self.tokens[i + 1].start,
                end: self.tokens[i + 2].end,
                text: self.attribute(i + 2),
            });
        }
        edits
    }

    /// For each token, whether it is in a FROM clause or one of its kin (JOIN, INTO, USING,
    /// UPDATE, TABLE) at its own parenthesis level, up to the word that ends the clause.
    fn in_relation_clause(&self) -> Vec<bool> {
        let mut levels = vec![false];
        let mut states = Vec::with_capacity(self.tokens.len());
        for i in 0..self.tokens.len() {
            if self.is(i, "(") {
                states.push(*levels.last().unwrap_or(&false));
                levels.push(false);
                continue;
            }
            if self.is(i, ")") {
                if levels.len() > 1 {
                    levels.pop();
                }
                states.push(*levels.last().unwrap_or(&false));
                continue;
            }
            let level = levels.last_mut().expect("one level at least");
            if self.is_any_word(i, RELATION_CLAUSES) {
                *level = true;
            } else if self.is_any_word(i, CLAUSES_AFTER_FROM)
                || self.is_any_word(i, super::CLAUSES_AFTER_WHERE)
            {
                *level = false;
            }
            states.push(*level);
        }
        states
    }

    /// The edits turning the attributes of every subscripted path into jsonb subscripts.
    pub(super) fn super_navigation(&self) -> Vec<Edit> {
        let mut edits = Vec::new();
        let mut subscripted = false;
        let mut j = 0;
        while j < self.tokens.len() {
            if self.is(j, "[") {
                match self.subscript_end(j) {
                    Some(end) => {
                        subscripted = true;
                        j = end + 1;
                        continue;
                    }
                    None => subscripted = false,
                }
            } else if subscripted && self.is(j, ".") && self.is_name(j + 1) {
                edits.push(Edit {
                    start: self.tokens[j].start,
                    end: self.tokens[j + 1].end,
                    text: self.attribute(j + 1),
                });
                j += 2;
                continue;
            } else {
                subscripted = false;
            }
            j += 1;
        }
        edits
    }

    /// `[` at `open` followed by one number or string and `]`: where the `]` is.
    fn subscript_end(&self, open: usize) -> Option<usize> {
        let index = self.tokens.get(open + 1)?;
        let simple = matches!(index.kind, Kind::Number | Kind::String | Kind::Parameter)
            && self.is(open + 2, "]")
            && open > 0
            && (self.is_name(open - 1) || self.is(open - 1, "]") || self.is(open - 1, ")"));
        simple.then_some(open + 2)
    }

    pub(super) fn is_name(&self, i: usize) -> bool {
        self.tokens
            .get(i)
            .is_some_and(|t| matches!(t.kind, Kind::Word | Kind::QuotedName))
    }
}

impl Statement<'_> {
    /// The edits turning the FROM list items that unnest a SUPER array into LATERAL subqueries.
    pub(super) fn super_unnesting(&self) -> Vec<Edit> {
        let mut edits = Vec::new();
        for from in (0..self.tokens.len()).filter(|&i| self.is_word(i, "from")) {
            self.unnest_from_list(from, &mut edits);
        }
        edits
    }

    /// The items of the FROM list after `from`, each the token range `start..end`.
    fn items_of_from(&self, from: usize) -> Vec<(usize, usize)> {
        let (mut items, mut depth, mut start) = (Vec::new(), 0usize, from + 1);
        let mut i = from + 1;
        while i < self.tokens.len() {
            if self.is(i, "(") {
                depth += 1;
            } else if self.is(i, ")") {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            } else if depth == 0 && self.is(i, ",") {
                items.push((start, i));
                start = i + 1;
            } else if depth == 0 && (self.is_any_word(i, AFTER_A_RELATION) || self.is(i, ";")) {
                break;
            }
            i += 1;
        }
        items.push((start, i));
        items
    }

    fn unnest_from_list(&self, from: usize, edits: &mut Vec<Edit>) {
        // The aliases of the items so far: a relation's (paths start there) and an unnested
        // element's (which may be unnested in turn).
        let (mut relations, mut elements) = (HashSet::new(), HashSet::new());
        for (start, end) in self.items_of_from(from) {
            if start >= end {
                continue;
            }
            if !self.is_name(start) {
                // A subquery's (or a function's) alias, where a path may start.
                if self.is_name(end - 1) && !self.is_any_word(end - 1, AFTER_A_RELATION) {
                    relations.extend(self.folded(end - 1));
                }
                continue;
            }
            let mut last = start;
            while last + 2 < end && self.is(last + 1, ".") && self.is_name(last + 2) {
                last += 2;
            }
            let first = self.folded(start).unwrap_or_default();
            let mut k = last + 1;
            if self.is_word(k, "as") {
                k += 1;
            }
            let alias = (k < end && self.is_name(k)).then_some(k);
            let at =
                alias.filter(|&a| self.is_word(a + 1, "at") && self.is_name(a + 2) && a + 3 == end);
            let whole = match (alias, at) {
                (_, Some(a)) => a + 3 == end,
                (Some(a), None) => a + 1 == end,
                (None, None) => last + 1 == end,
            };
            let unnests = whole
                && alias.is_some()
                && ((last > start && (relations.contains(&first) || elements.contains(&first)))
                    || (last == start && elements.contains(&first)));
            let Some(alias) = alias.filter(|_| unnests) else {
                if let Some(a) = alias {
                    relations.extend(self.folded(a));
                } else {
                    relations.extend(self.folded(last));
                }
                continue;
            };
            let mut source = self.sql
                [self.tokens[start].start..self.tokens[(start + 2).min(last)].end]
                .to_string();
            for part in (start + 4..=last).step_by(2) {
                source.push_str(&self.attribute(part));
            }
            let name = self.text(alias);
            let index = match at {
                Some(a) => format!(", \"?unnest\".n - 1 AS {}", self.text(a + 2)),
                None => String::new(),
            };
            edits.push(Edit {
                start: self.tokens[start].start,
                end: self.tokens[end - 1].end,
                text: format!(
                    "LATERAL (SELECT \"?unnest\".e AS {name}{index} FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof({source}) = 'array' THEN {source} END) WITH ORDINALITY AS \"?unnest\"(e, n)) AS {name}"
                ),
            });
            elements.extend(self.folded(alias));
        }
    }
}
