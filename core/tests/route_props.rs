//! Property tests of the routing table: it matches a `Vec` model under random edits, and
//! round-robin is fair whatever the edits did to its rotation.

use core::net::{IpAddr, Ipv4Addr, SocketAddr};

use liner_core::route::{RouteError, RouteTable};
use proptest::prelude::*;

const CASES: u32 = 2000;
const TOPICS: usize = 3;
const ADDRS: usize = 4;
const NAMES: [&str; 4] = ["a", "b", "c", "d"];

type Table = RouteTable<TOPICS, ADDRS>;
type Model = Vec<(&'static str, Vec<SocketAddr>)>;

fn addr(port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
}

#[derive(Debug, Clone)]
enum Op {
    Insert(usize, u16),
    Remove(usize, u16),
    RemoveTopic(usize),
    Replace(usize, Vec<u16>),
    /// Advance the rotation of a topic by some `next` calls.
    Spin(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let topic = 0..NAMES.len();
    let port = 1..7u16;
    prop_oneof![
        4 => (topic.clone(), port.clone()).prop_map(|(t, p)| Op::Insert(t, p)),
        2 => (topic.clone(), port.clone()).prop_map(|(t, p)| Op::Remove(t, p)),
        1 => topic.clone().prop_map(Op::RemoveTopic),
        2 => (topic.clone(), prop::collection::vec(port, 0..7)).prop_map(|(t, ps)| Op::Replace(t, ps)),
        3 => (topic, 0..9usize).prop_map(|(t, n)| Op::Spin(t, n)),
    ]
}

fn model_insert(model: &mut Model, topic: &'static str, a: SocketAddr) -> Result<bool, RouteError> {
    let topics = model.len();
    match model.iter_mut().find(|(t, _)| *t == topic) {
        Some((_, addrs)) if addrs.contains(&a) => Ok(false),
        Some((_, addrs)) if addrs.len() == ADDRS => Err(RouteError::AddrsFull),
        Some((_, addrs)) => {
            addrs.push(a);
            Ok(true)
        }
        None if topics == TOPICS => Err(RouteError::TopicsFull),
        None => {
            model.push((topic, vec![a]));
            Ok(true)
        }
    }
}

fn model_remove(model: &mut Model, topic: &str, a: SocketAddr) -> bool {
    let Some(i) = model.iter().position(|(t, _)| *t == topic) else {
        return false;
    };
    let before = model[i].1.len();
    model[i].1.retain(|x| *x != a);
    let removed = model[i].1.len() < before;
    if model[i].1.is_empty() {
        model.remove(i);
    }
    removed
}

fn model_replace(model: &mut Model, topic: &'static str, ports: &[u16]) -> Result<(), RouteError> {
    let mut set = Vec::new();
    for a in ports.iter().map(|&p| addr(p)) {
        if !set.contains(&a) {
            set.push(a);
        }
    }
    if set.len() > ADDRS {
        return Err(RouteError::AddrsFull);
    }
    let index = model.iter().position(|(t, _)| *t == topic);
    match (index, set.is_empty()) {
        (Some(i), true) => drop(model.remove(i)),
        (Some(i), false) => model[i].1 = set,
        (None, true) => {}
        (None, false) if model.len() == TOPICS => return Err(RouteError::TopicsFull),
        (None, false) => model.push((topic, set)),
    }
    Ok(())
}

/// `k` full rounds of `next` return every address of the topic exactly `k` times, each
/// round a permutation of the set.
fn check_fair(table: &mut Table, topic: &str, addrs: &[SocketAddr]) -> Result<(), TestCaseError> {
    for _round in 0..2 {
        let mut seen: Vec<SocketAddr> =
            (0..addrs.len()).filter_map(|_| table.next(topic)).collect();
        seen.sort();
        let mut want = addrs.to_vec();
        want.sort();
        prop_assert_eq!(seen, want);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn table_matches_model_and_rotation_is_fair(ops in prop::collection::vec(op(), 1..60)) {
        let mut table = Table::new();
        let mut model = Model::new();
        for op in ops {
            match op {
                Op::Insert(t, p) => {
                    let want = model_insert(&mut model, NAMES[t], addr(p));
                    prop_assert_eq!(table.insert(NAMES[t], addr(p)), want);
                }
                Op::Remove(t, p) => {
                    let want = model_remove(&mut model, NAMES[t], addr(p));
                    prop_assert_eq!(table.remove(NAMES[t], addr(p)), want);
                }
                Op::RemoveTopic(t) => {
                    let want = model.iter().any(|(name, _)| *name == NAMES[t]);
                    model.retain(|(name, _)| *name != NAMES[t]);
                    prop_assert_eq!(table.remove_topic(NAMES[t]), want);
                }
                Op::Replace(t, ports) => {
                    let want = model_replace(&mut model, NAMES[t], &ports);
                    let got = table.replace(NAMES[t], ports.iter().map(|&p| addr(p)));
                    prop_assert_eq!(got, want);
                }
                Op::Spin(t, n) => {
                    let known = model.iter().any(|(name, _)| *name == NAMES[t]);
                    for _ in 0..n {
                        prop_assert_eq!(table.next(NAMES[t]).is_some(), known);
                    }
                }
            }
            prop_assert!(table.topics().eq(model.iter().map(|(t, _)| *t)));
            for (topic, addrs) in &model {
                prop_assert!(table.addrs(topic).eq(addrs.iter().copied()));
                check_fair(&mut table, topic, addrs)?;
            }
            for name in NAMES {
                prop_assert_eq!(table.contains(name), model.iter().any(|(t, _)| *t == name));
            }
        }
    }

    /// Removing an address that is not due never makes `next` skip or repeat one: the
    /// addresses due before the removal still come in the same order.
    #[test]
    fn removal_keeps_the_rotation_order(
        ports in prop::collection::btree_set(1..50u16, 2..=ADDRS),
        spin in 0..8usize,
        victim in 0..ADDRS,
    ) {
        let mut table = Table::new();
        let set: Vec<_> = ports.iter().map(|&p| addr(p)).collect();
        table.replace("t", set.iter().copied()).unwrap();
        for _ in 0..spin {
            table.next("t");
        }
        let due: Vec<_> = (0..set.len()).filter_map(|_| table.next("t")).collect();
        let victim = set[victim % set.len()];
        table.remove("t", victim);
        let after: Vec<_> = (0..set.len() - 1).filter_map(|_| table.next("t")).collect();
        let want: Vec<_> = due.into_iter().filter(|a| *a != victim).collect();
        prop_assert_eq!(after, want);
    }
}
