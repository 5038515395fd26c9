//! Parsing of the attribute values that directory exports carry, in every form the exports write them
//! (domain §2-§3). Pure functions, no I/O: every parser returns `None`/`Err` rather than guessing.

use base64::Engine as _;
use std::fmt;

/// A GUID held as its canonical 16 bytes (RFC 4122 field order, as written in text). Bytes rather than
/// a `u128` keep `Option<Guid>` at 17 bytes with no alignment padding: records hold several.
/// Text in any case, with or without braces or hyphens, and the 16 little-endian bytes of
/// `Guid.ToByteArray()` all normalise to the same value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    pub const ZERO: Guid = Guid([0; 16]);

    pub fn is_zero(self) -> bool {
        self.0 == [0; 16]
    }

    /// Parses `f7cc07d7-7c15-447d-876d-c01b0e5a9e38`, `{F7CC07D7-...}`, `f7cc07d77c15447d876dc01b0e5a9e38`,
    /// and csvde's binary form `X'd707ccf7157c7d44876dc01b0e5a9e38'` (the 16 bytes in AD's little-endian order).
    pub fn parse_text(text: &str) -> Option<Guid> {
        let t = text.trim_ascii();
        if let Some(hex) = t.strip_prefix("X'").or_else(|| t.strip_prefix("x'")).and_then(|h| h.strip_suffix('\'')) {
            if hex.len() != 32 {
                return None;
            }
            let mut bytes = [0u8; 16];
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
            }
            return Guid::from_bytes_le(&bytes);
        }
        let t = t.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(t);
        let t = t.strip_prefix('(').and_then(|s| s.strip_suffix(')')).unwrap_or(t);
        // Each byte from its two digits at fixed places (six million GUIDs at 800k identities: no loop
        // over positions, one validity test at the end).
        const HYPHENATED: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
        const PLAIN: [usize; 16] = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30];
        let b = t.as_bytes();
        let at = match b.len() {
            36 if b[8] == b'-' && b[13] == b'-' && b[18] == b'-' && b[23] == b'-' => &HYPHENATED,
            32 => &PLAIN,
            // A 16-byte value exported as base64 (`[Convert]::ToBase64String`, the ImmutableId form).
            24 if b[22] == b'=' && b[23] == b'=' => return Guid::from_immutable_id(t),
            // ... or as its bytes in decimal (`"$($_.'mS-DS-ConsistencyGuid')"`: `6 150 179 58 …`).
            31..=63 if b[0].is_ascii_digit() && b.contains(&b' ') => {
                let parts: Vec<&str> = t.split_ascii_whitespace().collect();
                return guid_from_byte_list(&parts);
            }
            _ => return None,
        };
        let mut out = [0u8; 16];
        let mut bad = 0u8;
        for (o, &p) in out.iter_mut().zip(at) {
            let (hi, lo) = (HEX[b[p] as usize], HEX[b[p + 1] as usize]);
            bad |= hi | lo;
            *o = (hi << 4) | (lo & 0x0F);
        }
        // Invalid digits are 0xFF in the table; valid ones never set the high bits.
        (bad & 0xF0 == 0).then_some(Guid(out))
    }

    /// The 16 bytes of .NET `Guid.ToByteArray()` / AD's binary attribute (first three fields little-endian).
    pub fn from_bytes_le(b: &[u8]) -> Option<Guid> {
        if b.len() != 16 {
            return None;
        }
        let mut be = [0u8; 16];
        be[0..4].copy_from_slice(&[b[3], b[2], b[1], b[0]]);
        be[4..6].copy_from_slice(&[b[5], b[4]]);
        be[6..8].copy_from_slice(&[b[7], b[6]]);
        be[8..16].copy_from_slice(&b[8..16]);
        Some(Guid(be))
    }

    pub fn to_bytes_le(self) -> [u8; 16] {
        let b = self.0;
        let mut le = [0u8; 16];
        le[0..4].copy_from_slice(&[b[3], b[2], b[1], b[0]]);
        le[4..6].copy_from_slice(&[b[5], b[4]]);
        le[6..8].copy_from_slice(&[b[7], b[6]]);
        le[8..16].copy_from_slice(&b[8..16]);
        le
    }

    /// `onPremisesImmutableId` / `ImmutableId`: base64 of `Guid.ToByteArray()`.
    /// The GUID an immutable id is the base64 of — with or without its `==` padding (tools that
    /// build immutable ids by hand often drop it; Entra compares the text, the anchor is the same).
    pub fn from_immutable_id(text: &str) -> Option<Guid> {
        use base64::engine::{general_purpose::GeneralPurpose, DecodePaddingMode, GeneralPurposeConfig};
        const LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent));
        let bytes = LENIENT.decode(text.trim_ascii()).ok()?;
        Guid::from_bytes_le(&bytes)
    }

    pub fn to_immutable_id(self) -> String {
        self.immutable_id_in(&mut [0; 24]).to_string()
    }

    /// [`Guid::to_immutable_id`] written into `buf` (24 bytes: the base64 of 16), without a string.
    pub fn immutable_id_in(self, buf: &mut [u8; 24]) -> &str {
        let n = base64::engine::general_purpose::STANDARD.encode_slice(self.to_bytes_le(), buf).unwrap_or(0);
        std::str::from_utf8(&buf[..n]).unwrap_or_default()
    }
}

