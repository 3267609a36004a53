//! PostgreSQL's lexical structure, as far as the dialect needs it: where words, strings,
//! quoted names, comments and punctuation begin and end, so that a rewrite never looks inside
//! a string, a quoted name, a dollar-quoted body or a comment.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An unquoted word: a keyword or a name.
    Word,
    /// `"..."`.
    QuotedName,
    /// `'...'`, `E'...'` or `$tag$...$tag$`.
    String,
    Number,
    /// `$1`.
    Parameter,
    /// One character of punctuation or an operator.
    Punct,
    /// Whitespace or a comment: nothing a rule reads.
    Space,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_word_char(b: u8) -> bool {
    is_word_start(b) || b.is_ascii_digit() || b == b'$'
}

/// The end of a string opened by `quote` at `at`, with the quote doubled to escape it (and a
/// backslash too when `backslash`); the end of the text when it never closes.
fn quoted_end(bytes: &[u8], at: usize, quote: u8, backslash: bool) -> usize {
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if backslash => i += 2,
            b if b == quote => {
                if bytes.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The end of a `$tag$` opening at `at`, if one does.
fn dollar_tag_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    if bytes.get(i).is_some_and(|b| b.is_ascii_digit()) {
        return None;
    }
    while i < bytes.len() && bytes[i] != b'$' {
        if !is_word_char(bytes[i]) || bytes[i] == b'$' {
            return None;
        }
        i += 1;
    }
    (i < bytes.len()).then_some(i + 1)
}

/// The end of a `/* */` comment (they nest) opening at `at`.
fn block_comment_end(bytes: &[u8], at: usize) -> usize {
    let (mut depth, mut i) = (0usize, at);
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Splits `sql` into tokens covering it end to end.
pub fn tokens(sql: &str) -> Tokens<'_> {
    Tokens { sql, at: 0 }
}

/// The tokens of `sql` a rule reads: all but whitespace and comments.
pub fn significant(sql: &str) -> Vec<Token> {
    // Room for an ordinary statement's tokens at once; a long one grows as usual.
    let mut out = Vec::with_capacity((sql.len() / 6 + 4).min(1024));
    out.extend(tokens(sql).filter(|t| t.kind != Kind::Space));
    out
}

/// The lexer, a token at a time.
pub struct Tokens<'a> {
    sql: &'a str,
    at: usize,
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let (sql, i) = (self.sql, self.at);
        let bytes = sql.as_bytes();
        let &b = bytes.get(i)?;
        let (kind, end) = match b {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                let end = (i..bytes.len())
                    .find(|&j| !bytes[j].is_ascii_whitespace())
                    .unwrap_or(bytes.len());
                (Kind::Space, end)
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                let end = (i..bytes.len())
                    .find(|&j| bytes[j] == b'\n')
                    .unwrap_or(bytes.len());
                (Kind::Space, end)
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => (Kind::Space, block_comment_end(bytes, i)),
            // A backslash escapes in any string, as in Redshift (see `sql::front`).
            b'\'' => (Kind::String, quoted_end(bytes, i, b'\'', true)),
            b'"' => (Kind::QuotedName, quoted_end(bytes, i, b'"', false)),
            b'e' | b'E' if bytes.get(i + 1) == Some(&b'\'') => {
                (Kind::String, quoted_end(bytes, i + 1, b'\'', true))
            }
            b'$' => match dollar_tag_end(bytes, i) {
                Some(tag_end) => {
                    let tag = &sql[i..tag_end];
                    let end = sql[tag_end..]
                        .find(tag)
                        .map_or(bytes.len(), |at| tag_end + at + tag.len());
                    (Kind::String, end)
                }
                None => {
                    let end = (i + 1..bytes.len())
                        .find(|&j| !bytes[j].is_ascii_digit())
                        .unwrap_or(bytes.len());
                    (Kind::Parameter, end.max(i + 1))
                }
            },
            b if is_word_start(b) => {
                let end = (i..bytes.len())
                    .find(|&j| !is_word_char(bytes[j]))
                    .unwrap_or(bytes.len());
                (Kind::Word, end)
            }
            b if b.is_ascii_digit() => {
                let end = (i..bytes.len())
                    .find(|&j| !(bytes[j].is_ascii_alphanumeric() || bytes[j] == b'.'))
                    .unwrap_or(bytes.len());
                (Kind::Number, end)
            }
            _ => {
                // One character, whole even when it is not ASCII.
                let len = sql[i..].chars().next().map_or(1, char::len_utf8);
                (Kind::Punct, i + len)
            }
        };
        self.at = end;
        Some(Token {
            kind,
            start: i,
            end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(Kind, &str)> {
        significant(sql)
            .into_iter()
            .map(|t| (t.kind, &sql[t.start..t.end]))
            .collect()
    }

    #[test]
    fn strings_names_and_comments_are_whole() {
        let sql = "select 'it''s -- not' , \"a \"\" b\", E'x\\'y' /* c /* nested */ */ $f$ distkey $f$, $1 -- end";
        assert_eq!(
            kinds(sql),
            [
                (Kind::Word, "select"),
                (Kind::String, "'it''s -- not'"),
                (Kind::Punct, ","),
                (Kind::QuotedName, "\"a \"\" b\""),
                (Kind::Punct, ","),
                (Kind::String, "E'x\\'y'"),
                (Kind::String, "$f$ distkey $f$"),
                (Kind::Punct, ","),
                (Kind::Parameter, "$1"),
            ]
        );
        let covered: usize = tokens(sql).map(|t| t.end - t.start).sum();
        assert_eq!(covered, sql.len());
    }

    #[test]
    fn a_backslash_escapes_in_a_plain_string_too() {
        assert_eq!(
            kinds("select 'l\\'auto', 'a\\\\' x"),
            [
                (Kind::Word, "select"),
                (Kind::String, "'l\\'auto'"),
                (Kind::Punct, ","),
                (Kind::String, "'a\\\\'"),
                (Kind::Word, "x"),
            ]
        );
    }

    #[test]
    fn unterminated_pieces_end_at_the_end() {
        for sql in [
            "select 'open",
            "select \"open",
            "/* open",
            "$a$ open",
            "select $",
        ] {
            assert_eq!(tokens(sql).last().unwrap().end, sql.len(), "{sql}");
        }
        assert_eq!(kinds("é1 ü"), [(Kind::Word, "é1"), (Kind::Word, "ü")]);
    }
}
