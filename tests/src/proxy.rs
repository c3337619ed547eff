//! A fault-injecting HTTP/1.1 proxy on loopback, between a device and the real server. Each
//! request is forwarded on a fresh upstream connection (`Connection: close`) and may suffer one
//! [`Fault`], taken from a script (then passing) or drawn at random. It can also stand for a
//! proxy with a smaller body limit than the server's ([`Proxy::limit_body`]). The live channel
//! (`GET /v1/sync/live`, an endless event stream) is piped through as it comes, and
//! [`Proxy::cut_streams`] drops every such connection at once, as a lost network would.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forwarded and answered normally.
    Pass,
    /// The connection is closed before the request reaches the server.
    DropBefore,
    /// The server handles the request, but the connection is closed before the answer.
    DropAfter,
    /// Answered normally after a delay (milliseconds).
    Delay(u64),
    /// Answered by the proxy with this status (no server involved); 503/429 carry `Retry-After: 1`.
    Status(u16),
    /// The server's answer is cut in the middle of its body.
    Truncate,
    /// The request reaches the server twice; the second answer is returned.
    Repeat,
}

/// The faults a random plan draws from.
pub const RANDOM_FAULTS: &[Fault] = &[
    Fault::DropBefore,
    Fault::DropAfter,
    Fault::Delay(30),
    Fault::Status(500),
    Fault::Status(503),
    Fault::Truncate,
    Fault::Repeat,
];

enum Plan {
    Script(VecDeque<Fault>),
    Random {
        rng: fastrand::Rng,
        rate_percent: u8,
    },
}

/// A running proxy; stops accepting when dropped.
pub struct Proxy {
    /// `http://127.0.0.1:PORT` to give the device instead of the server's address.
    pub base: String,
    plan: Arc<Mutex<Plan>>,
    upstream: Arc<Mutex<String>>,
    stopped: Arc<AtomicBool>,
    /// Requests with a larger body are answered 413 without reaching the server (0: no limit).
    body_limit: Arc<AtomicUsize>,
    /// How many faults (other than `Pass`) were injected, 413s for the body limit included.
    pub injected: Arc<AtomicU64>,
    /// The bearer token of every request that reached the proxy, in order (to tell whether a
    /// token was ever used).
    pub bearers: Arc<Mutex<Vec<String>>>,
    /// The device side of every live stream being piped, to cut them.
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    /// Starts a proxy to `upstream` (`http://host:port`) that passes everything.
    pub fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let proxy = Proxy {
            base,
            plan: Arc::new(Mutex::new(Plan::Script(VecDeque::new()))),
            upstream: Arc::new(Mutex::new(strip(upstream))),
            stopped: Arc::new(AtomicBool::new(false)),
            body_limit: Arc::new(AtomicUsize::new(0)),
            injected: Arc::new(AtomicU64::new(0)),
            bearers: Arc::new(Mutex::new(Vec::new())),
            streams: Arc::new(Mutex::new(Vec::new())),
        };
        let (plan, upstream, stopped, injected, bearers) = (
            proxy.plan.clone(),
            proxy.upstream.clone(),
            proxy.stopped.clone(),
            proxy.injected.clone(),
            proxy.bearers.clone(),
        );
        let body_limit = proxy.body_limit.clone();
        let streams = proxy.streams.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                let (plan, upstream, injected, bearers) = (
                    plan.clone(),
                    upstream.clone(),
                    injected.clone(),
                    bearers.clone(),
                );
                let limit = body_limit.clone();
                let streams = streams.clone();
                std::thread::spawn(move || {
                    serve(
                        conn, &plan, &upstream, &injected, &limit, &bearers, &streams,
                    )
                });
            }
        });
        proxy
    }

    /// The next requests suffer these faults, in order; later ones pass.
    pub fn script(&self, faults: &[Fault]) {
        *self.plan.lock().unwrap() = Plan::Script(faults.iter().copied().collect());
    }

    /// Every request suffers a random fault with probability `rate_percent`%.
    pub fn random(&self, seed: u64, rate_percent: u8) {
        *self.plan.lock().unwrap() = Plan::Random {
            rng: fastrand::Rng::with_seed(seed),
            rate_percent,
        };
    }

    /// Answers 413 `payload_too_large` to every request whose body is over `bytes`, as a proxy
    /// or server with a smaller limit than the reference server's would.
    pub fn limit_body(&self, bytes: usize) {
        self.body_limit.store(bytes, Ordering::SeqCst);
    }

    /// Drops every live stream being piped (the devices see their connections lost).
    pub fn cut_streams(&self) {
        for stream in self.streams.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Points the proxy at another server address (after a restart).
    pub fn retarget(&self, upstream: &str) {
        *self.upstream.lock().unwrap() = strip(upstream);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.base.trim_start_matches("http://"));
    }
}

