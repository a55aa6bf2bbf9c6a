//! End-to-end tests: real temporary git repositories, the real binary.

mod harness;

mod baseline;
mod check;
mod diff;
mod docs;
mod drill;
mod export;
mod first_week;
mod hostile;
mod import;
mod init_new_list;
mod manifest;
mod publish;
mod review;
mod sections;
mod tags;
