//! Text a peer chose, made safe to print: certificate names reach logs, terminals, error
//! messages and HTML pages, and a name holding a newline would forge a log line, an escape
//! sequence would drive the terminal, a bidirectional override would reorder what is read.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character (C0, DEL, C1) and every bidirectional formatting
/// character (U+202A–U+202E, U+2066–U+2069) written as a Rust escape, `\u{a}`; everything
/// else as it is. Borrowed when there is nothing to escape.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_newlines_escape_sequences_and_bidi_overrides() {
        assert_eq!(
            escape_controls("O=a\nforged\u{1b}[2J\u{9b}\u{202e}x"),
            "O=a\\u{a}forged\\u{1b}[2J\\u{9b}\\u{202e}x"
        );
    }

    #[test]
    fn leaves_ordinary_text_borrowed() {
        assert!(matches!(escape_controls("CN=Zoë, O=x"), Cow::Borrowed(_)));
    }
}
