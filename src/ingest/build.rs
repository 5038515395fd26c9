//! Typing one record: cells → a canonical record. Everything a value could not carry is counted per
//! column (lost type names, unparseable values, `?` from ASCII exports) for the file's report.

use super::cell::{Cell, Row, Spec};
use crate::model::*;
use crate::values::{self, DateCell, DateOrder, Guid, Timestamp};
use std::collections::BTreeMap;

/// Per-column problems seen while typing one file.
#[derive(Default, Debug)]
pub struct ColumnIssues {
    /// Rows whose value was a .NET type name instead of data.
    pub lost_rows: u64,
    pub invalid_rows: u64,
    pub first_invalid: Option<(u32, String)>,
    /// Rows where a single-valued field came with several values (the first is used).
    pub multi_rows: u64,
    pub first_multi: Option<u32>,
}

/// What a multi-valued cell holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListOf {
    /// Plain values (`InPlaceHolds`), split as PowerShell flattens a list.
    Values,
    /// Proxy addresses (`SMTP:a@b`, `x500:…`), split as PowerShell flattens them.
    Proxies,
    /// An Entra user's proxyAddresses or an EXO recipient's EmailAddresses: proxy addresses whose
    /// `*.mail.onmicrosoft.com` domains are counted ([`Collector::routing`]).
    CloudAddresses,
}

/// Collects what typing one file saw; one per file, single-threaded.
pub struct Collector {
    pub spec: &'static Spec,
    pub issues: BTreeMap<usize, ColumnIssues>,
    /// Culture dates waiting for the file's day/month order: (record index, slot, value).
    pub pending_dates: Vec<(usize, usize, DateCell)>,
    pub forced_orders: [u64; 2],
    pub first_forced: [Option<(u32, String)>; 2],
    pub question_marks: u64,
    pub first_question_mark: Option<(u32, String)>,
    /// Exchange recipients of a type only on-premises Exchange has (RemoteUserMailbox …): how many, and the
    /// first's line and type.
    pub remote_types: u64,
    pub first_remote_type: Option<(u32, RecipientType)>,
    /// AD objects that are not users, by class (`group`, `contact`, `computer` …): not stored.
    pub not_users: BTreeMap<String, u64>,
    /// Entra users that are deleted (`deletedDateTime` set): not stored.
    pub deleted_users: u64,
    /// Subscribed-SKU records without a `skuId` (the id names the SKU): not stored.
    pub skus_without_id: u64,
    /// Current record's index and line.
    index: usize,
    line: u32,
    /// The current record's unreadable cells (`1 << slot`), stamped on its row.
    row_unreadable: u32,
    /// Columns with at least one readable value (`1 << slot`): a column whose values were lost only in
    /// some rows is still used, unknown on those rows alone.
    pub readable: u32,
    /// The routing domains of the rows' addresses (Entra users' proxyAddresses, EXO recipients'
    /// EmailAddresses), counted as each row is stored.
    pub routing: crate::values::DomainCounts,
}

impl Collector {
    pub fn new(spec: &'static Spec) -> Collector {
        Collector {
            spec,
            issues: BTreeMap::new(),
            pending_dates: Vec::new(),
            forced_orders: [0; 2],
            first_forced: [None, None],
            question_marks: 0,
            first_question_mark: None,
            remote_types: 0,
            first_remote_type: None,
            not_users: BTreeMap::new(),
            deleted_users: 0,
            skus_without_id: 0,
            index: 0,
            line: 0,
            row_unreadable: 0,
            readable: 0,
            routing: Default::default(),
        }
    }

    /// A value of this column lost: PowerShell wrote a .NET type name (or flattened text) in its place.
    /// The row's value is unknown, not empty: marked like an unreadable cell, so what is read or linked
    /// through it on this row is not taken for "unset" (a lost mS-DS-ConsistencyGuid left the row
    /// anchored on its objectGUID: a hard-matched user lost her Entra partner, false SYNC003 / HOLD001).
    fn lost(&mut self, slot: usize) {
        self.row_unreadable |= slot_bit(slot);
        self.issues.entry(slot).or_default().lost_rows += 1;
    }

    fn invalid(&mut self, slot: usize, value: &str) {
        self.row_unreadable |= slot_bit(slot);
        let issue = self.issues.entry(slot).or_default();
        issue.invalid_rows += 1;
        if issue.first_invalid.is_none() {
            issue.first_invalid = Some((self.line, value.chars().take(80).collect()));
        }
    }

    /// Trimmed, non-empty text of a scalar cell (the first element of a list).
    pub fn text<'r>(&mut self, row: &'r Row<'_>, slot: usize) -> Option<&'r str> {
        let cell = row.get(slot)?.as_ref()?;
        let t = match cell {
            Cell::Text(t) => t.trim_ascii(),
            Cell::List(items) => {
                if items.len() > 1 {
                    let issue = self.issues.entry(slot).or_default();
                    issue.multi_rows += 1;
                    issue.first_multi.get_or_insert(self.line);
                }
                items.first()?.as_text()?.trim_ascii()
            }
            Cell::Map(_) => {
                // PowerShell 5.1 ConvertTo-Json writes a [guid] as {"Guid": "…"}, and an Exchange size
                // (Unlimited<ByteQuantifiedSize>) as {"IsUnlimited": false, "Value": "55 GB (… bytes)"};
                // another object is no value of a scalar column: counted, not dropped unseen.
                match cell.get("Guid").or_else(|| cell.get("Value")).and_then(Cell::as_text) {
                    Some(t) => t.trim_ascii(),
                    None => {
                        self.invalid(slot, "(a JSON object)");
                        return None;
                    }
                }
            }
            _ => return None,
        };
        if t.is_empty() {
            return None;
        }
        if values::is_lost_marker(t) {
            self.lost(slot);
            return None;
        }
        self.readable |= slot_bit(slot);
        Some(t)
    }

