//! The wire form of a `blob` shape: awsJson sends bytes as a base64 string (RFC 4648, with
//! padding), so no handler encodes or decodes one.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Bytes, sent as base64 text, e.g. `"aGk="` for `b"hi"`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Blob(pub Vec<u8>);

impl Blob {
    /// The bytes `text` encodes, or `None` when it is not base64.
    pub fn decode(text: &str) -> Option<Blob> {
        STANDARD.decode(text).ok().map(Blob)
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Blob::decode(&text)
            .ok_or_else(|| de::Error::custom(format!("'{text}' is not valid base64")))
    }
}

#[cfg(test)]
mod tests {
    use super::Blob;

    #[test]
    fn bytes_go_as_padded_base64_and_come_back() {
        let blob = Blob(b"hi\x00\xff".to_vec());
        let json = serde_json::to_string(&blob).unwrap();
        assert_eq!(json, "\"aGkA/w==\"");
        assert_eq!(serde_json::from_str::<Blob>(&json).unwrap(), blob);
        assert_eq!(serde_json::to_string(&Blob::default()).unwrap(), "\"\"");
    }

    #[test]
    fn what_is_not_base64_is_refused() {
        assert!(serde_json::from_str::<Blob>("\"not base64!\"").is_err());
        assert!(serde_json::from_str::<Blob>("5").is_err());
        assert!(Blob::decode("aGk").is_none(), "padding is required");
    }
}
