//! Managed VPC endpoints: CreateEndpointAccess, GetEndpointAccess, ListEndpointAccess,
//! UpdateEndpointAccess, DeleteEndpointAccess. An endpoint is CREATING, then ACTIVE; MODIFYING
//! after an update; DELETING, then gone. Its address is the configured endpoint host, since
//! users connect to it.

use crate::control::error::{ApiError, ApiResult, ResourceKind};
use crate::control::lifecycle::{EndpointStatus, Event, Next, Status, Target};
use crate::control::pagination::page;
use crate::control::store::{Ctx, EndpointRecord, Partition, ReadCtx};
use crate::model::*;

/// Redshift-managed VPC endpoints an account may have in a region.
const MAX_ENDPOINTS: usize = 30;

/// "An endpoint name must contain 1-30 characters. Valid characters are A-Z, a-z, 0-9, and
/// hyphen(-). The first character must be a letter. The name can't contain two consecutive
/// hyphens or end with a hyphen."
fn check_name(name: &str) -> ApiResult<()> {
    let ok = (1..=30).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.contains("--")
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "endpointName '{name}' is not valid: it must be 1 to 30 letters, digits or hyphens, start with a letter, and neither contain two consecutive hyphens nor end with a hyphen."
        )))
    }
}

fn find<'a>(state: &'a mut Partition, name: &str) -> ApiResult<&'a mut EndpointRecord> {
    ResourceKind::EndpointAccess.lookup_mut(&mut state.endpoint_accesses, name)
}

fn security_groups(ids: Vec<String>) -> Vec<VpcSecurityGroupMembership> {
    ids.into_iter()
        .map(|id| VpcSecurityGroupMembership {
            vpc_security_group_id: Some(id),
            status: Some("active".into()),
        })
        .collect()
}

/// Emulates CreateEndpointAccess: the workgroup must be AVAILABLE. Workgroups of other
/// accounts are not visible here, so an `ownerAccount` naming another account finds none.
pub fn create(
    ctx: &mut Ctx,
    req: CreateEndpointAccessRequest,
) -> ApiResult<CreateEndpointAccessResponse> {
    let name = req.endpoint_name;
    check_name(&name)?;
    let Some(first_subnet) = req.subnet_ids.first().cloned() else {
        return Err(ApiError::validation(
            "subnetIds must name at least one subnet.",
        ));
    };
    if req
        .owner_account
        .as_deref()
        .is_some_and(|owner| owner != ctx.scope.account)
    {
        return Err(ApiError::not_found(
            ResourceKind::Workgroup,
            &req.workgroup_name,
        ));
    }
    if ctx.state.endpoint_accesses.contains_key(&name) {
        return Err(ApiError::already_exists(
            ResourceKind::EndpointAccess,
            &name,
        ));
    }
    if ctx.state.endpoint_accesses.len() >= MAX_ENDPOINTS {
        return Err(ApiError::quota(format!(
            "An account can have at most {MAX_ENDPOINTS} Redshift-managed VPC endpoints in a Region."
        )));
    }
    let workgroup = super::workgroup::find(ctx.state, &req.workgroup_name)?;
    let status = workgroup.status.get();
    if status != WorkgroupStatus::Available {
        return Err(ApiError::busy(
            ResourceKind::Workgroup,
            &req.workgroup_name,
            status.as_str(),
        ));
    }
    let port = workgroup.view.port;
    let id = ctx.rng.uuid();
    let groups = req
        .vpc_security_group_ids
        .unwrap_or_else(|| vec![ctx.rng.aws_id("sg")]);
    let view = EndpointAccess {
        endpoint_name: Some(name.clone()),
        endpoint_arn: Some(ctx.scope.arn(&format!("managedvpcendpoint/{id}"))),
        endpoint_create_time: Some(IsoTime(ctx.now)),
        address: Some(ctx.settings.endpoint_host.clone()),
        port,
        vpc_endpoint: Some(VpcEndpoint {
            vpc_endpoint_id: Some(ctx.rng.aws_id("vpce")),
            vpc_id: Some(ctx.rng.aws_id("vpc")),
            network_interfaces: Some(vec![NetworkInterface {
                network_interface_id: Some(ctx.rng.aws_id("eni")),
                subnet_id: Some(first_subnet),
                private_ip_address: Some("10.0.1.10".into()),
                availability_zone: Some(format!("{}a", ctx.scope.region)),
                ipv6_address: None,
            }]),
        }),
        vpc_security_groups: Some(security_groups(groups)),
        subnet_ids: Some(req.subnet_ids),
        workgroup_name: Some(req.workgroup_name),
        endpoint_status: None,
    };
    let record = EndpointRecord {
        view,
        status: Status::initial(EndpointStatus::Creating),
        id: id.clone(),
        bound_port: None,
    };
    let endpoint = record.to_model();
    ctx.state.endpoint_accesses.insert(name.clone(), record);
    ctx.settle_later(Target::EndpointAccess { name, id });
    Ok(CreateEndpointAccessResponse {
        endpoint: Some(endpoint),
    })
}

