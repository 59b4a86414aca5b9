//! The macro behind every forward-compatible string enum of the wire model.

/// Declares a string enum whose unknown wire values decode into `Unknown(String)` and
/// re-encode unchanged. The list of known values is written once, here, and serves serde,
/// `FromStr`, `Display` and the JSON Schema alike.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $kind:literal
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, kept as it was received.
            Unknown(String),
        }

        impl $name {
            /// Every value this version knows, in documentation order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];
            /// The wire spelling of every known value, in documentation order.
            pub const KNOWN_WIRE: &'static [&'static str] = &[$($wire),+];

            /// The wire spelling of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(raw) => raw.as_str(),
                }
            }

            /// Decodes any wire value: a known one into its variant, anything else into
            /// [`Self::Unknown`]. Never fails; use `str::parse` to refuse unknown values.
            pub fn from_wire(raw: &str) -> Self {
                match raw {
                    $( $wire => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }

            /// Whether this is a value this version knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::enums::UnknownValue;

            /// Parses a known value only; user input with a typo is an error, not a new value.
            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                match Self::from_wire(raw) {
                    $name::Unknown(_) => Err($crate::enums::UnknownValue {
                        kind: $kind,
                        value: raw.to_owned(),
                        expected: Self::KNOWN_WIRE,
                    }),
                    known => Ok(known),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    $( $name::$variant => f.write_str(stringify!($variant)), )+
                    $name::Unknown(raw) => f.debug_tuple("Unknown").field(raw).finish(),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok(Self::from_wire(&raw))
            }
        }

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "enum": Self::KNOWN_WIRE,
                })
            }
        }
    };
}
