//! String preparation of directory-name attribute values for comparison: the LDAP
//! StringPrep profile (RFC 4518 §2) that RFC 5280 §7.1 requires before two attribute values
//! are compared with caseIgnoreMatch, so that `O=Evil` as a PrintableString, `O=evil` and
//! `O=" Evil "` as UTF8Strings are one name.
//!
//! The six steps, as done here (values are "stored values", RFC 5280 §7.1):
//! 1. Transcode (§2.1) the string types to Unicode: PrintableString, IA5String,
//!    VisibleString and NumericString as ASCII, UTF8String, BMPString (UCS-2),
//!    UniversalString (UCS-4), and TeletexString as Latin-1 (its common use; RFC 5280 §7.1
//!    makes TeletexString support optional).
//! 2. Map (§2.2): soft hyphens, joiners, variation selectors and other control and format
//!    characters to nothing; white space to SPACE; case folding (RFC 5280 §7.1 names
//!    RFC 3454 Appendix B.2), built from the standard library's case mappings
//!    ([`fold_case`]: `ß` → `ss`, `ﬁ` → `fi`, final sigma → sigma).
//! 3. Normalize (§2.3, NFKC): this crate carries no Unicode normalization tables. The
//!    fullwidth ASCII forms and the compatibility characters of Latin-1 that stand for a
//!    letter or digit are mapped; a string holding a combining diacritical mark, or a
//!    character from a block of compatibility characters, cannot be normalized here and is
//!    refused ([`Unpreparable`]), so a name respelled with them is never taken for another.
//!    Other characters compare as written: precomposed (NFC) text, which is what real
//!    certificates carry, is unchanged by NFKC.
//! 4. Prohibit (§2.4): private-use characters, non-characters and U+FFFD make the string
//!    unpreparable. Unassigned code points are not detected (no tables).
//! 5. Check bidi (§2.5): nothing to do.
//! 6. Insignificant character handling (§2.6.1, as RFC 5280 §7.1 asks): leading and
//!    trailing spaces removed and inner runs of spaces made one, which gives the same
//!    equality as the RFC's form (one space at each end, inner runs doubled).
//!
//! An unpreparable value makes its comparison Undefined (RFC 4518 §1); name-constraint
//! checks fail closed on it.

use crate::der::tag;

/// The longest attribute value, in octets, that is prepared: four octets a character for
/// 256 characters, past every upper bound of RFC 5280 Appendix A for a naming attribute
/// but X520name's (ub-name, 32768). Preparing is linear in the value; the cap keeps the
/// cost of one comparison small whatever a certificate holds.
pub(crate) const MAX_PREPARED_OCTETS: usize = 1024;

/// Why an attribute value cannot be prepared, in a person's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Unpreparable(pub &'static str);

const NUMERIC_STRING: u8 = 0x12;
const VISIBLE_STRING: u8 = 0x1a;

/// Whether values with this tag are character strings that are prepared before comparing.
pub(crate) fn is_string_type(t: u8) -> bool {
    matches!(
        t,
        tag::UTF8_STRING
            | tag::PRINTABLE_STRING
            | tag::IA5_STRING
            | tag::TELETEX_STRING
            | tag::BMP_STRING
            | tag::UNIVERSAL_STRING
            | NUMERIC_STRING
            | VISIBLE_STRING
    )
}

