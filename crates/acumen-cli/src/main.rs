//! The `acumen` binary.

use std::future::Future;
use std::io::Write;
use std::process::ExitCode;

use acumen_cli::meta::{run_to_writer, MetaArgs};
use acumen_cli::points::PointsArgs;
use acumen_cli::project::ProjectArgs;
use acumen_cli::registry::audit::AuditCmd;
use acumen_cli::registry::report::ReportArgs;
use acumen_cli::registry::{
    admin::{self, AdminCmd},
    demo::{self, DemoArgs},
    serve::{self, ServeArgs},
};
use acumen_cli::registry::{
    backup::{self, BackupArgs, RestoreArgs},
    migrate::{self, MigrateDbArgs},
};
use acumen_cli::simulate::SimulateArgs;
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
    /// Consistent online backup of a registry database.
    Backup(BackupArgs),
    /// Restores a backup into a new database file.
    Restore(RestoreArgs),
    /// Moves an SQLite registry into an empty PostgreSQL database, verified table by table.
    MigrateDb(MigrateDbArgs),
    /// Monte Carlo study of a meta-analytic method.
    Simulate(SimulateArgs),
    /// Acupoints by region, flag or name, with their use in neuropathy trials.
    Points(PointsArgs),
    /// An evidence project's content analysed offline: version hash, pooled result, GRADE, SoF, changelog, metafor script; or an import preview.
    Project(ProjectArgs),
    /// The answers page of a clinic as standalone HTML or JSON.
    Report(ReportArgs),
}

/// Runs an async command on a fresh runtime; its output is what it returns
/// (commands that print nothing return `()`).
fn block<T: Into<Output>>(f: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<String> {
    let out = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(f)?;
    Ok(out.into().0)
}

/// Text for standard output.
struct Output(String);

impl From<()> for Output {
    fn from(_: ()) -> Self {
        Output(String::new())
    }
}

impl From<String> for Output {
    fn from(s: String) -> Self {
        Output(s)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ACUMEN_LOG")
                .unwrap_or_else(|_| "info,sqlx::postgres::notice=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match &cli.command {
        Command::Meta(a) => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            run_to_writer(a, &mut out)
                .and_then(|_| Ok(out.flush()?))
                .map(|_| String::new())
        }
        Command::Serve(a) => block(serve::serve(a)),
        Command::Admin(c) => block(admin::admin(c)),
        Command::Audit(c) => block(acumen_cli::registry::audit::audit(c)),
        Command::Demo(a) => block(demo::demo(a)),
        Command::Backup(a) => block(backup::backup(a)),
        Command::Restore(a) => block(backup::restore(a)),
        Command::MigrateDb(a) => block(migrate::migrate_db(a)),
        Command::Simulate(a) => acumen_cli::simulate::run(a),
        Command::Points(a) => acumen_cli::points::run(a),
        Command::Project(a) => acumen_cli::project::run(a),
        Command::Report(a) => block(acumen_cli::registry::report::run(a)),
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
