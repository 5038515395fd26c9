//! A record's values in a batch, both ways: [`Wire`] writes them (the host), [`Take`] reads them (the
//! plugin), every type directly — the structured ones field by field (`record!`), a record read over the
//! previous one's values (`Take::take_over`). The bytes are postcard's (the encoding is the ABI; tests
//! check both directions against postcard); writing and reading a string or a GUID directly skips a
//! generic (de)serializer per value. This took the checks'
//! plugin calls at 800k identities from 3.1–3.8 s to 2.1–2.2 s natively (the benchmark, 2026-11-23).

use crate::{Duplicate, Error, ExchangePlan, Guid, Holds, LicenseState, PreviousMailbox, ProvisioningError, SoftMatch, Timestamp};

/// A value read from the front of `bytes`, and the bytes after it.
pub(crate) trait Take: Sized {
    fn take(bytes: &[u8]) -> Result<(Self, &[u8]), Error>;

    /// Reads into `slot`, reusing what it holds where the type allows (the record of one identity is
    /// read over the previous one's: its strings keep their allocations).
    fn take_into<'b>(slot: &mut Option<Self>, bytes: &'b [u8]) -> Result<&'b [u8], Error> {
        match slot {
            Some(value) => value.take_over(bytes),
            None => {
                let (value, rest) = Self::take(bytes)?;
                *slot = Some(value);
                Ok(rest)
            }
        }
    }

    /// Reads over `self`: texts, lists and the structured values keep their allocations. After an
    /// error `self` may be half-read: the batch is refused as malformed, so it is never looked at.
    fn take_over<'b>(&mut self, bytes: &'b [u8]) -> Result<&'b [u8], Error> {
        let (value, rest) = Self::take(bytes)?;
        *self = value;
        Ok(rest)
    }
}

/// A string's text, borrowed from the batch.
fn text(bytes: &[u8]) -> Result<(&str, &[u8]), Error> {
    let (len, rest) = varint(bytes)?;
    let len = usize::try_from(len).map_err(|_| end())?;
    if rest.len() < len {
        return Err(end());
    }
    let (text, rest) = rest.split_at(len);
    Ok((utf8(text)?, rest))
}

/// The bytes as text.
///
/// Inside the sandbox (wasm32) a batch's text is taken as it is. Its only writer is the host, which writes
/// Rust strings (`Wire for str`), and the host owns the plugin's whole memory anyway: a plugin that checks the
/// host's text guards against nothing the host could not undo (a wasm guest trusts its host). The check, and
/// the error path that kept `text` from being inlined into every reader, cost about a tenth of the checks
/// stage: at 800k identities (bench `child-checks`, rounds 2 and 3 of 4 alternating pairs) 1.23–1.30 s with
/// it, 1.13–1.15 s without (a check of 8 bytes per step instead of the standard library's 4 gained nothing).
/// Natively — the host reading a plugin's answer, the native engine, the tests — every text is checked;
/// nearly every value of an export is ASCII, which a word-at-a-time check confirms for a fraction of full
/// UTF-8 validation's cost on short strings.
#[allow(unsafe_code)]
#[inline]
fn utf8(bytes: &[u8]) -> Result<&str, Error> {
    #[cfg(target_arch = "wasm32")]
    {
        // SAFETY: the host writes every text of a batch from a `str` (see above); in a wasm guest the host
        // could as well write any byte of the guest's memory, so this trusts it with nothing more.
        Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        if bytes.is_ascii() {
            // SAFETY: every byte is below 0x80, and ASCII is valid UTF-8.
            return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
        }
        std::str::from_utf8(bytes).map_err(|_| Error::Decode(postcard::Error::DeserializeBadUtf8))
    }
}

fn end() -> Error {
    Error::Decode(postcard::Error::DeserializeUnexpectedEnd)
}

