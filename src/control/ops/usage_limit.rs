//! Usage limits: CreateUsageLimit, GetUsageLimit, ListUsageLimits, UpdateUsageLimit,
//! DeleteUsageLimit. Compute limits (`serverless-compute`, RPU-hours) sit on workgroups;
//! data-sharing limits (`cross-region-datasharing`, terabytes) on namespaces. A limit goes with
//! its resource.

use crate::control::error::{ApiError, ApiResult, ResourceKind};
use crate::control::pagination::page;
use crate::control::store::{Ctx, Partition, ReadCtx};
use crate::model::*;

/// Limits one resource may have of one usage type.
const MAX_PER_RESOURCE: usize = 4;

fn find<'a>(state: &'a mut Partition, id: &str) -> ApiResult<&'a mut UsageLimit> {
    ResourceKind::UsageLimit.lookup_mut(&mut state.usage_limits, id)
}

/// The resource type an ARN of ours names (`workgroup`, `namespace`, ...), if it exists.
fn live_resource_type<'a>(state: &Partition, arn: &'a str) -> Option<&'a str> {
    let resource = arn
        .strip_prefix("arn:aws:redshift-serverless:")?
        .splitn(3, ':')
        .nth(2)?;
    let (kind, _) = resource.split_once('/')?;
    state.tags.contains_key(arn).then_some(kind)
}

fn check_amount(amount: i64) -> ApiResult<()> {
    if amount > 0 {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "amount {amount} is not valid: the value must be a positive number."
        )))
    }
}

/// Emulates CreateUsageLimit.
pub fn create(ctx: &mut Ctx, req: CreateUsageLimitRequest) -> ApiResult<CreateUsageLimitResponse> {
    check_amount(req.amount)?;
    let arn = &req.resource_arn;
    let kind = live_resource_type(ctx.state, arn).ok_or_else(|| ApiError::arn_not_found(arn))?;
    let expected = match req.usage_type {
        UsageLimitUsageType::ServerlessCompute => "workgroup",
        UsageLimitUsageType::CrossRegionDatasharing => "namespace",
    };
    if kind != expected {
        return Err(ApiError::validation(format!(
            "usageType {} applies to a {expected}, and '{arn}' is not a {expected} ARN.",
            req.usage_type.as_str()
        )));
    }
    let existing = ctx
        .state
        .usage_limits
        .values()
        .filter(|l| l.resource_arn.as_deref() == Some(arn) && l.usage_type == Some(req.usage_type))
        .count();
    if existing >= MAX_PER_RESOURCE {
        return Err(ApiError::quota(format!(
            "'{arn}' already has {MAX_PER_RESOURCE} usage limits of type {}, the most allowed.",
            req.usage_type.as_str()
        )));
    }
    let id = ctx.rng.uuid();
    let limit = UsageLimit {
        usage_limit_id: Some(id.clone()),
        usage_limit_arn: Some(ctx.scope.arn(&format!("usagelimit/{id}"))),
        resource_arn: Some(req.resource_arn),
        usage_type: Some(req.usage_type),
        amount: Some(req.amount),
        period: Some(req.period.unwrap_or(UsageLimitPeriod::Monthly)),
        breach_action: Some(req.breach_action.unwrap_or(UsageLimitBreachAction::Log)),
    };
    ctx.state.usage_limits.insert(id, limit.clone());
    Ok(CreateUsageLimitResponse {
        usage_limit: Some(limit),
    })
}

pub fn get(ctx: &mut ReadCtx, req: GetUsageLimitRequest) -> ApiResult<GetUsageLimitResponse> {
    let limit = ResourceKind::UsageLimit
        .lookup(&ctx.state.usage_limits, &req.usage_limit_id)?
        .clone();
    Ok(GetUsageLimitResponse {
        usage_limit: Some(limit),
    })
}

pub fn list(ctx: &mut ReadCtx, req: ListUsageLimitsRequest) -> ApiResult<ListUsageLimitsResponse> {
    if let Some(arn) = &req.resource_arn {
        live_resource_type(ctx.state, arn).ok_or_else(|| ApiError::arn_not_found(arn))?;
    }
    let keep = |l: &UsageLimit| {
        (req.resource_arn.is_none() || l.resource_arn == req.resource_arn)
            && (req.usage_type.is_none() || l.usage_type == req.usage_type)
    };
    let page = page(
        &ctx.state.usage_limits,
        Operation::ListUsageLimits,
        req.next_token.as_deref(),
        req.max_results,
        keep,
    )?;
    Ok(ListUsageLimitsResponse {
        usage_limits: Some(page.items.into_iter().cloned().collect()),
        next_token: page.next_token,
    })
}

pub fn update(ctx: &mut Ctx, req: UpdateUsageLimitRequest) -> ApiResult<UpdateUsageLimitResponse> {
    if let Some(amount) = req.amount {
        check_amount(amount)?;
    }
    let limit = find(ctx.state, &req.usage_limit_id)?;
    if req.amount.is_some() {
        limit.amount = req.amount;
    }
    if req.breach_action.is_some() {
        limit.breach_action = req.breach_action;
    }
    Ok(UpdateUsageLimitResponse {
        usage_limit: Some(limit.clone()),
    })
}

pub fn delete(ctx: &mut Ctx, req: DeleteUsageLimitRequest) -> ApiResult<DeleteUsageLimitResponse> {
    find(ctx.state, &req.usage_limit_id)?;
    let limit = ctx.state.usage_limits.remove(&req.usage_limit_id);
    Ok(DeleteUsageLimitResponse { usage_limit: limit })
}

/// Removes the limits on a resource that is gone.
pub fn forget(state: &mut Partition, resource_arn: &str) {
    state
        .usage_limits
        .retain(|_, l| l.resource_arn.as_deref() != Some(resource_arn));
}
