//! COPY from and UNLOAD to Amazon S3, run by the emulator on the client's own engine session.
//!
//! Objects live in a local directory (`s3://bucket/key` is `<dir>/bucket/key`) or in an
//! S3-compatible service (`--s3-endpoint`, path-style), both behind `object_store`'s one
//! interface. `command` reads the statement; `load` streams objects into the engine's
//! `COPY ... FROM STDIN` (rows converted and checked as they pass); `unload` streams the
//! engine's `COPY (query) TO STDOUT` into objects; `session` is the small protocol driver
//! both use on whichever session the statement came on (the wire front's or the Data API's).

pub mod command;
pub mod load;
pub mod parquet;
pub mod session;
pub mod unload;
pub mod values;

use command::Credentials;
use futures_util::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::AsyncBufRead;

/// Where S3 objects are.
#[derive(Clone, Debug)]
pub struct S3Config {
    /// `--s3-dir`: `s3://bucket/key` is `dir/bucket/key` (when no endpoint is given).
    pub dir: PathBuf,
    /// `--s3-endpoint`: an S3-compatible service, addressed path-style.
    pub endpoint: Option<String>,
    /// The region of a statement that names none.
    pub default_region: String,
}

/// A statement's failure, as Redshift words it to the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobError {
    pub code: String,
    pub message: String,
}

impl JobError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> JobError {
        JobError {
            code: code.into(),
            message: message.into(),
        }
    }

    /// An error of S3 (or the directory standing in for it).
    pub fn s3(message: impl std::fmt::Display) -> JobError {
        JobError::new("XX000", format!("S3ServiceException:{message}"))
    }
}

impl From<session::EngineFailure> for JobError {
    fn from(e: session::EngineFailure) -> JobError {
        JobError::new(e.code, e.message)
    }
}

/// An `s3://bucket/key` URL's parts.
pub fn parse_url(url: &str) -> Result<(&str, &str), JobError> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| JobError::new("XX000", format!("invalid S3 URL '{url}'")))?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(JobError::new(
            "XX000",
            format!("invalid S3 URL '{url}': no bucket"),
        ));
    }
    Ok((bucket, key))
}

/// The object stores of one statement: one per bucket, made with its credentials.
pub struct Buckets<'a> {
    config: &'a S3Config,
    credentials: &'a Credentials,
    region: Option<&'a str>,
    made: Vec<(String, Arc<dyn ObjectStore>)>,
}