    /// The cell's text, stored in the table's text store.
    pub fn put(&mut self, row: &Row<'_>, slot: usize, texts: &mut Texts) -> Str {
        match self.text(row, slot) {
            Some(t) => texts.put(t),
            None => Str::default(),
        }
    }

    /// Like [`Collector::put`], and counts a `?` between letters: Windows PowerShell 5.1 exports
    /// in ASCII by default and replaces every non-ASCII character with `?`.
    pub fn name(&mut self, row: &Row<'_>, slot: usize, texts: &mut Texts) -> Str {
        let Some(t) = self.text(row, slot) else { return Str::default() };
        let b = t.as_bytes();
        if b.windows(3).any(|w| w[1] == b'?' && w[0].is_ascii_alphabetic() && w[2].is_ascii_alphabetic())
            || (b.len() > 1 && b[0] == b'?' && b[1].is_ascii_alphabetic())
        {
            self.question_marks += 1;
            if self.first_question_mark.is_none() {
                self.first_question_mark = Some((self.line, t.to_string()));
            }
        }
        texts.put(t)
    }

    /// Every value of a multi-valued cell, flattened forms split (`a;b`, `{a, b}` …).
    pub fn list(&mut self, row: &Row<'_>, slot: usize, of: ListOf, texts: &mut Texts) -> Str {
        let proxies = of != ListOf::Values;
        let Some(Some(cell)) = row.get(slot) else { return Str::default() };
        let mut out: Vec<&str> = Vec::new();
        for item in cell.items() {
            let Some(t) = item.as_text() else { continue };
            if values::is_lost_marker(t) || values::is_truncated(t) {
                self.lost(slot);
                return Str::default();
            }
            if proxies {
                out.extend(values::split_proxies(t));
            } else {
                out.extend(values::split_multi(t));
            }
        }
        if !out.is_empty() {
            self.readable |= slot_bit(slot);
        }
        let stored = texts.put_list(out.iter().copied());
        // Counted as stored: a list the texts could not hold (past 4 GiB) is not there to count.
        if of == ListOf::CloudAddresses && !stored.is_none() {
            for address in out {
                self.routing.add(address);
            }
        }
        stored
    }

    pub fn guid(&mut self, row: &Row<'_>, slot: usize) -> Option<Guid> {
        let cell = row.get(slot)?.as_ref()?;
        match cell {
            Cell::Bytes(b) => {
                let g = Guid::from_bytes_le(b);
                if g.is_none() {
                    self.invalid(slot, &format!("{} bytes", b.len()));
                }
                g
            }
            Cell::List(items) if items.len() == 16 => {
                let parts: Vec<&str> = items.iter().filter_map(Cell::as_text).collect();
                let g = values::guid_from_byte_list(&parts);
                if g.is_none() {
                    self.invalid(slot, &parts.join(","));
                }
                g
            }
            _ => self.parsed(row, slot, Guid::parse_text),
        }
    }

    /// The cell parsed by `parse`; a value it rejects is counted (and the first one quoted) for the report.
    fn parsed<T>(&mut self, row: &Row<'_>, slot: usize, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        let t = self.text(row, slot)?;
        let v = parse(t);
        if v.is_none() {
            let t = t.to_string();
            self.invalid(slot, &t);
        }
        v
    }

    pub fn bool(&mut self, row: &Row<'_>, slot: usize) -> Option<bool> {
        self.parsed(row, slot, values::parse_bool)
    }

    /// An integer; `1.0` as a spreadsheet writes it is accepted, Excel's rounded `2.15E+09` is unreadable.
    pub fn int(&mut self, row: &Row<'_>, slot: usize) -> Option<i64> {
        self.parsed(row, slot, values::parse_integer)
    }

    pub fn size(&mut self, row: &Row<'_>, slot: usize) -> Option<u64> {
        self.parsed(row, slot, values::parse_item_size)
    }

    /// A date: unambiguous forms now; culture text is settled when the whole file has been read.
    pub fn date(&mut self, row: &Row<'_>, slot: usize) -> Option<Timestamp> {
        let t = self.text(row, slot)?;
        let cell = match values::parse_date(t) {
            Ok(Some(c)) => c,
            Ok(None) => return None,
            Err(()) => {
                let t = t.to_string();
                self.invalid(slot, &t);
                return None;
            }
        };
        if let Some(order) = cell.forced_order() {
            let i = order as usize;
            self.forced_orders[i] += 1;
            if self.first_forced[i].is_none() {
                self.first_forced[i] = Some((self.line, t.to_string()));
            }
        }
        match cell {
            DateCell::Numeric { .. } => {
                self.pending_dates.push((self.index, slot, cell));
                None
            }
            other => other.resolve(None),
        }
    }

    fn start(&mut self, index: usize, src: Src) {
        self.index = index;
        self.line = src.line;
        self.row_unreadable = 0;
    }

    /// The file's day/month order: settled by its own values, else the `--date-order` flag.
    /// `Err` when the values contradict each other.
    pub fn settle_date_order(&self, flag: Option<DateOrder>) -> Result<Option<DateOrder>, String> {
        match (self.forced_orders[0] > 0, self.forced_orders[1] > 0) {
            (true, true) => Err(format!(
                "dates disagree on day/month order: {:?} (line {}) can only be month-first, {:?} (line {}) only day-first",
                self.first_forced[0].as_ref().map(|f| &f.1).unwrap_or(&String::new()),
                self.first_forced[0].as_ref().map(|f| f.0).unwrap_or(0),
                self.first_forced[1].as_ref().map(|f| &f.1).unwrap_or(&String::new()),
                self.first_forced[1].as_ref().map(|f| f.0).unwrap_or(0),
            )),
            (true, false) => Ok(Some(DateOrder::MonthFirst)),
            (false, true) => Ok(Some(DateOrder::DayFirst)),
            (false, false) => Ok(flag),
        }
    }
}

