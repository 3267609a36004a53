//! The PostgreSQL wire protocol (version 3.0), as far as the front reads and writes it itself:
//! the start-up packets, the messages of a login, and errors. Bytes only: no I/O policy.
//!
//! Every length is checked before anything is allocated for it.

use bytes::{BufMut, Bytes, BytesMut};
use std::borrow::Cow;
use tokio::io::{AsyncRead, AsyncReadExt};

pub const PROTOCOL_3_0: i32 = 196_608;
const SSL_REQUEST: i32 = 80_877_103;
const GSSENC_REQUEST: i32 = 80_877_104;
const CANCEL_REQUEST: i32 = 80_877_102;

/// PostgreSQL's own limit on a start-up packet.
pub const MAX_STARTUP_BYTES: usize = 10_000;
/// The largest message read whole during a login (a password message is far smaller).
pub const MAX_LOGIN_MESSAGE_BYTES: usize = 8_192;

/// The first packet of a connection.
#[derive(Debug, PartialEq, Eq)]
pub enum Startup {
    Ssl,
    Gss,
    Cancel(BackendKey),
    Start(Vec<(String, String)>),
}

/// A session's identity for cancellation: the process id and secret of BackendKeyData.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BackendKey {
    pub pid: i32,
    pub secret: i32,
}

impl BackendKey {
    /// A CancelRequest packet for this key.
    pub fn cancel_request(&self) -> [u8; 16] {
        let mut packet = [0u8; 16];
        packet[0..4].copy_from_slice(&16i32.to_be_bytes());
        packet[4..8].copy_from_slice(&CANCEL_REQUEST.to_be_bytes());
        packet[8..12].copy_from_slice(&self.pid.to_be_bytes());
        packet[12..16].copy_from_slice(&self.secret.to_be_bytes());
        packet
    }
}

/// Why reading from a client stopped.
#[derive(Debug)]
pub enum WireError {
    /// The peer closed the connection (or it failed): nothing more can be said to it.
    Gone,
    /// The peer broke the protocol: tell it, then close.
    Refused(PgError),
}

impl From<std::io::Error> for WireError {
    fn from(_: std::io::Error) -> WireError {
        WireError::Gone
    }
}

/// An ErrorResponse: severity, SQLSTATE and message, as PostgreSQL and Redshift word them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgError {
    pub severity: &'static str,
    pub code: Cow<'static, str>,
    pub message: String,
}

impl PgError {
    fn fatal(code: &'static str, message: impl Into<String>) -> PgError {
        PgError {
            severity: "FATAL",
            code: Cow::Borrowed(code),
            message: message.into(),
        }
    }

    pub fn protocol_violation(message: impl Into<String>) -> PgError {
        PgError::fatal("08P01", message)
    }

    pub fn invalid_password(user: &str) -> PgError {
        PgError::fatal(
            "28P01",
            format!("password authentication failed for user \"{user}\""),
        )
    }

    pub fn no_user() -> PgError {
        PgError::fatal(
            "28000",
            "no PostgreSQL user name specified in startup packet",
        )
    }

    /// What Redshift answers a plaintext session when `require_ssl` is on.
    pub fn ssl_required(host: &str, user: &str, database: &str) -> PgError {
        PgError::fatal(
            "28000",
            format!("no pg_hba.conf entry for host \"{host}\", user \"{user}\", database \"{database}\", SSL off"),
        )
    }

    pub fn unsupported_protocol(version: i32) -> PgError {
        PgError::fatal(
            "0A000",
            format!(
                "unsupported frontend protocol {}.{}: server supports 3.0 to 3.0",
                version >> 16,
                version & 0xffff
            ),
        )
    }

    /// The engine cannot take sessions: not installed, failed to start, or the workgroup is
    /// going away.
    pub fn cannot_connect(message: impl Into<String>) -> PgError {
        PgError::fatal("57P03", message)
    }

    pub fn admin_shutdown(message: impl Into<String>) -> PgError {
        PgError::fatal("57P01", message)
    }

    pub fn internal(message: impl Into<String>) -> PgError {
        PgError::fatal("XX000", message)
    }

    /// The ErrorResponse message.
    pub fn encode(&self, out: &mut BytesMut) {
        let start = begin(out, b'E');
        for (field, value) in [
            (b'S', self.severity),
            (b'V', self.severity),
            (b'C', &*self.code),
            (b'M', self.message.as_str()),
        ] {
            out.put_u8(field);
            put_cstr(out, value);
        }
        out.put_u8(0);
        finish(out, start);
    }

    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::new();
        self.encode(&mut out);
        out.freeze()
    }
}

