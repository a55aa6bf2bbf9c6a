//! Check rules, one file per family: each a function from what a plan is checked against
//! to findings. `check` calls them.

pub mod text;
