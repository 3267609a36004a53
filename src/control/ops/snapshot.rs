//! Snapshots: CreateSnapshot, GetSnapshot, ListSnapshots, UpdateSnapshot, DeleteSnapshot, and
//! the resource policies on them (PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy).
//!
//! A snapshot is CREATING until the transition delay passes, then AVAILABLE until it is deleted
//! or its retention period runs out on the clock (`-1` keeps it forever).

use super::tags;
use crate::control::backup::{Capture, Taken};
use crate::control::error::{ApiError, ApiResult, ResourceKind};
use crate::control::lifecycle::{Event, Status, Target};
use crate::control::pagination::page;
use crate::control::store::{Ctx, Image, Partition, ReadCtx, Scope, SnapshotCopy, SnapshotRecord};
use crate::model::*;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

/// The size every emulated snapshot reports, in megabytes.
const BACKUP_SIZE_MB: f64 = 32.0;

/// "-1 keeps forever"; AWS accepts 1 to 3653 days otherwise.
pub fn check_retention(member: &str, days: i32) -> ApiResult<()> {
    if days == -1 || (1..=3653).contains(&days) {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "{member} {days} is not valid: use -1 to keep indefinitely, or a number of days from 1 to 3653."
        )))
    }
}

pub fn find<'a>(state: &'a mut Partition, name: &str) -> ApiResult<&'a mut SnapshotRecord> {
    ResourceKind::Snapshot.lookup_mut(&mut state.snapshots, name)
}

fn find_by_arn<'a>(state: &'a Partition, arn: &str) -> ApiResult<&'a SnapshotRecord> {
    state
        .snapshots
        .values()
        .find(|s| s.view.snapshot_arn.as_deref() == Some(arn))
        .ok_or_else(|| ApiError::not_found(ResourceKind::Snapshot, arn))
}

/// [`find_by_arn`], to change the snapshot.
fn find_by_arn_mut<'a>(state: &'a mut Partition, arn: &str) -> ApiResult<&'a mut SnapshotRecord> {
    let name = find_by_arn(state, arn)?.view.snapshot_name.clone();
    find(state, name.as_deref().unwrap_or_default())
}

/// Snapshots of other accounts are not visible here: an `ownerAccount` naming another account
/// finds nothing.
fn check_owner(scope: &Scope, owner: Option<&str>, name: &str) -> ApiResult<()> {
    match owner {
        Some(owner) if owner != scope.account => {
            Err(ApiError::not_found(ResourceKind::Snapshot, name))
        }
        _ => Ok(()),
    }
}

/// The snapshot named by exactly one of a name and an ARN, as GetSnapshot and
/// RestoreFromSnapshot take them.
pub fn find_named<'a>(
    scope: &Scope,
    state: &'a Partition,
    name: Option<&str>,
    arn: Option<&str>,
    owner: Option<&str>,
) -> ApiResult<&'a SnapshotRecord> {
    let shown = name.or(arn).unwrap_or_default().to_string();
    check_owner(scope, owner, &shown)?;
    match (name, arn) {
        (Some(name), None) => ResourceKind::Snapshot.lookup(&state.snapshots, name),
        (None, Some(arn)) => find_by_arn(state, arn),
        _ => Err(ApiError::validation(
            "Specify exactly one of snapshotName and snapshotArn.",
        )),
    }
}

/// Where a new snapshot's data comes from.
pub enum Data {
    /// Captured from the namespace now.
    Now,
    /// A capture it shares (a recovery point's), if that has one.
    Shared(Option<Capture>),
}