/// A slot's bit in a row's `unreadable` mask (every table has fewer than 32 fields: a test checks it).
pub fn slot_bit(slot: usize) -> u32 {
    1u32.checked_shl(slot as u32).unwrap_or(0)
}

/// A typed row with its unreadable cells.
fn stamped<T: HasSrc>(mut row: T, unreadable: u32) -> T {
    *row.unreadable_mut() = unreadable;
    row
}

/// The typed rows of one file.
#[derive(Debug)]
pub enum Table {
    Ad(Rows<AdUser>),
    Entra(Rows<EntraUser>),
    Skus(Rows<Sku>),
    /// With the EXO family (index of `EXO_FAMILIES`) whose table it is.
    Exo(Rows<ExoRecipient>, usize),
    Stats(Rows<MailboxStatistics>),
}

/// Runs `$body` on the rows of whichever table `$table` is (each arm is its own instantiation).
macro_rules! each_table {
    ($table:expr, $t:ident => $body:expr) => {
        match $table {
            Table::Ad($t) => $body,
            Table::Entra($t) => $body,
            Table::Skus($t) => $body,
            Table::Exo($t, _) => $body,
            Table::Stats($t) => $body,
        }
    };
}

impl Table {
    pub fn new(kind: Kind) -> Option<Table> {
        Some(match kind {
            Kind::AdUsers => Table::Ad(Rows::default()),
            Kind::EntraUsers => Table::Entra(Rows::default()),
            Kind::EntraSkus => Table::Skus(Rows::default()),
            Kind::ExoMailboxes | Kind::ExoUsers | Kind::ExoMailusers | Kind::ExoRecipients => Table::Exo(Rows::default(), kind.exo_family().unwrap_or(3)),
            Kind::ExoStatistics => Table::Stats(Rows::default()),
            Kind::Unknown => return None,
        })
    }

