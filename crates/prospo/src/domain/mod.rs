//! The pure part of Prospo: validated values parsed once at the edge, slot computation, and the
//! meeting's lifecycle. Nothing here touches the database, the network or the clock.

pub mod accounts;
pub mod lifecycle;
pub mod profile;
pub mod questions;
pub mod slots;
pub mod teams;
pub(crate) mod text_forms;
