//! The read-only questions: which topics exist and how many of their listeners are live
//! (`topics`), who serves one topic with its published counters (`peers`), and what is
//! parked for whom (`pending`). Only reads: `SCAN`, `GET`, `LLEN` and the library's
//! read scripts, through the library's store layer.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use liner_broker::Stats;
use liner_broker::store::Store;
use serde::Serialize;

use crate::args::{Cli, TopicArg};
use crate::failure::{Failure, Outcome};
use crate::render::{Table, ago, now_unix_ms, print_json, short};

#[derive(Serialize)]
struct TopicRow {
    topic: String,
    listeners: usize,
    live: usize,
    dead: usize,
}

pub fn topics(cli: &Cli) -> Outcome {
    let mut store = cli.store()?;
    let mut rows = Vec::new();
    for topic in store.catalog_topics()? {
        let peers = store.peers(&topic)?;
        let live = peers.iter().filter(|p| p.live).count();
        rows.push(TopicRow {
            topic,
            listeners: peers.len(),
            live,
            dead: peers.len() - live,
        });
    }
    if cli.json {
        print_json(&rows);
        return Ok(());
    }
    let mut table = Table::new(&["TOPIC", "LISTENERS", "LIVE", "DEAD"]);
    for r in &rows {
        table.row(vec![
            r.topic.clone(),
            r.listeners.to_string(),
            r.live.to_string(),
            r.dead.to_string(),
        ]);
    }
    table.print();
    Ok(())
}

/// The counters a client published with its heartbeat, for JSON.
#[derive(Serialize)]
struct PublishedStats {
    delivered: u64,
    duplicates: u64,
    unknown_topic: u64,
    rejected_connections: u64,
    callback_panics: u64,
    refused: u64,
    abandoned: u64,
    best_effort_dropped: u64,
    parked_dropped: u64,
    channels_removed: u64,
    peers_known: u64,
    peers_connected: u64,
    listening_topics: u64,
}

impl From<Stats> for PublishedStats {
    fn from(s: Stats) -> Self {
        PublishedStats {
            delivered: s.delivered,
            duplicates: s.duplicates,
            unknown_topic: s.unknown_topic,
            rejected_connections: s.rejected_connections,
            callback_panics: s.callback_panics,
            refused: s.refused,
            abandoned: s.abandoned,
            best_effort_dropped: s.best_effort_dropped,
            parked_dropped: s.parked_dropped,
            channels_removed: s.channels_removed,
            peers_known: s.peers_known,
            peers_connected: s.peers_connected,
            listening_topics: s.listening_topics,
        }
    }
}

#[derive(Serialize)]
struct PeerRow {
    addr: String,
    unique_name: String,
    live: bool,
    since_unix_ms: Option<u64>,
    last_seen_unix_ms: Option<u64>,
    /// What the client behind the name published with its last heartbeat.
    stats: Option<PublishedStats>,
}

pub fn peers(cli: &Cli, args: &TopicArg) -> Outcome {
    let mut store = cli.store()?;
    let infos = store.peers(&args.topic)?;
    if infos.is_empty() {
        return Err(Failure(format!(
            "topic '{}' has no listener in the catalog (unknown topic, or every listener \
             stopped); `liner topics` lists the topics",
            args.topic
        )));
    }
    let mut stats_of: BTreeMap<String, Option<Stats>> = BTreeMap::new();
    for info in &infos {
        if let Entry::Vacant(slot) = stats_of.entry(info.unique_name.clone()) {
            slot.insert(store.published_stats(&info.unique_name)?);
        }
    }
    let rows: Vec<PeerRow> = infos
        .into_iter()
        .map(|p| PeerRow {
            stats: stats_of[&p.unique_name].map(PublishedStats::from),
            addr: p.addr,
            unique_name: p.unique_name,
            live: p.live,
            since_unix_ms: p.since_unix_ms,
            last_seen_unix_ms: p.last_seen_unix_ms,
        })
        .collect();
    if cli.json {
        print_json(&rows);
        return Ok(());
    }
    let now = now_unix_ms();
    let mut table = Table::new(&[
        "ADDRESS",
        "NAME",
        "STATE",
        "SINCE",
        "LAST SEEN",
        "DELIVERED",
        "REFUSED",
        "DROPPED",
        "PEERS OUT",
    ]);
    for r in &rows {
        let state = if r.live { "live" } else { "dead" };
        let mut cells = vec![
            r.addr.clone(),
            r.unique_name.clone(),
            state.into(),
            ago(r.since_unix_ms, now),
            ago(r.last_seen_unix_ms, now),
        ];
        match &r.stats {
            Some(s) => cells.extend([
                s.delivered.to_string(),
                s.refused.to_string(),
                (s.best_effort_dropped + s.parked_dropped + s.abandoned).to_string(),
                format!("{}/{}", s.peers_connected, s.peers_known),
            ]),
            None => cells.extend(["-", "-", "-", "-"].map(String::from)),
        }
        table.row(cells);
    }
    table.print();
    Ok(())
}

#[derive(Serialize)]
struct PendingRow {
    sender: String,
    sender_topic: String,
    listener: String,
    /// The topic the sender reaches the listener on, and where (catalog, else its hint).
    topic: Option<String>,
    listener_addr: Option<String>,
    connection_key: u64,
    count: u64,
    oldest_parked_unix_ms: Option<u64>,
    oldest_age_ms: Option<u64>,
}

/// Every channel with parked messages, with the listener's topic and address.
fn pending_rows(store: &mut Store) -> Result<Vec<PendingRow>, Failure> {
    let queues: Vec<_> = store
        .channel_queues()?
        .into_iter()
        .filter(|q| q.parked > 0)
        .collect();
    let mut located = BTreeMap::new();
    for q in &queues {
        let sender = (q.sender.clone(), q.sender_topic.clone());
        if let Entry::Vacant(slot) = located.entry(sender) {
            slot.insert(store.pending_by_peer(&q.sender, &q.sender_topic)?);
        }
    }
    Ok(queues
        .into_iter()
        .map(|q| {
            let backlog = &located[&(q.sender.clone(), q.sender_topic.clone())];
            let peer = backlog
                .iter()
                .find(|b| b.connection_key == q.connection_key);
            PendingRow {
                topic: peer.and_then(|b| b.listener_topic.clone()),
                listener_addr: peer.and_then(|b| b.listener_addr.clone()),
                oldest_age_ms: q.oldest_parked_unix_ms.map(|t| q.now_ms.saturating_sub(t)),
                oldest_parked_unix_ms: q.oldest_parked_unix_ms,
                sender: q.sender,
                sender_topic: q.sender_topic,
                listener: q.listener,
                connection_key: q.connection_key,
                count: q.parked,
            }
        })
        .collect())
}

pub fn pending(cli: &Cli) -> Outcome {
    let rows = pending_rows(&mut cli.store()?)?;
    if cli.json {
        print_json(&rows);
        return Ok(());
    }
    if rows.is_empty() {
        println!("nothing parked");
        return Ok(());
    }
    let dash = || "-".to_string();
    let mut table = Table::new(&["SENDER", "LISTENER", "TOPIC", "ADDRESS", "COUNT", "OLDEST"]);
    for r in &rows {
        table.row(vec![
            format!("{}/{}", r.sender, r.sender_topic),
            r.listener.clone(),
            r.topic.clone().unwrap_or_else(dash),
            r.listener_addr.clone().unwrap_or_else(dash),
            r.count.to_string(),
            r.oldest_age_ms
                .map_or_else(dash, |ms| short(std::time::Duration::from_millis(ms))),
        ]);
    }
    table.print();
    Ok(())
}
