//! Snapshots of a namespace's databases: [`Engines::capture`] (while sessions go on),
//! [`Engines::restore`] (the cluster replaced by a capture, its sessions ended),
//! [`Engines::restore_table`] (one table copied out of a capture) and
//! [`Engines::collect_captures`] (storage no snapshot holds any more, freed). The files are
//! `backup::Captures`'.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use super::admin::{self, quote_ident, SUPERUSER};
use super::backup::Manifest;
use super::cluster::blocking;
use super::process::{self, Postmaster, PORT};
use super::{ClusterSpec, EngineError, Engines};
use crate::control::backup::TableCopy;

/// A finished capture, measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Captured {
    pub total_bytes: u64,
    /// What the capture added to the storage.
    pub new_bytes: u64,
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> EngineError {
    let what = what.into();
    move |e| EngineError::Io(what, e)
}

impl Engines {
    /// Captures every database of the namespace of `spec` as `capture`, at one point in time,
    /// while its sessions go on. A capture already made (before a restart) is not made again;
    /// a namespace unchanged since its last capture shares that one's files.
    pub async fn capture(
        &self,
        spec: &ClusterSpec,
        capture: &str,
    ) -> Result<Captured, EngineError> {
        let shared = &self.shared;
        let engine = shared.engine()?;
        let _held = shared.capturing.read().await;
        let captures = shared.captures.clone();
        let id = capture.to_string();
        if let Some(done) =
            blocking(move || captures.read(&id).map_err(io("read a capture"))).await?
        {
            return Ok(Captured {
                total_bytes: done.total_bytes,
                new_bytes: 0,
            });
        }
        let cluster = shared.cluster(&spec.id)?;
        if !cluster.dir.exists().await {
            return self.record(capture, Manifest::pristine(&spec.id), 0).await;
        }
        let lease = self.open(spec).await?;
        let state: String = lease
            .admin("template1")
            .await?
            .query_one("select pg_current_snapshot()::text", &[])
            .await?
            .get(0);
        let previous = shared.last_capture(&spec.id, &state);
        if let Some(previous) = previous {
            let captures = shared.captures.clone();
            let found = blocking(move || captures.read(&previous).map_err(io("read a capture")));
            if let Some(unchanged) = found.await? {
                shared.set_last_capture(&spec.id, &state, capture);
                return self.record(capture, unchanged, 0).await;
            }
        }
        let captures = shared.captures.clone();
        let id = capture.to_string();
        let staging = blocking(move || {
            captures
                .staging(&id)
                .map_err(io("make a staging directory"))
        })
        .await?;
        let mut backup = process::command(&engine.bins.tool("pg_basebackup"), None);
        backup
            .arg("-D")
            .arg(&staging)
            .arg("-h")
            .arg(lease.socket_dir())
            .args(["-p", &PORT.to_string(), "-U", SUPERUSER])
            .args(["-X", "fetch", "-c", "fast", "--no-manifest"]);
        if !shared.config.durable {
            backup.arg("--no-sync");
        }
        process::run(backup, "pg_basebackup").await?;
        drop(lease);
        let captures = shared.captures.clone();
        let namespace = spec.id.clone();
        let engine_state = Some(state.clone());
        let (manifest, new_bytes) = blocking(move || {
            captures
                .ingest(&staging, &namespace, engine_state)
                .map_err(io("store a capture"))
        })
        .await?;
        let captured = self.record(capture, manifest, new_bytes).await?;
        shared.set_last_capture(&spec.id, &state, capture);
        Ok(captured)
    }

    async fn record(
        &self,
        capture: &str,
        manifest: Manifest,
        new_bytes: u64,
    ) -> Result<Captured, EngineError> {
        let captures = self.shared.captures.clone();
        let id = capture.to_string();
        let total_bytes = manifest.total_bytes;
        blocking(move || {
            captures
                .write(&id, &manifest)
                .map_err(io("record a capture"))
        })
        .await?;
        Ok(Captured {
            total_bytes,
            new_bytes,
        })
    }

