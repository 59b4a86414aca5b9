//! check-api against the real docs and model, and against deliberate drift on either side.
//!
//! Drift tests mutate one row of a copy of `docs/api.md` (or one item of the model) and
//! assert the exact findings. Line numbers are looked up in the docs text, so editing the
//! docs elsewhere does not break these tests.

use super::markdown;
use super::model::{Endpoint, Field, Model, Shape};
use super::{Finding, check};

const DOC: &str = include_str!("../../../docs/api.md");

fn model() -> Model {
    Model::from_rebyte_types().expect("rebyte-types schemas are supported")
}

/// The 1-based line of the only line of `doc` that contains `needle`.
fn line_of(doc: &str, needle: &str) -> usize {
    let lines: Vec<usize> = doc
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "`{needle}` should be on exactly one line, is on {lines:?}"
    );
    lines[0]
}

/// The 1-based line of the only line of `doc` that is exactly `text`.
fn line_exact(doc: &str, text: &str) -> usize {
    let lines: Vec<usize> = doc
        .lines()
        .enumerate()
        .filter(|(_, l)| *l == text)
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "`{text}` should be exactly one line, is {lines:?}"
    );
    lines[0]
}

/// The line of the first table header after the heading `heading`.
fn header_after(doc: &str, heading: &str) -> usize {
    let start = line_exact(doc, heading);
    let offset = doc
        .lines()
        .skip(start)
        .position(|l| l.starts_with("| "))
        .expect("a table follows");
    start + offset + 1
}

/// A copy of the docs with the only occurrence of `from` replaced by `to`.
fn mutate(from: &str, to: &str) -> String {
    assert_eq!(
        DOC.matches(from).count(),
        1,
        "`{from}` should occur exactly once in the docs"
    );
    DOC.replacen(from, to, 1)
}

fn finding(line: usize, message: &str) -> Finding {
    Finding {
        line,
        message: message.to_owned(),
    }
}

fn assert_findings(doc: &str, model: &Model, expected: &[Finding]) {
    assert_eq!(check(doc, model), expected);
}

fn assert_doc_drift(doc: &str, expected: &[Finding]) {
    assert_findings(doc, &model(), expected);
}

mod real {
    use super::*;

    #[test]
    fn docs_agree_with_the_model() {
        let findings: Vec<String> = check(DOC, &model())
            .iter()
            .map(Finding::to_string)
            .collect();
        assert!(
            findings.is_empty(),
            "docs/api.md disagrees with rebyte-types:\n{}",
            findings.join("\n")
        );
    }

    #[test]
    fn every_example_round_trips_and_every_type_has_one() {
        let model = model();
        let examples = markdown::parse(DOC).examples;
        for ty in &model.types {
            assert!(
                examples.iter().any(|e| e.type_name == ty.name),
                "no example of `{}`",
                ty.name
            );
        }
        for example in &examples {
            let ty = model
                .find_type(&example.type_name)
                .expect("examples name documented types");
            let written: serde_json::Value =
                serde_json::from_str(&example.body).expect("examples are JSON");
            assert_eq!(
                (ty.round_trip)(&example.body),
                Ok(written),
                "example of `{}`",
                ty.name
            );
        }
    }

    #[test]
    fn parser_finds_sections_tables_and_examples_on_their_lines() {
        let doc = markdown::parse(DOC);
        let task = doc
            .sections
            .iter()
            .find(|s| s.name == "Task")
            .expect("a `Task` section");
        assert_eq!(task.line, line_exact(DOC, "### `Task`"));
        let example = doc
            .examples
            .iter()
            .find(|e| e.type_name == "Task")
            .expect("a `Task` example");
        assert_eq!(example.line, line_exact(DOC, "```json Task"));
        let endpoints = doc
            .tables
            .iter()
            .find(|t| t.kind() == "operation")
            .expect("an endpoint table");
        assert_eq!(endpoints.line, line_of(DOC, "| operation |"));
        assert_eq!(endpoints.rows[0].line, line_of(DOC, "| createFile |"));
        assert_eq!(
            endpoints.rows[0].cells,
            [
                "createFile",
                "POST",
                "/v1/files",
                "201",
                "no",
                "CreateFileRequest",
                "FileUpload"
            ]
        );
    }
}

/// Drift in a copy of the docs, checked against the real model.
mod doc_drift {
    use super::*;

    const PROMPTS_ROW: &str = "| prompts | Prompt[] | yes | oldest first |";

