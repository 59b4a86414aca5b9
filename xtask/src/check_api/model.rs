//! The model description: the endpoints, types, error codes and event types that
//! `rebyte-types` defines, as plain data so tests can build a deliberately different one.

use rebyte_types::{ErrorCode, EventType, catalog, schema};
use serde_json::Value;

/// Decodes a JSON document into a type and encodes it again.
pub type RoundTrip = fn(&str) -> Result<Value, String>;

/// One endpoint, as the endpoint table documents it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The operation's name, the row's key.
    pub operation: String,
    /// The HTTP method, such as `POST`.
    pub method: String,
    /// The path with its `/v1`.
    pub path: String,
    /// The success status.
    pub success: u16,
    /// Whether the request may be repeated.
    pub retry_safe: bool,
    /// The request type's name, if any.
    pub request: Option<String>,
    /// The response type's name, if any.
    pub response: Option<String>,
}

/// One field of an object type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The JSON name.
    pub name: String,
    /// The type as the docs write it, such as `timestamp or null`.
    pub ty: String,
    /// Whether the field must be present.
    pub required: bool,
}

/// What a documented type is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A JSON object with these fields.
    Object(Vec<Field>),
    /// A string enum with these known values.
    Enum(Vec<String>),
}

/// A documented type.
#[derive(Debug, Clone)]
pub struct Type {
    /// Its name, as the section heading writes it.
    pub name: String,
    /// Its fields or values.
    pub shape: Shape,
    /// Round-trips an example through the type.
    pub round_trip: RoundTrip,
}

/// Everything check-api compares the docs with.
#[derive(Debug, Clone)]
pub struct Model {
    /// The endpoints, in catalog order.
    pub endpoints: Vec<Endpoint>,
    /// The documented types.
    pub types: Vec<Type>,
    /// Each error code with its HTTP status.
    pub error_codes: Vec<(String, u16)>,
    /// Each event type with the name of its payload type.
    pub event_types: Vec<(String, String)>,
}

impl Model {
    /// The model that `rebyte-types` defines. Fails on a schema shape this tool cannot
    /// describe, so a new kind of type is noticed rather than compared wrongly.
    pub fn from_rebyte_types() -> Result<Model, String> {
        let types = schema::documented_types()
            .iter()
            .map(|t| describe(t.name, &Value::from((t.schema)()), t.round_trip))
            .collect::<Result<_, _>>()?;
        Ok(Model {
            endpoints: catalog::ALL.iter().map(endpoint).collect(),
            types,
            error_codes: error_codes()?,
            event_types: event_types()?,
        })
    }

    /// The type named `name`.
    pub fn find_type(&self, name: &str) -> Option<&Type> {
        self.types.iter().find(|t| t.name == name)
    }
}

fn endpoint(e: &catalog::Endpoint) -> Endpoint {
    Endpoint {
        operation: e.operation.to_owned(),
        method: e.method.as_str().to_owned(),
        path: e.path.to_owned(),
        success: e.success,
        retry_safe: e.retry_safe,
        request: e.request.map(str::to_owned),
        response: e.response.map(str::to_owned),
    }
}

fn error_codes() -> Result<Vec<(String, u16)>, String> {
    ErrorCode::KNOWN
        .iter()
        .map(|code| {
            let status = code
                .http_status()
                .ok_or_else(|| format!("error code `{code}` has no HTTP status"))?;
            Ok((code.to_string(), status))
        })
        .collect()
}

fn event_types() -> Result<Vec<(String, String)>, String> {
    EventType::KNOWN
        .iter()
        .map(|event| {
            let payload = event
                .payload_type()
                .ok_or_else(|| format!("event type `{event}` has no payload type"))?;
            Ok((event.to_string(), payload.to_owned()))
        })
        .collect()
}

/// Describes one type from its JSON Schema.
fn describe(name: &str, schema: &Value, round_trip: RoundTrip) -> Result<Type, String> {
    let shape = if let Some(values) = schema.get("enum") {
        Shape::Enum(
            enum_values(values)
                .ok_or_else(|| format!("`{name}`: enum values are not all strings"))?,
        )
    } else if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        let required = string_list(schema.get("required"));
        let fields = properties
            .iter()
            .map(|(field, property)| {
                Ok(Field {
                    name: field.clone(),
                    ty: type_string(property).map_err(|e| format!("`{name}.{field}`: {e}"))?,
                    required: required.contains(&field.as_str()),
                })
            })
            .collect::<Result<_, String>>()?;
        Shape::Object(fields)
    } else {
        return Err(format!(
            "`{name}`: schema is neither an object nor an enum: {schema}"
        ));
    };
    Ok(Type {
        name: name.to_owned(),
        shape,
        round_trip,
    })
}

