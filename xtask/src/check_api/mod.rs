//! `cargo xtask check-api`: proves that `docs/api.md` and `rebyte-types` describe the same API.
//!
//! The docs are parsed as Markdown ([`markdown`]), the model is read from the endpoint catalog
//! and the types' JSON Schemas ([`model`]), and [`compare::check`] lists every disagreement
//! with the line of the docs it is on.

pub mod compare;
pub mod markdown;
pub mod model;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

pub use compare::check;
pub use model::Model;

/// The docs file, as findings name it.
pub const DOC_PATH: &str = "docs/api.md";

/// One disagreement between the docs and the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The 1-based line of `docs/api.md` it is reported on.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{DOC_PATH}:{}: {}", self.line, self.message)
    }
}

/// The docs file in this checkout.
fn doc_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(DOC_PATH)
}

/// Runs the check on this checkout and prints the findings, or a summary when there are none.
pub fn run(args: &[String]) -> ExitCode {
    if !args.is_empty() {
        eprintln!("usage: cargo xtask check-api (takes no arguments)");
        return ExitCode::from(2);
    }
    let path = doc_file();
    let doc = match std::fs::read_to_string(&path) {
        Ok(doc) => doc,
        Err(e) => {
            eprintln!("check-api: cannot read {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let model = match Model::from_rebyte_types() {
        Ok(model) => model,
        Err(e) => {
            eprintln!("check-api: cannot describe rebyte-types: {e}");
            return ExitCode::FAILURE;
        }
    };
    let findings = check(&doc, &model);
    if findings.is_empty() {
        let examples = markdown::parse(&doc).examples.len();
        println!(
            "check-api: {DOC_PATH} agrees with rebyte-types ({} endpoints, {} types, {examples} examples)",
            model.endpoints.len(),
            model.types.len()
        );
        return ExitCode::SUCCESS;
    }
    for finding in &findings {
        eprintln!("{finding}");
    }
    eprintln!(
        "check-api: {} disagreement(s) between {DOC_PATH} and rebyte-types",
        findings.len()
    );
    ExitCode::FAILURE
}