/// A LEB128 varint of at most 64 bits. Field ids, list counts and nearly every text length are below
/// 128: one byte, decided inline.
#[inline]
pub(crate) fn varint(bytes: &[u8]) -> Result<(u64, &[u8]), Error> {
    match bytes.split_first() {
        Some((&b, rest)) if b < 0x80 => Ok((b as u64, rest)),
        _ => varint_long(bytes),
    }
}

#[inline(never)]
fn varint_long(bytes: &[u8]) -> Result<(u64, &[u8]), Error> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        value |= ((b & 0x7F) as u64) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((value, &bytes[i + 1..]));
        }
    }
    Err(if bytes.len() < 10 { end() } else { Error::Decode(postcard::Error::DeserializeBadVarint) })
}

impl Take for u32 {
    fn take(bytes: &[u8]) -> Result<(Self, &[u8]), Error> {
        let (v, rest) = varint(bytes)?;
        Ok((u32::try_from(v).map_err(|_| Error::Decode(postcard::Error::DeserializeBadVarint))?, rest))
    }
}

impl Take for u64 {
    fn take(bytes: &[u8]) -> Result<(Self, &[u8]), Error> {
        varint(bytes)
    }
}

impl Take for i64 {
    fn take(bytes: &[u8]) -> Result<(Self, &[u8]), Error> {
        let (v, rest) = varint(bytes)?;
        Ok((((v >> 1) as i64) ^ -((v & 1) as i64), rest))
    }
}

impl Take for bool {
    fn take(bytes: &[u8]) -> Result<(Self, &[u8]), Error> {
        match bytes.split_first() {
            Some((0, rest)) => Ok((false, rest)),
            Some((1, rest)) => Ok((true, rest)),
            Some(_) => Err(Error::Decode(postcard::Error::DeserializeBadBool)),
            None => Err(end()),
        }
    }
}

impl Take for String {
    fn take(bytes: &[u8]) -> Result<(Self, &[u8]), Error> {
        let (t, rest) = text(bytes)?;
        Ok((t.to_owned(), rest))
    }

    fn take_over<'b>(&mut self, bytes: &'b [u8]) -> Result<&'b [u8], Error> {
        let (t, rest) = text(bytes)?;
        self.clear();
        self.push_str(t);
        Ok(rest)
    }
}

/// Any list (postcard's sequence: its count, then each element).
impl<T: Take> Take for Vec<T> {
    fn take(bytes: &[u8]) -> Result<(Self, &[u8]), Error> {
        let mut list = Vec::new();
        let rest = list.take_over(bytes)?;
        Ok((list, rest))
    }

    /// The elements the list already has are read over, the rest appended.
    fn take_over<'b>(&mut self, bytes: &'b [u8]) -> Result<&'b [u8], Error> {
        let (n, mut rest) = varint(bytes)?;
        // Each element takes at least one byte: a count beyond the input is malformed, not a reservation.
        let n = usize::try_from(n).ok().filter(|&n| n <= rest.len()).ok_or_else(end)?;
        self.truncate(n);
        for i in 0..n {
            rest = match self.get_mut(i) {
                Some(v) => v.take_over(rest)?,
                None => {
                    let (v, r) = T::take(rest)?;
                    self.push(v);
                    r
                }
            };
        }
        Ok(rest)
    }
}

impl Take for Guid {
    fn take(bytes: &[u8]) -> Result<(Self, &[u8]), Error> {
        let (g, rest) = bytes.split_first_chunk::<16>().ok_or_else(end)?;
        Ok((Guid(*g), rest))
    }
}

impl Take for Timestamp {
    fn take(bytes: &[u8]) -> Result<(Self, &[u8]), Error> {
        let (v, rest) = i64::take(bytes)?;
        Ok((Timestamp(v), rest))
    }
}

/// A value's postcard encoding (the plugin ABI's), written directly for the simple types a record is
/// mostly made of — byte for byte what [`put`](crate::put) writes (tested) — and through it for the rest. With the
/// host's per-identity lookups, this took encoding every field of 824k identities three times
/// (benchmark `child-encode`) from 7.3–7.9 s to 3.5–4.7 s.
pub trait Wire {
    fn wire(&self, out: &mut Vec<u8>);
}

