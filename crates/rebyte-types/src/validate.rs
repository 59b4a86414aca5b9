//! Checks of the limits the service documents, run before a request is sent.

/// The longest prompt accepted, in characters.
pub const MAX_PROMPT_CHARS: usize = 100_000;
/// The longest file name accepted, in characters.
pub const MAX_FILENAME_CHARS: usize = 255;
/// The largest page of the task list.
pub const MAX_LIST_LIMIT: u32 = 100;
/// The page size the service uses when none is given.
pub const DEFAULT_LIST_LIMIT: u32 = 50;

/// A request that breaks a documented limit. Names the field (as its JSON path) and says
/// what is wrong; the request was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{field}`: {message}")]
pub struct ValidationError {
    /// The JSON path of the field at fault, such as `prompt` or `files[1].filename`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl ValidationError {
    /// A validation error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A request that can be checked against the documented limits before it is sent.
pub trait Validate {
    /// Checks every documented limit; the first field at fault is reported.
    fn validate(&self) -> Result<(), ValidationError>;
}

/// A prompt: present, not blank, at most [`MAX_PROMPT_CHARS`] characters.
pub(crate) fn prompt(field: &str, text: &str) -> Result<(), ValidationError> {
    if text.trim().is_empty() {
        return Err(ValidationError::new(field, "the prompt is empty"));
    }
    let chars = text.chars().count();
    if chars > MAX_PROMPT_CHARS {
        return Err(ValidationError::new(
            field,
            format!("the prompt has {chars} characters; at most {MAX_PROMPT_CHARS} are allowed"),
        ));
    }
    Ok(())
}

/// A file name: present, at most [`MAX_FILENAME_CHARS`] characters, a name and not a path.
pub(crate) fn filename(field: &str, name: &str) -> Result<(), ValidationError> {
    if name.trim().is_empty() {
        return Err(ValidationError::new(field, "the file name is empty"));
    }
    let chars = name.chars().count();
    if chars > MAX_FILENAME_CHARS {
        return Err(ValidationError::new(
            field,
            format!(
                "the file name has {chars} characters; at most {MAX_FILENAME_CHARS} are allowed"
            ),
        ));
    }
    if name.contains(['/', '\\']) || name.chars().any(char::is_control) {
        return Err(ValidationError::new(
            field,
            "a file name cannot hold a path separator or a control character",
        ));
    }
    Ok(())
}

/// A list of skill slugs: none of them blank.
pub(crate) fn skills(field: &str, skills: &[String]) -> Result<(), ValidationError> {
    match skills.iter().position(|s| s.trim().is_empty()) {
        Some(i) => Err(ValidationError::new(
            format!("{field}[{i}]"),
            "a skill slug is empty",
        )),
        None => Ok(()),
    }
}

/// An optional text field that, when present, is not blank.
pub(crate) fn not_blank(field: &str, value: Option<&str>) -> Result<(), ValidationError> {
    match value {
        Some(v) if v.trim().is_empty() => Err(ValidationError::new(field, "it is empty")),
        _ => Ok(()),
    }
}
