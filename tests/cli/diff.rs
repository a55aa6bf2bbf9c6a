//! `backout diff`.
