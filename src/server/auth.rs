//! Who is calling, and where: the account and region come from the SigV4 credential scope of
//! the `Authorization` header. Signatures are not verified.

use super::protocol::Envelope;
use crate::control::store::{Caller, Scope};

/// Where callers that send no credential scope land, and the account of non-numeric keys.
#[derive(Clone, Debug)]
pub struct Defaults {
    pub account: String,
    pub region: String,
}

impl Default for Defaults {
    fn default() -> Defaults {
        Defaults {
            account: "000000000000".into(),
            region: "us-east-1".into(),
        }
    }
}

/// `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, ...`
///
/// Read as bytes: the header is long, and only two short parts of it are needed as text.
fn credential_scope(header: &[u8]) -> Option<(&str, &str)> {
    const CREDENTIAL: &[u8] = b"Credential=";
    // SDKs put the credential first; look further only when they do not.
    let rest = match header.strip_prefix(b"AWS4-HMAC-SHA256 Credential=") {
        Some(rest) => rest,
        None => {
            let at = header
                .windows(CREDENTIAL.len())
                .position(|w| w == CREDENTIAL)?;
            &header[at + CREDENTIAL.len()..]
        }
    };
    // Scans only as far as the region; a part that runs into the next field is refused.
    let mut parts = rest.splitn(4, |b| *b == b'/');
    let key = text(parts.next()?)?;
    let _date = parts.next()?;
    let region = text(parts.next()?)?;
    Some((key, region))
}

/// A part of the credential as text, if it is printable ASCII of one field.
fn text(part: &[u8]) -> Option<&str> {
    if part.iter().all(|b| b.is_ascii_graphic() && *b != b',') {
        std::str::from_utf8(part).ok()
    } else {
        None
    }
}

/// The caller's account is its access key id when that is 12 digits (the convention
/// LocalStack users know), else the default account.
pub fn identify(envelope: &Envelope, defaults: &Defaults) -> (Scope, Caller) {
    let parsed = envelope
        .authorization
        .and_then(|v| credential_scope(v.as_bytes()));
    let (key, region) = parsed.unwrap_or(("", ""));
    let account = if key.len() == 12 && key.bytes().all(|b| b.is_ascii_digit()) {
        key
    } else {
        &defaults.account
    };
    let region = if region.is_empty() {
        &defaults.region
    } else {
        region
    };
    let caller = Caller {
        access_key: (!key.is_empty()).then(|| key.into()),
        assumed_role: envelope.security_token,
    };
    (Scope::new(account, region), caller)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn scope(auth: Option<&str>) -> Scope {
        let mut headers = HeaderMap::new();
        if let Some(auth) = auth {
            headers.insert("authorization", auth.parse().unwrap());
        }
        identify(&Envelope::of(&headers), &Defaults::default()).0
    }

    #[test]
    fn reads_account_and_region_from_the_credential_scope() {
        let auth = "AWS4-HMAC-SHA256 Credential=123456789012/20240101/eu-west-1/redshift-serverless/aws4_request, SignedHeaders=host, Signature=abc";
        assert_eq!(scope(Some(auth)), Scope::new("123456789012", "eu-west-1"));
        let auth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/ap-south-1/redshift-serverless/aws4_request";
        assert_eq!(scope(Some(auth)), Scope::new("000000000000", "ap-south-1"));
        let auth = "AWS4-HMAC-SHA256 SignedHeaders=host, Credential=210987654321/20240101/eu-west-2/redshift-serverless/aws4_request, Signature=abc";
        assert_eq!(scope(Some(auth)), Scope::new("210987654321", "eu-west-2"));
    }

    #[test]
    fn missing_or_garbled_headers_mean_the_defaults() {
        assert_eq!(scope(None), Scope::new("000000000000", "us-east-1"));
        assert_eq!(
            scope(Some("Bearer x")),
            Scope::new("000000000000", "us-east-1")
        );
        // A credential cut short must not borrow its region from the fields after it.
        let auth = "AWS4-HMAC-SHA256 Credential=123456789012, SignedHeaders=a/b/c, Signature=abc";
        assert_eq!(scope(Some(auth)), Scope::new("000000000000", "us-east-1"));
    }
}
