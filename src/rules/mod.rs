//! Check rules, one file per family: each a function from a plan and what it is checked
//! against to findings. `check` calls them.

pub mod drills;
