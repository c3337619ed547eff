//! A throwaway PostgreSQL 15 cluster for tests: initdb in a temp dir, started with pg_ctl on a
//! free 127.0.0.1 port, stopped and deleted when dropped. PostgreSQL refuses to run as root, so
//! under root the cluster runs as the `postgres` system user (via `runuser`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the Debian/Ubuntu packages install the server binaries.
const BIN_DIR: &str = "/usr/lib/postgresql/15/bin";

/// A running cluster.
pub struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
    run_as: Option<&'static str>,
    databases: u32,
}

impl Cluster {
    /// Starts a cluster, or returns `None` (after printing why) where the binaries are absent.
    pub fn start() -> Option<Cluster> {
        if !Path::new(BIN_DIR).join("initdb").exists() {
            println!("skipping PostgreSQL tests: no initdb in {BIN_DIR}");
            return None;
        }
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let run_as = is_root.then_some("postgres");
        let dir = tempfile::tempdir().expect("temp dir");
        if let Some(user) = run_as {
            let owned = Command::new("chown")
                .args(["-R", user])
                .arg(dir.path())
                .status();
            assert!(
                owned.is_ok_and(|s| s.success()),
                "chown the cluster dir to {user}"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let cluster = Cluster {
            dir,
            port,
            run_as,
            databases: 0,
        };
        let data = cluster.data_dir();
        cluster.run(
            "initdb",
            &[
                "-D",
                path(&data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off",
            path(cluster.dir.path())
        );
        let log = cluster.dir.path().join("postgres.log");
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                path(&data),
                "-o",
                &options,
                "-l",
                path(&log),
                "-w",
                "start",
            ],
        );
        Some(cluster)
    }

    /// Creates a fresh database and returns its URL.
    pub fn new_database(&mut self) -> String {
        self.databases += 1;
        let name = format!("scenario_{}", self.databases);
        let port = self.port.to_string();
        self.run(
            "createdb",
            &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", &name],
        );
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, program: &str, args: &[&str]) {
        let binary = Path::new(BIN_DIR).join(program);
        let mut command = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&binary);
                c
            }
            None => Command::new(&binary),
        };
        let output = command.args(args).output().expect("run a PostgreSQL tool");
        assert!(
            output.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data_dir();
        let binary = Path::new(BIN_DIR).join("pg_ctl");
        let mut command = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&binary);
                c
            }
            None => Command::new(&binary),
        };
        let _ = command
            .args(["-D", path(&data), "-m", "immediate", "-w", "stop"])
            .output();
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}
