//! The remediation plan: each finding's remediation text cut into steps, each step classified by the
//! cmdlet it runs (where it runs, what it changes, whether it destroys anything), and the findings ordered
//! per identity by dependency. The Action plan sheet and remediation.ps1 are both written from it.

use crate::findings::{Audit, Finding};
use rayon::prelude::*;
use std::cmp::Reverse;

/// Where a step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shell {
    /// Exchange Online PowerShell and Microsoft Graph PowerShell.
    ExchangeOnline,
    /// On-prem: the ActiveDirectory module, the Exchange Management Shell, the Entra Connect server.
    OnPremises,
    /// Not a command this tool knows: for the operator to do by hand.
    Manual,
}

impl Shell {
    pub fn as_str(self) -> &'static str {
        match self {
            Shell::ExchangeOnline => "ExchangeOnline",
            Shell::OnPremises => "OnPremises",
            Shell::Manual => "Manual",
        }
    }
}

/// What a step changes, in the order the changes must happen for one person: holds are released or kept
/// before licenses change (a held mailbox refuses license removal), a stale previous-mailbox pointer is
/// cleared before a license is added (else a second mailbox is provisioned), licenses before directory
/// fixes, directory fixes before the sync that carries them, and moves last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Hold,
    PreviousMailbox,
    License,
    Directory,
    Sync,
    Move,
    /// Reads only (inspection before acting), or a manual note.
    Read,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Hold => "1 hold",
            Phase::PreviousMailbox => "2 previous mailbox",
            Phase::License => "3 license",
            Phase::Directory => "4 directory",
            Phase::Sync => "5 sync",
            Phase::Move => "6 move",
            Phase::Read => "read / manual",
        }
    }
}

/// One step of a finding's remediation.
#[derive(Debug)]
pub struct Step<'a> {
    /// 1-based within the finding.
    pub number: usize,
    /// The comment lines before the command (and its trailing comment).
    pub description: String,
    /// The command lines (empty for a manual step: only its description).
    pub command: Vec<&'a str>,
    pub shell: Shell,
    pub phase: Phase,
    /// Changes something (not only Get-* / Format-* / a comment).
    pub mutating: bool,
    /// Deletes or purges something, or clears attributes: never run by default.
    pub destructive: bool,
    /// The last command line without its trailing comment: what the step is shown as (`-WhatIf`).
    pub code: &'a str,
}

/// One finding's steps, in their own order.
pub struct Item<'a> {
    pub finding: &'a Finding,
    pub steps: Vec<Step<'a>>,
    /// The earliest phase among its changing steps: the finding's place in its identity's order.
    pub phase: Phase,
}

/// All findings with a remediation, grouped by identity (most urgent identity first), each identity's
/// findings in dependency order.
pub struct Plan<'a> {
    pub identities: Vec<Vec<Item<'a>>>,
}

impl<'a> Plan<'a> {
    pub fn of(audit: &'a Audit) -> Plan<'a> {
        // On every core: the plan is made before any report writer starts (0.043-0.047 s at 800k
        // identities on one core, 0.028-0.033 s on two; `child-reports` rounds 2-4).
        let mut items: Vec<Item<'a>> = audit.findings.par_iter().filter(|f| !f.remediation.trim().is_empty()).map(Item::of).collect();
        // Identity groups: by identity, then within it by phase, severity, check, id.
        items.par_sort_by(|a, b| {
            (a.finding.identity_index, a.phase, Reverse(a.finding.severity), &a.finding.check, &a.finding.id).cmp(&(
                b.finding.identity_index,
                b.phase,
                Reverse(b.finding.severity),
                &b.finding.check,
                &b.finding.id,
            ))
        });
        let mut identities: Vec<Vec<Item<'a>>> = Vec::new();
        for item in items {
            match identities.last_mut() {
                Some(group) if group[0].finding.identity_index == item.finding.identity_index => group.push(item),
                _ => identities.push(vec![item]),
            }
        }
        // Most urgent first: worst severity, nearest deadline, then name.
        let key = |g: &Vec<Item<'a>>| {
            let worst = g.iter().map(|i| i.finding.severity).max();
            let due = g.iter().filter_map(|i| i.finding.days_left).min().unwrap_or(i64::MAX);
            (Reverse(worst), due, g[0].finding.identity.upn.clone(), g[0].finding.identity_index)
        };
        identities.sort_by_cached_key(key);
        Plan { identities }
    }

