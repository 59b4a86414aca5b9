//! Compares the parsed docs with the model and lists every disagreement.

use std::collections::HashSet;

use serde_json::Value;

use super::Finding;
use super::markdown::{self, Doc, Row, Table};
use super::model::{Endpoint, Field, Model, Shape, Type};

/// Every place where `doc` (the text of `docs/api.md`) and `model` disagree, by line.
pub fn check(doc: &str, model: &Model) -> Vec<Finding> {
    let doc = markdown::parse(doc);
    let mut out = Findings::default();
    check_endpoints(&doc, model, &mut out);
    check_sections(&doc, model, &mut out);
    check_error_codes(&doc, model, &mut out);
    check_event_types(&doc, model, &mut out);
    check_examples(&doc, model, &mut out);
    let mut findings = out.0;
    // Stable: findings on one line keep the order they were found in.
    findings.sort_by_key(|f| f.line);
    findings
}

#[derive(Default)]
struct Findings(Vec<Finding>);

impl Findings {
    fn add(&mut self, line: usize, message: String) {
        self.0.push(Finding { line, message });
    }
}

/// An item of the model that a table row names by its first cell.
trait Keyed {
    fn key(&self) -> &str;
}

impl Keyed for Endpoint {
    fn key(&self) -> &str {
        &self.operation
    }
}

impl Keyed for Field {
    fn key(&self) -> &str {
        &self.name
    }
}

impl Keyed for String {
    fn key(&self) -> &str {
        self
    }
}

impl<V> Keyed for (String, V) {
    fn key(&self) -> &str {
        &self.0
    }
}

/// The rows of `table` paired with the model's items by key; unpaired ones are reported.
struct Matched<'a, T> {
    pairs: Vec<(&'a Row, &'a T)>,
    extra: Vec<&'a Row>,
    missing: Vec<&'a T>,
}

fn match_rows<'a, T: Keyed>(
    table: &'a Table,
    items: &'a [T],
    what: &str,
    out: &mut Findings,
) -> Matched<'a, T> {
    let mut seen = HashSet::new();
    let mut matched = Matched {
        pairs: Vec::new(),
        extra: Vec::new(),
        missing: Vec::new(),
    };
    for row in &table.rows {
        if !seen.insert(row.key()) {
            out.add(row.line, format!("{what} `{}` is listed twice", row.key()));
        } else if let Some(item) = items.iter().find(|i| i.key() == row.key()) {
            matched.pairs.push((row, item));
        } else {
            matched.extra.push(row);
        }
    }
    matched.missing = items.iter().filter(|i| !seen.contains(i.key())).collect();
    matched
}

/// Reports unpaired rows and items as extra and missing.
fn report_unmatched<T: Keyed>(
    matched: &Matched<'_, T>,
    table: &Table,
    what: &str,
    out: &mut Findings,
) {
    for row in &matched.extra {
        out.add(
            row.line,
            format!("{what} `{}` is not in the model", row.key()),
        );
    }
    for item in &matched.missing {
        out.add(table.line, format!("{what} `{}` is missing", item.key()));
    }
}

/// Compares one column of each paired row with what the model says.
fn compare_column<T>(
    table: &Table,
    pairs: &[(&Row, &T)],
    column: &str,
    expected: impl Fn(&T) -> String,
    subject: impl Fn(&Row) -> String,
    out: &mut Findings,
) {
    let Some(index) = table.column(column) else {
        out.add(table.line, format!("the table has no `{column}` column"));
        return;
    };
    for (row, item) in pairs {
        let want = expected(item);
        if row.cell(index) != want {
            let got = row.cell(index);
            out.add(
                row.line,
                format!(
                    "{}: {column} `{got}` documented but the model has `{want}`",
                    subject(row)
                ),
            );
        }
    }
}

fn tables_of_kind<'a>(doc: &'a Doc, kind: &'a str) -> impl Iterator<Item = &'a Table> {
    doc.tables.iter().filter(move |t| t.kind() == kind)
}

fn yes_no(flag: bool) -> String {
    if flag { "yes" } else { "no" }.to_owned()
}

fn name_or_dash(name: &Option<String>) -> String {
    name.clone().unwrap_or_else(|| "-".to_owned())
}

/// Reads one column's expected text off an endpoint.
type EndpointColumn = fn(&Endpoint) -> String;

