//! Durable state under `--state-dir`: a snapshot of the whole state plus a write-ahead journal
//! of the entries made since. Only this module knows the on-disk format, which is versioned.
//!
//! Every change the store makes is appended to the journal, in order, by one writer thread;
//! a request is answered only once its entry is on disk. Entries that arrive together share
//! one `fdatasync` (group commit). Every so many entries the writer folds the journal into a
//! new snapshot (written to a temporary file, synced, renamed, directory synced) and empties
//! the journal. On start, the snapshot is loaded and the journal replayed; a torn or corrupt
//! tail (a crash mid-write) is detected by its length and checksum, logged and cut off.
//!
//! Layout of the directory:
//! - `LOCK`: held with an exclusive lock while a server uses the directory;
//! - `snapshot.json`: `{"format", "version", "seq", "state"}`;
//! - `journal.log`: the magic `RSLJ`, a little-endian `u32` version, then frames of
//!   `u32 length | u32 crc32 | JSON {"seq", "entry"}`.

mod journal;

pub use journal::Persistence;

use std::path::PathBuf;

pub const FORMAT: &str = "redshift-serverless-local/state";
pub const VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("another redshift-serverless-local is already using the state directory {0}")]
    Locked(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
}

impl PersistError {
    fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> PersistError + '_ {
        move |source| PersistError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
