//! Field values with control characters escaped, for the human-readable log format.
//!
//! Logged values come from clients: a JWT `kid`, a workspace slug, a peer's header. Written as
//! they are, a value holding a line break forges a log line of the attacker's choosing, and
//! one holding terminal escapes rewrites what an operator's terminal shows. tracing-subscriber's
//! default field formatter escapes only ANSI sequences, and only in messages. This one escapes
//! every control character (C0, DEL, C1), the Unicode line and paragraph separators and the
//! bidirectional overrides, in every field and span field, as Rust escapes them (`\n`,
//! `\u{1b}`). The JSON format needs none of this: serde escapes its strings.

use std::fmt::{self, Write};

use tracing::field::{Field, Visit};
use tracing_subscriber::{
    field::RecordFields,
    fmt::{FormatFields, format::Writer},
};

/// Formats fields as tracing-subscriber's default does (`message` first as it is, then
/// `name=value` with `Debug` values), with control characters escaped.
#[derive(Debug, Default)]
pub struct EscapedFields;

impl<'writer> FormatFields<'writer> for EscapedFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut visitor = Visitor {
            writer,
            result: Ok(()),
            empty: true,
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct Visitor<'writer> {
    writer: Writer<'writer>,
    result: fmt::Result,
    empty: bool,
}

impl Visitor<'_> {
    fn write(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // `log.*` fields are metadata of events from the `log` crate, shown by the event format.
        if self.result.is_ok() && !field.name().starts_with("log.") {
            self.result = self.write_field(field.name(), value);
        }
    }

    fn write_field(&mut self, name: &str, value: &dyn fmt::Debug) -> fmt::Result {
        if !self.empty {
            self.writer.write_char(' ')?;
        }
        self.empty = false;
        if name != "message" {
            let name = name.strip_prefix("r#").unwrap_or(name);
            if self.writer.has_ansi_escapes() {
                write!(self.writer, "\x1b[3m{name}\x1b[0m\x1b[2m=\x1b[0m")?;
            } else {
                write!(self.writer, "{name}=")?;
            }
        }
        write!(Escaping(&mut self.writer), "{value:?}")
    }
}

impl Visit for Visitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.write(field, &format_args!("{value}"));
        } else {
            self.write(field, &value);
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            text.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        self.write(field, &format_args!("{text}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.write(field, value);
    }
}

/// Writes through to `W`, escaping what [`needs_escape`] names.
struct Escaping<W>(W);

impl<W: Write> Write for Escaping<W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut clean = 0;
        for (at, c) in text.char_indices() {
            if needs_escape(c) {
                self.0.write_str(&text[clean..at])?;
                for escaped in c.escape_default() {
                    self.0.write_char(escaped)?;
                }
                clean = at + c.len_utf8();
            }
        }
        self.0.write_str(&text[clean..])
    }
}

/// Characters that end a line, steer a terminal or reorder what a reader sees.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// What `log` writes through a subscriber formatting with [`EscapedFields`].
    fn render(log: impl FnOnce()) -> String {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .without_time()
            .with_target(false)
            .compact()
            .fmt_fields(EscapedFields)
            .with_writer(move || BufferWriter(writer.clone()))
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        String::from_utf8(buffer.lock().unwrap().clone()).unwrap()
    }

    struct BufferWriter(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for BufferWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_line_break_in_a_value_is_escaped_onto_one_line() {
        let output = render(|| tracing::warn!(kid = %"a\nb", "refused"));
        assert_eq!(output.lines().count(), 1, "{output:?}");
        assert!(output.contains(r"kid=a\nb"), "{output:?}");
        assert!(output.contains("refused"), "{output:?}");
    }

    #[test]
    fn every_control_character_and_separator_is_escaped() {
        let forged = "x\r\n2024-01-01T00:00:00Z  INFO access granted\t\u{1b}[2J\u{85}\u{2028}\u{2029}\u{202e}\u{7f}\0";
        let output = render(
            || tracing::warn!(kid = %forged, detail = ?format_args!("{forged}"), "refused {forged}"),
        );
        assert_eq!(output.lines().count(), 1, "{output:?}");
        let line = output.trim_end_matches('\n');
        assert!(!line.chars().any(needs_escape), "{line:?}");
        for escaped in [
            r"\r\n2024",
            r"\t",
            r"\u{1b}[2J",
            r"\u{85}",
            r"\u{2028}",
            r"\u{2029}",
            r"\u{202e}",
            r"\u{7f}",
            r"\u{0}",
        ] {
            assert_eq!(line.matches(escaped).count(), 3, "{escaped} in {line:?}");
        }
    }

    #[test]
    fn span_fields_are_escaped_too() {
        let output = render(|| {
            let span = tracing::info_span!("request", peer = %"p\nq");
            let _entered = span.enter();
            tracing::info!("handled");
        });
        assert_eq!(output.lines().count(), 1, "{output:?}");
        assert!(output.contains(r"peer=p\nq"), "{output:?}");
    }

    #[test]
    fn plain_values_read_as_before() {
        let output = render(|| tracing::info!(workspace = "acme", count = 3, "listening"));
        assert_eq!(output.trim(), r#"INFO listening workspace="acme" count=3"#);
    }
}
