//! Restores: a whole namespace from a snapshot or a recovery point, and single tables
//! (RestoreTableFromSnapshot, RestoreTableFromRecoveryPoint, GetTableRestoreStatus,
//! ListTableRestoreStatus). Table restores move PENDING → IN_PROGRESS → SUCCEEDED on the clock.

use crate::control::backup::{mb, Capture, Outcome, TableCopy, Work};
use crate::control::error::{ApiError, ApiResult, ResourceKind};
use crate::control::lifecycle::{Event, Next, Status, TableRestoreState, Target};
use crate::control::pagination::page;
use crate::control::store::{Ctx, Image, ReadCtx, TableRestoreRecord};
use crate::model::*;

/// The size every emulated table restore reports, in megabytes.
const TABLE_SIZE_MB: i64 = 16;

/// A restore goes into `namespace` through `workgroup`: the workgroup must be that namespace's
/// and be AVAILABLE.
fn check_target(ctx: &mut Ctx, namespace: &str, workgroup: &str) -> ApiResult<()> {
    super::namespace::find(ctx.state, namespace)?;
    let record = super::workgroup::find(ctx.state, workgroup)?;
    let owner = record.view.namespace_name.as_deref().unwrap_or_default();
    if owner != namespace {
        return Err(ApiError::validation(format!(
            "Workgroup '{workgroup}' belongs to namespace '{owner}', not to namespace '{namespace}'."
        )));
    }
    let status = record.status.get();
    if status != WorkgroupStatus::Available {
        return Err(ApiError::busy(
            ResourceKind::Workgroup,
            workgroup,
            status.as_str(),
        ));
    }
    Ok(())
}

/// What a restore puts back: the namespace's settings and its data, if captured.
struct Source {
    image: Image,
    capture: Option<Capture>,
}

fn snapshot_image(
    ctx: &mut Ctx,
    name: Option<&str>,
    arn: Option<&str>,
    owner: Option<&str>,
) -> ApiResult<(String, Source)> {
    let record = super::snapshot::find_named(ctx.scope, ctx.state, name, arn, owner)?;
    let snapshot_name = record.view.snapshot_name.clone().unwrap_or_default();
    let status = record.status.get();
    if status != SnapshotStatus::Available {
        return Err(ApiError::busy(
            ResourceKind::Snapshot,
            &snapshot_name,
            status.as_str(),
        ));
    }
    let source = Source {
        image: record.source.clone(),
        capture: record.capture.clone(),
    };
    Ok((snapshot_name, source))
}

fn recovery_point_image(ctx: &mut Ctx, id: &str) -> ApiResult<Source> {
    let record = super::recovery_point::find(ctx.state, id)?;
    Ok(Source {
        image: record.source.clone(),
        capture: record.capture.clone(),
    })
}

/// Emulates RestoreFromSnapshot: the namespace takes the snapshot's database name, admin user
/// and key, going MODIFYING until the restore settles.
///
/// `maintainIntegration` (botocore 1.44.8: keep the namespace's data sharing, zero-ETL and S3
/// event integrations, default true) is accepted and changes nothing, here and in
/// RestoreFromRecoveryPoint: the emulator has no integrations to keep or drop, and no answer
/// has a member that shows the choice.
pub fn from_snapshot(
    ctx: &mut Ctx,
    req: RestoreFromSnapshotRequest,
) -> ApiResult<RestoreFromSnapshotResponse> {
    let (snapshot_name, source) = snapshot_image(
        ctx,
        req.snapshot_name.as_deref(),
        req.snapshot_arn.as_deref(),
        req.owner_account.as_deref(),
    )?;
    check_target(ctx, &req.namespace_name, &req.workgroup_name)?;
    let namespace = super::namespace::restore(
        ctx,
        &req.namespace_name,
        &source.image,
        source.capture.as_ref(),
        req.manage_admin_password,
    )?;
    Ok(RestoreFromSnapshotResponse {
        namespace: Some(namespace),
        owner_account: Some(ctx.scope.account.to_string()),
        snapshot_name: Some(snapshot_name),
    })
}

