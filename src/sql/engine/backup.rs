//! Captures: a namespace's cluster as it was at one moment, kept in content-addressed
//! storage and put back on demand.
//!
//! Under `<root>/captures`: `blobs/<2 hex>/<sha256>` holds each file's contents once for all
//! the captures that have it, `manifests/<capture>.json` lists one capture's directories and
//! files, and `staging/<capture>` is a capture being made. A capture of a running cluster is
//! `pg_basebackup`'s copy (one consistent point in time for every database, taken while
//! sessions go on), whose files are then moved into the blobs unless there already; a
//! capture that changed little costs little. A manifest is written last, atomically: a
//! capture exists once its manifest does. Everything here blocks: callers use
//! `spawn_blocking`.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::process::{self, EngineUser};

/// The manifests' format, so that a later one is not misread.
const FORMAT: u32 = 1;

/// One capture: what to put back, and what it was taken from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Manifest {
    pub format: u32,
    pub namespace_id: String,
    /// The data directory's subdirectories (relative path, mode), parents first. `None`: the
    /// namespace had no cluster yet, so putting it back starts the namespace clean.
    pub dirs: Option<Vec<(String, u32)>>,
    pub files: Vec<FileEntry>,
    pub total_bytes: u64,
    /// The engine's transaction snapshot when the capture began (`pg_current_snapshot()`),
    /// which tells a later capture whether anything was written since.
    pub engine_state: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct FileEntry {
    pub path: String,
    pub mode: u32,
    pub size: u64,
    pub blob: String,
}

impl Manifest {
    /// The capture of a namespace that has no cluster.
    pub fn pristine(namespace_id: &str) -> Manifest {
        Manifest {
            format: FORMAT,
            namespace_id: namespace_id.to_string(),
            dirs: None,
            files: Vec::new(),
            total_bytes: 0,
            engine_state: None,
        }
    }
}

/// The capture storage of one engine root.
pub(super) struct Captures {
    root: PathBuf,
    durable: bool,
}

fn valid_id(id: &str) -> io::Result<&str> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ok.then_some(id).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{id:?} is not a capture id"),
        )
    })
}

impl Captures {
    pub fn new(engine_root: &Path, durable: bool) -> Captures {
        Captures {
            root: engine_root.join("captures"),
            durable,
        }
    }

    fn manifests(&self) -> PathBuf {
        self.root.join("manifests")
    }

    fn blobs(&self) -> PathBuf {
        self.root.join("blobs")
    }

    fn blob(&self, hash: &str) -> PathBuf {
        self.blobs().join(&hash[..2]).join(hash)
    }

    /// Where a capture is made: an empty directory, for `pg_basebackup -D`.
    pub fn staging(&self, id: &str) -> io::Result<PathBuf> {
        let dir = self.root.join("staging").join(valid_id(id)?);
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        fs::create_dir_all(dir.parent().expect("under staging"))?;
        Ok(dir)
    }