    pub fn len(&self) -> usize {
        each_table!(self, t => t.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn text_len(&self) -> usize {
        each_table!(self, t => t.texts.len())
    }

    pub fn reserve(&mut self, rows: usize, text: usize) {
        each_table!(self, t => {
            t.rows.reserve_exact(rows);
            t.texts.reserve(text);
        })
    }

    /// Whether the text store outgrew its 4 GiB offsets.
    pub fn overflowed(&self) -> bool {
        each_table!(self, t => t.texts.overflowed)
    }

    /// Takes out what a failed file added.
    pub fn truncate(&mut self, rows: usize, text: usize) {
        each_table!(self, t => {
            t.rows.truncate(rows);
            t.texts.truncate(text);
        })
    }

    /// Stamps the final file index on one file's rows.
    pub fn set_file(&mut self, file: u32, range: std::ops::Range<usize>) {
        each_table!(self, t => {
            for r in &mut t.rows[range] {
                if let Some(src) = r.src_mut() {
                    src.file = file;
                }
            }
        })
    }

    /// The files whose rows the table holds.
    pub fn files(&self) -> Vec<u32> {
        each_table!(self, t => {
            let mut files: Vec<u32> = t.rows.iter().filter_map(|r| r.src().map(|s| s.file)).collect();
            files.dedup();
            files
        })
    }

    /// Types and stores one record; false when it is no record of this table (an AD object that is not a
    /// user, counted in the collector).
    pub fn push(&mut self, c: &mut Collector, row: &Row<'_>, src: Src, kind: Kind) -> bool {
        let index = self.len();
        c.start(index, src);
        match self {
            Table::Ad(t) => {
                if let Some(class) = not_a_user(row) {
                    *c.not_users.entry(class).or_default() += 1;
                    return false;
                }
                let r = ad_user(c, row, src, &mut t.texts);
                t.rows.push(stamped(r, c.row_unreadable))
            }
            Table::Entra(t) => {
                // A user of Graph's deleted items (`Get-MgDirectoryDeletedItemAsUser`, `Get-MsolUser
                // -ReturnDeletedUsers`): no longer in the directory the audit joins.
                if let Some(Some(cell)) = row.get(EntraField::DeletedDateTime as usize) {
                    if is_deleted(cell) {
                        c.deleted_users += 1;
                        return false;
                    }
                }
                let r = entra_user(c, row, src, &mut t.texts);
                t.rows.push(stamped(r, c.row_unreadable))
            }
            Table::Skus(t) => {
                if row.get(SkuField::SkuId as usize).is_none_or(Option::is_none) {
                    c.skus_without_id += 1;
                    return false;
                }
                // An id that is no GUID is counted among the unreadable values; the record is not stored.
                let Some(r) = sku(c, row, src, &mut t.texts) else { return false };
                t.rows.push(stamped(r, c.row_unreadable))
            }
            Table::Exo(t, _) => {
                let r = exo_recipient(c, row, src, kind, &mut t.texts);
                t.rows.push(stamped(r, c.row_unreadable))
            }
            Table::Stats(t) => {
                let r = statistics(c, row, src, &mut t.texts);
                t.rows.push(stamped(r, c.row_unreadable))
            }
        }
        true
    }

    /// Applies the file's day/month order to the culture dates held back while reading.
    pub fn settle_dates(&mut self, pending: &[(usize, usize, DateCell)], order: Option<DateOrder>) -> u64 {
        let mut unresolved = 0;
        for &(index, slot, cell) in pending {
            let Some(ts) = cell.resolve(order) else {
                unresolved += 1;
                each_table!(self, t => {
                    if let Some(r) = t.rows.get_mut(index) {
                        *r.unreadable_mut() |= slot_bit(slot);
                    }
                });
                continue;
            };
            match self {
                Table::Ad(Rows { rows: v, .. }) => match AdField::ALL[slot] {
                    AdField::WhenCreated => v[index].when_created = Some(ts).into(),
                    AdField::AccountExpires => v[index].account_expires = Some(ts).into(),
                    _ => {}
                },
                Table::Entra(Rows { rows: v, .. }) => {
                    if EntraField::ALL[slot] == EntraField::CreatedDateTime {
                        v[index].created = Some(ts).into()
                    }
                }
                Table::Exo(Rows { rows: v, .. }, _) => match ExoField::ALL[slot] {
                    ExoField::WhenSoftDeleted => v[index].when_soft_deleted = Some(ts).into(),
                    ExoField::WhenMailboxCreated => v[index].when_mailbox_created = Some(ts).into(),
                    _ => {}
                },
                Table::Skus(_) | Table::Stats(_) => {}
            }
        }
        unresolved
    }

}

/// Records that carry provenance.
pub trait HasSrc {
    fn src(&self) -> Option<Src>;
    fn src_mut(&mut self) -> Option<&mut Src>;
    /// The row's unreadable cells, one bit per slot of its table's fields.
    fn unreadable_mut(&mut self) -> &mut u32;
}

macro_rules! has_src {
    ($($t:ty),*) => {$(
        impl HasSrc for $t {
            fn src(&self) -> Option<Src> { self.src }
            fn src_mut(&mut self) -> Option<&mut Src> { self.src.as_mut() }
            fn unreadable_mut(&mut self) -> &mut u32 { &mut self.unreadable }
        }
    )*};
}
has_src!(AdUser, EntraUser, Sku, ExoRecipient, MailboxStatistics);

impl<T: HasSrc + Rebase> Rows<T> {
    /// After the last file: rows in (file, line) order, whatever order the files were read in, and
    /// spare capacity given back.
    pub fn finish_load(&mut self) {
        let key = |r: &T| r.src().map(|s| (s.file, s.line)).unwrap_or((u32::MAX, u32::MAX));
        if !self.rows.windows(2).all(|w| key(&w[0]) <= key(&w[1])) && !order_runs(&mut self.rows, key) {
            sort_keeping_ties(&mut self.rows, key);
        }
        if self.rows.capacity() > self.rows.len() + self.rows.len() / 10 + 64 {
            self.rows.shrink_to_fit();
        }
        self.texts.shrink();
    }
}

/// Rows that are a few sorted runs which do not interleave are put in order run by run: a file's rows are
/// in line order and together, so a table whose files were read out of file order — the soft-deleted
/// mailbox export (file `exo-mailboxes-softdeleted.csv`, read last as the smallest) after the active
/// mailboxes (`exo-mailboxes.csv`, numbered after it) — needs its runs moved, not its rows sorted. Each
/// run out of place is taken out and put back where it belongs: a few sequential moves of the table.
/// At 800k identities that table's last pass took 0.21 s (`sort_keeping_ties`, rows moved one by one to
/// places far apart), the longest of the ingest's last step, with the other core idle; the step now
/// takes 0.07 s in all (was 0.23), the ingest's tail after the readers 0.36 -> 0.21 s (`child-ingest`).
/// A run is a stretch of one file's rows in line order (`key`: file, line). Returns false, rows untouched,
/// when there are more than `MAX_RUNS` runs or two runs interleave.
fn order_runs<T>(rows: &mut Vec<T>, key: impl Fn(&T) -> (u32, u32)) -> bool {
    const MAX_RUNS: usize = 8;
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    let mut start = 0;
    for i in 1..=rows.len() {
        // A new run at the end, at another file, or at a line before the last one.
        let ends = i == rows.len() || {
            let ((file, line), (next_file, next_line)) = (key(&rows[i - 1]), key(&rows[i]));
            file != next_file || line > next_line
        };
        if ends {
            runs.push(start..i);
            if runs.len() > MAX_RUNS {
                return false;
            }
            start = i;
        }
    }
    // The runs in key order; each must end below the next one's start (equal keys across runs would be
    // ties whose order only the row sort keeps).
    let mut by_first: Vec<usize> = (0..runs.len()).collect();
    by_first.sort_by(|&a, &b| key(&rows[runs[a].start]).cmp(&key(&rows[runs[b].start])));
    if by_first.windows(2).any(|w| key(&rows[runs[w[0]].end - 1]) >= key(&rows[runs[w[1]].start])) {
        return false;
    }
    // `done` rows at the front are in order; the run that belongs next lies somewhere after them.
    let mut current: Vec<usize> = (0..runs.len()).collect();
    let mut done = 0;
    for (pos, &want) in by_first.iter().enumerate() {
        let Some(j) = current.iter().position(|&r| r == want) else { return false };
        let len = runs[want].len();
        if j != pos {
            let from = done + current[pos..j].iter().map(|&r| runs[r].len()).sum::<usize>();
            let run: Vec<T> = rows.drain(from..from + len).collect();
            rows.splice(done..done, run);
            let moved = current.remove(j);
            current.insert(pos, moved);
        }
        done += len;
    }
    true
}

/// Sorts `rows` by `key`; rows with equal keys keep their order. Records of a one-line JSON file all
/// have line 1: an unstable sort put them in a different order from run to run when several files of one
/// table were read side by side (a different "e.g." in a warning, seen on `fixtures/`). A stable sort
/// would need scratch room for half the rows (some 100 MB at 800k users, at the ingest's memory peak);
/// this sorts 4-byte positions and then moves the rows into place by following the permutation's cycles.
fn sort_keeping_ties<T, K: Ord>(rows: &mut [T], key: impl Fn(&T) -> K) {
    let Ok(n) = u32::try_from(rows.len()) else {
        // Beyond u32 positions (never reached: a table's texts are indexed by u32), the stable sort.
        rows.sort_by_key(key);
        return;
    };
    let mut order: Vec<u32> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| key(&rows[a as usize]).cmp(&key(&rows[b as usize])).then(a.cmp(&b)));
    // order[k] is the position of the row that belongs at k; a position done is marked order[k] = k.
    for start in 0..rows.len() {
        let mut k = start;
        loop {
            let from = order[k] as usize;
            order[k] = k as u32;
            if from == start || from == k {
                break;
            }
            rows.swap(k, from);
            k = from;
        }
    }
}

/// The AD object's class when it is not a user account: a group, a contact or a computer in an export that
/// took every object (`Get-ADObject`, `csvde` without a filter). A computer is a user subclass (its class list
/// ends in `computer`); `inetOrgPerson` is a user. No class (a column the export lacks): a user, as
/// `Get-ADUser` exports only users. The rule of the LDIF reader, for every format.
fn not_a_user<'a>(row: &'a Row<'_>) -> Option<String> {
    let cell = row.get(AdField::ObjectClass as usize)?.as_ref()?;
    // Every row of a Get-ADUser export.
    if cell.as_text().is_some_and(|t| t.trim().eq_ignore_ascii_case("user")) {
        return None;
    }
    let (mut user, mut computer, mut last): (bool, bool, Option<&str>) = (false, false, None);
    let mut see = |class: &'a str| {
        let class = class.trim();
        if !class.is_empty() {
            user |= class.eq_ignore_ascii_case("user") || class.eq_ignore_ascii_case("inetOrgPerson");
            computer |= class.eq_ignore_ascii_case("computer");
            last = Some(class);
        }
    };
    // A list (LDIF, JSON), or csvde's `top;person;organizationalPerson;user` in one cell.
    match cell {
        Cell::List(items) => items.iter().filter_map(Cell::as_text).for_each(&mut see),
        other => other.as_text().into_iter().flat_map(|t| t.split(';')).for_each(&mut see),
    }
    (!user || computer).then(|| last.map(str::to_ascii_lowercase)).flatten()
}

