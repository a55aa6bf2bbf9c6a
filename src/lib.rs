//! backout keeps release backout (rollback) plans as code in a git repository: it forks
//! last release's plan, checks a plan against its release manifest, reviews plan changes
//! in pull requests, makes sure every release tag has a plan, and publishes plans as pages.
//!
//! The library does the work and returns values; the `backout` binary parses arguments,
//! renders results and maps them to exit codes.

#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod baseline;
pub mod cache;
pub mod check;
pub mod clock;
pub mod commands;
pub mod complete;
pub mod config;
pub mod corpus;
pub mod derive;
pub mod diag;
pub mod diff;
pub mod drill;
pub mod duration;
pub mod error;
pub mod export;
pub mod fields;
pub mod import;
pub mod links;
pub mod manifest;
pub mod markdown;
pub mod names;
pub mod plan;
pub mod publish;
pub mod repo;
pub mod review;
pub mod rules;
pub mod schema;
pub mod sections;
pub mod store;
pub mod tags;
pub mod teardown;
pub mod tokens;
pub mod version;
pub mod vocab;
pub mod workspace;

pub use error::{Error, Result};
