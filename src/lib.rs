//! redshift-serverless-local: a local, AWS-compatible Amazon Redshift Serverless.
//! See ARCHITECTURE.md for the map.

pub mod cli;
pub mod control;
pub mod dataapi;
pub mod model;
pub mod net;
pub mod persist;
pub mod server;
pub mod sql;