/// A `deletedDateTime` that is set (null and empty are a current user's). Cold: off the rows' hot path.
#[cold]
fn is_deleted(cell: &Cell<'_>) -> bool {
    cell.items().first().and_then(Cell::as_text).is_some_and(|t| !t.trim().is_empty())
}

fn ad_user(c: &mut Collector, row: &Row<'_>, src: Src, t: &mut Texts) -> AdUser {
    use AdField as F;
    let s = |f: F| f as usize;
    let uac = c.int(row, s(F::UserAccountControl));
    let enabled = c.bool(row, s(F::Enabled)).or(uac.map(values::enabled_from_uac));
    // objectClass is multi-valued in LDIF (top, person, organizationalPerson, user): keep the most specific.
    let object_class = match row.get(s(F::ObjectClass)) {
        Some(Some(Cell::List(items))) => items.last().and_then(Cell::as_text).map(|v| t.put(v)).unwrap_or_default(),
        _ => c.put(row, s(F::ObjectClass), t),
    };
    AdUser {
        src: Some(src),
        unreadable: 0,
        distinguished_name: c.put(row, s(F::DistinguishedName), t),
        object_class,
        object_guid: c.guid(row, s(F::ObjectGuid)),
        consistency_guid: c.guid(row, s(F::ConsistencyGuid)),
        user_principal_name: c.put(row, s(F::UserPrincipalName), t),
        sam_account_name: c.put(row, s(F::SamAccountName), t),
        display_name: c.name(row, s(F::DisplayName), t),
        mail: c.put(row, s(F::Mail), t),
        mail_nickname: c.put(row, s(F::MailNickname), t),
        proxy_addresses: c.list(row, s(F::ProxyAddresses), ListOf::Proxies, t),
        target_address: c.put(row, s(F::TargetAddress), t),
        enabled,
        recipient_type_details: c.int(row, s(F::RecipientTypeDetails)).into(),
        remote_recipient_type: c.int(row, s(F::RemoteRecipientType)).into(),
        recipient_display_type: c.int(row, s(F::RecipientDisplayType)).into(),
        mailbox_guid: c.guid(row, s(F::MailboxGuid)),
        archive_guid: c.guid(row, s(F::ArchiveGuid)),
        home_mdb: c.put(row, s(F::HomeMdb), t),
        home_server_name: c.put(row, s(F::HomeServerName), t),
        when_created: c.date(row, s(F::WhenCreated)).into(),
        account_expires: c.date(row, s(F::AccountExpires)).into(),
    }
}

fn nested_guid(cell: &Cell<'_>, key: &str) -> Option<Guid> {
    cell.get(key).and_then(Cell::as_text).and_then(Guid::parse_text)
}

fn nested_text(cell: &Cell<'_>, key: &str, t: &mut Texts) -> Str {
    cell.get(key).and_then(Cell::as_text).map(|v| t.put(v.trim_ascii())).unwrap_or_default()
}

/// Exchange Online plans are those whose service is `exchange` (Graph writes it for every Exchange plan,
/// EXCHANGE_S_FOUNDATION included; whether a plan grants a mailbox is decided by its id later).
fn is_exchange_service(service: Option<&str>) -> bool {
    service.is_none_or(|s| s.to_ascii_lowercase().contains("exchange"))
}

