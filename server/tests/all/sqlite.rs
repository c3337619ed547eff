//! The protocol scenarios against the server on its default store, an SQLite file.

use crate::common;

use common::{accounts, live, migrations, privacy, robust, scenarios};

/// Runs one scenario on a fresh database file.
fn run(name: &str) {
    let (_, scenario) = scenarios::ALL
        .iter()
        .chain(robust::ALL)
        .chain(accounts::ALL)
        .chain(migrations::ALL)
        .chain(privacy::ALL)
        .chain(live::ALL)
        .find(|(n, _)| *n == name)
        .expect("known scenario");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("server.db");
    scenario(db.to_str().expect("utf-8 path"));
}

macro_rules! scenario_tests {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { run(stringify!($name)); })*
        #[test]
        fn every_scenario_has_a_test() {
            let tested = [$(stringify!($name)),*];
            let all = scenarios::ALL.iter().chain(robust::ALL).chain(accounts::ALL);
            for (name, _) in all.chain(migrations::ALL).chain(privacy::ALL).chain(live::ALL) {
                assert!(tested.contains(name), "scenario {name} has no SQLite test");
            }
        }
    };
}

scenario_tests!(
    auth_signup_login_refresh_expiry,
    push_applied_duplicate_rejected,
    spends_from_two_devices_cannot_overdraw,
    pull_pages_with_cursor,
    pull_is_scoped_to_the_user,
    the_last_page_carries_the_users_counts,
    history_reset_answers_410,
    bad_requests_get_4xx_and_change_nothing,
    sigterm_finishes_in_flight_requests,
    sigterm_stops_a_server_started_with_it_blocked,
    forged_sessions_are_scored_again,
    points_come_only_from_the_rules,
    achievements_only_when_earned,
    one_award_from_two_devices_is_one_grant,
    a_panicking_push_commits_nothing_and_the_server_keeps_serving,
    an_overflowing_penalty_leaves_the_server_serving,
    oversized_and_hostile_fields_are_refused,
    pull_pages_are_bounded_by_bytes,
    a_device_id_belongs_to_the_first_account,
    profile_usernames_follow_the_signup_rules,
    unknown_kinds_refuse_only_their_entry,
    awards_of_a_refused_session_name_it,
    payloads_of_the_wrong_shape_refuse_only_their_entry,
    // Accounts (common/accounts.rs).
    hashing_is_bounded_under_a_login_flood,
    unknown_usernames_do_the_hashing_work,
    logins_are_throttled_per_username,
    logins_and_signups_are_throttled_per_address,
    logout_revokes_the_sign_in,
    refresh_rotates_retries_and_detects_replay,
    an_older_database_upgrades,
    client_session_logs_out,
    // Migrations (common/migrations.rs).
    an_empty_database_gets_every_migration_once,
    a_database_from_before_migrations_is_adopted_with_its_data,
    a_database_from_a_newer_server_is_refused_and_kept,
    // Privacy (common/privacy.rs).
    export_holds_everything_about_the_user,
    deleting_an_account_erases_it_and_anonymises_its_messages,
    superseded_history_is_compacted_after_the_retention_period,
    // The live channel (common/live.rs).
    live_announces_each_feed_move_and_nothing_else,
    live_closes_when_the_token_is_revoked_rotated_or_expires,
    live_refuses_what_every_endpoint_refuses,
    live_wakes_for_the_operators_adjustment,
);
