//! What snapshots, recovery points and restores ask of the data plane, and what it reports
//! back: free of I/O like the rest of `control`.
//!
//! A handler that needs data captured or put back records a [`Work`] item in its partition
//! (`Ctx::ask`), in the order it was asked; the data plane takes the items it has not seen
//! (`Store::data_work`), does them (a namespace's items one after another, in order), and
//! reports each [`Outcome`] (`Store::report`), which is journaled like a request, so a
//! replay rebuilds the same statuses without capturing anything again. A snapshot is
//! AVAILABLE, and a restored namespace AVAILABLE again, only once both its transition delay
//! has passed and its data is reported done. Without a data plane no work is asked for and
//! the statuses follow the clock alone.

use serde::{Deserialize, Serialize};

/// The data a snapshot or a recovery point holds. Several records may share one capture (a
/// snapshot converted from a recovery point holds the recovery point's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Capture {
    /// Names the captured data among the data plane's files.
    pub id: String,
    /// The namespace captured: its cluster.
    pub namespace_id: String,
    /// What the data plane reported once the data was captured.
    pub taken: Option<Taken>,
}

impl Capture {
    pub fn is_pending(&self) -> bool {
        self.taken.is_none()
    }
}

/// A finished capture, as the data plane measured it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Taken {
    /// The size of every database captured.
    pub total_bytes: u64,
    /// What it added to the storage (less than the total when it shares files with others).
    pub new_bytes: u64,
    pub elapsed_ms: u64,
}

impl Taken {
    pub fn total_mb(&self) -> f64 {
        mb(self.total_bytes)
    }

    pub fn new_mb(&self) -> f64 {
        mb(self.new_bytes)
    }

    /// Megabytes per second, as the snapshot's `currentBackupRateInMegaBytesPerSecond`.
    pub fn rate_mb_per_s(&self) -> f64 {
        self.total_mb() / (self.elapsed_ms.max(1) as f64 / 1000.0)
    }
}

/// Bytes as megabytes, to two decimals.
pub fn mb(bytes: u64) -> f64 {
    (bytes as f64 / 1_048_576.0 * 100.0).round() / 100.0
}

/// A request for the data plane.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Work {
    /// Capture every database of a namespace as `capture`.
    #[serde(rename_all = "camelCase")]
    Capture {
        capture: String,
        namespace_id: String,
        db_name: String,
    },
    /// Replace a namespace's databases with what `capture` holds; its sessions end.
    #[serde(rename_all = "camelCase")]
    Restore {
        namespace: String,
        namespace_id: String,
        /// The namespace's database name after the restore.
        db_name: String,
        capture: String,
    },
    /// Copy one table out of `capture` into the namespace.
    #[serde(rename_all = "camelCase")]
    RestoreTable {
        /// The table restore request's id.
        request: String,
        namespace_id: String,
        db_name: String,
        capture: String,
        table: TableCopy,
    },
}

impl Work {
    /// The namespace whose cluster the work is done on.
    pub fn namespace_id(&self) -> &str {
        match self {
            Work::Capture { namespace_id, .. }
            | Work::Restore { namespace_id, .. }
            | Work::RestoreTable { namespace_id, .. } => namespace_id,
        }
    }

    /// The capture the work reads or writes.
    pub fn capture(&self) -> &str {
        match self {
            Work::Capture { capture, .. }
            | Work::Restore { capture, .. }
            | Work::RestoreTable { capture, .. } => capture,
        }
    }
}

/// Which table a table restore copies, and where to. Names are as given; without
/// `case_sensitive` they are folded to lower case, as Redshift folds identifiers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableCopy {
    pub source_database: String,
    pub source_schema: String,
    pub source_table: String,
    pub target_database: String,
    pub target_schema: String,
    pub new_table: String,
    pub case_sensitive: bool,
}

/// What the data plane reports of a [`Work`] item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Outcome {
    /// The capture is done (sizes zero when there was no engine to capture from).
    Captured { taken: Taken },
    /// The capture could not be made, and why.
    CaptureFailed { reason: String },
    /// The namespace's databases are those of the capture now.
    Restored,
    /// A table restore began copying `total_bytes` (the item stays open).
    TableStarted { total_bytes: u64 },
    /// A table restore finished.
    TableRestored { bytes: u64 },
    /// A table restore failed, and why.
    TableFailed { reason: String },
}

impl Outcome {
    /// Whether the work item is done with this report.
    pub fn is_final(&self) -> bool {
        !matches!(self, Outcome::TableStarted { .. })
    }
}