/// Reads the first packet of a connection. `Gone` when the peer closes before sending one.
pub async fn read_startup<R: AsyncRead + Unpin>(reader: &mut R) -> Result<Startup, WireError> {
    let len = reader.read_i32().await?;
    if !(8..=MAX_STARTUP_BYTES as i32).contains(&len) {
        return Err(WireError::Refused(PgError::protocol_violation(
            "invalid length of startup packet",
        )));
    }
    let mut body = vec![0u8; len as usize - 4];
    reader.read_exact(&mut body).await?;
    parse_startup(&body).map_err(WireError::Refused)
}

/// A start-up packet's body (after its length).
pub fn parse_startup(body: &[u8]) -> Result<Startup, PgError> {
    let code = i32::from_be_bytes(body[0..4].try_into().expect("caller checked the length"));
    let rest = &body[4..];
    match code {
        SSL_REQUEST if rest.is_empty() => Ok(Startup::Ssl),
        GSSENC_REQUEST if rest.is_empty() => Ok(Startup::Gss),
        CANCEL_REQUEST if rest.len() == 8 => Ok(Startup::Cancel(BackendKey {
            pid: i32::from_be_bytes(rest[0..4].try_into().expect("8 bytes")),
            secret: i32::from_be_bytes(rest[4..8].try_into().expect("8 bytes")),
        })),
        SSL_REQUEST | GSSENC_REQUEST | CANCEL_REQUEST => Err(PgError::protocol_violation(
            "invalid length of startup packet",
        )),
        PROTOCOL_3_0 => parse_parameters(rest).map(Startup::Start),
        other => Err(PgError::unsupported_protocol(other)),
    }
}

/// The name/value pairs of a start-up packet: NUL-terminated strings, ended by an empty name.
fn parse_parameters(mut rest: &[u8]) -> Result<Vec<(String, String)>, PgError> {
    let invalid = || {
        PgError::protocol_violation(
            "invalid startup packet layout: expected terminator as last byte",
        )
    };
    let mut params = Vec::new();
    loop {
        let (name, after) = take_cstr(rest).ok_or_else(invalid)?;
        if name.is_empty() {
            if after.is_empty() {
                return Ok(params);
            }
            return Err(invalid());
        }
        let (value, after) = take_cstr(after).ok_or_else(invalid)?;
        let text = |b: &[u8]| {
            String::from_utf8(b.to_vec())
                .map_err(|_| PgError::protocol_violation("invalid byte sequence in startup packet"))
        };
        params.push((text(name)?, text(value)?));
        rest = after;
    }
}

/// A NUL-terminated string at the start of `bytes`, and what follows it.
pub fn take_cstr(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = bytes.iter().position(|&b| b == 0)?;
    Some((&bytes[..end], &bytes[end + 1..]))
}

/// Reads one framed message whole, refusing one longer than `max` before allocating.
pub async fn read_message<R: AsyncRead + Unpin>(
    reader: &mut R,
    max: usize,
) -> Result<(u8, Vec<u8>), WireError> {
    let tag = reader.read_u8().await?;
    let len = reader.read_i32().await?;
    if len < 4 || len as usize - 4 > max {
        return Err(WireError::Refused(PgError::protocol_violation(format!(
            "invalid message length {len}"
        ))));
    }
    let mut body = vec![0u8; len as usize - 4];
    reader.read_exact(&mut body).await?;
    Ok((tag, body))
}

/// The password of a PasswordMessage (`p`), without its NUL.
pub fn password_of(tag: u8, body: &[u8]) -> Result<&[u8], PgError> {
    if tag != b'p' {
        return Err(PgError::protocol_violation(format!(
            "expected password response, got message type {}",
            tag
        )));
    }
    match take_cstr(body) {
        Some((password, [])) => Ok(password),
        _ => Err(PgError::protocol_violation("invalid password packet size")),
    }
}

fn begin(out: &mut BytesMut, tag: u8) -> usize {
    out.put_u8(tag);
    let start = out.len();
    out.put_i32(0);
    start
}

fn finish(out: &mut BytesMut, start: usize) {
    let len = (out.len() - start) as i32;
    out[start..start + 4].copy_from_slice(&len.to_be_bytes());
}

fn put_cstr(out: &mut BytesMut, s: &str) {
    out.put_slice(s.as_bytes());
    out.put_u8(0);
}

/// AuthenticationOk (0), AuthenticationCleartextPassword (3), AuthenticationMD5Password (5).
pub fn authentication(out: &mut BytesMut, code: i32, salt: Option<[u8; 4]>) {
    let start = begin(out, b'R');
    out.put_i32(code);
    if let Some(salt) = salt {
        out.put_slice(&salt);
    }
    finish(out, start);
}

pub const AUTH_OK: i32 = 0;
pub const AUTH_CLEARTEXT: i32 = 3;
pub const AUTH_MD5: i32 = 5;

