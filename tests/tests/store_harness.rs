//! The harness itself: private servers are ours, restart empty on the same port, die with
//! their handle; child processes are SIGKILLed by PID.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use liner_tests::{ChildProcess, RedisServer};
use redis::Commands;

fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn private_server_restarts_empty_on_its_port_and_dies_with_its_handle() {
    let mut server = RedisServer::start_local();
    let (port, first_pid) = (server.port(), server.pid().unwrap());
    assert_ne!(port, 6379);
    assert!(process_exists(first_pid));
    server
        .connection()
        .set::<_, _, ()>("lnr_harness_probe", 1)
        .unwrap();

    server.restart_empty();
    let second_pid = server.pid().unwrap();
    assert_ne!(second_pid, first_pid);
    assert!(!process_exists(first_pid), "old server still alive");
    assert_eq!(server.port(), port);
    let probe: Option<i64> = server.connection().get("lnr_harness_probe").unwrap();
    assert_eq!(probe, None, "data survived the restart");

    drop(server);
    assert!(!process_exists(second_pid), "server outlived its handle");
}

#[test]
fn child_processes_report_lines_and_die_by_sigkill() {
    let mut child = ChildProcess::spawn(
        Command::new("sh").args(["-c", "echo booting; echo ready 42; exec sleep 30"]),
    );
    let line = child.wait_for_line(Duration::from_secs(5), |l| l.starts_with("ready"));
    assert_eq!(line, "ready 42");
    assert!(child.is_running());
    let status = child.kill9();
    assert_eq!(status.signal(), Some(9));
    assert!(!child.is_running());
}

#[test]
fn child_processes_that_exit_are_reaped() {
    let mut child = ChildProcess::spawn(Command::new("sh").args(["-c", "echo bye; exit 3"]));
    assert_eq!(
        child.next_line(Duration::from_secs(5)).as_deref(),
        Some("bye")
    );
    let status = child.wait_timeout(Duration::from_secs(5)).expect("exited");
    assert_eq!(status.code(), Some(3));
}
