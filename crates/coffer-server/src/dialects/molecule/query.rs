//! Query strings read the way gin's `c.Query` reads them (Go's `url.ParseQuery`, errors
//! ignored): pairs split on `&`; a pair holding a `;`, or whose key or value has a bad
//! percent-escape (`%ZZ`, a lone `%`), is dropped — never an error; `+` is a space; the
//! first value of a key wins. A pair that does not decode to UTF-8 is dropped too (Go
//! would keep the bytes; nothing here could use them). axum's `Query<T>` is not used: it
//! rejects such strings with a 400 that is not this dialect's JSON.

/// The decoded pairs of a raw query string, in order.
pub struct QueryString(Vec<(String, String)>);

impl QueryString {
    pub fn parse(raw: Option<&str>) -> QueryString {
        let pairs = raw
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.contains(';'))
            .filter_map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                Some((unescape(key)?, unescape(value)?))
            })
            .collect();
        QueryString(pairs)
    }

    /// The first value of `key` (`c.Query`), `None` when absent.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `key`, `None` when absent or empty (`c.DefaultQuery(key, "")`
    /// followed by an emptiness check).
    pub fn non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }
}

/// Go's `QueryUnescape`: `%XX` (two hex digits) and `+`; anything else after `%` fails.
fn unescape(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = hex(*bytes.get(i + 1)?)?;
                let lo = hex(*bytes.get(i + 2)?)?;
                out.push((hi << 4) | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A `limit` as Go's `fmt.Sscanf(raw, "%d", &n)` reads it: leading blanks, an optional
/// sign, then at least one digit; what follows the digits is ignored (`10abc` is 10).
/// `None` for anything else or a number that does not fit.
pub fn scan_int(raw: &str) -> Option<i64> {
    let s = raw.trim_start_matches([' ', '\t', '\r', '\n']);
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let n: i64 = rest[..digits].parse().ok()?;
    Some(if negative { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_pairs_are_dropped_and_the_first_value_wins() {
        let q = QueryString::parse(Some("q=%ZZ&limit=%&scope=TEAM&scope=LOCAL&a;b=1&x=a+b%21"));
        assert_eq!(q.get("q"), None);
        assert_eq!(q.get("limit"), None);
        assert_eq!(q.get("scope"), Some("TEAM"));
        assert_eq!(q.get("a;b"), None);
        assert_eq!(q.get("x"), Some("a b!"));
        let q = QueryString::parse(Some("q=%C3%A9&bad=%FF&empty=&bare"));
        assert_eq!(q.get("q"), Some("é"));
        assert_eq!(q.get("bad"), None);
        assert_eq!(q.get("empty"), Some(""));
        assert_eq!(q.non_empty("empty"), None);
        assert_eq!(q.get("bare"), Some(""));
        assert_eq!(QueryString::parse(None).get("q"), None);
    }

    #[test]
    fn limits_scan_like_sscanf() {
        assert_eq!(scan_int("10"), Some(10));
        assert_eq!(scan_int(" 7x"), Some(7));
        assert_eq!(scan_int("-3"), Some(-3));
        assert_eq!(scan_int("+4"), Some(4));
        assert_eq!(scan_int("abc"), None);
        assert_eq!(scan_int(""), None);
        assert_eq!(scan_int("-"), None);
        assert_eq!(scan_int("99999999999999999999"), None);
    }
}