/// Hex digit values (0xFF: not a hex digit).
const HEX: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        hybrid_audit_sdk::Guid(self.0).fmt(f)
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Parses a GUID written as text or as a list of 16 byte values (JSON `[215,7,...]`, LDIF binary).
pub fn guid_from_byte_list(items: &[&str]) -> Option<Guid> {
    if items.len() != 16 {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (slot, item) in bytes.iter_mut().zip(items) {
        *slot = item.trim_ascii().parse::<u8>().ok()?;
    }
    Guid::from_bytes_le(&bytes)
}

/// `True`/`False` in every casing, `1`/`0`, `yes`/`no`. Empty is `None` (not known), never `false`.
pub fn parse_bool(text: &str) -> Option<bool> {
    let t = text.trim_ascii();
    if t.eq_ignore_ascii_case("true") || t == "1" || t.eq_ignore_ascii_case("yes") || t.eq_ignore_ascii_case("$true") {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") || t == "0" || t.eq_ignore_ascii_case("no") || t.eq_ignore_ascii_case("$false") {
        Some(false)
    } else {
        None
    }
}

/// Signed 64-bit integer (`msExchRecipientTypeDetails` exceeds 32 bits; display types are negative).
pub fn parse_i64(text: &str) -> Option<i64> {
    text.trim_ascii().parse::<i64>().ok()
}

/// An integer as an export or a spreadsheet writes it: `2147483648`, `2147483648.0`, or every digit in
/// exponent form (`2.147483648E+09`). Not a number Excel rounded for display: a CSV saved from Excel holds
/// what its cells showed, and a General cell too narrow for `2147483648` shows `2.15E+09` — read as
/// 2150000000, a RemoteUserMailbox would become an unknown type and pass every check unseen.
pub fn parse_integer(text: &str) -> Option<i64> {
    let t = text.trim_ascii();
    if let Some(v) = parse_i64(t) {
        return Some(v);
    }
    if is_rounded_exponent(t) {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.fract() == 0.0 && f.abs() < 9.3e18).map(|f| f as i64)
}

/// Exponent notation whose exponent is larger than the digits after the point: the digits it stands for
/// were not written (`2.15E+09`, `1E+3`), so the number is not known.
pub fn is_rounded_exponent(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.trim_ascii().split_once(['e', 'E']) else { return false };
    let Ok(exponent) = exponent.parse::<i32>() else { return false };
    let decimals = mantissa.split_once('.').map_or(0, |(_, fraction)| fraction.len());
    mantissa.trim_start_matches(['-', '+']).bytes().any(|b| b.is_ascii_digit()) && i64::from(exponent) > decimals as i64
}

/// `userAccountControl` bit 2 (ACCOUNTDISABLE) → enabled flag.
pub fn enabled_from_uac(uac: i64) -> bool {
    uac & 0x2 == 0
}

/// `TotalItemSize` as EXO writes it: `49.2 GB (52,828,160,000 bytes)`; also a bare byte count,
/// or `1.5 GB` without the byte figure (then converted with Exchange's binary units).
pub fn parse_item_size(text: &str) -> Option<u64> {
    let t = text.trim_ascii();
    if t.is_empty() {
        return None;
    }
    if let Some(open) = t.rfind('(') {
        let inner = &t[open + 1..];
        let digits: String = inner
            .split_whitespace()
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| c.is_ascii_digit())
            .collect();
        if !digits.is_empty() {
            return digits.parse().ok();
        }
    }
    let plain: String = t.chars().filter(|c| !matches!(c, ',' | '\u{a0}' | ' ')).collect();
    if let Ok(n) = plain.parse::<u64>() {
        return Some(n);
    }
    let mut parts = t.split_whitespace();
    // Exchange keeps the figure before the unit below 1,024, so a lone comma is a decimal comma
    // (`12,5 GB` in a German session); with both marks the last one is the decimal separator.
    let figure = parts.next()?;
    let number: f64 = match (figure.rfind(','), figure.rfind('.')) {
        (Some(c), Some(d)) if c > d => figure.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => figure.replace(',', ""),
        (Some(_), None) => figure.replace(',', "."),
        _ => figure.to_string(),
    }
    .parse()
    .ok()?;
    let unit = parts.next()?.to_ascii_uppercase();
    let factor: f64 = match unit.as_str() {
        "B" | "BYTES" => 1.0,
        "KB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        "GB" => 1024.0 * 1024.0 * 1024.0,
        "TB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((number * factor) as u64)
}

/// Values that mean "this export could not carry the data": PowerShell wrote the .NET type name
/// instead of the content (domain §3).
pub fn is_lost_marker(text: &str) -> bool {
    let t = text.trim_ascii();
    if !(t.starts_with("System.") || t.starts_with("Microsoft.")) {
        return false;
    }
    // A type name: dotted identifiers, optionally generic (`List`1[...]`) or an array (`Byte[]`).
    !t.contains(' ') || t.contains('`') || t.ends_with("[]")
}

/// The fields of a PowerShell object written as text (`@{Category=PropertyConflict; Value=a@b.com}`: what
/// a too shallow ConvertTo-Json or Export-Csv makes of a nested object). Empty values are kept.
pub fn ps_object(text: &str) -> Option<Vec<(&str, &str)>> {
    let body = text.trim_ascii().strip_prefix("@{")?.strip_suffix('}')?;
    body.split("; ").map(|pair| pair.split_once('=').map(|(k, v)| (k.trim_ascii(), v.trim_ascii()))).collect()
}

/// A multi-valued cell PowerShell's formatter cut short (`{a, b, c, d...}` past `$FormatEnumerationLimit`,
/// `mbx9f3e…` in a narrow column): its values are not all there, and one of them is not whole. No
/// address, hold id or SKU holds `...` or `…`.
pub fn is_truncated(text: &str) -> bool {
    // One pass over the dots and the ellipsis' first byte (found with SIMD): `contains("...")` ran a
    // string searcher over every multi-valued cell of every export.
    const ELLIPSIS: &[u8] = "\u{2026}".as_bytes();
    let b = text.as_bytes();
    memchr::memchr2_iter(b'.', ELLIPSIS[0], b).any(|i| b[i..].starts_with(b"...") || b[i..].starts_with(ELLIPSIS))
}

/// Splits a flattened multi-valued cell: `a;b`, `a,b`, `a|b`, `a b`, or `{a, b}` (PowerShell's
/// formatting of a collection). Empty parts are dropped.
pub fn split_multi(text: &str) -> Vec<&str> {
    let t = text.trim_ascii();
    if t.is_empty() {
        return Vec::new();
    }
    let (body, braces) = match t.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        Some(inner) => (inner, true),
        None => (t, false),
    };
    let sep: &[char] = if braces {
        &[',']
    } else if body.contains(';') {
        &[';']
    } else if body.contains('|') {
        &['|']
    } else if body.contains(',') {
        &[',']
    } else {
        &[' ', '\t', '\n', '\r']
    };
    body.split(sep).map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// True when `s` starts like a proxy address prefix (`smtp:`, `X500:`, `SIP:`, `SPO:` …).
fn starts_with_proxy_prefix(s: &str) -> bool {
    let b = s.as_bytes();
    let n = b.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    (2..=8).contains(&n) && b.get(n) == Some(&b':')
}

/// The `*.mail.onmicrosoft.com` domains (lower-cased) of the addresses added, each with how many addresses
/// are on it: what tells the tenant's routing domain. Counted as the Entra and EXO exports are read, on
/// each row's addresses just stored (in cache), instead of a scan of every address of both tables before
/// the checks (0.08 s at 800k identities, ~9 million addresses mostly out of cache).
#[derive(Clone, Debug, Default)]
pub struct DomainCounts {
    /// A tenant's addresses are on one or two such domains: those are counted in a short list, compared in
    /// place, not lower-cased into a new string per address; any beyond the first few go to the map.
    few: Vec<(String, u64)>,
    more: std::collections::BTreeMap<String, u64>,
}

impl DomainCounts {
    const SUFFIX: &'static str = ".mail.onmicrosoft.com";
    const FEW: usize = 8;

    pub fn add(&mut self, address: &str) {
        // Called on every address of the Entra and EXO exports as they are read. The address's end first,
        // in place, exact bytes before case-blind ones (exports write these domains in lower case); the
        // `@` is looked for only in those that end in the suffix: an address on the routing domain
        // 26 -> 13 ns (3 million in a throwaway timing).
        let end = address.trim_end().as_bytes();
        let Some(start) = end.len().checked_sub(Self::SUFFIX.len()) else { return };
        let tail = &end[start..];
        if tail[0] != b'.' || (tail != Self::SUFFIX.as_bytes() && !tail.eq_ignore_ascii_case(Self::SUFFIX.as_bytes())) {
            return;
        }
        // The last `@` is before the suffix (which holds none).
        if let Some(at) = end[..start].iter().rposition(|&b| b == b'@') {
            let domain = address[at + 1..end.len()].trim();
            if let Some((_, n)) = self.few.iter_mut().find(|(d, _)| d.as_str() == domain || d.eq_ignore_ascii_case(domain)) {
                *n += 1;
            } else if self.few.len() < Self::FEW {
                self.few.push((domain.to_ascii_lowercase(), 1));
            } else {
                *self.more.entry(domain.to_ascii_lowercase()).or_insert(0) += 1;
            }
        }
    }

    /// The rule [`DomainCounts::add`] applies, plainly: the text after the address's last `@`, trimmed and
    /// lower-cased, when it ends in the suffix in any case (the tests' reference).
    #[cfg(test)]
    pub(crate) fn plain_rule(address: &str) -> Option<String> {
        let (_, domain) = address.rsplit_once('@')?;
        let d = domain.trim();
        let n = Self::SUFFIX.len();
        (d.len() >= n && d.as_bytes()[d.len() - n..].eq_ignore_ascii_case(Self::SUFFIX.as_bytes())).then(|| d.to_ascii_lowercase())
    }

    /// Every domain with its count.
    pub fn counts(&self) -> std::collections::BTreeMap<String, u64> {
        let mut all = self.more.clone();
        for (domain, n) in &self.few {
            *all.entry(domain.clone()).or_insert(0) += n;
        }
        all
    }
}

/// Splits a flattened `proxyAddresses` / `EmailAddresses` cell. Unlike [`split_multi`], a separator only
/// ends an address when the next part starts with an address type (`smtp:`, `X500:` …), so X500 values
/// with spaces and parentheses and X400 values with `;` stay whole.
pub fn split_proxies(text: &str) -> Vec<&str> {
    let t = text.trim_ascii();
    let body = t.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(t);
    let b = body.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    // Every address starts with its type and a colon, so the colons (found with SIMD) are the only
    // places a split can be: one where 2-8 letters or digits before the colon follow whitespace and/or
    // one separator. The part ends at the first of those separator bytes.
    for colon in memchr::memchr_iter(b':', b) {
        let kind = colon - b[..colon].iter().rev().take(9).take_while(|c| c.is_ascii_alphanumeric()).count();
        if !(2..=8).contains(&(colon - kind)) || kind <= start {
            continue;
        }
        let blank = kind - b[start..kind].iter().rev().take_while(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n')).count();
        let end = if blank > start && matches!(b[blank - 1], b';' | b',' | b'|') {
            blank - 1
        } else if blank < kind {
            blank
        } else {
            continue;
        };
        let part = body[start..end].trim_ascii();
        if !part.is_empty() {
            out.push(part);
        }
        start = kind;
    }
    let part = body[start..].trim_ascii().trim_end_matches([';', ',', '|']);
    if !part.is_empty() {
        out.push(part);
    }
    out
}

/// One proxy address split into its type and value; `SMTP:` (upper case) marks the primary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy<'a> {
    pub kind: &'a str,
    pub address: &'a str,
    pub primary: bool,
}

pub fn parse_proxy(text: &str) -> Option<Proxy<'_>> {
    let (kind, address) = text.split_once(':')?;
    if !starts_with_proxy_prefix(text) {
        return None;
    }
    Some(Proxy { kind, address, primary: kind == "SMTP" })
}

