//! Placeholder with the engine's interface; the real supervisor replaces it.
#![allow(dead_code, unused_variables)]
use std::path::{Path, PathBuf};

pub struct EngineConfig {
    pub bin_dir: Option<PathBuf>,
    pub root: PathBuf,
    pub durable: bool,
    pub temporary: bool,
    pub idle: std::time::Duration,
    pub template_cache: Option<PathBuf>,
}

#[derive(Clone)]
pub struct Engines;

#[derive(serde::Serialize)]
pub struct EngineStatus {}

pub struct ClusterSpec {
    pub id: String,
    pub db_name: String,
}

pub struct Lease {
    socket: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Unavailable(String),
}

impl Engines {
    pub fn new(config: EngineConfig) -> Engines {
        Engines
    }
    pub fn status(&self) -> EngineStatus {
        EngineStatus {}
    }
    pub fn unavailable(&self) -> Option<String> {
        None
    }
    pub async fn open(&self, spec: &ClusterSpec) -> Result<Lease, EngineError> {
        todo!()
    }
    pub async fn remove(&self, id: &str) {}
    pub fn cluster_ids(&self) -> Vec<String> {
        vec![]
    }
    pub async fn shutdown(&self) {}
}

impl Lease {
    pub fn socket(&self) -> &Path {
        &self.socket
    }
    pub async fn connect(&self) -> std::io::Result<tokio::net::UnixStream> {
        todo!()
    }
    pub async fn admin(&self, database: &str) -> Result<tokio_postgres::Client, EngineError> {
        todo!()
    }
}
