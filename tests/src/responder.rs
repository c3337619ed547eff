//! A hand-written loopback HTTP responder that answers every request with one fixed response,
//! for feeding the client malformed server answers (invalid JSON, wrong types, a cursor going
//! backwards) that the real server never sends.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A responder; its answer can be changed between requests.
pub struct Responder {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    answer: Arc<Mutex<(u16, String)>>,
}

impl Responder {
    /// Starts answering every request with `status` and the JSON `body`.
    pub fn start(status: u16, body: &str) -> Responder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let answer = Arc::new(Mutex::new((status, body.to_owned())));
        let shared = answer.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let mut buf = vec![0u8; 65536];
                let mut got = Vec::new();
                // Read the head and whatever body arrives with it; the answer ignores the request.
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let (status, body) = shared.lock().unwrap().clone();
                let _ = write!(
                    conn,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Responder { base, answer }
    }

    /// Changes the answer.
    pub fn set(&self, status: u16, body: &str) {
        *self.answer.lock().unwrap() = (status, body.to_owned());
    }
}
