//! Scheduled actions: CreateScheduledAction, GetScheduledAction, ListScheduledActions,
//! UpdateScheduledAction, DeleteScheduledAction. An enabled action fires on the emulator's
//! clock at each time of its schedule within `[startTime, endTime]` and takes a snapshot named
//! from its prefix and the time, with the retention and tags it gives.

use super::snapshot::check_retention;
use crate::control::error::{ApiError, ApiResult, ResourceKind};
use crate::control::lifecycle::Target;
use crate::control::pagination::page;
use crate::control::schedule::{self, Cron};
use crate::control::store::{Ctx, Partition, ReadCtx, ScheduledActionRecord};
use crate::model::*;
use chrono::{DateTime, Utc};

/// How many coming invocations `nextInvocations` lists.
const NEXT_INVOCATIONS: usize = 3;

fn find<'a>(state: &'a mut Partition, name: &str) -> ApiResult<&'a mut ScheduledActionRecord> {
    ResourceKind::ScheduledAction.lookup_mut(&mut state.scheduled_actions, name)
}

fn parse_schedule(given: &Schedule, now: DateTime<Utc>) -> ApiResult<schedule::Schedule> {
    match given {
        Schedule::At(at) if at.0 <= now => Err(ApiError::validation(format!(
            "schedule at {} is in the past; a one-time schedule must be in the future.",
            at.0.to_rfc3339()
        ))),
        Schedule::At(at) => Ok(schedule::Schedule::At(schedule::whole_seconds(at.0))),
        Schedule::Cron(expression) => Cron::parse(expression)
            .map(schedule::Schedule::Cron)
            .map_err(|why| ApiError::validation(format!("schedule is not valid: {why}."))),
    }
}

/// "arn:aws:iam::<account>:role/<name>", the role the scheduler assumes.
fn check_role(arn: &str) -> ApiResult<()> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "iam"
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5]
            .strip_prefix("role/")
            .is_some_and(|name| !name.is_empty());
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "roleArn '{arn}' is not the ARN of an IAM role."
        )))
    }
}