    #[test]
    fn renamed_field() {
        let doc = mutate(PROMPTS_ROW, "| prompt | Prompt[] | yes | oldest first |");
        let line = line_of(&doc, "| prompt | Prompt[]");
        assert_doc_drift(
            &doc,
            &[finding(
                line,
                "`Task`: field `prompt` documented but the model has `prompts`",
            )],
        );
    }

    #[test]
    fn wrong_field_type() {
        let doc = mutate("| seq | integer | yes |", "| seq | string | yes |");
        let line = line_of(&doc, "| seq | string |");
        assert_doc_drift(
            &doc,
            &[finding(
                line,
                "`TaskEvent.seq`: type `string` documented but the model has `integer`",
            )],
        );
    }

    #[test]
    fn wrong_required_flag() {
        let doc = mutate(
            "| title | string | yes | generated from the prompt |",
            "| title | string | no | generated from the prompt |",
        );
        let line = line_of(&doc, "| title | string | no |");
        assert_doc_drift(
            &doc,
            &[finding(
                line,
                "`TaskSummary.title`: required `no` documented but the model has `yes`",
            )],
        );
    }

    #[test]
    fn removed_field_row() {
        let doc = mutate(
            "| uploadUrl | string | yes | signed URL for the `PUT`, valid for one hour |\n",
            "",
        );
        let header = header_after(&doc, "### `FileUpload`");
        assert_doc_drift(
            &doc,
            &[finding(
                header,
                "`FileUpload`: field `uploadUrl` is missing",
            )],
        );
    }

    #[test]
    fn added_field_row() {
        let cwd = "| cwd | string | yes | the agent's working directory |\n";
        let doc = mutate(cwd, &format!("{cwd}| priority | integer | no | |\n"));
        let line = line_of(&doc, "| priority |");
        assert_doc_drift(
            &doc,
            &[finding(
                line,
                "`InitPayload`: field `priority` is not in the model",
            )],
        );
    }

    #[test]
    fn changed_enum_value() {
        let doc = mutate("| gemini | Gemini CLI |", "| gemeni | Gemini CLI |");
        let header = header_after(&doc, "### `Executor`");
        assert_doc_drift(
            &doc,
            &[
                finding(header, "`Executor`: value `gemini` is missing"),
                finding(
                    line_of(&doc, "| gemeni |"),
                    "`Executor`: value `gemeni` is not in the model",
                ),
            ],
        );
    }

    #[test]
    fn removed_enum_value() {
        let doc = mutate(
            "| public | anyone with the link, read-only, no login |\n",
            "",
        );
        let header = header_after(&doc, "### `Visibility`");
        assert_doc_drift(
            &doc,
            &[finding(header, "`Visibility`: value `public` is missing")],
        );
    }

    #[test]
    fn added_enum_value() {
        let canceled = "| canceled | every prompt is done and the latest was `canceled` |\n";
        let doc = mutate(canceled, &format!("{canceled}| paused | waiting |\n"));
        let line = line_of(&doc, "| paused |");
        assert_doc_drift(
            &doc,
            &[finding(
                line,
                "`TaskStatus`: value `paused` is not in the model",
            )],
        );
    }

    #[test]
    fn changed_error_code() {
        let doc = mutate("| not_found | 404 |", "| notfound | 404 |");
        let header = line_of(&doc, "| code | HTTP status |");
        assert_doc_drift(
            &doc,
            &[
                finding(header, "error code `not_found` is missing"),
                finding(
                    line_of(&doc, "| notfound |"),
                    "error code `notfound` is not in the model",
                ),
            ],
        );
    }

    #[test]
    fn removed_error_code() {
        let doc = mutate("| internal_error | 500 |\n", "");
        let header = line_of(&doc, "| code | HTTP status |");
        assert_doc_drift(
            &doc,
            &[finding(header, "error code `internal_error` is missing")],
        );
    }

    #[test]
    fn added_error_code() {
        let doc = mutate(
            "| not_found | 404 |\n",
            "| not_found | 404 |\n| rate_limited | 429 |\n",
        );
        let line = line_of(&doc, "| rate_limited |");
        assert_doc_drift(
            &doc,
            &[finding(
                line,
                "error code `rate_limited` is not in the model",
            )],
        );
    }

    #[test]
    fn wrong_http_status() {
        let doc = mutate(
            "| insufficient_scopes | 403 |",
            "| insufficient_scopes | 401 |",
        );
        let line = line_of(&doc, "| insufficient_scopes |");
        assert_doc_drift(
            &doc,
            &[finding(
                line,
                "error code `insufficient_scopes`: HTTP status `401` documented but the model has `403`",
            )],
        );
    }

