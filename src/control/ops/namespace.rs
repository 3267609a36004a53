//! CreateNamespace, GetNamespace, ListNamespaces, UpdateNamespace, DeleteNamespace.
//!
//! A namespace is AVAILABLE from creation (AWS has no CREATING status for namespaces), goes
//! MODIFYING on update and DELETING on delete, and settles after the transition delay.

use super::{s3_tables, tags};
use crate::control::backup::{Capture, Work};
use crate::control::error::{ApiError, ApiResult, ResourceKind};
use crate::control::lifecycle::{Event, Next, Status, Target};
use crate::control::pagination::page;
use crate::control::store::{Ctx, Image, NamespaceRecord, Partition, ReadCtx};
use crate::control::view::{Cached, Encoded, Page, View};
use crate::model::*;

const AWS_OWNED_KMS_KEY: &str = "AWS_OWNED_KMS_KEY";
pub(crate) const DEFAULT_DB_NAME: &str = "dev";

impl View for NamespaceRecord {
    type Model = Namespace;
    const MEMBER: &'static str = "namespace";

    /// The stored view with its status, its id, and the defaults it does not store.
    fn to_model(&self) -> Namespace {
        let view = &self.view;
        Namespace {
            status: Some(self.status.get()),
            namespace_id: Some(self.id().to_string()),
            db_name: view
                .db_name
                .clone()
                .or_else(|| Some(DEFAULT_DB_NAME.into())),
            kms_key_id: view
                .kms_key_id
                .clone()
                .or_else(|| Some(AWS_OWNED_KMS_KEY.into())),
            s3_table_publish_status: s3_tables::status(self),
            ..view.clone()
        }
    }
}

/// The namespace `name`, to change it (which drops its cached view).
pub fn find<'a>(state: &'a mut Partition, name: &str) -> ApiResult<&'a mut NamespaceRecord> {
    ResourceKind::Namespace
        .lookup_mut(&mut state.namespaces, name)
        .map(|record| &mut **record)
}

/// The namespace `name` as a snapshot would preserve it; it must exist and be AVAILABLE.
pub fn image(state: &mut Partition, name: &str) -> ApiResult<Image> {
    let record = find(state, name)?;
    let status = record.status.get();
    if status != NamespaceStatus::Available {
        return Err(ApiError::busy(
            ResourceKind::Namespace,
            name,
            status.as_str(),
        ));
    }
    Ok(Image {
        namespace: record.to_model(),
        admin_password: record.admin_password.clone(),
    })
}

/// Puts back what `image` preserved, as RestoreFromSnapshot and RestoreFromRecoveryPoint do:
/// the database name, the admin user and its password, and the encryption key; and the data
/// of `capture`, which the data plane puts back. The namespace goes MODIFYING until the
/// restore settles (and its data is back).
pub fn restore(
    ctx: &mut Ctx,
    name: &str,
    image: &Image,
    capture: Option<&Capture>,
    manage_password: Option<bool>,
) -> ApiResult<Namespace> {
    let secret = manage_password
        .filter(|m| *m)
        .map(|_| secret_arn(ctx, name));
    let record = find(ctx.state, name)?;
    record
        .status
        .apply_requested(Event::Update, ResourceKind::Namespace, name)?;
    let source = &image.namespace;
    let view = &mut record.view;
    view.db_name = source.db_name.clone();
    view.admin_username = source.admin_username.clone();
    view.kms_key_id = source.kms_key_id.clone();
    record.admin_password = image.admin_password.clone();
    if let Some(secret) = secret {
        view.admin_password_secret_arn = view.admin_password_secret_arn.take().or(Some(secret));
        record.admin_password = None;
    }
    let namespace = record.to_model();
    let id = record.id().to_string();
    if let Some(capture) = capture {
        let work = Work::Restore {
            namespace: name.to_string(),
            namespace_id: id.clone(),
            db_name: image.db_name().to_string(),
            capture: capture.id.clone(),
        };
        if ctx.ask(work) {
            if let Some(record) = live(ctx.state, name, &id) {
                record.restoring = true;
            }
        }
    }
    ctx.settle_later(Target::Namespace {
        name: name.to_string(),
        id,
    });
    Ok(namespace)
}

/// The data plane put a restore's data back: the namespace settles once its delay has passed.
pub fn restored(ctx: &mut Ctx, name: &str, id: &str) {
    if let Some(record) = live(ctx.state, name, id) {
        record.restoring = false;
        if std::mem::take(&mut record.settle_due) {
            settle(ctx, name, id);
        }
    }
}