    /// Replaces the databases of the namespace of `spec` with what `capture` holds: its
    /// postmaster is stopped (ending its sessions; new ones wait), the data directory swapped,
    /// and the next session starts it on the restored data.
    pub async fn restore(&self, spec: &ClusterSpec, capture: &str) -> Result<(), EngineError> {
        let shared = &self.shared;
        let engine = shared.engine()?;
        let _held = shared.capturing.read().await;
        let manifest = self.manifest(capture).await?;
        let cluster = shared.cluster(&spec.id)?;
        let mut slot = cluster.slot.lock().await;
        if let Some(postmaster) = slot.take() {
            postmaster.stop().await;
            shared.running.fetch_sub(1, Ordering::SeqCst);
        }
        let (root, dir, user) = (
            shared.config.root.clone(),
            cluster.dir.0.clone(),
            engine.user.clone(),
        );
        let (captures, durable, db_name) = (
            shared.captures.clone(),
            shared.config.durable,
            spec.db_name.clone(),
        );
        blocking(move || {
            let user = user.as_ref();
            if manifest.dirs.is_none() {
                return match std::fs::remove_dir_all(&dir) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        Err(io(format!("remove {}", dir.display()))(e))
                    }
                    _ => Ok(()),
                };
            }
            super::prepare_root(&root, user)?;
            process::private_dir(&dir, user).map_err(io(format!("create {}", dir.display())))?;
            let (data, building, old) =
                (dir.join("data"), dir.join("data.tmp"), dir.join("data.old"));
            for leftover in [&building, &old] {
                if leftover.exists() {
                    std::fs::remove_dir_all(leftover)
                        .map_err(io(format!("remove {}", leftover.display())))?;
                }
            }
            captures
                .materialize(&manifest, &building, user)
                .map_err(io(format!("restore into {}", building.display())))?;
            if durable {
                super::cluster::sync_filesystem(&building)
                    .map_err(io(format!("sync {}", building.display())))?;
            }
            if data.exists() {
                std::fs::rename(&data, &old).map_err(io(format!("move {}", data.display())))?;
            }
            std::fs::rename(&building, &data)
                .map_err(io(format!("rename into {}", data.display())))?;
            let _ = std::fs::remove_dir_all(&old);
            // The restored databases are named already: no first-start renaming.
            std::fs::write(dir.join("bootstrapped"), db_name)
                .map_err(io(format!("write {}", dir.display())))
        })
        .await?;
        shared.forget_last_capture(&spec.id);
        drop(slot);
        Ok(())
    }

    async fn manifest(&self, capture: &str) -> Result<Manifest, EngineError> {
        let captures = self.shared.captures.clone();
        let id = capture.to_string();
        blocking(move || captures.read(&id).map_err(io("read a capture")))
            .await?
            .ok_or_else(|| EngineError::Start(format!("capture {capture} is not in the storage")))
    }

    /// Copies one table out of `capture` into the namespace of `spec`, with its column
    /// definitions and rows: the capture is started on its own, the table renamed there to
    /// where it goes, dumped and restored by the engine's tools. `Ok` holds the table's size;
    /// `Err` why the restore failed, as the request's status tells it.
    pub async fn restore_table(
        &self,
        spec: &ClusterSpec,
        capture: &str,
        request: &str,
        table: &TableCopy,
    ) -> Result<u64, String> {
        let shared = &self.shared;
        let engine = shared.engine().map_err(|e| e.to_string())?;
        let _held = shared.capturing.read().await;
        let manifest = self.manifest(capture).await.map_err(|e| e.to_string())?;
        let names = Names::of(table);
        if manifest.dirs.is_none() {
            return Err(names.missing_source());
        }
        let scratch = shared
            .config
            .root
            .join("scratch")
            .join(format!("table-restore-{request}"));
        let (captures, user, dir) = (
            shared.captures.clone(),
            engine.user.clone(),
            scratch.clone(),
        );
        blocking(move || {
            if dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(io(format!("remove {}", dir.display())))?;
            }
            std::fs::create_dir_all(&dir).map_err(io(format!("create {}", dir.display())))?;
            if let Some(user) = &user {
                process::check_reachable(&dir.join("data"), user).map_err(EngineError::Start)?;
            }
            captures
                .materialize(&manifest, &dir.join("data"), user.as_ref())
                .map_err(io("restore a capture"))
        })
        .await
        .map_err(|e| e.to_string())?;
        let copied = async {
            let source = Postmaster::start(
                &engine.bins,
                engine.user.as_ref(),
                &scratch.join("data"),
                false,
                "table-restore",
            )
            .await
            .map_err(|e| e.to_string())?;
            let copied = self.copy_table(spec, &source, &scratch, &names).await;
            source.stop().await;
            copied
        }
        .await;
        let _ = tokio::fs::remove_dir_all(&scratch).await;
        copied
    }

    async fn copy_table(
        &self,
        spec: &ClusterSpec,
        source: &Postmaster,
        scratch: &Path,
        names: &Names,
    ) -> Result<u64, String> {
        let engine = self.shared.engine().map_err(|e| e.to_string())?;
        let failed = |e: EngineError| e.to_string();
        let sql = |e: tokio_postgres::Error| EngineError::from(e).to_string();
        let from = admin::connect(source.socket_dir(), &names.source_database)
            .await
            .map_err(|_| names.missing_source())?;
        let owner: Option<String> = from
            .query_opt(
                "select pg_get_userbyid(c.relowner) from pg_class c \
                 join pg_namespace n on n.oid = c.relnamespace \
                 where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'p')",
                &[&names.source_schema, &names.source_table],
            )
            .await
            .map_err(sql)?
            .map(|row| row.get(0));
        let Some(owner) = owner else {
            return Err(names.missing_source());
        };
        let lease = self.open(spec).await.map_err(failed)?;
        let to = lease
            .admin(&names.target_database)
            .await
            .map_err(|_| format!("Target database {} does not exist.", names.target_database))?;
        let exists = to
            .query_opt(
                "select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace \
                 where n.nspname = $1 and c.relname = $2",
                &[&names.target_schema, &names.new_table],
            )
            .await
            .map_err(sql)?
            .is_some();
        if exists {
            return Err(format!(
                "Table {}.{} already exists in database {}.",
                names.target_schema, names.new_table, names.target_database
            ));
        }
        // The source is a throwaway copy: the table is moved there to where it goes, so the
        // dump names it as it will be named; its indexes and sequences take the new table's
        // name first, so they do not meet the original's beside it.
        let (schema, table) = (
            quote_ident(&names.target_schema),
            quote_ident(&names.new_table),
        );
        let source_schema = quote_ident(&names.source_schema);
        let renamed = literal(&format!("{source_schema}.{table}"));
        let moved = format!(
            "alter table {source_schema}.{} rename to {table}; \
             do $$ declare r record; begin \
               for r in select c.oid::regclass::text as name, c.relname, c.relkind from pg_class c \
                 where c.oid in (select indexrelid from pg_index \
                                 where indrelid = {renamed}::regclass) \
                    or (c.relkind = 'S' and c.oid in (select objid from pg_depend \
                        where refobjid = {renamed}::regclass \
                          and classid = 'pg_class'::regclass and deptype in ('a', 'i'))) \
               loop \
                 execute format('alter %s %s rename to %I', \
                   case r.relkind when 'S' then 'sequence' else 'index' end, r.name, \
                   left({new_literal} || '_' || r.relname, 63)); \
               end loop; end $$; \
             create schema if not exists {schema}; \
             alter table {source_schema}.{table} set schema {schema};",
            quote_ident(&names.source_table),
            new_literal = literal(&names.new_table),
        );
        from.batch_execute(&moved).await.map_err(sql)?;
        drop(from);
        let dump = scratch.join("table.dump");
        let mut dumping = client_tool(
            engine,
            "pg_dump",
            source.socket_dir(),
            &names.source_database,
        );
        dumping
            .args(["-Fc", "--no-owner", "--no-privileges", "-t"])
            .arg(format!("{schema}.{table}"))
            .arg("-f")
            .arg(&dump);
        process::run(dumping, "pg_dump").await.map_err(failed)?;
        to.batch_execute(&format!("create schema if not exists {schema}"))
            .await
            .map_err(sql)?;
        let mut restoring = client_tool(
            engine,
            "pg_restore",
            lease.socket_dir(),
            &names.target_database,
        );
        restoring
            .args([
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
            ])
            .arg(&dump);
        process::run(restoring, "pg_restore")
            .await
            .map_err(failed)?;
        // The owner it had, when that role is here (it is, in the namespace it came from).
        let _ = to
            .batch_execute(&format!(
                "do $$ begin if exists (select 1 from pg_roles where rolname = {owner_literal}) then \
                 alter table {schema}.{table} owner to {owner_ident}; end if; end $$",
                owner_literal = literal(&owner),
                owner_ident = quote_ident(&owner),
            ))
            .await;
        let size: i64 = to
            .query_one(
                "select pg_total_relation_size(format('%I.%I', $1::text, $2::text)::regclass)",
                &[&names.target_schema, &names.new_table],
            )
            .await
            .map_err(sql)?
            .get(0);
        Ok(size.max(0) as u64)
    }

    /// Frees the storage of every capture not in `live`. Waits for captures in progress.
    pub async fn collect_captures(&self, live: HashSet<String>) {
        let _alone = self.shared.capturing.write().await;
        let captures = self.shared.captures.clone();
        match blocking(move || captures.collect(&live).map_err(io("free captures"))).await {
            Ok(0) => {}
            Ok(freed) => tracing::debug!(target: "engine", freed, "capture storage freed"),
            Err(e) => tracing::warn!(target: "engine", "freeing capture storage failed: {e}"),
        }
    }

    /// Where captures are kept, for measuring them.
    pub fn captures_dir(&self) -> PathBuf {
        self.shared.config.root.join("captures")
    }
}