pub fn backend_key_data(out: &mut BytesMut, key: BackendKey) {
    let start = begin(out, b'K');
    out.put_i32(key.pid);
    out.put_i32(key.secret);
    finish(out, start);
}

/// A start-up packet for protocol 3.0 with these parameters.
pub fn startup_packet(params: &[(&str, &str)]) -> BytesMut {
    let mut out = BytesMut::new();
    out.put_i32(0);
    out.put_i32(PROTOCOL_3_0);
    for (name, value) in params {
        put_cstr(&mut out, name);
        put_cstr(&mut out, value);
    }
    out.put_u8(0);
    let len = out.len() as i32;
    out[0..4].copy_from_slice(&len.to_be_bytes());
    out
}

/// The rows a CommandComplete's tag counts (`SELECT 3`, `INSERT 0 5`), if it counts any
/// (`CREATE TABLE` does not).
pub fn tag_rows(tag: &[u8]) -> Option<i64> {
    let tag = tag.strip_suffix(&[0]).unwrap_or(tag);
    let at = tag.iter().rposition(|&b| b == b' ')?;
    std::str::from_utf8(&tag[at + 1..]).ok()?.parse().ok()
}

/// The type oid of SUPER as Redshift names it on the wire (`pg_type` 4000, `super`), and of the
/// engine's jsonb, which stands for it.
pub const SUPER_OID: u32 = 4000;
const JSONB_OID: u32 = 3802;

/// Renames, in a RowDescription's body, each column of the engine's jsonb to Redshift's SUPER,
/// in place (the same width): clients then read it as Redshift's drivers do, as text
/// (redshift_connector by its oid; psycopg2 and others as a type they do not know), rather
/// than decode it as JSON. A body that does not parse is left as it is.
pub fn rename_super_columns(body: &mut [u8]) {
    let Some(count) = body.get(..2).map(|c| i16::from_be_bytes([c[0], c[1]])) else {
        return;
    };
    let mut at = 2;
    for _ in 0..count.max(0) {
        let Some(name) = body
            .get(at..)
            .and_then(|rest| rest.iter().position(|&b| b == 0))
        else {
            return;
        };
        // The name, then table oid (4), column number (2), type oid (4), size (2), modifier
        // (4) and format (2).
        let oid_at = at + name + 1 + 6;
        let Some(oid) = body.get_mut(oid_at..oid_at + 4) else {
            return;
        };
        if u32::from_be_bytes([oid[0], oid[1], oid[2], oid[3]]) == JSONB_OID {
            oid.copy_from_slice(&SUPER_OID.to_be_bytes());
        }
        at = oid_at + 12;
    }
}

/// The SQLSTATE and message of an ErrorResponse body.
pub fn error_fields(body: &[u8]) -> (String, String) {
    let (mut code, mut message) = (String::new(), String::new());
    let mut rest = body;
    while let Some((&field, after)) = rest.split_first() {
        if field == 0 {
            break;
        }
        let Some((value, after)) = take_cstr(after) else {
            break;
        };
        let value = String::from_utf8_lossy(value).into_owned();
        match field {
            b'C' => code = value,
            b'M' => message = value,
            _ => {}
        }
        rest = after;
    }
    (code, message)
}

/// `md5` + hex(md5(md5hex(password + user) + salt)): what a client answers to
/// AuthenticationMD5Password, given the stored `md5hex(password + user)`.
pub fn md5_response(stored_hex: &str, salt: [u8; 4]) -> String {
    use md5::{Digest, Md5};
    let mut hasher = Md5::new();
    hasher.update(stored_hex.as_bytes());
    hasher.update(salt);
    format!("md5{:x}", hasher.finalize())
}

