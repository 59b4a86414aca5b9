//! The result table: one row per figure, with its target and whether it was met.
//!
//! Ratios always read "how many times better ours is", except the overhead figure, which is
//! "ours divided by the floor" (smaller is better); the ratio text says which.

use std::fmt::Write as _;
use std::time::Duration;

/// A measured quantity, with the unit it is shown in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A span of wall time.
    Time(Duration),
    /// An amount of memory, in bytes.
    Bytes(u64),
    /// A rate, in requests per second.
    Rate(f64),
}

impl Value {
    /// The number that ratios are computed from (seconds, bytes or requests per second).
    fn magnitude(self) -> f64 {
        match self {
            Value::Time(d) => d.as_secs_f64(),
            // Exact for any size a benchmark reaches (< 2^53 bytes).
            Value::Bytes(b) => b as f64,
            Value::Rate(r) => r,
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Value::Time(d) => {
                let s = d.as_secs_f64();
                if s >= 1.0 {
                    write!(f, "{s:.2} s")
                } else if s >= 1e-3 {
                    write!(f, "{:.2} ms", s * 1e3)
                } else {
                    write!(f, "{:.1} µs", s * 1e6)
                }
            }
            Value::Bytes(b) => write!(f, "{:.1} MiB", b as f64 / MIB as f64),
            Value::Rate(r) => write!(f, "{r:.0} req/s"),
        }
    }
}

/// One mebibyte.
pub const MIB: u64 = 1024 * 1024;

/// What a figure must reach.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// Ours divided by the baseline (a floor) is at most this.
    OverheadAtMost(f64),
    /// The baseline divided by ours (time) is at least this: ours is this many times faster.
    FasterAtLeast(f64),
    /// Ours is at most this many bytes.
    MemoryAtMost(u64),
    /// Ours is at least this many requests per second.
    RateAtLeast(f64),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Target::OverheadAtMost(x) => write!(f, "≤ {x}× floor"),
            Target::FasterAtLeast(x) => write!(f, "≥ {x}× faster"),
            Target::MemoryAtMost(b) => write!(f, "≤ {} MiB", b / MIB),
            Target::RateAtLeast(r) => write!(f, "≥ {r:.0} req/s"),
        }
    }
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// What is measured, in a few words.
    pub figure: String,
    /// Our figure, or `None` when it could not be measured.
    pub ours: Option<Value>,
    /// The baseline's figure, when there is one and it was measured.
    pub baseline: Option<Value>,
    /// The name of the baseline (`raw reqwest`, `Python`), shown beside its value.
    pub baseline_name: &'static str,
    /// The target from the design.
    pub target: Target,
}

impl Row {
    /// The ratio in the direction the target reads, when both sides are known.
    ///
    /// Memory and rate targets are absolute; their ratio, when a baseline exists, is how
    /// many times less memory (or more throughput) ours needs, for information.
    pub fn ratio(&self) -> Option<f64> {
        let ours = self.ours?.magnitude();
        let base = self.baseline?.magnitude();
        if ours <= 0.0 || base <= 0.0 {
            return None;
        }
        Some(match self.target {
            Target::OverheadAtMost(_) => ours / base,
            Target::FasterAtLeast(_) | Target::MemoryAtMost(_) => base / ours,
            Target::RateAtLeast(_) => ours / base,
        })
    }

    /// Whether the target was met; `None` when the figure is missing.
    pub fn met(&self) -> Option<bool> {
        match self.target {
            Target::OverheadAtMost(x) => self.ratio().map(|r| r <= x),
            Target::FasterAtLeast(x) => self.ratio().map(|r| r >= x),
            Target::MemoryAtMost(b) => match self.ours? {
                Value::Bytes(ours) => Some(ours <= b),
                _ => None,
            },
            Target::RateAtLeast(r) => match self.ours? {
                Value::Rate(ours) => Some(ours >= r),
                _ => None,
            },
        }
    }

    fn ratio_text(&self) -> String {
        match (self.ratio(), self.target) {
            (None, _) => "–".to_owned(),
            (Some(r), Target::OverheadAtMost(_)) => format!("{r:.2}× floor"),
            (Some(r), Target::FasterAtLeast(_)) => format!("{r:.1}× faster"),
            (Some(r), Target::MemoryAtMost(_)) => format!("{r:.1}× less"),
            (Some(r), Target::RateAtLeast(_)) => format!("{r:.1}× more"),
        }
    }

