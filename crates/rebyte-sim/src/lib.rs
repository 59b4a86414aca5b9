//! A stateful local simulator of the Rebyte tasks API.
