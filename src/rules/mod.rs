//! Check rules that have a file of their own, one per family: each a function from what the
//! plan is checked against to findings, called from `check`.

pub mod drift;
pub mod drills;
pub mod ignore;
pub mod manifest;
pub mod procedure;
pub mod releases;
pub mod sections;
pub mod teams;
pub mod text;
pub mod versions;
