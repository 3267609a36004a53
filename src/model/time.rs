//! The two wire forms of a timestamp. The generator picks one per member from the model's
//! `timestampFormat` (awsJson1.1 defaults to epoch seconds), so no handler decides this.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// A timestamp sent as fractional epoch seconds, e.g. `1700000000.123`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EpochTime(pub DateTime<Utc>);

/// A timestamp sent as an ISO 8601 string, e.g. `2024-01-02T03:04:05.678Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoTime(pub DateTime<Utc>);

impl Serialize for EpochTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let millis = self.0.timestamp_millis();
        if millis % 1000 == 0 {
            s.serialize_i64(millis / 1000)
        } else {
            s.serialize_f64(millis as f64 / 1000.0)
        }
    }
}

impl Serialize for IsoTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

/// Inputs accept either form, as AWS's own deserializers do.
fn parse_any<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Wire {
        Number(f64),
        Text(String),
    }
    match Wire::deserialize(d)? {
        Wire::Number(secs) => epoch_to_datetime(secs)
            .ok_or_else(|| de::Error::custom(format!("timestamp {secs} is out of range"))),
        Wire::Text(text) => parse_timestamp_text(&text)
            .ok_or_else(|| de::Error::custom(format!("'{text}' is not a valid timestamp"))),
    }
}

pub fn epoch_to_datetime(secs: f64) -> Option<DateTime<Utc>> {
    if !secs.is_finite() || secs.abs() > 1e12 {
        return None;
    }
    Utc.timestamp_millis_opt((secs * 1000.0).round() as i64)
        .single()
}

pub fn parse_timestamp_text(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    text.parse::<f64>().ok().and_then(epoch_to_datetime)
}

impl<'de> Deserialize<'de> for EpochTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parse_any(d).map(EpochTime)
    }
}

impl<'de> Deserialize<'de> for IsoTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parse_any(d).map(IsoTime)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds_round_trip_with_millis() {
        let t = EpochTime(Utc.timestamp_millis_opt(1_700_000_000_250).unwrap());
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "1700000000.25");
        assert_eq!(serde_json::from_str::<EpochTime>(&json).unwrap(), t);
        let whole = EpochTime(Utc.timestamp_opt(1_700_000_000, 0).unwrap());
        assert_eq!(serde_json::to_string(&whole).unwrap(), "1700000000");
    }

    #[test]
    fn iso_is_rfc3339_with_millis_and_z() {
        let t = IsoTime(Utc.timestamp_millis_opt(1_700_000_000_250).unwrap());
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2023-11-14T22:13:20.250Z\""
        );
        let back: IsoTime = serde_json::from_str("\"2023-11-14T22:13:20.250+00:00\"").unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn nonsense_is_rejected() {
        assert!(serde_json::from_str::<EpochTime>("\"yesterday\"").is_err());
        assert!(serde_json::from_str::<EpochTime>("1e300").is_err());
    }
}
