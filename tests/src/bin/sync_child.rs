//! A device in its own process, for the kill tests and the memory benchmark:
//! `sync-child DB BASE TOKENS_JSON_FILE USER_ID PULL_LIMIT` opens the database of `USER_ID`, syncs
//! once and prints `ok ELAPSED_MS PEAK_RSS_KB PULLED PUSHED CPU_MS` (peak RSS from
//! `/proc/self/status` VmHWM; CPU time of the sync, all threads, user and system), or
//! `error MESSAGE` with exit code 1.

use std::sync::Arc;
use std::time::Instant;

use studymate_core::sync::{ServerSession, SyncConfig};
use studymate_core::{Client, OpenOptions};
use studymate_e2e::own_cpu_ms;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        eprintln!("usage: sync-child DB BASE TOKENS_JSON_FILE USER_ID PULL_LIMIT");
        std::process::exit(2);
    }
    match run(&args) {
        Ok(line) => println!("{line}"),
        Err(e) => {
            println!("error {e}");
            std::process::exit(1);
        }
    }
}

fn run(args: &[String]) -> Result<String, String> {
    let tokens = std::fs::read_to_string(&args[3]).map_err(|e| e.to_string())?;
    let tokens = serde_json::from_str(&tokens).map_err(|e| e.to_string())?;
    let user = uuid::Uuid::parse_str(&args[4]).map_err(|e| e.to_string())?;
    let session = ServerSession::from_tokens(&args[2], tokens).map_err(|e| e.to_string())?;
    let client = Client::open(
        &args[1],
        OpenOptions {
            user_id: Some(user),
            ..OpenOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let mut config = SyncConfig::new(args[2].clone(), Arc::new(session));
    config.pull_limit = args[5].parse().map_err(|_| "bad PULL_LIMIT".to_string())?;
    let (start, cpu) = (Instant::now(), own_cpu_ms());
    let report = client.sync(&config).map_err(|e| e.to_string())?;
    let elapsed = start.elapsed().as_millis();
    Ok(format!(
        "ok {elapsed} {} {} {} {}",
        peak_rss_kb(),
        report.pulled,
        report.pushed,
        own_cpu_ms().saturating_sub(cpu)
    ))
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
