//! The same protocol scenarios against the server on PostgreSQL, in a throwaway cluster.
//! Skipped, with a printed message, where the PostgreSQL 15 binaries are not installed.

use crate::common;
use crate::pg;

use common::{accounts, migrations, privacy, robust, scenarios};

#[test]
fn every_scenario_on_postgres() {
    let Some(mut cluster) = pg::Cluster::start() else {
        return;
    };
    for (name, scenario) in scenarios::ALL
        .iter()
        .chain(robust::ALL)
        .chain(accounts::ALL)
        .chain(migrations::ALL)
        .chain(privacy::ALL)
    {
        let url = cluster.new_database();
        println!("scenario {name} on {url}");
        scenario(&url);
    }
}