// ----------------------------------------------------------------------------------------------
// Dates

/// Seconds since the Unix epoch, UTC. Exports that carry no zone are read as UTC.
pub type Timestamp = i64;

/// An optional 64-bit integer or timestamp in 8 bytes (`Option<i64>` takes 16): `i64::MIN`, which no
/// export writes, stands for absent. Records hold several.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Opt64(i64);

impl Opt64 {
    pub const NONE: Opt64 = Opt64(i64::MIN);

    pub fn get(self) -> Option<i64> {
        (self.0 != i64::MIN).then_some(self.0)
    }
    pub fn is_some(self) -> bool {
        self.0 != i64::MIN
    }
    pub fn is_none(self) -> bool {
        self.0 == i64::MIN
    }
}

impl Default for Opt64 {
    fn default() -> Self {
        Opt64::NONE
    }
}

impl From<Option<i64>> for Opt64 {
    fn from(v: Option<i64>) -> Self {
        match v {
            Some(x) if x != i64::MIN => Opt64(x),
            _ => Opt64::NONE,
        }
    }
}

impl PartialEq<Option<i64>> for Opt64 {
    fn eq(&self, other: &Option<i64>) -> bool {
        self.get() == *other
    }
}

impl fmt::Debug for Opt64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

/// FILETIME "never" values (`accountExpires`).
pub const FILETIME_NEVER: [i64; 2] = [0, i64::MAX];

