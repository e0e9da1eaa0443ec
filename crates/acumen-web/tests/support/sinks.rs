//! Real receivers for the follow-up tests, shared by the web and CLI test
//! binaries: a real SMTP server (aiosmtpd, `smtp_sink.py`) and a loopback
//! stand-in for an SMS provider.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

pub struct SmtpSink {
    child: Child,
    dir: PathBuf,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl SmtpSink {
    /// Starts it (python3 with aiosmtpd).
    pub fn start() -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("acumen-smtp-{}-{port}", std::process::id()));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../acumen-web/tests/support/smtp_sink.py");
        let mut child = Command::new("python3")
            .args([script, &port.to_string(), dir.to_str().unwrap()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 for the SMTP server (aiosmtpd)");
        use std::io::BufRead;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(
            line.trim(),
            "ready",
            "the SMTP server did not start (is aiosmtpd installed?)"
        );
        SmtpSink { child, dir, port }
    }

    /// The messages received so far, oldest first.
    pub fn messages(&self) -> Vec<String> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback stand-in for an SMS provider: records every request (headers
/// and body) and answers each with the next of `answers` (a status, or
/// `None` to hang past the client's timeout), then 200.
pub struct SmsStub {
    /// Where to send.
    pub url: String,
    seen: Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>>,
}

impl SmsStub {
    /// Starts it on a free port.
    pub async fn start(answers: Vec<Option<u16>>) -> SmsStub {
        use axum::http::StatusCode;
        let seen: Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>> = Default::default();
        let queue = Arc::new(std::sync::Mutex::new(std::collections::VecDeque::from(answers)));
        let (s, q) = (seen.clone(), queue.clone());
        let app = axum::Router::new().route(
            "/send",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
                let (s, q) = (s.clone(), q.clone());
                async move {
                    s.lock().unwrap().push((headers, body));
                    let next = q.lock().unwrap().pop_front();
                    match next {
                        Some(None) => {
                            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                            StatusCode::OK
                        }
                        Some(Some(code)) => StatusCode::from_u16(code).unwrap(),
                        None => StatusCode::OK,
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/send", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        SmsStub { url, seen }
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<(axum::http::HeaderMap, String)> {
        self.seen.lock().unwrap().clone()
    }
}
