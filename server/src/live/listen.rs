//! PostgreSQL: the dedicated connection on which this process `LISTEN`s to the wakes every
//! process sends (its own included) and hands them to the [`Hub`]. It runs on its own thread
//! (the `postgres` client blocks) and reconnects with a growing, jittered wait when the
//! database goes away; after reconnecting it has every connection recheck, since
//! notifications sent while it was away are lost.

use std::sync::Arc;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};

use super::hub::Hub;
use super::moved::{self, CHANNEL, Wake};
use studymate_core::jitter;

/// Longest wait between reconnection attempts.
const MAX_RECONNECT_WAIT: Duration = Duration::from_secs(30);

/// Starts the listening thread for the database at `url`. It connects once before returning,
/// so a server that cannot listen fails at start instead of serving a dead live channel.
pub fn start(url: &str, hub: Arc<Hub>) -> Result<(), String> {
    let first = connect(url).map_err(|e| format!("cannot LISTEN on {CHANNEL}: {e}"))?;
    let url = url.to_owned();
    std::thread::Builder::new()
        .name("live-listen".into())
        .spawn(move || run(&url, &hub, first))
        .map(|_| ())
        .map_err(|e| format!("cannot start the listening thread: {e}"))
}

fn connect(url: &str) -> Result<Client, postgres::Error> {
    let mut client = Client::connect(url, NoTls)?;
    client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    Ok(client)
}

/// Hands notifications to the hub until the connection fails, then reconnects; runs for the
/// life of the process.
fn run(url: &str, hub: &Hub, mut client: Client) {
    loop {
        drain(hub, &mut client);
        client = reconnect(url);
        hub.recheck_everyone();
    }
}

/// Hands `client`'s notifications to the hub until its connection fails.
fn drain(hub: &Hub, client: &mut Client) {
    let mut notifications = client.notifications();
    let mut notes = notifications.blocking_iter();
    loop {
        match notes.next().map(|n| n.map(|n| moved::parse(n.payload()))) {
            Ok(Some(Some(Wake::Feed(user, head)))) => hub.feed_moved(user, head),
            Ok(Some(Some(Wake::Recheck(user)))) => hub.recheck(user),
            Ok(Some(None)) => tracing::warn!("ignoring a notification this server did not send"),
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(error = %e, "the live listening connection failed");
                break;
            }
        }
    }
}

/// Connects again, waiting 0.5 s doubling to 30 s (half of it random) between attempts.
fn reconnect(url: &str) -> Client {
    let mut wait = Duration::from_millis(500);
    loop {
        std::thread::sleep(jitter::half_to_full(wait));
        match connect(url) {
            Ok(client) => {
                tracing::info!("the live listening connection is back");
                return client;
            }
            Err(e) => tracing::warn!(error = %e, "reconnecting the live listening connection"),
        }
        wait = (wait * 2).min(MAX_RECONNECT_WAIT);
    }
}
