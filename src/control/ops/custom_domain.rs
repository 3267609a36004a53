//! Custom domain associations: CreateCustomDomainAssociation, GetCustomDomainAssociation,
//! ListCustomDomainAssociations, UpdateCustomDomainAssociation, DeleteCustomDomainAssociation.
//! A workgroup has at most one custom domain, and shows it (with its certificate) in its own
//! `customDomain*` members; GetCredentials accepts the domain in place of the workgroup.

use crate::control::error::{ApiError, ApiResult, ResourceKind};
use crate::control::pagination::page;
use crate::control::store::{Ctx, Partition, ReadCtx};
use crate::model::*;
use chrono::Duration;

/// The Create, Get and Update responses carry the association's four members.
macro_rules! answer {
    ($response:ident, $a:expr) => {{
        let a: Association = $a;
        $response {
            custom_domain_name: a.custom_domain_name,
            workgroup_name: a.workgroup_name,
            custom_domain_certificate_arn: a.custom_domain_certificate_arn,
            custom_domain_certificate_expiry_time: a.custom_domain_certificate_expiry_time,
        }
    }};
}

/// How long the emulated ACM certificates stay valid from association.
const CERTIFICATE_LIFETIME_DAYS: i64 = 395;

fn find<'a>(state: &'a Partition, domain: &str, workgroup: &str) -> ApiResult<&'a Association> {
    state
        .custom_domains
        .get(domain)
        .filter(|a| a.workgroup_name.as_deref() == Some(workgroup))
        .ok_or_else(|| ApiError::not_found(ResourceKind::CustomDomainAssociation, domain))
}

/// Writes `association` to the map and mirrors it onto its workgroup (or clears the mirror).
fn mirror(state: &mut Partition, workgroup: &str, association: Option<&Association>) {
    if let Some(record) = state.workgroups.get_mut(workgroup) {
        let view = &mut record.view;
        view.custom_domain_name = association.and_then(|a| a.custom_domain_name.clone());
        view.custom_domain_certificate_arn =
            association.and_then(|a| a.custom_domain_certificate_arn.clone());
        view.custom_domain_certificate_expiry_time =
            association.and_then(|a| a.custom_domain_certificate_expiry_time);
    }
}

/// The workgroup a custom domain points to, for GetCredentials.
pub fn workgroup_of(state: &Partition, domain: &str) -> ApiResult<String> {
    state
        .custom_domains
        .get(domain)
        .and_then(|a| a.workgroup_name.clone())
        .ok_or_else(|| ApiError::not_found(ResourceKind::CustomDomainAssociation, domain))
}

fn associate(ctx: &mut Ctx, domain: String, workgroup: String, certificate: String) -> Association {
    let association = Association {
        custom_domain_name: Some(domain.clone()),
        workgroup_name: Some(workgroup.clone()),
        custom_domain_certificate_arn: Some(certificate),
        custom_domain_certificate_expiry_time: Some(IsoTime(
            ctx.now + Duration::days(CERTIFICATE_LIFETIME_DAYS),
        )),
    };
    mirror(ctx.state, &workgroup, Some(&association));
    ctx.state.custom_domains.insert(domain, association.clone());
    association
}

/// Emulates CreateCustomDomainAssociation: the domain must be free and the workgroup must not
/// have one yet.
pub fn create(
    ctx: &mut Ctx,
    req: CreateCustomDomainAssociationRequest,
) -> ApiResult<CreateCustomDomainAssociationResponse> {
    let workgroup = super::workgroup::find(ctx.state, &req.workgroup_name)?;
    if let Some(existing) = &workgroup.view.custom_domain_name {
        return Err(ApiError::conflict(format!(
            "Workgroup '{}' already has custom domain '{existing}'.",
            req.workgroup_name
        )));
    }
    if let Some(other) = ctx.state.custom_domains.get(&req.custom_domain_name) {
        return Err(ApiError::conflict(format!(
            "Custom domain '{}' is already associated with workgroup '{}'.",
            req.custom_domain_name,
            other.workgroup_name.as_deref().unwrap_or_default()
        )));
    }
    let a = associate(
        ctx,
        req.custom_domain_name,
        req.workgroup_name,
        req.custom_domain_certificate_arn,
    );
    Ok(answer!(CreateCustomDomainAssociationResponse, a))
}

pub fn get(
    ctx: &mut ReadCtx,
    req: GetCustomDomainAssociationRequest,
) -> ApiResult<GetCustomDomainAssociationResponse> {
    let a = find(ctx.state, &req.custom_domain_name, &req.workgroup_name)?.clone();
    Ok(answer!(GetCustomDomainAssociationResponse, a))
}

pub fn list(
    ctx: &mut ReadCtx,
    req: ListCustomDomainAssociationsRequest,
) -> ApiResult<ListCustomDomainAssociationsResponse> {
    let keep = |a: &Association| {
        (req.custom_domain_name.is_none() || a.custom_domain_name == req.custom_domain_name)
            && (req.custom_domain_certificate_arn.is_none()
                || a.custom_domain_certificate_arn == req.custom_domain_certificate_arn)
    };
    let page = page(
        &ctx.state.custom_domains,
        Operation::ListCustomDomainAssociations,
        req.next_token.as_deref(),
        req.max_results,
        keep,
    )?;
    Ok(ListCustomDomainAssociationsResponse {
        associations: Some(page.items.into_iter().cloned().collect()),
        next_token: page.next_token,
    })
}

/// Emulates UpdateCustomDomainAssociation: a new certificate, valid from now.
pub fn update(
    ctx: &mut Ctx,
    req: UpdateCustomDomainAssociationRequest,
) -> ApiResult<UpdateCustomDomainAssociationResponse> {
    find(ctx.state, &req.custom_domain_name, &req.workgroup_name)?;
    let a = associate(
        ctx,
        req.custom_domain_name,
        req.workgroup_name,
        req.custom_domain_certificate_arn,
    );
    Ok(answer!(UpdateCustomDomainAssociationResponse, a))
}

pub fn delete(
    ctx: &mut Ctx,
    req: DeleteCustomDomainAssociationRequest,
) -> ApiResult<DeleteCustomDomainAssociationResponse> {
    find(ctx.state, &req.custom_domain_name, &req.workgroup_name)?;
    ctx.state.custom_domains.remove(&req.custom_domain_name);
    mirror(ctx.state, &req.workgroup_name, None);
    Ok(DeleteCustomDomainAssociationResponse {})
}
