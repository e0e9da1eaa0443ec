//! Shared helpers: parsing `acumen meta` arguments, servers on free ports, the browser.

use acumen_cli::meta::MetaArgs;
use clap::Parser;
use std::path::PathBuf;

#[derive(Parser)]
struct Wrapper {
    #[command(flatten)]
    args: MetaArgs,
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Parses CLI arguments (after `acumen meta`) as the binary does.
pub fn parse_args(args: &[String]) -> MetaArgs {
    let mut all = vec!["acumen-meta".to_string()];
    all.extend(args.iter().cloned());
    Wrapper::try_parse_from(all).expect("fixture arguments parse").args
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `serve` (an `acumen serve … --listen 127.0.0.1:PORT` command) with
/// stderr to `log` and waits until `port` accepts connections.
pub fn start_server(mut serve: std::process::Command, port: u16, log: &std::path::Path) -> std::process::Child {
    let child = serve
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!(
        "server did not start: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// Writes `csv` to `acumen-{tag}-PID/{name}.csv` in the temporary directory
/// and runs the `acumen` binary's `meta` on it with `args`.
pub fn run_meta_csv(tag: &str, name: &str, csv: &str, args: &[&str]) -> std::process::Output {
    let dir = std::env::temp_dir().join(format!("acumen-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.csv"));
    std::fs::write(&path, csv).unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_acumen"))
        .arg("meta")
        .arg(&path)
        .args(args)
        .output()
        .unwrap()
}

/// A cookie client that names the site (`base` without `/api/v1`) as its
/// Origin, as a browser does on every write.
pub fn browser(base: &str) -> reqwest::Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("origin", base.trim_end_matches("/api/v1").parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(h)
        .build()
        .unwrap()
}
