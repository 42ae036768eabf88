//! Process-wide settings of how far one client fans out: how many destination topics it
//! follows and how many listeners of one topic it routes to. Like every `lnr_config_*`
//! setting they apply to clients created afterwards.

use super::boundary::guard;
use super::settings::{MAX_LISTENERS_PER_TOPIC, MAX_ROUTE_TOPICS};

/// Most destination topics one client created afterwards sends to; a send to one more
/// fails with `LNR_ERR_INVALID_ARG`. 0 = library default (`LNR_MAX_ROUTE_TOPICS`, 1024).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_max_route_topics(count: usize) -> bool {
    MAX_ROUTE_TOPICS.set("lnr_config_set_max_route_topics", count)
}

/// The value clients created now get (see `lnr_config_set_max_route_topics`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_max_route_topics() -> usize {
    guard("lnr_config_max_route_topics", 0, || MAX_ROUTE_TOPICS.get())
}

/// Most listeners of one topic a client created afterwards routes to: a topic with more
/// catalog rows is routed to the first ones, the rest are reported once
/// (`LNR_ROUTES_TRUNCATED`) and sending keeps working. Each routed listener is an outbound
/// peer, so `lnr_config_set_max_peers` bounds it too. 0 = library default
/// (`LNR_MAX_ADDRS_PER_TOPIC`, 1024).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_max_listeners_per_topic(count: usize) -> bool {
    MAX_LISTENERS_PER_TOPIC.set("lnr_config_set_max_listeners_per_topic", count)
}

/// The value clients created now get (see `lnr_config_set_max_listeners_per_topic`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_max_listeners_per_topic() -> usize {
    guard("lnr_config_max_listeners_per_topic", 0, || {
        MAX_LISTENERS_PER_TOPIC.get()
    })
}
