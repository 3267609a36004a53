//! CreateWorkgroup, GetWorkgroup, ListWorkgroups, UpdateWorkgroup, DeleteWorkgroup.
//!
//! A workgroup is CREATING until the transition delay passes, MODIFYING after an update and
//! DELETING before it is gone. A namespace has at most one workgroup.

use super::tags;
use crate::control::error::{ApiError, ApiResult, ResourceKind};
use crate::control::lifecycle::{Event, Next, Status, Target};
use crate::control::pagination::page;
use crate::control::rng::Rng;
use crate::control::store::{Ctx, Partition, ReadCtx, WorkgroupRecord};
use crate::control::view::{Cached, Encoded, Page, View};
use crate::model::*;

const DEFAULT_BASE_CAPACITY: i32 = 128;
const DEFAULT_PORT: i32 = 5439;

/// The parameters AWS gives a new workgroup; callers' values replace these by key.
const DEFAULT_CONFIG: [(&str, &str); 9] = [
    ("auto_mv", "true"),
    ("datestyle", "ISO, MDY"),
    ("enable_case_sensitive_identifier", "false"),
    ("enable_user_activity_logging", "true"),
    ("query_group", "default"),
    ("search_path", "$user, public"),
    ("max_query_execution_time", "14400"),
    ("require_ssl", "false"),
    ("use_fips_ssl", "false"),
];

/// Keys the reference allows in `configParameters`: the defaults above, WLM configuration, and
/// the query monitoring metrics.
const OTHER_CONFIG_KEYS: [&str; 12] = [
    "wlm_json_configuration",
    "max_scan_row_count",
    "max_query_cpu_time",
    "max_query_blocks_read",
    "max_query_cpu_usage_percent",
    "max_query_queue_time",
    "max_query_temp_blocks_to_disk",
    "max_return_row_count",
    "max_join_row_count",
    "max_nested_loop_join_row_count",
    "max_io_skew",
    "max_cpu_skew",
];

/// The workgroup `name`, to change it (which drops its cached view).
pub fn find<'a>(state: &'a mut Partition, name: &str) -> ApiResult<&'a mut WorkgroupRecord> {
    ResourceKind::Workgroup
        .lookup_mut(&mut state.workgroups, name)
        .map(|record| &mut **record)
}

/// "Valid port ranges are 5431-5455 and 8191-8215."
fn check_port(port: i32) -> ApiResult<()> {
    if (5431..=5455).contains(&port) || (8191..=8215).contains(&port) {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "port {port} is not valid: valid port ranges are 5431-5455 and 8191-8215."
        )))
    }
}

/// Capacity is counted in RPUs, in steps of 8; the maximum may not be below the base.
fn check_capacity(base: i32, max: Option<i32>) -> ApiResult<()> {
    if !(8..=1024).contains(&base) || base % 8 != 0 {
        return Err(ApiError::validation(format!(
            "baseCapacity {base} is not valid: it must be a multiple of 8 from 8 to 1024 RPUs."
        )));
    }
    match max {
        Some(max) if !(8..=5632).contains(&max) || max % 8 != 0 => {
            Err(ApiError::validation(format!(
                "maxCapacity {max} is not valid: it must be a multiple of 8 from 8 to 5632 RPUs."
            )))
        }
        Some(max) if max < base => Err(ApiError::validation(format!(
            "maxCapacity {max} must be greater than or equal to baseCapacity {base}."
        ))),
        _ => Ok(()),
    }
}

fn check_performance_target(target: &PerformanceTarget) -> ApiResult<()> {
    match target.level {
        Some(level) if ![1, 25, 50, 75, 100].contains(&level) => Err(ApiError::validation(format!(
            "pricePerformanceTarget level {level} is not valid: valid levels are 1, 25, 50, 75 and 100."
        ))),
        _ => Ok(()),
    }
}

impl View for WorkgroupRecord {
    type Model = Workgroup;
    const MEMBER: &'static str = "workgroup";