    pub fn steps(&self) -> usize {
        self.identities.iter().flatten().map(|i| i.steps.len()).sum()
    }
}

impl<'a> Item<'a> {
    fn of(finding: &'a Finding) -> Item<'a> {
        let steps = split(&finding.remediation);
        let phase = steps.iter().filter(|s| s.mutating).map(|s| s.phase).min().unwrap_or(Phase::Read);
        Item { finding, steps, phase }
    }
}

/// Cuts a remediation text into steps: comment lines describe the next command; an assignment
/// (`$sku = …`) belongs to the command that uses it; comments left at the end are a manual step.
pub fn split(text: &str) -> Vec<Step<'_>> {
    let mut steps = Vec::new();
    let mut notes: Vec<&str> = Vec::new();
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            let comment = comment.trim();
            // Numbered comments are steps of their own: "1. save the content" before "2. take the plan
            // away" + its command is a step done by hand, not the command's description.
            if numbered(comment) && lines.is_empty() && notes.first().is_some_and(|n| numbered(n)) {
                steps.push(classify(steps.len() + 1, notes.join(" "), Vec::new()));
                notes.clear();
            }
            notes.push(comment);
            continue;
        }
        lines.push(trimmed);
        if trimmed.starts_with('$') && is_assignment(trimmed) {
            continue;
        }
        if let Some(trailing) = trailing_comment(trimmed) {
            notes.push(trailing);
        }
        steps.push(classify(steps.len() + 1, notes.join(" "), std::mem::take(&mut lines)));
        notes.clear();
    }
    if !lines.is_empty() || !notes.is_empty() {
        steps.push(classify(steps.len() + 1, notes.join(" "), lines));
    }
    steps
}

/// `1. …`, `2) …`
fn numbered(comment: &str) -> bool {
    let digits = comment.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && matches!(comment.as_bytes().get(digits), Some(b'.' | b')'))
}

/// The variable a line assigns (`$sku = …` → `sku`), if it is an assignment.
pub fn assigned_variable(line: &str) -> Option<&str> {
    let line = line.trim_start();
    (line.starts_with('$') && is_assignment(line)).then(|| line[1..].split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or(""))
}

fn is_assignment(line: &str) -> bool {
    let name_end = line[1..].find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).map(|i| i + 1).unwrap_or(line.len());
    line[name_end..].trim_start().starts_with('=') && !line[name_end..].trim_start().starts_with("==")
}

/// The text of a `#` comment that ends a command line (outside quotes), if any.
fn trailing_comment(line: &str) -> Option<&str> {
    code_end(line).map(|at| line[at + 1..].trim())
}

/// The byte offset of a line's trailing `#` comment, outside single and double quotes.
fn code_end(line: &str) -> Option<usize> {
    let (mut single, mut double) = (false, false);
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'#' if !single && !double && i > 0 && bytes[i - 1].is_ascii_whitespace() => return Some(i),
            _ => {}
        }
    }
    None
}

/// The `Verb-Noun` cmdlet names of a command line, in order (a pipeline or a subexpression has several).
fn cmdlets_of(code: &str) -> impl Iterator<Item = &str> {
    code.split(|c: char| c.is_whitespace() || c == '(' || c == '|' || c == '{' || c == ';').filter(|w| {
        let mut parts = w.splitn(2, '-');
        matches!((parts.next(), parts.next()), (Some(verb), Some(noun)) if verb.len() > 1 && verb.chars().all(|c| c.is_ascii_alphabetic()) && verb.starts_with(|c: char| c.is_ascii_uppercase()) && noun.starts_with(|c: char| c.is_ascii_uppercase()) && noun.chars().all(|c| c.is_ascii_alphanumeric()))
    })
}

fn is_reading(verb: &str) -> bool {
    matches!(verb, "Get" | "Test" | "Find" | "Search" | "Format" | "Measure" | "Select" | "Where" | "Sort" | "ForEach")
}

/// A command line with what its quotes hold left out (kept: the quote marks): the words that say what a step
/// does are the command's own, never an identity's (`legal.hold@contoso.com` is no hold step).
fn unquoted(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut quote = None;
    for c in code.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                out.push(c);
            }
            Some(_) => {}
            None => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

