//! Async client for the Rebyte tasks API.
