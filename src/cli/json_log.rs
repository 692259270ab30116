//! `serve --log-format json`: one JSON object a line — the timestamp, the level, the event's
//! fields at the top level, its target, and under `span` the fields of the span it is in (a
//! request's id, method, route and client ID) with the span's `name`; the shape of
//! tracing-subscriber's own JSON format with `flatten_event` and the current span.
//!
//! Written here rather than with that format because it parses each line's span fields back
//! from JSON (and again whenever a field is recorded on the span later, as a request's client ID
//! is): under the token benchmark that made a JSON line cost about 2 µs more than a text one,
//! a twentieth of a token's time. Here a span keeps its fields as the JSON object they were
//! written as, a field recorded later is appended to it, and a line copies it as it is.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The lines' format: see the module doc.
pub(super) struct JsonLines;

/// A span's fields as one JSON object, `{"name":value,…}`, written once when the span starts
/// and appended to when a field is recorded later.
pub(super) struct JsonSpanFields;

impl<'writer> FormatFields<'writer> for JsonSpanFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        JsonFields::new().format_fields(writer, fields)
    }

    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let mut added = String::new();
        JsonFields::new().format_fields(Writer::new(&mut added), fields)?;
        let Some(added_inner) = object_inner(&added) else {
            return Err(fmt::Error);
        };
        if added_inner.is_empty() {
            return Ok(());
        }
        let Some(current_inner) = object_inner(&current.fields) else {
            return Err(fmt::Error);
        };
        if current_inner.is_empty() {
            current.fields = added;
            return Ok(());
        }
        let mut names = FieldNames::default();
        fields.record(&mut names);
        if names.0.iter().any(|name| holds_key(current_inner, name)) {
            // A field recorded a second time replaces its value, as tracing's own formats do;
            // rare enough to merge the slow way.
            return replace_fields(current, &added);
        }
        current.fields.truncate(current.fields.len() - 1);
        current.fields.push(',');
        current.fields.push_str(added_inner);
        current.fields.push('}');
        Ok(())
    }
}

/// What is between the braces of a JSON object as serde_json writes one, if `json` is one.
fn object_inner(json: &str) -> Option<&str> {
    json.strip_prefix('{')?.strip_suffix('}')
}

/// Whether the object's inside `inner` (as serde_json writes it) has the key `name`. A `"` inside
/// a string value is always escaped, so `"name":` can only be a key.
fn holds_key(inner: &str, name: &str) -> bool {
    let mut key = String::with_capacity(name.len() + 3);
    key.push('"');
    key.push_str(name);
    key.push_str("\":");
    inner.starts_with(&key) || inner.contains(&format!(",{key}"))
}

/// `current` with the fields of `added` (both JSON objects) put in, replacing any of the same name.
fn replace_fields(current: &mut FormattedFields<JsonSpanFields>, added: &str) -> fmt::Result {
    let mut merged: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&current.fields).map_err(|_| fmt::Error)?;
    let added: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(added).map_err(|_| fmt::Error)?;
    merged.extend(added);
    current.fields = serde_json::to_string(&merged).map_err(|_| fmt::Error)?;
    Ok(())
}

/// The names of the fields a record sets.
#[derive(Default)]
struct FieldNames(Vec<&'static str>);

impl Visit for FieldNames {
    fn record_debug(&mut self, field: &Field, _: &dyn fmt::Debug) {
        self.0.push(field.name());
    }
}

impl<S> FormatEvent<S, JsonSpanFields> for JsonLines
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonSpanFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let metadata = event.metadata();
        let mut timestamp = String::with_capacity(32);
        SystemTime.format_time(&mut Writer::new(&mut timestamp))?;
        let mut line = Vec::with_capacity(256);
        line.extend_from_slice(b"{\"timestamp\":");
        push_json(&mut line, &timestamp)?;
        push_key(&mut line, "level")?;
        push_json(&mut line, metadata.level().as_str())?;
        let mut fields = EventFields {
            line: &mut line,
            failed: false,
        };
        event.record(&mut fields);
        if fields.failed {
            return Err(fmt::Error);
        }
        push_key(&mut line, "target")?;
        push_json(&mut line, metadata.target())?;
        let span = event
            .parent()
            .and_then(|id| ctx.span(id))
            .or_else(|| ctx.lookup_current());
        if let Some(span) = span {
            push_key(&mut line, "span")?;
            line.push(b'{');
            let extensions = span.extensions();
            let inner = extensions
                .get::<FormattedFields<JsonSpanFields>>()
                .and_then(|fields| object_inner(&fields.fields));
            if let Some(inner) = inner.filter(|inner| !inner.is_empty()) {
                line.extend_from_slice(inner.as_bytes());
                line.push(b',');
            }
            line.extend_from_slice(b"\"name\":");
            push_json(&mut line, span.metadata().name())?;
            line.push(b'}');
        }
        line.extend_from_slice(b"}\n");
        writer.write_str(std::str::from_utf8(&line).map_err(|_| fmt::Error)?)
    }
}

