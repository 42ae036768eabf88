//! Redis URLs as they may be shown: with the password replaced by `***`, so no error, log
//! line or status text carries a credential.
//!
//! Works on text that did not parse as a URL too (a URL is most often shown *because* it did
//! not parse), so it does not rely on a URL parser: everything between the scheme and the
//! last `@` is taken as user info, and the query parameters the `redis` crate reads a
//! password from (`pass`, and `password` for good measure) are masked as well. Written with
//! plain byte searches: it is in the C library for boards, under a size budget.

/// What a password is replaced with.
const MASK: &str = "***";

/// `url` with its password masked: `redis://user:pw@host/1` → `redis://user:***@host/1`,
/// `redis+unix:///r.sock?pass=pw` → `redis+unix:///r.sock?pass=***`.
pub(crate) fn redact_url(url: &str) -> String {
    let mut shown = String::with_capacity(url.len());
    let after_scheme = url
        .as_bytes()
        .windows(3)
        .position(|w| w == b"://")
        .map_or(0, |i| i + 3);
    let (head, mut rest) = url.split_at(after_scheme);
    shown.push_str(head);
    // The user info ends at the last `@`: a password may itself contain `@`, `/` or `#`.
    if let Some(at) = rest.rfind('@') {
        let user_info = &rest[..at];
        match user_info.find(':') {
            Some(colon) => {
                shown.push_str(&user_info[..=colon]);
                shown.push_str(MASK);
            }
            // No `:`: a user name alone, which the `redis` crate does not send as a password.
            None => shown.push_str(user_info),
        }
        rest = &rest[at..];
    }
    let Some(question) = rest.find('?') else {
        shown.push_str(rest);
        return shown;
    };
    shown.push_str(&rest[..=question]);
    let query = &rest[question + 1..];
    let (pairs, fragment) = query.split_at(query.find('#').unwrap_or(query.len()));
    for (i, pair) in pairs.split('&').enumerate() {
        if i > 0 {
            shown.push('&');
        }
        match pair.find('=') {
            Some(eq) if is_password_param(&pair[..eq]) => {
                shown.push_str(&pair[..=eq]);
                shown.push_str(MASK);
            }
            _ => shown.push_str(pair),
        }
    }
    shown.push_str(fragment);
    shown
}

fn is_password_param(name: &str) -> bool {
    name.eq_ignore_ascii_case("pass") || name.eq_ignore_ascii_case("password")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_password_of_the_user_info() {
        let cases = [
            (
                "redis://user:s3cret@host:6379/2",
                "redis://user:***@host:6379/2",
            ),
            ("redis://:s3cret@host/", "redis://:***@host/"),
            ("rediss://u:s3@c/r#et@host/", "rediss://u:***@host/"),
            ("redis://u:a:b@host", "redis://u:***@host"),
            ("u:s3cret@host:1", "u:***@host:1"),
            ("redis://user@host/", "redis://user@host/"),
            ("redis://host:6379/0", "redis://host:6379/0"),
            ("", ""),
        ];
        for (url, shown) in cases {
            assert_eq!(redact_url(url), shown, "{url:?}");
        }
    }

    #[test]
    fn masks_password_query_parameters() {
        assert_eq!(
            redact_url("redis+unix:///run/r.sock?db=3&pass=s3cret&user=u"),
            "redis+unix:///run/r.sock?db=3&pass=***&user=u"
        );
        assert_eq!(
            redact_url("unix:///r.sock?PASSWORD=s3cret#frag"),
            "unix:///r.sock?PASSWORD=***#frag"
        );
        assert_eq!(
            redact_url("redis://:pw@h/?pass=s3cret"),
            "redis://:***@h/?pass=***"
        );
        assert_eq!(redact_url("redis://h/?db=1&"), "redis://h/?db=1&");
    }
}
