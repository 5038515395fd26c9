//! One value of one record as a format reader hands it over, before typing: the shared currency
//! between the format readers (CSV, JSON, LDIF, .xlsx) and the table builders.

use crate::model::{AdField, EntraField, ExoField, Kind, SkuField, StatsField};
use crate::values::normalise_key;
use std::borrow::Cow;
use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

#[derive(Clone, Debug, PartialEq)]
pub enum Cell<'a> {
    Null,
    Text(Cow<'a, str>),
    /// A JSON array or a repeated LDIF attribute.
    List(Vec<Cell<'a>>),
    /// A JSON object (nested values such as `assignedPlans` entries).
    Map(Vec<(Cow<'a, str>, Cell<'a>)>),
    /// An LDIF `attr::` value that is not UTF-8 text (binary GUIDs).
    Bytes(Vec<u8>),
}

impl<'a> Cell<'a> {
    /// A member of a JSON object by key, matched like headers (case and punctuation ignored).
    pub fn get(&self, key: &str) -> Option<&Cell<'a>> {
        match self {
            // camelCase vs PascalCase is the common difference: try the cheap comparison first.
            Cell::Map(entries) => entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).or_else(|| entries.iter().find(|(k, _)| key_eq(k, key))).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Cell::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The elements of a list; a scalar is a list of one; null is empty.
    pub fn items(&self) -> &[Cell<'a>] {
        match self {
            Cell::List(items) => items,
            Cell::Null => &[],
            other => std::slice::from_ref(other),
        }
    }
}

/// Header/key equality ignoring case and non-alphanumerics, without allocating.
pub fn key_eq(a: &str, b: &str) -> bool {
    let mut x = a.bytes().filter(u8::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase());
    let mut y = b.bytes().filter(u8::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase());
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p == q => continue,
            _ => return false,
        }
    }
}

/// The fields one table reads, and the header spellings that map to each slot.
pub struct Spec {
    pub names: Vec<&'static str>,
    index: HashMap<String, usize>,
}

impl Spec {
    fn new(fields: impl Iterator<Item = (&'static str, &'static [&'static str])>) -> Spec {
        let mut names = Vec::new();
        let mut index = HashMap::default();
        for (slot, (name, aliases)) in fields.enumerate() {
            names.push(name);
            for n in std::iter::once(&name).chain(aliases.iter()) {
                index.entry(normalise_key(n)).or_insert(slot);
            }
        }
        Spec { names, index }
    }

    /// The slot a header or key fills, if this table reads it.
    pub fn slot(&self, header: &str) -> Option<usize> {
        let mut buf = [0u8; 64];
        let mut n = 0;
        for b in header.bytes().filter(u8::is_ascii_alphanumeric) {
            if n == buf.len() {
                return self.index.get(&normalise_key(header)).copied();
            }
            buf[n] = b.to_ascii_lowercase();
            n += 1;
        }
        std::str::from_utf8(&buf[..n]).ok().and_then(|k| self.index.get(k)).copied()
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The spec of the table a kind of file fills.
    pub fn for_kind(kind: Kind) -> Option<&'static Spec> {
        static AD: OnceLock<Spec> = OnceLock::new();
        static ENTRA: OnceLock<Spec> = OnceLock::new();
        static SKU: OnceLock<Spec> = OnceLock::new();
        static EXO: OnceLock<Spec> = OnceLock::new();
        static STATS: OnceLock<Spec> = OnceLock::new();
        Some(match kind {
            Kind::AdUsers => AD.get_or_init(|| Spec::new(AdField::ALL.iter().map(|f| (f.name(), f.aliases())))),
            Kind::EntraUsers => ENTRA.get_or_init(|| Spec::new(EntraField::ALL.iter().map(|f| (f.name(), f.aliases())))),
            Kind::EntraSkus => SKU.get_or_init(|| Spec::new(SkuField::ALL.iter().map(|f| (f.name(), f.aliases())))),
            Kind::ExoMailboxes | Kind::ExoUsers | Kind::ExoMailusers | Kind::ExoRecipients => {
                EXO.get_or_init(|| Spec::new(ExoField::ALL.iter().map(|f| (f.name(), f.aliases()))))
            }
            Kind::ExoStatistics => STATS.get_or_init(|| Spec::new(StatsField::ALL.iter().map(|f| (f.name(), f.aliases())))),
            Kind::Unknown => return None,
        })
    }
}

/// A record's cells, indexed by slot of the table's [`Spec`].
pub type Row<'a> = Vec<Option<Cell<'a>>>;

/// One row's storage reused record after record: each record's cells borrow that record's bytes, so
/// the row cannot outlive it, but its allocation can (a fresh `vec![None; width]` per record was a
/// measurable share of reading).
#[derive(Default)]
pub struct RowBuf(Vec<Option<Cell<'static>>>);

impl RowBuf {
    /// An empty row of `width` slots for the next record.
    pub fn take<'a>(&mut self, width: usize) -> Row<'a> {
        // Collecting an empty vector into one of the same layout keeps its allocation.
        let mut row: Row<'a> = std::mem::take(&mut self.0).into_iter().map(|_| None).collect();
        row.resize(width, None);
        row
    }

    /// Gives a used row back: its cells are dropped, its allocation kept.
    pub fn give(&mut self, mut row: Row<'_>) {
        row.clear();
        self.0 = row.into_iter().map(|_| None).collect();
    }
}

#[cfg(test)]
mod row_buf_tests {
    use super::*;

    #[test]
    fn a_reused_row_keeps_its_allocation_and_starts_empty() {
        let mut buf = RowBuf::default();
        let first = buf.take(30);
        let at = first.as_ptr() as usize;
        buf.give(first);
        for round in 0..3 {
            let text = format!("record {round}");
            let mut row = buf.take(30);
            assert_eq!(row.as_ptr() as usize, at, "round {round}: the allocation is reused");
            assert!(row.len() == 30 && row.iter().all(Option::is_none), "round {round}: every slot empty");
            row[7] = Some(Cell::Text(Cow::Borrowed(&text)));
            buf.give(row);
        }
    }
}
