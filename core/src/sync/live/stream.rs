//! Reading the live channel: server-sent events off a blocking reader, line by line. Only what
//! the protocol sends is understood (`feed` and `closed` events, heartbeat comments); unknown
//! events are skipped, so a newer server can add some. A line or an event longer than
//! [`MAX_EVENT_BYTES`] ends the stream as malformed, so a hostile server cannot grow memory.

use std::io::{BufRead, Read};

use crate::sync::protocol::{LIVE_EVENT_CLOSED, LIVE_EVENT_FEED, LiveClosed, LiveFeed};

/// Largest event accepted, in bytes (a `feed` event is under 100).
pub(crate) const MAX_EVENT_BYTES: usize = 4096;

/// What the channel said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Said {
    /// The user's feed ends at this cursor.
    Feed(String),
    /// The server closes the channel, for this reason.
    Closed(String),
    /// A heartbeat or an event this client does not know: the connection is alive.
    Alive,
}

/// Why reading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ended {
    /// The server ended the stream.
    Eof,
    /// Reading failed (timeout: no heartbeat in time; connection lost) or the stream is not
    /// server-sent events as the protocol sends them.
    Broken(String),
}

/// Reads the next thing the channel says.
pub(crate) fn next(reader: &mut impl BufRead) -> Result<Said, Ended> {
    let (mut name, mut data) = (None::<String>, String::new());
    loop {
        let mut line = Vec::new();
        let read = (&mut *reader)
            .take(MAX_EVENT_BYTES as u64 + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| Ended::Broken(e.to_string()))?;
        if read == 0 {
            return Err(Ended::Eof);
        }
        if line.len() > MAX_EVENT_BYTES || data.len() > MAX_EVENT_BYTES {
            return Err(Ended::Broken("an event is over the size limit".into()));
        }
        let line =
            String::from_utf8(line).map_err(|_| Ended::Broken("the stream is not UTF-8".into()))?;
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            match name.take() {
                Some(name) => return Ok(event(&name, &data)),
                None if !data.is_empty() => return Ok(Said::Alive),
                None => continue,
            }
        }
        if line.starts_with(':') {
            return Ok(Said::Alive);
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => name = Some(value.to_owned()),
            "data" => data.push_str(value),
            _ => {}
        }
    }
}

/// A complete event: `feed` and `closed` as the protocol defines them, anything else alive.
fn event(name: &str, data: &str) -> Said {
    match name {
        LIVE_EVENT_FEED => serde_json::from_str::<LiveFeed>(data)
            .map(|f| Said::Feed(f.cursor))
            .unwrap_or(Said::Alive),
        LIVE_EVENT_CLOSED => serde_json::from_str::<LiveClosed>(data)
            .map(|c| Said::Closed(c.reason))
            .unwrap_or_else(|_| Said::Closed(String::new())),
        _ => Said::Alive,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_heartbeats_and_unknown_events_are_read_in_order() {
        let text = "event: feed\ndata: {\"cursor\":\"e:5\"}\n\n: heartbeat\n\nevent: later\ndata: {}\n\n\
                    event: closed\ndata: {\"reason\":\"token_expired\"}\n\n";
        let mut reader = text.as_bytes();
        assert_eq!(next(&mut reader), Ok(Said::Feed("e:5".into())));
        assert_eq!(next(&mut reader), Ok(Said::Alive));
        assert_eq!(
            next(&mut reader),
            Ok(Said::Alive),
            "an unknown event is skipped"
        );
        assert_eq!(next(&mut reader), Ok(Said::Closed("token_expired".into())));
        assert_eq!(next(&mut reader), Err(Ended::Eof));
    }

    #[test]
    fn an_oversized_or_binary_stream_is_broken() {
        let long = format!("data: {}\n", "x".repeat(MAX_EVENT_BYTES + 10));
        assert!(matches!(next(&mut long.as_bytes()), Err(Ended::Broken(_))));
        let binary: &[u8] = b"event: feed\ndata: \xff\xfe\n\n";
        assert!(matches!(next(&mut &binary[..]), Err(Ended::Broken(_))));
    }
}
