//! The data plane: a PostgreSQL engine per namespace and a PostgreSQL-wire front per
//! workgroup endpoint. See ARCHITECTURE.md.

pub mod engine;