/// FILETIME (100 ns ticks since 1601-01-01) → timestamp; `None` for the "never" values.
pub fn filetime_to_timestamp(ticks: i64) -> Option<Timestamp> {
    if FILETIME_NEVER.contains(&ticks) || ticks < 0 {
        return None;
    }
    Some(ticks / 10_000_000 - 11_644_473_600)
}

/// Day/month order of culture-formatted dates in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateOrder {
    MonthFirst,
    DayFirst,
}

/// A date as read from one cell. Culture text whose day/month order is not settled by the value
/// itself stays [`DateCell::Numeric`] until the file's order is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateCell {
    /// Unambiguous (ISO 8601, `/Date(ms)/`, generalized time, FILETIME, or year-first).
    At(Timestamp),
    /// FILETIME "never" (`accountExpires` 0 or 2^63-1).
    Never,
    /// `a/b/yyyy` or `a.b.yyyy` with the time of day: which of a and b is the month depends on the file.
    Numeric { a: u8, b: u8, year: i32, seconds: u32 },
}

impl DateCell {
    /// The order this one value forces, if any (a component greater than 12 can only be a day).
    pub fn forced_order(&self) -> Option<DateOrder> {
        match *self {
            DateCell::Numeric { a, b, .. } if a > 12 && b <= 12 => Some(DateOrder::DayFirst),
            DateCell::Numeric { a, b, .. } if b > 12 && a <= 12 => Some(DateOrder::MonthFirst),
            _ => None,
        }
    }

    pub fn resolve(&self, order: Option<DateOrder>) -> Option<Timestamp> {
        match *self {
            DateCell::At(t) => Some(t),
            DateCell::Never => None,
            DateCell::Numeric { a, b, year, seconds } => {
                let (month, day) = match (order, a == b) {
                    (_, true) => (a, b),
                    (Some(DateOrder::MonthFirst), _) => (a, b),
                    (Some(DateOrder::DayFirst), _) => (b, a),
                    (None, false) => return None,
                };
                ymd_to_timestamp(year, month as u32, day as u32, seconds)
            }
        }
    }
}

fn ymd_to_timestamp(year: i32, month: u32, day: u32, seconds: u32) -> Option<Timestamp> {
    let date = chrono::NaiveDate::from_ymd_opt(year, month, day)?;
    let midnight = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
    Some(midnight + seconds as i64)
}

/// Parses every date form the exports write (domain §3). Returns `Err(())` for text that is not a date:
/// the caller reports the value with its position, so no error detail is needed here.
#[allow(clippy::result_unit_err)]
pub fn parse_date(text: &str) -> Result<Option<DateCell>, ()> {
    let t = text.trim_ascii();
    if t.is_empty() {
        return Ok(None);
    }
    // PowerShell 5.1 JSON: \/Date(1574202819000)\/ (the JSON decoder leaves /Date(…)/), maybe with a zone.
    if let Some(rest) = t.trim_start_matches('\\').strip_prefix("/Date(") {
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '-').collect();
        let ms: i64 = digits.parse().map_err(|_| ())?;
        return Ok(Some(DateCell::At(ms.div_euclid(1000))));
    }
    // FILETIME integers (pwdLastSet, lastLogonTimestamp, accountExpires).
    if t.bytes().all(|b| b.is_ascii_digit()) && (t.len() >= 6 || t == "0") && t.len() != 14 {
        let ticks: i64 = t.parse().map_err(|_| ())?;
        return Ok(Some(match filetime_to_timestamp(ticks) {
            Some(ts) => DateCell::At(ts),
            None => DateCell::Never,
        }));
    }
    // LDAP generalized time: 20190412220427.0Z
    if t.len() >= 14 && t.as_bytes()[..14].iter().all(u8::is_ascii_digit) {
        let n = |r: std::ops::Range<usize>| t[r].parse::<u32>().map_err(|_| ());
        let (y, mo, d, h, mi, s) = (n(0..4)?, n(4..6)?, n(6..8)?, n(8..10)?, n(10..12)?, n(12..14)?);
        return ymd_to_timestamp(y as i32, mo, d, h * 3600 + mi * 60 + s).map(|ts| Some(DateCell::At(ts))).ok_or(());
    }
    if let Some(ts) = parse_iso_fast(t) {
        return Ok(Some(DateCell::At(ts)));
    }
    // Culture text (`4/12/2011 …`, `12.04.2011 …`) never parses as ISO: go straight to it.
    let date_part = t.split([' ', 'T']).next().unwrap_or("");
    if date_part.contains(['/', '.']) {
        return parse_culture_date(t).map(Some).ok_or(());
    }
    // ISO 8601 with zone (Graph), or without (treated as UTC).
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(Some(DateCell::At(dt.timestamp())));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f %z"] {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(t, format) {
            return Ok(Some(DateCell::At(dt.and_utc().timestamp())));
        }
        if let Ok(dt) = chrono::DateTime::parse_from_str(t, format) {
            return Ok(Some(DateCell::At(dt.timestamp())));
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return ymd_to_timestamp(d.year_ce().1 as i32, d.month0() + 1, d.day0() + 1, 0).map(|ts| Some(DateCell::At(ts))).ok_or(());
    }
    parse_culture_date(t).map(Some).ok_or(())
}

