//! Nothing acknowledged is lost and nothing is torn when the process dies
//! mid-write. This test is its own program (`harness = false` in
//! Cargo.toml): run plainly it is the test; run with HOMECALL_CRASH_WRITER
//! set to a directory it is the writer, making 1,000 writes of links and of
//! a counter, each acknowledged on stdout once its write returned. The test
//! starts itself as the writer, SIGKILLs it part-way and checks the files.
//! (SIGKILL loses no page cache; the fsync half of power-cut safety is the
//! store's temp-file + fsync + rename + directory-fsync discipline.)
//!
//! A test target rather than a `[[bin]]`: it is never installed or packaged,
//! needs no feature flag, and finds the writer as `current_exe()`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use homecall::links::{LinkBook, NewLink};
use homecall::store::JsonFile;

const WRITES: u64 = 1000;
const WRITER_ENV: &str = "HOMECALL_CRASH_WRITER";
const TEST_NAME: &str = "sigkill_during_a_thousand_writes_loses_nothing_acknowledged";

fn main() -> ExitCode {
    if let Some(dir) = std::env::var_os(WRITER_ENV) {
        write_until_killed(Path::new(&dir));
        return ExitCode::SUCCESS;
    }
    // Behave like libtest where it matters: free arguments are name filters
    // (cargo passes them to every test binary), and the summary line counts.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| TEST_NAME.contains(f.as_str())) {
        println!("test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 1 filtered out");
        return ExitCode::SUCCESS;
    }
    println!("test {TEST_NAME} ...");
    sigkill_during_a_thousand_writes_loses_nothing_acknowledged();
    println!("test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
    ExitCode::SUCCESS
}

/// The writer: each write acknowledged on stdout once it returned.
fn write_until_killed(dir: &Path) {
    let links = LinkBook::open(dir);
    let counter = JsonFile::new(dir.join("counter.json"));
    for i in 1..=WRITES {
        if i % 2 == 0 {
            counter.write(&i).expect("counter write");
            println!("counter {i}");
        } else {
            let (link, _) = links
                .create(&NewLink::lasting(&format!("L{i}")))
                .expect("link write");
            println!("link {}", link.id);
        }
    }
}

fn sigkill_during_a_thousand_writes_loses_nothing_acknowledged() {
    let mut kill_points = Vec::new();
    for (round, kill_after) in [37u64, 211, 503, 877].into_iter().enumerate() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .env(WRITER_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the writer");
        let stdout = child.stdout.take().expect("stdout");
        let mut acked_links = Vec::new();
        let mut acked_counter = 0u64;
        let mut acks = 0u64;
        let started = Instant::now();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("line");
            if let Some(id) = line.strip_prefix("link ") {
                acked_links.push(id.to_owned());
                acks += 1;
            } else if let Some(n) = line.strip_prefix("counter ") {
                acked_counter = n.parse().expect("number");
                acks += 1;
            }
            if acks == kill_after {
                child.kill().expect("SIGKILL");
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "writer too slow"
            );
        }
        let _ = child.wait();
        assert_eq!(
            acks, kill_after,
            "the writer ended after {acks} acknowledged writes, before it was killed"
        );
        kill_points.push((round, acks));

        // Every file parses; every acknowledged write is there; at most the
        // one write in flight may be there too.
        let links = LinkBook::open(dir.path())
            .list()
            .expect("links.json is intact");
        let ids: Vec<_> = links.iter().map(|l| l.id.clone()).collect();
        for id in &acked_links {
            assert!(
                ids.contains(id),
                "acknowledged link {id} lost (round {round})"
            );
        }
        assert!(
            ids.len() == acked_links.len() || ids.len() == acked_links.len() + 1,
            "{} links on disk, {} acknowledged",
            ids.len(),
            acked_links.len()
        );
        let counter: Option<u64> = JsonFile::new(dir.path().join("counter.json"))
            .read()
            .expect("counter.json is intact");
        let counter = counter.unwrap_or(0);
        assert!(
            counter == acked_counter || counter == acked_counter + 2,
            "counter {counter} on disk, {acked_counter} acknowledged"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(
            leftovers.len() <= 1,
            "temporary files pile up: {leftovers:?}"
        );
    }
    println!("killed after acknowledged writes: {kill_points:?}");
}