/// Redshift's rules for a database name: a letter or underscore, then letters, digits,
/// underscores or dollar signs, at most 127 characters, all lowercase.
fn check_db_name(name: &str) -> ApiResult<()> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if first_ok && rest_ok && name.len() <= 127 {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "dbName '{name}' is not valid: it must be 1 to 127 characters, start with a lowercase letter or underscore, and contain only lowercase letters, digits, underscores or dollar signs."
        )))
    }
}

/// Redshift's rules for an admin user name.
fn check_admin_username(name: &str) -> ApiResult<()> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if first_ok && rest_ok && name.len() <= 128 {
        Ok(())
    } else {
        Err(ApiError::validation(
            "adminUsername is not valid: it must be 1 to 128 characters, start with a letter, and contain only letters, digits or underscores.",
        ))
    }
}

/// Redshift's password rules. The password itself is never echoed.
fn check_admin_password(password: &str) -> ApiResult<()> {
    let len_ok = (8..=64).contains(&password.chars().count());
    let has = |f: fn(&char) -> bool| password.chars().any(|c| f(&c));
    let classes_ok =
        has(char::is_ascii_uppercase) && has(char::is_ascii_lowercase) && has(char::is_ascii_digit);
    let chars_ok = password
        .chars()
        .all(|c| c.is_ascii_graphic() && !matches!(c, '\'' | '"' | '\\' | '/' | '@'));
    if len_ok && classes_ok && chars_ok {
        Ok(())
    } else {
        Err(ApiError::validation(
            "adminUserPassword is not valid: it must be 8 to 64 printable ASCII characters with at least one uppercase letter, one lowercase letter and one digit, and must not contain ' \" \\ / @ or spaces.",
        ))
    }
}

/// The rules between the credential members that CreateNamespace and UpdateNamespace share.
fn check_credentials(
    username: Option<&str>,
    password: Option<&str>,
    manage: bool,
    secret_kms_key: Option<&str>,
) -> ApiResult<()> {
    if manage && password.is_some() {
        return Err(ApiError::validation(
            "You can't use adminUserPassword if manageAdminPassword is true.",
        ));
    }
    if secret_kms_key.is_some() && !manage {
        return Err(ApiError::validation(
            "adminPasswordSecretKmsKeyId can only be used if manageAdminPassword is true.",
        ));
    }
    match (username, password) {
        (Some(_), None) if !manage => Err(ApiError::validation(
            "adminUsername must be given together with adminUserPassword, unless manageAdminPassword is true.",
        )),
        (None, Some(_)) => Err(ApiError::validation("adminUserPassword must be given together with adminUsername.")),
        _ => {
            username.map(check_admin_username).transpose()?;
            password.map(check_admin_password).transpose()?;
            Ok(())
        }
    }
}

fn check_iam_roles(default_role: Option<&str>, roles: Option<&[String]>) -> ApiResult<()> {
    match (default_role, roles) {
        (Some(role), Some(roles)) if !roles.iter().any(|r| r == role) => Err(ApiError::validation(
            format!("defaultIamRoleArn '{role}' must be one of the namespace's iamRoles."),
        )),
        _ => Ok(()),
    }
}

fn secret_arn(ctx: &mut Ctx, namespace: &str) -> String {
    format!(
        "arn:aws:secretsmanager:{}:{}:secret:redshift!{namespace}-admin-{}",
        ctx.scope.region,
        ctx.scope.account,
        ctx.rng.alphanumeric(6)
    )
}

