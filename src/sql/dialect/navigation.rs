//! SUPER navigation: Redshift reads into a SUPER value with `[n]` and `.attribute`
//! (`c.c_orders[0].o_orderkey`). SUPER is jsonb in the engine, whose subscripts are `[n]` and
//! `['attribute']`: so each `.attribute` that follows a subscript becomes `['attribute']`
//! (folded to lower case unless quoted, as Redshift folds names). A name before the first
//! subscript is left alone (a table's alias and its column, as the engine reads them), and a
//! path with no attribute after a subscript (an array element, `a[1]`) goes as written.

use super::lex::Kind;
use super::{Edit, Statement};

impl Statement<'_> {
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
                let name = match self.tokens[j + 1].kind {
                    Kind::QuotedName => self.folded(j + 1).unwrap_or_default(),
                    _ => self.text(j + 1).to_lowercase(),
                };
                edits.push(Edit {
                    start: self.tokens[j].start,
                    end: self.tokens[j + 1].end,
                    text: format!("['{}']", name.replace('\'', "''")),
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

    fn is_name(&self, i: usize) -> bool {
        self.tokens
            .get(i)
            .is_some_and(|t| matches!(t.kind, Kind::Word | Kind::QuotedName))
    }
}