fn check_endpoints(doc: &Doc, model: &Model, out: &mut Findings) {
    let mut tables = tables_of_kind(doc, "operation");
    let Some(table) = tables.next() else {
        out.add(
            1,
            "no endpoint table (a table whose first column is `operation`)".to_owned(),
        );
        return;
    };
    for other in tables {
        out.add(other.line, "a second endpoint table".to_owned());
    }
    let matched = match_rows(table, &model.endpoints, "endpoint", out);
    report_unmatched(&matched, table, "endpoint", out);
    let subject = |row: &Row| format!("endpoint `{}`", row.key());
    let columns: [(&str, EndpointColumn); 6] = [
        ("method", |e| e.method.clone()),
        ("path", |e| e.path.clone()),
        ("success", |e| e.success.to_string()),
        ("retry-safe", |e| yes_no(e.retry_safe)),
        ("request", |e| name_or_dash(&e.request)),
        ("response", |e| name_or_dash(&e.response)),
    ];
    for (column, expected) in columns {
        compare_column(table, &matched.pairs, column, expected, subject, out);
    }
}

/// Checks that every type has exactly one section and that each section's table agrees.
fn check_sections(doc: &Doc, model: &Model, out: &mut Findings) {
    let mut seen = HashSet::new();
    for (index, section) in doc.sections.iter().enumerate() {
        let Some(ty) = model.find_type(&section.name) else {
            out.add(
                section.line,
                format!(
                    "section `{}` is not a documented type of the model",
                    section.name
                ),
            );
            continue;
        };
        if !seen.insert(ty.name.as_str()) {
            out.add(section.line, format!("`{}` has a second section", ty.name));
            continue;
        }
        let tables: Vec<&Table> = doc
            .tables
            .iter()
            .filter(|t| t.section == Some(index))
            .collect();
        check_section_tables(ty, section.line, &tables, out);
    }
    // A field or value table outside a type section would otherwise be silently skipped.
    for table in doc.tables.iter().filter(|t| t.section.is_none()) {
        if matches!(table.kind(), "field" | "value") {
            out.add(
                table.line,
                format!("a `{}` table outside a type section", table.kind()),
            );
        }
    }
    for ty in &model.types {
        if !seen.contains(ty.name.as_str()) {
            out.add(
                1,
                format!(
                    "`{}` has no section (a heading `` ### `{}` ``)",
                    ty.name, ty.name
                ),
            );
        }
    }
}

fn check_section_tables(ty: &Type, heading: usize, tables: &[&Table], out: &mut Findings) {
    let mut described = false;
    for table in tables {
        match (&ty.shape, table.kind()) {
            (Shape::Object(fields), "field") => check_fields(ty, fields, table, out),
            (Shape::Enum(values), "value") => check_values(ty, values, table, out),
            // The error codes are compared with their statuses by `check_error_codes`.
            (Shape::Enum(_), "code") => {}
            (_, "field" | "value" | "code") => {
                out.add(
                    table.line,
                    format!(
                        "`{}` is documented with a `{}` table that does not fit its kind",
                        ty.name,
                        table.kind()
                    ),
                );
            }
            _ => continue,
        }
        described = true;
    }
    if !described {
        let wanted = if matches!(ty.shape, Shape::Object(_)) {
            "field"
        } else {
            "value"
        };
        out.add(
            heading,
            format!("section `{}` has no `{wanted}` table", ty.name),
        );
    }
}

fn check_fields(ty: &Type, fields: &[Field], table: &Table, out: &mut Findings) {
    let what = format!("`{}`: field", ty.name);
    let mut matched = match_rows(table, fields, &what, out);
    // One unknown row and one missing field in a table is most likely a renamed field.
    if let ([row], [field]) = (matched.extra.as_slice(), matched.missing.as_slice()) {
        let (got, want) = (row.key(), &field.name);
        out.add(
            row.line,
            format!(
                "`{}`: field `{got}` documented but the model has `{want}`",
                ty.name
            ),
        );
        matched.extra.clear();
        matched.missing.clear();
    }
    report_unmatched(&matched, table, &what, out);
    let subject = |row: &Row| format!("`{}.{}`", ty.name, row.key());
    compare_column(
        table,
        &matched.pairs,
        "type",
        |f| f.ty.clone(),
        subject,
        out,
    );
    compare_column(
        table,
        &matched.pairs,
        "required",
        |f| yes_no(f.required),
        subject,
        out,
    );
}