fn entra_user(c: &mut Collector, row: &Row<'_>, src: Src, t: &mut Texts) -> EntraUser {
    use EntraField as F;
    let s = |f: F| f as usize;
    let immutable_text = c.text(row, s(F::ImmutableId)).map(str::to_string);
    let immutable_guid = immutable_text.as_deref().and_then(Guid::from_immutable_id);
    let immutable_id = immutable_text.as_deref().map(|v| t.put(v)).unwrap_or_default();
    let block = c.bool(row, s(F::BlockCredential));
    let account_enabled = c.bool(row, s(F::AccountEnabled)).or(block.map(|b| !b));

    let mut licenses = Vec::new();
    if let Some(Some(cell)) = row.get(s(F::AssignedLicenses)) {
        for item in cell.items() {
            match item {
                // A license, plan or state whose id cannot be read makes the row's licenses (plans) unknown:
                // left out, the user would look unlicensed, or a disabled plan enabled.
                Cell::Map(_) => match nested_guid(item, "skuId") {
                    Some(sku_id) => {
                        let listed = item.get("disabledPlans");
                        let mut disabled = Vec::new();
                        for plan in listed.map(|d| d.items()).unwrap_or_default() {
                            match plan.as_text().map(|v| (v, Guid::parse_text(v))) {
                                Some((_, Some(id))) => disabled.push(id),
                                Some((v, None)) => c.invalid(s(F::AssignedLicenses), v),
                                None => c.invalid(s(F::AssignedLicenses), "(a disabled plan that is not an id)"),
                            }
                        }
                        licenses.push(License { sku_id: Some(sku_id), account_sku: Str::default(), disabled_plans: disabled.into_boxed_slice(), disabled_known: listed.is_some() });
                    }
                    None => {
                        // MSOL objects: {"AccountSkuId": "contoso:ENTERPRISEPACK", …}
                        match (item.get("AccountSkuId").and_then(Cell::as_text), item.get("skuId").and_then(Cell::as_text)) {
                            (Some(v), _) => licenses.push(License { sku_id: None, account_sku: t.put(v), disabled_plans: Box::default(), disabled_known: false }),
                            (None, Some(bad)) => c.invalid(s(F::AssignedLicenses), bad),
                            (None, None) => c.invalid(s(F::AssignedLicenses), "(a license without skuId)"),
                        }
                    }
                },
                Cell::Text(_) => {
                    let v = item.as_text().unwrap_or("");
                    // `@{DisabledPlans=System.String[]; SkuId=…}`: an object a too shallow ConvertTo-Json
                    // wrote as text — its disabled plans are lost.
                    if values::is_lost_marker(v) || values::ps_object(v).is_some() {
                        c.lost(s(F::AssignedLicenses));
                        continue;
                    }
                    for part in values::split_multi(v) {
                        licenses.push(match Guid::parse_text(part) {
                            Some(sku_id) => License { sku_id: Some(sku_id), account_sku: Str::default(), disabled_plans: Box::default(), disabled_known: false },
                            None => License { sku_id: None, account_sku: t.put(part), disabled_plans: Box::default(), disabled_known: false },
                        });
                    }
                }
                _ => {}
            }
        }
    }

    let mut plans = Vec::new();
    if let Some(Some(cell)) = row.get(s(F::AssignedPlans)) {
        // A plan written as text (a .NET type name, or `@{ServicePlanId=…}` from a too shallow
        // ConvertTo-Json) lost its data: the row's plans are unknown, not empty.
        if cell.items().iter().any(|item| matches!(item, Cell::Text(_))) {
            c.lost(s(F::AssignedPlans));
        }
        for item in cell.items() {
            if !matches!(item, Cell::Map(_)) || !is_exchange_service(item.get("service").and_then(Cell::as_text)) {
                continue;
            }
            let Some(service_plan_id) = nested_guid(item, "servicePlanId") else {
                let v = item.get("servicePlanId").and_then(Cell::as_text).unwrap_or("(an Exchange plan without servicePlanId)").to_string();
                c.invalid(s(F::AssignedPlans), &v);
                continue;
            };
            let status = item.get("capabilityStatus").and_then(Cell::as_text).unwrap_or("").trim_ascii();
            // A date that does not read leaves the plan's start unknown (the checks say "since when
            // unknown"), not the plan.
            // `AssignedTimestamp` in the AzureAD module's Get-AzureADUser.
            let assigned = item
                .get("assignedDateTime")
                .or_else(|| item.get("AssignedTimestamp"))
                .and_then(Cell::as_text)
                .and_then(|v| values::parse_date(v).ok().flatten())
                .and_then(|d| d.resolve(None));
            plans.push(AssignedPlan {
                service_plan_id,
                enabled: status.eq_ignore_ascii_case("Enabled") || status.eq_ignore_ascii_case("Warning"),
                capability_status: t.put(status),
                assigned: assigned.into(),
            });
        }
    }

    let mut states = Vec::new();
    if let Some(Some(cell)) = row.get(s(F::LicenseAssignmentStates)) {
        if cell.items().iter().any(|item| matches!(item, Cell::Text(_))) {
            c.lost(s(F::LicenseAssignmentStates));
        }
        for item in cell.items() {
            if !matches!(item, Cell::Map(_)) {
                continue;
            }
            let sku_id = nested_guid(item, "skuId");
            if let (None, Some(bad)) = (sku_id, item.get("skuId").and_then(Cell::as_text).filter(|v| !v.trim_ascii().is_empty())) {
                c.invalid(s(F::LicenseAssignmentStates), bad);
            }
            states.push(LicenseState {
                sku_id,
                assigned_by_group: nested_guid(item, "assignedByGroup"),
                state: nested_text(item, "state", t),
                error: nested_text(item, "error", t),
                updated: item.get("lastUpdatedDateTime").and_then(Cell::as_text).and_then(|v| values::parse_date(v).ok().flatten()).and_then(|d| d.resolve(None)).into(),
            });
        }
    }

    let mut errors = Vec::new();
    if let Some(Some(cell)) = row.get(s(F::ProvisioningErrors)) {
        for item in cell.items() {
            match item {
                Cell::Map(_) => errors.push(ProvisioningError {
                    category: nested_text(item, "category", t),
                    property: nested_text(item, "propertyCausingError", t),
                    value: nested_text(item, "value", t),
                }),
                Cell::Text(v) if !v.trim_ascii().is_empty() => {
                    if values::is_lost_marker(v) {
                        c.lost(s(F::ProvisioningErrors));
                    } else if let Some(fields) = values::ps_object(v) {
                        // `@{Category=PropertyConflict; PropertyCausingError=…; Value=…}` (a too shallow
                        // ConvertTo-Json): the object's fields are all there, as text.
                        let mut get = |k: &str| fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)).map_or(Str::default(), |(_, v)| t.put(v));
                        errors.push(ProvisioningError { category: get("Category"), property: get("PropertyCausingError"), value: get("Value") });
                    } else {
                        errors.push(ProvisioningError { category: t.put("MSOL"), property: Str::default(), value: t.put(v.trim_ascii()) });
                    }
                }
                _ => {}
            }
        }
    }

    EntraUser {
        src: Some(src),
        unreadable: 0,
        id: c.guid(row, s(F::Id)),
        user_principal_name: c.put(row, s(F::UserPrincipalName), t),
        display_name: c.name(row, s(F::DisplayName), t),
        immutable_id,
        immutable_guid,
        on_premises_sync_enabled: c.bool(row, s(F::OnPremisesSyncEnabled)),
        account_enabled,
        mail: c.put(row, s(F::Mail), t),
        proxy_addresses: c.list(row, s(F::ProxyAddresses), ListOf::CloudAddresses, t),
        usage_location: c.put(row, s(F::UsageLocation), t),
        user_type: c.put(row, s(F::UserType), t),
        created: c.date(row, s(F::CreatedDateTime)).into(),
        licenses: licenses.into_boxed_slice(),
        assigned_plans: plans.into_boxed_slice(),
        license_states: states.into_boxed_slice(),
        provisioning_errors: errors.into_boxed_slice(),
        validation_status: c.put(row, s(F::ValidationStatus), t),
        is_licensed: c.bool(row, s(F::IsLicensed)),
    }
}

