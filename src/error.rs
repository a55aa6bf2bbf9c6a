//! Why backout could not do its job: bad usage, bad config, not a repository, unreadable
//! input it needed, refusal to overwrite. Every variant renders as one sentence naming the
//! file (and line) and the fix; the binary maps every error to exit code 2.

use std::io;
use std::path::PathBuf;

/// The result of every fallible library call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A complete sentence that already names the file and the fix.
    #[error("{0}")]
    Message(String),

    /// Several sentences, one per line (every mistake in backout.toml, say).
    #[error("{}", .0.join("\n"))]
    Lines(Vec<String>),

    /// A problem at a place in a file the command needed.
    #[error("{file}:{line}:{column}: {message}")]
    At {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },

    /// The file system refused.
    #[error("cannot {action} {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// libgit2 refused.
    #[error("{context}")]
    Git {
        context: String,
        #[source]
        source: git2::Error,
    },
}

impl Error {
    pub fn msg(message: impl Into<String>) -> Self {
        Error::Message(message.into())
    }

    /// The sentences of the error's own message: one per line for [`Error::Lines`], else
    /// one. Each must be shown on a line of its own, its hazards escaped.
    pub fn sentences(&self) -> Vec<String> {
        match self {
            Error::Lines(lines) => lines.clone(),
            other => vec![other.to_string()],
        }
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub fn git(context: impl Into<String>, source: git2::Error) -> Self {
        Error::Git {
            context: context.into(),
            source,
        }
    }
}

impl From<crate::diag::Finding> for Error {
    /// A finding in input a command cannot do without becomes the reason it stops.
    fn from(finding: crate::diag::Finding) -> Self {
        let message = match finding.help {
            Some(help) => format!("{}; {help}", finding.message),
            None => finding.message,
        };
        Error::At {
            file: finding.file,
            line: finding.line,
            column: finding.column,
            message,
        }
    }
}