// The small writers are `#[inline]`: the host calls them across crates for every field of every identity
// (its build has no LTO), ~20 instructions of call overhead each on a push of a byte or two.
#[inline]
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl Wire for str {
    #[inline]
    fn wire(&self, out: &mut Vec<u8>) {
        put_varint(out, self.len() as u64);
        out.extend_from_slice(self.as_bytes());
    }
}

impl<T: Wire + ?Sized> Wire for &T {
    fn wire(&self, out: &mut Vec<u8>) {
        (**self).wire(out);
    }
}

impl Wire for String {
    fn wire(&self, out: &mut Vec<u8>) {
        self.as_str().wire(out);
    }
}

/// A text that may be borrowed: encoded as a `String`.
impl Wire for std::borrow::Cow<'_, str> {
    fn wire(&self, out: &mut Vec<u8>) {
        self.as_ref().wire(out);
    }
}

/// Any list: its count, then each element (postcard's sequence).
impl<T: Wire> Wire for Vec<T> {
    fn wire(&self, out: &mut Vec<u8>) {
        put_varint(out, self.len() as u64);
        for v in self {
            v.wire(out);
        }
    }
}

impl Wire for bool {
    #[inline]
    fn wire(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }
}

impl Wire for u32 {
    #[inline]
    fn wire(&self, out: &mut Vec<u8>) {
        put_varint(out, *self as u64);
    }
}

impl Wire for u64 {
    #[inline]
    fn wire(&self, out: &mut Vec<u8>) {
        put_varint(out, *self);
    }
}

impl Wire for i64 {
    #[inline]
    fn wire(&self, out: &mut Vec<u8>) {
        put_varint(out, ((*self << 1) ^ (*self >> 63)) as u64);
    }
}

impl Wire for Timestamp {
    fn wire(&self, out: &mut Vec<u8>) {
        self.0.wire(out);
    }
}

impl Wire for Guid {
    #[inline]
    fn wire(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
}

/// A struct written field by field in declaration order (postcard's encoding of a struct): every field
/// named, so the owned value and its borrowed twin (`ExchangePlan` / `ExchangePlanRef` …) write the same.
macro_rules! wire_fields {
    ($($t:ident $(<$l:lifetime>)? { $($field:ident),* $(,)? })*) => {$(
        impl Wire for $t $(<$l>)? {
            fn wire(&self, out: &mut Vec<u8>) {
                let $t { $($field),* } = self;
                $( $field.wire(out); )*
            }
        }
    )*};
}

/// An [`ExchangePlan`] as the host writes it, its texts borrowed from the exports: encoded exactly as
/// the owned one (tested), without a string allocated per plan of every user.
pub struct ExchangePlanRef<'a> {
    pub plan_id: Guid,
    pub name: &'a str,
    pub enabled: bool,
    pub status: &'a str,
    pub assigned: Option<Timestamp>,
}

wire_fields! { ExchangePlanRef<'_> { plan_id, name, enabled, status, assigned } }

/// A SKU as the host names it: its part number (borrowed), or, where no `subscribedSkus` export names
/// it, its id — written as the id's text without a string of its own. Encoded as that text.
#[derive(Clone, Copy, Debug)]
pub enum SkuName<'a> {
    Name(&'a str),
    Id(Guid),
}

impl Wire for SkuName<'_> {
    fn wire(&self, out: &mut Vec<u8>) {
        match self {
            SkuName::Name(name) => name.wire(out),
            SkuName::Id(id) => std::str::from_utf8(&id.text()).unwrap_or_default().wire(out),
        }
    }
}

