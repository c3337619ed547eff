//! Text written by other people (chat messages, names, a server's reasons) made safe for a
//! terminal: control characters such as ESC would let a sender recolour, move or clear the
//! reader's screen, newlines would forge extra lines, and bidirectional overrides would reorder
//! what is shown. Each is replaced by its visible escape (`\u{1b}`, `\n`), so nothing is hidden.

/// `text` on one line with every control and direction-override character escaped.
pub fn line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else if is_direction_override(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// The invisible characters that change the display order of the text around them.
fn is_direction_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

#[cfg(test)]
mod tests {
    use super::line;

    #[test]
    fn escape_sequences_and_newlines_become_visible() {
        assert_eq!(line("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(line("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(line("abc\u{202E}def"), "abc\\u{202e}def");
    }

    #[test]
    fn ordinary_text_in_any_script_is_kept() {
        assert_eq!(line("안녕하세요! Café ☕"), "안녕하세요! Café ☕");
    }
}
