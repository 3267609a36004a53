//! Identity and lakehouse integration: UpdateLakehouseConfiguration, GetIdentityCenterAuthToken
//! and ListManagedWorkgroups.
//!
//! This emulator has no Glue Data Catalog of its own: registering a namespace with a catalog
//! (`lakehouseRegistration: Register`) is what brings that catalog into being here, together
//! with the managed workgroup that serves it, which ListManagedWorkgroups then shows.
//! Deregistering removes both.

use crate::control::error::{ApiError, ApiResult, ResourceKind};
use crate::control::lifecycle::{Event, Target};
use crate::control::pagination::page;
use crate::control::store::{Ctx, Partition, ReadCtx};
use crate::model::*;
use chrono::Duration;

const REGISTERED: &str = "Registered";
const DEREGISTERED: &str = "Deregistered";

/// How long an Identity Center token lasts.
const TOKEN_LIFETIME_MINUTES: i64 = 60;

fn catalog_arn(ctx: &Ctx, catalog: &str) -> String {
    format!(
        "arn:aws:glue:{}:{}:catalog/{catalog}",
        ctx.scope.region, ctx.scope.account
    )
}

fn managed_workgroup_name(catalog: &str) -> String {
    format!("{catalog}-managed")
}

/// Emulates UpdateLakehouseConfiguration; with `dryRun`, checks everything and answers
/// `DryRunException` without changing anything.
pub fn update(
    ctx: &mut Ctx,
    req: UpdateLakehouseConfigurationRequest,
) -> ApiResult<UpdateLakehouseConfigurationResponse> {
    let name = req.namespace_name;
    let new_catalog = match (req.lakehouse_registration, &req.catalog_name) {
        (None, None) if req.lakehouse_idc_registration.is_none() => {
            return Err(ApiError::validation(
                "Specify lakehouseRegistration, lakehouseIdcRegistration, or both.",
            ))
        }
        (Some(LakehouseRegistration::Register), None) => {
            return Err(ApiError::validation(
                "catalogName is required to register a namespace.",
            ))
        }
        (Some(LakehouseRegistration::Register), Some(catalog)) => Some(catalog_arn(ctx, catalog)),
        (_, Some(_)) => {
            return Err(ApiError::validation(
                "catalogName can only be given with lakehouseRegistration Register.",
            ))
        }
        _ => None,
    };
    if let Some(arn) = &new_catalog {
        let taken_by = ctx
            .state
            .namespaces
            .iter()
            .find(|(other, ns)| **other != name && ns.view.catalog_arn.as_ref() == Some(arn))
            .map(|(other, _)| other.clone());
        if let Some(other) = taken_by {
            return Err(ApiError::conflict(format!(
                "Catalog '{arn}' is already registered by namespace '{other}'."
            )));
        }
    }
    let record = super::namespace::find(ctx.state, &name)?;
    let registered = match req.lakehouse_registration {
        Some(LakehouseRegistration::Register) => true,
        Some(LakehouseRegistration::Deregister) => false,
        None => record.view.lakehouse_registration_status.as_deref() == Some(REGISTERED),
    };
    if req.lakehouse_idc_registration == Some(LakehouseIdcRegistration::Associate) {
        if req.lakehouse_idc_application_arn.is_none() {
            return Err(ApiError::validation(
                "lakehouseIdcApplicationArn is required to associate Identity Center.",
            ));
        }
        if !registered {
            return Err(ApiError::validation(format!(
                "Namespace '{name}' must be registered with Amazon Redshift federated permissions before Identity Center can be associated."
            )));
        }
    }
    if req.dry_run == Some(true) {
        return Err(ApiError::dry_run());
    }
    record
        .status
        .apply_requested(Event::Update, ResourceKind::Namespace, &name)?;
    let old_catalog = record.view.catalog_arn.clone();
    match req.lakehouse_registration {
        Some(LakehouseRegistration::Register) => {
            record.view.catalog_arn = new_catalog.clone();
            record.view.lakehouse_registration_status = Some(REGISTERED.into());
        }
        Some(LakehouseRegistration::Deregister) => {
            record.view.catalog_arn = None;
            record.view.lakehouse_registration_status = Some(DEREGISTERED.into());
            record.lakehouse_idc_application_arn = None;
        }
        None => {}
    }
    match req.lakehouse_idc_registration {
        Some(LakehouseIdcRegistration::Associate) => {
            record.lakehouse_idc_application_arn = req.lakehouse_idc_application_arn
        }
        Some(LakehouseIdcRegistration::Disassociate) => record.lakehouse_idc_application_arn = None,
        None => {}
    }
    let answer = UpdateLakehouseConfigurationResponse {
        namespace_name: Some(name.clone()),
        catalog_arn: record.view.catalog_arn.clone(),
        lakehouse_registration_status: record.view.lakehouse_registration_status.clone(),
        lakehouse_idc_application_arn: record.lakehouse_idc_application_arn.clone(),
    };
    let id = record.id().to_string();
    if old_catalog != answer.catalog_arn {
        if let Some(old) = &old_catalog {
            forget_catalog(ctx.state, old);
        }
        if let Some(new) = &answer.catalog_arn {
            let catalog = new.rsplit('/').next().unwrap_or_default();
            let managed = ManagedWorkgroupListItem {
                managed_workgroup_name: Some(managed_workgroup_name(catalog)),
                managed_workgroup_id: Some(ctx.rng.uuid()),
                source_arn: Some(new.clone()),
                status: Some(ManagedWorkgroupStatus::Available),
                creation_date: Some(IsoTime(ctx.now)),
            };
            ctx.state
                .managed_workgroups
                .insert(managed_workgroup_name(catalog), managed);
        }
    }
    ctx.settle_later(Target::Namespace { name, id });
    Ok(answer)
}