/// The prepared form of a string-typed attribute value (`t` is its tag): two values match
/// under caseIgnoreMatch exactly when their prepared forms are equal.
pub(crate) fn prepare(t: u8, value: &[u8]) -> Result<String, Unpreparable> {
    if value.len() > MAX_PREPARED_OCTETS {
        return Err(Unpreparable("the value is too long to compare"));
    }
    let mut out = String::with_capacity(value.len());
    let mut pending_space = false;
    for c in transcode(t, value)? {
        if maps_to_nothing(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        prohibit(c)?;
        if is_combining_mark(c) || changed_by_nfkc_beyond_our_tables(c) {
            return Err(Unpreparable(
                "a combining mark or compatibility character, which is not normalized here",
            ));
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(fold_case(c).map(compatibility_form));
    }
    Ok(out)
}

/// RFC 4518 §2.1: the characters of a value, by its string type.
fn transcode(t: u8, value: &[u8]) -> Result<Vec<char>, Unpreparable> {
    match t {
        tag::UTF8_STRING => std::str::from_utf8(value)
            .map(|s| s.chars().collect())
            .map_err(|_| Unpreparable("not valid UTF-8")),
        tag::PRINTABLE_STRING | tag::IA5_STRING | NUMERIC_STRING | VISIBLE_STRING => {
            if !value.is_ascii() {
                return Err(Unpreparable("an ASCII string type holds a non-ASCII octet"));
            }
            Ok(value.iter().map(|&b| char::from(b)).collect())
        }
        tag::TELETEX_STRING => Ok(value.iter().map(|&b| char::from(b)).collect()),
        tag::BMP_STRING => wide_characters(value, 2),
        tag::UNIVERSAL_STRING => wide_characters(value, 4),
        _ => Err(Unpreparable("not a character string")),
    }
}

/// The characters of a BMPString (`width` 2) or UniversalString (`width` 4): big-endian
/// code points, none of them a surrogate.
fn wide_characters(value: &[u8], width: usize) -> Result<Vec<char>, Unpreparable> {
    if !value.len().is_multiple_of(width) {
        return Err(Unpreparable("a wide string type has a partial character"));
    }
    value
        .chunks(width)
        .map(|unit| {
            let code = unit.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
            char::from_u32(code).ok_or(Unpreparable("a wide string holds a surrogate"))
        })
        .collect()
}

/// RFC 4518 §2.2: characters mapped to nothing (soft hyphens, joiners, variation selectors,
/// the object replacement character, and control and format characters other than the
/// white-space controls, which are mapped to SPACE).
fn maps_to_nothing(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00ad
            | 0x034f
            | 0x06dd
            | 0x070f
            | 0x1806
            | 0x180b..=0x180e
            | 0x200b..=0x200f
            | 0x202a..=0x202e
            | 0x2060..=0x2063
            | 0x206a..=0x206f
            | 0xfe00..=0xfe0f
            | 0xfeff
            | 0xfff9..=0xfffc
            | 0x1d173..=0x1d17a
            | 0xe0001
            | 0xe0020..=0xe007f
            | 0x0000..=0x0008
            | 0x000e..=0x001f
            | 0x007f..=0x0084
            | 0x0086..=0x009f
    )
}

/// RFC 4518 §2.4: private-use characters, non-characters and the replacement character.
fn prohibit(c: char) -> Result<(), Unpreparable> {
    let u = u32::from(c);
    let private_use = matches!(u, 0xe000..=0xf8ff | 0xf_0000..=0xf_fffd | 0x10_0000..=0x10_fffd);
    let non_character = matches!(u, 0xfdd0..=0xfdef) || u & 0xfffe == 0xfffe;
    if private_use || non_character || u == 0xfffd {
        return Err(Unpreparable("a prohibited character (RFC 4518 §2.4)"));
    }
    Ok(())
}

/// RFC 4518 §2.2's case folding (RFC 3454 Appendix B.2), from the standard library's case
/// mappings: the lowercase of the uppercase of the lowercase, which gives the full foldings
/// (`ß` → `ss`, `ﬁ` → `fi`, final sigma → sigma), except where it would split a letter into
/// a base and a combining mark (`ǰ`, `ΐ`) that NFKC composes again: there the lowercase.
/// `İ` folds to `i` and a combining dot above, as in B.2.
fn fold_case(c: char) -> impl Iterator<Item = char> {
    c.to_lowercase().flat_map(|lower| {
        let full = lower.to_uppercase().flat_map(char::to_lowercase);
        let (single, several) = if full.clone().any(is_combining_mark) {
            (Some(lower), None)
        } else {
            (None, Some(full))
        };
        single.into_iter().chain(several.into_iter().flatten())
    })
}

/// RFC 4518 §2.3 (NFKC) for the compatibility characters whose form is one character that
/// this crate maps without Unicode tables: fullwidth ASCII, and Latin-1's ordinal
/// indicators and superscript digits. Everything else that NFKC would change is refused
/// before this ([`changed_by_nfkc_beyond_our_tables`]).
fn compatibility_form(c: char) -> char {
    let u = u32::from(c);
    let mapped = match u {
        0xff01..=0xff5e => char::from_u32(u - 0xfee0),
        0xaa => Some('a'),
        0xba => Some('o'),
        0xb2 => Some('2'),
        0xb3 => Some('3'),
        0xb9 => Some('1'),
        _ => None,
    };
    mapped.unwrap_or(c)
}

/// Combining marks, which NFKC may compose with the character before them (`e` and U+0301
/// are `é`): the combining diacritical marks and their extensions, supplement, and forms
/// for symbols and half marks.
fn is_combining_mark(c: char) -> bool {
    matches!(
        u32::from(c),
        0x0300..=0x036f | 0x1ab0..=0x1aff | 0x1dc0..=0x1dff | 0x20d0..=0x20ff | 0xfe20..=0xfe2f
    )
}

/// Characters that NFKC replaces by another spelling and that [`compatibility_form`] does
/// not map: Latin-1's spacing diacritics and fractions, Latin digraph letters, and the
/// blocks of compatibility characters (super- and subscripts, letterlike symbols and
/// number forms, enclosed and mathematical alphanumerics, CJK compatibility characters,
/// presentation forms but the Latin and Armenian ligatures, which case folding already
/// spells out as NFKC does, half- and fullwidth forms but fullwidth ASCII).
fn changed_by_nfkc_beyond_our_tables(c: char) -> bool {
    matches!(
        u32::from(c),
        0xa8 | 0xaf
            | 0xb4
            | 0xb8
            | 0xbc..=0xbe
            | 0x0132
            | 0x0133
            | 0x013f
            | 0x0140
            | 0x0149
            | 0x01c4..=0x01cc
            | 0x01f1..=0x01f3
            | 0x02b0..=0x02b8
            | 0x02d8..=0x02dd
            | 0x02e0..=0x02e4
            | 0x0374
            | 0x037a
            | 0x037e
            | 0x0384
            | 0x0385
            | 0x0387
            | 0x2070..=0x209f
            | 0x2100..=0x218f
            | 0x2460..=0x24ff
            | 0x2f00..=0x2fdf
            | 0x3200..=0x33ff
            | 0xf900..=0xfaff
            | 0xfb1d..=0xfdff
            | 0xfe10..=0xfe1f
            | 0xfe30..=0xfe6f
            | 0xfe70..=0xfefe
            | 0xff5f..=0xffef
            | 0x1d400..=0x1d7ff
            | 0x1f100..=0x1f1ff
            | 0x2f800..=0x2fa1f
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf8(s: &str) -> Result<String, Unpreparable> {
        prepare(tag::UTF8_STRING, s.as_bytes())
    }

    fn bmp(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    #[test]
    fn string_types_transcode_to_the_same_characters() {
        let evil = Ok("evil".to_string());
        assert_eq!(prepare(tag::PRINTABLE_STRING, b"Evil"), evil);
        assert_eq!(prepare(tag::UTF8_STRING, b"Evil"), evil);
        assert_eq!(prepare(tag::IA5_STRING, b"Evil"), evil);
        assert_eq!(prepare(tag::TELETEX_STRING, b"Evil"), evil);
        assert_eq!(prepare(tag::BMP_STRING, &bmp("Evil")), evil);
        let ucs4: Vec<u8> = "Evil"
            .chars()
            .flat_map(|c| u32::from(c).to_be_bytes())
            .collect();
        assert_eq!(prepare(tag::UNIVERSAL_STRING, &ucs4), evil);
        assert_eq!(prepare(tag::TELETEX_STRING, b"M\xfcller"), utf8("Müller"));
    }

    #[test]
    fn case_is_folded_fully() {
        assert_eq!(utf8("EVIL"), utf8("evil"));
        assert_eq!(utf8("Straße"), utf8("STRASSE"));
        assert_eq!(utf8("ΟΔΟΣ"), utf8("οδος"));
        assert_eq!(utf8("\u{fb01}rm"), utf8("FIRM"));
        // B.2 folds İ to i and COMBINING DOT ABOVE, which NFKC leaves as they are.
        assert_eq!(utf8("İZMİR"), Ok("i\u{307}zmi\u{307}r".to_string()));
        // Letters whose full folding NFKC composes again stay one letter.
        assert_eq!(utf8("ǰ"), Ok("ǰ".to_string()));
        assert_eq!(utf8("ΐ"), Ok("ΐ".to_string()));
    }

    #[test]
    fn insignificant_spaces_are_removed_and_inner_runs_made_one() {
        assert_eq!(utf8("  Evil   Corp \t"), Ok("evil corp".to_string()));
        assert_eq!(utf8("Evil\u{a0}Corp"), utf8("Evil Corp"));
        assert_eq!(utf8("   "), utf8(""));
        assert_ne!(utf8("EvilCorp"), utf8("Evil Corp"));
    }

    #[test]
    fn ignorable_characters_map_to_nothing() {
        assert_eq!(utf8("E\u{ad}v\u{200b}i\u{feff}l"), utf8("Evil"));
        assert_eq!(utf8("Ev\u{0}il"), utf8("Evil"));
    }

    #[test]
    fn fullwidth_letters_are_their_ascii_letters() {
        assert_eq!(utf8("\u{ff25}\u{ff56}\u{ff49}\u{ff4c}"), utf8("Evil"));
    }

    #[test]
    fn strings_that_cannot_be_normalized_or_are_prohibited_are_refused() {
        // e + COMBINING ACUTE ACCENT composes to é under NFKC, which is not done here.
        assert!(utf8("E\u{301}vil").is_err());
        assert!(utf8("\u{2160}").is_err()); // ROMAN NUMERAL ONE
        assert!(utf8("Evil\u{e000}").is_err());
        assert!(utf8("Evil\u{fffd}").is_err());
        assert!(prepare(tag::UTF8_STRING, b"\xff").is_err());
        assert!(prepare(tag::PRINTABLE_STRING, b"\xe9").is_err());
        assert!(prepare(tag::BMP_STRING, &[0x00]).is_err());
        assert!(prepare(tag::BMP_STRING, &[0xd8, 0x00]).is_err());
        assert!(prepare(tag::OCTET_STRING, b"Evil").is_err());
        assert!(prepare(tag::UTF8_STRING, &[b'a'; MAX_PREPARED_OCTETS + 1]).is_err());
        // Precomposed letters are unchanged by NFKC and compare as written.
        assert_eq!(utf8("MÜLLER"), Ok("müller".to_string()));
    }
}