/// Takes a snapshot of `source` named `name`: the one way a snapshot comes to be, whether
/// asked for, left by DeleteNamespace, converted from a recovery point or scheduled. Its
/// data is asked for only once nothing can refuse the snapshot.
pub fn take(
    ctx: &mut Ctx,
    name: &str,
    source: Image,
    data: Data,
    retention: Option<i32>,
    tag_list: Option<Vec<Tag>>,
) -> ApiResult<Snapshot> {
    let retention = retention.unwrap_or(-1);
    check_retention("retentionPeriod", retention)?;
    if ctx.state.snapshots.contains_key(name) {
        return Err(ApiError::already_exists(ResourceKind::Snapshot, name));
    }
    let id = ctx.rng.uuid();
    let capture = match data {
        Data::Now => ctx.capture_now(&source),
        Data::Shared(capture) => capture,
    };
    let arn = ctx.scope.arn(&format!("snapshot/{id}"));
    let ns = &source.namespace;
    let view = Snapshot {
        snapshot_name: Some(name.to_string()),
        snapshot_arn: Some(arn.clone()),
        namespace_name: ns.namespace_name.clone(),
        namespace_arn: ns.namespace_arn.clone(),
        owner_account: Some(ctx.scope.account.to_string()),
        admin_username: ns.admin_username.clone(),
        admin_password_secret_arn: ns.admin_password_secret_arn.clone(),
        admin_password_secret_kms_key_id: ns.admin_password_secret_kms_key_id.clone(),
        kms_key_id: ns.kms_key_id.clone(),
        snapshot_create_time: Some(IsoTime(ctx.now)),
        snapshot_retention_period: Some(retention),
        snapshot_retention_start_time: Some(IsoTime(ctx.now)),
        total_backup_size_in_mega_bytes: Some(BACKUP_SIZE_MB),
        actual_incremental_backup_size_in_mega_bytes: Some(BACKUP_SIZE_MB),
        backup_progress_in_mega_bytes: Some(BACKUP_SIZE_MB),
        current_backup_rate_in_mega_bytes_per_second: Some(BACKUP_SIZE_MB),
        elapsed_time_in_seconds: Some(ctx.settings.transition_delay.num_seconds()),
        estimated_seconds_to_completion: Some(0),
        accounts_with_restore_access: Some(Vec::new()),
        ..Snapshot::default()
    };
    let expires_at = expiry(ctx.now, retention);
    let mut record = SnapshotRecord {
        view,
        status: Status::initial(SnapshotStatus::Creating),
        expires_at,
        source,
        policy: None,
        capture,
        settle_due: false,
    };
    if let Some(capture) = &record.capture {
        show_capture(&mut record.view, capture.taken);
    }
    let snapshot = record.to_model(ctx.now);
    tags::attach(ctx.state, &arn, tag_list);
    ctx.state.snapshots.insert(name.to_string(), record);
    ctx.settle_later(Target::Snapshot {
        name: name.to_string(),
        id: id.clone(),
    });
    if let Some(at) = expires_at {
        ctx.schedule_at(
            at,
            Target::SnapshotExpiry {
                name: name.to_string(),
                id,
            },
        );
    }
    Ok(snapshot)
}

fn expiry(start: DateTime<Utc>, retention_days: i32) -> Option<DateTime<Utc>> {
    (retention_days > 0).then(|| start + Duration::days(retention_days.into()))
}

fn id_of(record: &SnapshotRecord) -> String {
    let arn = record.view.snapshot_arn.as_deref().unwrap_or_default();
    arn.rsplit('/').next().unwrap_or_default().to_string()
}

/// What a snapshot shows of its capture: the real sizes once taken, no progress before.
fn show_capture(view: &mut Snapshot, taken: Option<Taken>) {
    let taken_or_none = taken.unwrap_or_default();
    view.total_backup_size_in_mega_bytes = Some(taken_or_none.total_mb());
    view.actual_incremental_backup_size_in_mega_bytes = Some(taken_or_none.new_mb());
    view.backup_progress_in_mega_bytes = Some(taken_or_none.total_mb());
    match taken {
        Some(taken) => {
            view.current_backup_rate_in_mega_bytes_per_second = Some(taken.rate_mb_per_s());
            view.elapsed_time_in_seconds = Some((taken.elapsed_ms / 1000) as i64);
            view.estimated_seconds_to_completion = Some(0);
        }
        None => {
            view.current_backup_rate_in_mega_bytes_per_second = Some(0.0);
            view.elapsed_time_in_seconds = Some(0);
            view.estimated_seconds_to_completion = Some(-1);
        }
    }
}

/// The data plane captured `capture`: every snapshot holding it shows the sizes, and one whose
/// transition delay has passed becomes AVAILABLE.
pub fn captured(ctx: &mut Ctx, capture: &str, taken: Taken) {
    let mut copied = Vec::new();
    for record in ctx.state.snapshots.values_mut() {
        let Some(held) = record.capture.as_mut().filter(|c| c.id == capture) else {
            continue;
        };
        held.taken = Some(taken);
        show_capture(&mut record.view, Some(taken));
        if std::mem::take(&mut record.settle_due) {
            let _ = record.status.apply(Event::Settle);
            copied.push(record.view.snapshot_name.clone().unwrap_or_default());
        }
    }
    for name in copied {
        copy_out(ctx, &name);
    }
}

