//! S3 Tables system-table publishing of a namespace: UpdateNamespace with
//! `logDestinationType: s3table`, and the `s3TablePublishStatus` GetNamespace shows for it.
//!
//! The API reference predates these members; the rules are those botocore's model documents
//! (1.44.8): the `s3Table*` members are valid only with `logDestinationType: s3table`; such an
//! update "cannot be combined with any other namespace configuration change"; `s3TableAction`
//! defaults to `Enable`; `s3TableGranularity` is "required when enabling"; omitting
//! `s3TableNames`, passing an empty list, or including `all` "each select every current and
//! future system table"; without `s3TableKmsKeyId` the data is encrypted with SSE-S3; and the
//! status is "not returned when S3 Tables publishing has never been configured".
//!
//! Where the model is silent the emulator chooses, so that a sequence of requests has one
//! meaning: enabling tables adds them to those already published, disabling tables removes
//! them (disabling all leaves an empty list), and a few tables cannot be disabled out of "every
//! current and future table", since the emulator cannot list those. Nothing is ingested, so
//! `lastIngestionTimes` stays empty.

use crate::control::error::{ApiError, ApiResult, ResourceKind};
use crate::control::lifecycle::{Event, Target};
use crate::control::store::{Ctx, NamespaceRecord, PublishedTables, S3TablePublishing};
use crate::control::view::View;
use crate::model::{
    LogDestinationType, S3TableAction, S3TableGranularity, S3TablePublishStatus,
    UpdateNamespaceRequest, UpdateNamespaceResponse,
};
use std::collections::{BTreeMap, BTreeSet};

/// The keyword of `s3TableNames` for every current and future system table.
const ALL_TABLES: &str = "all";

/// What an UpdateNamespace request asks of S3 Tables publishing.
pub struct Change {
    action: S3TableAction,
    granularity: Option<S3TableGranularity>,
    /// `None`: every current and future system table.
    tables: Option<BTreeSet<String>>,
    kms_key_id: Option<String>,
}

/// Takes the S3 Tables members out of `req`: `Some` when it is an S3 Tables update (and
/// nothing else), `None` when it is an update of something else (and names no `s3Table*`
/// member). `logDestinationType: cloudwatch` is taken as the ordinary update it names.
pub fn take_change(req: &mut UpdateNamespaceRequest) -> ApiResult<Option<Change>> {
    let action = req.s3_table_action.take();
    let granularity = req.s3_table_granularity.take();
    let names = req.s3_table_names.take();
    let kms_key_id = req.s3_table_kms_key_id.take();
    let any_member =
        action.is_some() || granularity.is_some() || names.is_some() || kms_key_id.is_some();
    if req.log_destination_type.take() != Some(LogDestinationType::S3table) {
        if any_member {
            return Err(ApiError::validation(
                "s3TableAction, s3TableGranularity, s3TableNames and s3TableKmsKeyId are valid only when logDestinationType is s3table.",
            ));
        }
        return Ok(None);
    }
    let untouched = UpdateNamespaceRequest {
        namespace_name: req.namespace_name.clone(),
        ..UpdateNamespaceRequest::default()
    };
    if *req != untouched {
        return Err(ApiError::validation(
            "An S3 Tables log-publishing update (logDestinationType s3table) cannot be combined with any other namespace configuration change; submit it as its own request.",
        ));
    }
    let action = action.unwrap_or(S3TableAction::Enable);
    if action == S3TableAction::Enable && granularity.is_none() {
        return Err(ApiError::validation(
            "s3TableGranularity is required when enabling S3 Tables publishing.",
        ));
    }
    let names = names.unwrap_or_default();
    let tables = (!names.is_empty() && !names.iter().any(|n| n == ALL_TABLES))
        .then(|| names.into_iter().collect());
    Ok(Some(Change {
        action,
        granularity,
        tables,
        kms_key_id,
    }))
}

impl Change {
    /// The publishing that follows `current` once this change is made.
    fn applied_to(
        self,
        current: Option<&S3TablePublishing>,
    ) -> ApiResult<Option<S3TablePublishing>> {
        let tables = current.map(|c| &c.tables);
        if self.action == S3TableAction::Disable {
            let Some(current) = current else {
                // Nothing was ever published, so nothing is configured by stopping it.
                return Ok(None);
            };
            let tables = match (&current.tables, self.tables) {
                (_, None) => PublishedTables::Listed(BTreeSet::new()),
                (PublishedTables::Listed(published), Some(stop)) => {
                    PublishedTables::Listed(published - &stop)
                }
                (PublishedTables::All, Some(_)) => {
                    return Err(ApiError::validation(
                        "Every current and future system table is published; disable all of them (omit s3TableNames, or pass all) rather than some.",
                    ))
                }
            };
            return Ok(Some(S3TablePublishing {
                tables,
                ..current.clone()
            }));
        }
        let tables = match (tables, self.tables) {
            (Some(PublishedTables::All), _) | (_, None) => PublishedTables::All,
            (Some(PublishedTables::Listed(published)), Some(more)) => {
                PublishedTables::Listed(published | &more)
            }
            (None, Some(tables)) => PublishedTables::Listed(tables),
        };
        Ok(Some(S3TablePublishing {
            granularity: self.granularity.expect("checked by take_change"),
            tables,
            kms_key_id: self.kms_key_id,
        }))
    }
}