    #[test]
    fn removed_endpoint_row() {
        let doc = mutate(
            "| cancelTask | POST | /v1/tasks/:id/cancel | 200 | yes | - | - |\n",
            "",
        );
        let header = line_of(&doc, "| operation |");
        assert_doc_drift(&doc, &[finding(header, "endpoint `cancelTask` is missing")]);
    }

    #[test]
    fn added_endpoint_row() {
        let last = "| taskEvents | GET | /v1/tasks/:id/events | 200 | yes | - | TaskEvent |\n";
        let doc = mutate(
            last,
            &format!("{last}| listFiles | GET | /v1/files | 200 | yes | - | - |\n"),
        );
        let line = line_of(&doc, "| listFiles |");
        assert_doc_drift(
            &doc,
            &[finding(line, "endpoint `listFiles` is not in the model")],
        );
    }

    #[test]
    fn wrong_method() {
        let doc = mutate("| setVisibility | PATCH |", "| setVisibility | PUT |");
        let line = line_of(&doc, "| setVisibility |");
        assert_doc_drift(
            &doc,
            &[finding(
                line,
                "endpoint `setVisibility`: method `PUT` documented but the model has `PATCH`",
            )],
        );
    }

    #[test]
    fn wrong_path() {
        let doc = mutate(
            "| createPrompt | POST | /v1/tasks/:id/prompts |",
            "| createPrompt | POST | /v1/tasks/:id/prompt |",
        );
        let line = line_of(&doc, "| createPrompt |");
        assert_doc_drift(
            &doc,
            &[finding(
                line,
                "endpoint `createPrompt`: path `/v1/tasks/:id/prompt` documented but the model has `/v1/tasks/:id/prompts`",
            )],
        );
    }

    #[test]
    fn wrong_success_status() {
        let doc = mutate(
            "| createFile | POST | /v1/files | 201 |",
            "| createFile | POST | /v1/files | 200 |",
        );
        let line = line_of(&doc, "| createFile |");
        assert_doc_drift(
            &doc,
            &[finding(
                line,
                "endpoint `createFile`: success `200` documented but the model has `201`",
            )],
        );
    }

    #[test]
    fn wrong_retry_safe() {
        let doc = mutate(
            "| deleteTask | DELETE | /v1/tasks/:id | 204 | yes |",
            "| deleteTask | DELETE | /v1/tasks/:id | 204 | no |",
        );
        let line = line_of(&doc, "| deleteTask |");
        assert_doc_drift(
            &doc,
            &[finding(
                line,
                "endpoint `deleteTask`: retry-safe `no` documented but the model has `yes`",
            )],
        );
    }

    #[test]
    fn wrong_request_and_response_types() {
        let doc = mutate(
            "| getTask | GET | /v1/tasks/:id | 200 | yes | - | Task |",
            "| getTask | GET | /v1/tasks/:id | 200 | yes | TaskId | TaskSummary |",
        );
        let line = line_of(&doc, "| getTask |");
        assert_doc_drift(
            &doc,
            &[
                finding(
                    line,
                    "endpoint `getTask`: request `TaskId` documented but the model has `-`",
                ),
                finding(
                    line,
                    "endpoint `getTask`: response `TaskSummary` documented but the model has `Task`",
                ),
            ],
        );
    }

    #[test]
    fn wrong_event_payload_and_removed_event_type() {
        let doc = mutate(
            "| tool_result | ToolResultPayload |\n| result | ResultPayload |\n",
            "| tool_result | TextPayload |\n",
        );
        assert_doc_drift(
            &doc,
            &[
                finding(
                    line_of(&doc, "| eventType | payload |"),
                    "event type `result` is missing",
                ),
                finding(
                    line_of(&doc, "| tool_result | TextPayload |"),
                    "event type `tool_result`: payload `TextPayload` documented but the model has `ToolResultPayload`",
                ),
            ],
        );
    }

    /// The single finding of `doc`, for messages that quote serde's own words.
    fn only_finding(doc: &str) -> Finding {
        let mut findings = check(doc, &model());
        assert_eq!(findings.len(), 1, "{findings:?}");
        findings.remove(0)
    }

    #[test]
    fn example_that_is_not_json() {
        let doc = mutate(
            r#"{"visibility": "public"}"#,
            r#"{"visibility": "public",}"#,
        );
        let found = only_finding(&doc);
        assert_eq!(found.line, line_exact(&doc, "```json SetVisibilityRequest"));
        assert!(
            found
                .message
                .starts_with("example of `SetVisibilityRequest` is not valid JSON: "),
            "{found}"
        );
    }

