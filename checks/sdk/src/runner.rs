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
    // One record read over the previous one (its strings keep their allocations); the fields the previous
    // record carried and this one does not are emptied after reading, so every check sees exactly this
    // identity's fields. The fields carried are bits of a mask (`1 << id`): usually no field is stale.
    const _: () = assert!(Field::ALL.len() <= 64, "a field mask is a u64");
    let mut identity = Identity::default();
    let mut previous = 0u64;
    for index in 0..count {
        let mut present = 0u64;
        let (fields, r) = <u32 as Take>::take(rest)?;
        rest = r;
        for _ in 0..fields {
            let (id, r) = <u32 as Take>::take(rest)?;
            let field = Field::from_id(id).ok_or(Error::UnknownField(id))?;
            present |= 1 << id;
            rest = identity.decode_field(field, r)?;
        }
        let stale = previous & !present;
        if stale != 0 {
            identity.clear(stale);
        }
        previous = present;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Wire;
    use crate::Context;

    fn mail(i: &Identity, _: &Context, out: &mut Findings) {
        if let Some(m) = &i.ad_mail {
            out.report(Severity::Info, format!("mail {m}")).evidence(Field::AdMail).remediation("none");
        }
    }

    const CHECK: Check = Check { id: "T001", name: "mail", severity: Severity::Info, escalates_to: None, fields: &[Field::AdMail], optional: &[], source: "", run: mail };
    const PLUGIN: Plugin = Plugin { name: "t", version: "0", checks: &[CHECK] };

    /// Records of `(field, text)` pairs, encoded as the host does.
    fn batch(records: &[&[(Field, &str)]]) -> Vec<u8> {
        let mut out = Vec::new();
        crate::put(&mut out, &BatchHeader { abi: ABI_VERSION, context: Context::default(), checks: vec!["T001".into()] });
        (records.len() as u32).wire(&mut out);
        for fields in records {
            (fields.len() as u32).wire(&mut out);
            for (field, text) in *fields {
                field.id().wire(&mut out);
                text.wire(&mut out);
            }
        }
        out
    }

    #[test]
    fn a_field_of_one_record_never_shows_in_the_next() {
        // Identity 1 carries no mail, identity 3 another field only: neither may see identity 0's or 2's mail.
        let long = "x".repeat(300);
        let input = batch(&[&[(Field::AdMail, "a@contoso.com")], &[], &[(Field::AdMail, &long)], &[(Field::AdSamAccountName, "d")]]);
        let out = run_batch(&PLUGIN, &input).expect("valid batch");
        let findings: Vec<Finding> = postcard::from_bytes(&out).expect("findings");
        let seen: Vec<(u32, &str)> = findings.iter().map(|f| (f.identity, f.evidence[0].value.as_str())).collect();
        assert_eq!(seen, [(0, "a@contoso.com"), (2, long.as_str())]);
    }
}
