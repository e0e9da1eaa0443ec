//! The `acumen` binary.

use std::io::Write;
use std::process::ExitCode;

use acumen_cli::meta_cmd::{run_to_string, MetaArgs};
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Meta(a) => run_to_string(a),
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
