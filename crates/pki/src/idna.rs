//! Internationalised domain names, as far as certificate checks need them: a Unicode label's
//! ASCII form (an A-label, `xn--` and the label's Punycode, RFC 3492), so that a name
//! written in Unicode can be compared with the ASCII names certificates carry.

/// The longest input we encode, in characters: a host name is at most 253 octets
/// (RFC 1035 §2.3.4), and no label of one is longer.
const MAX_LABEL_CHARS: usize = 253;

/// A Unicode label's ASCII-compatible form: `xn--` and its Punycode (RFC 3492 §6.3), after
/// lowercasing. Unicode normalisation and the IDNA mapping tables are not applied; a label
/// they would change is simply not found equal to anything.
pub(crate) fn to_a_label(label: &str) -> Option<String> {
    let lower: Vec<char> = label.chars().flat_map(char::to_lowercase).collect();
    punycode(&lower).map(|p| format!("xn--{p}"))
}

/// RFC 3492 §5: the Bootstring parameters for Punycode.
const BASE: u32 = 36;
const TMIN: u32 = 1;
const TMAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 0x80;

/// RFC 3492 §6.3: the Punycode encoding of `input`. `None` on overflow (§6.4), which a
/// label of at most 253 characters cannot reach.
fn punycode(input: &[char]) -> Option<String> {
    if input.len() > MAX_LABEL_CHARS {
        return None;
    }
    let mut output: String = input.iter().filter(|c| c.is_ascii()).collect();
    let basic = output.len() as u32;
    let mut handled = basic;
    if basic > 0 {
        output.push('-');
    }
    let total = input.len() as u32;
    let (mut n, mut delta, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    while handled < total {
        // The smallest code point not yet handled (there is one: handled < total).
        let m = input.iter().map(|&c| c as u32).filter(|&c| c >= n).min()?;
        delta = delta.checked_add((m - n).checked_mul(handled + 1)?)?;
        n = m;
        for &c in input {
            let c = c as u32;
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        TMIN
                    } else if k >= bias + TMAX {
                        TMAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    output.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                output.push(digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(output)
}

/// RFC 3492 §6.1: bias adaptation.
fn adapt(delta: u32, points: u32, first: bool) -> u32 {
    let mut delta = if first { delta / DAMP } else { delta / 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - TMIN) * TMAX) / 2 {
        delta /= BASE - TMIN;
        k += BASE;
    }
    k + (BASE - TMIN + 1) * delta / (delta + SKEW)
}

/// RFC 3492 §5: digit values 0–25 are `a`–`z`, 26–35 are `0`–`9`.
fn digit(d: u32) -> char {
    match d {
        0..=25 => char::from(b'a' + d as u8),
        _ => char::from(b'0' + (d - 26) as u8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punycode_matches_the_rfc_3492_samples() {
        // RFC 3492 §7.1 (A) Arabic (Egyptian), (L) 3<nen>B<gumi><kinpachi><sensei>.
        let arabic = "\u{0644}\u{064A}\u{0647}\u{0645}\u{0627}\u{0628}\u{062A}\u{0643}\u{0644}\u{0645}\u{0648}\u{0634}\u{0639}\u{0631}\u{0628}\u{064A}\u{061F}";
        assert_eq!(
            punycode(&arabic.chars().collect::<Vec<_>>()).as_deref(),
            Some("egbpdaj6bu4bxfgehfvwxn")
        );
        let mixed = "3\u{5E74}B\u{7D44}\u{91D1}\u{516B}\u{5148}\u{751F}";
        assert_eq!(
            punycode(&mixed.chars().collect::<Vec<_>>()).as_deref(),
            Some("3B-ww4c5e180e575a65lsy2b")
        );
    }

    #[test]
    fn a_labels_of_familiar_names() {
        assert_eq!(to_a_label("bücher").as_deref(), Some("xn--bcher-kva"));
        assert_eq!(to_a_label("München").as_deref(), Some("xn--mnchen-3ya"));
        assert_eq!(to_a_label("☃").as_deref(), Some("xn--n3h"));
        assert_eq!(to_a_label("⌘").as_deref(), Some("xn--bih"));
        assert_eq!(
            to_a_label("test-測試").as_deref(),
            Some("xn--test--gs1lv54n")
        );
    }
}
