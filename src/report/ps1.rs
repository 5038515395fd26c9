//! remediation.ps1: the header template (`reports/remediation-header.ps1`: parameters, the guards and the
//! helper functions) with one block per finding in place of its token, from the [`Plan`].
//!
//! A finding's precondition is its evidence, re-read live: each evidence field this module knows how
//! to read from the tenant (the table in `live_reader`) becomes a check that the live value still
//! equals the exported one, run before the finding's first change in the shell that can read it.

use super::plan::{Item, Phase, Plan, Shell, Step};
use crate::audit::BUILTIN_SOURCE;
use crate::findings::{Audit, Finding};
use hybrid_audit_sdk::domain::{ps_quote, MAILBOX_PLANS};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

pub fn write(audit: &Audit, plan: &Plan<'_>, path: &Path, header: &str) -> Result<(), String> {
    let (head, tail) = header.split_once(super::PS1_TOKEN).ok_or_else(|| format!("the script template lacks {}", super::PS1_TOKEN))?;
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    // UTF-8 with a byte-order mark: Windows PowerShell 5.1 reads a file without one as ANSI.
    out.write_all(b"\xEF\xBB\xBF").map_err(|e| e.to_string())?;
    out.write_all(head.as_bytes()).map_err(|e| e.to_string())?;
    let mut block = String::new();
    let _ = writeln!(block, "# Audit as of {}: {} findings; {} with a remediation, {} steps.", audit.as_of, audit.findings.len(), plan.identities.iter().map(Vec::len).sum::<usize>(), plan.steps());
    if !audit.check_failures.is_empty() {
        let _ = writeln!(block, "# WARNING: the audit is incomplete, checks failed: {}.", audit.check_failures.iter().flat_map(|c| c.checks.iter().map(String::as_str)).collect::<Vec<_>>().join(", "));
    }
    // -MailboxSku is checked before any step: a SKU the tenant has, with a plan that grants a mailbox.
    // The mailbox-granting plan ids, once: every exchangePlans precondition compares against them.
    let plans: Vec<String> = MAILBOX_PLANS.iter().map(|(id, _)| ps_quote(&id.to_string())).collect();
    let _ = writeln!(block, "$MailboxPlans = @({})", plans.join(", "));
    let _ = writeln!(block, "Test-MailboxSku $MailboxPlans");
    out.write_all(block.as_bytes()).map_err(|e| e.to_string())?;
    // Commands from the built-in checks run (the test suite parses them with a PowerShell grammar); a
    // plugin's commands are printed for the operator, never run: one malformed line would otherwise stop
    // the whole script from parsing, and they were never reviewed here.
    let builtin: Vec<&str> = audit.plugins.iter().filter(|p| p.source == BUILTIN_SOURCE).flat_map(|p| p.checks.iter().map(String::as_str)).collect();
    for identity in &plan.identities {
        block.clear();
        let _ = writeln!(block, "\n# ==== {} ====", one_line(&identity[0].finding.identity.upn));
        let mut done: Vec<Done<'_>> = Vec::new();
        for item in identity {
            finding_block(&mut block, item, &mut done, builtin.contains(&item.finding.check.as_str()));
        }
        out.write_all(block.as_bytes()).map_err(|e| e.to_string())?;
    }
    out.write_all(tail.as_bytes()).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())
}

/// Text for a `#` comment line: no line breaks (a newline would end the comment).
fn one_line(text: &str) -> String {
    text.split(['\r', '\n']).filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join(" / ")
}

/// How the live cmdlets name a finding's identity, quoted: the EXO object, the Entra user, the AD user.
struct Keys {
    exo: String,
    graph: String,
    ad: Option<String>,
}

impl Keys {
    fn of(f: &Finding) -> Keys {
        let id = &f.identity;
        Keys {
            exo: ps_quote(&id.key_or_name(id.exo_guid)),
            graph: ps_quote(&id.key_or_name(id.entra_id)),
            ad: id.ad_object_guid.map(|g| ps_quote(&g.to_string())),
        }
    }
}

