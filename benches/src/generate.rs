//! Synthetic Contoso-like hybrid tenant, written in the shapes real exports have, choosing the
//! lean real ones: a `Select-Object` of the properties the audit reads rather than every property,
//! and Graph JSON as the REST API returns it for a `$select`.
//!
//! Standard library only (no crates), deterministic for a seed (same seed, same N: byte-identical
//! files), and fast: every file is written by its own thread through one large byte buffer with
//! hand-rolled formatting of GUIDs, numbers and dates, so no row allocates.
//!
//! Row order, as real exports have it: each directory lists its objects in an order of its own. AD's
//! file follows the identities' order; `graph-users.json` is ordered by Entra object id (as Graph
//! lists users), the EXO files by the recipient's Guid. So the join and the checks meet one person's
//! rows far apart in memory, as in a customer's tenant (the same order in every file hid that cost).
//!
//! Files. Every CSV is as PowerShell 7 `Export-Csv` writes it: UTF-8 without BOM, no `#TYPE` line,
//! every field double-quoted, CRLF line ends, `True`/`False`, en-US dates (`4/12/2019 10:04:27 PM`).
//!
//! - `ad-users.csv`, one row per AD user (N): `Get-ADUser -Properties ... | Select-Object ... |
//!   Export-Csv`, with `proxyAddresses` joined by `;` and the GUID attributes cast to `[guid]`.
//!   Columns: DistinguishedName, Enabled, Name, ObjectClass, ObjectGUID, SamAccountName,
//!   UserPrincipalName, DisplayName, mail, mailNickname, proxyAddresses, targetAddress,
//!   msExchRecipientTypeDetails, msExchRemoteRecipientType, msExchRecipientDisplayType,
//!   msExchMailboxGuid, msExchArchiveGUID, homeMDB, msExchHomeServerName, mS-DS-ConsistencyGuid,
//!   userAccountControl, whenCreated, accountExpires.
//! - `graph-users.json`, one element per Entra user (the synced ~95% of N plus ~3% of N
//!   cloud-only members and guests): the `value` arrays of the pages of
//!   `GET /v1.0/users?$select=...` merged into one plain array, compact as Graph sends it (no
//!   whitespace, no line breaks, not even a trailing one). Keys, in this order: id,
//!   userPrincipalName, displayName, mail, proxyAddresses, onPremisesImmutableId,
//!   onPremisesSyncEnabled, accountEnabled, usageLocation, userType, createdDateTime,
//!   assignedLicenses (the E3 SKU for a licensed user, else `[]`), assignedPlans (a licensed
//!   user's Exchange plan only, one entry), licenseAssignmentStates (`[]`: every assignment is
//!   healthy), onPremisesProvisioningErrors (`[]`).
//! - `exo-mailboxes.csv`, one row per cloud mailbox of a synced user (remote mailboxes on-prem):
//!   `Get-EXOMailbox -PropertySets Minimum,StatisticsSeed,Hold | Select-Object ...,
//!   @{n='EmailAddresses';e={"$($_.EmailAddresses)"}} | Export-Csv` (addresses space-separated).
//!   Columns: ExternalDirectoryObjectId, UserPrincipalName, Alias, DisplayName, EmailAddresses,
//!   PrimarySmtpAddress, RecipientType, RecipientTypeDetails, Identity, Guid, ExchangeGuid,
//!   ArchiveGuid, LitigationHoldEnabled, InPlaceHolds, ComplianceTagHoldApplied, DelayHoldApplied,
//!   DelayReleaseHoldApplied, RetentionHoldEnabled, IsInactiveMailbox, IsSoftDeletedByRemove,
//!   WhenSoftDeleted, WhenMailboxCreated.
//! - `exo-mailboxes-softdeleted.csv`, one soft-deleted mailbox per 1,000 AD users (people who left,
//!   their Entra user gone): `Get-EXOMailbox -SoftDeletedMailbox`, the columns above.
//! - `exo-users.csv`, one row per Entra user: `Get-User | Select-Object ... | Export-Csv`.
//!   Columns: ExternalDirectoryObjectId, UserPrincipalName, DisplayName, RecipientType,
//!   RecipientTypeDetails, PreviousRecipientTypeDetails, WindowsEmailAddress, SKUAssigned,
//!   IsDirSynced, AccountDisabled, Guid.
//! - `exo-mailusers.csv`, one row per synced user whose mailbox is still on-prem: `Get-MailUser |
//!   Select-Object ... | Export-Csv`, addresses space-separated as above. Columns:
//!   ExternalDirectoryObjectId, UserPrincipalName, Alias, DisplayName, EmailAddresses,
//!   PrimarySmtpAddress, ExternalEmailAddress, RecipientTypeDetails, ExchangeGuid, ArchiveGuid,
//!   Guid.
//!
//! The population (fractions of N AD users): ~91% remote user mailboxes, ~3% remote shared
//! mailboxes, ~1% on-prem mailboxes ([`ONPREM_PER_MILLE`]; the benchmark's `--onprem-per-mille`
//! moves users between on-prem and remote), ~5% plain users without Exchange attributes. About 95% of AD
//! users are synced (the unsynced ones are plain users and a few on-prem mailboxes outside the
//! sync scope). 20% of AD users carry an `mS-DS-ConsistencyGuid` different from `objectGUID`, which
//! then is the source anchor. Joins hold by construction: `onPremisesImmutableId` = base64 of the
//! anchor's `Guid.ToByteArray()`, `ExternalDirectoryObjectId` = Entra `id`, cloud `ExchangeGuid` =
//! on-prem `msExchMailboxGuid`. Names are `first.last@contoso.com` and `jsmith`; a repeated name
//! gets a number (`first.last2`, `jsmith7`, display name `First Last 2`), so UPN, alias and DN stay
//! unique. ~7% of users (a tenth of the cloud mailboxes) carry an `X500:` proxy address, whose
//! spaces exercise address splitting. The data is deliberately clean apart from ~1% missing
//! `usageLocation`, ~0.5% unlicensed cloud mailboxes and a few percent of mailboxes on hold, so a
//! benchmark measures ingest and join, not finding volume.
//!
//! Size: about 1.90 KB per AD user over the five files ([`APPROX_BYTES_PER_IDENTITY`]), within
//! the benchmark's 1.75 KB ± 10% (at the default 1% on-prem): Graph ~0.75 KB (a licensed user is
//! ~0.8 KB), AD ~0.50 KB, mailboxes ~0.44 KB, EXO users ~0.21 KB, mail users ~0.003 KB. It creeps up
//! slowly with N as repeated names need longer numbers (1 897 at N = 1000 and 100 000, 1 924 at
//! 1 000 000; at 10% on-prem 1 873, 1 886, 1 913).
//! To generate a given volume, divide it by that constant to get N.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Bytes the five files take per AD user, measured at N = 100 000 with the default on-prem share
/// (1 897 at N = 1000, 1 924 at N = 1 000 000).
#[allow(dead_code)] // documents the shape; the benchmark reports measured sizes
pub const APPROX_BYTES_PER_IDENTITY: u64 = 1_897;

/// The on-prem mailbox share by default: 1%, a tenant most of whose mailboxes have moved. Each on-prem
/// mailbox is a finding (PROV006 awaiting migration, or LIC006 unlicensed for the move), so this share
/// sets the finding volume: 1% gives ~26k findings at 800k identities, the reports issue's scenario
/// ("~25k findings, 800k readiness rows"); `--onprem-per-mille 100` (10%, this generator's first
/// default) gives ~91k.
pub const ONPREM_PER_MILLE: u64 = 10;

/// Plain users take 5% and shared mailboxes 3%; the rest of the 1000 can be on-prem.
pub const MAX_ONPREM_PER_MILLE: u64 = 900;

/// One file written by [`generate`].
pub struct GeneratedFile {
    pub path: PathBuf,
    /// The file's stem, naming which export it imitates: `ad-users`, `graph-users`,
    /// `exo-mailboxes`, `exo-users`, `exo-mailusers`.
    pub kind: &'static str,
    /// Data rows (CSV rows after the header; JSON array elements).
    pub rows: u64,
    pub bytes: u64,
}

/// A file's writer: fills the buffer, returns the number of data rows.
type Writer = fn(&mut Out, &Tenant) -> io::Result<u64>;

/// The five files: stem, extension, writer.
const FILES: [(&str, &str, Writer); 6] = [
    ("ad-users", "csv", write_ad),
    ("graph-users", "json", write_graph),
    ("exo-mailboxes", "csv", write_exo_mailboxes),
    ("exo-mailboxes-softdeleted", "csv", write_exo_softdeleted),
    ("exo-users", "csv", write_exo_users),
    ("exo-mailusers", "csv", write_exo_mailusers),
];

