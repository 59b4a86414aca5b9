//! Counting the client's retries from its `tracing` output.
//!
//! The client logs each decision of its retry loop at debug level: `retrying` (with the
//! `operation`), `not retried: attempt limit or retry deadline reached`, and `not retried:
//! the request may have reached the server …`. This layer counts them, in total and for
//! each soak operation: every operation runs inside a `soak_op` span whose `op` field is
//! its number, and an event is credited to the nearest enclosing `soak_op`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// The name of the span each soak operation runs in.
pub const OP_SPAN: &str = "soak_op";

/// What the retry loop did for one operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpTrace {
    /// Retries (attempts after the first), over all the requests of the operation.
    pub retries: u32,
    /// Times the client stopped because the attempt limit or retry deadline was reached.
    pub gave_up: u32,
    /// Times the client did not repeat a request because it may have reached the server.
    pub not_safe: u32,
}

#[derive(Debug, Default)]
struct State {
    by_op: HashMap<u64, OpTrace>,
    retries_by_operation: BTreeMap<String, u64>,
    gave_up: u64,
    not_safe: u64,
}

/// The counters, shared between the layer and the soak.
#[derive(Debug, Clone, Default)]
pub struct RetryCounter {
    state: Arc<Mutex<State>>,
}

impl RetryCounter {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes what was counted for operation `op`.
    pub fn take(&self, op: u64) -> OpTrace {
        self.lock().by_op.remove(&op).unwrap_or_default()
    }

    /// Retries by catalog operation name (`getTask`, …).
    pub fn retries_by_operation(&self) -> BTreeMap<String, u64> {
        self.lock().retries_by_operation.clone()
    }

    /// Times the client gave up at its attempt limit or retry deadline, and times it
    /// declined to repeat a request that was not safe to repeat.
    pub fn refusals(&self) -> (u64, u64) {
        let s = self.lock();
        (s.gave_up, s.not_safe)
    }

    /// The layer that feeds these counters.
    pub fn layer(&self) -> RetryLayer {
        RetryLayer {
            counter: self.clone(),
        }
    }

    /// Records one event of the client's retry loop.
    pub fn record(&self, op: Option<u64>, message: &str, operation: Option<&str>) {
        let mut s = self.lock();
        let kind = if message == "retrying" {
            *s.retries_by_operation
                .entry(operation.unwrap_or("?").to_owned())
                .or_insert(0) += 1;
            0
        } else if message.starts_with("not retried: attempt limit") {
            s.gave_up += 1;
            1
        } else if message.starts_with("not retried: the request may have reached") {
            s.not_safe += 1;
            2
        } else {
            return;
        };
        if let Some(op) = op {
            let t = s.by_op.entry(op).or_default();
            match kind {
                0 => t.retries += 1,
                1 => t.gave_up += 1,
                _ => t.not_safe += 1,
            }
        }
    }
}

/// A `tracing` layer that counts the client's retry decisions.
#[derive(Debug)]
pub struct RetryLayer {
    counter: RetryCounter,
}

/// The operation number of a `soak_op` span, kept in the span's extensions.
struct OpNumber(u64);

#[derive(Default)]
struct Fields {
    message: Option<String>,
    operation: Option<String>,
    op: Option<u64>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match field.name() {
            "message" => self.message = Some(format!("{value:?}")),
            "operation" => self.operation = Some(format!("{value:?}").trim_matches('"').to_owned()),
            _ => {}
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message = Some(value.to_owned()),
            "operation" => self.operation = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "op" {
            self.op = Some(value);
        }
    }
}

fn interesting(meta: &Metadata<'_>) -> bool {
    meta.target().starts_with("rebyte_client") || meta.name() == OP_SPAN
}

impl<S> Layer<S> for RetryLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        if interesting(meta) {
            tracing::subscriber::Interest::always()
        } else {
            tracing::subscriber::Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        interesting(meta)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != OP_SPAN {
            return;
        }
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let (Some(op), Some(span)) = (fields.op, ctx.span(id)) {
            span.extensions_mut().insert(OpNumber(op));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if !event.metadata().target().starts_with("rebyte_client") {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let Some(message) = fields.message else {
            return;
        };
        let op = ctx.event_scope(event).and_then(|scope| {
            scope
                .into_iter()
                .find_map(|span| span.extensions().get::<OpNumber>().map(|n| n.0))
        });
        self.counter
            .record(op, &message, fields.operation.as_deref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt as _;

    #[test]
    fn credits_retry_events_to_the_enclosing_operation() {
        let counter = RetryCounter::default();
        let subscriber = tracing_subscriber::registry().with(counter.layer());
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("soak_op", op = 7u64);
            let _entered = span.enter();
            let inner = tracing::debug_span!(target: "rebyte_client::x", "rebyte_request");
            let _in = inner.enter();
            tracing::debug!(target: "rebyte_client::transport", operation = "getTask", "retrying");
            tracing::debug!(target: "rebyte_client::transport", operation = "getTask", "retrying");
            tracing::debug!(target: "rebyte_client::transport", "not retried: attempt limit or retry deadline reached");
            tracing::debug!(target: "rebyte_client::transport", "answered");
        });
        assert_eq!(
            counter.take(7),
            OpTrace {
                retries: 2,
                gave_up: 1,
                not_safe: 0
            }
        );
        assert_eq!(counter.take(7), OpTrace::default());
        assert_eq!(counter.retries_by_operation().get("getTask"), Some(&2));
        assert_eq!(counter.refusals(), (1, 0));
    }
}