/// hex(md5(password + user)), as PostgreSQL stores an md5 password (after its `md5` prefix).
pub fn md5_stored(password: &str, user: &str) -> String {
    use md5::{Digest, Md5};
    let mut hasher = Md5::new();
    hasher.update(password.as_bytes());
    hasher.update(user.as_bytes());
    format!("{:x}", hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonb_columns_are_described_as_super() {
        let field = |name: &str, oid: u32| {
            let mut f = name.as_bytes().to_vec();
            f.push(0);
            f.extend_from_slice(&7u32.to_be_bytes());
            f.extend_from_slice(&1i16.to_be_bytes());
            f.extend_from_slice(&oid.to_be_bytes());
            f.extend_from_slice(&(-1i16).to_be_bytes());
            f.extend_from_slice(&(-1i32).to_be_bytes());
            f.extend_from_slice(&0i16.to_be_bytes());
            f
        };
        let body = |fields: &[(&str, u32)]| {
            let mut b = (fields.len() as i16).to_be_bytes().to_vec();
            for (name, oid) in fields {
                b.extend(field(name, *oid));
            }
            b
        };
        let mut described = body(&[("id", 23), ("payload", 3802), ("j", 114)]);
        rename_super_columns(&mut described);
        assert_eq!(
            described,
            body(&[("id", 23), ("payload", SUPER_OID), ("j", 114)])
        );
        // Cut short: what parses is renamed, the rest left alone, nothing panics.
        let whole = body(&[("payload", 3802), ("x", 3802)]);
        for end in 0..whole.len() {
            let mut cut = whole[..end].to_vec();
            rename_super_columns(&mut cut);
            assert_eq!(cut.len(), end);
        }
    }

    fn packet(code: i32, rest: &[u8]) -> Vec<u8> {
        let mut body = code.to_be_bytes().to_vec();
        body.extend_from_slice(rest);
        body
    }

    #[test]
    fn command_tags_count_rows() {
        assert_eq!(tag_rows(b"INSERT 0 5\0"), Some(5));
        assert_eq!(tag_rows(b"SELECT 12"), Some(12));
        assert_eq!(tag_rows(b"CREATE TABLE\0"), None);
    }

    #[test]
    fn startup_packets() {
        assert_eq!(parse_startup(&packet(SSL_REQUEST, b"")), Ok(Startup::Ssl));
        assert_eq!(
            parse_startup(&packet(GSSENC_REQUEST, b"")),
            Ok(Startup::Gss)
        );
        let mut key = 7i32.to_be_bytes().to_vec();
        key.extend_from_slice(&9i32.to_be_bytes());
        assert_eq!(
            parse_startup(&packet(CANCEL_REQUEST, &key)),
            Ok(Startup::Cancel(BackendKey { pid: 7, secret: 9 }))
        );
        assert_eq!(
            parse_startup(&packet(PROTOCOL_3_0, b"user\0bob\0database\0dev\0\0")),
            Ok(Startup::Start(vec![
                ("user".into(), "bob".into()),
                ("database".into(), "dev".into())
            ]))
        );
        let packet_bytes = startup_packet(&[("user", "bob")]);
        assert_eq!(
            parse_startup(&packet_bytes[4..]),
            Ok(Startup::Start(vec![("user".into(), "bob".into())]))
        );
    }

    #[test]
    fn bad_startup_packets() {
        let refused = |body: Vec<u8>| parse_startup(&body).unwrap_err();
        assert_eq!(refused(packet(PROTOCOL_3_0, b"user\0bob\0")).code, "08P01");
        assert_eq!(refused(packet(PROTOCOL_3_0, b"user\0bob")).code, "08P01");
        assert_eq!(
            refused(packet(PROTOCOL_3_0, b"user\0bob\0\0x")).code,
            "08P01"
        );
        assert_eq!(refused(packet(PROTOCOL_3_0, b"u\0\xff\0\0")).code, "08P01");
        assert_eq!(refused(packet(SSL_REQUEST, b"x")).code, "08P01");
        let old = refused(packet(0x0002_0000, b""));
        assert_eq!(old.code, "0A000");
        assert_eq!(
            old.message,
            "unsupported frontend protocol 2.0: server supports 3.0 to 3.0"
        );
    }

    #[tokio::test]
    async fn lengths_are_checked_before_reading() {
        let mut short: &[u8] = &[0, 0, 0, 3];
        assert!(matches!(
            read_startup(&mut short).await,
            Err(WireError::Refused(_))
        ));
        let mut huge: &[u8] = &[0, 1, 0, 0, 0, 0];
        assert!(matches!(
            read_startup(&mut huge).await,
            Err(WireError::Refused(_))
        ));
        let mut negative: &[u8] = &[b'p', 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            read_message(&mut negative, 100).await,
            Err(WireError::Refused(_))
        ));
        let mut cut: &[u8] = &[0, 0, 0, 16, 0];
        assert!(matches!(read_startup(&mut cut).await, Err(WireError::Gone)));
    }

    #[test]
    fn md5_matches_libpq() {
        // Computed independently: md5("secretbob"), then md5(that hex + salt 01 02 03 04).
        assert_eq!(
            md5_stored("secret", "bob"),
            "21f3163f8f86fa10bdefbfbd502a8f06"
        );
        assert_eq!(
            md5_response(&md5_stored("secret", "bob"), [1, 2, 3, 4]),
            "md5f21dfe33ff3a9e03dbc3e008251fe5cc"
        );
    }

    #[test]
    fn error_response_round_trip() {
        let bytes = PgError::invalid_password("bob").to_bytes();
        assert_eq!(bytes[0], b'E');
        let (code, message) = error_fields(&bytes[5..]);
        assert_eq!(code, "28P01");
        assert_eq!(message, "password authentication failed for user \"bob\"");
    }
}
