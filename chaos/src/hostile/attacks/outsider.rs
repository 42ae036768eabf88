//! Outsiders that are real liner processes: a sender with another secret and one with no
//! secret at all, each sending to the listener's topic. The listener must refuse both
//! handshakes, the senders must be told (`StatusKind::PeerUnauthorized`), and none of
//! their messages may reach the callback (their streams count as forged deliveries).

use std::time::Duration;

use liner_broker::SECRET_ENV;
use liner_core::frame::RejectReason;

use super::{Outcome, Report, unauthorized};
use crate::hostile::net::End;
use crate::hostile::target::Target;
use crate::procs::field;
use crate::world::{SenderOpts, World};

/// Streams from here on belong to outsiders: any delivery of theirs is forged.
pub const OUTSIDER_STREAMS: u32 = 900;

pub fn wrong_secret(w: &mut World, t: &Target) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let other = w.dir.join("other-secret");
    std::fs::write(&other, b"an outsider's secret, not the listener's")
        .map_err(|e| format!("writing {}: {e}", other.display()))?;
    let cases = [
        (
            "sender with another secret",
            Some(format!("secret_file={}", other.display())),
        ),
        ("sender without a secret", None),
    ];
    let rounds = if t.full { 3 } else { 1 };
    for (k, (what, arg)) in cases.iter().cycle().take(cases.len() * rounds).enumerate() {
        let stream = OUTSIDER_STREAMS + k as u32;
        let mut opts = SenderOpts::new(stream).count(20).env(SECRET_ENV, None);
        if let Some(arg) = arg {
            opts = opts.arg(arg.clone());
        }
        let mut sender = w.start_sender(&opts)?;
        // Not booked: nothing it sends may arrive.
        sender.role.wait_line("done", Duration::from_secs(20))?;
        // A few reconnect attempts (the backoff is capped at 300 ms).
        std::thread::sleep(Duration::from_millis(1500));
        sender.role.sigterm();
        let line = sender.role.wait_line("stopped", Duration::from_secs(15))?;
        let told: u64 = field(&line, "unauthorized")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let end = if told > 0 {
            End::Rejected(RejectReason::Unauthorized)
        } else {
            End::Open
        };
        out.check(&format!("{what} (its status: {line})"), end, unauthorized);
        out.forged_sent += 20;
        let _ = sender.role.wait_exit(Duration::from_secs(5));
    }
    out.measure(format!(
        "{} outsider processes, each told PeerUnauthorized by its own status callback",
        out.rejected
    ));
    out.expect(Report::Unauthorized, (cases.len() * rounds) as u64);
    Ok(out)
}
