//! A server's answer as read off the wire (status, content type, body), and how to describe one
//! that is not what the client expected: an error naming the status, the content type and a
//! short, escaped excerpt of the body says whether a proxy's HTML page, a captive portal or a
//! broken server answered, where "expected value at line 1 column 1" said nothing.

use reqwest::StatusCode;
use reqwest::blocking::Response;
use reqwest::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use super::protocol::ErrorBody;
use crate::error::{Error, Result};

/// Characters of the body quoted in an error; the rest is counted, not shown.
const EXCERPT_CHARS: usize = 120;

/// One answer, body read completely (decompressed when it came gzip-encoded).
#[derive(Debug)]
pub(crate) struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// Whether `answer` is the server's 410 `account_deleted`: the token belongs to an account that
    /// was deleted (every token of it is revoked, so a refresh cannot help).
    pub(crate) fn is_account_deleted(&self) -> bool {
        self.status == StatusCode::GONE
            && self
                .error_body()
                .is_some_and(|e| e.code == "account_deleted")
    }

    /// Reads `response` to its end. A transport failure while reading (a dropped connection, a
    /// body shorter than announced, a broken gzip stream) is returned as reqwest's error.
    pub(crate) fn read(response: Response) -> reqwest::Result<Answer> {
        let status = response.status();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let body = response.bytes()?.to_vec();
        Ok(Answer {
            status,
            content_type,
            body,
        })
    }

    /// Parses the body as the JSON answer `what` names (e.g. `"pull"`); a body that does not
    /// parse is [`Error::Protocol`] naming the parser's complaint and describing the answer.
    pub(crate) fn parse<T: DeserializeOwned>(&self, what: &str) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::Protocol(format!(
                "the {what} answer is malformed: {e} ({})",
                self.describe()
            ))
        })
    }

    /// The protocol's error body (`{code, message}`), when the body is one.
    pub(crate) fn error_body(&self) -> Option<ErrorBody> {
        serde_json::from_slice(&self.body).ok()
    }

    /// A refusal as text: `STATUS CODE: MESSAGE` from the protocol's error body, or the
    /// [`Answer::describe`] of any other body.
    pub(crate) fn refusal(&self) -> String {
        match self.error_body() {
            Some(e) => format!("{} {}: {}", self.status, e.code, e.message),
            None => self.describe(),
        }
    }

    /// `HTTP 502 Bad Gateway, text/html, 1234 bytes: "<html>…"`: the status, the content type
    /// and an excerpt of the body (at most [`EXCERPT_CHARS`] characters, control characters
    /// escaped).
    pub(crate) fn describe(&self) -> String {
        let content_type = self.content_type.as_deref().unwrap_or("no content type");
        if self.body.is_empty() {
            return format!("HTTP {}, {content_type}, empty body", self.status);
        }
        format!(
            "HTTP {}, {content_type}, {} bytes: \"{}\"",
            self.status,
            self.body.len(),
            excerpt(&self.body)
        )
    }
}

/// The first [`EXCERPT_CHARS`] characters of `body` (invalid UTF-8 replaced), control
/// characters escaped (`\n`, `\u{1b}`), `…` when cut.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = String::new();
    let mut chars = text.chars();
    for c in chars.by_ref().take(EXCERPT_CHARS) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// A reqwest error with its chain of causes (`error sending request: connection refused`).
pub(crate) fn describe_failure(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, content_type: Option<&str>, body: &[u8]) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            content_type: content_type.map(str::to_owned),
            body: body.to_vec(),
        }
    }

    #[test]
    fn a_description_names_status_type_and_a_bounded_escaped_excerpt() {
        let long = format!("<html>\n\u{1b}[31m{}</html>", "x".repeat(5000));
        let text = answer(502, Some("text/html"), long.as_bytes()).describe();
        assert!(
            text.starts_with("HTTP 502 Bad Gateway, text/html, "),
            "{text}"
        );
        assert!(text.contains("<html>\\n\\u{1b}[31m"), "{text}");
        assert!(text.ends_with("…\""), "{text}");
        assert!(text.len() < 300, "bounded: {}", text.len());
        assert!(!text.chars().any(char::is_control), "{text}");
        assert_eq!(
            answer(200, None, b"").describe(),
            "HTTP 200 OK, no content type, empty body"
        );
    }

    #[test]
    fn a_parse_failure_describes_the_answer() {
        let err = answer(200, Some("text/html"), b"<h1>Portal</h1>")
            .parse::<serde_json::Value>("pull")
            .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Protocol(_)));
        assert!(
            text.contains("the pull answer is malformed")
                && text.contains("HTTP 200 OK, text/html")
                && text.contains("<h1>Portal</h1>"),
            "{text}"
        );
    }

    #[test]
    fn a_refusal_prefers_the_protocols_error_body() {
        let body = br#"{"code":"busy","message":"try later"}"#;
        assert_eq!(
            answer(503, Some("application/json"), body).refusal(),
            "503 Service Unavailable busy: try later"
        );
        assert!(
            answer(503, Some("text/plain"), b"down")
                .refusal()
                .contains("\"down\"")
        );
    }
}