fn strip(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

fn next_fault(plan: &Mutex<Plan>) -> Fault {
    match &mut *plan.lock().unwrap() {
        Plan::Script(queue) => queue.pop_front().unwrap_or(Fault::Pass),
        Plan::Random { rng, rate_percent } => {
            if rng.u8(0..100) < *rate_percent {
                RANDOM_FAULTS[rng.usize(0..RANDOM_FAULTS.len())]
            } else {
                Fault::Pass
            }
        }
    }
}

/// Serves one client connection, request by request.
fn serve(
    mut conn: TcpStream,
    plan: &Mutex<Plan>,
    upstream: &Mutex<String>,
    injected: &AtomicU64,
    body_limit: &AtomicUsize,
    bearers: &Mutex<Vec<String>>,
    streams: &Mutex<Vec<TcpStream>>,
) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let mut buffer = Vec::new();
    loop {
        let Some((request, body_len)) = read_request(&mut conn, &mut buffer) else {
            return;
        };
        if let Some(token) = bearer(&request) {
            bearers.lock().unwrap().push(token);
        }
        let limit = body_limit.load(Ordering::SeqCst);
        let fault = if limit > 0 && body_len > limit {
            Fault::Status(413)
        } else {
            next_fault(plan)
        };
        if fault != Fault::Pass {
            injected.fetch_add(1, Ordering::SeqCst);
        }
        let target = upstream.lock().unwrap().clone();
        if request.starts_with(b"GET /v1/sync/live") {
            // An endless stream: refused or piped, never read to its end.
            match fault {
                Fault::DropBefore => {
                    let _ = conn.shutdown(Shutdown::Both);
                }
                Fault::Status(code) => {
                    let _ = conn.write_all(&canned(code));
                }
                _ => pipe(conn, &target, &request, streams),
            }
            return;
        }
        let answer = match fault {
            Fault::DropBefore => None,
            Fault::DropAfter => {
                let _ = forward(&target, &request);
                None
            }
            Fault::Delay(ms) => {
                std::thread::sleep(Duration::from_millis(ms));
                forward(&target, &request)
            }
            Fault::Status(code) => Some(canned(code)),
            Fault::Truncate => forward(&target, &request).map(|r| truncate(&r)),
            Fault::Repeat => {
                let _ = forward(&target, &request);
                forward(&target, &request)
            }
            Fault::Pass => forward(&target, &request),
        };
        let Some(answer) = answer else {
            let _ = conn.shutdown(Shutdown::Both);
            return;
        };
        if conn.write_all(&answer).is_err() {
            return;
        }
        if matches!(fault, Fault::Truncate) {
            let _ = conn.shutdown(Shutdown::Both);
            return;
        }
    }
}

/// Reads one request (head and Content-Length body) and rewrites it to `Connection: close`;
/// returns it with the length of its body.
fn read_request(conn: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<(Vec<u8>, usize)> {
    let mut chunk = [0u8; 16384];
    let head_end = loop {
        if let Some(i) = find(buffer, b"\r\n\r\n") {
            break i + 4;
        }
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let length = content_length(&head);
    while buffer.len() < head_end + length {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body: Vec<u8> = buffer[head_end..head_end + length].to_vec();
    buffer.drain(..head_end + length);
    let mut rewritten = String::new();
    for line in head.trim_end().split("\r\n") {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            rewritten.push_str(line);
            rewritten.push_str("\r\n");
        }
    }
    rewritten.push_str("Connection: close\r\n\r\n");
    let mut request = rewritten.into_bytes();
    request.extend_from_slice(&body);
    Some((request, length))
}

/// The bearer token in a request's `Authorization` header.
fn bearer(request: &[u8]) -> Option<String> {
    let head_end = find(request, b"\r\n\r\n")?;
    String::from_utf8_lossy(&request[..head_end])
        .split("\r\n")
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            let token = value.trim().strip_prefix("Bearer ")?;
            name.eq_ignore_ascii_case("authorization")
                .then(|| token.to_owned())
        })
}

fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| {
            let lower = l.to_ascii_lowercase();
            lower
                .strip_prefix("content-length:")
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Sends a live request upstream and copies the endless answer to the device as it comes,
/// until either side closes or [`Proxy::cut_streams`] cuts it.
fn pipe(mut conn: TcpStream, target: &str, request: &[u8], streams: &Mutex<Vec<TcpStream>>) {
    let Ok(mut up) = TcpStream::connect(target) else {
        let _ = conn.shutdown(Shutdown::Both);
        return;
    };
    if up.write_all(request).is_err() {
        return;
    }
    if let (Ok(device), Ok(server)) = (conn.try_clone(), up.try_clone()) {
        streams.lock().unwrap().extend([device, server]);
    }
    let _ = up.set_read_timeout(None);
    let mut chunk = [0u8; 4096];
    loop {
        match up.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if conn.write_all(&chunk[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = conn.shutdown(Shutdown::Both);
    let _ = up.shutdown(Shutdown::Both);
}

/// Sends the request on a new connection and reads the answer to EOF.
fn forward(target: &str, request: &[u8]) -> Option<Vec<u8>> {
    let mut up = TcpStream::connect(target).ok()?;
    let _ = up.set_read_timeout(Some(Duration::from_secs(60)));
    up.write_all(request).ok()?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer).ok()?;
    (!answer.is_empty()).then_some(answer)
}

fn truncate(answer: &[u8]) -> Vec<u8> {
    let body_start = find(answer, b"\r\n\r\n").map_or(answer.len(), |i| i + 4);
    let body_len = answer.len() - body_start;
    answer[..body_start + body_len / 2].to_vec()
}

fn canned(code: u16) -> Vec<u8> {
    let body = if code == 413 {
        r#"{"code":"payload_too_large","message":"over the test proxy's body limit"}"#
    } else {
        r#"{"code":"internal","message":"injected by the test proxy"}"#
    };
    let retry = if code == 503 || code == 429 {
        "Retry-After: 1\r\n"
    } else {
        ""
    };
    format!(
        "HTTP/1.1 {code} Injected\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{retry}Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