/// A [`LicenseState`] as the host writes it, texts borrowed: encoded exactly as the owned one (tested),
/// without three strings allocated per license of every user.
pub struct LicenseStateRef<'a> {
    pub sku: SkuName<'a>,
    pub exchange: bool,
    pub state: &'a str,
    pub error: &'a str,
    pub assigned_by_group: Option<Guid>,
    pub updated: Option<Timestamp>,
}

wire_fields! { LicenseStateRef<'_> { sku, exchange, state, error, assigned_by_group, updated } }

impl<T: Wire> Wire for Option<T> {
    fn wire(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.wire(out);
            }
        }
    }
}

impl<T: Take> Take for Option<T> {
    fn take(bytes: &[u8]) -> Result<(Self, &[u8]), Error> {
        match bytes.split_first() {
            Some((0, rest)) => Ok((None, rest)),
            Some((1, rest)) => {
                let (v, rest) = T::take(rest)?;
                Ok((Some(v), rest))
            }
            Some(_) => Err(Error::Decode(postcard::Error::DeserializeBadOption)),
            None => Err(end()),
        }
    }

    fn take_over<'b>(&mut self, bytes: &'b [u8]) -> Result<&'b [u8], Error> {
        match bytes.split_first() {
            Some((1, rest)) => T::take_into(self, rest),
            _ => {
                let (v, rest) = <Self as Take>::take(bytes)?;
                *self = v;
                Ok(rest)
            }
        }
    }
}

/// The structured values, field by field in declaration order (postcard's encoding of a struct), both
/// ways without a generic (de)serializer per value.
macro_rules! record {
    ($($t:ident { $($field:ident),* $(,)? })*) => {$(
        impl Take for $t {
            fn take(bytes: &[u8]) -> Result<(Self, &[u8]), Error> {
                let rest = bytes;
                $( let ($field, rest) = Take::take(rest)?; )*
                Ok(($t { $($field),* }, rest))
            }

            fn take_over<'b>(&mut self, bytes: &'b [u8]) -> Result<&'b [u8], Error> {
                let rest = bytes;
                $( let rest = self.$field.take_over(rest)?; )*
                Ok(rest)
            }
        }

        wire_fields! { $t { $($field),* } }
    )*};
}

record! {
    ExchangePlan { plan_id, name, enabled, status, assigned }
    LicenseState { sku, exchange, state, error, assigned_by_group, updated }
    ProvisioningError { category, property, value }
    Holds { litigation_hold_enabled, in_place_holds, compliance_tag_hold_applied, delay_hold_applied, delay_release_hold_applied }
    PreviousMailbox { state, user_principal_name, primary_smtp_address, recipient_type_details, exchange_guid, holds, when_soft_deleted }
    Duplicate { directory, address, others }
    SoftMatch { address, cloud_user_principal_name, cloud_id, guest, soft_match }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::put;
    use serde::{de::DeserializeOwned, Serialize};