    pub fn read(&self, id: &str) -> io::Result<Option<Manifest>> {
        let path = self.manifests().join(format!("{}.json", valid_id(id)?));
        match fs::read(&path) {
            Ok(bytes) => {
                let manifest: Manifest = serde_json::from_slice(&bytes)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                if manifest.format != FORMAT {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("{} is of format {}", path.display(), manifest.format),
                    ));
                }
                Ok(Some(manifest))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Records `manifest` as capture `id`: the capture exists from here on.
    pub fn write(&self, id: &str, manifest: &Manifest) -> io::Result<()> {
        let dir = self.manifests();
        fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{}.json", valid_id(id)?));
        let partial = dir.join(format!(".{id}.tmp"));
        let mut file = fs::File::create(&partial)?;
        file.write_all(&serde_json::to_vec(manifest).map_err(io::Error::other)?)?;
        if self.durable {
            file.sync_all()?;
        }
        fs::rename(&partial, &path)?;
        if self.durable {
            fs::File::open(&dir)?.sync_all()?;
        }
        Ok(())
    }

    /// Moves the files of a finished `pg_basebackup` in `staging` into the blobs, and returns
    /// the manifest and the bytes new to the storage. `staging` is removed.
    pub fn ingest(
        &self,
        staging: &Path,
        namespace_id: &str,
        engine_state: Option<String>,
    ) -> io::Result<(Manifest, u64)> {
        let mut manifest = Manifest {
            dirs: Some(Vec::new()),
            engine_state,
            ..Manifest::pristine(namespace_id)
        };
        let mut new_bytes = 0;
        let mut pending = vec![PathBuf::new()];
        while let Some(relative) = pending.pop() {
            let mut entries: Vec<_> =
                fs::read_dir(staging.join(&relative))?.collect::<io::Result<_>>()?;
            entries.sort_by_key(|e| e.file_name());
            for entry in entries {
                let path = relative.join(entry.file_name());
                let meta = entry.metadata()?;
                let mode = meta.permissions().mode() & 0o7777;
                let shown = path.to_string_lossy().into_owned();
                if meta.is_dir() {
                    manifest
                        .dirs
                        .get_or_insert_with(Vec::new)
                        .push((shown, mode));
                    pending.push(path);
                } else if meta.is_file() {
                    let source = entry.path();
                    let hash = hash_file(&source)?;
                    let blob = self.blob(&hash);
                    if blob.exists() {
                        fs::remove_file(&source)?;
                    } else {
                        fs::create_dir_all(blob.parent().expect("under blobs"))?;
                        if self.durable {
                            fs::File::open(&source)?.sync_all()?;
                        }
                        fs::rename(&source, &blob)?;
                        new_bytes += meta.len();
                    }
                    manifest.total_bytes += meta.len();
                    manifest.files.push(FileEntry {
                        path: shown,
                        mode,
                        size: meta.len(),
                        blob: hash,
                    });
                }
                // pg_basebackup's plain format makes no symlinks without tablespaces, which
                // the engine's clusters never have.
            }
        }
        fs::remove_dir_all(staging)?;
        Ok((manifest, new_bytes))
    }

    /// Makes `target` (absent) a data directory holding what `manifest` captured, owned by
    /// `user`, mode 0700.
    pub fn materialize(
        &self,
        manifest: &Manifest,
        target: &Path,
        user: Option<&EngineUser>,
    ) -> io::Result<()> {
        fs::DirBuilder::new().mode(0o700).create(target)?;
        process::give(target, user)?;
        for (dir, mode) in manifest.dirs.iter().flatten() {
            let path = target.join(dir);
            fs::DirBuilder::new().mode(*mode).create(&path)?;
            fs::set_permissions(&path, fs::Permissions::from_mode(*mode))?;
            process::give(&path, user)?;
        }
        for file in &manifest.files {
            let path = target.join(&file.path);
            fs::copy(self.blob(&file.blob), &path)?;
            fs::set_permissions(&path, fs::Permissions::from_mode(file.mode))?;
            process::give(&path, user)?;
        }
        Ok(())
    }

    /// Removes every capture not in `live`, then every blob no remaining capture holds, and
    /// any staging left by a capture that did not finish. Returns the bytes freed.
    pub fn collect(&self, live: &HashSet<String>) -> io::Result<u64> {
        let mut held = HashSet::new();
        let mut freed = 0;
        let manifests = match fs::read_dir(self.manifests()) {
            Ok(entries) => entries.collect::<io::Result<Vec<_>>>()?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        for entry in manifests {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".json") else {
                continue;
            };
            if !live.contains(id) {
                fs::remove_file(entry.path())?;
                continue;
            }
            if let Some(manifest) = self.read(id)? {
                held.extend(manifest.files.into_iter().map(|f| f.blob));
            }
        }
        if let Ok(prefixes) = fs::read_dir(self.blobs()) {
            for prefix in prefixes {
                let prefix = prefix?;
                for blob in fs::read_dir(prefix.path())? {
                    let blob = blob?;
                    let name = blob.file_name().to_string_lossy().into_owned();
                    if !held.contains(&name) {
                        freed += blob.metadata().map(|m| m.len()).unwrap_or(0);
                        fs::remove_file(blob.path())?;
                    }
                }
            }
        }
        if let Ok(staged) = fs::read_dir(self.root.join("staging")) {
            for entry in staged.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if !live.contains(&name) {
                    let _ = fs::remove_dir_all(entry.path());
                }
            }
        }
        Ok(freed)
    }
}

fn hash_file(path: &Path) -> io::Result<String> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(root: &Path, files: &[(&str, &[u8])]) {
        for (path, contents) in files {
            let path = root.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, contents).unwrap();
        }
    }

    #[test]
    fn a_capture_round_trips_and_shares_what_did_not_change() {
        let dir = tempfile::tempdir().unwrap();
        let captures = Captures::new(dir.path(), false);
        let one = captures.staging("one").unwrap();
        tree(&one, &[("base/1/100", b"table"), ("PG_VERSION", b"15\n")]);
        let (first, new) = captures.ingest(&one, "ns", None).unwrap();
        assert_eq!(new, 8);
        captures.write("one", &first).unwrap();
        let two = captures.staging("two").unwrap();
        tree(&two, &[("base/1/100", b"table"), ("PG_VERSION", b"16\n")]);
        let (second, new) = captures.ingest(&two, "ns", None).unwrap();
        assert_eq!(new, 3, "only the changed file is new");
        captures.write("two", &second).unwrap();

        let back = dir.path().join("back");
        let manifest = captures.read("one").unwrap().unwrap();
        captures.materialize(&manifest, &back, None).unwrap();
        assert_eq!(fs::read(back.join("base/1/100")).unwrap(), b"table");
        assert_eq!(fs::read(back.join("PG_VERSION")).unwrap(), b"15\n");

        let freed = captures
            .collect(&HashSet::from(["two".to_string()]))
            .unwrap();
        assert_eq!(freed, 3, "the blob only the first capture held");
        assert!(captures.read("one").unwrap().is_none());
        assert!(captures.read("two").unwrap().is_some());
    }

    #[test]
    fn ids_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let captures = Captures::new(dir.path(), false);
        assert!(captures.read("../etc").is_err());
        assert!(captures.staging("").is_err());
    }
}
