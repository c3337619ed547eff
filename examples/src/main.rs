//! StudyMate desktop demo: practise situations offline with on-device scoring, watch points,
//! streak, level and achievements grow, chat, and sync two simulated devices through the
//! reference server. Every action is also a subcommand with `--json` output for scripts.

mod account;
mod cli;
mod device;
mod interactive;
mod render;
mod run;
mod sync;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match run::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