/// A snapshot that became AVAILABLE is copied, with its data, to every region its
/// namespace's snapshot copy configurations name, kept there for their retention period.
fn copy_out(ctx: &mut Ctx, name: &str) {
    let Some(record) = ctx.state.snapshots.get(name) else {
        return;
    };
    let namespace = record.view.namespace_name.clone();
    let copies: Vec<SnapshotCopy> = ctx
        .state
        .snapshot_copy_configurations
        .values()
        .filter(|c| c.namespace_name == namespace)
        .filter_map(|c| {
            let retention = c.snapshot_retention_period.unwrap_or(-1);
            let mut copy = SnapshotRecord {
                view: record.view.clone(),
                status: record.status,
                expires_at: expiry(ctx.now, retention),
                source: record.source.clone(),
                policy: None,
                capture: record.capture.clone(),
                settle_due: false,
            };
            copy.view.snapshot_retention_period = Some(retention);
            copy.view.snapshot_retention_start_time = Some(IsoTime(ctx.now));
            copy.view.accounts_with_restore_access = Some(Vec::new());
            if let Some(key) = &c.destination_kms_key_id {
                copy.view.kms_key_id = Some(key.clone());
            }
            Some(SnapshotCopy {
                region: c.destination_region.clone()?,
                record: copy,
            })
        })
        .collect();
    ctx.outbox.extend(copies);
}

/// A copy from another region arrives, under the source's name (unless that is taken here),
/// with an ARN of this region.
pub fn receive_copy(ctx: &mut Ctx, mut record: SnapshotRecord) {
    let name = record.view.snapshot_name.clone().unwrap_or_default();
    if ctx.state.snapshots.contains_key(&name) {
        tracing::info!(snapshot = name, region = %ctx.scope.region,
            "a snapshot copy is not made: the name is taken in the destination region");
        return;
    }
    let id = ctx.rng.uuid();
    let arn = ctx.scope.arn(&format!("snapshot/{id}"));
    record.view.snapshot_arn = Some(arn.clone());
    tags::attach(ctx.state, &arn, None);
    if let Some(at) = record.expires_at {
        ctx.schedule_at(
            at,
            Target::SnapshotExpiry {
                name: name.clone(),
                id,
            },
        );
    }
    ctx.state.snapshots.insert(name, record);
}

/// The data plane could not capture `capture`: the snapshots waiting for it fail.
pub fn capture_failed(ctx: &mut Ctx, capture: &str, reason: &str) {
    for (name, record) in ctx.state.snapshots.iter_mut() {
        if record.capture.as_ref().is_some_and(|c| c.id == capture) {
            tracing::warn!(snapshot = %name, reason, "snapshot failed");
            record.settle_due = false;
            let _ = record.status.apply(Event::Fail);
        }
    }
}

/// Emulates CreateSnapshot: the namespace must exist and be AVAILABLE.
pub fn create(ctx: &mut Ctx, req: CreateSnapshotRequest) -> ApiResult<CreateSnapshotResponse> {
    let source = super::namespace::image(ctx.state, &req.namespace_name)?;
    let snapshot = take(
        ctx,
        &req.snapshot_name,
        source,
        Data::Now,
        req.retention_period,
        req.tags,
    )?;
    Ok(CreateSnapshotResponse {
        snapshot: Some(snapshot),
    })
}

pub fn get(ctx: &mut ReadCtx, req: GetSnapshotRequest) -> ApiResult<GetSnapshotResponse> {
    let record = find_named(
        ctx.scope,
        ctx.state,
        req.snapshot_name.as_deref(),
        req.snapshot_arn.as_deref(),
        req.owner_account.as_deref(),
    )?;
    Ok(GetSnapshotResponse {
        snapshot: Some(record.to_model(ctx.now)),
    })
}

/// The filters ListSnapshots and ListRecoveryPoints share: the namespace a backup was taken
/// of, by name or ARN, and a window on when it was taken.
pub struct BackupFilter<'a> {
    pub namespace_name: Option<&'a str>,
    pub namespace_arn: Option<&'a str>,
    pub start: Option<EpochTime>,
    pub end: Option<EpochTime>,
}

