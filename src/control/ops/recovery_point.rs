//! Recovery points: taken for every namespace at a fixed interval of the clock and kept for a
//! fixed time (both in `Settings`); ListRecoveryPoints, GetRecoveryPoint,
//! ConvertRecoveryPointToSnapshot.

use crate::control::backup::Taken;
use crate::control::error::{ApiResult, ResourceKind};
use crate::control::lifecycle::Target;
use crate::control::pagination::page;
use crate::control::store::{Ctx, Image, Partition, ReadCtx, RecoveryPointRecord};
use crate::model::*;

/// The size every emulated recovery point reports, in megabytes.
const SIZE_MB: f64 = 32.0;

pub fn find<'a>(state: &'a Partition, id: &str) -> ApiResult<&'a RecoveryPointRecord> {
    ResourceKind::RecoveryPoint.lookup(&state.recovery_points, id)
}

/// Records a recovery point of `image` as of now, its data captured, and sets its expiry.
pub fn record(ctx: &mut Ctx, image: Image, workgroup: Option<String>) {
    let id = ctx.time_ordered_id();
    let capture = ctx.capture_now(&image);
    let view = RecoveryPoint {
        recovery_point_id: Some(id.clone()),
        recovery_point_create_time: Some(IsoTime(ctx.now)),
        namespace_name: image.namespace.namespace_name.clone(),
        namespace_arn: image.namespace.namespace_arn.clone(),
        workgroup_name: workgroup,
        total_size_in_mega_bytes: Some(match capture {
            Some(_) => 0.0,
            None => SIZE_MB,
        }),
    };
    ctx.state.recovery_points.insert(
        id.clone(),
        RecoveryPointRecord {
            view,
            source: image,
            capture,
        },
    );
    let expires = ctx.now + ctx.settings.recovery_point_retention;
    ctx.schedule_at(expires, Target::RecoveryPointExpiry { id });
}

pub fn expire(ctx: &mut Ctx, id: &str) {
    if let Some(record) = ctx.state.recovery_points.remove(id) {
        if record.capture.is_some() {
            ctx.release_captures();
        }
    }
}

/// The data plane captured `capture`: the recovery points holding it show its size.
pub fn captured(ctx: &mut Ctx, capture: &str, taken: Taken) {
    for record in ctx.state.recovery_points.values_mut() {
        if let Some(held) = record.capture.as_mut().filter(|c| c.id == capture) {
            held.taken = Some(taken);
            record.view.total_size_in_mega_bytes = Some(taken.total_mb());
        }
    }
}

pub fn get(ctx: &mut ReadCtx, req: GetRecoveryPointRequest) -> ApiResult<GetRecoveryPointResponse> {
    let record = find(ctx.state, &req.recovery_point_id)?;
    Ok(GetRecoveryPointResponse {
        recovery_point: Some(record.view.clone()),
    })
}

/// Emulates ListRecoveryPoints, oldest first, filtered by namespace and creation time.
pub fn list(
    ctx: &mut ReadCtx,
    req: ListRecoveryPointsRequest,
) -> ApiResult<ListRecoveryPointsResponse> {
    let filter = super::snapshot::BackupFilter {
        namespace_name: req.namespace_name.as_deref(),
        namespace_arn: req.namespace_arn.as_deref(),
        start: req.start_time,
        end: req.end_time,
    };
    let keep = |r: &RecoveryPointRecord| {
        let view = &r.view;
        filter.keeps(
            view.namespace_name.as_deref(),
            view.namespace_arn.as_deref(),
            view.recovery_point_create_time,
        )
    };
    let page = page(
        &ctx.state.recovery_points,
        Operation::ListRecoveryPoints,
        req.next_token.as_deref(),
        req.max_results,
        keep,
    )?;
    Ok(ListRecoveryPointsResponse {
        recovery_points: Some(page.items.into_iter().map(|r| r.view.clone()).collect()),
        next_token: page.next_token,
    })
}

pub fn convert(
    ctx: &mut Ctx,
    req: ConvertRecoveryPointToSnapshotRequest,
) -> ApiResult<ConvertRecoveryPointToSnapshotResponse> {
    let point = find(ctx.state, &req.recovery_point_id)?;
    let (source, capture) = (point.source.clone(), point.capture.clone());
    let snapshot = super::snapshot::take(
        ctx,
        &req.snapshot_name,
        source,
        super::snapshot::Data::Shared(capture),
        req.retention_period,
        req.tags,
    )?;
    Ok(ConvertRecoveryPointToSnapshotResponse {
        snapshot: Some(snapshot),
    })
}
