//! The journal writer, snapshots, and recovery; see the module above for the format.

use super::{PersistError, FORMAT, VERSION};
use crate::control::store::{Durable, Entry, Journal, StateImage, Store};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use tokio::sync::oneshot;

const MAGIC: &[u8; 4] = b"RSLJ";
const HEADER_LEN: u64 = 8;
/// Entries after which the writer folds the journal into a new snapshot.
const COMPACT_EVERY: u64 = 50_000;
/// Frames larger than this are taken for corruption, not read into memory.
const MAX_FRAME: u32 = 256 * 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct Snapshot {
    format: String,
    version: u32,
    /// The last journal entry the state includes.
    seq: u64,
    state: StateImage,
}

#[derive(Serialize, Deserialize)]
struct Frame {
    seq: u64,
    entry: Entry,
}

enum Message {
    Append {
        frame: Vec<u8>,
        ack: oneshot::Sender<std::io::Result<()>>,
    },
    Stop,
}

/// The journal as the store sees it: numbers entries and hands them to the writer.
struct Handle {
    next_seq: Arc<AtomicU64>,
    sender: mpsc::Sender<Message>,
}

impl Journal for Handle {
    fn append(&self, entry: &Entry) -> Durable {
        // Called under the store's lock: numbering and sending here keep journal order equal
        // to the order the store made the changes in.
        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
        let (ack, done) = oneshot::channel();
        let frame = match serde_json::to_vec(&FrameRef { seq, entry }) {
            Ok(payload) => encode(&payload),
            Err(e) => {
                let _ = ack.send(Err(std::io::Error::other(e)));
                return Some(done);
            }
        };
        if self.sender.send(Message::Append { frame, ack }).is_err() {
            return None;
        }
        Some(done)
    }
}

#[derive(Serialize)]
struct FrameRef<'a> {
    seq: u64,
    entry: &'a Entry,
}

fn encode(payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 8);
    frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    frame.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    frame.extend_from_slice(payload);
    frame
}

/// A state directory in use: holds its lock and the writer thread.
pub struct Persistence {
    sender: mpsc::Sender<Message>,
    writer: Option<std::thread::JoinHandle<()>>,
    _lock: File,
}

impl Persistence {
    /// Takes the directory, rebuilds `store` from it, and journals every change from now on.
    pub fn open(dir: &Path, store: &Arc<Store>) -> Result<Persistence, PersistError> {
        fs::create_dir_all(dir).map_err(PersistError::io(dir))?;
        let lock_path = dir.join("LOCK");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(PersistError::io(&lock_path))?;
        if lock.try_lock().is_err() {
            return Err(PersistError::Locked(dir.to_path_buf()));
        }
        let snapshot_seq = load_snapshot(dir, store)?;
        let journal_path = dir.join("journal.log");
        let Recovered {
            file,
            last_seq,
            frames,
        } = recover_journal(&journal_path, snapshot_seq, store)?;
        let next_seq = Arc::new(AtomicU64::new(last_seq.max(snapshot_seq) + 1));
        let (sender, receiver) = mpsc::channel();
        let writer = Writer {
            dir: dir.to_path_buf(),
            file,
            store: store.clone(),
            next_seq: next_seq.clone(),
            since_snapshot: frames,
        };
        let writer = std::thread::Builder::new()
            .name("journal-writer".into())
            .spawn(move || writer.run(receiver))
            .map_err(PersistError::io(dir))?;
        store.attach_journal(Box::new(Handle {
            next_seq,
            sender: sender.clone(),
        }));
        Ok(Persistence {
            sender,
            writer: Some(writer),
            _lock: lock,
        })
    }