/// Emulates CreateNamespace. The admin password is kept for a later data plane and never
/// returned; `manageAdminPassword` yields a Secrets Manager ARN in place of a stored password.
pub fn create(ctx: &mut Ctx, req: CreateNamespaceRequest) -> ApiResult<CreateNamespaceResponse> {
    let name = req.namespace_name;
    if ctx.state.namespaces.contains_key(&name) {
        return Err(ApiError::already_exists(ResourceKind::Namespace, &name));
    }
    let manage = req.manage_admin_password.unwrap_or(false);
    check_credentials(
        req.admin_username.as_deref(),
        req.admin_user_password.as_deref(),
        manage,
        req.admin_password_secret_kms_key_id.as_deref(),
    )?;
    if let Some(db) = &req.db_name {
        check_db_name(db)?;
    }
    check_iam_roles(
        req.default_iam_role_arn.as_deref(),
        req.iam_roles.as_deref(),
    )?;
    let id = ctx.rng.uuid();
    let arn = ctx.scope.arn(&format!("namespace/{id}"));
    let view = Namespace {
        namespace_arn: Some(arn.clone()),
        namespace_name: Some(name.clone()),
        admin_username: req.admin_username,
        db_name: req.db_name,
        default_iam_role_arn: req.default_iam_role_arn,
        iam_roles: Some(req.iam_roles.unwrap_or_default()),
        kms_key_id: req.kms_key_id,
        log_exports: Some(req.log_exports.unwrap_or_default()),
        creation_date: Some(IsoTime(ctx.now)),
        admin_password_secret_arn: manage.then(|| secret_arn(ctx, &name)),
        admin_password_secret_kms_key_id: manage.then(|| {
            req.admin_password_secret_kms_key_id
                .unwrap_or_else(|| AWS_OWNED_KMS_KEY.into())
        }),
        ..Namespace::default()
    };
    tags::attach(ctx.state, &arn, req.tags);
    let record = NamespaceRecord {
        view,
        status: Status::initial(NamespaceStatus::Available),
        admin_password: req.admin_user_password,
        workgroup: None,
        idc_application_arn: req.redshift_idc_application_arn,
        lakehouse_idc_application_arn: None,
        s3_tables: None,
        restoring: false,
        settle_due: false,
    };
    let namespace = record.to_model();
    ctx.state
        .namespaces
        .insert(name.clone(), Cached::new(record));
    if !ctx.state.taking_recovery_points {
        ctx.state.taking_recovery_points = true;
        let first = ctx.now + ctx.settings.recovery_point_interval;
        ctx.schedule_at(first, Target::TakeRecoveryPoints);
    }
    Ok(CreateNamespaceResponse {
        namespace: Some(namespace),
    })
}

/// Emulates GetNamespace, from the record's cached view.
pub fn get(ctx: &mut ReadCtx, req: GetNamespaceRequest) -> ApiResult<Encoded> {
    let record = ResourceKind::Namespace.lookup(&ctx.state.namespaces, &req.namespace_name)?;
    Ok(record.answer())
}

pub fn list(ctx: &mut ReadCtx, req: ListNamespacesRequest) -> ApiResult<Page> {
    let page = page(
        &ctx.state.namespaces,
        Operation::ListNamespaces,
        req.next_token.as_deref(),
        req.max_results,
        |_| true,
    )?;
    Ok(Page {
        member: "namespaces",
        views: page.items.into_iter().map(Cached::json).collect(),
        next_token: page.next_token,
    })
}

/// Emulates UpdateNamespace, with the reference's rules on which members go together. An
/// S3 Tables publishing update (`logDestinationType: s3table`) is one of its own (see
/// [`s3_tables`]).
pub fn update(
    ctx: &mut Ctx,
    mut req: UpdateNamespaceRequest,
) -> ApiResult<UpdateNamespaceResponse> {
    if let Some(change) = s3_tables::take_change(&mut req)? {
        return s3_tables::update(ctx, req.namespace_name, change);
    }
    if req.kms_key_id.is_some() && req.log_exports.is_some() {
        return Err(ApiError::validation(
            "You can't update both kmsKeyId and logExports in a single request.",
        ));
    }
    if req.default_iam_role_arn.is_some() != req.iam_roles.is_some() {
        return Err(ApiError::validation(
            "defaultIamRoleArn must be updated together with iamRoles.",
        ));
    }
    let manage = req.manage_admin_password;
    check_credentials(
        req.admin_username.as_deref(),
        req.admin_user_password.as_deref(),
        manage.unwrap_or(false),
        req.admin_password_secret_kms_key_id.as_deref(),
    )?;
    check_iam_roles(
        req.default_iam_role_arn.as_deref(),
        req.iam_roles.as_deref(),
    )?;
    let name = req.namespace_name;
    let secret = manage.filter(|m| *m).map(|_| secret_arn(ctx, &name));
    let record = find(ctx.state, &name)?;
    record
        .status
        .apply_requested(Event::Update, ResourceKind::Namespace, &name)?;
    let view = &mut record.view;
    if let Some(username) = req.admin_username {
        view.admin_username = Some(username);
    }
    if let Some(password) = req.admin_user_password {
        record.admin_password = Some(password);
    }
    match manage {
        Some(true) => {
            view.admin_password_secret_arn = view.admin_password_secret_arn.take().or(secret);
            view.admin_password_secret_kms_key_id = Some(
                req.admin_password_secret_kms_key_id
                    .unwrap_or_else(|| AWS_OWNED_KMS_KEY.into()),
            );
            record.admin_password = None;
        }
        Some(false) => {
            view.admin_password_secret_arn = None;
            view.admin_password_secret_kms_key_id = None;
        }
        None => {}
    }
    if req.iam_roles.is_some() {
        view.iam_roles = req.iam_roles;
        view.default_iam_role_arn = req.default_iam_role_arn;
    }
    if let Some(key) = req.kms_key_id {
        view.kms_key_id = Some(key);
    }
    if let Some(logs) = req.log_exports {
        view.log_exports = Some(logs);
    }
    let namespace = record.to_model();
    let id = record.id().to_string();
    ctx.settle_later(Target::Namespace { name, id });
    Ok(UpdateNamespaceResponse { namespace })
}