/// Emulates UpdateNamespace with `logDestinationType: s3table`: the namespace goes MODIFYING,
/// as for any update, and shows the new publishing status at once.
pub fn update(ctx: &mut Ctx, name: String, change: Change) -> ApiResult<UpdateNamespaceResponse> {
    let record = super::namespace::find(ctx.state, &name)?;
    let publishing = change.applied_to(record.s3_tables.as_ref())?;
    record
        .status
        .apply_requested(Event::Update, ResourceKind::Namespace, &name)?;
    record.s3_tables = publishing;
    let namespace = record.to_model();
    let id = record.id().to_string();
    ctx.settle_later(Target::Namespace { name, id });
    Ok(UpdateNamespaceResponse { namespace })
}

/// The `s3TablePublishStatus` of a namespace, when publishing was ever configured. The S3
/// table namespace is named after what the granularity scopes: the Redshift namespace's id, or
/// the account (S3 table namespaces take lowercase letters, digits and underscores).
pub fn status(record: &NamespaceRecord) -> Option<S3TablePublishStatus> {
    let publishing = record.s3_tables.as_ref()?;
    let scoped_to = match publishing.granularity {
        S3TableGranularity::Namespace => record.id(),
        S3TableGranularity::Account => account_of(record.view.namespace_arn.as_deref()),
    };
    let (enabled_all, tables) = match &publishing.tables {
        PublishedTables::All => (true, vec![ALL_TABLES.to_string()]),
        PublishedTables::Listed(tables) => (false, tables.iter().cloned().collect()),
    };
    Some(S3TablePublishStatus {
        enabled_all: Some(enabled_all),
        last_ingestion_times: Some(BTreeMap::new()),
        s3_table_granularity: Some(publishing.granularity),
        s3_table_namespace: Some(format!(
            "redshift_serverless_{}",
            scoped_to.replace('-', "_")
        )),
        s3_tables: Some(tables),
    })
}

/// The account of `arn:aws:redshift-serverless:<region>:<account>:namespace/<id>`.
fn account_of(arn: Option<&str>) -> &str {
    arn.and_then(|arn| arn.split(':').nth(4))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::lifecycle::Status;
    use crate::model::{Namespace, NamespaceStatus};

    fn record(s3_tables: Option<S3TablePublishing>) -> NamespaceRecord {
        NamespaceRecord {
            view: Namespace {
                namespace_arn: Some(
                    "arn:aws:redshift-serverless:us-east-1:123456789012:namespace/a-b".into(),
                ),
                ..Namespace::default()
            },
            status: Status::initial(NamespaceStatus::Available),
            admin_password: None,
            workgroup: None,
            idc_application_arn: None,
            lakehouse_idc_application_arn: None,
            s3_tables,
            restoring: false,
            settle_due: false,
        }
    }

    /// Journals and snapshots written before S3 Tables publishing existed still load.
    #[test]
    fn a_record_saved_without_publishing_loads_and_one_with_it_round_trips() {
        let mut old = serde_json::to_value(record(None)).unwrap();
        old.as_object_mut().unwrap().remove("s3_tables").unwrap();
        let loaded: NamespaceRecord = serde_json::from_value(old).unwrap();
        assert_eq!(loaded.s3_tables, None);
        assert_eq!(status(&loaded), None);

        let publishing = S3TablePublishing {
            granularity: S3TableGranularity::Account,
            tables: PublishedTables::Listed(["sys_query_history".to_string()].into()),
            kms_key_id: Some("k".into()),
        };
        let saved = serde_json::to_value(record(Some(publishing.clone()))).unwrap();
        let loaded: NamespaceRecord = serde_json::from_value(saved).unwrap();
        assert_eq!(loaded.s3_tables, Some(publishing));
        let shown = status(&loaded).unwrap();
        assert_eq!(
            shown.s3_table_namespace.as_deref(),
            Some("redshift_serverless_123456789012")
        );
    }
}