fn classify<'a>(number: usize, description: String, command: Vec<&'a str>) -> Step<'a> {
    let Some(last) = command.last() else {
        return Step { number, description, command, shell: Shell::Manual, phase: Phase::Read, mutating: false, destructive: false, code: "" };
    };
    let code = &last[..code_end(last).unwrap_or(last.len())];
    // The cmdlet that says what the step does: the first that changes something (`Get-X | Set-Y` changes
    // Y), else the first.
    let cmdlet = cmdlets_of(code).find(|c| !is_reading(c.split_once('-').map_or("", |(v, _)| v))).or_else(|| cmdlets_of(code).next());
    let (verb, noun) = cmdlet.and_then(|c| c.split_once('-')).unwrap_or(("", ""));
    let shell = match noun {
        n if n.starts_with("Mg") => Shell::ExchangeOnline,
        // The ADSync module lives on the Entra Connect server, neither shell the script runs in: printed.
        "ADSyncSyncCycle" => Shell::Manual,
        n if n.starts_with("AD") || n == "RemoteMailbox" => Shell::OnPremises,
        "Mailbox" | "User" | "MailUser" | "Recipient" | "MoveRequest" | "MailboxStatistics" | "MailboxRestoreRequest" | "OrganizationConfig" | "MigrationBatch" | "InboxRule" | "CASMailbox"
        | "MailboxFolderStatistics" => Shell::ExchangeOnline,
        // Security & Compliance PowerShell (Connect-IPPSSession: compliance searches, retention and case hold
        // policies) is neither shell the script runs in: printed for the operator, like any unknown cmdlet.
        _ => Shell::Manual,
    };
    let reading = is_reading(verb);
    let mutating = shell != Shell::Manual && !reading;
    let lower = unquoted(code).to_ascii_lowercase();
    // Releasing a hold is destructive too: what it preserved becomes purgeable.
    let releases_hold = lower.contains("-litigationholdenabled $false")
        || lower.contains("-removedelayholdapplied")
        || lower.contains("-removedelayreleaseholdapplied")
        || ((noun.ends_with("HoldPolicy") || noun == "RetentionCompliancePolicy") && lower.contains(" -remove"));
    // Taking a license away disconnects the mailbox it granted (deleted 30 days later); a step whose own
    // text says it is destructive (a disabled mailbox plan) is taken at its word.
    let removes_license = lower.contains("-removelicenses @(") && !lower.contains("-removelicenses @()");
    let said = description.to_ascii_lowercase().contains("(destructive");
    // Also for a command printed, not run (a compliance policy's, an unknown cmdlet's): the plan says so.
    let destructive = !reading
        && (verb == "Remove" || releases_hold || removes_license || said || lower.contains("-permanentlyclear") || lower.contains("-permanentlydelete") || lower.contains(" -clear "));
    let phase = if noun == "ADSyncSyncCycle" {
        Phase::Sync
    } else if !mutating {
        Phase::Read
    } else if lower.contains("hold") || noun.contains("HoldPolicy") || noun == "RetentionCompliancePolicy" {
        Phase::Hold
    } else if lower.contains("-permanentlyclearpreviousmailboxinfo") {
        Phase::PreviousMailbox
    } else if noun.contains("License") || lower.contains("-usagelocation") {
        Phase::License
    } else if matches!(noun, "MoveRequest" | "MailboxRestoreRequest" | "MigrationBatch") {
        Phase::Move
    } else {
        Phase::Directory
    };
    Step { number, description, command, shell, phase, mutating, destructive, code: code.trim_end() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_take_their_comments_and_assignments() {
        let text = "# 1. save first\n# 2. take the plan away\n$sku = (Get-MgUserLicenseDetail -UserId 'a@b.c').SkuId\nSet-MgUserLicense -UserId 'a@b.c' -AddLicenses @() -RemoveLicenses @()\n# 3. clear\nSet-User -Identity 'a@b.c' -PermanentlyClearPreviousMailboxInfo";
        let steps = split(text);
        assert_eq!(steps.len(), 3);
        assert_eq!((steps[0].description.as_str(), steps[0].command.len(), steps[0].shell), ("1. save first", 0, Shell::Manual));
        assert_eq!(steps[1].command.len(), 2);
        assert_eq!(steps[1].description, "2. take the plan away");
        assert_eq!((steps[1].shell, steps[1].phase, steps[1].destructive), (Shell::ExchangeOnline, Phase::License, false));
        assert_eq!((steps[2].phase, steps[2].destructive), (Phase::PreviousMailbox, true));
    }

    #[test]
    fn trailing_comments_are_notes_and_quotes_are_respected() {
        let steps = split("Set-Mailbox -Identity 'a#b' -LitigationHoldEnabled $false  # and the cases\n# different people: rename instead");
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].description, "and the cases");
        assert_eq!(steps[0].phase, Phase::Hold);
        assert_eq!((steps[1].shell, steps[1].mutating, steps[1].command.len()), (Shell::Manual, false, 0));
    }

    #[test]
    fn shells_and_phases_follow_the_cmdlet() {
        let one = |t| {
            let s = split(t);
            (s[0].shell, s[0].phase, s[0].mutating, s[0].destructive)
        };
        assert_eq!(one("Set-RemoteMailbox -Identity 'x' -ExchangeGuid 'g'"), (Shell::OnPremises, Phase::Directory, true, false));
        // The ADSync module is on the Entra Connect server: printed, never run in either shell.
        assert_eq!(one("Start-ADSyncSyncCycle -PolicyType Delta"), (Shell::Manual, Phase::Sync, false, false));
        assert_eq!(one("New-MoveRequest -Identity 'x' -Remote"), (Shell::ExchangeOnline, Phase::Move, true, false));
        assert_eq!(one("Get-ADObject -Identity 'g' -IncludeDeletedObjects"), (Shell::OnPremises, Phase::Read, false, false));
        assert_eq!(one("Set-ADUser -Identity 's' -Clear msExchHomeServerName,homeMDB"), (Shell::OnPremises, Phase::Directory, true, true));
        assert_eq!(one("Invoke-Frobnicate -Now"), (Shell::Manual, Phase::Read, false, false));
        // Releasing a hold makes what it preserved purgeable: destructive; placing one is not.
        assert_eq!(one("Set-Mailbox -Identity 'x' -LitigationHoldEnabled $false"), (Shell::ExchangeOnline, Phase::Hold, true, true));
        assert_eq!(one("Set-Mailbox -Identity 'x' -RemoveDelayReleaseHoldApplied"), (Shell::ExchangeOnline, Phase::Hold, true, true));
        assert_eq!(one("Set-Mailbox -Identity 'x' -LitigationHoldEnabled $true"), (Shell::ExchangeOnline, Phase::Hold, true, false));
        // Security & Compliance cmdlets need Connect-IPPSSession, neither shell of the script: printed, and a
        // release still says it is destructive.
        assert_eq!(one("Set-CaseHoldPolicy -Identity 'p' -RemoveExchangeLocation 'x@contoso.com'"), (Shell::Manual, Phase::Read, false, true));
        assert_eq!(one("Get-RetentionCompliancePolicy -Identity 'p' -DistributionDetail"), (Shell::Manual, Phase::Read, false, false));
        assert_eq!(one("Remove-Frobnicate -Identity 'x'"), (Shell::Manual, Phase::Read, false, true));
        // What an identity is called says nothing of what the step does.
        assert_eq!(one("Set-MgUserLicense -UserId 'legal.hold@contoso.com' -AddLicenses @() -RemoveLicenses @()"), (Shell::ExchangeOnline, Phase::License, true, false));
        // A pipeline changes what its changing cmdlet changes.
        assert_eq!(one("Get-Mailbox -Identity 'x' | Set-Mailbox -HiddenFromAddressListsEnabled $true"), (Shell::ExchangeOnline, Phase::Directory, true, false));
        // Taking a license away disconnects the mailbox: destructive; a step that says so is too.
        assert_eq!(one("Set-MgUserLicense -UserId 'x' -AddLicenses @() -RemoveLicenses @('sku')"), (Shell::ExchangeOnline, Phase::License, true, true));
        let said = split("# 2. take the plan away (destructive: the mailbox is disconnected)\nSet-MgUserLicense -UserId 'x' -AddLicenses @(@{SkuId = 's'; DisabledPlans = @('p')}) -RemoveLicenses @()");
        assert!(said[0].destructive && said[0].mutating);
    }
}
