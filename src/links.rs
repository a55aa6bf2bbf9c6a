//! Where the project and its documentation live online. Messages send users there, never
//! to a path of this repository: `docs/format.md` does not exist in *their* repository.
//! The address is written once, here; a move of the project is one edit.

/// The project's address, as a literal (for `concat!` in attributes).
#[macro_export]
macro_rules! project_url {
    () => {
        "https://github.com/backout-dev/backout"
    };
}

/// The address of a page of the documentation, as a literal: `docs_url!("format.md")`.
#[macro_export]
macro_rules! docs_url {
    ($page:literal) => {
        concat!($crate::project_url!(), "/blob/main/docs/", $page)
    };
}

/// The project's address.
pub const PROJECT_URL: &str = project_url!();

/// The address of a page (and anchor) of the documentation, such as `rules.md#untested`.
pub fn docs(page: &str) -> String {
    format!("{PROJECT_URL}/blob/main/docs/{page}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_give_the_same_address() {
        assert_eq!(docs("format.md"), docs_url!("format.md"));
        assert!(docs("rules.md#untested").starts_with("https://"));
    }
}