fn check_values(ty: &Type, values: &[String], table: &Table, out: &mut Findings) {
    let what = format!("`{}`: value", ty.name);
    let matched = match_rows(table, values, &what, out);
    report_unmatched(&matched, table, &what, out);
}

fn check_error_codes(doc: &Doc, model: &Model, out: &mut Findings) {
    check_keyed_table(
        doc,
        "code",
        "error code",
        &model.error_codes,
        out,
        |table, pairs, out| {
            let subject = |row: &Row| format!("error code `{}`", row.key());
            compare_column(
                table,
                pairs,
                "HTTP status",
                |c| c.1.to_string(),
                subject,
                out,
            );
        },
    );
}

fn check_event_types(doc: &Doc, model: &Model, out: &mut Findings) {
    check_keyed_table(
        doc,
        "eventType",
        "event type",
        &model.event_types,
        out,
        |table, pairs, out| {
            let subject = |row: &Row| format!("event type `{}`", row.key());
            compare_column(table, pairs, "payload", |e| e.1.clone(), subject, out);
        },
    );
}

/// The shared part of the error-code and event-type checks: one table listing `items`.
fn check_keyed_table<T: Keyed>(
    doc: &Doc,
    kind: &str,
    what: &str,
    items: &[T],
    out: &mut Findings,
    columns: impl Fn(&Table, &[(&Row, &T)], &mut Findings),
) {
    let mut tables = tables_of_kind(doc, kind);
    let Some(table) = tables.next() else {
        out.add(
            1,
            format!("no {what} table (a table whose first column is `{kind}`)"),
        );
        return;
    };
    for other in tables {
        out.add(other.line, format!("a second {what} table"));
    }
    let matched = match_rows(table, items, what, out);
    report_unmatched(&matched, table, what, out);
    columns(table, &matched.pairs, out);
}

/// Round-trips every example and checks that every documented type has one.
fn check_examples(doc: &Doc, model: &Model, out: &mut Findings) {
    for example in &doc.examples {
        let name = &example.type_name;
        let Some(ty) = model.find_type(name) else {
            out.add(
                example.line,
                format!("example of `{name}`, which is not a documented type of the model"),
            );
            continue;
        };
        if let Err(message) = round_trip(ty, &example.body) {
            out.add(example.line, format!("example of `{name}` {message}"));
        }
    }
    for section in &doc.sections {
        let has_example = doc.examples.iter().any(|e| e.type_name == section.name);
        if !has_example && model.find_type(&section.name).is_some() {
            out.add(
                section.line,
                format!(
                    "`{}` has no example (a ```` ```json {} ```` block)",
                    section.name, section.name
                ),
            );
        }
    }
}

/// Decodes the example and encodes it again; the JSON values must be equal.
fn round_trip(ty: &Type, body: &str) -> Result<(), String> {
    let written: Value =
        serde_json::from_str(body).map_err(|e| format!("is not valid JSON: {e}"))?;
    let encoded = (ty.round_trip)(body).map_err(|e| format!("does not decode: {e}"))?;
    match difference("", &written, &encoded) {
        None => Ok(()),
        Some(difference) => Err(format!("does not re-encode to the same JSON: {difference}")),
    }
}

/// The first place where `encoded` differs from `written`, as a JSON pointer and what
/// happened there; a whole re-encoded document would be too long to read.
pub(super) fn difference(path: &str, written: &Value, encoded: &Value) -> Option<String> {
    let at = |path: &str| {
        if path.is_empty() {
            "/".to_owned()
        } else {
            path.to_owned()
        }
    };
    match (written, encoded) {
        (Value::Object(w), Value::Object(e)) => {
            let dropped_or_changed = w.iter().find_map(|(key, value)| {
                let inner = format!("{path}/{key}");
                match e.get(key) {
                    None => Some(format!("`{inner}` is dropped")),
                    Some(other) => difference(&inner, value, other),
                }
            });
            dropped_or_changed.or_else(|| {
                let added = e.keys().find(|key| !w.contains_key(*key))?;
                Some(format!("`{path}/{added}` is added"))
            })
        }
        (Value::Array(w), Value::Array(e)) if w.len() == e.len() => w
            .iter()
            .zip(e)
            .enumerate()
            .find_map(|(i, (w, e))| difference(&format!("{path}/{i}"), w, e)),
        _ if written == encoded => None,
        _ => Some(format!(
            "`{}` is written `{written}` but re-encoded as `{encoded}`",
            at(path)
        )),
    }
}
