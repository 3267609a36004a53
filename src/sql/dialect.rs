//! The seam where Redshift's SQL becomes the engine's: every `Query` and `Parse` message a
//! client sends passes through [`rewrite_message`]. Text that needs no change is forwarded
//! as it came, without a copy of its own.

use bytes::BytesMut;
use std::borrow::Cow;

/// Redshift SQL in, engine SQL out. Nothing is rewritten yet; the dialect's issue fills this.
pub fn translate(sql: &str) -> Cow<'_, str> {
    Cow::Borrowed(sql)
}

/// Appends `message` (a whole `Query` or `Parse`, tag and length included) to `out`, its SQL
/// translated.
pub fn rewrite_message(message: BytesMut, out: &mut BytesMut) {
    out.extend_from_slice(&message);
}
