//! End-to-end tests: real temporary git repositories, the real binary.

mod harness;

mod check;
mod init_new_list;
mod publish;
