//! How a client error becomes an exit code and one line on stderr.

use rebyte_client::Error;

use crate::exit::{CliError, Exit};

/// The exit code and message for a client error.
pub fn from_client(err: Error) -> CliError {
    let exit = match &err {
        Error::Config(_) => Exit::Config,
        Error::Validation(_) | Error::InvalidId(_) | Error::Io { .. } => Exit::Usage,
        Error::WaitTimeout { .. } => Exit::WaitTimeout,
        _ => Exit::Api,
    };
    let message = match &err {
        Error::Validation(inner) => inner.to_string(),
        Error::Api {
            status: 401,
            message,
            code,
            ..
        } => format!(
            "the API answered 401 {code}: {message} (check REBYTE_API_KEY; keys at https://app.rebyte.ai/settings/api-keys)"
        ),
        Error::WaitTimeout { .. } => format!("{err}; the task keeps running"),
        _ => err.to_string(),
    };
    CliError::new(exit, message)
}

impl From<Error> for CliError {
    fn from(err: Error) -> Self {
        from_client(err)
    }
}

impl From<rebyte_types::ValidationError> for CliError {
    fn from(err: rebyte_types::ValidationError) -> Self {
        CliError::usage(err.to_string())
    }
}

impl From<rebyte_types::InvalidId> for CliError {
    fn from(err: rebyte_types::InvalidId) -> Self {
        CliError::usage(err.to_string())
    }
}
