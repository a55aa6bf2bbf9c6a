//! Check rules, one file per family: each a function from a plan's context to findings,
//! called from `check`.

pub mod ignore;
pub mod manifest;
pub mod procedure;
pub mod releases;
pub mod teams;
pub mod versions;