/// Emulates DeleteNamespace: refused while a workgroup uses the namespace.
///
/// A `finalSnapshotName` leaves a snapshot of the namespace behind.
pub fn delete(ctx: &mut Ctx, req: DeleteNamespaceRequest) -> ApiResult<DeleteNamespaceResponse> {
    let name = req.namespace_name;
    let record = find(ctx.state, &name)?;
    if let Some(workgroup) = &record.workgroup {
        return Err(ApiError::conflict(format!(
            "Namespace '{name}' is used by workgroup '{workgroup}'; delete the workgroup before the namespace."
        )));
    }
    match (
        &req.final_snapshot_name,
        req.final_snapshot_retention_period,
    ) {
        (Some(snapshot), retention) => {
            let source = image(ctx.state, &name)?;
            let data = super::snapshot::Data::Now;
            super::snapshot::take(ctx, snapshot, source, data, retention, None)?;
        }
        (None, Some(_)) => {
            return Err(ApiError::validation(
                "finalSnapshotRetentionPeriod can only be given with finalSnapshotName.",
            ))
        }
        (None, None) => {}
    }
    let record = find(ctx.state, &name)?;
    record
        .status
        .apply_requested(Event::Delete, ResourceKind::Namespace, &name)?;
    let namespace = record.to_model();
    let id = record.id().to_string();
    ctx.settle_later(Target::Namespace { name, id });
    Ok(DeleteNamespaceResponse { namespace })
}

fn live<'a>(state: &'a mut Partition, name: &str, id: &str) -> Option<&'a mut NamespaceRecord> {
    state
        .namespaces
        .get_mut(name)
        .filter(|r| r.id() == id)
        .map(|record| &mut **record)
}

pub fn settle(ctx: &mut Ctx, name: &str, id: &str) {
    let state = &mut *ctx.state;
    let Some(record) = live(state, name, id) else {
        return;
    };
    if record.restoring {
        record.settle_due = true;
        return;
    }
    if let Ok(Next::Gone) = record.status.apply(Event::Settle) {
        let arn = record.view.namespace_arn.clone().unwrap_or_default();
        let catalog = record.view.catalog_arn.clone();
        state.namespaces.remove(name);
        tags::detach(state, &arn);
        super::usage_limit::forget(state, &arn);
        if let Some(catalog) = catalog {
            super::lakehouse::forget_catalog(state, &catalog);
        }
        let of_this = |n: &Option<String>| n.as_deref() == Some(name);
        state
            .snapshot_copy_configurations
            .retain(|_, c| !of_this(&c.namespace_name));
        state
            .scheduled_actions
            .retain(|_, a| !of_this(&a.view.namespace_name));
    }
}

/// Takes a recovery point of every namespace in the partition, one timer for all of them
/// (AWS takes one "about every 30 minutes"); the timer stops when no namespace is left.
pub fn take_recovery_points(ctx: &mut Ctx) {
    let taken: Vec<(Image, Option<String>)> = ctx
        .state
        .namespaces
        .values()
        .filter(|ns| ns.status.get() != NamespaceStatus::Deleting)
        .map(|ns| {
            let image = Image {
                namespace: ns.to_model(),
                admin_password: ns.admin_password.clone(),
            };
            (image, ns.workgroup.clone())
        })
        .collect();
    for (image, workgroup) in taken {
        super::recovery_point::record(ctx, image, workgroup);
    }
    ctx.state.taking_recovery_points = !ctx.state.namespaces.is_empty();
    if ctx.state.taking_recovery_points {
        let next = ctx.now + ctx.settings.recovery_point_interval;
        ctx.schedule_at(next, Target::TakeRecoveryPoints);
    }
}
