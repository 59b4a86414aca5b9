fn main() {
    for t in rebyte_types::schema::documented_types() {
        if ["Task","CreateTaskRequest","TaskEvent","ToolUsePayload","TaskStatus","DoneEvent"].contains(&t.name) {
            println!("{} {}", t.name, serde_json::to_string(&(t.schema)()).unwrap());
        }
    }
}