pub fn get(
    ctx: &mut ReadCtx,
    req: GetEndpointAccessRequest,
) -> ApiResult<GetEndpointAccessResponse> {
    let record =
        ResourceKind::EndpointAccess.lookup(&ctx.state.endpoint_accesses, &req.endpoint_name)?;
    Ok(GetEndpointAccessResponse {
        endpoint: Some(record.to_model()),
    })
}

pub fn list(
    ctx: &mut ReadCtx,
    req: ListEndpointAccessRequest,
) -> ApiResult<ListEndpointAccessResponse> {
    if let Some(workgroup) = &req.workgroup_name {
        ResourceKind::Workgroup.lookup(&ctx.state.workgroups, workgroup)?;
    }
    let own = req
        .owner_account
        .as_deref()
        .is_none_or(|owner| owner == ctx.scope.account);
    let keep = |e: &EndpointRecord| {
        let vpc = e.view.vpc_endpoint.as_ref().and_then(|v| v.vpc_id.as_ref());
        own && (req.workgroup_name.is_none() || e.view.workgroup_name == req.workgroup_name)
            && (req.vpc_id.is_none() || vpc == req.vpc_id.as_ref())
    };
    let page = page(
        &ctx.state.endpoint_accesses,
        Operation::ListEndpointAccess,
        req.next_token.as_deref(),
        req.max_results,
        keep,
    )?;
    Ok(ListEndpointAccessResponse {
        endpoints: page
            .items
            .into_iter()
            .map(EndpointRecord::to_model)
            .collect(),
        next_token: page.next_token,
    })
}

pub fn update(
    ctx: &mut Ctx,
    req: UpdateEndpointAccessRequest,
) -> ApiResult<UpdateEndpointAccessResponse> {
    let name = req.endpoint_name;
    let record = find(ctx.state, &name)?;
    record
        .status
        .apply_requested(Event::Update, ResourceKind::EndpointAccess, &name)?;
    if let Some(groups) = req.vpc_security_group_ids {
        record.view.vpc_security_groups = Some(security_groups(groups));
    }
    let endpoint = record.to_model();
    let id = record.id.clone();
    ctx.settle_later(Target::EndpointAccess { name, id });
    Ok(UpdateEndpointAccessResponse {
        endpoint: Some(endpoint),
    })
}

pub fn delete(
    ctx: &mut Ctx,
    req: DeleteEndpointAccessRequest,
) -> ApiResult<DeleteEndpointAccessResponse> {
    let name = req.endpoint_name;
    let record = find(ctx.state, &name)?;
    record
        .status
        .apply_requested(Event::Delete, ResourceKind::EndpointAccess, &name)?;
    let endpoint = record.to_model();
    let id = record.id.clone();
    ctx.settle_later(Target::EndpointAccess { name, id });
    Ok(DeleteEndpointAccessResponse {
        endpoint: Some(endpoint),
    })
}

pub fn settle(ctx: &mut Ctx, name: &str, id: &str) {
    let Some(record) = ctx
        .state
        .endpoint_accesses
        .get_mut(name)
        .filter(|r| r.id == id)
    else {
        return;
    };
    if let Ok(Next::Gone) = record.status.apply(Event::Settle) {
        ctx.state.endpoint_accesses.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn endpoint_names() {
        for ok in ["a", "my-endpoint", "A1-b2", &"a".repeat(30)] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1abc", "a--b", "abc-", "a_b", &"a".repeat(31)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
