//! The `Date` header (RFC 9110 §6.6.1), formatted once a second per thread rather than
//! once per response.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use hyper::header::HeaderValue;

/// The current time as an HTTP-date (IMF-fixdate, RFC 9110 §5.6.7).
pub(crate) fn now() -> HeaderValue {
    let now = SystemTime::now();
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((at, value)) if *at == secs => value.clone(),
            _ => {
                let value = HeaderValue::from_str(&httpdate::fmt_http_date(now))
                    // An HTTP-date is ASCII letters, digits, spaces, commas and colons.
                    .unwrap_or(HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"));
                *last = Some((secs, value.clone()));
                value
            }
        }
    })
}

thread_local! {
    /// The second last formatted, and its header value.
    static LAST: RefCell<Option<(u64, HeaderValue)>> = const { RefCell::new(None) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_an_imf_fixdate_of_now() {
        let value = now();
        let parsed = httpdate::parse_http_date(value.to_str().unwrap()).unwrap();
        let age = SystemTime::now().duration_since(parsed).unwrap();
        assert!(age.as_secs() <= 2, "{value:?} is {age:?} old");
        assert!(value.to_str().unwrap().ends_with(" GMT"));
    }
}
