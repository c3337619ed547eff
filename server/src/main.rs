//! The StudyMate reference sync server: the protocol of `docs/sync-protocol.md` over HTTP, on an
//! embedded SQLite file by default or on PostgreSQL given a `postgres://` URL.
//!
//! `cargo run -p studymate-server` serves on 127.0.0.1:8787 with `studymate-server.db` in the
//! working directory and the bundled catalog. It prints `listening on http://ADDR` once bound
//! (so `--listen 127.0.0.1:0` works for tests) and stops gracefully on SIGINT or SIGTERM.

mod admin;
mod auth;
mod catalog;
mod db;
mod devices;
mod feed;
mod http;
mod ledger;
mod progress;
mod push;
mod records;
mod users;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use uuid::Uuid;

use crate::db::{Backend, TxMode, in_tx};
use crate::http::AppState;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    name = "studymate-server",
    version,
    about = "StudyMate reference sync server"
)]
struct Cli {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// SQLite file path, or a postgres:// URL.
    #[arg(long, default_value = "studymate-server.db")]
    database: String,
    /// Situation catalog in the CatalogBatch JSON format; by default the one the desktop demo bundles.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/catalog/catalog.json"))]
    catalog: PathBuf,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    token_ttl_seconds: u64,
    /// Start a new history epoch: rebuild every feed from current state and drop superseded
    /// changes. Clients holding an old cursor get 410 history_reset and pull from scratch.
    #[arg(long)]
    reset_history: bool,
    /// An operator command to run against the database instead of serving.
    #[command(subcommand)]
    command: Option<Command>,
}

/// Operator commands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Credits (or, with a negative amount, debits) a user's points as an admin adjustment, the
    /// only way points reach a ledger other than the reward rules and freeze purchases.
    AdjustPoints {
        /// The user's id.
        #[arg(long)]
        user: Uuid,
        /// Points to add (negative to take away).
        #[arg(long, allow_hyphen_values = true)]
        points: i64,
        /// Why, shown in the user's ledger.
        #[arg(long, default_value = "Adjustment")]
        description: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("studymate-server: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the store, loads the catalog, then serves until a shutdown signal. The store is opened
/// and finally dropped outside the async runtime, because the PostgreSQL client blocks.
fn run(cli: &Cli) -> Result<(), String> {
    #[cfg(feature = "fault-injection")]
    tracing::warn!(
        "test build with fault injection: a push carrying {} panics",
        studymate_server::POISON_ENTITY_ID
    );
    let db: Arc<dyn Backend> = Arc::from(db::open(&cli.database).map_err(|e| e.to_string())?);
    if let Some(Command::AdjustPoints {
        user,
        points,
        description,
    }) = &cli.command
    {
        let entry = admin::adjust_points(db.as_ref(), *user, *points, description)
            .map_err(|e| e.to_string())?;
        println!(
            "adjusted {user} by {} points (entry {})",
            entry.points, entry.id
        );
        return Ok(());
    }
    prepare(db.as_ref(), cli)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let state = AppState {
        db: Arc::clone(&db),
        token_ttl_seconds: cli.token_ttl_seconds,
    };
    runtime.block_on(serve(cli.listen, state))?;
    drop(runtime);
    tracing::info!("stopped");
    Ok(())
}

/// Makes the history epoch, imports the catalog and, if asked, resets the history.
fn prepare(db: &dyn Backend, cli: &Cli) -> Result<(), String> {
    let batch = catalog::read(&cli.catalog).map_err(|e| e.to_string())?;
    let (epoch, published) = in_tx(db, TxMode::Write, |conn| {
        let epoch = if cli.reset_history {
            feed::reset_history(conn)?
        } else {
            feed::init_epoch(conn)?
        };
        let published = catalog::import(conn, &batch)?;
        let counted = progress::backfill(conn)?;
        if counted > 0 {
            tracing::info!(
                sessions = counted,
                "derived practice days and counts from stored sessions"
            );
        }
        Ok::<_, catalog::CatalogError>((epoch, published))
    })
    .map_err(|e| e.to_string())?;
    tracing::info!(store = db.name(), %epoch, catalog_items_published = published, "store ready");
    Ok(())
}

async fn serve(listen: SocketAddr, state: AppState) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{bound}")
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))?;
    drop(out);
    tracing::info!(%bound, "serving");
    axum::serve(listener, http::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server failed: {e}"))
}

/// Resolves on SIGINT or SIGTERM; in-flight requests then finish before `serve` returns.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
