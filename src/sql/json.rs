//! JSON text as the data plane reads it: where its strings are, and SUPER's compact form.

use std::borrow::Cow;

/// Follows JSON text byte by byte: whether each byte is part of a string (its quotes too),
/// backslash escapes included.
#[derive(Default)]
pub struct Strings {
    open: bool,
    escaped: bool,
}

impl Strings {
    /// Whether a string is open before the next byte.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Takes the next byte: whether it is part of a string.
    pub fn take(&mut self, b: u8) -> bool {
        if !self.open {
            self.open = b == b'"';
            return self.open;
        }
        match (self.escaped, b) {
            (true, _) => self.escaped = false,
            (false, b'\\') => self.escaped = true,
            (false, b'"') => self.open = false,
            _ => {}
        }
        true
    }
}

/// A SUPER value's text as Redshift writes it, compact (`{"a":[1,2]}`), from the engine's
/// jsonb text, which puts one space after each comma and colon outside its strings and no
/// other space there.
pub fn compact_super(text: &[u8]) -> Cow<'_, [u8]> {
    if !text.contains(&b' ') {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len());
    let mut strings = Strings::default();
    for (i, &b) in text.iter().enumerate() {
        let spacing = b == b' ' && i > 0 && matches!(text[i - 1], b',' | b':');
        if !strings.take(b) && spacing {
            continue;
        }
        out.push(b);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn super_text_is_compact() {
        let compact =
            |t: &str| String::from_utf8(compact_super(t.as_bytes()).into_owned()).unwrap();
        assert_eq!(
            compact(r#"{"a": [1, 2, {"b c": "x, y: z"}], "d\"e": null}"#),
            r#"{"a":[1,2,{"b c":"x, y: z"}],"d\"e":null}"#
        );
        assert_eq!(compact(r#""a, b""#), r#""a, b""#);
        assert_eq!(compact(r#"["\\", "x"]"#), r#"["\\","x"]"#);
        assert_eq!(compact("12.5"), "12.5");
        assert!(matches!(compact_super(b"[1,2]"), Cow::Borrowed(_)));
    }

    #[test]
    fn strings_are_followed_through_escapes() {
        let mut strings = Strings::default();
        let inside: Vec<bool> = br#"a"b\"c"d"#.iter().map(|&b| strings.take(b)).collect();
        assert_eq!(inside, [false, true, true, true, true, true, true, false]);
        assert!(!strings.is_open());
    }
}
