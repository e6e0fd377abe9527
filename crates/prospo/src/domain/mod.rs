//! Validated values, parsed once at the edge so that handlers and the store see only good ones.

pub mod accounts;
pub mod slots;
