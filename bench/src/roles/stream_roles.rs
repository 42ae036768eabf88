//! Redis Streams with a consumer group, the acknowledged-delivery queue Redis offers (what
//! FastStream's stream subscribers use). The sender pipelines `XADD key * d <payload>`,
//! `batch=` per round trip. The receiver creates the group (`XGROUP CREATE key group 0
//! MKSTREAM`) before it reports `ready`, then loops `XREADGROUP GROUP group consumer COUNT
//! <READ_COUNT> BLOCK <ms> STREAMS key >` and acknowledges each batch it has recorded with
//! one `XACK key group id…`.
//!
//! Arguments: `url=`, `key=` (the stream), and for the sender `batch=`.

use crate::error::BenchResult;
use crate::report::Line;
use crate::role_io::{Args, Commands};
use crate::roles::receive::{Inbox, pull};
use crate::roles::redis_roles::{Batch, Batched, connect};
use crate::roles::send::run_sender;

/// Consumer group and consumer name (one of each per stream).
const GROUP: &str = "bench";
const CONSUMER: &str = "c1";
/// Entries one `XREADGROUP` takes at most.
const READ_COUNT: usize = 1000;
/// Longest block of one `XREADGROUP` on a drained stream, so the loop notices the stop.
const BLOCK_MS: u64 = 50;
/// The one field of every entry.
const FIELD: &str = "d";

/// One `XREADGROUP` reply: per stream its entries, each an id and its field/value list.
type ReadReply = Option<Vec<(String, Vec<(String, Vec<Vec<u8>>)>)>>;

/// Receiver: consumer `CONSUMER` of group `GROUP` on stream `key=`.
pub fn receive(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let url = args.text("url")?.to_string();
    let key = args.text("key")?.to_string();
    pull(args, cmds, move |inbox: &Inbox, ready| {
        let mut con = connect(&url)?;
        redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&key)
            .arg(GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .exec(&mut con)?;
        ready(Line::new("ready"));
        let mut read = redis::cmd("XREADGROUP");
        read.arg("GROUP").arg(GROUP).arg(CONSUMER);
        read.arg("COUNT").arg(READ_COUNT).arg("BLOCK").arg(BLOCK_MS);
        read.arg("STREAMS").arg(&key).arg(">");
        while inbox.keep_going() {
            let reply: ReadReply = read.query(&mut con)?;
            let Some(streams) = reply else { continue };
            for (_, entries) in streams {
                if entries.is_empty() {
                    continue;
                }
                let mut ack = redis::cmd("XACK");
                ack.arg(&key).arg(GROUP);
                for (id, fields) in &entries {
                    // Fields come as [name, value]; the payload is the value.
                    if let Some(payload) = fields.get(1) {
                        inbox.record(payload);
                    }
                    ack.arg(id);
                }
                ack.exec(&mut con)?;
            }
        }
        Ok(())
    })
}

/// `XADD key * d <payload>` commands pipelined.
struct StreamAdd {
    key: String,
    pipe: redis::Pipeline,
}

impl Batch for StreamAdd {
    fn add(&mut self, payload: &[u8]) {
        self.pipe
            .cmd("XADD")
            .arg(&self.key)
            .arg("*")
            .arg(FIELD)
            .arg(payload)
            .ignore();
    }

    fn exec(&mut self, con: &mut redis::Connection) -> redis::RedisResult<()> {
        self.pipe.exec(con)?;
        self.pipe.clear();
        Ok(())
    }
}

/// Sender: `XADD` to stream `key=`, `batch=` per round trip.
pub fn send(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let con = connect(args.text("url")?)?;
    let adds = StreamAdd {
        key: args.text("key")?.to_string(),
        pipe: redis::pipe(),
    };
    let batch = args.number("batch")?.max(1) as usize;
    run_sender(&mut Batched::new(con, adds, batch), args, cmds)
}
