//! Topic → addresses routing table with round-robin selection.
//!
//! [`RouteTable`] owns the sender's view of the catalog: for each destination topic, the
//! listener addresses that currently serve it. `send_to` picks one address per message
//! with [`RouteTable::next`] (round-robin, so listeners of one topic share the load);
//! `send_all` walks [`RouteTable::addrs`]. Capacity is fixed by const generics and a full
//! table is an error, never a panic or an allocation.
//!
//! Invariant: every stored topic has at least one address. Removing the last address of
//! a topic (or replacing its set with an empty one) removes the topic, so
//! [`RouteTable::contains`] means "has somewhere to send to".

use core::fmt;
use core::net::SocketAddr;

use heapless::{String, Vec};

use crate::frame::MAX_NAME_LEN;

/// Why a route could not be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RouteError {
    /// The table already holds its maximum number of topics.
    TopicsFull,
    /// The topic already holds its maximum number of addresses.
    AddrsFull,
    /// The topic name is longer than [`MAX_NAME_LEN`] bytes.
    NameTooLong,
    /// The topic name is empty.
    EmptyName,
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TopicsFull => "route table has no room for another topic",
            Self::AddrsFull => "topic has no room for another address",
            Self::NameTooLong => "topic name is too long",
            Self::EmptyName => "topic name is empty",
        })
    }
}

impl core::error::Error for RouteError {}

/// One topic and the addresses serving it.
#[derive(Debug, Clone)]
struct Route<const ADDRS: usize> {
    topic: String<MAX_NAME_LEN>,
    addrs: Vec<SocketAddr, ADDRS>,
    /// Index in `addrs` that [`RouteTable::next`] returns next; always `< addrs.len()`.
    cursor: usize,
}

impl<const ADDRS: usize> Route<ADDRS> {
    /// Removes the address at `index`, keeping the rotation on the address that was due.
    fn remove_at(&mut self, index: usize) {
        if index >= self.addrs.len() {
            return;
        }
        self.addrs.remove(index);
        if index < self.cursor {
            self.cursor -= 1;
        }
        if self.cursor >= self.addrs.len() {
            self.cursor = 0;
        }
    }

    /// Installs a new address set; the address that was due next stays due next if it is
    /// still present, so a catalog refresh returning the same set in another order does
    /// not skew the rotation.
    fn set_addrs(&mut self, addrs: Vec<SocketAddr, ADDRS>) {
        let due = self.addrs.get(self.cursor).copied();
        self.addrs = addrs;
        let len = self.addrs.len().max(1);
        self.cursor = due
            .and_then(|due| self.addrs.iter().position(|a| *a == due))
            .unwrap_or(self.cursor % len);
    }
}

/// Fixed-capacity topic → addresses table: at most `TOPICS` topics, each with at most
/// `ADDRS` distinct addresses, kept in insertion order.
#[derive(Debug, Clone)]
pub struct RouteTable<const TOPICS: usize, const ADDRS: usize> {
    routes: Vec<Route<ADDRS>, TOPICS>,
}

impl<const TOPICS: usize, const ADDRS: usize> Default for RouteTable<TOPICS, ADDRS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const TOPICS: usize, const ADDRS: usize> RouteTable<TOPICS, ADDRS> {
    /// An empty table.
    pub const fn new() -> Self {
        Self { routes: Vec::new() }
    }

    /// Adds `addr` to `topic`, creating the topic if needed. Returns `Ok(false)` when the
    /// address was already there.
    pub fn insert(&mut self, topic: &str, addr: SocketAddr) -> Result<bool, RouteError> {
        let name = topic_name(topic)?;
        if let Some(route) = self.find_mut(topic) {
            if route.addrs.contains(&addr) {
                return Ok(false);
            }
            route.addrs.push(addr).map_err(|_| RouteError::AddrsFull)?;
            return Ok(true);
        }
        let mut addrs = Vec::new();
        addrs.push(addr).map_err(|_| RouteError::AddrsFull)?;
        self.add_route(name, addrs)?;
        Ok(true)
    }