/// Emulates RestoreFromRecoveryPoint, as RestoreFromSnapshot (`maintainIntegration` too).
pub fn from_recovery_point(
    ctx: &mut Ctx,
    req: RestoreFromRecoveryPointRequest,
) -> ApiResult<RestoreFromRecoveryPointResponse> {
    let source = recovery_point_image(ctx, &req.recovery_point_id)?;
    check_target(ctx, &req.namespace_name, &req.workgroup_name)?;
    let namespace = super::namespace::restore(
        ctx,
        &req.namespace_name,
        &source.image,
        source.capture.as_ref(),
        None,
    )?;
    Ok(RestoreFromRecoveryPointResponse {
        namespace: Some(namespace),
        recovery_point_id: Some(req.recovery_point_id),
    })
}

/// The status record of a table restore request: both requests share every member but the
/// one naming their source (`snapshot_name` or `recovery_point_id`).
macro_rules! requested {
    ($req:expr, $source:ident) => {{
        let req = $req;
        TableRestoreStatus {
            namespace_name: Some(req.namespace_name),
            workgroup_name: Some(req.workgroup_name),
            $source: Some(req.$source),
            source_database_name: Some(req.source_database_name),
            source_schema_name: req.source_schema_name,
            source_table_name: Some(req.source_table_name),
            target_database_name: req.target_database_name,
            target_schema_name: req.target_schema_name,
            new_table_name: Some(req.new_table_name),
            ..TableRestoreStatus::default()
        }
    }};
}

/// Records a table restore request and starts it: the data plane copies the table out of
/// the capture when there is one; otherwise it goes on the clock alone.
fn start_table_restore(
    ctx: &mut Ctx,
    view: TableRestoreStatus,
    capture: Option<Capture>,
    case_sensitive: Option<bool>,
) -> TableRestoreStatus {
    let id = ctx.time_ordered_id();
    let view = TableRestoreStatus {
        table_restore_request_id: Some(id.clone()),
        request_time: Some(EpochTime(ctx.now)),
        progress_in_mega_bytes: Some(0),
        total_data_in_mega_bytes: Some(match capture {
            Some(_) => 0,
            None => TABLE_SIZE_MB,
        }),
        ..view
    };
    let asked = capture.is_some_and(|capture| {
        let namespace = view.namespace_name.as_deref().unwrap_or_default();
        let Some(record) = ctx.state.namespaces.get(namespace) else {
            return false;
        };
        let namespace_id = record.id().to_string();
        let db_name = record
            .view
            .db_name
            .clone()
            .unwrap_or_else(|| super::namespace::DEFAULT_DB_NAME.into());
        ctx.ask(Work::RestoreTable {
            request: id.clone(),
            namespace_id,
            db_name,
            capture: capture.id,
            table: table_copy(&view, case_sensitive.unwrap_or(false)),
        })
    });
    let record = TableRestoreRecord {
        view,
        state: Status::initial(TableRestoreState::Pending),
    };
    let answer = record.to_model();
    ctx.state.table_restores.insert(id.clone(), record);
    if !asked {
        ctx.settle_later(Target::TableRestore { id });
    }
    answer
}

/// The table a request names, and where it goes: the source schema is `public` unless given;
/// the target database and schema are the source's unless given.
fn table_copy(view: &TableRestoreStatus, case_sensitive: bool) -> TableCopy {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let source_database = text(&view.source_database_name);
    let source_schema = view
        .source_schema_name
        .clone()
        .unwrap_or_else(|| "public".into());
    TableCopy {
        target_database: view
            .target_database_name
            .clone()
            .unwrap_or_else(|| source_database.clone()),
        target_schema: view
            .target_schema_name
            .clone()
            .unwrap_or_else(|| source_schema.clone()),
        source_database,
        source_schema,
        source_table: text(&view.source_table_name),
        new_table: text(&view.new_table_name),
        case_sensitive,
    }
}

/// The data plane's progress on a table restore.
pub fn table_progress(ctx: &mut Ctx, id: &str, outcome: &Outcome) {
    let Some(record) = ctx.state.table_restores.get_mut(id) else {
        return;
    };
    let view = &mut record.view;
    match outcome {
        Outcome::TableStarted { total_bytes } => {
            view.total_data_in_mega_bytes = Some(mb(*total_bytes).ceil() as i64);
            let _ = record.state.apply(Event::Settle);
        }
        Outcome::TableRestored { bytes } => {
            view.progress_in_mega_bytes = Some(mb(*bytes).ceil() as i64);
            view.total_data_in_mega_bytes = view.progress_in_mega_bytes;
            view.message = Some("Table restore completed successfully.".into());
            let _ = record.state.apply(Event::Settle);
        }
        Outcome::TableFailed { reason } => {
            view.message = Some(reason.clone());
            let _ = record.state.apply(Event::Fail);
        }
        Outcome::Captured { .. } | Outcome::CaptureFailed { .. } | Outcome::Restored => {}
    }
}

