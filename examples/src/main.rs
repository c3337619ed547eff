//! StudyMate desktop demo: practise situations offline with on-device scoring, watch points,
//! streak, level and achievements grow, chat, and sync two simulated devices through the
//! reference server. Every action is also a subcommand with `--json` output for scripts.
//!
//! No failure ends in a panic: errors carry a code and advice ([`error::AppError`]), printed as
//! text or, with `--json`, as `{"error": {"code", "message"}}`; a closed output pipe ends the
//! program quietly; Ctrl-C restores the cursor and exits with 130 (see [`interrupt`]).

mod account;
mod chat;
mod cli;
mod device;
mod error;
mod interactive;
mod interrupt;
mod live;
mod out;
mod progress_bar;
mod render;
mod run;
mod safe;
mod sync;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use crate::error::AppError;

fn main() -> ExitCode {
    // Known before parsing, so that even a usage error can answer in JSON.
    let json = std::env::args_os().skip(1).any(|a| a == "--json");
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage(&err, json),
    };
    let result = interrupt::install(json).and_then(|()| run::run(cli));
    restore_cursor();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is_closed_pipe() => ExitCode::SUCCESS,
        Err(err) if err.is_interrupted() => {
            out::failure(
                &AppError::new(
                    err.code,
                    "stopped with Ctrl-C; every scored answer is saved",
                ),
                json,
            );
            ExitCode::from(130)
        }
        Err(err) => {
            out::failure(&err, json);
            ExitCode::FAILURE
        }
    }
}

/// Help and version go to standard output with success; a usage mistake is an error (exit 2)
/// whose text names the option and the fix, as JSON with `--json`.
fn usage(err: &clap::Error, json: bool) -> ExitCode {
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // A closed pipe (`--help | head -1`) leaves no one to tell.
            let _ = err.print();
            ExitCode::SUCCESS
        }
        _ if json => {
            let message = err.render().to_string();
            let message = message.trim().trim_start_matches("error: ");
            out::failure(&AppError::new("invalid_input", message), true);
            ExitCode::from(2)
        }
        _ => {
            let _ = err.print();
            ExitCode::from(2)
        }
    }
}

/// Shows the terminal's cursor again: a prompt interrupted by Ctrl-C leaves it hidden.
pub(crate) fn restore_cursor() {
    let term = console::Term::stderr();
    if term.is_term() {
        let _ = term.show_cursor();
    }
}