/// How to read an evidence field from the live tenant: the shell that can, and the expression. `value` is
/// the exported one, for the readers that take what to read from it (the SKUs of license states).
fn live_reader(field: &str, value: &str, keys: &Keys) -> Option<(Shell, String)> {
    let Keys { exo, graph, ad } = keys;
    let (shell, expr) = match field {
        "exo.ExchangeGuid" => (Shell::ExchangeOnline, format!("(Get-Recipient -Identity {exo}).ExchangeGuid")),
        "exo.ArchiveGuid" => (Shell::ExchangeOnline, format!("(Get-Recipient -Identity {exo}).ArchiveGuid")),
        "exo.RecipientTypeDetails" => (Shell::ExchangeOnline, format!("(Get-Recipient -Identity {exo}).RecipientTypeDetails")),
        "exo.PreviousRecipientTypeDetails" => (Shell::ExchangeOnline, format!("(Get-User -Identity {exo}).PreviousRecipientTypeDetails")),
        "exo.ArchiveStatus" => (Shell::ExchangeOnline, format!("(Get-Mailbox -Identity {exo}).ArchiveStatus")),
        // Compared as on hold / none (see `expected`); Get-HoldState is in the script's header.
        "exo.holds" => (Shell::ExchangeOnline, format!("Get-HoldState (Get-Mailbox -Identity {exo})")),
        "entra.usageLocation" => (Shell::ExchangeOnline, format!("(Get-MgUser -UserId {graph} -Property usageLocation).UsageLocation")),
        "entra.accountEnabled" => (Shell::ExchangeOnline, format!("(Get-MgUser -UserId {graph} -Property accountEnabled).AccountEnabled")),
        "entra.onPremisesImmutableId" => (Shell::ExchangeOnline, format!("(Get-MgUser -UserId {graph} -Property onPremisesImmutableId).OnPremisesImmutableId")),
        // Compared as mailbox plan / none (see `expected`); the helpers are in the script's header.
        "entra.exchangePlans" => (Shell::ExchangeOnline, format!("Get-MailboxPlanState (Get-MgUser -UserId {graph} -Property assignedPlans) $MailboxPlans")),
        "entra.licenseAssignmentStates" => {
            let skus: Vec<String> = entries(value).filter_map(|e| e.split_once(": ")).map(|(sku, _)| ps_quote(sku)).collect();
            (Shell::ExchangeOnline, format!("Get-LicenseStateText (Get-MgUser -UserId {graph} -Property licenseAssignmentStates) @({})", skus.join(", ")))
        }
        "entra.onPremisesProvisioningErrors" => {
            (Shell::ExchangeOnline, format!("Get-ProvisioningErrorText (Get-MgUser -UserId {graph} -Property onPremisesProvisioningErrors)"))
        }
        _ => {
            let attribute = match field {
                "ad.msExchMailboxGuid" => "msExchMailboxGuid",
                "ad.msExchArchiveGUID" => "msExchArchiveGUID",
                "ad.msExchRecipientTypeDetails" => "msExchRecipientTypeDetails",
                "ad.msExchRemoteRecipientType" => "msExchRemoteRecipientType",
                "ad.mailNickname" => "mailNickname",
                "ad.msExchHomeServerName" => "msExchHomeServerName",
                "ad.homeMDB" => "homeMDB",
                "ad.Enabled" => "Enabled",
                "ad.userPrincipalName" => "UserPrincipalName",
                "ad.targetAddress" => "targetAddress",
                "ad.proxyAddresses" => "proxyAddresses",
                _ => return None,
            };
            // The leading comma keeps a value whole: a script block's output is unrolled, and a 16-byte
            // msExchMailboxGuid would reach the comparison as 16 numbers (review L: GUID001/GUID003 were
            // always skipped on-prem as "changed since the audit").
            (Shell::OnPremises, format!(",(Get-ADUser -Identity {} -Properties {attribute}).{attribute}", ad.as_ref()?))
        }
    };
    Some((shell, expr))
}