use chrono::Datelike as _;

/// The common ISO shapes without a formatter: `2019-04-12T22:04:27Z`, `…T22:04:27.123Z`, `…+02:00`,
/// `2019-04-12 22:04:27`. Anything else falls through to the general parsers.
fn parse_iso_fast(t: &str) -> Option<Timestamp> {
    let b = t.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32))
    };
    let (y, mo, d, h, mi, s) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &t[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[n..];
    }
    let offset: i64 = match rest {
        "" | "Z" | "z" => 0,
        zone if zone.len() == 6 && (zone.starts_with('+') || zone.starts_with('-')) && zone.as_bytes()[3] == b':' => {
            let zb = zone.as_bytes();
            let hh = (zb[1] as char).to_digit(10)? * 10 + (zb[2] as char).to_digit(10)?;
            let mm = (zb[4] as char).to_digit(10)? * 10 + (zb[5] as char).to_digit(10)?;
            let sign = if zb[0] == b'-' { -1 } else { 1 };
            sign * (hh as i64 * 3600 + mm as i64 * 60)
        }
        _ => return None,
    };
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(ymd_to_timestamp(y as i32, mo, d, h * 3600 + mi * 60 + s)? - offset)
}

/// `4/12/2011 10:04:27 PM`, `12.04.2011 22:04:27`, `12/04/2011`, `2011/04/12 22:04` …
fn parse_culture_date(t: &str) -> Option<DateCell> {
    // No allocation: every mailbox row of an EXO export carries such dates.
    let (date_part, time_part) = match t.find([' ', 'T']) {
        Some(i) => (&t[..i], t[i + 1..].trim_ascii()),
        None => (t, ""),
    };
    let sep = date_part.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let mut pieces = date_part.trim_end_matches('.').split(sep);
    let parts = [pieces.next()?, pieces.next()?, pieces.next()?];
    if pieces.next().is_some() {
        return None;
    }
    let mut nums = [0u32; 3];
    for (n, p) in nums.iter_mut().zip(parts) {
        *n = p.trim_ascii().parse().ok()?;
    }
    let seconds = parse_time_of_day(time_part)?;
    if parts[0].len() == 4 {
        // Year first is never day-first in any culture PowerShell writes.
        return ymd_to_timestamp(nums[0] as i32, nums[1], nums[2], seconds).map(DateCell::At);
    }
    let year = if parts[2].len() == 2 { 2000 + nums[2] as i32 } else { nums[2] as i32 };
    let (a, b) = (nums[0], nums[1]);
    if a == 0 || b == 0 || a > 31 || b > 31 || (a > 12 && b > 12) {
        return None;
    }
    if sep == '.' {
        // Dots between day, month and year are day-first in every culture that writes them (de-DE,
        // ru-RU, pl-PL, fi-FI, nb-NO …); en-US writes slashes. Settled here, not left to the file.
        return ymd_to_timestamp(year, b, a, seconds).map(DateCell::At);
    }
    Some(DateCell::Numeric { a: a as u8, b: b as u8, year, seconds })
}

