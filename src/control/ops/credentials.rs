//! GetCredentials: temporary database credentials for a workgroup, found by name or by its
//! custom domain. Issued credentials are kept, with their expiry, for a data plane to accept.

use crate::control::error::{ApiError, ApiResult};
use crate::control::lifecycle::Target;
use crate::control::store::{Caller, Ctx, IssuedCredentials};
use crate::model::*;
use chrono::Duration;

/// "By default, the temporary credentials expire in 900 seconds ... between 900 seconds
/// (15 minutes) and 3600 seconds (60 minutes)."
const DEFAULT_DURATION: i32 = 900;

/// The reference's rules for `dbName`: 1 to 64 characters; letters, digits, underscore, plus,
/// period, at sign or hyphen; a letter first.
fn check_db_name(name: &str) -> ApiResult<()> {
    let ok = (1..=64).contains(&name.chars().count())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '.' | '@' | '-'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "dbName '{name}' is not valid: it must be 1 to 64 letters, digits, or _ + . @ -, starting with a letter."
        )))
    }
}

/// The database user AWS derives from the caller: `IAM:<user>` for an IAM user, `IAMR:<role>`
/// for an assumed role. The emulator knows callers only by access key, so that names them;
/// an unsigned caller is the account's root user.
pub fn db_user(caller: &Caller) -> String {
    let name = caller.access_key.as_deref().unwrap_or("root");
    if caller.assumed_role {
        format!("IAMR:{name}")
    } else {
        format!("IAM:{name}")
    }
}

pub fn get(ctx: &mut Ctx, req: GetCredentialsRequest) -> ApiResult<GetCredentialsResponse> {
    let duration = req.duration_seconds.unwrap_or(DEFAULT_DURATION);
    if !(900..=3600).contains(&duration) {
        return Err(ApiError::validation(format!(
            "durationSeconds {duration} is not valid: it must be between 900 and 3600 seconds."
        )));
    }
    if let Some(db) = &req.db_name {
        check_db_name(db)?;
    }
    let workgroup = match (req.workgroup_name, req.custom_domain_name) {
        (Some(name), _) => name,
        (None, Some(domain)) => super::custom_domain::workgroup_of(ctx.state, &domain)?,
        (None, None) => {
            return Err(ApiError::validation(
                "The custom domain name or the workgroup name must be included in the request.",
            ))
        }
    };
    super::workgroup::find(ctx.state, &workgroup)?;
    let password = ctx.rng.alphanumeric(64);
    let user = db_user(ctx.caller);
    let expires_at = ctx.now + Duration::seconds(duration.into());
    let issued = IssuedCredentials {
        workgroup,
        db_user: user.clone(),
        db_name: req.db_name,
        expires_at,
    };
    ctx.state.credentials.insert(password.clone(), issued);
    ctx.schedule_at(
        expires_at,
        Target::CredentialsExpiry {
            password: password.clone(),
        },
    );
    Ok(GetCredentialsResponse {
        db_user: Some(user),
        db_password: Some(password),
        expiration: Some(EpochTime(expires_at)),
        next_refresh_time: Some(EpochTime(expires_at)),
    })
}

pub fn expire(ctx: &mut Ctx, password: &str) {
    ctx.state.credentials.remove(password);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_user_follows_the_caller() {
        let user = Caller {
            access_key: Some("AKID".into()),
            assumed_role: false,
        };
        assert_eq!(db_user(&user), "IAM:AKID");
        let role = Caller {
            access_key: Some("ASIA".into()),
            assumed_role: true,
        };
        assert_eq!(db_user(&role), "IAMR:ASIA");
        assert_eq!(db_user(&Caller::default()), "IAM:root");
    }

    #[test]
    fn db_name_rules() {
        for ok in ["dev", "Sales_2024", "a+b.c@d-e"] {
            assert!(check_db_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1db", "a:b", "a/b", &"a".repeat(65)] {
            assert!(check_db_name(bad).is_err(), "{bad}");
        }
    }
}
