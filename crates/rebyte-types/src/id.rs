//! Id newtypes. Ids become URL path segments, so each refuses anything that is not a single
//! safe segment: an id read from user input can never reach another endpoint.

use std::fmt;

/// The longest id accepted. Ids are UUIDs in practice (36 characters).
const MAX_ID_LEN: usize = 128;

/// An id that is not a safe single path segment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} `{shown}`: {reason}")]
pub struct InvalidId {
    /// What was being read, such as `task id`.
    pub kind: &'static str,
    /// The value, cut short if it was long.
    pub shown: String,
    /// Why it was refused.
    pub reason: &'static str,
}

fn check(kind: &'static str, raw: &str) -> Result<(), InvalidId> {
    let refuse = |reason| InvalidId {
        kind,
        shown: raw.chars().take(40).collect(),
        reason,
    };
    if raw.is_empty() {
        return Err(refuse("it is empty"));
    }
    if raw.len() > MAX_ID_LEN {
        return Err(refuse("it is longer than 128 characters"));
    }
    if raw == "." || raw == ".." {
        return Err(refuse("it is a relative path segment"));
    }
    // The unreserved characters of RFC 3986: nothing here needs escaping in a path.
    if !raw
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
    {
        return Err(refuse(
            "only letters, digits and `-`, `_`, `.`, `~` are allowed",
        ));
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Checks that `raw` is a safe single path segment and wraps it.
            pub fn new(raw: impl Into<String>) -> Result<Self, InvalidId> {
                let raw = raw.into();
                check($kind, &raw)?;
                Ok(Self(raw))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(raw: &str) -> Result<Self, InvalidId> {
                Self::new(raw)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(raw: String) -> Result<Self, InvalidId> {
                Self::new(raw)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::new(raw).map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn inline_schema() -> bool {
                true
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string", "format": "id" })
            }
        }
    };
}

id_type!(
    /// The id of a task.
    TaskId,
    "task id"
);
id_type!(
    /// The id of a workspace: the VM, repository and git state a task runs in.
    WorkspaceId,
    "workspace id"
);
id_type!(
    /// The id of one prompt of a task.
    PromptId,
    "prompt id"
);
id_type!(
    /// The id of an uploaded file.
    FileId,
    "file id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_uuids() {
        let id = TaskId::new("550e8400-e29b-41d4-a716-446655440000").unwrap();
        assert_eq!(id.as_str(), "550e8400-e29b-41d4-a716-446655440000");
    }

    #[test]
    fn refuses_unsafe_segments() {
        for bad in [
            "", ".", "..", "a/b", "../tasks", "a?b=1", "a#b", "a b", "é", "a%2F",
        ] {
            assert!(TaskId::new(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(TaskId::new("x".repeat(129)).is_err());
    }

    #[test]
    fn error_names_the_kind_and_value() {
        let err = WorkspaceId::new("a/b").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid workspace id `a/b`: only letters, digits and `-`, `_`, `.`, `~` are allowed"
        );
    }

    #[test]
    fn decoding_refuses_unsafe_ids() {
        assert!(serde_json::from_str::<TaskId>(r#""../x""#).is_err());
        assert!(serde_json::from_str::<TaskId>(r#""abc""#).is_ok());
    }
}
