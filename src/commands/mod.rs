//! The commands: each takes a workspace and its options and returns a value for the
//! binary to render. None of them prints or exits.

pub mod baseline;
pub mod check;
pub mod diff;
pub mod drill;
pub mod export;
pub mod import;
pub mod init;
pub mod list;
pub mod manifest;
pub mod new;
pub mod publish;
pub mod review;
pub mod tags;