    /// Removes `addr` from `topic` (and the topic once it has no address left). Returns
    /// whether the address was present.
    pub fn remove(&mut self, topic: &str, addr: SocketAddr) -> bool {
        let Some(index) = self.index_of(topic) else {
            return false;
        };
        let Some(route) = self.routes.get_mut(index) else {
            return false;
        };
        let Some(pos) = route.addrs.iter().position(|a| *a == addr) else {
            return false;
        };
        route.remove_at(pos);
        if route.addrs.is_empty() {
            self.routes.remove(index);
        }
        true
    }

    /// Removes `topic` and all its addresses. Returns whether it was present.
    pub fn remove_topic(&mut self, topic: &str) -> bool {
        match self.index_of(topic) {
            Some(index) => {
                self.routes.remove(index);
                true
            }
            None => false,
        }
    }

    /// Sets the address set of `topic` to `addrs` (duplicates ignored), creating the topic
    /// if needed; an empty set removes the topic. On error the table is left unchanged.
    pub fn replace(
        &mut self,
        topic: &str,
        addrs: impl IntoIterator<Item = SocketAddr>,
    ) -> Result<(), RouteError> {
        let name = topic_name(topic)?;
        let mut set: Vec<SocketAddr, ADDRS> = Vec::new();
        for addr in addrs {
            if !set.contains(&addr) {
                set.push(addr).map_err(|_| RouteError::AddrsFull)?;
            }
        }
        if set.is_empty() {
            self.remove_topic(topic);
            return Ok(());
        }
        match self.find_mut(topic) {
            Some(route) => route.set_addrs(set),
            None => self.add_route(name, set)?,
        }
        Ok(())
    }

    /// The next address of `topic` in round-robin order, or `None` for an unknown topic.
    pub fn next(&mut self, topic: &str) -> Option<SocketAddr> {
        let route = self.find_mut(topic)?;
        let addr = route.addrs.get(route.cursor).copied()?;
        route.cursor = match route.cursor.checked_add(1) {
            Some(n) if n < route.addrs.len() => n,
            _ => 0,
        };
        Some(addr)
    }

    /// Every address of `topic`, in insertion order (empty for an unknown topic).
    pub fn addrs(&self, topic: &str) -> impl Iterator<Item = SocketAddr> + '_ {
        self.find(topic)
            .map_or(&[][..], |route| route.addrs.as_slice())
            .iter()
            .copied()
    }

    /// Whether `topic` has at least one address.
    pub fn contains(&self, topic: &str) -> bool {
        self.find(topic).is_some()
    }

    /// The stored topics, in insertion order.
    pub fn topics(&self) -> impl Iterator<Item = &str> {
        self.routes.iter().map(|route| route.topic.as_str())
    }

    fn index_of(&self, topic: &str) -> Option<usize> {
        self.routes.iter().position(|route| route.topic == topic)
    }

    fn find(&self, topic: &str) -> Option<&Route<ADDRS>> {
        self.routes.iter().find(|route| route.topic == topic)
    }

    fn find_mut(&mut self, topic: &str) -> Option<&mut Route<ADDRS>> {
        self.routes.iter_mut().find(|route| route.topic == topic)
    }

    fn add_route(
        &mut self,
        topic: String<MAX_NAME_LEN>,
        addrs: Vec<SocketAddr, ADDRS>,
    ) -> Result<(), RouteError> {
        let route = Route {
            topic,
            addrs,
            cursor: 0,
        };
        self.routes.push(route).map_err(|_| RouteError::TopicsFull)
    }
}

