//! Wire protocol v1 frames (being written).