/// A change to another object than the finding's own, named in the command: it may go ahead only while
/// that object is still as the audit saw it, whatever the finding's evidence holds.
struct StepGuard {
    /// The command up to the opening quote of the object it changes, and what must follow the object.
    command: &'static str,
    then: &'static str,
    /// What the precondition is called, the live read around the (quoted) object, the value expected.
    field: &'static str,
    live: (&'static str, &'static str),
    expected: &'static str,
}

const STEP_GUARDS: &[StepGuard] = &[
    // A hard match (SYNC001) re-anchors a cloud user that already has an immutable id: only while that
    // user is still cloud-only.
    StepGuard {
        command: "Update-MgUser -UserId '",
        then: "-OnPremisesImmutableId",
        field: "cloud user's onPremisesImmutableId",
        live: ("(Get-MgUser -UserId ", " -Property onPremisesImmutableId).OnPremisesImmutableId"),
        expected: "",
    },
    // A hold on an inactive mailbox (HOLD003): only while it still exists and is held by nothing (a
    // purged or recovered mailbox fails the read, and the finding is skipped).
    StepGuard {
        command: "Set-Mailbox -InactiveMailbox -Identity '",
        then: "-LitigationHoldEnabled $true",
        field: "inactive mailbox's holds",
        live: ("Get-HoldState (Get-Mailbox -InactiveMailboxOnly -Identity ", ")"),
        expected: "none",
    },
];

/// The live guard a mutating step needs beyond its finding's evidence: (field, expression, expected).
fn step_guard(code: &str) -> Option<(&'static str, String, &'static str)> {
    let code = code.trim_start();
    STEP_GUARDS.iter().find_map(|g| {
        // Up to the first quote: the object as written (one holding a quote does not match `then`).
        let (object, rest) = code.strip_prefix(g.command)?.split_once('\'')?;
        (!object.is_empty() && rest.trim_start().starts_with(g.then)).then(|| (g.field, format!("{}{}{}", g.live.0, ps_quote(object), g.live.1), g.expected))
    })
}

/// Multi-valued fields: compared as sets (AD returns a multi-valued attribute in no promised order), so a
/// precondition holds while the same values are there, in any order.
fn is_set(field: &str) -> bool {
    matches!(field, "ad.proxyAddresses" | "entra.licenseAssignmentStates" | "entra.onPremisesProvisioningErrors")
}

/// The entries of a multi-valued evidence value (the findings join them with `; `).
fn entries(value: &str) -> impl Iterator<Item = &str> {
    value.split("; ").filter(|e| !e.is_empty() && !matches!(*e, "(empty)" | "(none)"))
}

/// Whether exported Exchange plans (as `ExchangePlan`'s rendering writes them: `NAME (plan id)` or the plan
/// id, then `, disabled` when it is) include an enabled plan that grants a mailbox.
fn has_mailbox_plan(value: &str) -> bool {
    entries(value).any(|plan| !plan.contains(", disabled") && MAILBOX_PLANS.iter().any(|(id, _)| plan.contains(&id.to_string())))
}

/// The exported value as the script compares it: `''` for an empty one; holds as `on hold` / `none`
/// (the live side describes them with Get-HoldState, by the same rules as the checks).
fn expected<'a>(field: &str, value: &'a str) -> &'a str {
    match (field, value) {
        ("exo.holds", "none") => "none",
        ("exo.holds", _) => "on hold",
        ("entra.exchangePlans", v) if has_mailbox_plan(v) => "mailbox plan",
        ("entra.exchangePlans", _) => "none",
        (_, "(empty)" | "(none)") => "",
        (_, v) => v,
    }
}