/// Emulates RestoreTableFromSnapshot: the snapshot must be of the namespace restored into.
pub fn table_from_snapshot(
    ctx: &mut Ctx,
    req: RestoreTableFromSnapshotRequest,
) -> ApiResult<RestoreTableFromSnapshotResponse> {
    let (_, source) = snapshot_image(ctx, Some(&req.snapshot_name), None, None)?;
    check_same_namespace(
        &source.image,
        &req.namespace_name,
        ResourceKind::Snapshot,
        &req.snapshot_name,
    )?;
    check_target(ctx, &req.namespace_name, &req.workgroup_name)?;
    let case_sensitive = req.activate_case_sensitive_identifier;
    let view = requested!(req, snapshot_name);
    let status = start_table_restore(ctx, view, source.capture, case_sensitive);
    Ok(RestoreTableFromSnapshotResponse {
        table_restore_status: Some(status),
    })
}

pub fn table_from_recovery_point(
    ctx: &mut Ctx,
    req: RestoreTableFromRecoveryPointRequest,
) -> ApiResult<RestoreTableFromRecoveryPointResponse> {
    let source = recovery_point_image(ctx, &req.recovery_point_id)?;
    check_same_namespace(
        &source.image,
        &req.namespace_name,
        ResourceKind::RecoveryPoint,
        &req.recovery_point_id,
    )?;
    check_target(ctx, &req.namespace_name, &req.workgroup_name)?;
    let case_sensitive = req.activate_case_sensitive_identifier;
    let view = requested!(req, recovery_point_id);
    let status = start_table_restore(ctx, view, source.capture, case_sensitive);
    Ok(RestoreTableFromRecoveryPointResponse {
        table_restore_status: Some(status),
    })
}

fn check_same_namespace(
    image: &Image,
    namespace: &str,
    kind: ResourceKind,
    name: &str,
) -> ApiResult<()> {
    let source = image
        .namespace
        .namespace_name
        .as_deref()
        .unwrap_or_default();
    if source == namespace {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "{kind} '{name}' is of namespace '{source}'; a table can only be restored into the namespace it came from, not '{namespace}'."
        )))
    }
}

pub fn get_table_restore(
    ctx: &mut ReadCtx,
    req: GetTableRestoreStatusRequest,
) -> ApiResult<GetTableRestoreStatusResponse> {
    let id = &req.table_restore_request_id;
    let record = ResourceKind::TableRestoreRequest.lookup(&ctx.state.table_restores, id)?;
    Ok(GetTableRestoreStatusResponse {
        table_restore_status: Some(record.to_model()),
    })
}

pub fn list_table_restores(
    ctx: &mut ReadCtx,
    req: ListTableRestoreStatusRequest,
) -> ApiResult<ListTableRestoreStatusResponse> {
    let keep = |r: &TableRestoreRecord| {
        (req.namespace_name.is_none() || r.view.namespace_name == req.namespace_name)
            && (req.workgroup_name.is_none() || r.view.workgroup_name == req.workgroup_name)
    };
    let page = page(
        &ctx.state.table_restores,
        Operation::ListTableRestoreStatus,
        req.next_token.as_deref(),
        req.max_results,
        keep,
    )?;
    Ok(ListTableRestoreStatusResponse {
        table_restore_statuses: Some(
            page.items
                .into_iter()
                .map(TableRestoreRecord::to_model)
                .collect(),
        ),
        next_token: page.next_token,
    })
}

/// Advances a table restore one step; once IN_PROGRESS, it finishes after another delay.
pub fn settle_table_restore(ctx: &mut Ctx, id: &str) {
    let Some(record) = ctx.state.table_restores.get_mut(id) else {
        return;
    };
    match record.state.apply(Event::Settle) {
        Ok(Next::Become(TableRestoreState::InProgress)) => {
            record.view.progress_in_mega_bytes = Some(TABLE_SIZE_MB / 2);
            ctx.settle_later(Target::TableRestore { id: id.to_string() });
        }
        Ok(Next::Become(TableRestoreState::Succeeded)) => {
            record.view.progress_in_mega_bytes = Some(TABLE_SIZE_MB);
            record.view.message = Some("Table restore completed successfully.".into());
        }
        _ => {}
    }
}
