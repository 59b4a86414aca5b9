//! Tests of the simulator over HTTP: the documented flows driven by `rebyte-client`, the
//! error bodies, uploads, pages, fault injection, and shared SQLite state.

#![allow(clippy::unwrap_used)]

mod common;
mod conformance;
mod errors;
mod faults;
mod shared_file;