/// Validates a topic name and copies it into fixed storage.
fn topic_name(topic: &str) -> Result<String<MAX_NAME_LEN>, RouteError> {
    if topic.is_empty() {
        return Err(RouteError::EmptyName);
    }
    String::try_from(topic).map_err(|_| RouteError::NameTooLong)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{IpAddr, Ipv4Addr};

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
    }

    #[test]
    fn insert_reports_new_and_duplicate() {
        let mut table = RouteTable::<2, 2>::new();
        assert_eq!(table.insert("t", addr(1)), Ok(true));
        assert_eq!(table.insert("t", addr(1)), Ok(false));
        assert_eq!(table.insert("t", addr(2)), Ok(true));
        assert_eq!(table.insert("t", addr(3)), Err(RouteError::AddrsFull));
    }

    #[test]
    fn name_rules() {
        let mut table = RouteTable::<2, 2>::new();
        assert_eq!(table.insert("", addr(1)), Err(RouteError::EmptyName));
        let long = [b'x'; MAX_NAME_LEN + 1];
        let long = core::str::from_utf8(&long).unwrap();
        assert_eq!(table.insert(long, addr(1)), Err(RouteError::NameTooLong));
        assert_eq!(
            table.insert(&long[..MAX_NAME_LEN], addr(1)),
            Ok(true),
            "exactly MAX_NAME_LEN bytes fits"
        );
    }

    #[test]
    fn topics_full_and_zero_address_capacity() {
        let mut table = RouteTable::<1, 1>::new();
        assert_eq!(table.insert("a", addr(1)), Ok(true));
        assert_eq!(table.insert("b", addr(1)), Err(RouteError::TopicsFull));
        let mut none = RouteTable::<1, 0>::new();
        assert_eq!(none.insert("a", addr(1)), Err(RouteError::AddrsFull));
        assert!(!none.contains("a"));
    }

    #[test]
    fn remove_rotates_on_and_drops_empty_topic() {
        let mut table = RouteTable::<2, 3>::new();
        for port in 1..=3 {
            table.insert("t", addr(port)).unwrap();
        }
        assert_eq!(table.next("t"), Some(addr(1)));
        assert_eq!(table.next("t"), Some(addr(2)));
        // addr(3) is due; removing an earlier address must not skip it.
        assert!(table.remove("t", addr(1)));
        assert_eq!(table.next("t"), Some(addr(3)));
        assert_eq!(table.next("t"), Some(addr(2)));
        assert!(!table.remove("t", addr(1)));
        assert!(table.remove("t", addr(2)));
        assert!(table.remove("t", addr(3)));
        assert!(!table.contains("t"));
        assert_eq!(table.next("t"), None);
    }

    #[test]
    fn replace_keeps_due_address_and_is_atomic() {
        let mut table = RouteTable::<2, 2>::new();
        table.replace("t", [addr(1), addr(2), addr(1)]).unwrap();
        assert_eq!(table.next("t"), Some(addr(1)));
        // Same set, other order: addr(2) stays due.
        assert_eq!(table.replace("t", [addr(2), addr(1)]), Ok(()));
        assert_eq!(table.next("t"), Some(addr(2)));
        assert_eq!(
            table.replace("t", [addr(1), addr(2), addr(3)]),
            Err(RouteError::AddrsFull)
        );
        assert_eq!(
            table.addrs("t").count(),
            2,
            "failed replace changed nothing"
        );
        assert_eq!(table.replace("t", []), Ok(()));
        assert!(!table.contains("t"));
    }

    #[test]
    fn topics_and_addrs_in_insertion_order() {
        let mut table = RouteTable::<3, 2>::new();
        for (topic, port) in [("b", 1), ("a", 2), ("b", 3)] {
            table.insert(topic, addr(port)).unwrap();
        }
        assert!(table.topics().eq(["b", "a"]));
        assert!(table.addrs("b").eq([addr(1), addr(3)]));
        assert_eq!(table.addrs("zzz").count(), 0);
        assert!(table.remove_topic("b"));
        assert!(!table.remove_topic("b"));
        assert!(table.topics().eq(["a"]));
    }
}
