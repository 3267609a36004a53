//! Password logins, checked by the front once: the challenge sent (MD5 with a salt, or
//! cleartext) and whether an answer proves a password or matches what the engine stores
//! (`md5…`, or a `SCRAM-SHA-256$…` verifier, which only a cleartext answer can be held to).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::sql::wire;

/// What the client is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Challenge {
    Md5([u8; 4]),
    Cleartext,
}

impl Challenge {
    /// The challenge for a role whose stored secret is `stored`: MD5, unless only a SCRAM
    /// verifier is known, which an MD5 answer cannot be checked against.
    pub fn for_stored(stored: Option<&str>) -> Challenge {
        match stored {
            Some(s) if s.starts_with("SCRAM-SHA-256$") => Challenge::Cleartext,
            _ => Challenge::Md5(rand::random()),
        }
    }
}

/// A client's answer to a challenge.
pub struct Proof<'a> {
    pub challenge: Challenge,
    pub answer: &'a str,
    pub user: &'a str,
}

impl Proof<'_> {
    /// Whether the answer proves `password`.
    pub fn proves(&self, password: &str) -> bool {
        match self.challenge {
            Challenge::Md5(salt) => {
                wire::md5_response(&wire::md5_stored(password, self.user), salt) == self.answer
            }
            Challenge::Cleartext => password == self.answer,
        }
    }

    /// Whether the answer matches the secret the engine stores for the role.
    pub fn matches_stored(&self, stored: &str) -> bool {
        match (self.challenge, stored.strip_prefix("md5")) {
            (Challenge::Md5(salt), Some(hex)) => wire::md5_response(hex, salt) == self.answer,
            (Challenge::Cleartext, Some(hex)) => wire::md5_stored(self.answer, self.user) == hex,
            (Challenge::Cleartext, None) => scram_verifies(stored, self.answer),
            (Challenge::Md5(_), None) => false,
        }
    }
}

/// Whether `password` matches a SCRAM-SHA-256 verifier as PostgreSQL stores it:
/// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64), where StoredKey is
/// SHA-256(HMAC(PBKDF2(password, salt, iterations), "Client Key")).
pub fn scram_verifies(verifier: &str, password: &str) -> bool {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let Some(rest) = verifier.strip_prefix("SCRAM-SHA-256$") else {
        return false;
    };
    let Some((params, keys)) = rest.split_once('$') else {
        return false;
    };
    let (Some((iterations, salt)), Some((stored_key, _))) =
        (params.split_once(':'), keys.split_once(':'))
    else {
        return false;
    };
    let (Ok(iterations), Ok(salt), Ok(stored_key)) = (
        iterations.parse::<u32>(),
        b64.decode(salt),
        b64.decode(stored_key),
    ) else {
        return false;
    };
    if iterations == 0 || iterations > 10_000_000 {
        return false;
    }
    let mut salted = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, iterations, &mut salted);
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&salted) else {
        return false;
    };
    mac.update(b"Client Key");
    let client_key = mac.finalize().into_bytes();
    Sha256::digest(client_key).as_slice() == stored_key.as_slice()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_held_to_their_challenge() {
        let salt = [9, 8, 7, 6];
        let md5 = wire::md5_response(&wire::md5_stored("pw", "bob"), salt);
        let proof = Proof {
            challenge: Challenge::Md5(salt),
            answer: &md5,
            user: "bob",
        };
        assert!(proof.proves("pw"));
        assert!(!proof.proves("other"));
        let stored = format!("md5{}", wire::md5_stored("pw", "bob"));
        assert!(proof.matches_stored(&stored));
        let clear = Proof {
            challenge: Challenge::Cleartext,
            answer: "pw",
            user: "bob",
        };
        assert!(clear.proves("pw"));
        assert!(clear.matches_stored(&stored));
        assert!(!proof.matches_stored("SCRAM-SHA-256$4096:c2FsdA==$a:b"));
    }

    #[test]
    fn scram_verifiers_check_the_password() {
        // Computed independently (Python's hashlib and hmac) for 'Secret123', 4096 rounds.
        let verifier = "SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$qkHwh4hqb4CCL6F7ugRsHJTJpQl38XNGEMzEBPZas6k=:s3PRexrM3mYnsET+WxjllFNtdNlY7nu9lpOloTgE4vA=";
        assert!(scram_verifies(verifier, "Secret123"));
        assert!(!scram_verifies(verifier, "wrong"));
        assert!(!scram_verifies("SCRAM-SHA-256$0:AA==$AA==:AA==", "x"));
        assert!(!scram_verifies("garbage", "x"));
    }
}