/// `,"key":` after what `line` holds.
fn push_key(line: &mut Vec<u8>, key: &str) -> fmt::Result {
    line.push(b',');
    push_json(line, key)?;
    line.push(b':');
    Ok(())
}

/// `value` as JSON, escaped as it is written.
fn push_json(line: &mut Vec<u8>, value: &(impl serde::Serialize + ?Sized)) -> fmt::Result {
    serde_json::to_writer(line, value).map_err(|_| fmt::Error)
}

/// A `Debug` value as a JSON string, written without a `String` of its own first.
struct DebugString<'a>(&'a dyn fmt::Debug);

impl serde::Serialize for DebugString<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{:?}", self.0))
    }
}

/// Writes each of an event's fields as `,"name":value`.
struct EventFields<'a> {
    line: &'a mut Vec<u8>,
    failed: bool,
}

impl EventFields<'_> {
    fn entry(&mut self, field: &Field, value: &(impl serde::Serialize + ?Sized)) {
        if push_key(self.line, field.name())
            .and_then(|()| push_json(self.line, value))
            .is_err()
        {
            self.failed = true;
        }
    }
}

impl Visit for EventFields<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.entry(field, &value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.entry(field, &value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.entry(field, &value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.entry(field, &value);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.entry(field, value);
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.entry(field, &DebugString(&format_args!("{value}")));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.entry(field, &DebugString(value));
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Every line written, for the test to read back.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_line_is_one_object_with_the_fields_recorded_on_its_span_later_each_once() {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .fmt_fields(JsonSpanFields)
            .event_format(JsonLines)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!(
                "request",
                request_id = "req-1",
                route = "/v2/token",
                client_id = tracing::field::Empty,
                status = tracing::field::Empty,
            );
            span.in_scope(|| tracing::info!("before"));
            span.record("client_id", "OQ1");
            span.record("status", 200);
            // Recorded again: the line keeps one client_id, the last.
            span.record("client_id", "OQ2 \"quoted\"\nline");
            span.in_scope(|| tracing::warn!(latency_ms = 0.25, ok = true, "answered {}", 7));
            tracing::info!("outside");
        });
        let written = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let objects: Vec<serde_json::Value> = written
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect();
        assert_eq!(objects.len(), 3, "{written}");
        assert_eq!(objects[0]["message"], "before");
        assert_eq!(objects[0]["span"]["request_id"], "req-1");
        assert!(objects[0]["span"].get("client_id").is_none());
        let answered = &objects[1];
        assert_eq!(answered["level"], "WARN");
        assert_eq!(answered["message"], "answered 7");
        assert_eq!(answered["latency_ms"], 0.25);
        assert_eq!(answered["ok"], true);
        assert_eq!(answered["target"], module_path!());
        assert_eq!(answered["span"]["client_id"], "OQ2 \"quoted\"\nline");
        assert_eq!(answered["span"]["status"], 200);
        assert_eq!(answered["span"]["route"], "/v2/token");
        assert_eq!(answered["span"]["name"], "request");
        let line = written.lines().nth(1).unwrap();
        assert_eq!(line.matches("\"client_id\":").count(), 1, "{line}");
        assert!(objects[2].get("span").is_none());
    }
}