fn check_window(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> ApiResult<()> {
    match (start, end) {
        (Some(start), Some(end)) if start >= end => {
            Err(ApiError::validation("startTime must be before endTime."))
        }
        _ => Ok(()),
    }
}

/// The scheduled action's namespace must exist. The reference ties the target's
/// `namespaceName` to nothing else, so a schedule may snapshot another namespace (one gone by
/// the time it fires skips that run).
fn check_target(state: &mut Partition, namespace: &str, target: &TargetAction) -> ApiResult<()> {
    let TargetAction::CreateSnapshot(params) = target;
    if let Some(days) = params.retention_period {
        check_retention("retentionPeriod", days)?;
    }
    super::namespace::find(state, namespace).map(|_| ())
}

fn to_model(record: &ScheduledActionRecord, now: DateTime<Utc>) -> ScheduledActionResponse {
    let view = &record.view;
    let enabled = view.state == Some(State::Active);
    let upcoming = if enabled {
        let (start, end) = (view.start_time.map(|t| t.0), view.end_time.map(|t| t.0));
        record.schedule.upcoming(now, start, end, NEXT_INVOCATIONS)
    } else {
        Vec::new()
    };
    ScheduledActionResponse {
        next_invocations: Some(upcoming.into_iter().map(EpochTime).collect()),
        ..view.clone()
    }
}

/// Works out the action's next firing from now and sets a timer for it.
fn arm(ctx: &mut Ctx, name: &str) {
    let now = ctx.now;
    let Some(record) = ctx.state.scheduled_actions.get_mut(name) else {
        return;
    };
    let view = &record.view;
    record.next_at = (view.state == Some(State::Active))
        .then(|| {
            record.schedule.next_after(
                now,
                view.start_time.map(|t| t.0),
                view.end_time.map(|t| t.0),
            )
        })
        .flatten();
    let id = view.scheduled_action_uuid.clone().unwrap_or_default();
    if let Some(at) = record.next_at {
        ctx.schedule_at(
            at,
            Target::ScheduledAction {
                name: name.to_string(),
                id,
            },
        );
    }
}

pub fn create(
    ctx: &mut Ctx,
    req: CreateScheduledActionRequest,
) -> ApiResult<CreateScheduledActionResponse> {
    let name = req.scheduled_action_name;
    if ctx.state.scheduled_actions.contains_key(&name) {
        return Err(ApiError::already_exists(
            ResourceKind::ScheduledAction,
            &name,
        ));
    }
    check_role(&req.role_arn)?;
    let parsed = parse_schedule(&req.schedule, ctx.now)?;
    let (start, end) = (req.start_time.map(|t| t.0), req.end_time.map(|t| t.0));
    check_window(start, end)?;
    check_target(ctx.state, &req.namespace_name, &req.target_action)?;
    let enabled = req.enabled.unwrap_or(true);
    let view = ScheduledActionResponse {
        scheduled_action_name: Some(name.clone()),
        scheduled_action_uuid: Some(ctx.rng.uuid()),
        scheduled_action_description: req.scheduled_action_description,
        namespace_name: Some(req.namespace_name),
        role_arn: Some(req.role_arn),
        schedule: Some(req.schedule),
        target_action: Some(req.target_action),
        start_time: req.start_time,
        end_time: req.end_time,
        state: Some(if enabled {
            State::Active
        } else {
            State::Disabled
        }),
        next_invocations: None,
    };
    let record = ScheduledActionRecord {
        view,
        schedule: parsed,
        next_at: None,
    };
    ctx.state.scheduled_actions.insert(name.clone(), record);
    arm(ctx, &name);
    let answer = to_model(&ctx.state.scheduled_actions[&name], ctx.now);
    Ok(CreateScheduledActionResponse {
        scheduled_action: Some(answer),
    })
}

pub fn get(
    ctx: &mut ReadCtx,
    req: GetScheduledActionRequest,
) -> ApiResult<GetScheduledActionResponse> {
    let now = ctx.now;
    let record = ResourceKind::ScheduledAction
        .lookup(&ctx.state.scheduled_actions, &req.scheduled_action_name)?;
    Ok(GetScheduledActionResponse {
        scheduled_action: Some(to_model(record, now)),
    })
}

pub fn list(
    ctx: &mut ReadCtx,
    req: ListScheduledActionsRequest,
) -> ApiResult<ListScheduledActionsResponse> {
    if let Some(namespace) = &req.namespace_name {
        ResourceKind::Namespace.lookup(&ctx.state.namespaces, namespace)?;
    }
    let keep = |r: &ScheduledActionRecord| {
        req.namespace_name.is_none() || r.view.namespace_name == req.namespace_name
    };
    let page = page(
        &ctx.state.scheduled_actions,
        Operation::ListScheduledActions,
        req.next_token.as_deref(),
        req.max_results,
        keep,
    )?;
    let actions = page
        .items
        .into_iter()
        .map(|r| ScheduledActionAssociation {
            namespace_name: r.view.namespace_name.clone(),
            scheduled_action_name: r.view.scheduled_action_name.clone(),
        })
        .collect();
    Ok(ListScheduledActionsResponse {
        scheduled_actions: Some(actions),
        next_token: page.next_token,
    })
}

/// Emulates UpdateScheduledAction: what is given replaces what was, and the schedule is
/// worked out again from now.
pub fn update(
    ctx: &mut Ctx,
    req: UpdateScheduledActionRequest,
) -> ApiResult<UpdateScheduledActionResponse> {
    if let Some(role) = &req.role_arn {
        check_role(role)?;
    }
    let parsed = req
        .schedule
        .as_ref()
        .map(|s| parse_schedule(s, ctx.now))
        .transpose()?;
    let name = req.scheduled_action_name;
    let record = find(ctx.state, &name)?;
    let start = req.start_time.or(record.view.start_time).map(|t| t.0);
    let end = req.end_time.or(record.view.end_time).map(|t| t.0);
    check_window(start, end)?;
    let namespace = record.view.namespace_name.clone().unwrap_or_default();
    if let Some(target) = &req.target_action {
        check_target(ctx.state, &namespace, target)?;
    }
    let record = find(ctx.state, &name)?;
    let view = &mut record.view;
    if let Some(parsed) = parsed {
        record.schedule = parsed;
        view.schedule = req.schedule;
    }
    if let Some(enabled) = req.enabled {
        view.state = Some(if enabled {
            State::Active
        } else {
            State::Disabled
        });
    }
    view.start_time = req.start_time.or(view.start_time);
    view.end_time = req.end_time.or(view.end_time);
    if req.role_arn.is_some() {
        view.role_arn = req.role_arn;
    }
    if req.scheduled_action_description.is_some() {
        view.scheduled_action_description = req.scheduled_action_description;
    }
    if req.target_action.is_some() {
        view.target_action = req.target_action;
    }
    arm(ctx, &name);
    let answer = to_model(&ctx.state.scheduled_actions[&name], ctx.now);
    Ok(UpdateScheduledActionResponse {
        scheduled_action: Some(answer),
    })
}

pub fn delete(
    ctx: &mut Ctx,
    req: DeleteScheduledActionRequest,
) -> ApiResult<DeleteScheduledActionResponse> {
    let now = ctx.now;
    let answer = to_model(find(ctx.state, &req.scheduled_action_name)?, now);
    ctx.state
        .scheduled_actions
        .remove(&req.scheduled_action_name);
    Ok(DeleteScheduledActionResponse {
        scheduled_action: Some(answer),
    })
}

/// The action's time has come (`ctx.now` is the scheduled instant): take the snapshot, then
/// arm the next firing. A timer left from before an update finds `next_at` moved and does
/// nothing. A namespace that is busy or gone, or a name already taken, skips this run.
pub fn fire(ctx: &mut Ctx, name: &str, id: &str) {
    let Some(record) = ctx.state.scheduled_actions.get(name) else {
        return;
    };
    if record.view.scheduled_action_uuid.as_deref() != Some(id) || record.next_at != Some(ctx.now) {
        return;
    }
    if let Some(TargetAction::CreateSnapshot(params)) = record.view.target_action.clone() {
        let snapshot = format!(
            "{}-{}",
            params.snapshot_name_prefix,
            ctx.now.format("%Y-%m-%d-%H-%M")
        );
        let taken = super::namespace::image(ctx.state, &params.namespace_name).and_then(|image| {
            let (retention, tags) = (params.retention_period, params.tags);
            let data = super::snapshot::Data::Now;
            super::snapshot::take(ctx, &snapshot, image, data, retention, tags)
        });
        if let Err(e) = taken {
            tracing::info!(scheduled_action = name, snapshot, error = %e, "scheduled snapshot skipped");
        }
    }
    arm(ctx, name);
}