/// Write the synthetic tenant for `identities` AD users into `dir` (created if missing).
/// Deterministic: the same `identities` and `seed` give byte-identical files. Each file is
/// written by its own thread (every writer derives each identity from (seed, i) alone, so they
/// share nothing); the result lists the files in the order of the table in the module docs.
pub fn generate(dir: &Path, identities: usize, seed: u64, onprem_per_mille: u64) -> io::Result<Vec<GeneratedFile>> {
    if onprem_per_mille > MAX_ONPREM_PER_MILLE {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("on-prem share {onprem_per_mille}‰: at most {MAX_ONPREM_PER_MILLE}‰")));
    }
    std::fs::create_dir_all(dir)?;
    let t = &Tenant { onprem_per_mille, ..Tenant::new(identities as u64, seed) };
    std::thread::scope(|s| {
        let jobs: Vec<_> = FILES
            .iter()
            .map(|&(kind, ext, writer)| {
                s.spawn(move || write_file(dir, kind, ext, |o| writer(o, t)))
            })
            .collect();
        jobs.into_iter()
            .map(|job| {
                job.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

fn write_file(
    dir: &Path,
    kind: &'static str,
    ext: &str,
    body: impl FnOnce(&mut Out) -> io::Result<u64>,
) -> io::Result<GeneratedFile> {
    let path = dir.join(format!("{kind}.{ext}"));
    let mut o = Out::create(&path)?;
    let rows = body(&mut o)?;
    let bytes = o.finish()?;
    Ok(GeneratedFile {
        path,
        kind,
        rows,
        bytes,
    })
}

// ---------------------------------------------------------------------------------------------
// Output buffer with allocation-free formatting.

const NL: &[u8] = b"\r\n";
const FLUSH_AT: usize = 1 << 20;
const HEX: &[u8; 16] = b"0123456789abcdef";

struct Out {
    file: File,
    buf: Vec<u8>,
    written: u64,
}

impl Out {
    fn create(path: &Path) -> io::Result<Out> {
        Ok(Out {
            file: File::create(path)?,
            buf: Vec::with_capacity(FLUSH_AT + 64 * 1024),
            written: 0,
        })
    }

    /// Called once per row: hands the buffer to the OS when it is full.
    #[inline]
    fn row_done(&mut self) -> io::Result<()> {
        if self.buf.len() >= FLUSH_AT {
            self.file.write_all(&self.buf)?;
            self.written += self.buf.len() as u64;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<u64> {
        self.file.write_all(&self.buf)?;
        self.written += self.buf.len() as u64;
        self.file.flush()?;
        Ok(self.written)
    }

    #[inline]
    fn b(&mut self, s: &[u8]) {
        self.buf.extend_from_slice(s);
    }
    #[inline]
    fn s(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }
    #[inline]
    fn c(&mut self, c: u8) {
        self.buf.push(c);
    }
    #[inline]
    fn nl(&mut self) {
        self.buf.extend_from_slice(NL);
    }

    fn u64(&mut self, mut v: u64) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&tmp[i..]);
    }

    #[inline]
    fn two(&mut self, v: u32) {
        self.buf.push(b'0' + (v / 10) as u8);
        self.buf.push(b'0' + (v % 10) as u8);
    }

    /// Lowercase 8-4-4-4-12 form of a GUID held as its canonical text order.
    fn guid(&mut self, g: u128) {
        let mut t = [0u8; 36];
        let mut j = 0;
        for k in 0..32 {
            if k == 8 || k == 12 || k == 16 || k == 20 {
                t[j] = b'-';
                j += 1;
            }
            t[j] = HEX[((g >> (124 - 4 * k)) & 0xf) as usize];
            j += 1;
        }
        self.buf.extend_from_slice(&t);
    }

    /// 32 lowercase hex digits, no dashes.
    fn hex32(&mut self, g: u128) {
        let mut t = [0u8; 32];
        for (k, d) in t.iter_mut().enumerate() {
            *d = HEX[((g >> (124 - 4 * k)) & 0xf) as usize];
        }
        self.buf.extend_from_slice(&t);
    }

    /// en-US `DateTime.ToString()`: `4/12/2019 10:04:27 PM`.
    fn date_us(&mut self, unix: i64) {
        let (y, m, d, hh, mm, ss) = civil(unix);
        self.u64(m as u64);
        self.c(b'/');
        self.u64(d as u64);
        self.c(b'/');
        self.u64(y as u64);
        self.c(b' ');
        let h12 = if hh % 12 == 0 { 12 } else { hh % 12 };
        self.u64(h12 as u64);
        self.c(b':');
        self.two(mm);
        self.c(b':');
        self.two(ss);
        self.s(if hh < 12 { " AM" } else { " PM" });
    }

    /// Graph ISO 8601: `2019-04-12T22:04:27Z`.
    fn date_iso(&mut self, unix: i64) {
        let (y, m, d, hh, mm, ss) = civil(unix);
        self.u64(y as u64);
        self.c(b'-');
        self.two(m);
        self.c(b'-');
        self.two(d);
        self.c(b'T');
        self.two(hh);
        self.c(b':');
        self.two(mm);
        self.c(b':');
        self.two(ss);
        self.c(b'Z');
    }

    /// A CSV field's text, with embedded quotes doubled (the caller writes the enclosing quotes).
    fn csv_text(&mut self, s: &str) {
        if s.as_bytes().contains(&b'"') {
            for &ch in s.as_bytes() {
                if ch == b'"' {
                    self.c(b'"');
                }
                self.c(ch);
            }
        } else {
            self.s(s);
        }
    }

    // CSV field helpers: `"value",` (or without the comma for the last field).
    #[inline]
    fn sep(&mut self, last: bool) {
        if last {
            self.c(b'"');
            self.nl();
        } else {
            self.b(b"\",\"");
        }
    }

    #[inline]
    fn jbool(&mut self, v: bool) {
        self.s(if v { "true" } else { "false" });
    }
}

/// `True`/`False` as PowerShell writes a boolean.
#[inline]
fn ps_bool(v: bool) -> &'static str {
    if v {
        "True"
    } else {
        "False"
    }
}

/// Unix seconds to (year, month, day, hour, minute, second), proleptic Gregorian, UTC.
fn civil(unix: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (y, m, d, secs / 3600, secs / 60 % 60, secs % 60)
}

/// .NET `Guid.ToByteArray()` of a GUID held in canonical text order: the first three groups
/// little-endian, the last eight bytes as written.
fn guid_to_bytes_le(g: u128) -> [u8; 16] {
    let be = g.to_be_bytes();
    [
        be[3], be[2], be[1], be[0], be[5], be[4], be[7], be[6], be[8], be[9], be[10], be[11],
        be[12], be[13], be[14], be[15],
    ]
}

/// Standard base64 with padding of 16 bytes (always 24 characters).
fn base64_16(bytes: &[u8; 16]) -> [u8; 24] {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = [b'='; 24];
    let mut j = 0;
    for chunk in bytes.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        out[j] = A[(n >> 18) as usize & 63];
        out[j + 1] = A[(n >> 12) as usize & 63];
        if chunk.len() > 1 {
            out[j + 2] = A[(n >> 6) as usize & 63];
        }
        if chunk.len() > 2 {
            out[j + 3] = A[n as usize & 63];
        }
        j += 4;
    }
    out
}

/// `onPremisesImmutableId` of a source anchor GUID.
fn immutable_id(anchor: u128) -> [u8; 24] {
    base64_16(&guid_to_bytes_le(anchor))
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness: splitmix64, one independent stream per (purpose, item).

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Rng(u64);

impl Rng {
    fn for_item(seed: u64, stream: u64, item: u64) -> Rng {
        Rng(mix64(
            seed ^ mix64(item.wrapping_add(stream << 56).wrapping_add(GOLDEN)),
        ))
    }
    #[inline]
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix64(self.0)
    }
    /// Uniform in 0..n.
    #[inline]
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
    /// True with probability `per_mille`/1000.
    #[inline]
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
    /// Random version-4 GUID in canonical text order.
    fn guid(&mut self) -> u128 {
        let g = (self.next() as u128) << 64 | self.next() as u128;
        let g = (g & !(0xf << 76)) | (0x4 << 76);
        (g & !(0x3 << 62)) | (0x2 << 62)
    }
}

// ---------------------------------------------------------------------------------------------
// The population.

const DOMAIN: &str = "contoso.com";
const ROUTING: &str = "contoso.mail.onmicrosoft.com";
const INITIAL: &str = "contoso.onmicrosoft.com";
const E3_SKU: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
const ZERO_GUID: &str = "00000000-0000-0000-0000-000000000000";
const NEVER: u64 = 9_223_372_036_854_775_807;
const FILETIME_UNIX: i64 = 11_644_473_600;
const T2012: i64 = 1_325_376_000; // 2012-01-01
const T2018_06: i64 = 1_527_811_200; // 2018-06-01
const T2024_06: i64 = 1_717_200_000; // 2024-06-01
const YEAR: i64 = 365 * 86_400;
const HOME_MDB: &str = ",CN=Databases,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com";
const HOME_SERVER: &str = "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=EX0";

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// RemoteUserMailbox: cloud mailbox.
    Remote,
    /// RemoteSharedMailbox.
    Shared,
    /// On-prem UserMailbox.
    OnPrem,
    /// No Exchange attributes.
    Plain,
}

/// Display name and the ASCII form used in addresses.
type Name = (&'static str, &'static str);

#[rustfmt::skip]
const FIRST: &[Name] = &[
    ("James", "james"), ("Mary", "mary"), ("John", "john"), ("Patricia", "patricia"), ("Robert", "robert"),
    ("Jennifer", "jennifer"), ("Michael", "michael"), ("Linda", "linda"), ("William", "william"),
    ("Elizabeth", "elizabeth"), ("David", "david"), ("Barbara", "barbara"), ("Richard", "richard"),
    ("Susan", "susan"), ("Joseph", "joseph"), ("Jessica", "jessica"), ("Thomas", "thomas"), ("Sarah", "sarah"),
    ("Charles", "charles"), ("Karen", "karen"), ("Christopher", "christopher"), ("Nancy", "nancy"),
    ("Daniel", "daniel"), ("Lisa", "lisa"), ("Matthew", "matthew"), ("Betty", "betty"), ("Anthony", "anthony"),
    ("Margaret", "margaret"), ("Mark", "mark"), ("Sandra", "sandra"), ("Donald", "donald"), ("Ashley", "ashley"),
    ("Steven", "steven"), ("Kimberly", "kimberly"), ("Paul", "paul"), ("Emily", "emily"), ("Andrew", "andrew"),
    ("Donna", "donna"), ("Joshua", "joshua"), ("Michelle", "michelle"), ("Kenneth", "kenneth"),
    ("Dorothy", "dorothy"), ("Kevin", "kevin"), ("Carol", "carol"), ("Brian", "brian"), ("Amanda", "amanda"),
    ("George", "george"), ("Melissa", "melissa"), ("Timothy", "timothy"), ("Deborah", "deborah"),
    ("Ronald", "ronald"), ("Stephanie", "stephanie"), ("Edward", "edward"), ("Rebecca", "rebecca"),
    ("Jason", "jason"), ("Sharon", "sharon"), ("Jeffrey", "jeffrey"), ("Laura", "laura"), ("Ryan", "ryan"),
    ("Cynthia", "cynthia"), ("Jacob", "jacob"), ("Kathleen", "kathleen"), ("Gary", "gary"), ("Amy", "amy"),
    ("Nicholas", "nicholas"), ("Angela", "angela"), ("Eric", "eric"), ("Shirley", "shirley"),
    ("Jonathan", "jonathan"), ("Anna", "anna"), ("Stephen", "stephen"), ("Brenda", "brenda"), ("Larry", "larry"),
    ("Pamela", "pamela"), ("Justin", "justin"), ("Emma", "emma"), ("Scott", "scott"), ("Nicole", "nicole"),
    ("Brandon", "brandon"), ("Helen", "helen"), ("Benjamin", "benjamin"), ("Samantha", "samantha"),
    ("Samuel", "samuel"), ("Katherine", "katherine"), ("Gregory", "gregory"), ("Christine", "christine"),
    ("Alexander", "alexander"), ("Debra", "debra"), ("Patrick", "patrick"), ("Rachel", "rachel"),
    ("Frank", "frank"), ("Carolyn", "carolyn"), ("Raymond", "raymond"), ("Janet", "janet"), ("Jack", "jack"),
    ("Catherine", "catherine"), ("Dennis", "dennis"), ("Maria", "maria"), ("Jerry", "jerry"), ("Heather", "heather"),
    ("Tyler", "tyler"), ("Diane", "diane"), ("Aaron", "aaron"), ("Ruth", "ruth"), ("Jose", "jose"),
    ("Julie", "julie"), ("Adam", "adam"), ("Olivia", "olivia"), ("Nathan", "nathan"), ("Joyce", "joyce"),
    ("Henry", "henry"), ("Virginia", "virginia"), ("Zachary", "zachary"), ("Victoria", "victoria"),
    ("Peter", "peter"), ("Kelly", "kelly"), ("Kyle", "kyle"), ("Lauren", "lauren"), ("Noah", "noah"),
    ("Christina", "christina"), ("Ethan", "ethan"), ("Joan", "joan"), ("Jeremy", "jeremy"), ("Evelyn", "evelyn"),
    ("Walter", "walter"), ("Judith", "judith"), ("Christian", "christian"), ("Megan", "megan"), ("Keith", "keith"),
    ("Andrea", "andrea"), ("Roger", "roger"), ("Cheryl", "cheryl"), ("Terry", "terry"), ("Hannah", "hannah"),
    ("Austin", "austin"), ("Jacqueline", "jacqueline"), ("Sean", "sean"), ("Martha", "martha"),
    ("Zoë", "zoe"), ("Joël", "joel"), ("Renée", "renee"), ("Søren", "soren"), ("Łukasz", "lukasz"),
    ("François", "francois"), ("Björn", "bjorn"), ("Anaïs", "anais"), ("Priya", "priya"), ("Arjun", "arjun"),
    ("Wei", "wei"), ("Mei", "mei"), ("Hiroshi", "hiroshi"), ("Yuki", "yuki"), ("Ahmed", "ahmed"),
    ("Fatima", "fatima"), ("Olga", "olga"), ("Dmitri", "dmitri"), ("Ingrid", "ingrid"), ("Lars", "lars"),
];

#[rustfmt::skip]
const LAST: &[Name] = &[
    ("Smith", "smith"), ("Johnson", "johnson"), ("Williams", "williams"), ("Brown", "brown"), ("Jones", "jones"),
    ("Garcia", "garcia"), ("Miller", "miller"), ("Davis", "davis"), ("Rodriguez", "rodriguez"),
    ("Martinez", "martinez"), ("Hernandez", "hernandez"), ("Lopez", "lopez"), ("Gonzalez", "gonzalez"),
    ("Wilson", "wilson"), ("Anderson", "anderson"), ("Thomas", "thomas"), ("Taylor", "taylor"), ("Moore", "moore"),
    ("Jackson", "jackson"), ("Martin", "martin"), ("Lee", "lee"), ("Perez", "perez"), ("Thompson", "thompson"),
    ("White", "white"), ("Harris", "harris"), ("Sanchez", "sanchez"), ("Clark", "clark"), ("Ramirez", "ramirez"),
    ("Lewis", "lewis"), ("Robinson", "robinson"), ("Walker", "walker"), ("Young", "young"), ("Allen", "allen"),
    ("King", "king"), ("Wright", "wright"), ("Scott", "scott"), ("Torres", "torres"), ("Nguyen", "nguyen"),
    ("Hill", "hill"), ("Flores", "flores"), ("Green", "green"), ("Adams", "adams"), ("Nelson", "nelson"),
    ("Baker", "baker"), ("Hall", "hall"), ("Rivera", "rivera"), ("Campbell", "campbell"), ("Mitchell", "mitchell"),
    ("Carter", "carter"), ("Roberts", "roberts"), ("Gomez", "gomez"), ("Phillips", "phillips"), ("Evans", "evans"),
    ("Turner", "turner"), ("Diaz", "diaz"), ("Parker", "parker"), ("Cruz", "cruz"), ("Edwards", "edwards"),
    ("Collins", "collins"), ("Reyes", "reyes"), ("Stewart", "stewart"), ("Morris", "morris"), ("Morales", "morales"),
    ("Murphy", "murphy"), ("Cook", "cook"), ("Rogers", "rogers"), ("Gutierrez", "gutierrez"), ("Ortiz", "ortiz"),
    ("Morgan", "morgan"), ("Cooper", "cooper"), ("Peterson", "peterson"), ("Bailey", "bailey"), ("Reed", "reed"),
    ("Kelly", "kelly"), ("Howard", "howard"), ("Ramos", "ramos"), ("Kim", "kim"), ("Cox", "cox"), ("Ward", "ward"),
    ("Richardson", "richardson"), ("Watson", "watson"), ("Brooks", "brooks"), ("Chavez", "chavez"),
    ("Wood", "wood"), ("James", "james"), ("Bennett", "bennett"), ("Gray", "gray"), ("Mendoza", "mendoza"),
    ("Ruiz", "ruiz"), ("Hughes", "hughes"), ("Price", "price"), ("Alvarez", "alvarez"), ("Castillo", "castillo"),
    ("Sanders", "sanders"), ("Patel", "patel"), ("Myers", "myers"), ("Long", "long"), ("Ross", "ross"),
    ("Foster", "foster"), ("Jimenez", "jimenez"), ("Powell", "powell"), ("Jenkins", "jenkins"), ("Perry", "perry"),
    ("Russell", "russell"), ("Sullivan", "sullivan"), ("Bell", "bell"), ("Coleman", "coleman"), ("Butler", "butler"),
    ("Henderson", "henderson"), ("Barnes", "barnes"), ("Gonzales", "gonzales"), ("Fisher", "fisher"),
    ("Vasquez", "vasquez"), ("Simmons", "simmons"), ("Romero", "romero"), ("Jordan", "jordan"),
    ("Patterson", "patterson"), ("Alexander", "alexander"), ("Hamilton", "hamilton"), ("Graham", "graham"),
    ("Reynolds", "reynolds"), ("Griffin", "griffin"), ("Wallace", "wallace"), ("Moreno", "moreno"), ("West", "west"),
    ("Cole", "cole"), ("Hayes", "hayes"), ("Bryant", "bryant"), ("Herrera", "herrera"), ("Gibson", "gibson"),
    ("Ellis", "ellis"), ("Tran", "tran"), ("Medina", "medina"), ("Aguilar", "aguilar"), ("Stevens", "stevens"),
    ("Murray", "murray"), ("Ford", "ford"), ("Castro", "castro"), ("Marshall", "marshall"), ("Owens", "owens"),
    ("Harrison", "harrison"), ("Fernandez", "fernandez"), ("McDonald", "mcdonald"), ("Woods", "woods"),
    ("Washington", "washington"), ("Kennedy", "kennedy"), ("Wells", "wells"), ("Vargas", "vargas"),
    ("Henry", "henry"), ("Chen", "chen"), ("Freeman", "freeman"), ("Webb", "webb"), ("Tucker", "tucker"),
    ("Guzman", "guzman"), ("Burns", "burns"), ("Crawford", "crawford"), ("Olson", "olson"), ("Simpson", "simpson"),
    ("Porter", "porter"), ("Hunter", "hunter"), ("Gordon", "gordon"), ("Mendez", "mendez"), ("Silva", "silva"),
    ("Shaw", "shaw"), ("Snyder", "snyder"), ("Mason", "mason"), ("Dixon", "dixon"), ("Munoz", "munoz"),
    ("Hunt", "hunt"), ("Hicks", "hicks"), ("Holmes", "holmes"), ("Palmer", "palmer"), ("Wagner", "wagner"),
    ("Black", "black"), ("Robertson", "robertson"), ("Boyd", "boyd"), ("Rose", "rose"), ("Stone", "stone"),
    ("Salazar", "salazar"), ("Fox", "fox"), ("Warren", "warren"), ("Mills", "mills"), ("Meyer", "meyer"),
    ("O'Brien", "obrien"), ("Müller", "muller"), ("Núñez", "nunez"), ("Schäfer", "schafer"), ("Çelik", "celik"),
    ("Dubois", "dubois"), ("Rossi", "rossi"), ("Kowalski", "kowalski"), ("Novak", "novak"), ("Jansen", "jansen"),
    ("Sato", "sato"), ("Tanaka", "tanaka"), ("Wang", "wang"), ("Zhang", "zhang"), ("Singh", "singh"),
    ("Kumar", "kumar"), ("Ivanov", "ivanov"), ("Larsen", "larsen"), ("Nielsen", "nielsen"), ("Berg", "berg"),
];

/// (office, usageLocation)
#[rustfmt::skip]
const OFFICES: &[(&str, &str)] = &[
    ("Seattle", "US"), ("Redmond", "US"), ("New York", "US"), ("Chicago", "US"), ("Dallas", "US"),
    ("London", "GB"), ("Munich", "DE"), ("Paris", "FR"), ("Toronto", "CA"), ("Amsterdam", "NL"),
    ("Sydney", "AU"), ("Bangalore", "IN"), ("Dublin", "IE"), ("Tokyo", "JP"),
];

#[rustfmt::skip]
const DEPARTMENTS: &[&str] = &[
    "Sales", "Marketing", "Finance", "Human Resources", "Engineering", "IT", "Legal", "Operations",
    "Customer Support", "Research", "Procurement", "Facilities", "Product Management", "Security",
];

/// For each [`FIRST`] entry, how many earlier entries share its initial (ASCII form).
const FIRST_RANK: [u8; FIRST.len()] = {
    let mut rank = [0u8; FIRST.len()];
    let mut i = 0;
    while i < FIRST.len() {
        let mut j = 0;
        while j < i {
            if FIRST[j].1.as_bytes()[0] == FIRST[i].1.as_bytes()[0] {
                rank[i] += 1;
            }
            j += 1;
        }
        i += 1;
    }
    rank
};

/// Larger than any [`FIRST_RANK`], so a later round of the same names gets new numbers.
const SAM_ROUND: u64 = 32;

struct Tenant {
    n: u64,
    seed: u64,
    /// Share of AD users (per mille) whose mailbox is still on-prem.
    onprem_per_mille: u64,
    /// Number of cloud-only Entra users (members and guests), ~3% of n.
    cloud_only: u64,
    name_mult: u64,
    name_off: u64,
}

impl Tenant {
    fn new(n: u64, seed: u64) -> Tenant {
        let combos = (FIRST.len() * LAST.len()) as u64;
        let mut r = Rng::for_item(seed, 0, 0);
        let mut mult = 7_919 + r.below(combos);
        while gcd(mult, combos) != 1 {
            mult += 1;
        }
        Tenant {
            n,
            seed,
            onprem_per_mille: ONPREM_PER_MILLE,
            cloud_only: (n * 3 + 50) / 100,
            name_mult: mult,
            name_off: r.below(combos),
        }
    }

    /// Person number `k` (AD users are 0..n, cloud-only users follow) to first, last and a
    /// disambiguating round (0 = none) so `Name` stays unique.
    fn names(&self, k: u64) -> (&'static Name, &'static Name, u64) {
        let (f, l, round) = self.name_slot(k);
        (&FIRST[f], &LAST[l], round)
    }

    /// Person number `k` to indices into [`FIRST`] and [`LAST`] and the round.
    fn name_slot(&self, k: u64) -> (usize, usize, u64) {
        let combos = (FIRST.len() * LAST.len()) as u64;
        let j = (k % combos * self.name_mult + self.name_off) % combos;
        (
            (j % FIRST.len() as u64) as usize,
            (j / FIRST.len() as u64) as usize,
            k / combos,
        )
    }

    fn ident(&self, i: u64) -> Ident {
        let mut r = Rng::for_item(self.seed, 1, i);
        let (f, l, round) = self.name_slot(i);
        let (first, last) = (&FIRST[f], &LAST[l]);
        // First names sharing an initial get distinct numbers, so `flast<number>` is unique.
        let sam_no = FIRST_RANK[f] as u64 + SAM_ROUND * round;
        let roll = r.below(1000);
        let onprem_end = 50 + self.onprem_per_mille;
        let kind = match roll {
            0..=49 => Kind::Plain,
            r if r < onprem_end => Kind::OnPrem,
            r if r < onprem_end + 30 => Kind::Shared,
            _ => Kind::Remote,
        };
        let synced = match kind {
            Kind::Plain => r.chance(200),
            Kind::OnPrem => !r.chance(100),
            _ => true,
        };
        let enabled = kind != Kind::Shared && !r.chance(30);
        let dont_expire = r.chance(200);
        let uac = match (enabled, dont_expire) {
            (true, false) => 512,
            (false, false) => 514,
            (true, true) => 66_048,
            (false, true) => 66_050,
        };
        let object_guid = r.guid();
        let consistency_guid = if r.chance(200) { r.guid() } else { 0 };
        let exchange = kind != Kind::Plain;
        let mailbox_guid = if exchange { r.guid() } else { 0 };
        let archive_guid = if exchange && r.chance(250) {
            r.guid()
        } else {
            0
        };
        let entra_id = r.guid();
        let exo_guid = r.guid();
        let x500_hex = r.guid();
        let remote_type = match kind {
            Kind::Remote => match r.below(20) {
                0..=15 => 4,
                16..=18 => 1,
                _ => 6,
            },
            Kind::Shared => 100,
            _ => 0,
        };
        let x500 =
            (kind == Kind::Remote || kind == Kind::Shared) && remote_type & 4 != 0 && r.chance(100);
        let created = T2012 + r.below((12 * YEAR) as u64) as i64;
        let entra_created = created.max(T2018_06) + r.below(3 * 86_400) as i64;
        let mbx_created = (entra_created + r.below(2 * YEAR as u64) as i64)
            .min(T2024_06 - r.below(86_400) as i64);
        let expires_roll = r.below(100);
        let account_expires = match expires_roll {
            0..=3 => {
                ((T2024_06 + r.below(2 * YEAR as u64) as i64 + FILETIME_UNIX) as u64) * 10_000_000
            }
            4..=6 => 0,
            _ => NEVER,
        };
        let office = r.below(OFFICES.len() as u64) as u8;
        let dept = r.below(DEPARTMENTS.len() as u64) as u8;
        let usage_missing = r.chance(10);
        let licensed = match kind {
            Kind::Remote => !r.chance(5),
            Kind::OnPrem => r.chance(600),
            _ => false,
        };
        let cloud_mailbox = synced && (kind == Kind::Remote || kind == Kind::Shared);
        let lit_hold = cloud_mailbox && r.chance(40);
        let hold_roll = r.below(1000);
        let in_place = if !cloud_mailbox {
            0
        } else {
            match hold_roll {
                0..=29 => 1,
                30..=39 => 2,
                _ => 0,
            }
        };
        let hold_guid = r.guid();
        let db = 1 + r.below(8) as u8;
        Ident {
            i,
            first,
            last,
            round,
            sam_no,
            kind,
            synced,
            enabled,
            uac,
            object_guid,
            consistency_guid,
            mailbox_guid,
            archive_guid,
            entra_id,
            exo_guid,
            x500,
            x500_hex,
            remote_type,
            created,
            entra_created,
            mbx_created,
            account_expires,
            office,
            dept,
            usage_missing,
            licensed,
            lit_hold,
            in_place,
            hold_guid,
            db,
        }
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

/// Everything about one AD user, derived from (seed, i) alone, so every file can recompute it.
#[derive(Clone, Copy)]
struct Ident {
    i: u64,
    first: &'static Name,
    last: &'static Name,
    round: u64,
    /// Number after `flast` in the sAMAccountName (0 = none).
    sam_no: u64,
    kind: Kind,
    synced: bool,
    enabled: bool,
    uac: u32,
    object_guid: u128,
    /// 0 = not set.
    consistency_guid: u128,
    mailbox_guid: u128,
    archive_guid: u128,
    entra_id: u128,
    exo_guid: u128,
    x500: bool,
    x500_hex: u128,
    remote_type: u8,
    created: i64,
    entra_created: i64,
    mbx_created: i64,
    account_expires: u64,
    office: u8,
    dept: u8,
    usage_missing: bool,
    licensed: bool,
    lit_hold: bool,
    /// 0 none, 1 retention policy `mbx<guid>:<n>`, 2 eDiscovery `UniH<guid>`.
    in_place: u8,
    hold_guid: u128,
    db: u8,
}

impl Ident {
    fn anchor(&self) -> u128 {
        if self.consistency_guid != 0 {
            self.consistency_guid
        } else {
            self.object_guid
        }
    }
    /// A quarter of the people are named "Last, First" (cn and Name), as some provisioning
    /// scripts do; the DN then escapes the comma.
    fn last_first(&self) -> bool {
        self.kind != Kind::Shared && self.i.is_multiple_of(4)
    }
    fn has_mail(&self) -> bool {
        self.kind != Kind::Plain
    }
    fn cloud_mailbox(&self) -> bool {
        self.synced && (self.kind == Kind::Remote || self.kind == Kind::Shared)
    }
    fn dept(&self) -> &'static str {
        DEPARTMENTS[self.dept as usize]
    }

    /// Name / cn / DisplayName.
    fn display(&self, o: &mut Out) {
        if self.kind == Kind::Shared {
            o.s(self.dept());
            o.s(" Shared ");
            o.u64(self.i);
        } else {
            o.s(self.first.0);
            o.c(b' ');
            o.csv_text(self.last.0);
            self.round_suffix(o);
        }
    }
    /// `Name` / `cn`: the display name, or `Last, First` for [`Ident::last_first`] (`escape` goes
    /// before the comma: `\` in a DN).
    fn name(&self, o: &mut Out, escape: &[u8]) {
        if self.last_first() {
            o.csv_text(self.last.0);
            o.b(escape);
            o.s(", ");
            o.s(self.first.0);
            self.round_suffix(o);
        } else {
            self.display(o);
        }
    }
    /// `CN=<name>,OU=Users,OU=<office>,DC=contoso,DC=com`.
    fn dn(&self, o: &mut Out) {
        o.s("CN=");
        self.name(o, b"\\");
        o.s(if self.kind == Kind::Shared {
            ",OU=Shared Mailboxes,OU="
        } else {
            ",OU=Users,OU="
        });
        o.s(OFFICES[self.office as usize].0);
        o.s(",DC=contoso,DC=com");
    }
    /// ` 2`, ` 3` … after the name of the second, third … person with the same first and last
    /// name, so `cn` (within an OU), `Name` and `displayName` stay unique.
    fn round_suffix(&self, o: &mut Out) {
        if self.round > 0 {
            o.c(b' ');
            o.u64(self.round + 1);
        }
    }
    /// JSON-escaped display name.
    fn display_json(&self, o: &mut Out) {
        // No name carries a quote or backslash, so the CSV writer's text is valid JSON text too.
        self.display(o)
    }
    /// sAMAccountName / mailNickname / Alias: `jsmith`, `jsmith7` for the next J. Smith
    /// (at most 20 characters); `shared123` for shared mailboxes.
    fn sam(&self, o: &mut Out) {
        if self.kind == Kind::Shared {
            o.s("shared");
            o.u64(self.i);
            return;
        }
        o.c(self.first.1.as_bytes()[0]);
        // No last name is longer than 10 characters, so the 20-character limit always holds.
        o.s(self.last.1);
        if self.sam_no > 0 {
            o.u64(self.sam_no);
        }
    }
    /// Local part of UPN and primary SMTP: `first.last`, `first.last2` for the next one of that
    /// name; `sales.shared123` for shared mailboxes.
    fn local(&self, o: &mut Out) {
        if self.kind == Kind::Shared {
            for ch in self.dept().bytes() {
                if ch != b' ' {
                    o.c(ch.to_ascii_lowercase());
                }
            }
            o.s(".shared");
            o.u64(self.i);
        } else {
            o.s(self.first.1);
            o.c(b'.');
            o.s(self.last.1);
            if self.round > 0 {
                o.u64(self.round + 1);
            }
        }
    }
    fn upn(&self, o: &mut Out) {
        self.local(o);
        o.c(b'@');
        o.s(DOMAIN);
    }
    fn routing(&self, o: &mut Out) {
        self.sam(o);
        o.c(b'@');
        o.s(ROUTING);
    }
    /// Proxy address number `k` of [`Ident::proxy_count`].
    fn proxy(&self, o: &mut Out, k: usize) {
        match k {
            0 => {
                o.s("SMTP:");
                self.upn(o);
            }
            1 => {
                o.s("smtp:");
                self.routing(o);
            }
            _ => {
                o.s("X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=");
                o.hex32(self.x500_hex);
                o.c(b'-');
                self.sam(o);
            }
        }
    }
    fn proxy_count(&self) -> usize {
        if !self.has_mail() {
            0
        } else if self.x500 {
            3
        } else {
            2
        }
    }
    fn proxies_joined(&self, o: &mut Out, sep: u8) {
        for k in 0..self.proxy_count() {
            if k > 0 {
                o.c(sep);
            }
            self.proxy(o, k);
        }
    }
    fn exo_type(&self) -> (&'static str, &'static str) {
        match self.kind {
            Kind::Remote => ("UserMailbox", "UserMailbox"),
            Kind::Shared => ("UserMailbox", "SharedMailbox"),
            Kind::OnPrem => ("MailUser", "MailUser"),
            Kind::Plain => ("User", "User"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ad-users.csv

fn write_ad(o: &mut Out, t: &Tenant) -> io::Result<u64> {
    o.s("\"DistinguishedName\",\"Enabled\",\"Name\",\"ObjectClass\",\"ObjectGUID\",\"SamAccountName\",\"UserPrincipalName\",\"DisplayName\",\"mail\",\"mailNickname\",\"proxyAddresses\",\"targetAddress\",\"msExchRecipientTypeDetails\",\"msExchRemoteRecipientType\",\"msExchRecipientDisplayType\",\"msExchMailboxGuid\",\"msExchArchiveGUID\",\"homeMDB\",\"msExchHomeServerName\",\"mS-DS-ConsistencyGuid\",\"userAccountControl\",\"whenCreated\",\"accountExpires\"");
    o.nl();
    for i in 0..t.n {
        let id = t.ident(i);
        let mail = id.has_mail();
        o.c(b'"');
        id.dn(o);
        o.sep(false);
        o.s(ps_bool(id.enabled));
        o.sep(false);
        id.name(o, b"");
        o.sep(false);
        o.s("user");
        o.sep(false);
        o.guid(id.object_guid);
        o.sep(false);
        id.sam(o);
        o.sep(false);
        id.upn(o);
        o.sep(false);
        id.display(o);
        o.sep(false);
        if mail {
            id.upn(o);
        }
        o.sep(false);
        if mail {
            id.sam(o);
        }
        o.sep(false);
        id.proxies_joined(o, b';');
        o.sep(false);
        if id.kind == Kind::Remote || id.kind == Kind::Shared {
            o.s("SMTP:");
            id.routing(o);
        }
        o.sep(false);
        match id.kind {
            Kind::Remote => {
                o.s("2147483648\",\"");
                o.u64(id.remote_type as u64);
                o.s("\",\"-1073741818");
            }
            Kind::Shared => o.s("34359738368\",\"100\",\"-2147483642"),
            Kind::OnPrem => o.s("1\",\"\",\"1073741824"),
            Kind::Plain => o.s("\",\"\",\""),
        }
        o.sep(false);
        if mail {
            o.guid(id.mailbox_guid);
        }
        o.sep(false);
        if id.archive_guid != 0 {
            o.guid(id.archive_guid);
        }
        o.sep(false);
        if id.kind == Kind::OnPrem {
            o.s("CN=DB0");
            o.u64(id.db as u64);
            o.s(HOME_MDB);
        }
        o.sep(false);
        if id.kind == Kind::OnPrem {
            o.s(HOME_SERVER);
            o.u64((id.db as u64).div_ceil(2));
        }
        o.sep(false);
        if id.consistency_guid != 0 {
            o.guid(id.consistency_guid);
        }
        o.sep(false);
        o.u64(id.uac as u64);
        o.sep(false);
        o.date_us(id.created);
        o.sep(false);
        o.u64(id.account_expires);
        o.sep(true);
        o.row_done()?;
    }
    Ok(t.n)
}

// ---------------------------------------------------------------------------------------------
// graph-users.json

/// The Exchange Online (Plan 2) service plan of the E3 SKU: the one `assignedPlans` entry kept.
const EXCHANGE_PLAN: &str = "efb87545-963c-4e0d-99df-69c6916d9eb0";

/// The identities in the order a cloud directory lists them: Graph by object id (`key` = the Entra
/// id), Exchange Online by the recipient's own Guid. Unrelated to AD's order (the identities' own), as
/// in a real tenant: the join and the checks meet an identity's rows far apart in memory.
fn listed_by(t: &Tenant, key: impl Fn(&Ident) -> u128) -> Vec<u64> {
    let mut order: Vec<(u128, u64)> = (0..t.n).map(|i| (key(&t.ident(i)), i)).collect();
    order.sort_unstable();
    order.into_iter().map(|(_, i)| i).collect()
}

/// The `value` arrays of every `GET /users?$select=...` page, concatenated into one compact
/// array: `[{...},{...}]`, no whitespace and no trailing newline, as Graph serialises a body.
fn write_graph(o: &mut Out, t: &Tenant) -> io::Result<u64> {
    let mut rows = 0u64;
    o.c(b'[');
    for i in listed_by(t, |id| id.entra_id) {
        let id = t.ident(i);
        if !id.synced {
            continue;
        }
        if rows > 0 {
            o.c(b',');
        }
        rows += 1;
        graph_user(o, &id);
        o.row_done()?;
    }
    for k in 0..t.cloud_only {
        if rows > 0 {
            o.c(b',');
        }
        rows += 1;
        graph_cloud_user(o, t, k);
        o.row_done()?;
    }
    o.c(b']');
    Ok(rows)
}

fn graph_user(o: &mut Out, id: &Ident) {
    o.b(b"{\"id\":\"");
    o.guid(id.entra_id);
    o.b(b"\",\"userPrincipalName\":\"");
    id.upn(o);
    o.b(b"\",\"displayName\":\"");
    id.display_json(o);
    o.b(b"\",\"mail\":");
    if id.has_mail() {
        o.c(b'"');
        id.upn(o);
        o.c(b'"');
    } else {
        o.s("null");
    }
    o.b(b",\"proxyAddresses\":[");
    for k in 0..id.proxy_count() {
        if k > 0 {
            o.c(b',');
        }
        o.c(b'"');
        id.proxy(o, k);
        o.c(b'"');
    }
    o.b(b"],\"onPremisesImmutableId\":\"");
    o.b(&immutable_id(id.anchor()));
    o.b(b"\",\"onPremisesSyncEnabled\":true,\"accountEnabled\":");
    o.jbool(id.enabled);
    o.b(b",\"usageLocation\":");
    if id.usage_missing {
        o.s("null");
    } else {
        o.c(b'"');
        o.s(OFFICES[id.office as usize].1);
        o.c(b'"');
    }
    o.b(b",\"userType\":\"Member\",\"createdDateTime\":\"");
    o.date_iso(id.entra_created);
    o.c(b'"');
    licenses(o, id.licensed, id.entra_created + 3_600);
    o.b(b",\"onPremisesProvisioningErrors\":[]}");
}

/// `,"assignedLicenses":[...],"assignedPlans":[...],"licenseAssignmentStates":[]`: a licensed
/// user has the E3 SKU and, of its plans, the Exchange one; every assignment is healthy, so
/// `licenseAssignmentStates` is empty.
fn licenses(o: &mut Out, licensed: bool, at: i64) {
    if !licensed {
        o.b(b",\"assignedLicenses\":[],\"assignedPlans\":[],\"licenseAssignmentStates\":[]");
        return;
    }
    o.b(b",\"assignedLicenses\":[{\"disabledPlans\":[],\"skuId\":\"");
    o.s(E3_SKU);
    o.b(b"\"}],\"assignedPlans\":[{\"assignedDateTime\":\"");
    o.date_iso(at);
    o.b(b"\",\"capabilityStatus\":\"Enabled\",\"service\":\"exchange\",\"servicePlanId\":\"");
    o.s(EXCHANGE_PLAN);
    o.b(b"\"}],\"licenseAssignmentStates\":[]");
}

/// A cloud-only Entra user: even k a guest, odd k an unlicensed member.
struct Cloud {
    round: u64,
    first: &'static Name,
    last: &'static Name,
    guest: bool,
    id: u128,
    exo_guid: u128,
    created: i64,
    enabled: bool,
    office: u8,
}

impl Cloud {
    fn new(t: &Tenant, k: u64) -> Cloud {
        let mut r = Rng::for_item(t.seed, 2, k);
        // Person numbers after the AD users', so (first, last, round) is unique across both.
        let (first, last, round) = t.names(t.n + k);
        Cloud {
            round,
            first,
            last,
            guest: k.is_multiple_of(2),
            id: r.guid(),
            exo_guid: r.guid(),
            created: T2018_06 + r.below((6 * YEAR) as u64) as i64,
            enabled: !r.chance(50),
            office: r.below(OFFICES.len() as u64) as u8,
        }
    }
    fn local(&self, o: &mut Out) {
        o.s(self.first.1);
        o.c(b'.');
        o.s(self.last.1);
        if self.round > 0 {
            o.u64(self.round + 1);
        }
    }
    fn upn(&self, o: &mut Out) {
        self.local(o);
        if self.guest {
            o.s("_fabrikam.com#EXT#@");
            o.s(INITIAL);
        } else {
            o.c(b'@');
            o.s(DOMAIN);
        }
    }
    fn mail(&self, o: &mut Out) {
        self.local(o);
        o.s(if self.guest {
            "@fabrikam.com"
        } else {
            "@contoso.com"
        });
    }
    fn display(&self, o: &mut Out) {
        o.s(self.first.0);
        o.c(b' ');
        o.csv_text(self.last.0);
        if self.guest {
            o.s(" (Fabrikam)");
        }
    }
}

fn graph_cloud_user(o: &mut Out, t: &Tenant, k: u64) {
    let c = Cloud::new(t, k);
    o.b(b"{\"id\":\"");
    o.guid(c.id);
    o.b(b"\",\"userPrincipalName\":\"");
    c.upn(o);
    o.b(b"\",\"displayName\":\"");
    c.display(o);
    o.b(b"\",\"mail\":");
    if c.guest {
        o.c(b'"');
        c.mail(o);
        o.b(b"\",\"proxyAddresses\":[\"SMTP:");
        c.mail(o);
        o.b(b"\"]");
    } else {
        o.b(b"null,\"proxyAddresses\":[]");
    }
    o.b(b",\"onPremisesImmutableId\":null,\"onPremisesSyncEnabled\":null,\"accountEnabled\":");
    o.jbool(c.enabled);
    o.b(b",\"usageLocation\":");
    if c.guest {
        o.s("null");
    } else {
        o.c(b'"');
        o.s(OFFICES[c.office as usize].1);
        o.c(b'"');
    }
    o.s(if c.guest {
        ",\"userType\":\"Guest\""
    } else {
        ",\"userType\":\"Member\""
    });
    o.b(b",\"createdDateTime\":\"");
    o.date_iso(c.created);
    o.c(b'"');
    licenses(o, false, 0);
    o.b(b",\"onPremisesProvisioningErrors\":[]}");
}

// ---------------------------------------------------------------------------------------------
// exo-mailboxes.csv

const EXO_MAILBOX_HEADER: &str = "\"ExternalDirectoryObjectId\",\"UserPrincipalName\",\"Alias\",\"DisplayName\",\"EmailAddresses\",\"PrimarySmtpAddress\",\"RecipientType\",\"RecipientTypeDetails\",\"Identity\",\"Guid\",\"ExchangeGuid\",\"ArchiveGuid\",\"LitigationHoldEnabled\",\"InPlaceHolds\",\"ComplianceTagHoldApplied\",\"DelayHoldApplied\",\"DelayReleaseHoldApplied\",\"RetentionHoldEnabled\",\"IsInactiveMailbox\",\"IsSoftDeletedByRemove\",\"WhenSoftDeleted\",\"WhenMailboxCreated\"";

fn write_exo_mailboxes(o: &mut Out, t: &Tenant) -> io::Result<u64> {
    o.s(EXO_MAILBOX_HEADER);
    o.nl();
    let mut rows = 0;
    for i in listed_by(t, |id| id.exo_guid) {
        let id = t.ident(i);
        if !id.cloud_mailbox() {
            continue;
        }
        rows += 1;
        let (rt, rtd) = id.exo_type();
        o.c(b'"');
        o.guid(id.entra_id);
        o.sep(false);
        id.upn(o);
        o.sep(false);
        id.sam(o);
        o.sep(false);
        id.display(o);
        o.sep(false);
        id.proxies_joined(o, b' ');
        o.sep(false);
        id.upn(o);
        o.sep(false);
        o.s(rt);
        o.sep(false);
        o.s(rtd);
        o.sep(false);
        id.display(o);
        o.sep(false);
        o.guid(id.exo_guid);
        o.sep(false);
        o.guid(id.mailbox_guid);
        o.sep(false);
        if id.archive_guid != 0 {
            o.guid(id.archive_guid);
        } else {
            o.s(ZERO_GUID);
        }
        o.sep(false);
        o.s(ps_bool(id.lit_hold));
        o.sep(false);
        match id.in_place {
            1 => {
                o.s("mbx");
                o.hex32(id.hold_guid);
                o.s(":2");
            }
            2 => {
                o.s("UniH");
                o.guid(id.hold_guid);
            }
            _ => {}
        }
        o.s("\",\"False\",\"False\",\"False\",\"False\",\"False\",\"False\",\"\",\"");
        o.date_us(id.mbx_created);
        o.sep(true);
        o.row_done()?;
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// exo-mailboxes-softdeleted.csv

/// One soft-deleted mailbox per 1,000 AD users: people who left, whose Entra user is gone
/// (`Get-EXOMailbox -SoftDeletedMailbox`, same columns as `exo-mailboxes.csv`). A tenant's export set
/// has one; without it the checks about previous mailboxes are not evaluated.
fn write_exo_softdeleted(o: &mut Out, t: &Tenant) -> io::Result<u64> {
    o.s(EXO_MAILBOX_HEADER);
    o.nl();
    let rows = (t.n / 1000).max(1);
    for k in 0..rows {
        let mut r = Rng::for_item(t.seed, 7, k);
        let created = T2018_06 + r.below(5 * YEAR as u64) as i64;
        let deleted = T2024_06 - r.below(20 * 86_400) as i64;
        o.c(b'"');
        o.guid(r.guid());
        o.s("\",\"departed");
        o.u64(k);
        o.s("@contoso.com\",\"departed");
        o.u64(k);
        o.s("\",\"Departed ");
        o.u64(k);
        o.s("\",\"SMTP:departed");
        o.u64(k);
        o.s("@contoso.com smtp:departed");
        o.u64(k);
        o.s("@");
        o.s(ROUTING);
        o.s("\",\"departed");
        o.u64(k);
        o.s("@contoso.com\",\"UserMailbox\",\"UserMailbox\",\"Soft Deleted Objects\\Departed ");
        o.u64(k);
        o.sep(false);
        o.guid(r.guid());
        o.sep(false);
        o.guid(r.guid());
        o.sep(false);
        o.s(ZERO_GUID);
        o.s("\",\"False\",\"\",\"False\",\"False\",\"False\",\"False\",\"False\",\"True\",\"");
        o.date_us(deleted);
        o.sep(false);
        o.date_us(created);
        o.sep(true);
        o.row_done()?;
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// exo-users.csv

fn write_exo_users(o: &mut Out, t: &Tenant) -> io::Result<u64> {
    o.s("\"ExternalDirectoryObjectId\",\"UserPrincipalName\",\"DisplayName\",\"RecipientType\",\"RecipientTypeDetails\",\"PreviousRecipientTypeDetails\",\"WindowsEmailAddress\",\"SKUAssigned\",\"IsDirSynced\",\"AccountDisabled\",\"Guid\"");
    o.nl();
    let mut rows = 0;
    for i in listed_by(t, |id| id.exo_guid) {
        let id = t.ident(i);
        if !id.synced {
            continue;
        }
        rows += 1;
        let (rt, rtd) = id.exo_type();
        o.c(b'"');
        o.guid(id.entra_id);
        o.sep(false);
        id.upn(o);
        o.sep(false);
        id.display(o);
        o.sep(false);
        o.s(rt);
        o.sep(false);
        o.s(rtd);
        o.sep(false);
        o.s("None");
        o.sep(false);
        if id.has_mail() {
            id.upn(o);
        }
        o.sep(false);
        if id.licensed {
            o.s("True");
        }
        o.sep(false);
        o.s("True");
        o.sep(false);
        o.s(ps_bool(!id.enabled));
        o.sep(false);
        o.guid(id.exo_guid);
        o.sep(true);
        o.row_done()?;
    }
    for k in 0..t.cloud_only {
        rows += 1;
        let c = Cloud::new(t, k);
        o.c(b'"');
        o.guid(c.id);
        o.sep(false);
        c.upn(o);
        o.sep(false);
        c.display(o);
        o.sep(false);
        o.s(if c.guest {
            "MailUser\",\"GuestMailUser"
        } else {
            "User\",\"User"
        });
        o.sep(false);
        o.s("None");
        o.sep(false);
        if c.guest {
            c.mail(o);
        }
        o.sep(false);
        o.sep(false);
        o.s("False");
        o.sep(false);
        o.s(ps_bool(!c.enabled));
        o.sep(false);
        o.guid(c.exo_guid);
        o.sep(true);
        o.row_done()?;
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// exo-mailusers.csv

fn write_exo_mailusers(o: &mut Out, t: &Tenant) -> io::Result<u64> {
    o.s("\"ExternalDirectoryObjectId\",\"UserPrincipalName\",\"Alias\",\"DisplayName\",\"EmailAddresses\",\"PrimarySmtpAddress\",\"ExternalEmailAddress\",\"RecipientTypeDetails\",\"ExchangeGuid\",\"ArchiveGuid\",\"Guid\"");
    o.nl();
    let mut rows = 0;
    for i in listed_by(t, |id| id.exo_guid) {
        let id = t.ident(i);
        if !(id.synced && id.kind == Kind::OnPrem) {
            continue;
        }
        rows += 1;
        o.c(b'"');
        o.guid(id.entra_id);
        o.sep(false);
        id.upn(o);
        o.sep(false);
        id.sam(o);
        o.sep(false);
        id.display(o);
        o.sep(false);
        id.proxies_joined(o, b' ');
        o.sep(false);
        id.upn(o);
        o.sep(false);
        o.s("SMTP:");
        id.upn(o);
        o.sep(false);
        o.s("MailUser");
        o.sep(false);
        o.guid(id.mailbox_guid);
        o.sep(false);
        if id.archive_guid != 0 {
            o.guid(id.archive_guid);
        } else {
            o.s(ZERO_GUID);
        }
        o.sep(false);
        o.guid(id.exo_guid);
        o.sep(true);
        o.row_done()?;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn parse_guid(text: &str) -> u128 {
        u128::from_str_radix(&text.replace('-', ""), 16).expect("test GUID is hex")
    }

    fn temp(tag: &str) -> PathBuf {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        std::env::temp_dir().join(format!(
            "hybrid-audit-gen-{tag}-{}-{nanos}",
            std::process::id()
        ))
    }

    fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).expect("generator writes UTF-8")
    }

    #[test]
    fn cloud_files_list_every_identity_once_in_an_order_unrelated_to_ad() {
        let n = 100_000;
        let t = Tenant::new(n, 42);
        for order in [listed_by(&t, |id| id.entra_id), listed_by(&t, |id| id.exo_guid)] {
            let mut seen = vec![false; n as usize];
            for &i in &order {
                assert!(!std::mem::replace(&mut seen[i as usize], true), "{i} listed twice");
            }
            assert!(seen.iter().all(|&s| s), "an identity is missing");
            // Neighbours in the file are not neighbours in AD (a random order gives ~0.2% within 100).
            let near = order.windows(2).filter(|w| w[0].abs_diff(w[1]) <= 100).count();
            assert!(near * 100 <= order.len(), "{near} near neighbours");
        }
    }

    #[test]
    fn immutable_id_vectors() {
        let a = immutable_id(parse_guid("f7cc07d7-7c15-447d-876d-c01b0e5a9e38"));
        assert_eq!(text(&a), "1wfM9xV8fUSHbcAbDlqeOA==");
        let b = immutable_id(parse_guid("3ab39606-c642-489b-84b6-58c038d3ef39"));
        assert_eq!(text(&b), "BpazOkLGm0iEtljAONPvOQ==");
    }

    #[test]
    fn formatting() -> io::Result<()> {
        let path = temp("fmt");
        let mut o = Out::create(&path)?;
        o.date_us(1_555_106_667); // 2019-04-12 22:04:27 UTC
        o.c(b'|');
        o.date_iso(1_555_106_667);
        o.c(b'|');
        o.date_us(1_614_852_672); // 2021-03-04 10:11:12
        o.c(b'|');
        o.date_us(946_684_800); // 2000-01-01 00:00:00
        o.c(b'|');
        o.date_us(951_825_600); // 2000-02-29 12:00:00
        o.c(b'|');
        o.guid(parse_guid("f7cc07d7-7c15-447d-876d-c01b0e5a9e38"));
        o.c(b'|');
        o.u64(NEVER);
        assert_eq!(
            text(&o.buf),
            "4/12/2019 10:04:27 PM|2019-04-12T22:04:27Z|3/4/2021 10:11:12 AM|1/1/2000 12:00:00 AM|\
             2/29/2000 12:00:00 PM|f7cc07d7-7c15-447d-876d-c01b0e5a9e38|9223372036854775807"
        );
        drop(o);
        std::fs::remove_file(path)
    }

    /// Beyond 32 074 people first and last names repeat: DN, UPN, sAMAccountName and Entra UPN
    /// still stay unique.
    #[test]
    fn names_stay_unique_when_names_repeat() -> io::Result<()> {
        let n = 100_000;
        let t = Tenant::new(n, 7);
        let path = temp("names");
        let mut o = Out::create(&path)?;
        let (mut dns, mut upns, mut sams) = (HashSet::new(), HashSet::new(), HashSet::new());
        let take = |o: &mut Out, set: &mut HashSet<Vec<u8>>, what: &str| {
            let v = std::mem::take(&mut o.buf);
            assert!(v.len() <= 20 || what != "sam", "{}", text(&v));
            assert!(set.insert(v.clone()), "duplicate {what} {}", text(&v));
        };
        for i in 0..n {
            let id = t.ident(i);
            id.dn(&mut o);
            take(&mut o, &mut dns, "dn");
            id.upn(&mut o);
            take(&mut o, &mut upns, "upn");
            id.sam(&mut o);
            take(&mut o, &mut sams, "sam");
        }
        for k in 0..t.cloud_only {
            Cloud::new(&t, k).upn(&mut o);
            take(&mut o, &mut upns, "upn");
        }
        assert_eq!(t.names(n - 1).2, 3, "names repeat three times over");
        assert!(upns
            .iter()
            .map(|u| text(u))
            .any(|u| !u.contains(".shared") && u.ends_with("4@contoso.com")));
        assert!(sams
            .iter()
            .any(|s| !s.last().unwrap_or(&b'0').is_ascii_digit()));
        drop(o);
        std::fs::remove_file(path)
    }

    #[test]
    fn generates_deterministic_tenant_of_expected_size() -> io::Result<()> {
        let n = 1000;
        let (a, b, c) = (temp("a"), temp("b"), temp("c"));
        let fa = generate(&a, n, 42, ONPREM_PER_MILLE)?;
        let fb = generate(&b, n, 42, ONPREM_PER_MILLE)?;
        let fc = generate(&c, n, 43, ONPREM_PER_MILLE)?;
        let kinds: Vec<&str> = fa.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                "ad-users",
                "graph-users",
                "exo-mailboxes",
                "exo-mailboxes-softdeleted",
                "exo-users",
                "exo-mailusers"
            ]
        );

        let mut total = 0;
        for (x, y) in fa.iter().zip(&fb) {
            assert!(x.path.is_file(), "{} missing", x.path.display());
            assert_eq!(std::fs::metadata(&x.path)?.len(), x.bytes);
            assert!(x.rows > 0, "{} has no rows", x.kind);
            assert!(
                std::fs::read(&x.path)? == std::fs::read(&y.path)?,
                "{} differs between runs",
                x.kind
            );
            total += x.bytes;
        }
        // The benchmark spec: ~1.75 KB per identity, ±10%.
        let per_identity = total / n as u64;
        assert!(
            (1575..=1925).contains(&per_identity),
            "{per_identity} bytes per identity"
        );
        assert!((1575..=1925).contains(&APPROX_BYTES_PER_IDENTITY));
        assert!(
            std::fs::read(&fa[0].path)? != std::fs::read(&fc[0].path)?,
            "the seed changes nothing"
        );

        // CSV: PowerShell 7 Export-Csv shape, every row as wide as the header.
        for f in fa.iter().filter(|f| f.kind != "graph-users") {
            let body = std::fs::read_to_string(&f.path)?;
            assert!(!body.starts_with('\u{feff}') && !body.starts_with("#TYPE"));
            assert!(
                !body.replace("\r\n", "").contains('\n'),
                "{}: bare LF",
                f.kind
            );
            let mut lines = body.split("\r\n").filter(|l| !l.is_empty());
            let columns = lines.next().map(|h| h.split("\",\"").count()).unwrap_or(0);
            let mut rows = 0;
            for l in lines {
                assert!(l.starts_with('"') && l.ends_with('"'), "{l}");
                assert_eq!(l.split("\",\"").count(), columns, "{}: {l}", f.kind);
                rows += 1;
            }
            assert_eq!(rows, f.rows, "{}", f.kind);
        }

        // graph-users.json: one compact array, as Graph serialises a response body.
        let graph = std::fs::read_to_string(&fa[1].path)?;
        assert!(graph.starts_with("[{\"id\":\""), "{}", &graph[..40]);
        assert!(graph.ends_with("\"onPremisesProvisioningErrors\":[]}]"));
        assert!(!graph.contains(['\r', '\n']) && !graph.contains("\": "));
        assert_eq!(graph.matches("{\"id\":\"").count() as u64, fa[1].rows);
        // A licensed user has one SKU and, of its plans, only the Exchange one.
        let licensed = graph.matches("\"skuId\":").count();
        assert!(licensed > 700, "{licensed} licensed");
        assert_eq!(graph.matches("\"servicePlanId\":").count(), licensed);
        assert_eq!(
            graph.matches("\"licenseAssignmentStates\":[]").count() as u64,
            fa[1].rows
        );

        // The joins hold by construction.
        fn values<'a>(json: &'a str, key: &str) -> Vec<&'a str> {
            let pat = format!("\"{key}\":\"");
            json.match_indices(&pat)
                .map(|(at, _)| {
                    let v = &json[at + pat.len()..];
                    &v[..v.find('"').expect("string ends")]
                })
                .collect()
        }
        let t = Tenant::new(n as u64, 42);
        let anchors: HashSet<String> = (0..n as u64)
            .map(|i| text(&immutable_id(t.ident(i).anchor())).to_string())
            .collect();
        let linked = values(&graph, "onPremisesImmutableId");
        for v in &linked {
            assert!(anchors.contains(*v), "{v}");
        }
        let linked = linked.len() as u64;
        let mut ids = HashSet::new();
        for v in values(&graph, "id") {
            assert!(ids.insert(v.to_string()), "duplicate id {v}");
        }
        assert_eq!(ids.len() as u64, fa[1].rows);
        let upns = values(&graph, "userPrincipalName");
        assert_eq!(upns.iter().collect::<HashSet<_>>().len(), upns.len());
        assert!((930..=970).contains(&linked), "{linked} synced of {n}");
        let cloud_only = fa[1].rows - linked;
        assert!((25..=35).contains(&cloud_only), "{cloud_only} cloud-only");
        // The soft-deleted mailboxes (fa[3]) belong to people whose Entra user is gone.
        for f in [&fa[2], &fa[4], &fa[5]] {
            for l in std::fs::read_to_string(&f.path)?.lines().skip(1) {
                assert!(ids.contains(&l[1..37]), "{}: {l}", f.kind);
            }
        }
        // Cloud mailboxes: all but plain users (5%), on-prem mailboxes (1%) and the few unsynced.
        let mailboxes = fa[2].rows as f64 / n as f64;
        assert!((0.90..=0.97).contains(&mailboxes), "{mailboxes}");
        // The on-prem share moves users from cloud mailboxes to mail users (the on-prem mailboxes' EXO side).
        let d = temp("d");
        let fd = generate(&d, n, 42, 100)?;
        let mailboxes = fd[2].rows as f64 / n as f64;
        assert!((0.80..=0.90).contains(&mailboxes), "{mailboxes} at 10% on-prem");
        assert!(fd[5].rows > fa[5].rows + 50, "mail users {} vs {}", fd[5].rows, fa[5].rows);
        let per_identity = fd.iter().map(|f| f.bytes).sum::<u64>() / n as u64;
        assert!((1575..=1925).contains(&per_identity), "{per_identity} bytes per identity at 10% on-prem");

        for d in [a, b, c, d] {
            std::fs::remove_dir_all(d)?;
        }
        Ok(())
    }
}