/// The placeholder `-MailboxSku` fills in (quoted, up to its example): which SKU licenses a mailbox is the
/// tenant's one choice for every such step (LIC001, LIC002, LIC006, HOLD002 write it).
const MAILBOX_SKU: &str = "'<SKU that licenses mailboxes in this tenant, e.g. ";

/// A step's command lines as the script runs them.
struct CommandLines {
    lines: Vec<String>,
    /// The mailbox SKU placeholder became `$MailboxSku`: the step waits for `-MailboxSku`.
    needs_sku: bool,
}

/// A step's [`CommandLines`]: the mailbox SKU placeholder becomes `$MailboxSku`.
fn command_lines(step: &Step<'_>) -> CommandLines {
    let mut uses = false;
    let lines = step
        .command
        .iter()
        .map(|line| {
            let mut line = line.to_string();
            while let Some(at) = line.find(MAILBOX_SKU) {
                let Some(end) = line[at..].find(">'") else { break };
                line.replace_range(at..at + end + 2, "$MailboxSku");
                uses = true;
            }
            line
        })
        .collect();
    CommandLines { lines, needs_sku: uses }
}

/// A command that must not run as written: it holds a `<placeholder>` to fill in (other than the mailbox
/// SKU, which `-MailboxSku` fills: `lines` are the step's [`command_lines`]), or a cmdlet this tool does
/// not know.
fn needs_hand(step: &Step<'_>, lines: &[String]) -> Option<&'static str> {
    if lines.iter().any(|l| l.contains("'<") || l.contains("\"<")) {
        Some("fill in the <placeholder> first")
    } else if step.phase == Phase::Sync {
        Some("run it on the Entra Connect server (the ADSync module is there)")
    } else if step.shell == Shell::Manual {
        Some("a command this script does not run")
    } else {
        None
    }
}

/// A step already written for an identity: which finding's, its number, and what it is (its command, or
/// for a step done by hand its description).
struct Done<'a> {
    finding: &'a str,
    number: usize,
    command: &'a [&'a str],
    description: &'a str,
}

impl Done<'_> {
    /// Whether `step` is the one this wrote.
    fn is(&self, step: &Step<'_>) -> bool {
        if step.command.is_empty() {
            self.command.is_empty() && self.description == step.description
        } else {
            self.command == step.command.as_slice()
        }
    }
}