impl<'a> Buckets<'a> {
    pub fn new(
        config: &'a S3Config,
        credentials: &'a Credentials,
        region: Option<&'a str>,
    ) -> Buckets<'a> {
        Buckets {
            config,
            credentials,
            region,
            made: Vec::new(),
        }
    }

    /// The store of `bucket`; `writing` makes a local bucket's directory if it has none.
    pub fn store(&mut self, bucket: &str, writing: bool) -> Result<Arc<dyn ObjectStore>, JobError> {
        if let Some((_, store)) = self.made.iter().find(|(b, _)| b == bucket) {
            return Ok(store.clone());
        }
        let store = self.make(bucket, writing)?;
        self.made.push((bucket.to_string(), store.clone()));
        Ok(store)
    }

    fn make(&self, bucket: &str, writing: bool) -> Result<Arc<dyn ObjectStore>, JobError> {
        if bucket.contains(['/', '\\']) || bucket == "." || bucket == ".." {
            return Err(JobError::s3(format!(
                "The specified bucket is not valid: {bucket}"
            )));
        }
        let Some(endpoint) = &self.config.endpoint else {
            let dir = self.config.dir.join(bucket);
            if writing {
                std::fs::create_dir_all(&dir).map_err(JobError::s3)?;
            }
            if !dir.is_dir() {
                return Err(JobError::s3("The specified bucket does not exist"));
            }
            let store = object_store::local::LocalFileSystem::new_with_prefix(&dir)
                .map_err(JobError::s3)?
                .with_automatic_cleanup(true);
            return Ok(Arc::new(store));
        };
        let c = self.credentials;
        let mut builder = match c.access_key_id.is_some() {
            true => object_store::aws::AmazonS3Builder::new(),
            // IAM_ROLE: the emulator's own environment stands in for the role.
            false => object_store::aws::AmazonS3Builder::from_env(),
        };
        builder = builder
            .with_endpoint(endpoint)
            .with_bucket_name(bucket)
            .with_region(self.region.unwrap_or(&self.config.default_region))
            .with_virtual_hosted_style_request(false)
            .with_allow_http(true);
        if let Some(key) = &c.access_key_id {
            builder = builder.with_access_key_id(key);
        }
        if let Some(secret) = &c.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        if let Some(token) = &c.session_token {
            builder = builder.with_token(token);
        }
        Ok(Arc::new(builder.build().map_err(JobError::s3)?))
    }

    /// The keys under `prefix` in `bucket`, in key order, with their sizes.
    pub async fn list(
        &mut self,
        bucket: &str,
        prefix: &str,
    ) -> Result<Vec<(String, u64)>, JobError> {
        let store = self.store(bucket, false)?;
        let parent = prefix.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("");
        let listed: Vec<_> = store
            .list(
                (!parent.is_empty())
                    .then(|| ObjectPath::from(parent))
                    .as_ref(),
            )
            .try_collect()
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => {
                    JobError::s3(format!("The specified S3 prefix '{prefix}' does not exist"))
                }
                e => JobError::s3(e),
            })?;
        let mut keys: Vec<(String, u64)> = listed
            .into_iter()
            .map(|m| (m.location.to_string(), m.size))
            .filter(|(k, _)| k.starts_with(prefix) && !k.ends_with('/'))
            .collect();
        keys.sort();
        Ok(keys)
    }

    /// A reader of one object's bytes, as they arrive.
    pub async fn open(
        &mut self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<impl AsyncBufRead + Unpin + Send + use<>>, JobError> {
        let store = self.store(bucket, false)?;
        match store.get(&ObjectPath::from(key)).await {
            Ok(got) => {
                let stream = got.into_stream().map_err(std::io::Error::other);
                Ok(Some(tokio_util::io::StreamReader::new(stream)))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(JobError::s3(e)),
        }
    }
}

/// A reader of `input` through `compression`'s decoder.
pub fn decompressed<R>(
    input: R,
    compression: command::Compression,
) -> Box<dyn AsyncBufRead + Unpin + Send>
where
    R: AsyncBufRead + Unpin + Send + 'static,
{
    use async_compression::tokio::bufread::{BzDecoder, GzipDecoder, ZstdDecoder};
    use command::Compression;
    use tokio::io::BufReader;
    const BUFFER: usize = 64 * 1024;
    match compression {
        Compression::None => Box::new(BufReader::with_capacity(BUFFER, input)),
        Compression::Gzip => {
            let mut decoder = GzipDecoder::new(input);
            decoder.multiple_members(true);
            Box::new(BufReader::with_capacity(BUFFER, decoder))
        }
        Compression::Bzip2 => Box::new(BufReader::with_capacity(BUFFER, BzDecoder::new(input))),
        Compression::Zstd => Box::new(BufReader::with_capacity(BUFFER, ZstdDecoder::new(input))),
    }
}

/// What a statement needs besides its session: where objects are, who runs it, and how to
/// reach the engine apart from the session (load errors are written on their own connection,
/// so they outlive the statement's rollback).
pub struct Context<'a> {
    pub config: &'a S3Config,
    pub lease: &'a crate::sql::engine::Lease,
    pub database: &'a str,
    pub user: &'a str,
    /// The session's engine key: its process id is Redshift's session id, and with it the
    /// session's query is cancelled.
    pub key: crate::sql::wire::BackendKey,
}

/// How a statement ended well: the notices Redshift sends (INFO), its command tag, and the
/// rows it counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done {
    pub notices: Vec<String>,
    pub tag: String,
    pub rows: u64,
}

/// Runs `command` on `session`.
pub async fn run<S>(
    command: &command::Command,
    session: &mut session::Session<S>,
    context: &Context<'_>,
) -> Result<Done, JobError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send,
{
    let outcome = match command {
        command::Command::Copy(copy) => load::run(copy, session, context).await,
        command::Command::Unload(unload) => unload::run(unload, session, context).await,
    };
    // A statement that fails inside a transaction block fails the block, as the engine's own
    // do, even when it failed before the engine saw anything of it.
    if outcome.is_err() && session.status() == b'T' {
        let _ = session
            .query("DO $$BEGIN RAISE EXCEPTION 'the COPY or UNLOAD failed'; END$$")
            .await;
    }
    outcome
}
