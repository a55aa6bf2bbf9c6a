//! End-to-end tests: real temporary git repositories, the real binary.

mod harness;

mod baseline;
mod cache;
mod check;
mod completions;
mod diff;
mod docs;
mod drill;
mod export;
mod first_week;
mod formats;
mod fresh_eyes;
mod gates;
mod hostile;
mod import;
mod init_new_list;
mod man;
mod manifest;
mod new_user;
mod paths;
mod publish;
mod review;
mod review_ci;
mod schema;
mod sections;
mod tags;
mod teams;
pub mod workflows;