/// `done`: the steps already written for this identity (finding id, step, command, description): a step two
/// findings share (GUID001 and GUID004 both detach the cloud mailbox) is written once.
fn finding_block<'a>(out: &mut String, item: &'a Item<'a>, done: &mut Vec<Done<'a>>, runnable: bool) {
    let f = item.finding;
    let _ = writeln!(out, "\n# --- {} · {} · {} ({}) ---", f.id, f.severity.as_str(), f.check, f.name);
    let _ = writeln!(out, "# {}", one_line(&f.message));
    if let (Some(d), Some(left)) = (&f.deadline, f.days_left) {
        let when = if left >= 0 { format!("{left} days left") } else { format!("passed {} days before", -left) };
        let _ = writeln!(out, "# deadline {d}: {when} the audit");
    }
    let keys = Keys::of(f);
    let mut checks = Vec::new();
    let mut unread = Vec::new();
    for e in &f.evidence {
        match live_reader(e.field, &e.value, &keys) {
            // One field may be evidence twice (a whole list and one entry of it): one read if both agree.
            Some((shell, expr)) => {
                let check = (e.field, shell, expr, expected(e.field, &e.value));
                if !checks.contains(&check) {
                    checks.push(check);
                }
            }
            None => unread.push(e.field),
        }
    }
    unread.dedup();
    for (field, expr, value) in item.steps.iter().filter(|s| s.mutating).filter_map(|s| step_guard(s.code)) {
        checks.push((field, Shell::ExchangeOnline, expr, value));
    }
    if !checks.is_empty() {
        let _ = writeln!(out, "# precondition, re-read live before the first change:");
        for (field, shell, _, value) in &checks {
            let _ = writeln!(out, "#   {}", precondition_text(field, *shell, value));
        }
    }
    if !unread.is_empty() {
        let _ = writeln!(out, "# not re-read live (check by hand if in doubt): {}", unread.join(", "));
    }
    // The shells in which the finding has a step the script runs: elsewhere its preconditions are not read
    // (a finding of manual steps only — most license findings, whose SKU is a placeholder — would cost a
    // call to the tenant for nothing: 19,248 of 27,447 findings at 800k identities).
    // A step that needs `-MailboxSku` acts only when it is given: `Shell+MailboxSku`.
    // A change runs only in a shell where something of the finding is re-read live first.
    let checked: Vec<Shell> = checks.iter().map(|c| c.1).collect();
    // Per step: its command lines as run, whether they need `-MailboxSku`, and why it is printed instead.
    let steps: Vec<(CommandLines, Option<&str>)> = item
        .steps
        .iter()
        .map(|s| {
            let lines = command_lines(s);
            let printed = if runnable { needs_hand(s, &lines.lines).or_else(|| (s.mutating && !checked.contains(&s.shell)).then_some(UNCHECKED)) } else { Some(PLUGIN) };
            (lines, printed)
        })
        .collect();
    let mut acts: Vec<String> = item
        .steps
        .iter()
        .zip(&steps)
        .filter(|(s, (_, printed))| !s.command.is_empty() && printed.is_none() && !done.iter().any(|d| d.is(s)))
        .map(|(s, (lines, _))| if lines.needs_sku { format!("{}+MailboxSku", s.shell.as_str()) } else { s.shell.as_str().to_string() })
        .collect();
    acts.sort();
    acts.dedup();
    let acts: Vec<String> = acts.iter().map(|a| format!("'{a}'")).collect();
    let _ = write!(out, "$f = Start-Finding -Id {} -Identity {} -Acts @({}) -Preconditions @(", ps_quote(&f.id), ps_quote(&f.identity.upn), acts.join(", "));
    for (field, shell, expr, value) in &checks {
        let set = if is_set(field) { " Set = $true;" } else { "" };
        let _ = write!(out, "\n    @{{ Field = {}; Shell = '{}'; Expected = {};{set} Live = {{ {expr} }} }}", ps_quote(field), shell.as_str(), ps_quote(value));
    }
    let _ = writeln!(out, "{})", if checks.is_empty() { "" } else { "\n" });
    // A finding whose every step an earlier one wrote (GUID001 and GUID004 both detach the cloud mailbox) has
    // its steps by hand asked once too; otherwise only a shared command is written once, and its own gates
    // stay (the earlier finding may have been skipped).
    let repeated = item.steps.iter().all(|s| done.iter().any(|d| d.is(s)));
    for (i, step) in item.steps.iter().enumerate() {
        if let Some(&Done { finding: id, number: n, .. }) = done.iter().find(|d| d.is(step) && (repeated || !step.command.is_empty())) {
            let _ = writeln!(out, "# step {} is step {n} of {id} above: not repeated", step.number);
            // Said when run too: `-Finding` naming only this finding would otherwise do nothing, silently.
            let _ = writeln!(out, "Write-SharedStep $f {} {} {n}", step.number, ps_quote(id));
            continue;
        }
        done.push(Done { finding: &f.id, number: step.number, command: &step.command, description: &step.description });
        // A step done by hand, or printed for the operator, before a change of the same finding must be
        // confirmed done (LIC004: the usage location before the license is reprocessed). It names the changes
        // after it that the script runs, as `Shell[+Destructive][+MailboxSku]`: the script asks only when one
        // of them would run in this invocation (a "done?" guarding nothing teaches "yes").
        let (lines, printed) = &steps[i];
        let mut next: Vec<String> = item.steps[i + 1..]
            .iter()
            .zip(&steps[i + 1..])
            .filter(|(s, (_, p))| s.mutating && p.is_none() && !done.iter().any(|d| d.is(s)))
            .map(|(s, (l, _))| format!("'{}{}{}'", s.shell.as_str(), if s.destructive { "+Destructive" } else { "" }, if l.needs_sku { "+MailboxSku" } else { "" }))
            .collect();
        next.sort();
        next.dedup();
        let gate = (step.command.is_empty() || printed.is_some()) && !next.is_empty();
        let gate = gate.then(|| format!(" -Gate -Next @({})", next.join(", ")));
        // A destructive step resting on values only the other shell reads: the operator confirms them.
        let elsewhere: Vec<String> = if step.destructive {
            checks.iter().filter(|c| c.1 != step.shell).map(|(field, shell, _, value)| precondition_text(field, *shell, value)).collect()
        } else {
            Vec::new()
        };
        step_block(out, f, step, gate.as_deref().unwrap_or(""), lines, *printed, &elsewhere.join("; "));
    }
}