fn enum_values(values: &Value) -> Option<Vec<String>> {
    values
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn string_list(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |items| {
            items.iter().filter_map(Value::as_str).collect()
        })
}

/// The type of a property as the docs write it: `string`, `id`, `Task[]`, `X or null`, …
pub fn type_string(schema: &Value) -> Result<String, String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return Ok(reference.rsplit('/').next().unwrap_or(reference).to_owned());
    }
    if let Some(any_of) = schema.get("anyOf").and_then(Value::as_array) {
        return nullable_any_of(any_of);
    }
    match schema.get("type") {
        None => Ok("any".to_owned()),
        Some(Value::String(ty)) => base_type(ty, schema),
        Some(Value::Array(types)) => {
            let types: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            match types.as_slice() {
                [ty, "null"] | ["null", ty] => Ok(format!("{} or null", base_type(ty, schema)?)),
                _ => Err(format!("unsupported type list {types:?}")),
            }
        }
        Some(other) => Err(format!("unsupported type {other}")),
    }
}

/// `anyOf [X, {"type": "null"}]`, the way schemars writes an optional `$ref`.
fn nullable_any_of(any_of: &[Value]) -> Result<String, String> {
    let is_null = |s: &Value| s.get("type").and_then(Value::as_str) == Some("null");
    match any_of {
        [x, null] | [null, x] if is_null(null) && !is_null(x) => {
            Ok(format!("{} or null", type_string(x)?))
        }
        _ => Err(format!(
            "unsupported anyOf {}",
            Value::from(any_of.to_vec())
        )),
    }
}

fn base_type(ty: &str, schema: &Value) -> Result<String, String> {
    let format = schema.get("format").and_then(Value::as_str);
    Ok(match (ty, format) {
        ("string", Some("id")) => "id".to_owned(),
        ("string", Some("date-time")) => "timestamp".to_owned(),
        ("string" | "integer" | "number" | "boolean", _) => ty.to_owned(),
        ("array", _) => {
            let items = schema.get("items").ok_or("array without items")?;
            format!("{}[]", type_string(items)?)
        }
        _ => return Err(format!("unsupported type `{ty}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schemas_become_doc_type_strings() {
        let cases = [
            (json!({"type": "string"}), "string"),
            (json!({"type": "string", "format": "id"}), "id"),
            (
                json!({"type": ["string", "null"], "format": "date-time"}),
                "timestamp or null",
            ),
            (json!({"type": "integer", "format": "uint32"}), "integer"),
            (json!({"type": "number"}), "number"),
            (json!({"type": "boolean"}), "boolean"),
            (
                json!({"type": "array", "items": {"$ref": "#/$defs/FileRef"}}),
                "FileRef[]",
            ),
            (
                json!({"anyOf": [{"$ref": "#/$defs/Executor"}, {"type": "null"}]}),
                "Executor or null",
            ),
            (json!({"description": "anything", "default": null}), "any"),
        ];
        for (schema, expected) in cases {
            assert_eq!(type_string(&schema).as_deref(), Ok(expected), "{schema}");
        }
    }

    #[test]
    fn unknown_schema_shapes_are_refused() {
        assert!(type_string(&json!({"type": "object"})).is_err());
        assert!(type_string(&json!({"oneOf": [], "type": ["string", "integer"]})).is_err());
    }

    #[test]
    fn the_real_model_describes_every_documented_type() {
        let model = Model::from_rebyte_types().expect("rebyte-types schemas are supported");
        assert_eq!(model.types.len(), schema::documented_types().len());
        let Some(Shape::Object(fields)) = model.find_type("CreateTaskRequest").map(|t| &t.shape)
        else {
            panic!("CreateTaskRequest is an object");
        };
        let workspace = fields
            .iter()
            .find(|f| f.name == "workspaceId")
            .expect("field exists");
        assert_eq!(
            (workspace.ty.as_str(), workspace.required),
            ("id or null", false)
        );
    }
}