fn sku(c: &mut Collector, row: &Row<'_>, src: Src, t: &mut Texts) -> Option<Sku> {
    use SkuField as F;
    let sku_id = c.guid(row, F::SkuId as usize)?;
    let mut plans = Vec::new();
    if let Some(Some(cell)) = row.get(F::ServicePlans as usize) {
        for item in cell.items() {
            if let Some(service_plan_id) = nested_guid(item, "servicePlanId") {
                plans.push(SkuPlan { service_plan_id, service_plan_name: nested_text(item, "servicePlanName", t) });
            }
        }
    }
    Some(Sku { src: Some(src), unreadable: 0, sku_id, sku_part_number: c.put(row, F::SkuPartNumber as usize, t), service_plans: plans.into_boxed_slice() })
}

fn exo_recipient(c: &mut Collector, row: &Row<'_>, src: Src, kind: Kind, t: &mut Texts) -> ExoRecipient {
    use ExoField as F;
    let s = |f: F| f as usize;
    let inactive = c.bool(row, s(F::IsInactiveMailbox));
    let soft_removed = c.bool(row, s(F::IsSoftDeletedByRemove));
    let soft_disabled = c.bool(row, s(F::IsSoftDeletedByDisable));
    let when_soft_deleted = c.date(row, s(F::WhenSoftDeleted));
    let soft_deleted_pending = c.pending_dates.last().is_some_and(|(i, slot, _)| *i == c.index && *slot == s(F::WhenSoftDeleted));
    // A WhenSoftDeleted that is there but cannot be read still says the mailbox was soft-deleted (read as
    // active, it made a second mailbox of the person: false PROV005, SYNC002); when is unknown.
    let soft_deleted_unread = c.row_unreadable & slot_bit(s(F::WhenSoftDeleted)) != 0;
    let state = if inactive == Some(true) {
        ExoState::Inactive
    } else if soft_removed == Some(true) || soft_disabled == Some(true) || when_soft_deleted.is_some() || soft_deleted_pending || soft_deleted_unread {
        ExoState::SoftDeleted
    } else {
        ExoState::Active
    };
    let rtd = c.text(row, s(F::RecipientTypeDetails)).and_then(|v| RecipientType::parse(v, t));
    if let Some(remote) = rtd.filter(RecipientType::is_remote) {
        c.remote_types += 1;
        c.first_remote_type.get_or_insert((src.line, remote));
    }
    let prtd = c.text(row, s(F::PreviousRecipientTypeDetails)).and_then(|v| RecipientType::parse(v, t));
    ExoRecipient {
        src: Some(src),
        unreadable: 0,
        kind: Some(kind),
        external_directory_object_id: c.guid(row, s(F::ExternalDirectoryObjectId)),
        user_principal_name: c.put(row, s(F::UserPrincipalName), t),
        alias: c.put(row, s(F::Alias), t),
        display_name: c.name(row, s(F::DisplayName), t),
        email_addresses: c.list(row, s(F::EmailAddresses), ListOf::CloudAddresses, t),
        primary_smtp_address: c.put(row, s(F::PrimarySmtpAddress), t),
        windows_email_address: c.put(row, s(F::WindowsEmailAddress), t),
        external_email_address: c.put(row, s(F::ExternalEmailAddress), t),
        recipient_type_details: rtd,
        previous_recipient_type_details: prtd,
        guid: c.guid(row, s(F::Guid)),
        exchange_guid: c.guid(row, s(F::ExchangeGuid)),
        archive_guid: c.guid(row, s(F::ArchiveGuid)),
        // PowerShell 5.1 JSON writes ArchiveStatus (ArchiveStatusFlags) as a number: 0 None, 1 Active.
        archive_status: match c.text(row, s(F::ArchiveStatus)) {
            Some("0") => t.put("None"),
            Some("1") => t.put("Active"),
            Some(v) => t.put(v),
            None => Str::default(),
        },
        litigation_hold_enabled: c.bool(row, s(F::LitigationHoldEnabled)),
        in_place_holds: c.list(row, s(F::InPlaceHolds), ListOf::Values, t),
        compliance_tag_hold_applied: c.bool(row, s(F::ComplianceTagHoldApplied)),
        delay_hold_applied: c.bool(row, s(F::DelayHoldApplied)),
        delay_release_hold_applied: c.bool(row, s(F::DelayReleaseHoldApplied)),
        retention_hold_enabled: c.bool(row, s(F::RetentionHoldEnabled)),
        state,
        when_soft_deleted: when_soft_deleted.into(),
        when_mailbox_created: c.date(row, s(F::WhenMailboxCreated)).into(),
        account_disabled: c.bool(row, s(F::AccountDisabled)),
        sku_assigned: c.bool(row, s(F::SkuAssigned)),
        is_dir_synced: c.bool(row, s(F::IsDirSynced)),
    }
}