/// A precondition as the script's comments and confirmations name it: `field = value (Shell)`.
fn precondition_text(field: &str, shell: Shell, value: &str) -> String {
    format!("{field} = {} ({})", if value.is_empty() { "(empty)".to_string() } else { one_line(value) }, shell.as_str())
}

/// Why a step is printed instead of run: a plugin's, or a change with nothing re-read live in its shell.
const PLUGIN: &str = "from a plugin, not a built-in check: review and run it yourself";
const UNCHECKED: &str = "nothing of this finding is re-read live in this shell before it: check by hand, then run it yourself";

/// `lines`: the step's [`command_lines`]; `printed`: why its command is printed for the operator instead
/// of run (`None`: it runs).
/// `gate`: the arguments that make a step by hand or printed one the later changes wait for (empty: none);
/// `confirms`: what the step rests on that only the other shell can read (empty: nothing).
fn step_block(out: &mut String, f: &Finding, step: &Step<'_>, gate: &str, lines: &CommandLines, printed: Option<&str>, confirms: &str) {
    let n = step.number;
    let mut label = format!("# step {n} ({}, {}", step.phase.as_str(), step.shell.as_str());
    if step.destructive {
        label.push_str(", DESTRUCTIVE");
    }
    label.push(')');
    if !step.description.is_empty() {
        let _ = write!(label, ": {}", one_line(&step.description));
    }
    let _ = writeln!(out, "{label}");
    if step.command.is_empty() {
        let _ = writeln!(out, "Write-ManualStep $f {n} {}{gate}", ps_quote(&one_line(&step.description)));
        return;
    }
    if let Some(why) = printed {
        // Each line is one line already (the remediation was cut at line breaks).
        for line in &step.command {
            let _ = writeln!(out, "#   {line}");
        }
        let _ = writeln!(out, "Write-ManualStep $f {n} {}{gate}", ps_quote(&format!("{why}: {}", one_line(&step.command.join("; ")))));
        return;
    }
    let _ = write!(out, "Invoke-Step $f {n} '{}' -Target {} -Command {}", step.shell.as_str(), ps_quote(&f.identity.upn), ps_quote(step.code));
    if !step.mutating {
        out.push_str(" -ReadOnly");
    }
    if lines.needs_sku {
        out.push_str(" -NeedsMailboxSku");
    }
    if step.destructive {
        out.push_str(" -Destructive");
    }
    if !confirms.is_empty() {
        let _ = write!(out, " -Confirms {}", ps_quote(confirms));
    }
    // The assignments before the command (the SKU, the plans it keeps disabled) are read first: -WhatIf and
    // -Confirm show the command with their values, not `$sku`.
    let prepare = &lines.lines[..lines.lines.len().saturating_sub(1)];
    let names: Vec<String> = prepare.iter().filter_map(|l| super::plan::assigned_variable(l)).map(ps_quote).collect();
    let action = if !prepare.is_empty() && names.len() == prepare.len() {
        let _ = writeln!(out, " -Shows @({}) -Prepare {{", names.join(", "));
        for line in prepare {
            let _ = writeln!(out, "    {line}");
        }
        out.push('}');
        &lines.lines[prepare.len()..]
    } else {
        &lines.lines[..]
    };
    out.push_str(" -Action {\n");
    for line in action {
        let _ = writeln!(out, "    {line}");
    }
    out.push_str("}\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{EvidenceItem, IdentityRef};
    use hybrid_audit_sdk::domain::EXCHANGE_FOUNDATION;
    use hybrid_audit_sdk::{ExchangePlan, Render, Severity};

    /// The block a finding gets, with `evidence` (field, value) and `remediation`.
    fn block_of(evidence: &[(&'static str, &str)], remediation: &str) -> String {
        let finding = Finding {
            id: "TEST001-0000000000000000".into(),
            check: "TEST001".into(),
            name: "test".into(),
            severity: Severity::High,
            identity: IdentityRef { upn: "x@contoso.com".into(), ad_object_guid: Some(crate::values::Guid([1; 16])), ..Default::default() },
            message: "m".into(),
            evidence: evidence.iter().map(|(field, value)| EvidenceItem { field, value: value.to_string(), sources: Vec::new() }).collect(),
            remediation: remediation.into(),
            deadline: None,
            days_left: None,
            identity_index: 0,
        };
        let item = Item { finding: &finding, steps: super::super::plan::split(&finding.remediation), phase: Phase::Read };
        let mut out = String::new();
        finding_block(&mut out, &item, &mut Vec::new(), true);
        out
    }

    #[test]
    fn a_printed_step_gates_the_changes_after_it() {
        // The usage location is a placeholder (printed): the license is not reprocessed until it is done.
        let block = block_of(&[("entra.usageLocation", "(empty)")], "Update-MgUser -UserId 'x' -UsageLocation '<ISO code>'\nInvoke-MgLicenseUser -UserId 'x'");
        assert!(block.contains("Write-ManualStep $f 1 'fill in the <placeholder> first: Update-MgUser -UserId ''x'' -UsageLocation ''<ISO code>''' -Gate -Next @('ExchangeOnline')"), "{block}");
        // The gate names what it guards: the script asks only when that would run (a destructive change
        // only with -IncludeDestructive).
        let block = block_of(&[("exo.holds", "litigation hold")], "# 1. decide\n# 2. release\nSet-Mailbox -Identity 'x' -LitigationHoldEnabled $false");
        assert!(block.contains("Write-ManualStep $f 1 '1. decide' -Gate -Next @('ExchangeOnline+Destructive')"), "{block}");
        assert!(block.contains("Invoke-Step $f 2 'ExchangeOnline'"), "{block}");
        // Nothing changes after it: no gate.
        let block = block_of(&[("entra.usageLocation", "(empty)")], "Update-MgUser -UserId 'x' -UsageLocation '<ISO code>'\nGet-MgUser -UserId 'x'");
        assert!(!block.contains("-Gate"), "{block}");
    }

    #[test]
    fn a_destructive_step_asks_to_confirm_what_only_the_other_shell_reads() {
        let block = block_of(&[("ad.Enabled", "false"), ("exo.holds", "litigation hold")], "Set-Mailbox -Identity 'x' -LitigationHoldEnabled $false");
        assert!(block.contains("-Destructive -Confirms 'ad.Enabled = false (OnPremises)' -Action {"), "{block}");
        // All of it read in the step's own shell: nothing to confirm.
        let block = block_of(&[("exo.holds", "litigation hold")], "Set-Mailbox -Identity 'x' -LitigationHoldEnabled $false");
        assert!(block.contains("-Destructive -Action {") && !block.contains("-Confirms"), "{block}");
        // A change that destroys nothing runs on this shell's reads alone.
        let block = block_of(&[("ad.Enabled", "false"), ("exo.holds", "litigation hold")], "Set-Mailbox -Identity 'x' -LitigationHoldEnabled $true");
        assert!(!block.contains("-Confirms"), "{block}");
    }

    fn plan(id: hybrid_audit_sdk::Guid, name: &str, enabled: bool, status: &str) -> ExchangePlan {
        ExchangePlan { plan_id: id, name: name.into(), enabled, status: status.into(), assigned: None }
    }

    #[test]
    fn exported_exchange_plans_compare_as_mailbox_plan_or_none() {
        let enterprise = MAILBOX_PLANS[1].0;
        // Written the way the findings write them (the SDK's rendering), alone and as lists.
        let cases = [
            (vec![plan(enterprise, "EXCHANGE_S_ENTERPRISE", true, "Enabled")], "mailbox plan"),
            (vec![plan(enterprise, "", true, "")], "mailbox plan"),
            (vec![plan(enterprise, "EXCHANGE_S_ENTERPRISE", false, "Deleted")], "none"),
            (vec![plan(EXCHANGE_FOUNDATION, "EXCHANGE_S_FOUNDATION", true, "Enabled")], "none"),
            (vec![plan(EXCHANGE_FOUNDATION, "EXCHANGE_S_FOUNDATION", true, "Enabled"), plan(MAILBOX_PLANS[0].0, "EXCHANGE_S_STANDARD", true, "Warning")], "mailbox plan"),
            (vec![], "none"),
        ];
        for (plans, want) in cases {
            let value = plans.render();
            assert_eq!(expected("entra.exchangePlans", &value), want, "{value}");
        }
        assert_eq!(expected("entra.exchangePlans", "(empty)"), "none");
    }

    #[test]
    fn an_ad_value_is_read_whole() {
        // A script block's output is unrolled: without the comma a 16-byte GUID reached ConvertTo-Comparable
        // as 16 numbers ('124; 229; …') and never equalled the exported GUID.
        let keys = Keys { exo: "'x'".into(), graph: "'u'".into(), ad: Some("'0ab1575e-8e4e-42aa-b7e8-679269b17a4a'".into()) };
        let (shell, expr) = live_reader("ad.msExchMailboxGuid", "4049f613-1d57-473a-9ec2-fc3749609b80", &keys).unwrap();
        assert_eq!((shell, expr.as_str()), (Shell::OnPremises, ",(Get-ADUser -Identity '0ab1575e-8e4e-42aa-b7e8-679269b17a4a' -Properties msExchMailboxGuid).msExchMailboxGuid"));
    }

    #[test]
    fn license_states_are_read_for_the_skus_the_export_named() {
        let keys = Keys { exo: "'x'".into(), graph: "'u@contoso.com'".into(), ad: None };
        let (shell, expr) = live_reader("entra.licenseAssignmentStates", "ENTERPRISEPACK: Error (CountViolation); 6fd2c87f-b296-42f0-b197-1e91e994b900: Active", &keys).unwrap();
        assert_eq!(shell, Shell::ExchangeOnline);
        assert_eq!(expr, "Get-LicenseStateText (Get-MgUser -UserId 'u@contoso.com' -Property licenseAssignmentStates) @('ENTERPRISEPACK', '6fd2c87f-b296-42f0-b197-1e91e994b900')");
        // Nothing exported: every live state is read, so any state at all is a change.
        let (_, all) = live_reader("entra.licenseAssignmentStates", "(empty)", &keys).unwrap();
        assert!(all.ends_with("@()"), "{all}");
        assert!(is_set("entra.licenseAssignmentStates") && is_set("entra.onPremisesProvisioningErrors"));
    }
}
