//! Check rules that have a file of their own, one per family: each a function from what the
//! plan is checked against to findings.

pub mod drift;
pub mod drills;
