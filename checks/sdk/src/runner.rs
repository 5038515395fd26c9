//! Runs a plugin's checks over one encoded batch: the same code inside wasm and natively.

use crate::wire::Take;
use crate::{BatchHeader, Check, Date, Error, Evidence, Field, Finding, Identity, Plugin, Severity, ABI_VERSION};

/// Collects what one check reports on one identity.
pub struct Findings {
    check: &'static Check,
    identity: u32,
    reported: Vec<Reported>,
}

/// A finding being written: chain [`evidence`](Reported::evidence), [`remediation`](Reported::remediation) …
pub struct Reported {
    severity: Severity,
    message: String,
    remediation: String,
    deadline: Option<Date>,
    evidence: Vec<(Field, Option<u32>)>,
}

impl Findings {
    /// A check under test, outside a batch.
    pub fn for_check(check: &'static Check) -> Findings {
        Findings { check, identity: 0, reported: Vec::new() }
    }

    /// Reports a finding; its evidence and remediation follow.
    pub fn report(&mut self, severity: Severity, message: impl Into<String>) -> &mut Reported {
        self.reported.push(Reported { severity, message: message.into(), remediation: String::new(), deadline: None, evidence: Vec::new() });
        let last = self.reported.len() - 1;
        &mut self.reported[last]
    }

    /// The findings, with each evidence field's value read from `identity`.
    pub fn finish(self, identity: &Identity) -> Vec<Finding> {
        let Findings { check, identity: index, reported } = self;
        reported
            .into_iter()
            .map(|r| Finding {
                identity: index,
                check: check.id.to_string(),
                severity: r.severity,
                message: r.message,
                remediation: r.remediation,
                deadline: r.deadline,
                evidence: r
                    .evidence
                    .into_iter()
                    .map(|(field, i)| Evidence {
                        field: field.id(),
                        index: i,
                        value: identity.render(field, i.map(|i| i as usize)).unwrap_or_else(|| "(empty)".to_string()),
                    })
                    .collect(),
            })
            .collect()
    }
}

impl Reported {
    /// A field the finding rests on; its value and source are filled in for the report.
    pub fn evidence(&mut self, field: Field) -> &mut Self {
        if !self.evidence.contains(&(field, None)) {
            self.evidence.push((field, None));
        }
        self
    }

    /// One element of a list field (one previous mailbox, one duplicate address …).
    pub fn evidence_at(&mut self, field: Field, index: usize) -> &mut Self {
        self.evidence.push((field, Some(index as u32)));
        self
    }

    pub fn remediation(&mut self, command: impl Into<String>) -> &mut Self {
        self.remediation = command.into();
        self
    }

    pub fn deadline(&mut self, date: Date) -> &mut Self {
        self.deadline = Some(date);
        self
    }
}

/// Decodes a batch, runs the plugin's enabled checks on every identity, encodes the findings.
pub fn run_batch(plugin: &Plugin, input: &[u8]) -> Result<Vec<u8>, Error> {
    let (header, mut rest) = postcard::take_from_bytes::<BatchHeader>(input)?;
    if header.abi != ABI_VERSION {
        return Err(Error::Abi(header.abi));
    }
    let checks: Vec<&'static Check> = plugin.checks.iter().filter(|c| header.checks.iter().any(|id| id == c.id)).collect();
    let (count, r) = <u32 as Take>::take(rest)?;
    rest = r;
    let mut findings = Vec::new();
    // One record read over the previous one (its strings keep their allocations); the fields it does not
    // carry are emptied after reading, so every check sees exactly this identity's fields.
    let mut identity = Identity::default();
    let mut present = vec![false; Field::ALL.len()];
    for index in 0..count {
        present.fill(false);
        let (fields, r) = <u32 as Take>::take(rest)?;
        rest = r;
        for _ in 0..fields {
            let (id, r) = <u32 as Take>::take(rest)?;
            let field = Field::from_id(id).ok_or(Error::UnknownField(id))?;
            present[id as usize] = true;
            rest = identity.decode_field(field, r)?;
        }
        identity.keep_only(&present);
        for check in &checks {
            let mut out = Findings { check, identity: index, reported: Vec::new() };
            (check.run)(&identity, &header.context, &mut out);
            if !out.reported.is_empty() {
                findings.extend(out.finish(&identity));
            }
        }
    }
    Ok(postcard::to_allocvec(&findings)?)
}

/// Runs one check on one identity (unit tests of checks).
pub fn run_check(check: &'static Check, identity: &Identity, context: &crate::Context) -> Vec<Finding> {
    let mut out = Findings::for_check(check);
    (check.run)(identity, context, &mut out);
    out.finish(identity)
}