    /// The stored view with its status, and its parameters merged over the defaults (kept
    /// apart so that a hundred thousand workgroups do not each hold nine default strings).
    fn to_model(&self) -> Workgroup {
        let overrides = self.view.config_parameters.as_deref().unwrap_or_default();
        let value_of = |key: &str| {
            overrides
                .iter()
                .find(|p| p.parameter_key.as_deref() == Some(key))
        };
        let mut config: Vec<ConfigParameter> = DEFAULT_CONFIG
            .iter()
            .map(|(key, value)| {
                value_of(key).cloned().unwrap_or_else(|| ConfigParameter {
                    parameter_key: Some(key.to_string()),
                    parameter_value: Some(value.to_string()),
                })
            })
            .collect();
        let is_default = |p: &&ConfigParameter| {
            DEFAULT_CONFIG
                .iter()
                .any(|(k, _)| p.parameter_key.as_deref() == Some(*k))
        };
        config.extend(overrides.iter().filter(|p| !is_default(p)).cloned());
        let view = &self.view;
        let network = Network::of(self.id(), view);
        let version = view
            .track_name
            .as_deref()
            .and_then(|t| super::track::version_of(t).ok());
        let subnets = view.subnet_ids.clone().unwrap_or(network.subnets);
        let endpoint = view.endpoint.as_ref().map(|e| Endpoint {
            vpc_endpoints: Some(vec![VpcEndpoint {
                vpc_endpoint_id: Some(network.vpc_endpoint),
                vpc_id: Some(network.vpc),
                network_interfaces: Some(vec![NetworkInterface {
                    network_interface_id: Some(network.interface),
                    subnet_id: subnets.first().cloned(),
                    private_ip_address: Some("10.0.0.10".into()),
                    availability_zone: network.zone,
                    ipv6_address: None,
                }]),
            }]),
            port: self.bound_port.map(i32::from).or(e.port),
            ..e.clone()
        });
        Workgroup {
            status: Some(self.status.get()),
            workgroup_id: Some(self.id().to_string()),
            config_parameters: Some(config),
            endpoint,
            ip_address_type: view.ip_address_type.clone().or_else(|| Some("ipv4".into())),
            price_performance_target: view.price_performance_target.clone().or(Some(
                PerformanceTarget {
                    status: Some(PerformanceTargetStatus::Disabled),
                    level: None,
                },
            )),
            security_group_ids: view
                .security_group_ids
                .clone()
                .or(Some(vec![network.security_group])),
            subnet_ids: Some(subnets),
            workgroup_version: version.map(str::to_string),
            patch_version: version.map(str::to_string),
            ..view.clone()
        }
    }
}

/// The network a workgroup shows where the caller chose none: ids derived from the
/// workgroup's own id, so they are stable without being stored.
struct Network {
    vpc_endpoint: String,
    vpc: String,
    interface: String,
    security_group: String,
    subnets: Vec<String>,
    zone: Option<String>,
}

impl Network {
    fn of(id: &str, view: &Workgroup) -> Network {
        let seed = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        let mut rng = Rng::new(seed);
        let region = view
            .workgroup_arn
            .as_deref()
            .and_then(|arn| arn.split(':').nth(3));
        Network {
            vpc_endpoint: rng.aws_id("vpce"),
            vpc: rng.aws_id("vpc"),
            interface: rng.aws_id("eni"),
            security_group: rng.aws_id("sg"),
            subnets: (0..3).map(|_| rng.aws_id("subnet")).collect(),
            zone: region.map(|r| format!("{r}a")),
        }
    }
}

/// Merges the caller's parameters over `current`, refusing keys the service does not know.
fn merge_config(current: &mut Vec<ConfigParameter>, given: Vec<ConfigParameter>) -> ApiResult<()> {
    for param in given {
        let key = param.parameter_key.clone().unwrap_or_default();
        let known = DEFAULT_CONFIG.iter().any(|(k, _)| *k == key)
            || OTHER_CONFIG_KEYS.contains(&key.as_str());
        if !known {
            return Err(ApiError::validation(format!(
                "configParameters key '{key}' is not a supported parameter."
            )));
        }
        match current
            .iter_mut()
            .find(|p| p.parameter_key.as_deref() == Some(&key))
        {
            Some(existing) => existing.parameter_value = param.parameter_value,
            None => current.push(param),
        }
    }
    Ok(())
}

