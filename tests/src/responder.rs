//! A hand-written loopback HTTP responder that answers every request with one fixed response,
//! for feeding the client answers the real server never sends (invalid JSON, wrong types, a
//! cursor going backwards, an HTML page, a gzip-encoded body). It keeps the head of the last
//! request, to check what the client asked for.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// One canned answer: status, extra headers, body.
type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// A responder; its answer can be changed between requests.
pub struct Responder {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    answer: Arc<Mutex<Answer>>,
    last_request: Arc<Mutex<String>>,
}

impl Responder {
    /// Starts answering every request with `status` and the JSON `body`.
    pub fn start(status: u16, body: &str) -> Responder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let answer = Arc::new(Mutex::new(json(status, body)));
        let last_request = Arc::new(Mutex::new(String::new()));
        let (shared, seen) = (answer.clone(), last_request.clone());
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
                *seen.lock().unwrap() = String::from_utf8_lossy(&got).into_owned();
                let (status, headers, body) = shared.lock().unwrap().clone();
                let mut head = format!("HTTP/1.1 {status} X\r\n");
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str(&format!(
                    "Content-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                ));
                let _ = conn.write_all(head.as_bytes());
                let _ = conn.write_all(&body);
            }
        });
        Responder {
            base,
            answer,
            last_request,
        }
    }

    /// Changes the answer to `status` with the JSON `body`.
    pub fn set(&self, status: u16, body: &str) {
        *self.answer.lock().unwrap() = json(status, body);
    }

    /// Changes the answer to `status` with these headers (`Content-Length` is added) and body.
    pub fn set_raw(&self, status: u16, headers: &[(&str, &str)], body: &[u8]) {
        let headers = headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        *self.answer.lock().unwrap() = (status, headers, body.to_vec());
    }

    /// The head (and any body that came with it) of the last request answered.
    pub fn last_request(&self) -> String {
        self.last_request.lock().unwrap().clone()
    }
}

fn json(status: u16, body: &str) -> Answer {
    (
        status,
        vec![("Content-Type".into(), "application/json".into())],
        body.as_bytes().to_vec(),
    )
}