    /// Writes what is pending, folds the journal into a snapshot, and stops the writer.
    pub fn close(mut self) {
        let _ = self.sender.send(Message::Stop);
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

fn load_snapshot(dir: &Path, store: &Store) -> Result<u64, PersistError> {
    let path = dir.join("snapshot.json");
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(PersistError::io(&path)(e)),
    };
    let format_error = |message: String| PersistError::Format {
        path: path.clone(),
        message,
    };
    let snapshot: Snapshot = serde_json::from_slice(&bytes)
        .map_err(|e| format_error(format!("not a readable snapshot: {e}")))?;
    if snapshot.format != FORMAT || snapshot.version != VERSION {
        return Err(format_error(format!(
            "snapshot is {} version {}; this build reads {FORMAT} version {VERSION}",
            snapshot.format, snapshot.version
        )));
    }
    store.restore(snapshot.state);
    Ok(snapshot.seq)
}

/// Replays the journal's entries after `after`, cuts off a torn tail, and returns the file
/// positioned for appending with the last sequence number seen.
fn recover_journal(path: &Path, after: u64, store: &Store) -> Result<Recovered, PersistError> {
    let io = PersistError::io(path);
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(PersistError::io(path))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(PersistError::io(path))?;
    if bytes.is_empty() {
        write_header(&mut file).map_err(PersistError::io(path))?;
        return Ok(Recovered {
            file,
            last_seq: 0,
            frames: 0,
        });
    }
    if bytes.len() < HEADER_LEN as usize || &bytes[..4] != MAGIC {
        return Err(PersistError::Format {
            path: path.to_path_buf(),
            message: "not a journal (bad header)".into(),
        });
    }
    let version = u32::from_le_bytes(bytes[4..8].try_into().unwrap_or_default());
    if version != VERSION {
        return Err(PersistError::Format {
            path: path.to_path_buf(),
            message: format!("journal version {version}; this build reads version {VERSION}"),
        });
    }
    let mut offset = HEADER_LEN as usize;
    let mut last_seq = 0;
    let mut frames = 0;
    let mut replayed = 0;
    while let Some((frame, next)) = read_frame(&bytes, offset) {
        if frame.seq > after {
            store.replay(frame.entry);
            replayed += 1;
        }
        last_seq = frame.seq;
        frames += 1;
        offset = next;
    }
    if offset < bytes.len() {
        tracing::warn!(
            journal = %path.display(),
            offset,
            dropped_bytes = bytes.len() - offset,
            "the journal ends in a torn or corrupt entry (an interrupted write); it is dropped"
        );
        file.set_len(offset as u64)
            .map_err(PersistError::io(path))?;
        file.sync_all().map_err(PersistError::io(path))?;
    }
    file.seek(SeekFrom::End(0)).map_err(io)?;
    tracing::info!(journal = %path.display(), replayed, "state recovered");
    Ok(Recovered {
        file,
        last_seq,
        frames,
    })
}

struct Recovered {
    file: File,
    last_seq: u64,
    /// Frames in the journal, so that a clean stop folds even those into a snapshot.
    frames: u64,
}

/// The frame at `offset` and where the next one starts, if it is whole and intact.
fn read_frame(bytes: &[u8], offset: usize) -> Option<(Frame, usize)> {
    let header = bytes.get(offset..offset + 8)?;
    let len = u32::from_le_bytes(header[..4].try_into().ok()?);
    let crc = u32::from_le_bytes(header[4..].try_into().ok()?);
    if len > MAX_FRAME {
        return None;
    }
    let payload = bytes.get(offset + 8..offset + 8 + len as usize)?;
    if crc32fast::hash(payload) != crc {
        return None;
    }
    let frame = serde_json::from_slice(payload).ok()?;
    Some((frame, offset + 8 + len as usize))
}

fn write_header(file: &mut File) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(MAGIC)?;
    file.write_all(&VERSION.to_le_bytes())?;
    file.sync_all()
}

struct Writer {
    dir: PathBuf,
    file: File,
    store: Arc<Store>,
    next_seq: Arc<AtomicU64>,
    since_snapshot: u64,
}

impl Writer {
    fn run(mut self, receiver: mpsc::Receiver<Message>) {
        let mut stopping = false;
        while !stopping {
            let Ok(first) = receiver.recv() else { break };
            // Group commit: everything already queued shares this write and this sync.
            let mut batch = vec![first];
            batch.extend(receiver.try_iter());
            let mut acks = Vec::with_capacity(batch.len());
            let mut buffer = Vec::new();
            for message in batch {
                match message {
                    Message::Append { frame, ack } => {
                        buffer.extend_from_slice(&frame);
                        acks.push(ack);
                    }
                    Message::Stop => stopping = true,
                }
            }
            let written = self
                .file
                .write_all(&buffer)
                .and_then(|()| self.file.sync_data());
            self.since_snapshot += acks.len() as u64;
            for ack in acks {
                let result = match &written {
                    Ok(()) => Ok(()),
                    Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
                };
                let _ = ack.send(result);
            }
            if let Err(e) = written {
                tracing::error!(error = %e, "writing the journal failed");
            }
            if self.since_snapshot >= COMPACT_EVERY || (stopping && self.since_snapshot > 0) {
                self.compact();
            }
        }
    }

    /// Writes a snapshot of the store and empties the journal. The snapshot is taken under the
    /// store's lock together with the last sequence number handed out, so it holds exactly the
    /// entries up to that number; entries still queued behind it are written to the new
    /// journal and skipped on recovery, being in the snapshot already.
    fn compact(&mut self) {
        let (state, seq) = self
            .store
            .snapshot(|| self.next_seq.load(Ordering::SeqCst) - 1);
        let snapshot = Snapshot {
            format: FORMAT.into(),
            version: VERSION,
            seq,
            state,
        };
        match self
            .write_snapshot(&snapshot)
            .and_then(|()| write_header(&mut self.file))
        {
            Ok(()) => {
                self.since_snapshot = 0;
                tracing::debug!(seq, "journal folded into a snapshot");
            }
            Err(e) => tracing::error!(error = %e, "writing a snapshot failed; the journal is kept"),
        }
    }

    fn write_snapshot(&self, snapshot: &Snapshot) -> std::io::Result<()> {
        let tmp = self.dir.join("snapshot.json.tmp");
        let mut file = File::create(&tmp)?;
        serde_json::to_writer(&mut file, snapshot).map_err(std::io::Error::other)?;
        file.sync_all()?;
        fs::rename(&tmp, self.dir.join("snapshot.json"))?;
        File::open(&self.dir)?.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_damage_is_detected() {
        let payload = br#"{"seq":1,"entry":{"now":"2024-01-01T00:00:00Z","seed":5,"command":{"kind":"settle"}}}"#;
        let mut bytes = vec![0u8; HEADER_LEN as usize];
        bytes.extend(encode(payload));
        let (frame, next) = read_frame(&bytes, HEADER_LEN as usize).unwrap();
        assert_eq!((frame.seq, next), (1, bytes.len()));
        let mut torn = bytes.clone();
        torn.truncate(bytes.len() - 3);
        assert!(read_frame(&torn, HEADER_LEN as usize).is_none());
        let mut flipped = bytes;
        let last = flipped.len() - 2;
        flipped[last] ^= 0x40;
        assert!(read_frame(&flipped, HEADER_LEN as usize).is_none());
    }
}
