//! Snapshot copy configurations: CreateSnapshotCopyConfiguration, UpdateSnapshotCopyConfiguration,
//! DeleteSnapshotCopyConfiguration, ListSnapshotCopyConfigurations. A namespace copies its
//! snapshots to other regions, at most one configuration per destination region.

use super::snapshot::check_retention;
use crate::control::error::{ApiError, ApiResult, ResourceKind};
use crate::control::pagination::page;
use crate::control::store::{Ctx, ReadCtx};
use crate::model::*;

/// `us-east-1`, `ap-southeast-2`, `us-gov-west-1`: the shape of an AWS region name.
fn is_region_name(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

fn find<'a>(ctx: &'a mut Ctx, id: &str) -> ApiResult<&'a mut SnapshotCopyConfiguration> {
    ResourceKind::SnapshotCopyConfiguration
        .lookup_mut(&mut ctx.state.snapshot_copy_configurations, id)
}

/// Emulates CreateSnapshotCopyConfiguration: the destination must be another, real-looking
/// region, and not one the namespace already copies to.
pub fn create(
    ctx: &mut Ctx,
    req: CreateSnapshotCopyConfigurationRequest,
) -> ApiResult<CreateSnapshotCopyConfigurationResponse> {
    let region = &req.destination_region;
    if !is_region_name(region) {
        return Err(ApiError::validation(format!(
            "destinationRegion '{region}' is not an AWS Region name."
        )));
    }
    if *region == ctx.scope.region {
        return Err(ApiError::validation(format!(
            "destinationRegion '{region}' is the namespace's own Region; snapshots can only be copied to another Region."
        )));
    }
    let retention = req.snapshot_retention_period.unwrap_or(-1);
    check_retention("snapshotRetentionPeriod", retention)?;
    super::namespace::find(ctx.state, &req.namespace_name)?;
    let duplicate = ctx.state.snapshot_copy_configurations.values().any(|c| {
        c.namespace_name.as_deref() == Some(&req.namespace_name)
            && c.destination_region.as_deref() == Some(region)
    });
    if duplicate {
        return Err(ApiError::conflict(format!(
            "Namespace '{}' already copies snapshots to {region}.",
            req.namespace_name
        )));
    }
    let id = ctx.rng.uuid();
    let configuration = SnapshotCopyConfiguration {
        snapshot_copy_configuration_id: Some(id.clone()),
        snapshot_copy_configuration_arn: Some(
            ctx.scope.arn(&format!("snapshotcopyconfiguration/{id}")),
        ),
        namespace_name: Some(req.namespace_name),
        destination_region: Some(req.destination_region),
        destination_kms_key_id: req.destination_kms_key_id,
        snapshot_retention_period: Some(retention),
    };
    ctx.state
        .snapshot_copy_configurations
        .insert(id, configuration.clone());
    Ok(CreateSnapshotCopyConfigurationResponse {
        snapshot_copy_configuration: configuration,
    })
}

pub fn update(
    ctx: &mut Ctx,
    req: UpdateSnapshotCopyConfigurationRequest,
) -> ApiResult<UpdateSnapshotCopyConfigurationResponse> {
    if let Some(days) = req.snapshot_retention_period {
        check_retention("snapshotRetentionPeriod", days)?;
    }
    let configuration = find(ctx, &req.snapshot_copy_configuration_id)?;
    if req.snapshot_retention_period.is_some() {
        configuration.snapshot_retention_period = req.snapshot_retention_period;
    }
    Ok(UpdateSnapshotCopyConfigurationResponse {
        snapshot_copy_configuration: configuration.clone(),
    })
}

pub fn delete(
    ctx: &mut Ctx,
    req: DeleteSnapshotCopyConfigurationRequest,
) -> ApiResult<DeleteSnapshotCopyConfigurationResponse> {
    let id = &req.snapshot_copy_configuration_id;
    find(ctx, id)?;
    let configuration = ctx
        .state
        .snapshot_copy_configurations
        .remove(id)
        .unwrap_or_default();
    Ok(DeleteSnapshotCopyConfigurationResponse {
        snapshot_copy_configuration: configuration,
    })
}

pub fn list(
    ctx: &mut ReadCtx,
    req: ListSnapshotCopyConfigurationsRequest,
) -> ApiResult<ListSnapshotCopyConfigurationsResponse> {
    if let Some(namespace) = &req.namespace_name {
        ResourceKind::Namespace.lookup(&ctx.state.namespaces, namespace)?;
    }
    let keep = |c: &SnapshotCopyConfiguration| {
        req.namespace_name.is_none() || c.namespace_name == req.namespace_name
    };
    let page = page(
        &ctx.state.snapshot_copy_configurations,
        Operation::ListSnapshotCopyConfigurations,
        req.next_token.as_deref(),
        req.max_results,
        keep,
    )?;
    Ok(ListSnapshotCopyConfigurationsResponse {
        snapshot_copy_configurations: page.items.into_iter().cloned().collect(),
        next_token: page.next_token,
    })
}

#[cfg(test)]
mod tests {
    use super::is_region_name;

    #[test]
    fn region_names() {
        for ok in [
            "us-east-1",
            "ap-southeast-2",
            "us-gov-west-1",
            "eu-central-1",
        ] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in ["", "mars", "us-east", "US-EAST-1", "us-east-x", "u-east-1"] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }
}