fn statistics(c: &mut Collector, row: &Row<'_>, src: Src, t: &mut Texts) -> MailboxStatistics {
    use StatsField as F;
    MailboxStatistics {
        src: Some(src),
        unreadable: 0,
        mailbox_guid: c.guid(row, F::MailboxGuid as usize),
        display_name: c.name(row, F::DisplayName as usize, t),
        total_item_size: c.size(row, F::TotalItemSize as usize),
        item_count: c.int(row, F::ItemCount as usize).map(|n| n.max(0) as u64),
        total_deleted_item_size: c.size(row, F::TotalDeletedItemSize as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::{order_runs, sort_keeping_ties};

    #[test]
    fn runs_out_of_order_are_moved_into_place() {
        // (file, line): files' runs out of file order, as two readers or a late small file leave them.
        let shapes: [&[(u32, u32)]; 7] = [
            &[(1, 1), (1, 2), (1, 3), (0, 1), (0, 2)],
            &[(2, 5), (0, 1), (0, 9), (1, 1), (1, 2)],
            &[(3, 1), (2, 1), (1, 1), (0, 1)],
            &[(0, 1), (0, 2), (2, 1), (1, 1), (1, 7), (3, 1)],
            &[(5, 1), (6, 1), (0, 2), (4, 1), (1, 1), (2, 1), (3, 1)],
            &[(0, 1), (1, 1), (1, 2)],
            // One file's rows in two runs, still in line order.
            &[(1, 1), (1, 2), (0, 1), (1, 3)],
        ];
        for rows in shapes {
            let rows: Vec<(u32, u32, usize)> = rows.iter().enumerate().map(|(i, &(f, l))| (f, l, i)).collect();
            let mut sorted = rows.clone();
            sort_keeping_ties(&mut sorted, |r| (r.0, r.1));
            let mut ours = rows.clone();
            assert!(order_runs(&mut ours, |r| (r.0, r.1)), "{rows:?}");
            assert_eq!(ours, sorted, "{rows:?}");
        }
    }

    #[test]
    fn interleaved_or_many_runs_are_left_to_the_row_sort() {
        // File 1's rows on both sides of file 0's, line 3 after line 5: runs that interleave.
        let mut rows = vec![(1u32, 1u32), (1, 5), (0, 1), (1, 3)];
        assert!(!order_runs(&mut rows, |r| *r));
        assert_eq!(rows, [(1, 1), (1, 5), (0, 1), (1, 3)], "untouched");
        // Ties across runs (every record of a one-line JSON file at line 1).
        let mut ties = vec![(1u32, 1u32, "b0"), (0, 1, "a0"), (1, 1, "b1")];
        assert!(!order_runs(&mut ties, |r| (r.0, r.1)));
        // More runs than it moves: nine files in reverse order.
        let mut many: Vec<(u32, u32)> = (0..9).rev().map(|f| (f, 1)).collect();
        assert!(!order_runs(&mut many, |r| *r));
        // Nothing and one row are in order.
        assert!(order_runs(&mut Vec::<(u32, u32)>::new(), |r| *r));
        assert!(order_runs(&mut vec![(3u32, 1u32)], |r| *r));
    }

    #[test]
    fn rows_with_equal_keys_keep_their_order() {
        // (file, line, what): files read out of order, every record of a one-line file at line 1.
        let mut rows = vec![(1, 1, "b0"), (1, 1, "b1"), (0, 1, "a0"), (0, 1, "a1"), (0, 1, "a2"), (1, 1, "b2"), (0, 2, "a3")];
        sort_keeping_ties(&mut rows, |r| (r.0, r.1));
        assert_eq!(rows.iter().map(|r| r.2).collect::<Vec<_>>(), ["a0", "a1", "a2", "a3", "b0", "b1", "b2"]);
        // Against the standard library's stable sort, on permutations with many cycles and many ties.
        for n in [0usize, 1, 2, 3, 10, 257, 5000] {
            let rows: Vec<(u32, usize)> = (0..n).map(|i| (((i * 7919) % 13) as u32, i)).collect();
            let (mut ours, mut std_sorted) = (rows.clone(), rows);
            sort_keeping_ties(&mut ours, |r| r.0);
            std_sorted.sort_by_key(|r| r.0);
            assert_eq!(ours, std_sorted, "{n} rows");
        }
    }
}
