//! The StudyMate reference sync server: the protocol of `docs/sync-protocol.md` over HTTP, on an
//! embedded SQLite file by default or on PostgreSQL given a `postgres://` URL.
//!
//! `cargo run -p studymate-server` serves on 127.0.0.1:8787 with `studymate-server.db` in the
//! working directory and the bundled catalog. It prints `listening on http://ADDR` once bound
//! (so `--listen 127.0.0.1:0` works for tests) and stops gracefully on SIGINT or SIGTERM, also
//! when started with them blocked (`signals`).

mod admin;
mod auth;
mod catalog;
mod db;
mod devices;
mod feed;
mod http;
mod ledger;
mod live;
mod privacy;
mod progress;
mod push;
mod records;
mod signals;
mod users;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use uuid::Uuid;

use crate::auth::Guards;
use crate::auth::gate::HashGate;
use crate::auth::throttle::{AddressLimit, Budget, FailureLimit};
use crate::db::{Backend, TxMode};
use crate::http::AppState;
use crate::live::{Live, Route};

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
    /// Password hashes (signup, login) run at once; each takes about 19 MiB. By default the
    /// number of CPUs.
    #[arg(long, default_value_t = default_hash_concurrency(), value_parser = clap::value_parser!(u32).range(1..=1024))]
    hash_concurrency: u32,
    /// How long a signup or login waits for a hashing slot before it is answered 503 busy, in
    /// milliseconds.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    hash_wait_ms: u64,
    /// Login requests allowed per client address (IPv6: per /64) per minute, as a burst that
    /// refills evenly; then 429 too_many_attempts. 0: no limit (e.g. behind a proxy, where every
    /// client has the proxy's address).
    #[arg(long, default_value_t = 30)]
    login_per_address_per_minute: u32,
    /// Failed logins allowed per username per hour, as a burst that refills evenly; a successful
    /// login clears the count. 0: no limit.
    #[arg(long, default_value_t = 10)]
    login_failures_per_username_per_hour: u32,
    /// Signup requests allowed per client address (IPv6: per /64) per hour, as a burst that
    /// refills evenly. 0: no limit.
    #[arg(long, default_value_t = 60)]
    signup_per_address_per_hour: u32,
    /// How often an idle live channel (`GET /v1/sync/live`) sends a heartbeat, in seconds, so
    /// devices and proxies notice a dead connection.
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u64).range(1..=3600))]
    live_heartbeat_seconds: u64,
    /// Start a new history epoch: rebuild every feed from current state and drop superseded
    /// changes. Clients holding an old cursor get 410 history_reset and pull from scratch.
    #[arg(long)]
    reset_history: bool,
    /// How long superseded history is kept, in seconds (default 30 days): a change to a record
    /// that a newer change of the same record followed in the same feed is dropped this long
    /// after, without a new epoch (docs/privacy.md). 0 drops it at the next compaction.
    #[arg(long, default_value_t = 2_592_000)]
    history_retention_seconds: u64,
    /// How often superseded history is compacted while serving, in seconds; also the precision
    /// of the retention period. 0: only at start.
    #[arg(long, default_value_t = 3600)]
    compaction_interval_seconds: u64,
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
    /// Compacts superseded history once, as the serving server does every
    /// `--compaction-interval-seconds`, and prints what it removed.
    CompactHistory,
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
    // Before the runtime starts its threads, which inherit this thread's mask.
    if let Err(e) = signals::unblock_shutdown_signals() {
        tracing::warn!("cannot unblock SIGTERM and SIGINT; they may not stop the server: {e}");
    }
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
    let route = Route::for_database(&cli.database);
    if let Some(Command::AdjustPoints {
        user,
        points,
        description,
    }) = &cli.command
    {
        let entry = admin::adjust_points(db.as_ref(), route, *user, *points, description)
            .map_err(|e| e.to_string())?;
        println!(
            "adjusted {user} by {} points (entry {})",
            entry.points, entry.id
        );
        return Ok(());
    }
    if let Some(Command::CompactHistory) = &cli.command {
        let done = compact(db.as_ref(), route, cli.history_retention_seconds)?;
        println!(
            "compacted history: {} feed rows and {} changes removed",
            done.feed_rows, done.changes
        );
        return Ok(());
    }
    prepare(db.as_ref(), route, cli)?;
    compact(db.as_ref(), route, cli.history_retention_seconds)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let live = Live::open(
        &cli.database,
        Duration::from_secs(cli.live_heartbeat_seconds),
    )?;
    let state = AppState {
        db: Arc::clone(&db),
        live: Arc::new(live),
        token_ttl_seconds: cli.token_ttl_seconds,
        guards: Arc::new(guards(cli)),
    };
    if route == Route::InProcess {
        runtime.spawn(live::poll::run(
            Arc::clone(&db),
            Arc::clone(state.live.hub()),
        ));
    }
    if cli.compaction_interval_seconds > 0 {
        runtime.spawn(compact_periodically(
            Arc::clone(&db),
            route,
            cli.history_retention_seconds,
            Duration::from_secs(cli.compaction_interval_seconds),
        ));
    }
    runtime.block_on(serve(cli.listen, state))?;
    drop(runtime);
    tracing::info!("stopped");
    Ok(())
}

