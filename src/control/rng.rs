//! The randomness handlers use (ids, passwords, tokens). Every request and every timer gets
//! its own generator from a seed, so that replaying a journaled request with its seed makes
//! the same ids: durability depends on it. SplitMix64: small, fast, and fixed forever, unlike
//! a library generator whose algorithm may change between versions.

#[derive(Clone, Debug)]
pub struct Rng(u64);

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A seed from the operating system's randomness, for live requests.
    pub fn fresh_seed() -> u64 {
        rand::random()
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for chunk in out.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        out
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A random (version 4) UUID.
    pub fn uuid(&mut self) -> String {
        uuid::Builder::from_random_bytes(self.bytes())
            .into_uuid()
            .to_string()
    }

    /// A version 7 UUID for `millis` since the epoch: sorts in time order.
    pub fn uuid_at(&mut self, millis: u64) -> String {
        uuid::Builder::from_unix_timestamp_millis(millis, &self.bytes())
            .into_uuid()
            .to_string()
    }

    /// An AWS-style resource id such as `sg-0a1b2c3d4e5f60718`.
    pub fn aws_id(&mut self, prefix: &str) -> String {
        let hex: String = (0..17)
            .map(|_| char::from_digit(self.below(16) as u32, 16).unwrap_or('0'))
            .collect();
        format!("{prefix}-{hex}")
    }

    /// Random letters and digits, as in passwords and the suffix of a secret's ARN.
    pub fn alphanumeric(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| ALPHANUMERIC[self.below(ALPHANUMERIC.len())] as char)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_values() {
        let (mut a, mut b) = (Rng::new(42), Rng::new(42));
        assert_eq!(a.uuid(), b.uuid());
        assert_eq!(a.aws_id("sg"), b.aws_id("sg"));
        assert_eq!(a.alphanumeric(20), b.alphanumeric(20));
        assert_ne!(Rng::new(1).uuid(), Rng::new(2).uuid());
    }

    #[test]
    fn shapes_of_ids() {
        let mut rng = Rng::new(7);
        let id = rng.uuid();
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
        let sg = rng.aws_id("sg");
        assert!(sg.starts_with("sg-") && sg.len() == 20);
        let t = rng.uuid_at(1_700_000_000_000);
        assert_eq!(uuid::Uuid::parse_str(&t).unwrap().get_version_num(), 7);
        assert!(rng
            .alphanumeric(64)
            .chars()
            .all(|c| c.is_ascii_alphanumeric()));
    }
}
