//! The emulator's brain, free of HTTP: the state store, the clock, lifecycles, errors and one
//! module of handlers per resource family. `server` reaches it only through [`ops::execute`]
//! and the [`store::Store`] admin methods.

pub mod backup;
pub mod clock;
pub mod dataplane;
pub mod error;
pub mod lifecycle;
pub mod ops;
pub mod pagination;
pub mod rng;
pub mod schedule;
pub mod store;
pub mod view;