impl BackupFilter<'_> {
    pub fn keeps(&self, name: Option<&str>, arn: Option<&str>, taken: Option<IsoTime>) -> bool {
        let taken = taken.map(|t| t.0);
        self.namespace_name.is_none_or(|n| name == Some(n))
            && self.namespace_arn.is_none_or(|a| arn == Some(a))
            && self.start.is_none_or(|start| taken >= Some(start.0))
            && self.end.is_none_or(|end| taken <= Some(end.0))
    }
}

pub fn list(ctx: &mut ReadCtx, req: ListSnapshotsRequest) -> ApiResult<ListSnapshotsResponse> {
    let own = req
        .owner_account
        .as_deref()
        .is_none_or(|owner| owner == ctx.scope.account);
    let filter = BackupFilter {
        namespace_name: req.namespace_name.as_deref(),
        namespace_arn: req.namespace_arn.as_deref(),
        start: req.start_time,
        end: req.end_time,
    };
    let keep = |s: &SnapshotRecord| {
        let view = &s.view;
        own && filter.keeps(
            view.namespace_name.as_deref(),
            view.namespace_arn.as_deref(),
            view.snapshot_create_time,
        )
    };
    let page = page(
        &ctx.state.snapshots,
        Operation::ListSnapshots,
        req.next_token.as_deref(),
        req.max_results,
        keep,
    )?;
    Ok(ListSnapshotsResponse {
        snapshots: Some(
            page.items
                .into_iter()
                .map(|s| s.to_model(ctx.now))
                .collect(),
        ),
        next_token: page.next_token,
    })
}

/// Emulates UpdateSnapshot: a new retention period counts from the snapshot's retention start.
pub fn update(ctx: &mut Ctx, req: UpdateSnapshotRequest) -> ApiResult<UpdateSnapshotResponse> {
    if let Some(days) = req.retention_period {
        check_retention("retentionPeriod", days)?;
    }
    let now = ctx.now;
    let record = find(ctx.state, &req.snapshot_name)?;
    let mut reschedule = None;
    if let Some(days) = req.retention_period {
        let start = record
            .view
            .snapshot_retention_start_time
            .map_or(now, |t| t.0);
        record.view.snapshot_retention_period = Some(days);
        record.expires_at = expiry(start, days);
        reschedule = record.expires_at.map(|at| (at, id_of(record)));
    }
    let snapshot = record.to_model(now);
    if let Some((at, id)) = reschedule {
        ctx.schedule_at(
            at.max(now),
            Target::SnapshotExpiry {
                name: req.snapshot_name,
                id,
            },
        );
    }
    Ok(UpdateSnapshotResponse {
        snapshot: Some(snapshot),
    })
}

pub fn delete(ctx: &mut Ctx, req: DeleteSnapshotRequest) -> ApiResult<DeleteSnapshotResponse> {
    let now = ctx.now;
    let record = find(ctx.state, &req.snapshot_name)?;
    record
        .status
        .apply_requested(Event::Delete, ResourceKind::Snapshot, &req.snapshot_name)?;
    let snapshot = record.to_model(now);
    remove(ctx, &req.snapshot_name);
    Ok(DeleteSnapshotResponse {
        snapshot: Some(snapshot),
    })
}

fn remove(ctx: &mut Ctx, name: &str) {
    if let Some(record) = ctx.state.snapshots.remove(name) {
        tags::detach(
            ctx.state,
            record.view.snapshot_arn.as_deref().unwrap_or_default(),
        );
        if record.capture.is_some() {
            ctx.release_captures();
        }
    }
}

/// The transition delay has passed: AVAILABLE, unless the data is still being captured.
pub fn settle(ctx: &mut Ctx, name: &str, id: &str) {
    if let Some(record) = ctx.state.snapshots.get_mut(name).filter(|r| id_of(r) == id) {
        if record.capture.as_ref().is_some_and(Capture::is_pending) {
            record.settle_due = true;
            return;
        }
        if record.status.apply(Event::Settle).is_ok() {
            copy_out(ctx, name);
        }
    }
}

/// The retention period ran out: the snapshot disappears, unless its retention was changed
/// since this timer was set.
pub fn expire(ctx: &mut Ctx, name: &str, id: &str) {
    let due = ctx
        .state
        .snapshots
        .get(name)
        .filter(|r| id_of(r) == id)
        .is_some_and(|r| r.expires_at.is_some_and(|at| at <= ctx.now));
    if due {
        remove(ctx, name);
    }
}