/// One of the engine's client tools, connected as the superuser to `database` of the
/// engine listening in `socket_dir`.
fn client_tool(
    engine: &super::Engine,
    tool: &str,
    socket_dir: &Path,
    database: &str,
) -> tokio::process::Command {
    let mut command = process::command(&engine.bins.tool(tool), None);
    command.arg("-h").arg(socket_dir).args([
        "-p",
        &PORT.to_string(),
        "-U",
        SUPERUSER,
        "-d",
        database,
    ]);
    command
}

/// A table restore's names, folded to lower case unless case-sensitive.
struct Names {
    source_database: String,
    source_schema: String,
    source_table: String,
    target_database: String,
    target_schema: String,
    new_table: String,
}

impl Names {
    fn of(table: &TableCopy) -> Names {
        let fold = |name: &str| match table.case_sensitive {
            true => name.to_string(),
            false => name.to_lowercase(),
        };
        Names {
            source_database: fold(&table.source_database),
            source_schema: fold(&table.source_schema),
            source_table: fold(&table.source_table),
            target_database: fold(&table.target_database),
            target_schema: fold(&table.target_schema),
            new_table: fold(&table.new_table),
        }
    }

    fn missing_source(&self) -> String {
        format!(
            "Source table {}.{} does not exist in database {} of the snapshot.",
            self.source_schema, self.source_table, self.source_database
        )
    }
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