/// The number of CPUs, the default bound on concurrent hashing.
fn default_hash_concurrency() -> u32 {
    std::thread::available_parallelism()
        .map_or(1, |n| u32::try_from(n.get()).unwrap_or(1024))
        .min(1024)
}

/// The auth endpoints' defences, as the flags set them.
fn guards(cli: &Cli) -> Guards {
    const MINUTE: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3600);
    Guards {
        hashing: HashGate::new(
            usize::try_from(cli.hash_concurrency).unwrap_or(1),
            Duration::from_millis(cli.hash_wait_ms),
        ),
        login_per_address: AddressLimit::new(Budget::new(cli.login_per_address_per_minute, MINUTE)),
        login_failures: FailureLimit::new(Budget::new(
            cli.login_failures_per_username_per_hour,
            HOUR,
        )),
        signup_per_address: AddressLimit::new(Budget::new(cli.signup_per_address_per_hour, HOUR)),
    }
}

/// Makes the history epoch, imports the catalog and, if asked, resets the history. On
/// PostgreSQL, server processes already serving hear the moved feeds (`route`).
fn prepare(db: &dyn Backend, route: Route, cli: &Cli) -> Result<(), String> {
    let batch = catalog::read(&cli.catalog).map_err(|e| e.to_string())?;
    // Nothing listens in this process yet, so there is nothing to announce in process.
    let ((epoch, published), _moved) = live::write_tx(db, TxMode::Exclusive, route, |conn| {
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

/// Runs one compaction of superseded history ([`privacy::retention`]) and logs it. (It
/// delivers nothing, so it moves no feed and wakes nobody.)
fn compact(
    db: &dyn Backend,
    route: Route,
    retention_seconds: u64,
) -> Result<privacy::retention::Compaction, String> {
    let (done, _moved) = live::write_tx(db, TxMode::Exclusive, route, |conn| {
        privacy::retention::compact(conn, retention_seconds, chrono::Utc::now().timestamp())
    })
    .map_err(|e| format!("history compaction failed: {e}"))?;
    tracing::info!(
        feed_rows = done.feed_rows,
        changes = done.changes,
        "superseded history compacted"
    );
    Ok(done)
}

/// Compacts every `interval` on a blocking thread until the server stops. A failed run is
/// logged and tried again at the next tick.
async fn compact_periodically(
    db: Arc<dyn Backend>,
    route: Route,
    retention_seconds: u64,
    interval: Duration,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.tick().await; // the first tick is immediate; the start already compacted
    loop {
        ticks.tick().await;
        let db = Arc::clone(&db);
        let ran =
            tokio::task::spawn_blocking(move || compact(db.as_ref(), route, retention_seconds))
                .await;
        match ran {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!("{e}"),
            Err(e) => tracing::warn!("history compaction stopped: {e}"),
        }
    }
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
    let live = Arc::clone(&state.live);
    // With the peer's address, for the per-address limits of login and signup.
    let app = http::router(state).into_make_service_with_connect_info::<SocketAddr>();
    // Answers leave at once: with Nagle's algorithm a response's last segment waits for the
    // client's delayed acknowledgement (up to 40 ms per request on Linux).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!("could not set TCP_NODELAY: {e}");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // Live channels never finish on their own: close them so the server can stop.
            live.shut_down();
        })
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