fn parse_time_of_day(t: &str) -> Option<u32> {
    let t = t.trim_ascii();
    if t.is_empty() {
        return Some(0);
    }
    // `AM` / `PM` in any case; the two bytes are ASCII, so what is before them ends on a character.
    let b = t.as_bytes();
    let meridiem = |m: &[u8]| b.len() >= 2 && b[b.len() - 2..].eq_ignore_ascii_case(m);
    let (clock, pm) = if meridiem(b"PM") {
        (t[..t.len() - 2].trim_ascii(), Some(true))
    } else if meridiem(b"AM") {
        (t[..t.len() - 2].trim_ascii(), Some(false))
    } else {
        // Drop a trailing zone designator such as `+02:00` or `Z`.
        let cut = t.find(['+', 'Z', 'z']).unwrap_or(t.len());
        (t[..cut].trim_ascii(), None)
    };
    let mut it = clock.split([':', '.']);
    let mut h: u32 = it.next()?.parse().ok()?;
    let m: u32 = it.next().unwrap_or("0").parse().ok()?;
    let s: u32 = it.next().unwrap_or("0").parse().ok()?;
    match pm {
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    (h < 24 && m < 60 && s < 61).then_some(h * 3600 + m * 60 + s)
}

/// Formats a timestamp as `YYYY-MM-DD` (reports) — deterministic, UTC.
pub fn format_date(ts: Timestamp) -> String {
    chrono::DateTime::from_timestamp(ts, 0).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// Normalises a header or JSON key for matching: lower-case ASCII alphanumerics only
/// (`mS-DS-ConsistencyGuid` → `msdsconsistencyguid`, `onPremisesImmutableId` → `onpremisesimmutableid`).
pub fn normalise_key(key: &str) -> String {
    key.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain_counts<'a>(addresses: impl IntoIterator<Item = &'a str>) -> std::collections::BTreeMap<String, u64> {
        let mut c = DomainCounts::default();
        addresses.into_iter().for_each(|a| c.add(a));
        c.counts()
    }

    #[test]
    fn routing_domains_are_the_domains_after_the_last_at_sign() {
        use std::collections::BTreeMap;
        // The rule without the in-place check of the address's end first: the same domains.
        let reference = |addresses: &[&str]| -> BTreeMap<String, u64> {
            let mut out = BTreeMap::new();
            for domain in addresses.iter().filter_map(|a| DomainCounts::plain_rule(a)) {
                *out.entry(domain).or_insert(0) += 1;
            }
            out
        };
        let addresses = [" bob@Contoso.MAIL.onmicrosoft.com ", "x@fabrikam.mail.onmicrosoft.com\t", "mail.onmicrosoft.com", "contoso.mail.onmicrosoft.com", "@.mail.onmicrosoft.com", "a@b@tailspin.mail.onmicrosoft.com", "a@contoso.mail.onmicrosoft.com.evil", "é@wingtip.mail.onmicrosoft.com", "", "c@ Contoso.mail.onmicrosoft.com", "d@x.MAIL.onmicrosoft.COM", "e@.mail.onmicrosoft.co"];
        let found = domain_counts(addresses);
        assert_eq!(found, reference(&addresses));
        assert_eq!(found.len(), 6, "{found:?}");
        assert_eq!(found["contoso.mail.onmicrosoft.com"], 2);
        // More domains than the short list holds, in both cases and in any order: the same counts.
        let many: Vec<String> = (0..500).map(|i| format!("u{i}@T{}.Mail.OnMicrosoft.com", (i * 7) % 23)).map(|a| if a.len() % 2 == 0 { a.to_ascii_lowercase() } else { a }).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let found = domain_counts(many.iter().copied());
        assert_eq!(found, reference(&many));
        assert_eq!(found.len(), 23);
    }

    /// Counted file by file (any split of the addresses) and summed: the counts of one pass — also with
    /// more domains than the short list holds, where a part's domains fill it in another order than one
    /// pass does.
    #[test]
    fn routing_domains_counted_in_parts_sum_to_those_of_one_pass() {
        let domains = ["contoso.mail.onmicrosoft.com", "Fabrikam.MAIL.onmicrosoft.com", "contoso.onmicrosoft.com", "contoso.com"];
        let addresses: Vec<String> = (0..10_000).map(|i| format!("user{i}@{}", domains[(i * 7 + i / 13) % domains.len()])).collect();
        let one_pass = domain_counts(addresses.iter().map(String::as_str));
        assert_eq!(one_pass.keys().collect::<Vec<_>>(), ["contoso.mail.onmicrosoft.com", "fabrikam.mail.onmicrosoft.com"]);
        let on = |d: usize| (0..10_000).filter(|i| (i * 7 + i / 13) % domains.len() == d).count() as u64;
        assert_eq!(one_pass.values().copied().collect::<Vec<_>>(), [on(0), on(1)]);
        // Counted part by part, then summed.
        let summed = |addresses: &[String], part: usize| {
            let mut summed = std::collections::BTreeMap::new();
            for c in addresses.chunks(part) {
                for (d, n) in domain_counts(c.iter().map(String::as_str)) {
                    *summed.entry(d).or_insert(0) += n;
                }
            }
            summed
        };
        for part in [1, 7, 999, 4096] {
            assert_eq!(summed(&addresses, part), one_pass, "parts of {part}");
        }
        let many: Vec<String> = (0..5_000).map(|i| format!("u{i}@T{}.mail.onmicrosoft.com", (i * 7 + i / 11) % (DomainCounts::FEW * 3))).collect();
        let one_pass = domain_counts(many.iter().map(String::as_str));
        assert_eq!(one_pass.len(), DomainCounts::FEW * 3);
        assert_eq!(one_pass.values().sum::<u64>(), 5_000);
        for part in [1, 3, 97, 2_000] {
            assert_eq!(summed(&many, part), one_pass, "{} domains, parts of {part}", DomainCounts::FEW * 3);
        }
    }

    /// The former byte-by-byte splitter: the reference the colon-driven one must agree with.
    fn split_proxies_bytewise(text: &str) -> Vec<&str> {
        let t = text.trim_ascii();
        let body = t.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(t);
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = body.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if matches!(bytes[i], b';' | b',' | b'|' | b' ' | b'\t' | b'\r' | b'\n') {
                let mut j = i + 1;
                while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\r' | b'\n') {
                    j += 1;
                }
                if j < bytes.len() && starts_with_proxy_prefix(&body[j..]) {
                    let part = body[start..i].trim_ascii();
                    if !part.is_empty() {
                        out.push(part);
                    }
                    start = j;
                    i = j;
                    continue;
                }
            }
            i += 1;
        }
        let part = body[start..].trim_ascii().trim_end_matches([';', ',', '|']);
        if !part.is_empty() {
            out.push(part);
        }
        out
    }

    #[test]
    fn immutable_id_vectors_both_ways() {
        let g = Guid::parse_text("f7cc07d7-7c15-447d-876d-c01b0e5a9e38").unwrap();
        assert_eq!(g.immutable_id_in(&mut [0; 24]), "1wfM9xV8fUSHbcAbDlqeOA==");
        assert_eq!(g.to_immutable_id(), "1wfM9xV8fUSHbcAbDlqeOA==");
        assert_eq!(Guid::from_immutable_id("1wfM9xV8fUSHbcAbDlqeOA=="), Some(g));
        let g = Guid::parse_text("3ab39606-c642-489b-84b6-58c038d3ef39").unwrap();
        assert_eq!(g.to_immutable_id(), "BpazOkLGm0iEtljAONPvOQ==");
        assert_eq!(Guid::from_immutable_id("BpazOkLGm0iEtljAONPvOQ==").unwrap().to_string(), "3ab39606-c642-489b-84b6-58c038d3ef39");
        assert_eq!(Guid::from_immutable_id("BpazOkLGm0iEtljAONPvOQ"), Guid::from_immutable_id("BpazOkLGm0iEtljAONPvOQ=="), "padding dropped");
        assert_eq!(Guid::from_immutable_id("not base64!"), None);
        assert_eq!(Guid::from_immutable_id("AAAA"), None, "3 bytes is not a GUID");
    }

    #[test]
    fn guid_text_parser_agrees_with_a_plain_one() {
        // The digit-by-digit reading the fixed-place parser replaced, as the reference.
        fn reference(t: &str) -> Option<Guid> {
            let b = t.as_bytes();
            let hyphenated = b.len() == 36;
            if !(hyphenated || b.len() == 32) {
                return None;
            }
            let mut digits = String::new();
            for (i, &c) in b.iter().enumerate() {
                if hyphenated && matches!(i, 8 | 13 | 18 | 23) {
                    if c != b'-' {
                        return None;
                    }
                } else if c.is_ascii_hexdigit() {
                    digits.push(c as char);
                } else {
                    return None;
                }
            }
            u128::from_str_radix(&digits, 16).ok().map(|v| Guid(v.to_be_bytes()))
        }
        let base = "f7cc07d7-7c15-447d-876d-C01B0E5A9E38";
        let mut cases: Vec<String> = vec![base.into(), base.replace('-', ""), String::new(), "-".repeat(36), "0".repeat(32)];
        // Every position of both forms changed to each kind of character.
        for form in [base.to_string(), base.replace('-', "")] {
            for i in 0..form.len() {
                for c in ['0', 'f', 'F', 'g', '-', ' ', 'é'] {
                    let mut s: Vec<char> = form.chars().collect();
                    s[i] = c;
                    cases.push(s.into_iter().collect());
                }
            }
        }
        for case in &cases {
            assert_eq!(Guid::parse_text(case), reference(case.trim_ascii()), "{case:?}");
        }
    }

    #[test]
    fn guid_forms_normalise() {
        let a = Guid::parse_text("F7CC07D7-7C15-447D-876D-C01B0E5A9E38").unwrap();
        assert_eq!(Guid::parse_text("{f7cc07d7-7c15-447d-876d-c01b0e5a9e38}"), Some(a));
        assert_eq!(Guid::parse_text("f7cc07d77c15447d876dc01b0e5a9e38"), Some(a));
        assert_eq!(Guid::parse_text("X'd707ccf7157c7d44876dc01b0e5a9e38'"), Some(a), "csvde writes binary values as X'hex'");
        assert_eq!(Guid::parse_text("X'd707ccf7'"), None);
        let bytes = a.to_bytes_le();
        let list: Vec<String> = bytes.iter().map(|b| b.to_string()).collect();
        let refs: Vec<&str> = list.iter().map(String::as_str).collect();
        assert_eq!(guid_from_byte_list(&refs), Some(a));
        // mS-DS-ConsistencyGuid as exports write a byte[]: base64 (the ImmutableId form) or decimal bytes.
        assert_eq!(Guid::parse_text(&a.to_immutable_id()), Some(a));
        assert_eq!(Guid::parse_text(&list.join(" ")), Some(a));
        assert_eq!(Guid::parse_text(&list[..15].join(" ")), None, "15 bytes");
        assert_eq!(Guid::parse_text("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 256"), None);
        assert_eq!(bytes[0], 0xd7, "ToByteArray puts the first field little-endian");
        assert_eq!(Guid::parse_text("f7cc07d7-7c15-447d-876d-c01b0e5a9e3"), None);
        assert_eq!(Guid::parse_text("g7cc07d7-7c15-447d-876d-c01b0e5a9e38"), None);
    }

    #[test]
    fn booleans_and_sizes() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("false"), Some(false));
        assert_eq!(parse_bool(""), None);
        assert_eq!(parse_item_size("49.2 GB (52,828,160,000 bytes)"), Some(52_828_160_000));
        assert_eq!(parse_item_size("1.5 MB (1,572,864 bytes)"), Some(1_572_864));
        // A German session: decimal comma, dots between thousands.
        assert_eq!(parse_item_size("12,5 GB (13.421.772.800 bytes)"), Some(13_421_772_800));
        assert_eq!(parse_item_size("12,5 GB"), Some(13_421_772_800));
        assert_eq!(parse_item_size("1.000,5 MB"), Some((1000.5 * 1024.0 * 1024.0) as u64));
        assert_eq!(parse_item_size("1,000.5 MB"), Some((1000.5 * 1024.0 * 1024.0) as u64));
        assert_eq!(parse_item_size("12345"), Some(12345));
        assert_eq!(parse_item_size("50 GB"), Some(53_687_091_200));
        assert_eq!(parse_i64("34359738368"), Some(34_359_738_368));
        // What spreadsheets write for integers, and what Excel's display rounded.
        for (text, expected) in [
            ("2147483648", Some(2_147_483_648)),
            ("2147483648.0", Some(2_147_483_648)),
            ("2.147483648E+09", Some(2_147_483_648)),
            ("-2147483642", Some(-2_147_483_642)),
            ("1.0", Some(1)),
            ("1.5", None),
            ("2.15E+09", None),
            ("2.15e9", None),
            ("9.22337E+18", None),
            ("1E+3", None),
            ("3.4359738368E+10", Some(34_359_738_368)),
            ("1e400", None),
            ("E+09", None),
            ("", None),
        ] {
            assert_eq!(parse_integer(text), expected, "{text:?}");
        }
        assert!(is_rounded_exponent(" 2.15E+09 ") && !is_rounded_exponent("2147483648") && !is_rounded_exponent("2.5E+01"));
        assert_eq!(parse_i64("-2147483642"), Some(-2_147_483_642));
        assert!(!enabled_from_uac(514));
        assert!(enabled_from_uac(66048));
    }

    #[test]
    fn lost_markers() {
        assert!(is_lost_marker("Microsoft.ActiveDirectory.Management.ADPropertyValueCollection"));
        assert!(is_lost_marker("System.Byte[]"));
        assert!(is_lost_marker("System.Collections.Generic.List`1[Microsoft.Online.Administration.UserLicense]"));
        assert!(!is_lost_marker("Microsoft Corporation"));
        assert!(!is_lost_marker("smtp:a@b.com"));
        assert_eq!(ps_object("@{Category=PropertyConflict; PropertyCausingError=ProxyAddresses; Value=smtp:a@b.com}"), Some(vec![("Category", "PropertyConflict"), ("PropertyCausingError", "ProxyAddresses"), ("Value", "smtp:a@b.com")]));
        assert_eq!(ps_object("@{SkuId=6fd2c87f-b296-42f0-b197-1e91e994b900; DisabledPlans=}"), Some(vec![("SkuId", "6fd2c87f-b296-42f0-b197-1e91e994b900"), ("DisabledPlans", "")]));
        assert_eq!(ps_object("contoso:ENTERPRISEPACK"), None);
        // Format-Table's cut-short collections and columns.
        assert!(is_truncated("{-mbxc841…:1, mbx9f3e...}") && is_truncated("mbx9f3e...") && is_truncated("smtp:a@b.com, smtp:c@d.com..."));
        assert!(!is_truncated("mbx9f3e2a1b0c4d4e8f9a0b1c2d3e4f5a6b:1") && !is_truncated("smtp:first.last@contoso.com"));
        // Two dots, a dot at the end, other characters starting with the ellipsis' first byte (U+2020 †, U+20AC €).
        assert!(!is_truncated("a..b") && !is_truncated("a.") && !is_truncated("..") && !is_truncated("†€ x") && !is_truncated(""));
        assert!(is_truncated("...") && is_truncated("…") && is_truncated("a.b....") && is_truncated("€…"));
    }

    #[test]
    fn proxy_splitting_agrees_with_the_bytewise_reference() {
        // Random cells over the bytes that matter (type letters and digits, colons, every separator,
        // braces, a multi-byte letter), including type runs longer than 8 and colons everywhere.
        let pieces = ["smtp", "SMTP", "X500", "sip", "x", "abcdefghi", "1", ":", ";", ",", "|", " ", "\t", "\r\n", "{", "}", "@", "a.b", "/o=E", "(F)", "é"];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..200_000 {
            let n = (next() % 14) as usize;
            let cell: String = (0..n).map(|_| pieces[(next() % pieces.len() as u64) as usize]).collect();
            assert_eq!(split_proxies(&cell), split_proxies_bytewise(&cell), "cell {cell:?}");
        }
    }

    #[test]
    fn multi_values() {
        assert_eq!(split_multi("{a, b}"), vec!["a", "b"]);
        assert_eq!(split_multi("a;b;"), vec!["a", "b"]);
        assert_eq!(split_multi("a|b"), vec!["a", "b"]);
        assert_eq!(split_multi("a b"), vec!["a", "b"]);
        let x500 = "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=abc";
        for sep in [" ", ";", ",", "|", ", "] {
            let cell = format!("SMTP:a@contoso.com{sep}{x500}{sep}smtp:b@contoso.mail.onmicrosoft.com");
            assert_eq!(split_proxies(&cell), vec!["SMTP:a@contoso.com", x500, "smtp:b@contoso.mail.onmicrosoft.com"], "sep {sep:?}");
        }
        assert_eq!(split_proxies("{SMTP:a@x.com, smtp:b@x.com}"), vec!["SMTP:a@x.com", "smtp:b@x.com"]);
        let x400 = "X400:C=US;A= ;P=Contoso;O=Exchange;S=Smith;G=John;";
        assert_eq!(split_proxies(&format!("SMTP:a@x.com;{x400}")), vec!["SMTP:a@x.com", x400.trim_end_matches(';')]);
        let p = parse_proxy("SMTP:a@x.com").unwrap();
        assert!(p.primary);
        assert!(!parse_proxy("smtp:a@x.com").unwrap().primary);
    }

    #[test]
    fn dates_in_every_form() {
        let expect = ymd_to_timestamp(2011, 4, 12, 22 * 3600 + 4 * 60 + 27).unwrap();
        let at = |s: &str| parse_date(s).unwrap().unwrap();
        assert_eq!(at("20110412220427.0Z"), DateCell::At(expect));
        assert_eq!(at("2011-04-12T22:04:27Z"), DateCell::At(expect));
        assert_eq!(at("2011-04-12T22:04:27.000+00:00"), DateCell::At(expect));
        assert_eq!(at("2011-04-13T00:04:27+02:00"), DateCell::At(expect));
        assert_eq!(at("2011-04-12 22:04:27"), DateCell::At(expect));
        assert_eq!(at("2011-04-12T22:04:27.1234567Z"), DateCell::At(expect));
        assert_eq!(at("/Date(1302645867000)/"), DateCell::At(expect));
        let us = at("4/12/2011 10:04:27 PM");
        assert_eq!(us.forced_order(), None);
        assert_eq!(us.resolve(Some(DateOrder::MonthFirst)), Some(expect));
        assert_eq!(us.resolve(None), None, "never guessed per row");
        let de = at("12.04.2011 22:04:27");
        assert_eq!(de.resolve(Some(DateOrder::DayFirst)), Some(expect));
        // Dots are day-first in every culture that writes them: settled without a day above 12.
        assert_eq!(de, DateCell::At(expect));
        assert_eq!(at("05.11.2026").resolve(None), ymd_to_timestamp(2026, 11, 5, 0));
        assert!(parse_date("05.13.2026").is_err(), "no 13th month");
        assert_eq!(at("13/04/2011 10:00").forced_order(), Some(DateOrder::DayFirst));
        assert_eq!(at("4/13/2011 10:00 AM").forced_order(), Some(DateOrder::MonthFirst));
        // The meridiem in any case, 12 AM as midnight, a zone designator dropped.
        assert_eq!(at("4/12/2011 10:04:27 pm").resolve(Some(DateOrder::MonthFirst)), Some(expect));
        assert_eq!(at("4/13/2011 12:04:27 am").resolve(Some(DateOrder::MonthFirst)), Some(expect + 2 * 3600));
        assert_eq!(at("12.04.2011 22:04:27Z"), DateCell::At(expect));
        assert!(parse_date("4/12/2011/1 10:04").is_err(), "four parts");
        assert_eq!(at("0"), DateCell::Never);
        assert_eq!(at("9223372036854775807"), DateCell::Never);
        let ticks = (expect + 11_644_473_600) * 10_000_000;
        assert_eq!(at(&ticks.to_string()), DateCell::At(expect));
        assert!(parse_date("not a date").is_err());
        assert_eq!(parse_date("").unwrap(), None);
    }
}
