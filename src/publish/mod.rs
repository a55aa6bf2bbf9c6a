//! `publish`, the pure part: stamping a plan's front matter as published and rendering the
//! static site (plans and manifests in, files out). The command in `commands::publish`
//! does the reading, the git questions and the writing.

pub mod html;
pub mod sanitize;
pub mod site;
pub mod stamp;

pub use site::{Entry, Origin, SiteFile, build};
pub use stamp::{Stamp, stamp, utc};