/// Emulates CreateWorkgroup: the namespace must exist, be AVAILABLE and have no workgroup yet.
pub fn create(ctx: &mut Ctx, req: CreateWorkgroupRequest) -> ApiResult<CreateWorkgroupResponse> {
    let name = req.workgroup_name;
    let port = req.port.unwrap_or(DEFAULT_PORT);
    check_port(port)?;
    let base = req.base_capacity.unwrap_or(DEFAULT_BASE_CAPACITY);
    check_capacity(base, req.max_capacity)?;
    let track = req.track_name.unwrap_or_else(|| "current".into());
    super::track::version_of(&track)?;
    if let Some(target) = &req.price_performance_target {
        check_performance_target(target)?;
    }
    let mut config = Vec::new();
    merge_config(&mut config, req.config_parameters.unwrap_or_default())?;
    if ctx.state.workgroups.contains_key(&name) {
        return Err(ApiError::already_exists(ResourceKind::Workgroup, &name));
    }
    let namespace = super::namespace::find(ctx.state, &req.namespace_name)?;
    let namespace_status = namespace.status.get();
    if namespace_status != NamespaceStatus::Available {
        return Err(ApiError::busy(
            ResourceKind::Namespace,
            &req.namespace_name,
            namespace_status.as_str(),
        ));
    }
    if let Some(existing) = &namespace.workgroup {
        return Err(ApiError::conflict(format!(
            "Namespace '{}' already has workgroup '{existing}'; a namespace can have only one workgroup.",
            req.namespace_name
        )));
    }
    namespace.workgroup = Some(name.clone());
    let id = ctx.rng.uuid();
    let arn = ctx.scope.arn(&format!("workgroup/{id}"));
    let view = Workgroup {
        workgroup_arn: Some(arn.clone()),
        workgroup_name: Some(name.clone()),
        namespace_name: Some(req.namespace_name),
        base_capacity: Some(base),
        max_capacity: req.max_capacity,
        config_parameters: (!config.is_empty()).then_some(config),
        creation_date: Some(IsoTime(ctx.now)),
        endpoint: Some(Endpoint {
            address: Some(ctx.settings.endpoint_host.clone()),
            port: Some(port),
            vpc_endpoints: None,
        }),
        enhanced_vpc_routing: Some(req.enhanced_vpc_routing.unwrap_or(false)),
        extra_compute_for_automatic_optimization: req.extra_compute_for_automatic_optimization,
        ip_address_type: req.ip_address_type,
        port: Some(port),
        price_performance_target: req.price_performance_target,
        publicly_accessible: Some(req.publicly_accessible.unwrap_or(false)),
        security_group_ids: req.security_group_ids,
        subnet_ids: req.subnet_ids,
        track_name: Some(track),
        ..Workgroup::default()
    };
    tags::attach(ctx.state, &arn, req.tags);
    let record = WorkgroupRecord {
        view,
        status: Status::initial(WorkgroupStatus::Creating),
        bound_port: None,
    };
    let workgroup = record.to_model();
    ctx.state
        .workgroups
        .insert(name.clone(), Cached::new(record));
    ctx.settle_later(Target::Workgroup { name, id });
    Ok(CreateWorkgroupResponse {
        workgroup: Some(workgroup),
    })
}

/// Emulates GetWorkgroup, from the record's cached view.
pub fn get(ctx: &mut ReadCtx, req: GetWorkgroupRequest) -> ApiResult<Encoded> {
    let record = ResourceKind::Workgroup.lookup(&ctx.state.workgroups, &req.workgroup_name)?;
    Ok(record.answer())
}

/// Emulates ListWorkgroups. Every workgroup here belongs to the caller's account, so an
/// `ownerAccount` filter naming another account matches nothing.
pub fn list(ctx: &mut ReadCtx, req: ListWorkgroupsRequest) -> ApiResult<Page> {
    let own = req
        .owner_account
        .as_deref()
        .is_none_or(|owner| owner == ctx.scope.account);
    let page = page(
        &ctx.state.workgroups,
        Operation::ListWorkgroups,
        req.next_token.as_deref(),
        req.max_results,
        |_| own,
    )?;
    Ok(Page {
        member: "workgroups",
        views: page.items.into_iter().map(Cached::json).collect(),
        next_token: page.next_token,
    })
}

