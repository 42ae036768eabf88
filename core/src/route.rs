//! Topic → address routing table (being written).
