//! The blocking HTTP client every sync request goes through (see `transport` for the TLS
//! stack and why), built in one place for the transport, the sign-in calls and the live channel.

use std::time::Duration;

use reqwest::blocking::Client as Http;

use crate::error::{Error, Result};

/// Builds the blocking HTTP client with the timeouts and the rustls/webpki-roots TLS stack.
/// With reqwest's `gzip` feature it asks for gzip answers and decompresses them.
pub(crate) fn http_client(connect_timeout: Duration, request_timeout: Duration) -> Result<Http> {
    Http::builder()
        .use_rustls_tls()
        .gzip(true)
        .connect_timeout(connect_timeout)
        .timeout(request_timeout)
        .build()
        .map_err(|e| Error::Network(format!("could not build the HTTP client: {e}")))
}