/// Emulates UpdateWorkgroup. A new track shows as `pendingTrackName` until the update settles.
pub fn update(ctx: &mut Ctx, req: UpdateWorkgroupRequest) -> ApiResult<UpdateWorkgroupResponse> {
    if req.base_capacity.is_some() && req.port.is_some() {
        return Err(ApiError::validation(
            "You can't update both baseCapacity and port in a single request.",
        ));
    }
    if let Some(port) = req.port {
        check_port(port)?;
    }
    if let Some(track) = &req.track_name {
        super::track::version_of(track)?;
    }
    if let Some(target) = &req.price_performance_target {
        check_performance_target(target)?;
    }
    let name = req.workgroup_name;
    let record = find(ctx.state, &name)?;
    let base = req
        .base_capacity
        .or(record.view.base_capacity)
        .unwrap_or(DEFAULT_BASE_CAPACITY);
    check_capacity(base, req.max_capacity.or(record.view.max_capacity))?;
    let mut config = record.view.config_parameters.clone().unwrap_or_default();
    merge_config(&mut config, req.config_parameters.unwrap_or_default())?;
    record
        .status
        .apply_requested(Event::Update, ResourceKind::Workgroup, &name)?;
    if req.port.is_some() {
        // Where the data plane listened no longer holds; it reports the new place.
        record.bound_port = None;
    }
    let view = &mut record.view;
    view.config_parameters = (!config.is_empty()).then_some(config);
    view.base_capacity = Some(base);
    view.max_capacity = req.max_capacity.or(view.max_capacity);
    if let Some(port) = req.port {
        view.port = Some(port);
        if let Some(endpoint) = &mut view.endpoint {
            endpoint.port = Some(port);
        }
    }
    if req.track_name.is_some() && req.track_name != view.track_name {
        view.pending_track_name = req.track_name;
    }
    let replace = [
        (&mut view.enhanced_vpc_routing, req.enhanced_vpc_routing),
        (&mut view.publicly_accessible, req.publicly_accessible),
        (
            &mut view.extra_compute_for_automatic_optimization,
            req.extra_compute_for_automatic_optimization,
        ),
    ];
    for (field, value) in replace {
        if value.is_some() {
            *field = value;
        }
    }
    if req.ip_address_type.is_some() {
        view.ip_address_type = req.ip_address_type;
    }
    if req.price_performance_target.is_some() {
        view.price_performance_target = req.price_performance_target;
    }
    if req.security_group_ids.is_some() {
        view.security_group_ids = req.security_group_ids;
    }
    if req.subnet_ids.is_some() {
        view.subnet_ids = req.subnet_ids;
    }
    let workgroup = record.to_model();
    let id = record.id().to_string();
    ctx.settle_later(Target::Workgroup { name, id });
    Ok(UpdateWorkgroupResponse { workgroup })
}

/// Emulates DeleteWorkgroup: refused while managed VPC endpoints use the workgroup.
pub fn delete(ctx: &mut Ctx, req: DeleteWorkgroupRequest) -> ApiResult<DeleteWorkgroupResponse> {
    let name = req.workgroup_name;
    let endpoint = ctx
        .state
        .endpoint_accesses
        .values()
        .find(|e| e.view.workgroup_name.as_deref() == Some(&name));
    if let Some(endpoint) = endpoint {
        return Err(ApiError::conflict(format!(
            "Workgroup '{name}' is used by endpoint '{}'; delete the endpoint before the workgroup.",
            endpoint.view.endpoint_name.as_deref().unwrap_or_default()
        )));
    }
    let record = find(ctx.state, &name)?;
    record
        .status
        .apply_requested(Event::Delete, ResourceKind::Workgroup, &name)?;
    let workgroup = record.to_model();
    let id = record.id().to_string();
    ctx.settle_later(Target::Workgroup { name, id });
    Ok(DeleteWorkgroupResponse { workgroup })
}

pub fn settle(ctx: &mut Ctx, name: &str, id: &str) {
    let state = &mut *ctx.state;
    let Some(record) = state.workgroups.get_mut(name) else {
        return;
    };
    if record.id() != id {
        return;
    }
    match record.status.apply(Event::Settle) {
        Ok(Next::Become(_)) => {
            let view = &mut record.view;
            if let Some(track) = view.pending_track_name.take() {
                view.track_name = Some(track);
            }
        }
        Ok(Next::Gone) => {
            let arn = record.view.workgroup_arn.clone().unwrap_or_default();
            let namespace = record.view.namespace_name.clone().unwrap_or_default();
            state.workgroups.remove(name);
            tags::detach(state, &arn);
            super::usage_limit::forget(state, &arn);
            state
                .custom_domains
                .retain(|_, a| a.workgroup_name.as_deref() != Some(name));
            if let Some(ns) = state.namespaces.get_mut(&namespace) {
                ns.workgroup = None;
            }
        }
        Err(_) => {}
    }
}