/// Removes the managed workgroup of a catalog no longer registered.
pub fn forget_catalog(state: &mut Partition, catalog_arn: &str) {
    state
        .managed_workgroups
        .retain(|_, m| m.source_arn.as_deref() != Some(catalog_arn));
}

pub fn list_managed_workgroups(
    ctx: &mut ReadCtx,
    req: ListManagedWorkgroupsRequest,
) -> ApiResult<ListManagedWorkgroupsResponse> {
    let keep =
        |m: &ManagedWorkgroupListItem| req.source_arn.is_none() || m.source_arn == req.source_arn;
    let page = page(
        &ctx.state.managed_workgroups,
        Operation::ListManagedWorkgroups,
        req.next_token.as_deref(),
        req.max_results,
        keep,
    )?;
    Ok(ListManagedWorkgroupsResponse {
        managed_workgroups: Some(page.items.into_iter().cloned().collect()),
        next_token: page.next_token,
    })
}

/// Emulates GetIdentityCenterAuthToken: every workgroup must exist and its namespace must have
/// Identity Center integration (a `redshiftIdcApplicationArn`, or a lakehouse association).
pub fn identity_center_token(
    ctx: &mut ReadCtx,
    req: GetIdentityCenterAuthTokenRequest,
) -> ApiResult<GetIdentityCenterAuthTokenResponse> {
    for workgroup in &req.workgroup_names {
        let namespace = ResourceKind::Workgroup
            .lookup(&ctx.state.workgroups, workgroup)?
            .view
            .namespace_name
            .clone()
            .unwrap_or_default();
        let record = ResourceKind::Namespace.lookup(&ctx.state.namespaces, &namespace)?;
        if record.idc_application_arn.is_none() && record.lakehouse_idc_application_arn.is_none() {
            return Err(ApiError::validation(format!(
                "Workgroup '{workgroup}' does not have Identity Center integration enabled: its namespace '{namespace}' has no Identity Center application."
            )));
        }
    }
    Ok(GetIdentityCenterAuthTokenResponse {
        token: Some(ctx.rng.alphanumeric(128)),
        expiration_time: Some(IsoTime(ctx.now + Duration::minutes(TOKEN_LIFETIME_MINUTES))),
    })
}
