//! Reads the parts of `docs/api.md` that check-api compares: type sections, tables and
//! examples, each with the line it starts on.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// A heading made of a single code span, such as `` ### `Task` ``: it opens a type's section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The type named by the heading.
    pub name: String,
    /// The heading's line.
    pub line: usize,
}

/// One row of a table: its cells' text and its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The row's line.
    pub line: usize,
    /// The text of each cell, trimmed, code spans included without their backticks.
    pub cells: Vec<String>,
}

impl Row {
    /// The row's key: its first cell.
    pub fn key(&self) -> &str {
        self.cell(0)
    }

    /// The text of cell `index`, empty when the row is short.
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", String::as_str)
    }
}

/// A table with its header line and, when it sits in a type section, that section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The header row's line, where missing rows are reported.
    pub line: usize,
    /// Index into [`Doc::sections`] of the type section the table belongs to.
    pub section: Option<usize>,
    /// The header cells.
    pub columns: Vec<String>,
    /// The body rows, in order.
    pub rows: Vec<Row>,
}

impl Table {
    /// The name of the first column, which says what the table lists.
    pub fn kind(&self) -> &str {
        self.columns.first().map_or("", String::as_str)
    }

    /// The index of the column named `name`, so the docs may order columns freely.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// A fenced block whose info string is `json TypeName`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The type the example is of.
    pub type_name: String,
    /// The line of the opening fence.
    pub line: usize,
    /// The block's content.
    pub body: String,
}

/// What check-api reads from the docs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    /// Type sections, in order.
    pub sections: Vec<Section>,
    /// Every table, in order.
    pub tables: Vec<Table>,
    /// Every typed JSON example, in order.
    pub examples: Vec<Example>,
}

/// Maps byte offsets to 1-based line numbers.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines(starts.collect())
    }

    fn at(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }
}

/// What the parser is inside of, for the events that carry text.
#[derive(Default)]
enum Open {
    #[default]
    Nothing,
    Heading {
        line: usize,
        parts: Vec<(bool, String)>,
    },
    Cell(String),
    Example(Example),
}

impl Open {
    /// Adds text to whatever is open; `code` says whether it came from a code span.
    fn push(&mut self, code: bool, text: &str) {
        match self {
            Open::Heading { parts, .. } => parts.push((code, text.to_owned())),
            Open::Cell(cell) => cell.push_str(text),
            Open::Example(example) => example.body.push_str(text),
            Open::Nothing => {}
        }
    }
}

/// The code span's text when a heading is one code span and nothing else but blanks.
fn single_code_span(parts: &[(bool, String)]) -> Option<String> {
    let mut meaningful = parts
        .iter()
        .filter(|(code, text)| *code || !text.trim().is_empty());
    match (meaningful.next(), meaningful.next()) {
        (Some((true, name)), None) => Some(name.trim().to_owned()),
        _ => None,
    }
}

/// The type name of an info string `json TypeName`; other fences are not examples.
fn example_type(info: &str) -> Option<String> {
    let mut words = info.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some("json"), Some(name), None) => Some(name.to_owned()),
        _ => None,
    }
}

/// Parses the docs. Markdown has no syntax errors, so this cannot fail.
pub fn parse(text: &str) -> Doc {
    let lines = Lines::new(text);
    let mut builder = Builder::default();
    for (event, range) in Parser::new_ext(text, Options::ENABLE_TABLES).into_offset_iter() {
        builder.event(event, lines.at(range.start));
    }
    builder.doc
}

/// Collects the [`Doc`] from the parser's events, one at a time.
#[derive(Default)]
struct Builder {
    doc: Doc,
    /// The type section that tables belong to; any later heading closes it.
    section: Option<usize>,
    open: Open,
    row: Option<Row>,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, line: usize) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                self.open = Open::Heading {
                    line,
                    parts: Vec::new(),
                }
            }
            Event::End(TagEnd::Heading(_)) => self.end_heading(),
            Event::Start(Tag::Table(_)) => self.start_table(line),
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                self.row = Some(Row {
                    line,
                    cells: Vec::new(),
                })
            }
            Event::End(TagEnd::TableHead) => self.end_head(),
            Event::End(TagEnd::TableRow) => self.end_row(),
            Event::Start(Tag::TableCell) => self.open = Open::Cell(String::new()),
            Event::End(TagEnd::TableCell) => self.end_cell(),
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                if let Some(type_name) = example_type(&info) {
                    self.open = Open::Example(Example {
                        type_name,
                        line,
                        body: String::new(),
                    });
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Open::Example(example) = self.take_open() {
                    self.doc.examples.push(example);
                }
            }
            Event::Text(text) => self.open.push(false, &text),
            Event::Code(text) => self.open.push(true, &text),
            _ => {}
        }
    }

    fn take_open(&mut self) -> Open {
        std::mem::take(&mut self.open)
    }

    fn end_heading(&mut self) {
        self.section = None;
        if let Open::Heading { line, parts } = self.take_open()
            && let Some(name) = single_code_span(&parts)
        {
            self.doc.sections.push(Section { name, line });
            self.section = Some(self.doc.sections.len() - 1);
        }
    }

    fn start_table(&mut self, line: usize) {
        let section = self.section;
        self.doc.tables.push(Table {
            line,
            section,
            columns: Vec::new(),
            rows: Vec::new(),
        });
    }

    /// The header row gives the table its columns and the line missing rows are reported on.
    fn end_head(&mut self) {
        if let (Some(head), Some(table)) = (self.row.take(), self.doc.tables.last_mut()) {
            table.line = head.line;
            table.columns = head.cells;
        }
    }

    fn end_row(&mut self) {
        if let (Some(row), Some(table)) = (self.row.take(), self.doc.tables.last_mut()) {
            table.rows.push(row);
        }
    }

    fn end_cell(&mut self) {
        if let (Open::Cell(text), Some(row)) = (std::mem::take(&mut self.open), self.row.as_mut()) {
            row.cells.push(text.trim().to_owned());
        }
    }
}