    #[test]
    fn example_that_does_not_decode() {
        let doc = mutate(r#"{"visibility": "public"}"#, r#"{"visibility": 3}"#);
        let found = only_finding(&doc);
        assert_eq!(found.line, line_exact(&doc, "```json SetVisibilityRequest"));
        assert!(
            found
                .message
                .starts_with("example of `SetVisibilityRequest` does not decode: "),
            "{found}"
        );
    }

    #[test]
    fn example_that_does_not_round_trip() {
        // `tool_id` is accepted on input but written back as `id`, so the JSON changes.
        let example = r#"{"id": "call_1", "name": "bash", "input": {"command": "head data.csv"}}"#;
        let fence = "```json ToolUsePayload\n";
        let doc = mutate(
            &format!("{fence}{example}"),
            &format!(r#"{fence}{{"tool_id": "call_1", "name": "bash", "input": null}}"#),
        );
        let expected = "example of `ToolUsePayload` does not re-encode to the same JSON: `/tool_id` is dropped";
        assert_doc_drift(
            &doc,
            &[finding(
                line_exact(&doc, "```json ToolUsePayload"),
                expected,
            )],
        );
    }

    #[test]
    fn missing_example() {
        let doc = mutate(
            "```json FollowUpResponse\n{\"promptId\": \"3f2504e0-4f89-41d3-9a0c-0305e82c3301\"}\n```\n",
            "",
        );
        let line = line_of(&doc, "### `FollowUpResponse`");
        assert_doc_drift(
            &doc,
            &[finding(
                line,
                "`FollowUpResponse` has no example (a ```` ```json FollowUpResponse ```` block)",
            )],
        );
    }

    #[test]
    fn type_without_section() {
        let doc = mutate("### `FileRef`", "### FileRef");
        assert_doc_drift(
            &doc,
            &[
                finding(
                    1,
                    "`FileRef` has no section (a heading `` ### `FileRef` ``)",
                ),
                finding(
                    header_after(&doc, "### FileRef"),
                    "a `field` table outside a type section",
                ),
            ],
        );
    }

    #[test]
    fn duplicated_field_row() {
        let doc = mutate(PROMPTS_ROW, &format!("{PROMPTS_ROW}\n{PROMPTS_ROW}"));
        let second = line_of(&doc, "the agent's final answer; absent") - 1;
        assert_doc_drift(
            &doc,
            &[finding(second, "`Task`: field `prompts` is listed twice")],
        );
    }

    #[test]
    fn section_for_unknown_type() {
        let doc = mutate(
            "## Enums\n",
            "## Enums\n\n### `Widget`\n\n| value | meaning |\n|---|---|\n| a | b |\n",
        );
        let line = line_of(&doc, "### `Widget`");
        assert_doc_drift(
            &doc,
            &[finding(
                line,
                "section `Widget` is not a documented type of the model",
            )],
        );
    }
}

mod json_difference {
    use serde_json::json;

    use super::super::compare::difference;

    #[test]
    fn names_the_first_place_that_differs() {
        let written = json!({"a": 1, "b": [1, {"c": "x"}]});
        assert_eq!(difference("", &written, &written), None);
        let cases = [
            (
                json!({"a": 1, "b": [1, {"c": "y"}]}),
                "`/b/1/c` is written `\"x\"` but re-encoded as `\"y\"`",
            ),
            (json!({"b": [1, {"c": "x"}]}), "`/a` is dropped"),
            (
                json!({"a": 1, "b": [1, {"c": "x"}], "d": null}),
                "`/d` is added",
            ),
            (
                json!({"a": 1, "b": [1]}),
                "`/b` is written `[1,{\"c\":\"x\"}]` but re-encoded as `[1]`",
            ),
            (
                json!("x"),
                "`/` is written `{\"a\":1,\"b\":[1,{\"c\":\"x\"}]}` but re-encoded as `\"x\"`",
            ),
        ];
        for (encoded, expected) in cases {
            assert_eq!(
                difference("", &written, &encoded).as_deref(),
                Some(expected),
                "{encoded}"
            );
        }
    }
}

/// Drift in the model (as if `rebyte-types` changed), checked against the real docs.
mod model_drift {
    use super::*;

    fn fields_of<'a>(model: &'a mut Model, name: &str) -> &'a mut Vec<Field> {
        let ty = model
            .types
            .iter_mut()
            .find(|t| t.name == name)
            .expect("type exists");
        match &mut ty.shape {
            Shape::Object(fields) => fields,
            Shape::Enum(_) => panic!("`{name}` is an object"),
        }
    }

