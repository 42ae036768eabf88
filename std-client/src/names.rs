//! Validation of the names users pass in: unique names, topics and bind addresses.

use crate::error::Error;
use liner_core::frame::MAX_NAME_LEN;

/// Prefix of topics reserved for liner itself.
pub const INTERNAL_PREFIX: &str = "lnr_";

/// Checks a unique name or topic: non-empty, at most `MAX_NAME_LEN` bytes, and free of the
/// characters that would make Redis keys (`lnr_topic:{topic}:addr`) ambiguous.
pub fn check_name(what: &str, name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::InvalidArg(format!("{what} is empty")));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(Error::InvalidArg(format!(
            "{what} is {} bytes, the limit is {MAX_NAME_LEN}",
            name.len()
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| *c == ':' || c.is_whitespace() || c.is_control() || "*?[]{}".contains(*c))
    {
        return Err(Error::InvalidArg(format!(
            "{what} '{name}' contains {bad:?}, which is not allowed in a name"
        )));
    }
    Ok(())
}

/// Checks a topic a client sends to or subscribes to: a valid name that is not reserved.
pub fn check_topic(topic: &str) -> Result<(), Error> {
    check_name("topic", topic)?;
    if topic.starts_with(INTERNAL_PREFIX) {
        return Err(Error::InternalTopic(topic.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        assert!(check_name("topic", "sensor.temp-1/a_b").is_ok());
        assert!(check_topic("orders").is_ok());
    }

    #[test]
    fn rejects_empty_long_and_key_breaking_names() {
        assert!(check_name("topic", "").is_err());
        assert!(check_name("topic", &"x".repeat(MAX_NAME_LEN + 1)).is_err());
        for bad in ["a:b", "a b", "a*", "x\n"] {
            assert!(check_name("topic", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reserved_prefix_is_internal() {
        assert!(matches!(check_topic("lnr_x"), Err(Error::InternalTopic(_))));
    }
}