/// The accounts a policy lets restore the snapshot: the AWS principals of its Allow
/// statements, as 12-digit account ids (`arn:aws:iam::<account>:...` is reduced to the account).
fn principal_accounts(policy: &Value) -> Vec<String> {
    let statements = match &policy["Statement"] {
        Value::Array(list) => list.iter().collect(),
        single @ Value::Object(_) => vec![single],
        _ => Vec::new(),
    };
    let mut accounts: Vec<String> = statements
        .into_iter()
        .filter(|s| s["Effect"] == "Allow")
        .flat_map(|s| match &s["Principal"]["AWS"] {
            Value::String(one) => vec![one.clone()],
            Value::Array(many) => many
                .iter()
                .filter_map(|p| p.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        })
        .filter_map(|p| {
            let account = if p.starts_with("arn:") {
                p.split(':').nth(4)?.to_string()
            } else {
                p
            };
            (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
        })
        .collect();
    accounts.sort();
    accounts.dedup();
    accounts
}

fn check_policy(policy: &str) -> ApiResult<Value> {
    let parsed: Value = serde_json::from_str(policy).map_err(|e| {
        ApiError::validation(format!("The resource policy is not valid JSON: {e}."))
    })?;
    if !parsed.is_object() || !(parsed["Statement"].is_array() || parsed["Statement"].is_object()) {
        return Err(ApiError::validation(
            "The resource policy must be a JSON object with a Statement.",
        ));
    }
    Ok(parsed)
}

/// Emulates PutResourcePolicy on a snapshot: the accounts the policy allows become the
/// snapshot's `accountsWithRestoreAccess`.
pub fn put_policy(
    ctx: &mut Ctx,
    req: PutResourcePolicyRequest,
) -> ApiResult<PutResourcePolicyResponse> {
    let parsed = check_policy(&req.policy)?;
    let record = find_by_arn_mut(ctx.state, &req.resource_arn)?;
    record.view.accounts_with_restore_access = Some(principal_accounts(&parsed));
    record.policy = Some(req.policy.clone());
    Ok(PutResourcePolicyResponse {
        resource_policy: Some(ResourcePolicy {
            resource_arn: Some(req.resource_arn),
            policy: Some(req.policy),
        }),
    })
}

pub fn get_policy(
    ctx: &mut ReadCtx,
    req: GetResourcePolicyRequest,
) -> ApiResult<GetResourcePolicyResponse> {
    let record = find_by_arn(ctx.state, &req.resource_arn)?;
    let policy = record
        .policy
        .clone()
        .ok_or_else(|| ApiError::not_found(ResourceKind::ResourcePolicy, &req.resource_arn))?;
    Ok(GetResourcePolicyResponse {
        resource_policy: Some(ResourcePolicy {
            resource_arn: Some(req.resource_arn),
            policy: Some(policy),
        }),
    })
}

pub fn delete_policy(
    ctx: &mut Ctx,
    req: DeleteResourcePolicyRequest,
) -> ApiResult<DeleteResourcePolicyResponse> {
    let record = find_by_arn_mut(ctx.state, &req.resource_arn)?;
    if record.policy.take().is_none() {
        return Err(ApiError::not_found(
            ResourceKind::ResourcePolicy,
            &req.resource_arn,
        ));
    }
    record.view.accounts_with_restore_access = Some(Vec::new());
    Ok(DeleteResourcePolicyResponse {})
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn principals_become_accounts() {
        let policy = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ["739247239426", "arn:aws:iam::111122223333:root"]}, "Action": "*"},
            {"Effect": "Deny", "Principal": {"AWS": "444455556666"}, "Action": "*"},
            {"Effect": "Allow", "Principal": "*", "Action": "*"}
        ]});
        assert_eq!(
            principal_accounts(&policy),
            vec!["111122223333", "739247239426"]
        );
    }

    #[test]
    fn retention_rules() {
        for ok in [-1, 1, 3653] {
            assert!(check_retention("retentionPeriod", ok).is_ok());
        }
        for bad in [0, -2, 3654] {
            assert!(check_retention("retentionPeriod", bad).is_err());
        }
    }
}
