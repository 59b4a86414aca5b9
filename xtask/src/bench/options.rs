//! Command-line options of `cargo xtask bench`.

use std::path::PathBuf;

/// What `cargo xtask bench` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    /// Smaller counts and a smaller upload, to finish in under two minutes.
    pub quick: bool,
    /// Latency added by the simulator to every API answer, in milliseconds.
    pub latency_ms: u64,
    /// Run in this (debug) build instead of rebuilding in release and re-running.
    pub no_release: bool,
    /// Measure only these figures (names from [`FIGURES`]); all when empty.
    pub only: Vec<String>,
    /// Internal: upload this file with the client and report peak memory (the child process
    /// of the memory figure).
    pub upload_probe: Option<PathBuf>,
}

/// The names of the figures, for `--only`.
pub const FIGURES: [&str; 5] = ["get", "cli", "fanout", "upload", "rps"];

/// The usage text.
pub const USAGE: &str =
    "usage: cargo xtask bench [--quick] [--latency-ms N] [--only LIST] [--no-release]

Measures the client, the CLI and the simulator against the baselines on loopback and
prints a table of figures and targets (see docs/performance.md).

  --quick          smaller counts and a 256 MiB upload instead of 1 GiB (under two minutes)
  --latency-ms N   have the simulator add N ms to every API answer (default 0)
  --no-release     measure this build as it is instead of rebuilding in release
  --only LIST      measure only these figures, comma-separated: get,cli,fanout,upload,rps";

impl Options {
    /// Parses the arguments after `bench`.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut opts = Options::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--quick" => opts.quick = true,
                "--no-release" => opts.no_release = true,
                "--latency-ms" => {
                    let v = it.next().ok_or("--latency-ms needs a number")?;
                    opts.latency_ms = v
                        .parse()
                        .map_err(|_| format!("--latency-ms: `{v}` is not a whole number"))?;
                }
                "--only" => {
                    let v = it.next().ok_or("--only needs a list of figures")?;
                    for name in v.split(',').filter(|n| !n.is_empty()) {
                        if !FIGURES.contains(&name) {
                            return Err(format!(
                                "--only: no figure `{name}`; figures: {}",
                                FIGURES.join(",")
                            ));
                        }
                        opts.only.push(name.to_owned());
                    }
                }
                "--upload-probe" => {
                    let v = it.next().ok_or("--upload-probe needs a path")?;
                    opts.upload_probe = Some(PathBuf::from(v));
                }
                "-h" | "--help" => return Err(String::new()),
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(opts)
    }

    /// The arguments that reproduce these options (for re-running in release).
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if self.quick {
            args.push("--quick".to_owned());
        }
        if self.latency_ms > 0 {
            args.push("--latency-ms".to_owned());
            args.push(self.latency_ms.to_string());
        }
        if !self.only.is_empty() {
            args.push("--only".to_owned());
            args.push(self.only.join(","));
        }
        args
    }

    /// Whether the figure `name` is to be measured.
    pub fn wants(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|n| n == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(&args.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn parses_and_round_trips() {
        let opts = parse(&["--quick", "--latency-ms", "5", "--only", "get,rps"]).expect("valid");
        assert!(opts.wants("rps") && !opts.wants("cli"));
        assert!(opts.quick);
        assert_eq!(opts.latency_ms, 5);
        assert_eq!(
            parse(
                &opts
                    .to_args()
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
            ),
            Ok(opts)
        );
    }

    #[test]
    fn refuses_unknown_and_malformed() {
        assert!(parse(&["--fast"]).is_err());
        assert!(parse(&["--latency-ms"]).is_err());
        assert!(parse(&["--latency-ms", "x"]).is_err());
        assert!(parse(&["--only", "get,speed"]).is_err());
    }
}
