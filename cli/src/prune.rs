//! `prune`: retiring what belongs to clients that are gone. The plan is read first (dead
//! catalog rows; channels whose two ends are both gone for `--gone-for`); `--dry-run`
//! prints it, otherwise the library's retention sweep (`Store::sweep`) removes it — each
//! step re-checks its condition in a script on the Redis clock, so a live client, or one
//! that comes back meanwhile, keeps its rows and keys. The sweep also removes the reconnect
//! hints and heartbeat times of clients gone that long.

use std::collections::BTreeMap;
use std::time::Duration;

use liner_broker::store::Store;
use serde::Serialize;

use crate::args::{Cli, PruneArgs};
use crate::failure::{Failure, Outcome};
use crate::render::{Table, print_json};

#[derive(Serialize)]
struct DeadRow {
    topic: String,
    addr: String,
    unique_name: String,
}

#[derive(Serialize)]
struct GoneChannel {
    sender: String,
    sender_topic: String,
    listener: String,
    connection_key: u64,
    parked: u64,
    /// False when it holds parked messages and `--drop-parked` was not given.
    removed: bool,
}

#[derive(Serialize, Default)]
struct Plan {
    dry_run: bool,
    dead_rows: Vec<DeadRow>,
    channels: Vec<GoneChannel>,
    /// What the sweep reported (absent for a dry run).
    swept: Option<Swept>,
}

#[derive(Serialize)]
struct Swept {
    dead_rows: u64,
    channels: u64,
    parked_dropped: u64,
    kept_for_parked: u64,
    client_keys: u64,
}

/// Whether `unique` holds no name and has not beaten for `gone_for` (the sweep's test).
fn gone(store: &mut Store, unique: &str, gone_for: Duration, now_ms: u64) -> Result<bool, Failure> {
    let presence = store.name_presence(unique)?;
    let cutoff = now_ms.saturating_sub(u64::try_from(gone_for.as_millis()).unwrap_or(u64::MAX));
    Ok(presence.holder.is_none() && presence.last_seen_unix_ms.is_none_or(|s| s <= cutoff))
}

fn plan(store: &mut Store, args: &PruneArgs) -> Result<Plan, Failure> {
    let gone_for = Duration::from_secs(args.gone_for);
    let mut plan = Plan {
        dry_run: args.dry_run,
        ..Plan::default()
    };
    for topic in store.catalog_topics()? {
        for peer in store.peers(&topic)?.into_iter().filter(|p| !p.live) {
            plan.dead_rows.push(DeadRow {
                topic: topic.clone(),
                addr: peer.addr,
                unique_name: peer.unique_name,
            });
        }
    }
    let mut verdicts: BTreeMap<String, bool> = BTreeMap::new();
    for q in store.channel_queues()? {
        let mut both_gone = true;
        for end in [&q.sender, &q.listener] {
            let verdict = match verdicts.get(end.as_str()) {
                Some(v) => *v,
                None => {
                    let v = gone(store, end, gone_for, q.now_ms)?;
                    verdicts.insert(end.clone(), v);
                    v
                }
            };
            both_gone &= verdict;
        }
        if both_gone {
            plan.channels.push(GoneChannel {
                removed: q.parked == 0 || args.drop_parked,
                sender: q.sender,
                sender_topic: q.sender_topic,
                listener: q.listener,
                connection_key: q.connection_key,
                parked: q.parked,
            });
        }
    }
    Ok(plan)
}

pub fn prune(cli: &Cli, args: &PruneArgs) -> Outcome {
    let mut store = cli.store()?;
    let mut plan = plan(&mut store, args)?;
    if !args.dry_run {
        let report = store.sweep(Duration::from_secs(args.gone_for), args.drop_parked)?;
        plan.swept = Some(Swept {
            dead_rows: report.dead_rows,
            channels: report.channels,
            parked_dropped: report.parked_dropped,
            kept_for_parked: report.kept_for_parked,
            client_keys: report.client_keys,
        });
    }
    if cli.json {
        print_json(&plan);
    } else {
        print_plan(&plan);
    }
    Ok(())
}

fn print_plan(plan: &Plan) {
    let verb = if plan.dry_run {
        "would remove"
    } else {
        "removing"
    };
    if plan.dead_rows.is_empty() && plan.channels.is_empty() {
        println!("nothing dead to remove");
    }
    if !plan.dead_rows.is_empty() {
        println!("{verb} {} dead catalog row(s):", plan.dead_rows.len());
        let mut table = Table::new(&["TOPIC", "ADDRESS", "NAME"]);
        for r in &plan.dead_rows {
            table.row(vec![r.topic.clone(), r.addr.clone(), r.unique_name.clone()]);
        }
        table.print();
    }
    if !plan.channels.is_empty() {
        println!(
            "{verb} the keys of {} channel(s) whose sender and listener are gone:",
            plan.channels.len()
        );
        let mut table = Table::new(&["SENDER", "LISTENER", "KEY", "PARKED", "ACTION"]);
        for c in &plan.channels {
            let action = if c.removed {
                "remove"
            } else {
                "keep (parked; --drop-parked)"
            };
            table.row(vec![
                format!("{}/{}", c.sender, c.sender_topic),
                c.listener.clone(),
                c.connection_key.to_string(),
                c.parked.to_string(),
                action.into(),
            ]);
        }
        table.print();
    }
    if let Some(s) = &plan.swept {
        println!(
            "removed: {} dead row(s), {} channel(s) ({} parked message(s) dropped), {} key(s) \
             of gone clients (hints, heartbeat times); kept {} channel(s) for their parked messages",
            s.dead_rows, s.channels, s.parked_dropped, s.client_keys, s.kept_for_parked
        );
    }
}
