//! The command line: global options and one subcommand per action.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Practise English situations offline, chat, and sync devices.
#[derive(Debug, Parser)]
#[command(name = "studymate-demo", version, about)]
pub struct Cli {
    /// The device's folder: its database and sync settings live here. Two folders act as two
    /// devices. Default: the platform's data folder (on Linux ~/.local/share/studymate-demo).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print one JSON document instead of text (for scripts and tests).
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do; without a command the interactive app starts.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Every action of the demo.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the interactive app (the default).
    Interactive,
    /// List situations of the catalog.
    Situations {
        /// Only this category (greetings, ordering, directions, …).
        #[arg(long)]
        category: Option<String>,
        /// Only this difficulty (beginner, intermediate, advanced).
        #[arg(long)]
        difficulty: Option<String>,
    },
    /// What to practise next, with the reason for each.
    Next {
        /// How many to list (1–100).
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
        limit: u32,
    },
    /// Practise one round: start, take hints, answer, complete, and see the score and rewards.
    Practice(PracticeArgs),
    /// Points, level, streak, achievements and a chart of scores over time.
    Progress,
    /// Show the profile, or change it.
    Profile {
        /// New display name.
        #[arg(long)]
        name: Option<String>,
        /// New IANA time zone, e.g. Asia/Seoul.
        #[arg(long)]
        time_zone: Option<String>,
    },
    /// Chat rooms and messages.
    #[command(subcommand)]
    Chat(ChatCommand),
    /// Create an account on a server for this device's user, then sync.
    Signup(AccountArgs),
    /// Sign this device in to an existing account (use a new --data-dir), then sync.
    Login(AccountArgs),
    /// Push this device's changes and pull the server's; shows what was pushed, pulled and refused.
    Sync,
}

/// Options of `signup` and `login`.
#[derive(Debug, Args)]
pub struct AccountArgs {
    /// The server's address, e.g. http://127.0.0.1:8787 (see `cargo run -p studymate-server`).
    #[arg(long)]
    pub server: String,
    /// The account's handle.
    #[arg(long)]
    pub username: String,
    /// The password (8 characters or more); asked for without echo when left out.
    #[arg(long)]
    pub password: Option<String>,
}

/// Options of `practice`.
#[derive(Debug, Args)]
pub struct PracticeArgs {
    /// The situation: its name (e.g. cafe_ordering_dongseongro) or id; default: the top recommendation.
    #[arg(long)]
    pub situation: Option<String>,
    /// A variation id; default: the one practised least recently.
    #[arg(long)]
    pub variation: Option<String>,
    /// The answer to the character's line.
    #[arg(long)]
    pub answer: String,
    /// How many hints to take before answering (0–3).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=3))]
    pub hints: u8,
    /// Seconds the learner took to answer (affects typed fluency).
    #[arg(long, default_value_t = 6)]
    pub seconds: u32,
}

/// `chat …` subcommands.
#[derive(Debug, Subcommand)]
pub enum ChatCommand {
    /// List rooms with unread counts.
    Rooms,
    /// Start (or open) a direct chat with someone.
    Start {
        /// Their user id (shown by `profile` on their device).
        #[arg(long)]
        user_id: String,
        /// Their name, shown until sync brings their profile.
        #[arg(long)]
        name: String,
    },
    /// Send a text message.
    Send {
        /// The room id (see `chat rooms`).
        #[arg(long)]
        room: String,
        /// The text.
        text: String,
    },
    /// Shows a room's newest messages, then each incoming one as it arrives (live sync with the
    /// server; Ctrl-C to stop). Needs a signed-in device.
    Watch {
        /// The room id.
        #[arg(long)]
        room: String,
        /// Stop after this many incoming messages (default: run until Ctrl-C).
        #[arg(long)]
        count: Option<u32>,
    },
    /// The newest messages of a room, with their send state.
    List {
        /// The room id.
        #[arg(long)]
        room: String,
        /// How many (1–200).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=200))]
        limit: u32,
    },
    /// Mark a room read up to its newest message.
    Read {
        /// The room id.
        #[arg(long)]
        room: String,
    },
}