    fn endpoint<'a>(model: &'a mut Model, operation: &str) -> &'a mut Endpoint {
        model
            .endpoints
            .iter_mut()
            .find(|e| e.operation == operation)
            .expect("endpoint exists")
    }

    #[test]
    fn serde_rename_of_a_field() {
        let mut model = model();
        let status = fields_of(&mut model, "Task")
            .iter_mut()
            .find(|f| f.name == "status")
            .expect("field exists");
        status.name = "state".to_owned();
        let line = line_of(
            DOC,
            "| status | TaskStatus | yes | derived from the prompts |",
        );
        assert_findings(
            DOC,
            &model,
            &[finding(
                line,
                "`Task`: field `status` documented but the model has `state`",
            )],
        );
    }

    #[test]
    fn field_type_and_required_flag() {
        let mut model = model();
        let fields = fields_of(&mut model, "DoneEvent");
        let last_seq = fields
            .iter_mut()
            .find(|f| f.name == "lastSeq")
            .expect("field exists");
        last_seq.ty = "integer or null".to_owned();
        last_seq.required = false;
        let line = line_of(DOC, "| lastSeq | integer | yes |");
        assert_findings(
            DOC,
            &model,
            &[
                finding(
                    line,
                    "`DoneEvent.lastSeq`: type `integer` documented but the model has `integer or null`",
                ),
                finding(
                    line,
                    "`DoneEvent.lastSeq`: required `yes` documented but the model has `no`",
                ),
            ],
        );
    }

    #[test]
    fn new_field() {
        let mut model = model();
        fields_of(&mut model, "FollowUpResponse").push(Field {
            name: "queuedAt".to_owned(),
            ty: "timestamp".to_owned(),
            required: true,
        });
        let header = header_after(DOC, "### `FollowUpResponse`");
        assert_findings(
            DOC,
            &model,
            &[finding(
                header,
                "`FollowUpResponse`: field `queuedAt` is missing",
            )],
        );
    }

    #[test]
    fn new_enum_value() {
        let mut model = model();
        let ty = model
            .types
            .iter_mut()
            .find(|t| t.name == "TaskStatus")
            .expect("type exists");
        let Shape::Enum(values) = &mut ty.shape else {
            panic!("`TaskStatus` is an enum")
        };
        values.push("paused".to_owned());
        let header = header_after(DOC, "### `TaskStatus`");
        assert_findings(
            DOC,
            &model,
            &[finding(header, "`TaskStatus`: value `paused` is missing")],
        );
    }

    #[test]
    fn changed_endpoint_path() {
        let mut model = model();
        endpoint(&mut model, "getTask").path = "/v1/task/:id".to_owned();
        let line = line_of(DOC, "| getTask |");
        assert_findings(
            DOC,
            &model,
            &[finding(
                line,
                "endpoint `getTask`: path `/v1/tasks/:id` documented but the model has `/v1/task/:id`",
            )],
        );
    }

    #[test]
    fn changed_error_status_and_new_event_type() {
        let mut model = model();
        model
            .error_codes
            .iter_mut()
            .find(|(code, _)| code == "not_found")
            .expect("code exists")
            .1 = 410;
        model
            .event_types
            .push(("assistant".to_owned(), "TextPayload".to_owned()));
        assert_findings(
            DOC,
            &model,
            &[
                finding(
                    line_of(DOC, "| eventType | payload |"),
                    "event type `assistant` is missing",
                ),
                finding(
                    line_of(DOC, "| not_found | 404 |"),
                    "error code `not_found`: HTTP status `404` documented but the model has `410`",
                ),
            ],
        );
    }

    #[test]
    fn new_type_without_section_or_example() {
        let mut model = model();
        let mut ty = model.find_type("TextPayload").expect("type exists").clone();
        ty.name = "ImagePayload".to_owned();
        model.types.push(ty);
        assert_findings(
            DOC,
            &model,
            &[finding(
                1,
                "`ImagePayload` has no section (a heading `` ### `ImagePayload` ``)",
            )],
        );
    }

    #[test]
    fn serialization_that_no_longer_matches_the_example() {
        let mut model = model();
        // As if a field were renamed in serde: the docs' example no longer comes back unchanged.
        let ty = model
            .types
            .iter_mut()
            .find(|t| t.name == "FollowUpResponse")
            .expect("type exists");
        ty.round_trip =
            |_| Ok(serde_json::json!({"prompt_id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"}));
        let line = line_exact(DOC, "```json FollowUpResponse");
        let expected = "example of `FollowUpResponse` does not re-encode to the same JSON: `/promptId` is dropped";
        assert_findings(DOC, &model, &[finding(line, expected)]);
    }
}
