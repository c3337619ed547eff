//! Char-offset helpers for reporting spans of the original text.

/// The text between char offsets `start..end` (clamped to the text).
pub(crate) fn slice_chars(text: &str, start: u32, end: u32) -> String {
    text.chars()
        .skip(start as usize)
        .take(end.saturating_sub(start) as usize)
        .collect()
}

/// The UTF-16 code-unit offset of char offset `offset` (clamped to the text), for
/// platforms whose strings index by UTF-16 (Java/Kotlin `String`, `NSString`).
pub(crate) fn utf16_offset(text: &str, offset: u32) -> u32 {
    let units: usize = text
        .chars()
        .take(offset as usize)
        .map(char::len_utf16)
        .sum();
    u32::try_from(units).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_and_converts() {
        let text = "커피 ☕ and 🍰 cake";
        assert_eq!(slice_chars(text, 9, 15), "🍰 cake");
        assert_eq!(utf16_offset(text, 9), 9);
        assert_eq!(utf16_offset(text, 10), 11);
        assert_eq!(slice_chars(text, 14, 99), "e");
        assert_eq!(slice_chars(text, 99, 3), "");
    }
}