    /// Both readers on the encoding of `value`, and on every cut of it.
    fn agree<T: Take + Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: T) {
        let mut bytes = postcard::to_allocvec(&value).unwrap();
        bytes.push(0xEE);
        let (direct, rest) = T::take(&bytes).unwrap();
        assert_eq!(direct, value);
        assert_eq!(rest, [0xEE]);
        for cut in 0..bytes.len() - 1 {
            assert_eq!(T::take(&bytes[..cut]).is_ok(), postcard::take_from_bytes::<T>(&bytes[..cut]).is_ok(), "{value:?} cut at {cut}");
        }
    }

    #[test]
    fn direct_reading_agrees_with_postcard() {
        for s in ["", "a", "Zoë Müller", &"x".repeat(300)] {
            agree(s.to_string());
        }
        agree(vec!["SMTP:a@b.c".to_string(), String::new(), "X500:/o=Contoso/ou=Exchange (FYDIBOHF23SPDLT)".to_string()]);
        agree(Vec::<String>::new());
        agree(false);
        agree(true);
        for v in [0u32, 127, 128, 16_384, u32::MAX] {
            agree(v);
            agree(v as u64);
        }
        agree(u64::MAX);
        for v in [0i64, -1, 1, -64, 64, i64::MIN, i64::MAX, 2_147_483_648] {
            agree(v);
            agree(Timestamp(v));
        }
        agree(Guid([7; 16]));
    }

    #[test]
    fn structured_values_read_as_postcard_wrote_them() {
        let g = Some(Guid([0x5A; 16]));
        let holds = Holds { litigation_hold_enabled: Some(true), in_place_holds: vec!["mbx1a2b".into(), "-mbxexcluded".into()], compliance_tag_hold_applied: None, delay_hold_applied: Some(false), delay_release_hold_applied: None };
        agree(holds.clone());
        agree(Holds::default());
        agree(vec![
            ExchangePlan { plan_id: Guid([1; 16]), name: "EXCHANGE_S_ENTERPRISE".into(), enabled: true, status: "Warning".into(), assigned: Some(Timestamp(-86_400)) },
            ExchangePlan { plan_id: Guid([2; 16]), name: String::new(), enabled: false, status: "Zoë".into(), assigned: None },
        ]);
        agree(vec![LicenseState { sku: "ENTERPRISEPACK".into(), exchange: true, state: "Error".into(), error: "CountViolation".into(), assigned_by_group: g, updated: Some(Timestamp(1_700_000_000)) }, LicenseState::default()]);
        agree(vec![ProvisioningError { category: "PropertyConflict".into(), property: "ProxyAddresses".into(), value: "smtp:ä@b.c".into() }]);
        agree(vec![PreviousMailbox { state: "soft-deleted".into(), user_principal_name: "a@b.c".into(), primary_smtp_address: "a@b.c".into(), recipient_type_details: "UserMailbox".into(), exchange_guid: g, holds, when_soft_deleted: Some(Timestamp(1_700_000_000)) }, PreviousMailbox::default()]);
        agree(vec![Duplicate { directory: "exo".into(), address: "x@y.z".into(), others: vec!["p@q.r".into(), "s@t.u".into()] }]);
        agree(vec![SoftMatch { address: "a@b.c".into(), cloud_user_principal_name: "a@b.onmicrosoft.com".into(), cloud_id: None, guest: true, soft_match: false }]);
        agree(Vec::<SoftMatch>::new());
        agree(Some(Timestamp(5)));
        agree(Option::<Guid>::None);
        assert!(<Option<bool> as Take>::take(&[2, 1]).is_err(), "an option tag other than 0 or 1");
        // And the direct writer writes what postcard writes.
        let plan = ExchangePlan { plan_id: Guid([9; 16]), name: "EXCHANGE_S_STANDARD".into(), enabled: true, status: "Enabled".into(), assigned: Some(Timestamp(-5)) };
        same(&vec![plan, ExchangePlan::default()]);
        same(&Holds { litigation_hold_enabled: Some(false), in_place_holds: vec!["UniH1".into()], compliance_tag_hold_applied: Some(true), delay_hold_applied: None, delay_release_hold_applied: Some(true) });
        same(&vec![PreviousMailbox { state: "inactive".into(), exchange_guid: Some(Guid([3; 16])), when_soft_deleted: Some(Timestamp(99)), ..Default::default() }]);
        same(&vec![LicenseState { sku: "SPE_E3".into(), exchange: true, state: "Active".into(), error: "None".into(), assigned_by_group: Some(Guid([4; 16])), updated: Some(Timestamp(-7)) }]);
        same(&vec![ProvisioningError { category: "PropertyConflict".into(), property: "UserPrincipalName".into(), value: "Zoë@b.c".into() }]);
        same(&vec![Duplicate { directory: "ad".into(), address: "a@b.c".into(), others: vec!["x".into()] }]);
        same(&vec![SoftMatch { address: "a@b.c".into(), cloud_user_principal_name: "c@d.e".into(), cloud_id: Some(Guid([5; 16])), guest: false, soft_match: true }]);
        same(&Vec::<Duplicate>::new());
        // The borrowed plan writes what the owned one does.
        let owned = vec![
            ExchangePlan { plan_id: Guid([7; 16]), name: "EXCHANGE_S_ENTERPRISE".into(), enabled: false, status: "Suspended".into(), assigned: Some(Timestamp(1_600_000_000)) },
            ExchangePlan { plan_id: Guid([8; 16]), name: String::new(), enabled: true, status: "Zoë".into(), assigned: None },
        ];
        let borrowed: Vec<ExchangePlanRef> = owned.iter().map(|p| ExchangePlanRef { plan_id: p.plan_id, name: &p.name, enabled: p.enabled, status: &p.status, assigned: p.assigned }).collect();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        borrowed.wire(&mut a);
        put(&mut b, &owned);
        assert_eq!(a, b);
        // The borrowed license state too, its SKU named or written as its id's text.
        let id = Guid([0x6f, 0xd2, 0xc8, 0x7f, 0xb2, 0x96, 0x42, 0xf0, 0xb1, 0x97, 0x1e, 0x91, 0xe9, 0x94, 0xb9, 0x00]);
        let owned = vec![
            LicenseState { sku: "SPE_E3".into(), exchange: true, state: "Error".into(), error: "CountViolation".into(), assigned_by_group: Some(Guid([4; 16])), updated: Some(Timestamp(1_668_000_000)) },
            LicenseState { sku: id.to_string(), exchange: false, state: "Active".into(), error: "Zoë".into(), assigned_by_group: None, updated: None },
        ];
        let borrowed = vec![
            LicenseStateRef { sku: SkuName::Name("SPE_E3"), exchange: true, state: "Error", error: "CountViolation", assigned_by_group: Some(Guid([4; 16])), updated: Some(Timestamp(1_668_000_000)) },
            LicenseStateRef { sku: SkuName::Id(id), exchange: false, state: "Active", error: "Zoë", assigned_by_group: None, updated: None },
        ];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        borrowed.wire(&mut a);
        put(&mut b, &owned);
        assert_eq!(a, b);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        vec![SkuName::Id(id), SkuName::Name("x")].wire(&mut a);
        put(&mut b, &vec![id.to_string(), "x".to_string()]);
        assert_eq!(a, b);
        assert!(Vec::<ProvisioningError>::take(&[0xFF, 0xFF, 0x03]).is_err(), "a count beyond the input");
    }

    /// The direct writer against postcard's.
    fn same<T: Wire + Serialize + ?Sized>(value: &T) {
        let (mut direct, mut generic) = (Vec::new(), Vec::new());
        value.wire(&mut direct);
        put(&mut generic, value);
        assert_eq!(direct, generic);
    }

    #[test]
    fn direct_writing_is_postcards() {
        let long = "x".repeat(300);
        for s in ["", "a", "Zoë Müller", "SMTP:a@b.c\u{1f}smtp:d@e.f", &long] {
            same(s);
            same(&s.to_string());
        }
        for b in [false, true] {
            same(&b);
        }
        for v in [0u32, 1, 127, 128, 16_383, 16_384, u32::MAX] {
            same(&v);
            same(&(v as u64));
        }
        same(&u64::MAX);
        for v in [0i64, 1, -1, 63, -64, 64, -65, i64::MAX, i64::MIN, 2_147_483_648, 1_700_000_000] {
            same(&v);
            same(&Timestamp(v));
        }
        same(&Guid([0xAB; 16]));
        same(&Guid([0; 16]));
        for list in [vec![], vec![String::new()], vec!["SMTP:a@b.c".to_string(), "x".repeat(200), "Zoë".to_string()]] {
            same(&list);
            same(&&list);
            let cows: Vec<std::borrow::Cow<str>> = list.iter().map(|s| s.as_str().into()).collect();
            same(&cows);
        }
    }

    #[test]
    fn reading_over_a_previous_value_replaces_it() {
        let bytes = |v: &Vec<String>| postcard::to_allocvec(v).unwrap();
        let mut slot = Some(vec!["a long previous value".to_string(), "b".into(), "c".into()]);
        for next in [vec!["x".to_string()], vec![], vec!["1".into(), "2".into(), "3".into(), "4".into()]] {
            let encoded = bytes(&next);
            let rest = Vec::<String>::take_into(&mut slot, &encoded).unwrap();
            assert!(rest.is_empty());
            assert_eq!(slot.as_ref(), Some(&next));
        }
        let mut s = Some("previous".to_string());
        String::take_into(&mut s, &postcard::to_allocvec("new").unwrap()).unwrap();
        assert_eq!(s.as_deref(), Some("new"));
        // A failed read leaves an error, never a half-read value taken for whole.
        assert!(String::take_into(&mut s, &[9, b'x']).is_err());
    }

    /// `next` read over `previous` is `next`, whatever `previous` held.
    fn over<T: Take + Serialize + PartialEq + std::fmt::Debug>(previous: T, next: T) {
        let mut bytes = postcard::to_allocvec(&next).unwrap();
        bytes.push(0xEE);
        let mut slot = Some(previous);
        assert_eq!(T::take_into(&mut slot, &bytes).unwrap(), [0xEE]);
        assert_eq!(slot.as_ref(), Some(&next));
    }

    #[test]
    fn structured_values_read_over_previous_ones_replace_them() {
        let plan = |n: u8, name: &str, assigned: Option<i64>| ExchangePlan { plan_id: Guid([n; 16]), name: name.into(), enabled: n.is_multiple_of(2), status: "Warning".into(), assigned: assigned.map(Timestamp) };
        let three = vec![plan(1, "EXCHANGE_S_ENTERPRISE", Some(5)), plan(2, "", None), plan(3, "Zoë", Some(-1))];
        over(three.clone(), vec![plan(4, "x", None)]);
        over(vec![plan(4, "x", None)], three.clone());
        over(three.clone(), vec![]);
        over(vec![plan(2, "long previous name", Some(1))], vec![plan(5, "", None)]);
        let holds = |ids: &[&str], lit: Option<bool>| Holds { litigation_hold_enabled: lit, in_place_holds: ids.iter().map(|s| s.to_string()).collect(), compliance_tag_hold_applied: lit.map(|l| !l), delay_hold_applied: None, delay_release_hold_applied: Some(true) };
        over(Some(holds(&["mbx1", "-mbx2", "UniH3"], Some(true))), Some(holds(&["x"], None)));
        over(Some(holds(&["x"], None)), Some(holds(&["mbx1", "-mbx2"], Some(false))));
        over(Some(holds(&["x"], None)), None);
        over(None, Some(holds(&[], Some(true))));
        let previous = |h: Holds| PreviousMailbox { state: "inactive".into(), exchange_guid: Some(Guid([3; 16])), holds: h, when_soft_deleted: Some(Timestamp(9)), ..Default::default() };
        over(vec![previous(holds(&["a", "b"], Some(true))), PreviousMailbox::default()], vec![previous(holds(&[], None))]);
        over(Some(Timestamp(1)), None);
        over(None, Some(Timestamp(1)));
    }

    #[test]
    fn malformed_values_are_errors() {
        assert!(bool::take(&[2]).is_err());
        assert!(String::take(&[2, 0xC3, 0x28]).is_err(), "invalid UTF-8");
        assert!(String::take(&[5, b'a']).is_err(), "shorter than its length");
        assert!(Vec::<String>::take(&[0xFF, 0xFF, 0xFF, 0x0F]).is_err(), "a count beyond the input");
        assert!(u32::take(&[0xFF, 0xFF, 0xFF, 0xFF, 0x7F]).is_err(), "more than 32 bits");
        assert!(u64::take(&[0xFF; 11]).is_err(), "a varint that never ends");
    }
}
