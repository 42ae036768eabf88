//! Transmit window and receive cursor (being written).