    fn cells(&self) -> [String; 6] {
        let show = |v: Option<Value>| v.map_or_else(|| "–".to_owned(), |v| v.to_string());
        let baseline = match self.baseline {
            Some(v) => format!("{v} ({})", self.baseline_name),
            None => "–".to_owned(),
        };
        let met = match self.met() {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "not measured",
        };
        [
            self.figure.clone(),
            show(self.ours),
            baseline,
            self.ratio_text(),
            self.target.to_string(),
            met.to_owned(),
        ]
    }
}

/// Renders rows as a Markdown table with aligned columns (readable in a terminal, and
/// pasteable into `docs/performance.md` as it is).
pub fn render(rows: &[Row]) -> String {
    const HEAD: [&str; 6] = ["figure", "ours", "baseline", "ratio", "target", "met"];
    let cells: Vec<[String; 6]> = rows.iter().map(Row::cells).collect();
    let mut widths = HEAD.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cols: &[String]| {
        out.push('|');
        for (c, w) in cols.iter().zip(widths) {
            let pad = w - c.chars().count();
            // Writing to a String cannot fail.
            let _ = write!(out, " {c}{} |", " ".repeat(pad));
        }
        out.push('\n');
    };
    line(&HEAD.map(str::to_owned));
    line(&widths.map(|w| "-".repeat(w)));
    for row in &cells {
        line(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ours: Value, baseline: Option<Value>, target: Target) -> Row {
        Row {
            figure: "f".into(),
            ours: Some(ours),
            baseline,
            baseline_name: "b",
            target,
        }
    }

    #[test]
    fn faster_ratio_is_baseline_over_ours() {
        let r = row(
            Value::Time(Duration::from_millis(10)),
            Some(Value::Time(Duration::from_millis(150))),
            Target::FasterAtLeast(10.0),
        );
        assert!((r.ratio().expect("both sides") - 15.0).abs() < 1e-9);
        assert_eq!(r.met(), Some(true));
        let slow = row(
            Value::Time(Duration::from_millis(20)),
            Some(Value::Time(Duration::from_millis(150))),
            Target::FasterAtLeast(10.0),
        );
        assert_eq!(slow.met(), Some(false));
    }

    #[test]
    fn overhead_ratio_is_ours_over_floor() {
        let r = row(
            Value::Time(Duration::from_micros(130)),
            Some(Value::Time(Duration::from_micros(100))),
            Target::OverheadAtMost(1.25),
        );
        assert_eq!(r.met(), Some(false));
        assert!(r.cells()[3].starts_with("1.30× floor"));
    }

    #[test]
    fn absolute_targets_ignore_the_baseline() {
        let r = row(
            Value::Bytes(20 * MIB),
            Some(Value::Bytes(1100 * MIB)),
            Target::MemoryAtMost(64 * MIB),
        );
        assert_eq!(r.met(), Some(true));
        assert_eq!(r.cells()[3], "55.0× less");
        let rate = row(Value::Rate(19_999.0), None, Target::RateAtLeast(20_000.0));
        assert_eq!(rate.met(), Some(false));
        assert_eq!(rate.cells()[3], "–");
    }

    #[test]
    fn missing_figure_is_not_met_and_not_failed() {
        let r = Row {
            figure: "f".into(),
            ours: None,
            baseline: None,
            baseline_name: "b",
            target: Target::FasterAtLeast(5.0),
        };
        assert_eq!(r.met(), None);
        assert!(render(&[r]).contains("not measured"));
    }

    #[test]
    fn render_aligns_columns() {
        let rows = [
            row(
                Value::Time(Duration::from_micros(42)),
                Some(Value::Time(Duration::from_micros(40))),
                Target::OverheadAtMost(1.25),
            ),
            row(Value::Rate(31_000.0), None, Target::RateAtLeast(20_000.0)),
        ];
        let text = render(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("| figure |"));
        let width = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == width), "{text}");
        assert!(lines[2].contains("42.0 µs") && lines[2].contains("40.0 µs (b)"));
        assert!(lines[3].contains("31000 req/s") && lines[3].contains("yes"));
    }
}
