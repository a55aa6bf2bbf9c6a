//! End-to-end tests: real temporary git repositories, the real binary.

mod harness;

mod baseline;
mod check;
mod diff;
mod docs;
mod hostile;
mod init_new_list;
mod publish;
mod review;
mod tags;
