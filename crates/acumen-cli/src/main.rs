//! The `acumen` binary.

use std::io::Write;
use std::process::ExitCode;

use acumen_cli::meta_cmd::{run_to_string, MetaArgs};
use acumen_cli::registry_cmd::{self, AdminCmd, AuditCmd, DemoArgs, ServeArgs};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "acumen",
    version,
    about = "Acumen: measured evidence for acupuncture in neuropathic pain"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Meta-analysis of a CSV file (effect sizes, random-effects models, meta-regression).
    Meta(MetaArgs),
    /// Serves the clinic registry's JSON API.
    Serve(ServeArgs),
    /// Administration (create a clinic and its first admin).
    #[command(subcommand)]
    Admin(AdminCmd),
    /// Audit-log tools.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Creates a simulated demo clinic database.
    Demo(DemoArgs),
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("ACUMEN_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let result = match &cli.command {
        Command::Meta(a) => run_to_string(a),
        Command::Serve(a) => runtime()
            .and_then(|rt| rt.block_on(registry_cmd::serve(a)))
            .map(|_| String::new()),
        Command::Admin(c) => runtime()
            .and_then(|rt| rt.block_on(registry_cmd::admin(c)))
            .map(|_| String::new()),
        Command::Audit(c) => runtime()
            .and_then(|rt| rt.block_on(registry_cmd::audit(c)))
            .map(|_| String::new()),
        Command::Demo(a) => runtime()
            .and_then(|rt| rt.block_on(registry_cmd::demo(a)))
            .map(|_| String::new()),
    };
    match result {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(out.as_bytes()).is_err() {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("error: {}", chain.join(": "));
            ExitCode::from(2)
        }
    }
}
