<#
.SYNOPSIS
    Remediation steps written by hybrid-audit from an offline audit. Read every step before running any.

.DESCRIPTION
    One block per finding, grouped per person (most urgent first) and ordered by dependency: holds are
    released or kept before licenses change, a stale previous-mailbox pointer is cleared before a license
    is added, licenses before directory fixes, directory fixes before the sync that carries them, moves last.

    Before the first change of a finding, the values the finding rests on are read again from the live
    tenant (for example: the cloud ExchangeGuid still equals the exported one). When one no longer does,
    the whole finding is skipped with a message: the tenant changed since the export, audit it again.

    Nothing runs by default:
      - without -Reviewed (or -WhatIf) the script stops at once;
      - every change asks for confirmation (ConfirmImpact High) unless you pass -Confirm:$false;
      - a step that deletes, purges or clears data, or releases a hold, runs only with -IncludeDestructive;
      - a step with a placeholder (<...>) or a cmdlet this tool does not know is printed, never run
        (the SKU that licenses mailboxes is the one placeholder you can give once: -MailboxSku);
      - a step to do by hand, or printed, that later steps depend on asks whether it is done;
      - a change that is not made (declined, or waiting for -MailboxSku or -IncludeDestructive) holds back
        the steps of its finding after it;
      - a destructive step that rests on values only the other shell can read asks you to confirm them.

    Run it twice, in the two shells the steps need:
      -Shell ExchangeOnline   after Connect-ExchangeOnline and Connect-MgGraph
                              (scopes User.ReadWrite.All, Directory.ReadWrite.All)
      -Shell OnPremises       in the Exchange Management Shell with the ActiveDirectory module
    A sync (Start-ADSyncSyncCycle) is printed: it runs on the Entra Connect server.
    Each run does the steps of its shell and says which ones wait for the other.

.PARAMETER Shell
    ExchangeOnline or OnPremises: which steps to run (see above).

.PARAMETER Reviewed
    You read this script. Without it, and without -WhatIf, nothing runs.

.PARAMETER IncludeDestructive
    Also run the steps that delete, purge or clear data, or release a hold (marked DESTRUCTIVE). Only with
    -Finding: the script refuses it alone.

.PARAMETER Finding
    Only these finding ids (as in findings.json, audit.xlsx and report.html).

.PARAMETER MailboxSku
    The SkuPartNumber of the SKU that licenses mailboxes in this tenant (for example EXCHANGESTANDARD or
    ENTERPRISEPACK; Get-MgSubscribedSku -All lists them). The license steps written with that <placeholder>
    run with it; without it they are printed and left waiting. Checked first, in the ExchangeOnline shell:
    the tenant must have the SKU, and it must carry an Exchange plan that grants a mailbox.

.EXAMPLE
    .\remediation.ps1 -Shell ExchangeOnline -WhatIf
    Shows what would change, reading the live values but changing nothing.

.EXAMPLE
    .\remediation.ps1 -Shell OnPremises -Reviewed -Finding GUID002-0123456789abcdef
    Runs the on-prem steps of one finding, asking before each change.
#>
[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
param(
    [Parameter(Mandatory = $true)]
    [ValidateSet('ExchangeOnline', 'OnPremises')]
    [string] $Shell,

    [switch] $Reviewed,

    [switch] $IncludeDestructive,

    [string[]] $Finding,

    [string] $MailboxSku
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
# Module functions (Microsoft Graph's, the Exchange proxies of implicit remoting) do not see this script's
# $ErrorActionPreference: their errors stay non-terminating, so a failed step would count as done and a
# failed live read as an empty value. Every command this script calls gets -ErrorAction Stop by default
# (a copy of the operator's defaults, in this script's scope only).
$defaults = @{}
foreach ($key in $PSDefaultParameterValues.Keys) { $defaults[$key] = $PSDefaultParameterValues[$key] }
$defaults['*:ErrorAction'] = 'Stop'
$PSDefaultParameterValues = $defaults
$script:Caller = $PSCmdlet
$script:Tally = @{ Done = 0; Skipped = 0; Failed = 0; Waiting = 0; Declined = 0 }

# Destructive steps are reviewed one finding at a time: never all of them in one go.
if ($IncludeDestructive -and -not $Finding) {
    throw '-IncludeDestructive needs -Finding: name the findings whose destructive steps you reviewed (their ids are in each block)'
}

if (-not $Reviewed -and -not $WhatIfPreference) {
    Write-Warning 'Nothing was run. Read this script, run it with -WhatIf, then run it again with -Reviewed.'
    return
}

# A live value as text, the way the export wrote it: GUIDs from 16-byte AD values, lists joined by '; '.
function ConvertTo-Comparable {
    param($Value)
    if ($null -eq $Value) { return '' }
    if ($Value -is [byte[]]) {
        if ($Value.Length -eq 16) { return ([guid]::new($Value)).ToString() }
        return [Convert]::ToBase64String($Value)
    }
    if ($Value -is [System.Collections.IEnumerable] -and $Value -isnot [string]) {
        return (@($Value | ForEach-Object { ConvertTo-Comparable $_ }) -join '; ')
    }
    return "$Value"
}

# A '; '-joined list in one order, for comparing multi-valued attributes whatever order they come in.
function ConvertTo-SortedList {
    param([string] $Text)
    return (@($Text -split '; ' | Where-Object { $_ -ne '' } | Sort-Object) -join '; ')
}

# 'on hold' when the mailbox carries a hold the audit counts (litigation hold; InPlaceHolds entries except
# exclusions, which start with '-'; retention label hold; delay and delay-release holds), else 'none'.
# RetentionHoldEnabled is not a hold: it only pauses retention processing.
function Get-HoldState {
    param($Mailbox)
    $inPlace = @($Mailbox.InPlaceHolds | Where-Object { $_ -and -not "$_".Trim().StartsWith('-') })
    if ($Mailbox.LitigationHoldEnabled -or $inPlace.Count -gt 0 -or $Mailbox.ComplianceTagHoldApplied -or $Mailbox.DelayHoldApplied -or $Mailbox.DelayReleaseHoldApplied) {
        return 'on hold'
    }
    return 'none'
}

# 'mailbox plan' when the Entra user (Get-MgUser -Property assignedPlans) holds an enabled plan that grants a
# mailbox (the plan ids the audit uses are passed in), else 'none'. EXCHANGE_S_FOUNDATION grants none.
function Get-MailboxPlanState {
    param($User, [string[]] $MailboxPlans)
    $granting = @($User.AssignedPlans | Where-Object { "$($_.ServicePlanId)" -in $MailboxPlans -and "$($_.CapabilityStatus)" -in @('Enabled', 'Warning') })
    if ($granting.Count -gt 0) { return 'mailbox plan' }
    return 'none'
}

# The Entra user's license assignment states (Get-MgUser -Property licenseAssignmentStates) as the audit
# writes them, 'SKU: State' then ' (error)' unless the error is None, for the SKUs named (by part number or
# SkuId, as the export named them); every state when none is named.
$script:SkuNames = $null
function Get-LicenseStateText {
    param($User, [string[]] $Sku)
    if ($null -eq $script:SkuNames) {
        # Kept only once complete: a failed lookup is tried again, not left as an empty table.
        $names = @{}
        foreach ($s in Get-MgSubscribedSku -All) { $names["$($s.SkuId)"] = $s.SkuPartNumber }
        $script:SkuNames = $names
    }
    foreach ($state in $User.LicenseAssignmentStates) {
        $id = "$($state.SkuId)"
        $part = $script:SkuNames[$id]
        $name = if ($Sku.Count -eq 0) { if ($part) { $part } else { $id } }
                else { $Sku | Where-Object { $_ -eq $id -or $_ -eq $part } | Select-Object -First 1 }
        if (-not $name) { continue }
        $why = if ("$($state.Error)" -in @('', 'None')) { '' } else { " ($($state.Error))" }
        '{0}: {1}{2}' -f $name, $state.State, $why
    }
}

# The Entra user's on-premises provisioning errors (Get-MgUser -Property onPremisesProvisioningErrors) as
# the audit writes them: 'Category Property = Value'.
function Get-ProvisioningErrorText {
    param($User)
    foreach ($e in $User.OnPremisesProvisioningErrors) { '{0} {1} = {2}' -f $e.Category, $e.PropertyCausingError, $e.Value }
}

# Re-reads the finding's preconditions that this shell can read; the finding goes ahead only if each
# live value still equals the exported one ('' = empty). Comparison is case-insensitive, as the tenant's.
# $Acts: the shells in which the finding has a step this script runs ('Shell+MailboxSku': only with
# -MailboxSku); in the others nothing of it changes here, so nothing is read (its steps by hand and those
# of the other shell are only printed).
function Start-Finding {
    param([string] $Id, [string] $Identity, [string[]] $Acts, [object[]] $Preconditions)
    $here = @($Acts | Where-Object { $_ -eq $Shell -or ($MailboxSku -and $_ -eq "$Shell+MailboxSku") })
    $state = [pscustomobject]@{ Id = $Id; Go = $true; Acts = ($here.Count -gt 0) }
    if ($Finding -and $Id -notin $Finding) {
        $state.Go = $false
        return $state
    }
    if (-not $state.Acts) { return $state }
    foreach ($p in $Preconditions) {
        if ($p.Shell -ne $Shell) { continue }
        try {
            $live = ConvertTo-Comparable (& $p.Live)
        }
        catch {
            Write-Warning ('{0}: skipped, cannot read {1} of {2} live: {3}' -f $Id, $p.Field, $Identity, $_.Exception.Message)
            $script:Tally.Skipped++
            $state.Go = $false
            return $state
        }
        # By key: under strict mode a key the hashtable lacks is an error when read as a property.
        $same = if ($p['Set']) { (ConvertTo-SortedList $live) -eq (ConvertTo-SortedList $p.Expected) }
                elseif ($p.Expected -eq '') { $live -eq '' }
                else { $live -eq $p.Expected }
        if (-not $same) {
            Write-Warning ("{0}: skipped, {1} of {2} is now '{3}', not '{4}' as exported: the tenant changed since the audit, audit again" -f $Id, $p.Field, $Identity, $live, $p.Expected)
            $script:Tally.Skipped++
            $state.Go = $false
            return $state
        }
    }
    return $state
}

# -MailboxSku, when given, checked once before any step: the tenant has the SKU and one of its plans grants
# a mailbox ($MailboxPlans: the plan ids the audit counts; EXCHANGE_S_FOUNDATION is not one).
function Test-MailboxSku {
    param([string[]] $MailboxPlans)
    if (-not $MailboxSku -or $Shell -ne 'ExchangeOnline') { return }
    $sku = @(Get-MgSubscribedSku -All | Where-Object SkuPartNumber -eq $MailboxSku)
    if ($sku.Count -eq 0) {
        throw ('-MailboxSku {0}: the tenant has no SKU of that SkuPartNumber (Get-MgSubscribedSku -All | Select-Object SkuPartNumber lists them)' -f $MailboxSku)
    }
    $granting = @($sku[0].ServicePlans | Where-Object { "$($_.ServicePlanId)" -in $MailboxPlans })
    if ($granting.Count -eq 0) {
        throw ('-MailboxSku {0}: none of its plans grants a mailbox (it needs Exchange Online Plan 1 or 2, or Kiosk)' -f $MailboxSku)
    }
}

# Runs one step of a finding: in its shell only, destructive ones only when asked, each change through
# ShouldProcess (-WhatIf / -Confirm). A failing step stops the rest of its finding, and so does a change of
# this shell that is not made (it waits for -MailboxSku or -IncludeDestructive, or the operator said no):
# the steps after it rest on it. $Confirms: what this destructive step rests on that only the other shell
# can read; the operator must say it still holds, even under -Confirm:$false.
function Invoke-Step {
    param($State, [int] $Step, [string] $StepShell, [string] $Target, [string] $Command, [switch] $ReadOnly, [switch] $NeedsMailboxSku, [switch] $Destructive, [string] $Confirms, [string[]] $Shows, [scriptblock] $Prepare, [scriptblock] $Action)
    if (-not $State.Go) { return }
    if ($StepShell -ne $Shell) {
        Write-Host ('{0} step {1}: runs with -Shell {2}' -f $State.Id, $Step, $StepShell)
        $script:Tally.Waiting++
        return
    }
    if ($NeedsMailboxSku) {
        if (-not $MailboxSku) {
            Write-Host ('{0} step {1}: runs with -MailboxSku <SkuPartNumber>, the SKU that licenses mailboxes in this tenant: {2}' -f $State.Id, $Step, $Command)
            Stop-Finding $State $Step
            return
        }
    }
    if ($Destructive -and -not $IncludeDestructive) {
        Write-Warning ('{0} step {1}: not run, it deletes or clears data or releases a hold; review it, then run with -IncludeDestructive -Finding {0}' -f $State.Id, $Step)
        Stop-Finding $State $Step
        return
    }
    if ($Confirms -and -not $WhatIfPreference -and -not $script:Caller.ShouldContinue(('{0} (this shell cannot read it: check it in the other one)' -f $Confirms), ('{0} step {1}: does this still hold?' -f $State.Id, $Step))) {
        Write-Warning ('{0}: skipped, step {1} rests on what was not confirmed: {2}' -f $State.Id, $Step, $Confirms)
        $script:Tally.Skipped++
        $State.Go = $false
        return
    }
    if ($Prepare) {
        # The reads the command rests on, in this scope (the action sees them), shown with the command.
        try {
            . $Prepare
        }
        catch {
            Stop-FailedStep $State $Step $_
            return
        }
        $values = foreach ($name in $Shows) { '${0} = {1}' -f $name, (Format-Shown (Get-Variable -Name $name -ValueOnly)) }
        $Command = '{0}   [{1}]' -f $Command, ($values -join '; ')
    }
    if (-not $ReadOnly -and -not $script:Caller.ShouldProcess($Target, $Command)) {
        # -WhatIf goes on to show the steps after it; a "no" stops them.
        if (-not $WhatIfPreference) { Stop-Finding $State $Step -Declined }
        return
    }
    try {
        & $Action
        $script:Tally.Done++
    }
    catch {
        Stop-FailedStep $State $Step $_
    }
}

# A step that failed (its reads or its change): the rest of its finding is skipped.
function Stop-FailedStep {
    param($State, [int] $Step, $ErrorRecord)
    Write-Warning ('{0} step {1} failed: {2}; the rest of this finding is skipped' -f $State.Id, $Step, $ErrorRecord.Exception.Message)
    $script:Tally.Failed++
    $State.Go = $false
}

# A value a step's command rests on, as -WhatIf and -Confirm show it: texts and GUIDs as they are, a license
# by its SkuPartNumber or SkuId, a list joined by ', ', nothing as (none).
function Format-Shown {
    param($Value)
    $items = @($Value | Where-Object { $null -ne $_ } | ForEach-Object {
        if ($_ -is [string] -or $_ -is [guid] -or $_ -is [ValueType]) { "$_" }
        elseif ($_.PSObject.Properties['SkuPartNumber']) { "$($_.SkuPartNumber)" }
        elseif ($_.PSObject.Properties['SkuId']) { "$($_.SkuId)" }
        else { $_.GetType().Name }
    })
    if ($items.Count -eq 0) { return '(none)' }
    return ($items -join ', ')
}

# A step this finding shares with one above, written there once: said, so that -Finding naming only this
# finding does not end in silence.
function Write-SharedStep {
    param($State, [int] $Step, [string] $Other, [int] $OtherStep)
    if (-not $State.Go) { return }
    $also = if ($Finding -and $Other -notin $Finding) { (' (not selected: add -Finding {0})' -f $Other) } else { '' }
    Write-Host ('{0} step {1}: is step {2} of {3}{4}' -f $State.Id, $Step, $OtherStep, $Other, $also)
}

# A change of this shell that was not made: the finding's later steps wait for it.
function Stop-Finding {
    param($State, [int] $Step, [switch] $Declined)
    if ($State.Go) { Write-Host ('{0}: its steps after step {1} wait for it' -f $State.Id, $Step) }
    if ($Declined) { $script:Tally.Declined++ } else { $script:Tally.Waiting++ }
    $State.Go = $false
}

# Whether a change described as 'Shell[+Destructive][+MailboxSku]' runs in this invocation.
function Test-WouldRun {
    param([string] $Change)
    $parts = $Change -split '\+'
    if ($parts[0] -ne $Shell) { return $false }
    if ($parts -contains 'Destructive' -and -not $IncludeDestructive) { return $false }
    if ($parts -contains 'MailboxSku' -and -not $MailboxSku) { return $false }
    return $true
}

# A step to do by hand, printed when its finding goes ahead. With -Gate the finding's next steps depend
# on it (save the content before the license goes): where one of them ($Next) runs in this invocation, the
# operator must say it is done, even under -Confirm:$false; otherwise the rest of the finding is skipped.
function Write-ManualStep {
    param($State, [int] $Step, [string] $Text, [switch] $Gate, [string[]] $Next)
    if (-not $State.Go) { return }
    Write-Host ('{0} step {1}, by hand: {2}' -f $State.Id, $Step, $Text)
    $guards = @($Next | Where-Object { Test-WouldRun $_ }).Count -gt 0
    if ($Gate -and $guards -and $State.Acts -and -not $WhatIfPreference -and -not $script:Caller.ShouldContinue($Text, ('{0} step {1}: done, and go on with the steps after it? (No: skip them)' -f $State.Id, $Step))) {
        Write-Warning ('{0}: the rest of this finding is skipped until step {1} is done' -f $State.Id, $Step)
        $script:Tally.Skipped++
        $State.Go = $false
    }
}

# Audit as of 2026-11-22: 44 findings; 44 with a remediation, 75 steps.
$MailboxPlans = @('9aaf7827-d63c-4b61-89c3-182f06f82e5c', 'efb87545-963c-4e0d-99df-69c6916d9eb0', '4a82b400-a79f-41a4-b4e2-e94f5787b113', '1126bef5-da20-4f07-b45e-ad25d2581aa8', 'e9b4930a-925f-45e2-ac2a-3f7788ca6fdd', '8c3069c0-ccdb-44be-ab77-986203a67df2', '88f4d7ef-a73b-4246-8047-516022144c9f', 'fc52cc4b-ed7d-472d-bbe7-b081c23ecc56', 'd42bdbd6-c335-4231-ab3d-c8f348d5aff5', '90927877-dcff-4af6-b346-2332c0b15bb7')
Test-MailboxSku $MailboxPlans

# ==== luke.lang@contoso.com ====

# --- LIC001-34b0bcda51fcc3cc · critical · LIC001 (license-grace-expiry) ---
# UserMailbox luke.lang@contoso.com has no mailbox-granting Exchange plan (plans: none): grace started 2026-10-28 (WhenMailboxCreated), deletion due 2026-11-27, 5 days left
# deadline 2026-11-27: 5 days left the audit
# precondition, re-read live before the first change:
#   exo.RecipientTypeDetails = UserMailbox (ExchangeOnline)
#   exo.holds = none (ExchangeOnline)
#   entra.exchangePlans = none (ExchangeOnline)
# not re-read live (check by hand if in doubt): exo.WhenMailboxCreated
$f = Start-Finding -Id 'LIC001-34b0bcda51fcc3cc' -Identity 'luke.lang@contoso.com' -Acts @('ExchangeOnline+MailboxSku') -Preconditions @(
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'UserMailbox'; Live = { (Get-Recipient -Identity '22c4bb69-0864-4453-8751-33ed1697ae43').RecipientTypeDetails } }
    @{ Field = 'exo.holds'; Shell = 'ExchangeOnline'; Expected = 'none'; Live = { Get-HoldState (Get-Mailbox -Identity '22c4bb69-0864-4453-8751-33ed1697ae43') } }
    @{ Field = 'entra.exchangePlans'; Shell = 'ExchangeOnline'; Expected = 'none'; Live = { Get-MailboxPlanState (Get-MgUser -UserId 'dbe33189-ac83-4528-b209-b2ec1c2225c5' -Property assignedPlans) $MailboxPlans } }
)
# step 1 (3 license, ExchangeOnline): license the mailbox before it is deleted (the SKU you license mailboxes with; EXCHANGESTANDARD = Exchange Online Plan 1)
Invoke-Step $f 1 'ExchangeOnline' -Target 'luke.lang@contoso.com' -Command 'Set-MgUserLicense -UserId ''luke.lang@contoso.com'' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()' -NeedsMailboxSku -Shows @('sku', 'off') -Prepare {
    $sku = (Get-MgSubscribedSku -All | Where-Object SkuPartNumber -eq $MailboxSku).SkuId; if (@($sku | Where-Object { $_ }).Count -ne 1) { throw ('{0} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)' -f @($sku | Where-Object { $_ }).Count) }
    $off = @(Get-MgUserLicenseDetail -UserId 'luke.lang@contoso.com' | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object { $_.ProvisioningStatus -eq 'Disabled' -and $_.ServicePlanName -notmatch '^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)' } | Select-Object -ExpandProperty ServicePlanId)
} -Action {
    Set-MgUserLicense -UserId 'luke.lang@contoso.com' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()
}

# ==== pete.park@contoso.com ====

# --- PRT001-d7d3e2116433fc76 · critical · PRT001 (previous-recipient-type-duplicate-risk) ---
# MailUser pete.park@contoso.com carries on-prem ExchangeGuid 14187145-7986-434b-b420-887554324e68 but PreviousRecipientTypeDetails is UserMailbox: it is licensed, so Exchange Online can provision a second, blank cloud mailbox at any time
# precondition, re-read live before the first change:
#   exo.RecipientTypeDetails = MailUser (ExchangeOnline)
#   exo.ExchangeGuid = 14187145-7986-434b-b420-887554324e68 (ExchangeOnline)
#   exo.PreviousRecipientTypeDetails = UserMailbox (ExchangeOnline)
#   entra.exchangePlans = mailbox plan (ExchangeOnline)
# not re-read live (check by hand if in doubt): exo.previousMailboxes
$f = Start-Finding -Id 'PRT001-d7d3e2116433fc76' -Identity 'pete.park@contoso.com' -Acts @('ExchangeOnline') -Preconditions @(
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'MailUser'; Live = { (Get-Recipient -Identity '91bc1bb7-a15b-4bd3-862b-1ad8ba94b43e').RecipientTypeDetails } }
    @{ Field = 'exo.ExchangeGuid'; Shell = 'ExchangeOnline'; Expected = '14187145-7986-434b-b420-887554324e68'; Live = { (Get-Recipient -Identity '91bc1bb7-a15b-4bd3-862b-1ad8ba94b43e').ExchangeGuid } }
    @{ Field = 'exo.PreviousRecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'UserMailbox'; Live = { (Get-User -Identity '91bc1bb7-a15b-4bd3-862b-1ad8ba94b43e').PreviousRecipientTypeDetails } }
    @{ Field = 'entra.exchangePlans'; Shell = 'ExchangeOnline'; Expected = 'mailbox plan'; Live = { Get-MailboxPlanState (Get-MgUser -UserId 'cd76fe75-361e-45cc-b2d0-85c43ceab178' -Property assignedPlans) $MailboxPlans } }
)
# step 1 (read / manual, ExchangeOnline): soft-deleted previous mailbox: purged by the next line
Invoke-Step $f 1 'ExchangeOnline' -Target 'pete.park@contoso.com' -Command 'Get-MailboxStatistics -Identity ''e19161f4-6f16-448d-8e32-f9b79981e564'' -IncludeSoftDeletedRecipients | Format-List DisplayName,ItemCount,TotalItemSize' -ReadOnly -Action {
    Get-MailboxStatistics -Identity 'e19161f4-6f16-448d-8e32-f9b79981e564' -IncludeSoftDeletedRecipients | Format-List DisplayName,ItemCount,TotalItemSize  # soft-deleted previous mailbox: purged by the next line
}
# step 2 (read / manual, Manual): 1. save what the previous mailbox holds, if it must be kept, before the purge: restore it (New-MailboxRestoreRequest, see LIC002, and wait until Get-MailboxRestoreRequest shows it Completed) or export it
Write-ManualStep $f 2 '1. save what the previous mailbox holds, if it must be kept, before the purge: restore it (New-MailboxRestoreRequest, see LIC002, and wait until Get-MailboxRestoreRequest shows it Completed) or export it' -Gate -Next @('ExchangeOnline+Destructive')
# step 3 (2 previous mailbox, ExchangeOnline, DESTRUCTIVE): 2. then clear the previous mailbox's record now, before any license change
Invoke-Step $f 3 'ExchangeOnline' -Target 'pete.park@contoso.com' -Command 'Set-User -Identity ''pete.park@contoso.com'' -PermanentlyClearPreviousMailboxInfo' -Destructive -Action {
    Set-User -Identity 'pete.park@contoso.com' -PermanentlyClearPreviousMailboxInfo  # now, before any license change
}

# --- LIC002-39e9140d404fdb42 · high · LIC002 (soft-deleted-purge) ---
# UserMailbox of pete.park@contoso.com soft-deleted 2026-11-02: purge due 2026-12-02, 10 days left; its AD account is still enabled
# deadline 2026-12-02: 10 days left the audit
# precondition, re-read live before the first change:
#   ad.Enabled = true (OnPremises)
# not re-read live (check by hand if in doubt): exo.previousMailboxes
$f = Start-Finding -Id 'LIC002-39e9140d404fdb42' -Identity 'pete.park@contoso.com' -Acts @() -Preconditions @(
    @{ Field = 'ad.Enabled'; Shell = 'OnPremises'; Expected = 'true'; Live = { ,(Get-ADUser -Identity '49fc8de6-b9d4-457d-b8a6-37c0477f039e' -Properties Enabled).Enabled } }
)
# step 1 (4 directory, ExchangeOnline): to keep its content, restore it before 2026-12-02 (there is no active mailbox to restore into: restore the user first, or pick another target mailbox); the target takes the source's LegacyExchangeDN as an X500 address, so replies to old messages still reach it
#   $source = Get-Mailbox -SoftDeletedMailbox -Identity 'e19161f4-6f16-448d-8e32-f9b79981e564'
#   Set-Mailbox -Identity '<target mailbox>' -EmailAddresses @{Add = "X500:$($source.LegacyExchangeDN)"}
Write-ManualStep $f 1 'fill in the <placeholder> first: $source = Get-Mailbox -SoftDeletedMailbox -Identity ''e19161f4-6f16-448d-8e32-f9b79981e564''; Set-Mailbox -Identity ''<target mailbox>'' -EmailAddresses @{Add = "X500:$($source.LegacyExchangeDN)"}'
# step 2 (6 move, ExchangeOnline)
#   New-MailboxRestoreRequest -SourceMailbox 'e19161f4-6f16-448d-8e32-f9b79981e564' -TargetMailbox (Get-Mailbox -Identity '<target mailbox>').ExchangeGuid.ToString()
Write-ManualStep $f 2 'fill in the <placeholder> first: New-MailboxRestoreRequest -SourceMailbox ''e19161f4-6f16-448d-8e32-f9b79981e564'' -TargetMailbox (Get-Mailbox -Identity ''<target mailbox>'').ExchangeGuid.ToString()'

# --- PROV006-b2cdc012b98a4feb · info · PROV006 (awaiting-migration) ---
# on-prem UserMailbox pete.park@contoso.com awaits migration: licensed (EXCHANGE_S_ENTERPRISE), cloud MailUser carries the on-prem ExchangeGuid 14187145-7986-434b-b420-887554324e68
# precondition, re-read live before the first change:
#   ad.msExchRecipientTypeDetails = 1 (OnPremises)
#   ad.msExchMailboxGuid = 14187145-7986-434b-b420-887554324e68 (OnPremises)
#   exo.RecipientTypeDetails = MailUser (ExchangeOnline)
#   exo.ExchangeGuid = 14187145-7986-434b-b420-887554324e68 (ExchangeOnline)
#   entra.exchangePlans = mailbox plan (ExchangeOnline)
$f = Start-Finding -Id 'PROV006-b2cdc012b98a4feb' -Identity 'pete.park@contoso.com' -Acts @() -Preconditions @(
    @{ Field = 'ad.msExchRecipientTypeDetails'; Shell = 'OnPremises'; Expected = '1'; Live = { ,(Get-ADUser -Identity '49fc8de6-b9d4-457d-b8a6-37c0477f039e' -Properties msExchRecipientTypeDetails).msExchRecipientTypeDetails } }
    @{ Field = 'ad.msExchMailboxGuid'; Shell = 'OnPremises'; Expected = '14187145-7986-434b-b420-887554324e68'; Live = { ,(Get-ADUser -Identity '49fc8de6-b9d4-457d-b8a6-37c0477f039e' -Properties msExchMailboxGuid).msExchMailboxGuid } }
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'MailUser'; Live = { (Get-Recipient -Identity '91bc1bb7-a15b-4bd3-862b-1ad8ba94b43e').RecipientTypeDetails } }
    @{ Field = 'exo.ExchangeGuid'; Shell = 'ExchangeOnline'; Expected = '14187145-7986-434b-b420-887554324e68'; Live = { (Get-Recipient -Identity '91bc1bb7-a15b-4bd3-862b-1ad8ba94b43e').ExchangeGuid } }
    @{ Field = 'entra.exchangePlans'; Shell = 'ExchangeOnline'; Expected = 'mailbox plan'; Live = { Get-MailboxPlanState (Get-MgUser -UserId 'cd76fe75-361e-45cc-b2d0-85c43ceab178' -Property assignedPlans) $MailboxPlans } }
)
# step 1 (6 move, ExchangeOnline): when its batch is due (Exchange Online PowerShell; the endpoint is your hybrid MRS proxy)
#   New-MoveRequest -Identity 'pete.park@contoso.com' -Remote -RemoteHostName '<hybrid endpoint FQDN>' -TargetDeliveryDomain 'contoso.mail.onmicrosoft.com' -RemoteCredential (Get-Credential)
Write-ManualStep $f 1 'fill in the <placeholder> first: New-MoveRequest -Identity ''pete.park@contoso.com'' -Remote -RemoteHostName ''<hybrid endpoint FQDN>'' -TargetDeliveryDomain ''contoso.mail.onmicrosoft.com'' -RemoteCredential (Get-Credential)'

# ==== doris.diaz@contoso.com ====

# --- GUID004-d21d1509ae7f481c · critical · GUID004 (duplicate-mailbox) ---
# doris.diaz@contoso.com has two mailboxes: on-prem UserMailbox in DB01 (ExchangeGuid 31e0aaba-79bb-498b-86bc-19eb103a7aa0) and Exchange Online UserMailbox (ExchangeGuid eef740b9-1745-4be4-bf4c-a261f8a4dc56): mail is split between them
# precondition, re-read live before the first change:
#   ad.msExchRecipientTypeDetails = 1 (OnPremises)
#   ad.homeMDB = CN=DB01,CN=Databases,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com (OnPremises)
#   exo.RecipientTypeDetails = UserMailbox (ExchangeOnline)
$f = Start-Finding -Id 'GUID004-d21d1509ae7f481c' -Identity 'doris.diaz@contoso.com' -Acts @('ExchangeOnline') -Preconditions @(
    @{ Field = 'ad.msExchRecipientTypeDetails'; Shell = 'OnPremises'; Expected = '1'; Live = { ,(Get-ADUser -Identity '66206ca3-4827-4703-9acd-ca1728e0b4a7' -Properties msExchRecipientTypeDetails).msExchRecipientTypeDetails } }
    @{ Field = 'ad.homeMDB'; Shell = 'OnPremises'; Expected = 'CN=DB01,CN=Databases,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com'; Live = { ,(Get-ADUser -Identity '66206ca3-4827-4703-9acd-ca1728e0b4a7' -Properties homeMDB).homeMDB } }
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'UserMailbox'; Live = { (Get-Recipient -Identity '21d7880c-3527-4ad2-88f8-39039cf82194').RecipientTypeDetails } }
)
# step 1 (read / manual, Manual): 1. save what was delivered to the cloud mailbox (eDiscovery export) before detaching it; a held mailbox refuses (HOLD002)
Write-ManualStep $f 1 '1. save what was delivered to the cloud mailbox (eDiscovery export) before detaching it; a held mailbox refuses (HOLD002)' -Gate -Next @('ExchangeOnline+Destructive')
# step 2 (3 license, ExchangeOnline, DESTRUCTIVE): 2. take its Exchange plan away (destructive: the cloud mailbox is disconnected, and deleted 30 days later): the cloud object reverts to a MailUser carrying the on-prem ExchangeGuid (seed 002); the user's other disabled plans stay disabled
Invoke-Step $f 2 'ExchangeOnline' -Target 'doris.diaz@contoso.com' -Command 'Set-MgUserLicense -UserId ''doris.diaz@contoso.com'' -AddLicenses @(@{SkuId = $lic[0].SkuId; DisabledPlans = $off}) -RemoveLicenses @()' -Destructive -Confirms 'ad.msExchRecipientTypeDetails = 1 (OnPremises); ad.homeMDB = CN=DB01,CN=Databases,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com (OnPremises)' -Shows @('lic', 'off') -Prepare {
    $lic = @(Get-MgUserLicenseDetail -UserId 'doris.diaz@contoso.com' | Where-Object { @($_.ServicePlans | Where-Object { $_.ServicePlanName -match '^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)' -and $_.ProvisioningStatus -ne 'Disabled' }).Count -gt 0 }); if ($lic.Count -ne 1) { throw ('{0} SKUs of the user grant a mailbox: take the Exchange plan away by hand' -f $lic.Count) }
    $off = @($lic[0].ServicePlans | Where-Object { $_.ProvisioningStatus -eq 'Disabled' -or $_.ServicePlanName -match '^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)' } | Select-Object -ExpandProperty ServicePlanId)
} -Action {
    Set-MgUserLicense -UserId 'doris.diaz@contoso.com' -AddLicenses @(@{SkuId = $lic[0].SkuId; DisabledPlans = $off}) -RemoveLicenses @()
}
# step 3 (read / manual, Manual): 3. wait until the cloud object is a MailUser again (Get-User -Identity 'doris.diaz@contoso.com' shows RecipientTypeDetails MailUser: the plan's removal takes a while to reach Exchange Online) and its content is safe; a later run of this script skips this finding (the object changed since the audit): then run the next line by hand
Write-ManualStep $f 3 '3. wait until the cloud object is a MailUser again (Get-User -Identity ''doris.diaz@contoso.com'' shows RecipientTypeDetails MailUser: the plan''s removal takes a while to reach Exchange Online) and its content is safe; a later run of this script skips this finding (the object changed since the audit): then run the next line by hand' -Gate -Next @('ExchangeOnline+Destructive')
# step 4 (2 previous mailbox, ExchangeOnline, DESTRUCTIVE): 4. clear the pointer to the disconnected cloud mailbox (this purges it), or the next license brings it back; only once the object is a MailUser
Invoke-Step $f 4 'ExchangeOnline' -Target 'doris.diaz@contoso.com' -Command 'Set-User -Identity ''doris.diaz@contoso.com'' -PermanentlyClearPreviousMailboxInfo' -Destructive -Confirms 'ad.msExchRecipientTypeDetails = 1 (OnPremises); ad.homeMDB = CN=DB01,CN=Databases,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com (OnPremises)' -Shows @('now') -Prepare {
    $now = (Get-User -Identity 'doris.diaz@contoso.com').RecipientTypeDetails; if ("$now" -ne 'MailUser') { throw ('the cloud object is still {0}, not a MailUser: wait, then run this step again' -f $now) }
} -Action {
    Set-User -Identity 'doris.diaz@contoso.com' -PermanentlyClearPreviousMailboxInfo
}

# --- GUID001-4afb5873ea9d7901 · high · GUID001 (exchangeguid-mismatch) ---
# doris.diaz@contoso.com: on-prem UserMailbox msExchMailboxGuid 31e0aaba-79bb-498b-86bc-19eb103a7aa0 differs from the Exchange Online UserMailbox ExchangeGuid eef740b9-1745-4be4-bf4c-a261f8a4dc56
# precondition, re-read live before the first change:
#   ad.msExchMailboxGuid = 31e0aaba-79bb-498b-86bc-19eb103a7aa0 (OnPremises)
#   exo.ExchangeGuid = eef740b9-1745-4be4-bf4c-a261f8a4dc56 (ExchangeOnline)
#   ad.msExchRecipientTypeDetails = 1 (OnPremises)
#   exo.RecipientTypeDetails = UserMailbox (ExchangeOnline)
$f = Start-Finding -Id 'GUID001-4afb5873ea9d7901' -Identity 'doris.diaz@contoso.com' -Acts @() -Preconditions @(
    @{ Field = 'ad.msExchMailboxGuid'; Shell = 'OnPremises'; Expected = '31e0aaba-79bb-498b-86bc-19eb103a7aa0'; Live = { ,(Get-ADUser -Identity '66206ca3-4827-4703-9acd-ca1728e0b4a7' -Properties msExchMailboxGuid).msExchMailboxGuid } }
    @{ Field = 'exo.ExchangeGuid'; Shell = 'ExchangeOnline'; Expected = 'eef740b9-1745-4be4-bf4c-a261f8a4dc56'; Live = { (Get-Recipient -Identity '21d7880c-3527-4ad2-88f8-39039cf82194').ExchangeGuid } }
    @{ Field = 'ad.msExchRecipientTypeDetails'; Shell = 'OnPremises'; Expected = '1'; Live = { ,(Get-ADUser -Identity '66206ca3-4827-4703-9acd-ca1728e0b4a7' -Properties msExchRecipientTypeDetails).msExchRecipientTypeDetails } }
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'UserMailbox'; Live = { (Get-Recipient -Identity '21d7880c-3527-4ad2-88f8-39039cf82194').RecipientTypeDetails } }
)
# step 1 is step 1 of GUID004-d21d1509ae7f481c above: not repeated
Write-SharedStep $f 1 'GUID004-d21d1509ae7f481c' 1
# step 2 is step 2 of GUID004-d21d1509ae7f481c above: not repeated
Write-SharedStep $f 2 'GUID004-d21d1509ae7f481c' 2
# step 3 is step 3 of GUID004-d21d1509ae7f481c above: not repeated
Write-SharedStep $f 3 'GUID004-d21d1509ae7f481c' 3
# step 4 is step 4 of GUID004-d21d1509ae7f481c above: not repeated
Write-SharedStep $f 4 'GUID004-d21d1509ae7f481c' 4

# ==== victor.vance@contoso.com ====

# --- PROV005-3d5b38c4f2fbebeb · high · PROV005 (exchange-object-missing) ---
# victor.vance@contoso.com holds EXCHANGE_S_ENTERPRISE since 2026-11-19T08:00:00Z: past the 24 h provisioning SLA (ended 2026-11-20T08:00:00Z), but Exchange Online has no object for it
# deadline 2026-11-20: passed 2 days before the audit
# precondition, re-read live before the first change:
#   entra.exchangePlans = mailbox plan (ExchangeOnline)
# not re-read live (check by hand if in doubt): exo.present
$f = Start-Finding -Id 'PROV005-3d5b38c4f2fbebeb' -Identity 'victor.vance@contoso.com' -Acts @('ExchangeOnline') -Preconditions @(
    @{ Field = 'entra.exchangePlans'; Shell = 'ExchangeOnline'; Expected = 'mailbox plan'; Live = { Get-MailboxPlanState (Get-MgUser -UserId '5fd23d66-d930-4610-be85-04b9763c4db6' -Property assignedPlans) $MailboxPlans } }
)
# step 1 (read / manual, ExchangeOnline): check what blocks provisioning (usageLocation, sync errors; on-prem userPrincipalName and mailNickname), fix it
Invoke-Step $f 1 'ExchangeOnline' -Target 'victor.vance@contoso.com' -Command 'Get-MgUser -UserId ''victor.vance@contoso.com'' -Property usageLocation,onPremisesProvisioningErrors,assignedPlans | Format-List usageLocation,onPremisesProvisioningErrors,assignedPlans' -ReadOnly -Action {
    Get-MgUser -UserId 'victor.vance@contoso.com' -Property usageLocation,onPremisesProvisioningErrors,assignedPlans | Format-List usageLocation,onPremisesProvisioningErrors,assignedPlans
}
# step 2 (read / manual, Manual): still missing after that: ask Microsoft support for a forward sync of Entra object id 5fd23d66-d930-4610-be85-04b9763c4db6
Write-ManualStep $f 2 'still missing after that: ask Microsoft support for a forward sync of Entra object id 5fd23d66-d930-4610-be85-04b9763c4db6'

# ==== lucy.lin@contoso.com ====

# --- LIC001-1a43edd902382fdc · high · LIC001 (license-grace-expiry) ---
# UserMailbox lucy.lin@contoso.com has no mailbox-granting Exchange plan (plans: EXCHANGE_S_FOUNDATION (grants no mailbox)): grace started 2026-11-10 (WhenMailboxCreated), deletion due 2026-12-10, 18 days left
# deadline 2026-12-10: 18 days left the audit
# precondition, re-read live before the first change:
#   exo.RecipientTypeDetails = UserMailbox (ExchangeOnline)
#   exo.holds = none (ExchangeOnline)
#   entra.exchangePlans = none (ExchangeOnline)
# not re-read live (check by hand if in doubt): exo.WhenMailboxCreated
$f = Start-Finding -Id 'LIC001-1a43edd902382fdc' -Identity 'lucy.lin@contoso.com' -Acts @('ExchangeOnline+MailboxSku') -Preconditions @(
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'UserMailbox'; Live = { (Get-Recipient -Identity 'f3869c0d-5fe4-498e-813e-75639f5be1e5').RecipientTypeDetails } }
    @{ Field = 'exo.holds'; Shell = 'ExchangeOnline'; Expected = 'none'; Live = { Get-HoldState (Get-Mailbox -Identity 'f3869c0d-5fe4-498e-813e-75639f5be1e5') } }
    @{ Field = 'entra.exchangePlans'; Shell = 'ExchangeOnline'; Expected = 'none'; Live = { Get-MailboxPlanState (Get-MgUser -UserId '470ce8fb-3e3a-443a-9090-abb2937a59db' -Property assignedPlans) $MailboxPlans } }
)
# step 1 (3 license, ExchangeOnline): license the mailbox before it is deleted (the SKU you license mailboxes with; EXCHANGESTANDARD = Exchange Online Plan 1)
Invoke-Step $f 1 'ExchangeOnline' -Target 'lucy.lin@contoso.com' -Command 'Set-MgUserLicense -UserId ''lucy.lin@contoso.com'' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()' -NeedsMailboxSku -Shows @('sku', 'off') -Prepare {
    $sku = (Get-MgSubscribedSku -All | Where-Object SkuPartNumber -eq $MailboxSku).SkuId; if (@($sku | Where-Object { $_ }).Count -ne 1) { throw ('{0} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)' -f @($sku | Where-Object { $_ }).Count) }
    $off = @(Get-MgUserLicenseDetail -UserId 'lucy.lin@contoso.com' | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object { $_.ProvisioningStatus -eq 'Disabled' -and $_.ServicePlanName -notmatch '^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)' } | Select-Object -ExpandProperty ServicePlanId)
} -Action {
    Set-MgUserLicense -UserId 'lucy.lin@contoso.com' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()
}

# ==== sam.soto@contoso.com ====

# --- LIC002-2ffb16b145abe6b7 · high · LIC002 (soft-deleted-purge) ---
# UserMailbox of sam.soto@contoso.com soft-deleted 2026-11-12: purge due 2026-12-12, 20 days left; its AD account is still enabled
# deadline 2026-12-12: 20 days left the audit
# precondition, re-read live before the first change:
#   ad.Enabled = true (OnPremises)
# not re-read live (check by hand if in doubt): exo.previousMailboxes
$f = Start-Finding -Id 'LIC002-2ffb16b145abe6b7' -Identity 'sam.soto@contoso.com' -Acts @() -Preconditions @(
    @{ Field = 'ad.Enabled'; Shell = 'OnPremises'; Expected = 'true'; Live = { ,(Get-ADUser -Identity '1a70ea78-49d2-4d1f-990b-43f0df11c6fc' -Properties Enabled).Enabled } }
)
# step 1 (3 license, ExchangeOnline): to keep it, license the user again before 2026-12-12: Exchange Online reconnects the soft-deleted mailbox
#   $sku = (Get-MgSubscribedSku -All | Where-Object SkuPartNumber -eq '<SKU that licenses mailboxes in this tenant, e.g. EXCHANGESTANDARD>').SkuId; if (@($sku | Where-Object { $_ }).Count -ne 1) { throw ('{0} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)' -f @($sku | Where-Object { $_ }).Count) }
#   $off = @(Get-MgUserLicenseDetail -UserId 'sam.soto@contoso.com' | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object { $_.ProvisioningStatus -eq 'Disabled' -and $_.ServicePlanName -notmatch '^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)' } | Select-Object -ExpandProperty ServicePlanId)
#   Set-MgUserLicense -UserId 'sam.soto@contoso.com' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()
Write-ManualStep $f 1 'nothing of this finding is re-read live in this shell before it: check by hand, then run it yourself: $sku = (Get-MgSubscribedSku -All | Where-Object SkuPartNumber -eq ''<SKU that licenses mailboxes in this tenant, e.g. EXCHANGESTANDARD>'').SkuId; if (@($sku | Where-Object { $_ }).Count -ne 1) { throw (''{0} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)'' -f @($sku | Where-Object { $_ }).Count) }; $off = @(Get-MgUserLicenseDetail -UserId ''sam.soto@contoso.com'' | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object { $_.ProvisioningStatus -eq ''Disabled'' -and $_.ServicePlanName -notmatch ''^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)'' } | Select-Object -ExpandProperty ServicePlanId); Set-MgUserLicense -UserId ''sam.soto@contoso.com'' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()'

# ==== carl.cole@contoso.com ====

# --- SYNC001-8c8f9d3b8caffc28 · high · SYNC001 (soft-match-collision) ---
# unlinked AD user carl.cole@contoso.com shares carl.cole@contoso.com with cloud-only user carl.cole@contoso.com: the next sync soft-matches them
# precondition, re-read live before the first change:
#   cloud user's onPremisesImmutableId = (empty) (ExchangeOnline)
# not re-read live (check by hand if in doubt): ad.present, entra.present, identity.softMatches
$f = Start-Finding -Id 'SYNC001-8c8f9d3b8caffc28' -Identity 'carl.cole@contoso.com' -Acts @('ExchangeOnline') -Preconditions @(
    @{ Field = 'cloud user''s onPremisesImmutableId'; Shell = 'ExchangeOnline'; Expected = ''; Live = { (Get-MgUser -UserId 'e4d172b3-9580-4465-9512-d0446b6bfba2' -Property onPremisesImmutableId).OnPremisesImmutableId } }
)
# step 1 (read / manual, Manual): 1. decide whether AD user 'ccole' and this cloud user are the same person; if not, change the cloud user's UPN and addresses instead and stop here (a hard match is not undone by renaming)
Write-ManualStep $f 1 '1. decide whether AD user ''ccole'' and this cloud user are the same person; if not, change the cloud user''s UPN and addresses instead and stop here (a hard match is not undone by renaming)' -Gate -Next @('ExchangeOnline')
# step 2 (4 directory, ExchangeOnline): 2. same person: hard-match on purpose before AD user 'ccole' enters sync scope
Invoke-Step $f 2 'ExchangeOnline' -Target 'carl.cole@contoso.com' -Command 'Update-MgUser -UserId ''e4d172b3-9580-4465-9512-d0446b6bfba2'' -OnPremisesImmutableId ''98qAhxYovkSXs/V0RJXX1w==''' -Action {
    Update-MgUser -UserId 'e4d172b3-9580-4465-9512-d0446b6bfba2' -OnPremisesImmutableId '98qAhxYovkSXs/V0RJXX1w=='
}

# ==== dan.doyle@contoso.com ====

# --- PROV004-04206452a667768e · high · PROV004 (provisioning-error) ---
# dan.doyle@contoso.com has a provisioning error: PropertyConflict ProxyAddresses = smtp:sales@contoso.com
# precondition, re-read live before the first change:
#   entra.onPremisesProvisioningErrors = PropertyConflict ProxyAddresses = smtp:sales@contoso.com (ExchangeOnline)
$f = Start-Finding -Id 'PROV004-04206452a667768e' -Identity 'dan.doyle@contoso.com' -Acts @('ExchangeOnline', 'OnPremises') -Preconditions @(
    @{ Field = 'entra.onPremisesProvisioningErrors'; Shell = 'ExchangeOnline'; Expected = 'PropertyConflict ProxyAddresses = smtp:sales@contoso.com'; Set = $true; Live = { Get-ProvisioningErrorText (Get-MgUser -UserId '82d252b5-bc42-4390-9c36-d81d0addcbfb' -Property onPremisesProvisioningErrors) } }
)
# step 1 (read / manual, OnPremises): find the other holder of the value, remove it from the object that should not have it, then sync
Invoke-Step $f 1 'OnPremises' -Target 'dan.doyle@contoso.com' -Command 'Get-ADObject -LDAPFilter ''(proxyAddresses=smtp:sales@contoso.com)'' -Properties proxyAddresses' -ReadOnly -Action {
    Get-ADObject -LDAPFilter '(proxyAddresses=smtp:sales@contoso.com)' -Properties proxyAddresses
}
# step 2 (read / manual, ExchangeOnline)
Invoke-Step $f 2 'ExchangeOnline' -Target 'dan.doyle@contoso.com' -Command 'Get-MgUser -Filter "proxyAddresses/any(p:p eq ''smtp:sales@contoso.com'')"' -ReadOnly -Action {
    Get-MgUser -Filter "proxyAddresses/any(p:p eq 'smtp:sales@contoso.com')"
}
# step 3 (5 sync, Manual)
#   Start-ADSyncSyncCycle -PolicyType Delta
Write-ManualStep $f 3 'run it on the Entra Connect server (the ADSync module is there): Start-ADSyncSyncCycle -PolicyType Delta'

# --- SYNC002-cf07dac2a004e372 · high · SYNC002 (duplicate-address) ---
# AD SMTP address sales@contoso.com of dan.doyle@contoso.com is also on dana.dahl@contoso.com
# precondition, re-read live before the first change:
#   ad.proxyAddresses = SMTP:dan.doyle@contoso.com; smtp:dan.doyle@contoso.mail.onmicrosoft.com; smtp:sales@contoso.com (OnPremises)
# not re-read live (check by hand if in doubt): identity.duplicateAddresses
$f = Start-Finding -Id 'SYNC002-cf07dac2a004e372' -Identity 'dan.doyle@contoso.com' -Acts @('OnPremises') -Preconditions @(
    @{ Field = 'ad.proxyAddresses'; Shell = 'OnPremises'; Expected = 'SMTP:dan.doyle@contoso.com; smtp:dan.doyle@contoso.mail.onmicrosoft.com; smtp:sales@contoso.com'; Set = $true; Live = { ,(Get-ADUser -Identity '5f35a130-31fa-4087-8c8d-7fbdfd723844' -Properties proxyAddresses).proxyAddresses } }
)
# step 1 (read / manual, OnPremises): holders: this one and dana.dahl@contoso.com; decide which keeps sales@contoso.com
Invoke-Step $f 1 'OnPremises' -Target 'dan.doyle@contoso.com' -Command 'Get-ADUser -LDAPFilter ''(|(proxyAddresses=smtp:sales@contoso.com)(userPrincipalName=sales@contoso.com))'' -Properties proxyAddresses | Format-Table sAMAccountName,userPrincipalName' -ReadOnly -Action {
    Get-ADUser -LDAPFilter '(|(proxyAddresses=smtp:sales@contoso.com)(userPrincipalName=sales@contoso.com))' -Properties proxyAddresses | Format-Table sAMAccountName,userPrincipalName
}
# step 2 (read / manual, Manual): if this object gives it up: Set-ADUser -Identity 'ddoyle' -Remove @{proxyAddresses='smtp:sales@contoso.com'}
Write-ManualStep $f 2 'if this object gives it up: Set-ADUser -Identity ''ddoyle'' -Remove @{proxyAddresses=''smtp:sales@contoso.com''}'

# ==== dana.dahl@contoso.com ====

# --- SYNC002-791bdcc97fed32d3 · high · SYNC002 (duplicate-address) ---
# AD SMTP address sales@contoso.com of dana.dahl@contoso.com is also on dan.doyle@contoso.com
# precondition, re-read live before the first change:
#   ad.proxyAddresses = SMTP:dana.dahl@contoso.com; smtp:dana.dahl@contoso.mail.onmicrosoft.com; smtp:sales@contoso.com (OnPremises)
# not re-read live (check by hand if in doubt): identity.duplicateAddresses
$f = Start-Finding -Id 'SYNC002-791bdcc97fed32d3' -Identity 'dana.dahl@contoso.com' -Acts @('OnPremises') -Preconditions @(
    @{ Field = 'ad.proxyAddresses'; Shell = 'OnPremises'; Expected = 'SMTP:dana.dahl@contoso.com; smtp:dana.dahl@contoso.mail.onmicrosoft.com; smtp:sales@contoso.com'; Set = $true; Live = { ,(Get-ADUser -Identity '317c0f9e-cbf4-4988-be23-b70d73f0645b' -Properties proxyAddresses).proxyAddresses } }
)
# step 1 (read / manual, OnPremises): holders: this one and dan.doyle@contoso.com; decide which keeps sales@contoso.com
Invoke-Step $f 1 'OnPremises' -Target 'dana.dahl@contoso.com' -Command 'Get-ADUser -LDAPFilter ''(|(proxyAddresses=smtp:sales@contoso.com)(userPrincipalName=sales@contoso.com))'' -Properties proxyAddresses | Format-Table sAMAccountName,userPrincipalName' -ReadOnly -Action {
    Get-ADUser -LDAPFilter '(|(proxyAddresses=smtp:sales@contoso.com)(userPrincipalName=sales@contoso.com))' -Properties proxyAddresses | Format-Table sAMAccountName,userPrincipalName
}
# step 2 (read / manual, Manual): if this object gives it up: Set-ADUser -Identity 'ddahl' -Remove @{proxyAddresses='smtp:sales@contoso.com'}
Write-ManualStep $f 2 'if this object gives it up: Set-ADUser -Identity ''ddahl'' -Remove @{proxyAddresses=''smtp:sales@contoso.com''}'

# ==== derek.dunn@contoso.com ====

# --- HOLD001-db71071b368505a3 · high · HOLD001 (hold-blocks-deprovisioning) ---
# UserMailbox derek.dunn@contoso.com is on hold (retention label (ComplianceTagHoldApplied)) while msExchRemoteRecipientType 12 includes DeprovisionMailbox (8)
# precondition, re-read live before the first change:
#   exo.RecipientTypeDetails = UserMailbox (ExchangeOnline)
#   exo.holds = on hold (ExchangeOnline)
#   ad.msExchRemoteRecipientType = 12 (OnPremises)
$f = Start-Finding -Id 'HOLD001-db71071b368505a3' -Identity 'derek.dunn@contoso.com' -Acts @() -Preconditions @(
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'UserMailbox'; Live = { (Get-Recipient -Identity 'bbddb494-67b2-4f88-ae9b-359aafdd1a33').RecipientTypeDetails } }
    @{ Field = 'exo.holds'; Shell = 'ExchangeOnline'; Expected = 'on hold'; Live = { Get-HoldState (Get-Mailbox -Identity 'bbddb494-67b2-4f88-ae9b-359aafdd1a33') } }
    @{ Field = 'ad.msExchRemoteRecipientType'; Shell = 'OnPremises'; Expected = '12'; Live = { ,(Get-ADUser -Identity '2bc45db4-34a0-4085-9ef7-132b41081284' -Properties msExchRemoteRecipientType).msExchRemoteRecipientType } }
)
# step 1 (read / manual, Manual): 1. decide with the records owner: keep the data (the mailbox becomes inactive, on purpose: stop here) or release every hold below retention label (ComplianceTagHoldApplied): items labelled to be retained keep the mailbox; in Purview, remove or change those labels (or the label policy that applies them), by hand.
Write-ManualStep $f 1 '1. decide with the records owner: keep the data (the mailbox becomes inactive, on purpose: stop here) or release every hold below retention label (ComplianceTagHoldApplied): items labelled to be retained keep the mailbox; in Purview, remove or change those labels (or the label policy that applies them), by hand.'

# ==== gary.grant@contoso.com ====

# --- GUID001-308a825de1c6fb65 · high · GUID001 (exchangeguid-mismatch) ---
# gary.grant@contoso.com: on-prem RemoteUserMailbox msExchMailboxGuid 57d5e57c-086a-4b93-a818-3552218cb9b7 differs from the Exchange Online UserMailbox ExchangeGuid 7efa06d5-9a59-46a9-b3f6-0ce2315e2047
# precondition, re-read live before the first change:
#   ad.msExchMailboxGuid = 57d5e57c-086a-4b93-a818-3552218cb9b7 (OnPremises)
#   exo.ExchangeGuid = 7efa06d5-9a59-46a9-b3f6-0ce2315e2047 (ExchangeOnline)
#   ad.msExchRecipientTypeDetails = 2147483648 (OnPremises)
#   exo.RecipientTypeDetails = UserMailbox (ExchangeOnline)
$f = Start-Finding -Id 'GUID001-308a825de1c6fb65' -Identity 'gary.grant@contoso.com' -Acts @('OnPremises') -Preconditions @(
    @{ Field = 'ad.msExchMailboxGuid'; Shell = 'OnPremises'; Expected = '57d5e57c-086a-4b93-a818-3552218cb9b7'; Live = { ,(Get-ADUser -Identity 'cfc1875b-cdbe-4b02-819f-dd576e574b8a' -Properties msExchMailboxGuid).msExchMailboxGuid } }
    @{ Field = 'exo.ExchangeGuid'; Shell = 'ExchangeOnline'; Expected = '7efa06d5-9a59-46a9-b3f6-0ce2315e2047'; Live = { (Get-Recipient -Identity '6c6105ba-1b09-4b61-9ea5-8b0a0fedf648').ExchangeGuid } }
    @{ Field = 'ad.msExchRecipientTypeDetails'; Shell = 'OnPremises'; Expected = '2147483648'; Live = { ,(Get-ADUser -Identity 'cfc1875b-cdbe-4b02-819f-dd576e574b8a' -Properties msExchRecipientTypeDetails).msExchRecipientTypeDetails } }
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'UserMailbox'; Live = { (Get-Recipient -Identity '6c6105ba-1b09-4b61-9ea5-8b0a0fedf648').RecipientTypeDetails } }
)
# step 1 (4 directory, OnPremises): on-prem Exchange: the mailbox lives in Exchange Online
Invoke-Step $f 1 'OnPremises' -Target 'gary.grant@contoso.com' -Command 'Set-RemoteMailbox -Identity ''gary.grant@contoso.com'' -ExchangeGuid ''7efa06d5-9a59-46a9-b3f6-0ce2315e2047''' -Action {
    Set-RemoteMailbox -Identity 'gary.grant@contoso.com' -ExchangeGuid '7efa06d5-9a59-46a9-b3f6-0ce2315e2047'  # on-prem Exchange: the mailbox lives in Exchange Online
}

# ==== gwen.ford@contoso.com ====

# --- SYNC001-4056f76a381ac3c8 · high · SYNC001 (soft-match-collision) ---
# unlinked AD user gwen.ford@contoso.com shares gwen.ford@fabrikam.com with guest gwen.ford_fabrikam.com#EXT#@contoso.onmicrosoft.com: syncing it causes a sync conflict (a guest cannot be matched)
# not re-read live (check by hand if in doubt): ad.present, entra.present, identity.softMatches
$f = Start-Finding -Id 'SYNC001-4056f76a381ac3c8' -Identity 'gwen.ford@contoso.com' -Acts @('ExchangeOnline') -Preconditions @()
# step 1 (read / manual, ExchangeOnline): a guest cannot be matched: keep AD user 'gford' out of sync scope, or update/retire this guest before syncing it
Invoke-Step $f 1 'ExchangeOnline' -Target 'gwen.ford@contoso.com' -Command 'Get-MgUser -UserId ''9d56cb70-bab4-4a69-bbfc-fbefac678c2e'' -Property Id,UserType,Mail,ProxyAddresses | Format-List' -ReadOnly -Action {
    Get-MgUser -UserId '9d56cb70-bab4-4a69-bbfc-fbefac678c2e' -Property Id,UserType,Mail,ProxyAddresses | Format-List  # a guest cannot be matched: keep AD user 'gford' out of sync scope, or update/retire this guest before syncing it
}

# ==== henry.hall@contoso.com ====

# --- HOLD001-e123e08b1022f4ac · high · HOLD001 (hold-blocks-deprovisioning) ---
# UserMailbox henry.hall@contoso.com is on hold (litigation hold) while its AD account is disabled
# precondition, re-read live before the first change:
#   exo.RecipientTypeDetails = UserMailbox (ExchangeOnline)
#   exo.holds = on hold (ExchangeOnline)
#   ad.Enabled = false (OnPremises)
$f = Start-Finding -Id 'HOLD001-e123e08b1022f4ac' -Identity 'henry.hall@contoso.com' -Acts @('ExchangeOnline') -Preconditions @(
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'UserMailbox'; Live = { (Get-Recipient -Identity '99d3b51b-4091-4b6f-adad-db339febca7f').RecipientTypeDetails } }
    @{ Field = 'exo.holds'; Shell = 'ExchangeOnline'; Expected = 'on hold'; Live = { Get-HoldState (Get-Mailbox -Identity '99d3b51b-4091-4b6f-adad-db339febca7f') } }
    @{ Field = 'ad.Enabled'; Shell = 'OnPremises'; Expected = 'false'; Live = { ,(Get-ADUser -Identity 'a69cf76b-090f-4320-a7cf-a8efc71f25c5' -Properties Enabled).Enabled } }
)
# step 1 (read / manual, Manual): 1. decide with the records owner: keep the data (the mailbox becomes inactive, on purpose: stop here) or release every hold below
Write-ManualStep $f 1 '1. decide with the records owner: keep the data (the mailbox becomes inactive, on purpose: stop here) or release every hold below' -Gate -Next @('ExchangeOnline+Destructive')
# step 2 (1 hold, ExchangeOnline, DESTRUCTIVE): 2. release the litigation hold
Invoke-Step $f 2 'ExchangeOnline' -Target 'henry.hall@contoso.com' -Command 'Set-Mailbox -Identity ''henry.hall@contoso.com'' -LitigationHoldEnabled $false' -Destructive -Confirms 'ad.Enabled = false (OnPremises)' -Action {
    Set-Mailbox -Identity 'henry.hall@contoso.com' -LitigationHoldEnabled $false
}

# ==== hugo.hayes@contoso.com ====

# --- HOLD002-9380e2ee4126fcc6 · high · HOLD002 (hold-license-removed) ---
# UserMailbox hugo.hayes@contoso.com is on hold (delay release hold) but its Entra user has no mailbox-granting Exchange plan: the license removal cannot complete
# precondition, re-read live before the first change:
#   exo.RecipientTypeDetails = UserMailbox (ExchangeOnline)
#   exo.holds = on hold (ExchangeOnline)
#   entra.exchangePlans = none (ExchangeOnline)
#   entra.licenseAssignmentStates = ENTERPRISEPACK: Active (ExchangeOnline)
# not re-read live (check by hand if in doubt): entra.assignedLicenses
$f = Start-Finding -Id 'HOLD002-9380e2ee4126fcc6' -Identity 'hugo.hayes@contoso.com' -Acts @('ExchangeOnline') -Preconditions @(
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'UserMailbox'; Live = { (Get-Recipient -Identity '2ded4e74-ed00-446c-aeae-bbb291eb88c5').RecipientTypeDetails } }
    @{ Field = 'exo.holds'; Shell = 'ExchangeOnline'; Expected = 'on hold'; Live = { Get-HoldState (Get-Mailbox -Identity '2ded4e74-ed00-446c-aeae-bbb291eb88c5') } }
    @{ Field = 'entra.exchangePlans'; Shell = 'ExchangeOnline'; Expected = 'none'; Live = { Get-MailboxPlanState (Get-MgUser -UserId '9831a876-978f-4d62-a16d-f638d7783747' -Property assignedPlans) $MailboxPlans } }
    @{ Field = 'entra.licenseAssignmentStates'; Shell = 'ExchangeOnline'; Expected = 'ENTERPRISEPACK: Active'; Set = $true; Live = { Get-LicenseStateText (Get-MgUser -UserId '9831a876-978f-4d62-a16d-f638d7783747' -Property licenseAssignmentStates) @('ENTERPRISEPACK') } }
)
# step 1 (3 license, ExchangeOnline): keep the held mailbox licensed, its Exchange plan enabled and the user's other disabled plans as they are (or, if the person has left, delete the user on purpose so it becomes inactive: HOLD003)
Invoke-Step $f 1 'ExchangeOnline' -Target 'hugo.hayes@contoso.com' -Command 'Set-MgUserLicense -UserId ''hugo.hayes@contoso.com'' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()' -Shows @('sku', 'off') -Prepare {
    $sku = (Get-MgSubscribedSku -All | Where-Object { $_.SkuPartNumber -eq 'ENTERPRISEPACK' -or $_.SkuId -eq 'ENTERPRISEPACK' }).SkuId; if (@($sku | Where-Object { $_ }).Count -ne 1) { throw ('{0} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)' -f @($sku | Where-Object { $_ }).Count) }
    $off = @(Get-MgUserLicenseDetail -UserId 'hugo.hayes@contoso.com' | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object { $_.ProvisioningStatus -eq 'Disabled' -and $_.ServicePlanName -notmatch '^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)' } | Select-Object -ExpandProperty ServicePlanId)
} -Action {
    Set-MgUserLicense -UserId 'hugo.hayes@contoso.com' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()
}

# ==== ivy.ito@contoso.com ====

# --- HOLD003-7dfe5ec08768d032 · high · HOLD003 (inactive-mailbox) ---
# inactive UserMailbox ivy.ito@contoso.com, user deleted 2026-02-03 has no mailbox-level hold left: it will be purged unless an org-wide retention policy (not listed on the mailbox) still covers it
# precondition, re-read live before the first change:
#   inactive mailbox's holds = none (ExchangeOnline)
# not re-read live (check by hand if in doubt): exo.previousMailboxes
$f = Start-Finding -Id 'HOLD003-7dfe5ec08768d032' -Identity 'ivy.ito@contoso.com' -Acts @('ExchangeOnline') -Preconditions @(
    @{ Field = 'inactive mailbox''s holds'; Shell = 'ExchangeOnline'; Expected = 'none'; Live = { Get-HoldState (Get-Mailbox -InactiveMailboxOnly -Identity 'f67f1290-4c30-43ad-a855-7e250a9b4553') } }
)
# step 1 (read / manual, ExchangeOnline): 1. an org-wide retention policy is not listed on the mailbox: look for one that still covers it
Invoke-Step $f 1 'ExchangeOnline' -Target 'ivy.ito@contoso.com' -Command 'Get-OrganizationConfig | Format-List InPlaceHolds' -ReadOnly -Action {
    Get-OrganizationConfig | Format-List InPlaceHolds
}
# step 2 (read / manual, Manual): 2. decide with the records owner whether its content must still be kept
Write-ManualStep $f 2 '2. decide with the records owner whether its content must still be kept' -Gate -Next @('ExchangeOnline')
# step 3 (1 hold, ExchangeOnline): 3. only if it must: hold it
Invoke-Step $f 3 'ExchangeOnline' -Target 'ivy.ito@contoso.com' -Command 'Set-Mailbox -InactiveMailbox -Identity ''f67f1290-4c30-43ad-a855-7e250a9b4553'' -LitigationHoldEnabled $true' -Action {
    Set-Mailbox -InactiveMailbox -Identity 'f67f1290-4c30-43ad-a855-7e250a9b4553' -LitigationHoldEnabled $true
}

# ==== lena.lowe@contoso.com ====

# --- HOLD002-f158eb7dafce7a7b · high · HOLD002 (hold-license-removed) ---
# UserMailbox lena.lowe@contoso.com is on hold (litigation hold) but its Entra user has no mailbox-granting Exchange plan: the license removal cannot complete
# precondition, re-read live before the first change:
#   exo.RecipientTypeDetails = UserMailbox (ExchangeOnline)
#   exo.holds = on hold (ExchangeOnline)
#   entra.exchangePlans = none (ExchangeOnline)
# not re-read live (check by hand if in doubt): entra.assignedLicenses
$f = Start-Finding -Id 'HOLD002-f158eb7dafce7a7b' -Identity 'lena.lowe@contoso.com' -Acts @('ExchangeOnline+MailboxSku') -Preconditions @(
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'UserMailbox'; Live = { (Get-Recipient -Identity '2a495b0b-4bd1-4498-8aba-01fd2e4a3aff').RecipientTypeDetails } }
    @{ Field = 'exo.holds'; Shell = 'ExchangeOnline'; Expected = 'on hold'; Live = { Get-HoldState (Get-Mailbox -Identity '2a495b0b-4bd1-4498-8aba-01fd2e4a3aff') } }
    @{ Field = 'entra.exchangePlans'; Shell = 'ExchangeOnline'; Expected = 'none'; Live = { Get-MailboxPlanState (Get-MgUser -UserId '681211f8-4033-4ee5-b4d7-a8d2bcce66c3' -Property assignedPlans) $MailboxPlans } }
)
# step 1 (3 license, ExchangeOnline): keep the held mailbox licensed, its Exchange plan enabled and the user's other disabled plans as they are (or, if the person has left, delete the user on purpose so it becomes inactive: HOLD003)
Invoke-Step $f 1 'ExchangeOnline' -Target 'lena.lowe@contoso.com' -Command 'Set-MgUserLicense -UserId ''lena.lowe@contoso.com'' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()' -NeedsMailboxSku -Shows @('sku', 'off') -Prepare {
    $sku = (Get-MgSubscribedSku -All | Where-Object { $_.SkuPartNumber -eq $MailboxSku -or $_.SkuId -eq $MailboxSku }).SkuId; if (@($sku | Where-Object { $_ }).Count -ne 1) { throw ('{0} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)' -f @($sku | Where-Object { $_ }).Count) }
    $off = @(Get-MgUserLicenseDetail -UserId 'lena.lowe@contoso.com' | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object { $_.ProvisioningStatus -eq 'Disabled' -and $_.ServicePlanName -notmatch '^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)' } | Select-Object -ExpandProperty ServicePlanId)
} -Action {
    Set-MgUserLicense -UserId 'lena.lowe@contoso.com' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()
}

# ==== oscar.ortiz@contoso.com ====

# --- HOLD001-665d830f6df92060 · high · HOLD001 (hold-blocks-deprovisioning) ---
# UserMailbox oscar.ortiz@contoso.com is on hold (eDiscovery case hold UniHb61c6cc7-0087-4a90-9290-2434ab43c785) while its synced AD object is gone from the AD export
# precondition, re-read live before the first change:
#   exo.RecipientTypeDetails = UserMailbox (ExchangeOnline)
#   exo.holds = on hold (ExchangeOnline)
#   entra.onPremisesImmutableId = aBUaKRiVEUKcGsxWDCOcaw== (ExchangeOnline)
# not re-read live (check by hand if in doubt): ad.present
$f = Start-Finding -Id 'HOLD001-665d830f6df92060' -Identity 'oscar.ortiz@contoso.com' -Acts @() -Preconditions @(
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'UserMailbox'; Live = { (Get-Recipient -Identity '82de81e6-6bf1-4022-b778-25203ebda1fd').RecipientTypeDetails } }
    @{ Field = 'exo.holds'; Shell = 'ExchangeOnline'; Expected = 'on hold'; Live = { Get-HoldState (Get-Mailbox -Identity '82de81e6-6bf1-4022-b778-25203ebda1fd') } }
    @{ Field = 'entra.onPremisesImmutableId'; Shell = 'ExchangeOnline'; Expected = 'aBUaKRiVEUKcGsxWDCOcaw=='; Live = { (Get-MgUser -UserId '094f8a51-dbc4-4c7c-8aef-04915bca08d0' -Property onPremisesImmutableId).OnPremisesImmutableId } }
)
# step 1 (read / manual, Manual): 1. decide with the records owner: keep the data (the mailbox becomes inactive, on purpose: stop here) or release every hold below eDiscovery case hold b61c6cc7-0087-4a90-9290-2434ab43c785: in Purview, release the mailbox from the eDiscovery case of hold policy b61c6cc7-0087-4a90-9290-2434ab43c785 (Connect-IPPSSession; Get-CaseHoldPolicy -Identity 'b61c6cc7-0087-4a90-9290-2434ab43c785' | ForEach-Object { Get-ComplianceCase -Identity $_.CaseId }).
Write-ManualStep $f 1 '1. decide with the records owner: keep the data (the mailbox becomes inactive, on purpose: stop here) or release every hold below eDiscovery case hold b61c6cc7-0087-4a90-9290-2434ab43c785: in Purview, release the mailbox from the eDiscovery case of hold policy b61c6cc7-0087-4a90-9290-2434ab43c785 (Connect-IPPSSession; Get-CaseHoldPolicy -Identity ''b61c6cc7-0087-4a90-9290-2434ab43c785'' | ForEach-Object { Get-ComplianceCase -Identity $_.CaseId }).'

# --- SYNC003-cfca9eb25af38154 · medium · SYNC003 (orphaned-synced-object) ---
# synced Entra user oscar.ortiz@contoso.com has onPremisesImmutableId aBUaKRiVEUKcGsxWDCOcaw== (source anchor 291a1568-9518-4211-9c1a-cc560c239c6b) but no AD object in the export carries it
# precondition, re-read live before the first change:
#   entra.onPremisesImmutableId = aBUaKRiVEUKcGsxWDCOcaw== (ExchangeOnline)
# not re-read live (check by hand if in doubt): ad.present
$f = Start-Finding -Id 'SYNC003-cfca9eb25af38154' -Identity 'oscar.ortiz@contoso.com' -Acts @('OnPremises') -Preconditions @(
    @{ Field = 'entra.onPremisesImmutableId'; Shell = 'ExchangeOnline'; Expected = 'aBUaKRiVEUKcGsxWDCOcaw=='; Live = { (Get-MgUser -UserId '094f8a51-dbc4-4c7c-8aef-04915bca08d0' -Property onPremisesImmutableId).OnPremisesImmutableId } }
)
# step 1 (read / manual, OnPremises): the objectGUID; a hard-matched object carries it in mS-DS-ConsistencyGuid instead
Invoke-Step $f 1 'OnPremises' -Target 'oscar.ortiz@contoso.com' -Command 'Get-ADObject -Identity ''291a1568-9518-4211-9c1a-cc560c239c6b'' -IncludeDeletedObjects -Properties isDeleted,lastKnownParent,whenChanged' -ReadOnly -Action {
    Get-ADObject -Identity '291a1568-9518-4211-9c1a-cc560c239c6b' -IncludeDeletedObjects -Properties isDeleted,lastKnownParent,whenChanged  # the objectGUID; a hard-matched object carries it in mS-DS-ConsistencyGuid instead
}
# step 2 (read / manual, Manual): deleted by mistake: Restore-ADObject; moved out of sync scope: move it back; gone for good: decide what the cloud user and its mailbox become
Write-ManualStep $f 2 'deleted by mistake: Restore-ADObject; moved out of sync scope: move it back; gone for good: decide what the cloud user and its mailbox become'

# ==== arthur.adams@contoso.com ====

# --- GUID003-19a02b7fb6748c02 · medium · GUID003 (archive-guid-mismatch) ---
# arthur.adams@contoso.com: on-prem RemoteUserMailbox msExchArchiveGUID 7810b5e0-b843-4751-ba04-8c0292479ea1 differs from the Exchange Online ArchiveGuid 346e3b6b-92b9-4ee0-ad3b-06ca40744f43
# precondition, re-read live before the first change:
#   ad.msExchArchiveGUID = 7810b5e0-b843-4751-ba04-8c0292479ea1 (OnPremises)
#   exo.ArchiveGuid = 346e3b6b-92b9-4ee0-ad3b-06ca40744f43 (ExchangeOnline)
#   ad.msExchRecipientTypeDetails = 2147483648 (OnPremises)
$f = Start-Finding -Id 'GUID003-19a02b7fb6748c02' -Identity 'arthur.adams@contoso.com' -Acts @('OnPremises') -Preconditions @(
    @{ Field = 'ad.msExchArchiveGUID'; Shell = 'OnPremises'; Expected = '7810b5e0-b843-4751-ba04-8c0292479ea1'; Live = { ,(Get-ADUser -Identity '5930527d-bd43-4585-b11f-d9680144ccc1' -Properties msExchArchiveGUID).msExchArchiveGUID } }
    @{ Field = 'exo.ArchiveGuid'; Shell = 'ExchangeOnline'; Expected = '346e3b6b-92b9-4ee0-ad3b-06ca40744f43'; Live = { (Get-Recipient -Identity 'e8b91790-a57b-4191-a56d-da59dfad28af').ArchiveGuid } }
    @{ Field = 'ad.msExchRecipientTypeDetails'; Shell = 'OnPremises'; Expected = '2147483648'; Live = { ,(Get-ADUser -Identity '5930527d-bd43-4585-b11f-d9680144ccc1' -Properties msExchRecipientTypeDetails).msExchRecipientTypeDetails } }
)
# step 1 (4 directory, OnPremises): on-prem Exchange: the archive lives in Exchange Online (the cmdlet reference reserves -ArchiveGuid for Microsoft; Microsoft support's fix for this mismatch uses it)
Invoke-Step $f 1 'OnPremises' -Target 'arthur.adams@contoso.com' -Command 'Set-RemoteMailbox -Identity ''arthur.adams@contoso.com'' -ArchiveGuid ''346e3b6b-92b9-4ee0-ad3b-06ca40744f43''' -Action {
    Set-RemoteMailbox -Identity 'arthur.adams@contoso.com' -ArchiveGuid '346e3b6b-92b9-4ee0-ad3b-06ca40744f43'  # on-prem Exchange: the archive lives in Exchange Online (the cmdlet reference reserves -ArchiveGuid for Microsoft; Microsoft support's fix for this mismatch uses it)
}

# ==== boardroom@contoso.com ====

# --- RES002-5fabb3a8e1a6729e · medium · RES002 (shared-mailbox-sign-in-enabled) ---
# RoomMailbox boardroom@contoso.com has its account enabled in AD and Entra: it can be signed in to directly
# precondition, re-read live before the first change:
#   exo.RecipientTypeDetails = RoomMailbox (ExchangeOnline)
#   ad.Enabled = true (OnPremises)
#   entra.accountEnabled = true (ExchangeOnline)
$f = Start-Finding -Id 'RES002-5fabb3a8e1a6729e' -Identity 'boardroom@contoso.com' -Acts @('OnPremises') -Preconditions @(
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'RoomMailbox'; Live = { (Get-Recipient -Identity '5b2325ac-74fe-4652-8c10-7cf7316cae3e').RecipientTypeDetails } }
    @{ Field = 'ad.Enabled'; Shell = 'OnPremises'; Expected = 'true'; Live = { ,(Get-ADUser -Identity '53e98845-49f9-40d3-ab9b-c64f8ed0cfa7' -Properties Enabled).Enabled } }
    @{ Field = 'entra.accountEnabled'; Shell = 'ExchangeOnline'; Expected = 'true'; Live = { (Get-MgUser -UserId '43d02513-fc69-4963-9cd2-5643a81f1f45' -Property accountEnabled).AccountEnabled } }
)
# step 1 (read / manual, Manual): 1. confirm nothing signs in with boardroom@contoso.com on purpose (a Teams Rooms device, a service); if something does, license it as a resource account instead and stop here
Write-ManualStep $f 1 '1. confirm nothing signs in with boardroom@contoso.com on purpose (a Teams Rooms device, a service); if something does, license it as a resource account instead and stop here' -Gate -Next @('OnPremises')
# step 2 (4 directory, OnPremises): 2. disable the account; Entra follows at the next sync
Invoke-Step $f 2 'OnPremises' -Target 'boardroom@contoso.com' -Command 'Disable-ADAccount -Identity ''boardroom''' -Action {
    Disable-ADAccount -Identity 'boardroom'
}

# ==== finance@contoso.com ====

# --- LIC003-915f58719878b593 · medium · LIC003 (shared-mailbox-needs-license) ---
# unlicensed SharedMailbox finance@contoso.com needs an Exchange Online license: an archive (ArchiveStatus Active)
# precondition, re-read live before the first change:
#   exo.RecipientTypeDetails = SharedMailbox (ExchangeOnline)
#   entra.exchangePlans = none (ExchangeOnline)
#   exo.ArchiveStatus = Active (ExchangeOnline)
$f = Start-Finding -Id 'LIC003-915f58719878b593' -Identity 'finance@contoso.com' -Acts @() -Preconditions @(
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'SharedMailbox'; Live = { (Get-Recipient -Identity '03d926f6-c25e-4412-a6e5-869f78b6f870').RecipientTypeDetails } }
    @{ Field = 'entra.exchangePlans'; Shell = 'ExchangeOnline'; Expected = 'none'; Live = { Get-MailboxPlanState (Get-MgUser -UserId '59b72110-eb20-407b-8a65-157c1aa84c89' -Property assignedPlans) $MailboxPlans } }
    @{ Field = 'exo.ArchiveStatus'; Shell = 'ExchangeOnline'; Expected = 'Active'; Live = { (Get-Mailbox -Identity '03d926f6-c25e-4412-a6e5-869f78b6f870').ArchiveStatus } }
)
# step 1 (3 license, ExchangeOnline): Exchange Online Plan 2 (EXCHANGEENTERPRISE), or Plan 1 + Exchange Online Archiving
#   $sku = (Get-MgSubscribedSku -All | Where-Object SkuPartNumber -eq '<SKU with Exchange Online Plan 2, e.g. EXCHANGEENTERPRISE>').SkuId; if (@($sku | Where-Object { $_ }).Count -ne 1) { throw ('{0} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)' -f @($sku | Where-Object { $_ }).Count) }
#   $off = @(Get-MgUserLicenseDetail -UserId 'finance@contoso.com' | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object { $_.ProvisioningStatus -eq 'Disabled' -and $_.ServicePlanName -notmatch '^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)' } | Select-Object -ExpandProperty ServicePlanId)
#   Set-MgUserLicense -UserId 'finance@contoso.com' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()
Write-ManualStep $f 1 'fill in the <placeholder> first: $sku = (Get-MgSubscribedSku -All | Where-Object SkuPartNumber -eq ''<SKU with Exchange Online Plan 2, e.g. EXCHANGEENTERPRISE>'').SkuId; if (@($sku | Where-Object { $_ }).Count -ne 1) { throw (''{0} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)'' -f @($sku | Where-Object { $_ }).Count) }; $off = @(Get-MgUserLicenseDetail -UserId ''finance@contoso.com'' | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object { $_.ProvisioningStatus -eq ''Disabled'' -and $_.ServicePlanName -notmatch ''^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)'' } | Select-Object -ExpandProperty ServicePlanId); Set-MgUserLicense -UserId ''finance@contoso.com'' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()'

# ==== gina.gray@contoso.com ====

# --- GUID002-2e6d592b0deee5a5 · medium · GUID002 (remote-mailbox-without-exchangeguid) ---
# RemoteUserMailbox gina.gray@contoso.com has no msExchMailboxGuid on-prem although its Exchange Online UserMailbox exists (ExchangeGuid 1b3c8892-4ce1-4100-a860-0e0f75c0153c): a move back on-prem cannot find it
# precondition, re-read live before the first change:
#   ad.msExchRecipientTypeDetails = 2147483648 (OnPremises)
#   ad.msExchMailboxGuid = (empty) (OnPremises)
#   exo.RecipientTypeDetails = UserMailbox (ExchangeOnline)
#   exo.ExchangeGuid = 1b3c8892-4ce1-4100-a860-0e0f75c0153c (ExchangeOnline)
$f = Start-Finding -Id 'GUID002-2e6d592b0deee5a5' -Identity 'gina.gray@contoso.com' -Acts @('OnPremises') -Preconditions @(
    @{ Field = 'ad.msExchRecipientTypeDetails'; Shell = 'OnPremises'; Expected = '2147483648'; Live = { ,(Get-ADUser -Identity 'd12084e2-1567-4aef-8b7d-081cc48e334c' -Properties msExchRecipientTypeDetails).msExchRecipientTypeDetails } }
    @{ Field = 'ad.msExchMailboxGuid'; Shell = 'OnPremises'; Expected = ''; Live = { ,(Get-ADUser -Identity 'd12084e2-1567-4aef-8b7d-081cc48e334c' -Properties msExchMailboxGuid).msExchMailboxGuid } }
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'UserMailbox'; Live = { (Get-Recipient -Identity '376771f5-f2f9-42a3-9456-f407a0b103aa').RecipientTypeDetails } }
    @{ Field = 'exo.ExchangeGuid'; Shell = 'ExchangeOnline'; Expected = '1b3c8892-4ce1-4100-a860-0e0f75c0153c'; Live = { (Get-Recipient -Identity '376771f5-f2f9-42a3-9456-f407a0b103aa').ExchangeGuid } }
)
# step 1 (4 directory, OnPremises): on-prem Exchange Management Shell, then let Entra Connect sync
Invoke-Step $f 1 'OnPremises' -Target 'gina.gray@contoso.com' -Command 'Set-RemoteMailbox -Identity ''gina.gray@contoso.com'' -ExchangeGuid ''1b3c8892-4ce1-4100-a860-0e0f75c0153c''' -Action {
    Set-RemoteMailbox -Identity 'gina.gray@contoso.com' -ExchangeGuid '1b3c8892-4ce1-4100-a860-0e0f75c0153c'  # on-prem Exchange Management Shell, then let Entra Connect sync
}

# ==== lars.lund@contoso.com ====

# --- LIC005-5791e774d52439c3 · medium · LIC005 (license-assignment-error) ---
# ENTERPRISEPACK license of lars.lund@contoso.com is in state Error (CountViolation), assigned by group 7911f907-dd20-47bc-8056-b6da71ed263f
# precondition, re-read live before the first change:
#   entra.licenseAssignmentStates = ENTERPRISEPACK: Error (CountViolation) (ExchangeOnline)
$f = Start-Finding -Id 'LIC005-5791e774d52439c3' -Identity 'lars.lund@contoso.com' -Acts @('ExchangeOnline') -Preconditions @(
    @{ Field = 'entra.licenseAssignmentStates'; Shell = 'ExchangeOnline'; Expected = 'ENTERPRISEPACK: Error (CountViolation)'; Set = $true; Live = { Get-LicenseStateText (Get-MgUser -UserId '6f59483e-2579-4d8b-8bc6-9b3e3202d0ea' -Property licenseAssignmentStates) @('ENTERPRISEPACK') } }
)
# step 1 (read / manual, Manual): 1. not enough ENTERPRISEPACK licenses left: buy more or free some
Write-ManualStep $f 1 '1. not enough ENTERPRISEPACK licenses left: buy more or free some' -Gate -Next @('ExchangeOnline')
# step 2 (3 license, ExchangeOnline): 2. then reprocess
Invoke-Step $f 2 'ExchangeOnline' -Target 'lars.lund@contoso.com' -Command 'Invoke-MgLicenseUser -UserId ''lars.lund@contoso.com''' -Action {
    Invoke-MgLicenseUser -UserId 'lars.lund@contoso.com'
}

# ==== legal.hold@contoso.com ====

# --- LIC003-b8ec414b85488a24 · medium · LIC003 (shared-mailbox-needs-license) ---
# unlicensed SharedMailbox legal.hold@contoso.com needs an Exchange Online license: litigation hold
# precondition, re-read live before the first change:
#   exo.RecipientTypeDetails = SharedMailbox (ExchangeOnline)
#   entra.exchangePlans = none (ExchangeOnline)
#   exo.holds = on hold (ExchangeOnline)
$f = Start-Finding -Id 'LIC003-b8ec414b85488a24' -Identity 'legal.hold@contoso.com' -Acts @() -Preconditions @(
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'SharedMailbox'; Live = { (Get-Recipient -Identity '99a9af48-837c-4686-994a-e504d511bf16').RecipientTypeDetails } }
    @{ Field = 'entra.exchangePlans'; Shell = 'ExchangeOnline'; Expected = 'none'; Live = { Get-MailboxPlanState (Get-MgUser -UserId '7989c5ba-4576-4d25-a417-0ed973ec3eb6' -Property assignedPlans) $MailboxPlans } }
    @{ Field = 'exo.holds'; Shell = 'ExchangeOnline'; Expected = 'on hold'; Live = { Get-HoldState (Get-Mailbox -Identity '99a9af48-837c-4686-994a-e504d511bf16') } }
)
# step 1 (3 license, ExchangeOnline): Exchange Online Plan 2 (EXCHANGEENTERPRISE), or Plan 1 + Exchange Online Archiving
#   $sku = (Get-MgSubscribedSku -All | Where-Object SkuPartNumber -eq '<SKU with Exchange Online Plan 2, e.g. EXCHANGEENTERPRISE>').SkuId; if (@($sku | Where-Object { $_ }).Count -ne 1) { throw ('{0} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)' -f @($sku | Where-Object { $_ }).Count) }
#   $off = @(Get-MgUserLicenseDetail -UserId 'legal.hold@contoso.com' | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object { $_.ProvisioningStatus -eq 'Disabled' -and $_.ServicePlanName -notmatch '^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)' } | Select-Object -ExpandProperty ServicePlanId)
#   Set-MgUserLicense -UserId 'legal.hold@contoso.com' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()
Write-ManualStep $f 1 'fill in the <placeholder> first: $sku = (Get-MgSubscribedSku -All | Where-Object SkuPartNumber -eq ''<SKU with Exchange Online Plan 2, e.g. EXCHANGEENTERPRISE>'').SkuId; if (@($sku | Where-Object { $_ }).Count -ne 1) { throw (''{0} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)'' -f @($sku | Where-Object { $_ }).Count) }; $off = @(Get-MgUserLicenseDetail -UserId ''legal.hold@contoso.com'' | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object { $_.ProvisioningStatus -eq ''Disabled'' -and $_.ServicePlanName -notmatch ''^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)'' } | Select-Object -ExpandProperty ServicePlanId); Set-MgUserLicense -UserId ''legal.hold@contoso.com'' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()'

# ==== mia.moore@contoso.com ====

# --- LIC006-16ea772692dcacec · medium · LIC006 (migration-target-unlicensed) ---
# on-prem UserMailbox mia.moore@contoso.com is a migration candidate but its Entra user has no mailbox-granting Exchange plan (plans: EXCHANGE_S_FOUNDATION (grants no mailbox))
# precondition, re-read live before the first change:
#   ad.msExchRecipientTypeDetails = 1 (OnPremises)
#   entra.exchangePlans = none (ExchangeOnline)
#   ad.msExchMailboxGuid = 4049f613-1d57-473a-9ec2-fc3749609b80 (OnPremises)
#   exo.RecipientTypeDetails = MailUser (ExchangeOnline)
#   exo.ExchangeGuid = 4049f613-1d57-473a-9ec2-fc3749609b80 (ExchangeOnline)
#   exo.PreviousRecipientTypeDetails = None (ExchangeOnline)
$f = Start-Finding -Id 'LIC006-16ea772692dcacec' -Identity 'mia.moore@contoso.com' -Acts @('ExchangeOnline+MailboxSku') -Preconditions @(
    @{ Field = 'ad.msExchRecipientTypeDetails'; Shell = 'OnPremises'; Expected = '1'; Live = { ,(Get-ADUser -Identity '0ab1575e-8e4e-42aa-b7e8-679269b17a4a' -Properties msExchRecipientTypeDetails).msExchRecipientTypeDetails } }
    @{ Field = 'entra.exchangePlans'; Shell = 'ExchangeOnline'; Expected = 'none'; Live = { Get-MailboxPlanState (Get-MgUser -UserId '5d44d5ac-8f6b-4dfc-8964-9c9e96de6dc6' -Property assignedPlans) $MailboxPlans } }
    @{ Field = 'ad.msExchMailboxGuid'; Shell = 'OnPremises'; Expected = '4049f613-1d57-473a-9ec2-fc3749609b80'; Live = { ,(Get-ADUser -Identity '0ab1575e-8e4e-42aa-b7e8-679269b17a4a' -Properties msExchMailboxGuid).msExchMailboxGuid } }
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'MailUser'; Live = { (Get-Recipient -Identity '47bb2856-9943-450a-ba9f-bae6999ceedd').RecipientTypeDetails } }
    @{ Field = 'exo.ExchangeGuid'; Shell = 'ExchangeOnline'; Expected = '4049f613-1d57-473a-9ec2-fc3749609b80'; Live = { (Get-Recipient -Identity '47bb2856-9943-450a-ba9f-bae6999ceedd').ExchangeGuid } }
    @{ Field = 'exo.PreviousRecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'None'; Live = { (Get-User -Identity '47bb2856-9943-450a-ba9f-bae6999ceedd').PreviousRecipientTypeDetails } }
)
# step 1 (3 license, ExchangeOnline): license before the move: the cloud MailUser carries the on-prem ExchangeGuid and remembers no previous mailbox, so the license provisions none
Invoke-Step $f 1 'ExchangeOnline' -Target 'mia.moore@contoso.com' -Command 'Set-MgUserLicense -UserId ''mia.moore@contoso.com'' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()' -NeedsMailboxSku -Shows @('sku', 'off') -Prepare {
    $sku = (Get-MgSubscribedSku -All | Where-Object SkuPartNumber -eq $MailboxSku).SkuId; if (@($sku | Where-Object { $_ }).Count -ne 1) { throw ('{0} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)' -f @($sku | Where-Object { $_ }).Count) }
    $off = @(Get-MgUserLicenseDetail -UserId 'mia.moore@contoso.com' | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object { $_.ProvisioningStatus -eq 'Disabled' -and $_.ServicePlanName -notmatch '^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)' } | Select-Object -ExpandProperty ServicePlanId)
} -Action {
    Set-MgUserLicense -UserId 'mia.moore@contoso.com' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()
}

# ==== nora.nash@contoso.com ====

# --- PROV001-0af63b93442d46c2 · medium · PROV001 (cloud-mailbox-without-remote-object) ---
# nora.nash@contoso.com has a cloud UserMailbox but its synced AD object has no Exchange recipient attributes (no msExchRecipientTypeDetails): on-prem Exchange cannot manage or route to it
# precondition, re-read live before the first change:
#   ad.msExchRecipientTypeDetails = (empty) (OnPremises)
#   exo.RecipientTypeDetails = UserMailbox (ExchangeOnline)
# not re-read live (check by hand if in doubt): ad.sourceAnchor, entra.immutableIdAnchor
$f = Start-Finding -Id 'PROV001-0af63b93442d46c2' -Identity 'nora.nash@contoso.com' -Acts @('OnPremises') -Preconditions @(
    @{ Field = 'ad.msExchRecipientTypeDetails'; Shell = 'OnPremises'; Expected = ''; Live = { ,(Get-ADUser -Identity '8563b8cd-b3e1-40d6-89cc-54a3a52ed525' -Properties msExchRecipientTypeDetails).msExchRecipientTypeDetails } }
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'UserMailbox'; Live = { (Get-Recipient -Identity '7754e48f-9d40-479c-8138-126a2817ba42').RecipientTypeDetails } }
)
# step 1 (4 directory, OnPremises): on-prem Exchange Management Shell
Invoke-Step $f 1 'OnPremises' -Target 'nora.nash@contoso.com' -Command 'Enable-RemoteMailbox -Identity ''nnash'' -RemoteRoutingAddress ''nora.nash@contoso.mail.onmicrosoft.com''' -Action {
    Enable-RemoteMailbox -Identity 'nnash' -RemoteRoutingAddress 'nora.nash@contoso.mail.onmicrosoft.com'
}
# step 2 (4 directory, OnPremises)
Invoke-Step $f 2 'OnPremises' -Target 'nora.nash@contoso.com' -Command 'Set-RemoteMailbox -Identity ''nnash'' -ExchangeGuid ''f04be75d-5061-46de-b7b6-b287583c1f5c''' -Action {
    Set-RemoteMailbox -Identity 'nnash' -ExchangeGuid 'f04be75d-5061-46de-b7b6-b287583c1f5c'
}
# step 3 (5 sync, Manual)
#   Start-ADSyncSyncCycle -PolicyType Delta
Write-ManualStep $f 3 'run it on the Entra Connect server (the ADSync module is there): Start-ADSyncSyncCycle -PolicyType Delta'

# ==== projects@contoso.com ====

# --- LIC003-2eb4206ace3a4cf8 · medium · LIC003 (shared-mailbox-needs-license) ---
# unlicensed SharedMailbox projects@contoso.com needs an Exchange Online license: 55.0 GB in use (59,055,800,320 bytes, over 50 GB)
# precondition, re-read live before the first change:
#   exo.RecipientTypeDetails = SharedMailbox (ExchangeOnline)
#   entra.exchangePlans = none (ExchangeOnline)
# not re-read live (check by hand if in doubt): exo.TotalItemSize
$f = Start-Finding -Id 'LIC003-2eb4206ace3a4cf8' -Identity 'projects@contoso.com' -Acts @() -Preconditions @(
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'SharedMailbox'; Live = { (Get-Recipient -Identity '748b5e1b-0e2d-4619-acb5-99fa75e7dea5').RecipientTypeDetails } }
    @{ Field = 'entra.exchangePlans'; Shell = 'ExchangeOnline'; Expected = 'none'; Live = { Get-MailboxPlanState (Get-MgUser -UserId 'd5b294d0-3f4f-4f33-9b2e-c00c749a0aa5' -Property assignedPlans) $MailboxPlans } }
)
# step 1 (3 license, ExchangeOnline): Exchange Online Plan 2 (EXCHANGEENTERPRISE), or Plan 1 + Exchange Online Archiving
#   $sku = (Get-MgSubscribedSku -All | Where-Object SkuPartNumber -eq '<SKU with Exchange Online Plan 2, e.g. EXCHANGEENTERPRISE>').SkuId; if (@($sku | Where-Object { $_ }).Count -ne 1) { throw ('{0} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)' -f @($sku | Where-Object { $_ }).Count) }
#   $off = @(Get-MgUserLicenseDetail -UserId 'projects@contoso.com' | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object { $_.ProvisioningStatus -eq 'Disabled' -and $_.ServicePlanName -notmatch '^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)' } | Select-Object -ExpandProperty ServicePlanId)
#   Set-MgUserLicense -UserId 'projects@contoso.com' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()
Write-ManualStep $f 1 'fill in the <placeholder> first: $sku = (Get-MgSubscribedSku -All | Where-Object SkuPartNumber -eq ''<SKU with Exchange Online Plan 2, e.g. EXCHANGEENTERPRISE>'').SkuId; if (@($sku | Where-Object { $_ }).Count -ne 1) { throw (''{0} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)'' -f @($sku | Where-Object { $_ }).Count) }; $off = @(Get-MgUserLicenseDetail -UserId ''projects@contoso.com'' | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object { $_.ProvisioningStatus -eq ''Disabled'' -and $_.ServicePlanName -notmatch ''^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)'' } | Select-Object -ExpandProperty ServicePlanId); Set-MgUserLicense -UserId ''projects@contoso.com'' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()'

# ==== stan.stiles@contoso.com ====

# --- PROV002-b4859066938775e4 · medium · PROV002 (stale-exchange-attributes) ---
# stan.stiles@contoso.com has msExchHomeServerName and homeMDB set but no msExchMailboxGuid: leftovers of a removed mailbox ("ExchangeGuid is mandatory on UserMailbox")
# precondition, re-read live before the first change:
#   ad.msExchMailboxGuid = (empty) (OnPremises)
#   ad.msExchHomeServerName = /o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=EX01 (OnPremises)
#   ad.homeMDB = CN=DB01,CN=Databases,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com (OnPremises)
$f = Start-Finding -Id 'PROV002-b4859066938775e4' -Identity 'stan.stiles@contoso.com' -Acts @('OnPremises') -Preconditions @(
    @{ Field = 'ad.msExchMailboxGuid'; Shell = 'OnPremises'; Expected = ''; Live = { ,(Get-ADUser -Identity '5b399a03-8302-4913-aae5-dad806cb3634' -Properties msExchMailboxGuid).msExchMailboxGuid } }
    @{ Field = 'ad.msExchHomeServerName'; Shell = 'OnPremises'; Expected = '/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=EX01'; Live = { ,(Get-ADUser -Identity '5b399a03-8302-4913-aae5-dad806cb3634' -Properties msExchHomeServerName).msExchHomeServerName } }
    @{ Field = 'ad.homeMDB'; Shell = 'OnPremises'; Expected = 'CN=DB01,CN=Databases,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com'; Live = { ,(Get-ADUser -Identity '5b399a03-8302-4913-aae5-dad806cb3634' -Properties homeMDB).homeMDB } }
)
# step 1 (4 directory, OnPremises, DESTRUCTIVE): on-prem: clear the leftovers (and any other msExch* value of the removed mailbox), then sync
Invoke-Step $f 1 'OnPremises' -Target 'stan.stiles@contoso.com' -Command 'Set-ADUser -Identity ''sstiles'' -Clear msExchHomeServerName,homeMDB' -Destructive -Action {
    Set-ADUser -Identity 'sstiles' -Clear msExchHomeServerName,homeMDB
}
# step 2 (5 sync, Manual)
#   Start-ADSyncSyncCycle -PolicyType Delta
Write-ManualStep $f 2 'run it on the Entra Connect server (the ADSync module is there): Start-ADSyncSyncCycle -PolicyType Delta'

# ==== theo.thorn@contoso.com ====

# --- PROV003-498ab7c036e0485f · medium · PROV003 (remote-routing-address-invalid) ---
# RemoteUserMailbox theo.thorn@contoso.com: proxyAddresses have no address on contoso.mail.onmicrosoft.com
# precondition, re-read live before the first change:
#   ad.msExchRecipientTypeDetails = 2147483648 (OnPremises)
#   ad.proxyAddresses = SMTP:theo.thorn@contoso.com (OnPremises)
$f = Start-Finding -Id 'PROV003-498ab7c036e0485f' -Identity 'theo.thorn@contoso.com' -Acts @('OnPremises') -Preconditions @(
    @{ Field = 'ad.msExchRecipientTypeDetails'; Shell = 'OnPremises'; Expected = '2147483648'; Live = { ,(Get-ADUser -Identity '15352fbe-ca25-42a7-8900-c3ba2f56d49f' -Properties msExchRecipientTypeDetails).msExchRecipientTypeDetails } }
    @{ Field = 'ad.proxyAddresses'; Shell = 'OnPremises'; Expected = 'SMTP:theo.thorn@contoso.com'; Set = $true; Live = { ,(Get-ADUser -Identity '15352fbe-ca25-42a7-8900-c3ba2f56d49f' -Properties proxyAddresses).proxyAddresses } }
)
# step 1 (4 directory, OnPremises): on-prem Exchange Management Shell
Invoke-Step $f 1 'OnPremises' -Target 'theo.thorn@contoso.com' -Command 'Set-RemoteMailbox -Identity ''tthorn'' -EmailAddresses @{Add=''smtp:theo.thorn@contoso.mail.onmicrosoft.com''}' -Action {
    Set-RemoteMailbox -Identity 'tthorn' -EmailAddresses @{Add='smtp:theo.thorn@contoso.mail.onmicrosoft.com'}
}

# ==== tina.tran@contoso.com ====

# --- PROV003-9d6fc46f0fc73850 · medium · PROV003 (remote-routing-address-invalid) ---
# RemoteUserMailbox tina.tran@contoso.com: targetAddress tina.tran@contoso.onmicrosoft.com is not on contoso.mail.onmicrosoft.com; proxyAddresses have no address on contoso.mail.onmicrosoft.com
# precondition, re-read live before the first change:
#   ad.msExchRecipientTypeDetails = 2147483648 (OnPremises)
#   ad.targetAddress = SMTP:tina.tran@contoso.onmicrosoft.com (OnPremises)
#   ad.proxyAddresses = SMTP:tina.tran@contoso.com; smtp:tina.tran@contoso.onmicrosoft.com (OnPremises)
$f = Start-Finding -Id 'PROV003-9d6fc46f0fc73850' -Identity 'tina.tran@contoso.com' -Acts @('OnPremises') -Preconditions @(
    @{ Field = 'ad.msExchRecipientTypeDetails'; Shell = 'OnPremises'; Expected = '2147483648'; Live = { ,(Get-ADUser -Identity 'f79903ab-865f-4b48-8ede-279fd480d4f6' -Properties msExchRecipientTypeDetails).msExchRecipientTypeDetails } }
    @{ Field = 'ad.targetAddress'; Shell = 'OnPremises'; Expected = 'SMTP:tina.tran@contoso.onmicrosoft.com'; Live = { ,(Get-ADUser -Identity 'f79903ab-865f-4b48-8ede-279fd480d4f6' -Properties targetAddress).targetAddress } }
    @{ Field = 'ad.proxyAddresses'; Shell = 'OnPremises'; Expected = 'SMTP:tina.tran@contoso.com; smtp:tina.tran@contoso.onmicrosoft.com'; Set = $true; Live = { ,(Get-ADUser -Identity 'f79903ab-865f-4b48-8ede-279fd480d4f6' -Properties proxyAddresses).proxyAddresses } }
)
# step 1 (4 directory, OnPremises): on-prem Exchange Management Shell
Invoke-Step $f 1 'OnPremises' -Target 'tina.tran@contoso.com' -Command 'Set-RemoteMailbox -Identity ''ttran'' -RemoteRoutingAddress ''tina.tran@contoso.mail.onmicrosoft.com''' -Action {
    Set-RemoteMailbox -Identity 'ttran' -RemoteRoutingAddress 'tina.tran@contoso.mail.onmicrosoft.com'
}
# step 2 (4 directory, OnPremises)
Invoke-Step $f 2 'OnPremises' -Target 'tina.tran@contoso.com' -Command 'Set-RemoteMailbox -Identity ''ttran'' -EmailAddresses @{Add=''smtp:tina.tran@contoso.mail.onmicrosoft.com''}' -Action {
    Set-RemoteMailbox -Identity 'ttran' -EmailAddresses @{Add='smtp:tina.tran@contoso.mail.onmicrosoft.com'}
}

# ==== ulrich.ulm@contoso.com ====

# --- LIC004-b61698b0341f0282 · medium · LIC004 (usage-location-missing) ---
# ulrich.ulm@contoso.com has no usageLocation but holds EXCHANGE_S_ENTERPRISE, is assigned Exchange SKU ENTERPRISEPACK (Active): Exchange Online licensing and provisioning need one
# precondition, re-read live before the first change:
#   entra.usageLocation = (empty) (ExchangeOnline)
#   entra.exchangePlans = mailbox plan (ExchangeOnline)
#   entra.licenseAssignmentStates = ENTERPRISEPACK: Active (ExchangeOnline)
$f = Start-Finding -Id 'LIC004-b61698b0341f0282' -Identity 'ulrich.ulm@contoso.com' -Acts @('ExchangeOnline') -Preconditions @(
    @{ Field = 'entra.usageLocation'; Shell = 'ExchangeOnline'; Expected = ''; Live = { (Get-MgUser -UserId '206cf362-34e7-4967-8fd3-5e0ae03f5d2a' -Property usageLocation).UsageLocation } }
    @{ Field = 'entra.exchangePlans'; Shell = 'ExchangeOnline'; Expected = 'mailbox plan'; Live = { Get-MailboxPlanState (Get-MgUser -UserId '206cf362-34e7-4967-8fd3-5e0ae03f5d2a' -Property assignedPlans) $MailboxPlans } }
    @{ Field = 'entra.licenseAssignmentStates'; Shell = 'ExchangeOnline'; Expected = 'ENTERPRISEPACK: Active'; Set = $true; Live = { Get-LicenseStateText (Get-MgUser -UserId '206cf362-34e7-4967-8fd3-5e0ae03f5d2a' -Property licenseAssignmentStates) @('ENTERPRISEPACK') } }
)
# step 1 (3 license, ExchangeOnline): 1. the ISO 3166 code of the country where the user works (a synced user can take it from AD's c attribute through Entra Connect)
#   Update-MgUser -UserId 'ulrich.ulm@contoso.com' -UsageLocation '<ISO 3166 country code where the user works, e.g. DE>'
Write-ManualStep $f 1 'fill in the <placeholder> first: Update-MgUser -UserId ''ulrich.ulm@contoso.com'' -UsageLocation ''<ISO 3166 country code where the user works, e.g. DE>'''
# step 2 (read / manual, ExchangeOnline): 2. then check the license states (a direct assignment needs no reprocessing)
Invoke-Step $f 2 'ExchangeOnline' -Target 'ulrich.ulm@contoso.com' -Command 'Get-MgUser -UserId ''ulrich.ulm@contoso.com'' -Property licenseAssignmentStates | Select-Object -ExpandProperty LicenseAssignmentStates' -ReadOnly -Action {
    Get-MgUser -UserId 'ulrich.ulm@contoso.com' -Property licenseAssignmentStates | Select-Object -ExpandProperty LicenseAssignmentStates
}

# ==== walter.west@contoso.com ====

# --- PROV007-ea107490ad8ddc93 · medium · PROV007 (missing-upn-or-alias) ---
# RemoteUserMailbox walter.west@contoso.com has no mailNickname: Exchange Online cannot provision it correctly
# precondition, re-read live before the first change:
#   ad.msExchRecipientTypeDetails = 2147483648 (OnPremises)
#   ad.mailNickname = (empty) (OnPremises)
$f = Start-Finding -Id 'PROV007-ea107490ad8ddc93' -Identity 'walter.west@contoso.com' -Acts @('OnPremises') -Preconditions @(
    @{ Field = 'ad.msExchRecipientTypeDetails'; Shell = 'OnPremises'; Expected = '2147483648'; Live = { ,(Get-ADUser -Identity '3f9d5597-4885-4eaa-a03c-d13b4769c13c' -Properties msExchRecipientTypeDetails).msExchRecipientTypeDetails } }
    @{ Field = 'ad.mailNickname'; Shell = 'OnPremises'; Expected = ''; Live = { ,(Get-ADUser -Identity '3f9d5597-4885-4eaa-a03c-d13b4769c13c' -Properties mailNickname).mailNickname } }
)
# step 1 (4 directory, OnPremises): on-prem, then sync
Invoke-Step $f 1 'OnPremises' -Target 'walter.west@contoso.com' -Command 'Set-ADUser -Identity ''wwest'' -Replace @{mailNickname=''walter.west''}' -Action {
    Set-ADUser -Identity 'wwest' -Replace @{mailNickname='walter.west'}
}
# step 2 (5 sync, Manual)
#   Start-ADSyncSyncCycle -PolicyType Delta
Write-ManualStep $f 2 'run it on the Entra Connect server (the ADSync module is there): Start-ADSyncSyncCycle -PolicyType Delta'

# ==== xavier.xu@contoso.onmicrosoft.com ====

# --- PROV007-b3b09baba1212f18 · medium · PROV007 (missing-upn-or-alias) ---
# RemoteUserMailbox xavier.xu@contoso.onmicrosoft.com has no userPrincipalName: Exchange Online cannot provision it correctly
# precondition, re-read live before the first change:
#   ad.msExchRecipientTypeDetails = 2147483648 (OnPremises)
#   ad.userPrincipalName = (empty) (OnPremises)
$f = Start-Finding -Id 'PROV007-b3b09baba1212f18' -Identity 'xavier.xu@contoso.onmicrosoft.com' -Acts @('OnPremises') -Preconditions @(
    @{ Field = 'ad.msExchRecipientTypeDetails'; Shell = 'OnPremises'; Expected = '2147483648'; Live = { ,(Get-ADUser -Identity '3623e3b1-a53e-4652-9907-8710279117f5' -Properties msExchRecipientTypeDetails).msExchRecipientTypeDetails } }
    @{ Field = 'ad.userPrincipalName'; Shell = 'OnPremises'; Expected = ''; Live = { ,(Get-ADUser -Identity '3623e3b1-a53e-4652-9907-8710279117f5' -Properties UserPrincipalName).UserPrincipalName } }
)
# step 1 (4 directory, OnPremises): on-prem, then sync
Invoke-Step $f 1 'OnPremises' -Target 'xavier.xu@contoso.onmicrosoft.com' -Command 'Set-ADUser -Identity ''xxu'' -UserPrincipalName ''xavier.xu@contoso.com''' -Action {
    Set-ADUser -Identity 'xxu' -UserPrincipalName 'xavier.xu@contoso.com'
}
# step 2 (5 sync, Manual)
#   Start-ADSyncSyncCycle -PolicyType Delta
Write-ManualStep $f 2 'run it on the Entra Connect server (the ADSync module is there): Start-ADSyncSyncCycle -PolicyType Delta'

# ==== pam.pratt@contoso.com ====

# --- PRT002-3ffd5b881a9e1060 · low · PRT002 (stale-previous-mailbox-info) ---
# User pam.pratt@contoso.com still records PreviousRecipientTypeDetails UserMailbox but no soft-deleted or inactive mailbox is left: the cleanup failed
# precondition, re-read live before the first change:
#   exo.PreviousRecipientTypeDetails = UserMailbox (ExchangeOnline)
# not re-read live (check by hand if in doubt): exo.previousMailboxes
$f = Start-Finding -Id 'PRT002-3ffd5b881a9e1060' -Identity 'pam.pratt@contoso.com' -Acts @('ExchangeOnline') -Preconditions @(
    @{ Field = 'exo.PreviousRecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'UserMailbox'; Live = { (Get-User -Identity '680b8ebd-8a03-4b96-8a7b-29e5c99ff282').PreviousRecipientTypeDetails } }
)
# step 1 (2 previous mailbox, ExchangeOnline, DESTRUCTIVE): clear the stale record only while no soft-deleted or inactive mailbox of the user is left (the exports show none; clearing makes one unrecoverable): looked for again first, a failed look stops it
Invoke-Step $f 1 'ExchangeOnline' -Target 'pam.pratt@contoso.com' -Command 'Set-User -Identity ''pam.pratt@contoso.com'' -PermanentlyClearPreviousMailboxInfo' -Destructive -Shows @('left') -Prepare {
    $left = @(foreach ($only in @{SoftDeletedMailbox = $true}, @{InactiveMailboxOnly = $true}) { try { Get-Mailbox -Identity 'pam.pratt@contoso.com' @only -ErrorAction Stop } catch { if ("$_" -notmatch "couldn't be found|ManagementObjectNotFound") { throw } } }); if ($left.Count -gt 0) { throw ('{0} soft-deleted or inactive mailbox(es) left: save their content first (LIC002, HOLD003)' -f $left.Count) }
} -Action {
    Set-User -Identity 'pam.pratt@contoso.com' -PermanentlyClearPreviousMailboxInfo
}

# ==== rachel.ross@contoso.com ====

# --- RES001-9351362464cef144 · low · RES001 (recipient-type-mismatch) ---
# rachel.ross@contoso.com is RemoteUserMailbox on-prem but SharedMailbox in Exchange Online (expected UserMailbox)
# precondition, re-read live before the first change:
#   ad.msExchRecipientTypeDetails = 2147483648 (OnPremises)
#   exo.RecipientTypeDetails = SharedMailbox (ExchangeOnline)
$f = Start-Finding -Id 'RES001-9351362464cef144' -Identity 'rachel.ross@contoso.com' -Acts @('OnPremises') -Preconditions @(
    @{ Field = 'ad.msExchRecipientTypeDetails'; Shell = 'OnPremises'; Expected = '2147483648'; Live = { ,(Get-ADUser -Identity '348e9561-8997-45aa-8ef0-baa7c9dda1e1' -Properties msExchRecipientTypeDetails).msExchRecipientTypeDetails } }
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'SharedMailbox'; Live = { (Get-Recipient -Identity 'cecd4c8c-9088-4ab6-80dd-4e94fcd97859').RecipientTypeDetails } }
)
# step 1 (read / manual, Manual): 1. decide which type is intended: the cloud's (then record it on-prem, next step) or RemoteUserMailbox (then convert the cloud mailbox instead, Set-Mailbox -Identity 'rachel.ross@contoso.com' -Type Regular, and stop here)
Write-ManualStep $f 1 '1. decide which type is intended: the cloud''s (then record it on-prem, next step) or RemoteUserMailbox (then convert the cloud mailbox instead, Set-Mailbox -Identity ''rachel.ross@contoso.com'' -Type Regular, and stop here)' -Gate -Next @('OnPremises')
# step 2 (4 directory, OnPremises): 2. on-prem: record the cloud type
Invoke-Step $f 2 'OnPremises' -Target 'rachel.ross@contoso.com' -Command 'Set-RemoteMailbox -Identity ''rachel.ross@contoso.com'' -Type Shared' -Action {
    Set-RemoteMailbox -Identity 'rachel.ross@contoso.com' -Type Shared
}

# ==== vera.vogel@contoso.com ====

# --- PROV005-09b5935f2653e84e · info · PROV005 (exchange-object-missing) ---
# vera.vogel@contoso.com holds EXCHANGE_S_ENTERPRISE since 2026-11-22T03:00:00Z: within the 24 h provisioning SLA (ends 2026-11-23T03:00:00Z), but Exchange Online has no object for it
# deadline 2026-11-23: 1 days left the audit
# precondition, re-read live before the first change:
#   entra.exchangePlans = mailbox plan (ExchangeOnline)
# not re-read live (check by hand if in doubt): exo.present
$f = Start-Finding -Id 'PROV005-09b5935f2653e84e' -Identity 'vera.vogel@contoso.com' -Acts @('ExchangeOnline') -Preconditions @(
    @{ Field = 'entra.exchangePlans'; Shell = 'ExchangeOnline'; Expected = 'mailbox plan'; Live = { Get-MailboxPlanState (Get-MgUser -UserId '5277b7a6-2faa-448f-ac42-81ffdea22512' -Property assignedPlans) $MailboxPlans } }
)
# step 1 (read / manual, ExchangeOnline): check what blocks provisioning (usageLocation, sync errors; on-prem userPrincipalName and mailNickname), fix it
Invoke-Step $f 1 'ExchangeOnline' -Target 'vera.vogel@contoso.com' -Command 'Get-MgUser -UserId ''vera.vogel@contoso.com'' -Property usageLocation,onPremisesProvisioningErrors,assignedPlans | Format-List usageLocation,onPremisesProvisioningErrors,assignedPlans' -ReadOnly -Action {
    Get-MgUser -UserId 'vera.vogel@contoso.com' -Property usageLocation,onPremisesProvisioningErrors,assignedPlans | Format-List usageLocation,onPremisesProvisioningErrors,assignedPlans
}
# step 2 (read / manual, Manual): still missing after that: ask Microsoft support for a forward sync of Entra object id 5277b7a6-2faa-448f-ac42-81ffdea22512
Write-ManualStep $f 2 'still missing after that: ask Microsoft support for a forward sync of Entra object id 5277b7a6-2faa-448f-ac42-81ffdea22512'

# ==== frank.fox@contoso.com ====

# --- LIC002-edf169a41c478180 · info · LIC002 (soft-deleted-purge) ---
# UserMailbox of frank.fox@contoso.com soft-deleted 2026-11-07: purge due 2026-12-07, 15 days left
# deadline 2026-12-07: 15 days left the audit
# not re-read live (check by hand if in doubt): exo.previousMailboxes, ad.present
$f = Start-Finding -Id 'LIC002-edf169a41c478180' -Identity 'frank.fox@contoso.com' -Acts @() -Preconditions @()
# step 1 (4 directory, ExchangeOnline): to keep its content, restore it before 2026-12-07 (there is no active mailbox to restore into: restore the user first, or pick another target mailbox); the target takes the source's LegacyExchangeDN as an X500 address, so replies to old messages still reach it
#   $source = Get-Mailbox -SoftDeletedMailbox -Identity '8d0639f5-4830-4f7d-ab33-76d647b67601'
#   Set-Mailbox -Identity '<target mailbox>' -EmailAddresses @{Add = "X500:$($source.LegacyExchangeDN)"}
Write-ManualStep $f 1 'fill in the <placeholder> first: $source = Get-Mailbox -SoftDeletedMailbox -Identity ''8d0639f5-4830-4f7d-ab33-76d647b67601''; Set-Mailbox -Identity ''<target mailbox>'' -EmailAddresses @{Add = "X500:$($source.LegacyExchangeDN)"}'
# step 2 (6 move, ExchangeOnline)
#   New-MailboxRestoreRequest -SourceMailbox '8d0639f5-4830-4f7d-ab33-76d647b67601' -TargetMailbox (Get-Mailbox -Identity '<target mailbox>').ExchangeGuid.ToString()
Write-ManualStep $f 2 'fill in the <placeholder> first: New-MailboxRestoreRequest -SourceMailbox ''8d0639f5-4830-4f7d-ab33-76d647b67601'' -TargetMailbox (Get-Mailbox -Identity ''<target mailbox>'').ExchangeGuid.ToString()'

# ==== sara.stone@contoso.com ====

# --- LIC002-c9b66e4afb125810 · info · LIC002 (soft-deleted-purge) ---
# UserMailbox of sara.stone@contoso.com soft-deleted 2026-11-17: purge due 2026-12-17, 25 days left; its AD account is disabled
# deadline 2026-12-17: 25 days left the audit
# precondition, re-read live before the first change:
#   ad.Enabled = false (OnPremises)
# not re-read live (check by hand if in doubt): exo.previousMailboxes
$f = Start-Finding -Id 'LIC002-c9b66e4afb125810' -Identity 'sara.stone@contoso.com' -Acts @() -Preconditions @(
    @{ Field = 'ad.Enabled'; Shell = 'OnPremises'; Expected = 'false'; Live = { ,(Get-ADUser -Identity 'eb92986e-ab2c-4400-bc05-56642385b779' -Properties Enabled).Enabled } }
)
# step 1 (3 license, ExchangeOnline): to keep it, license the user again before 2026-12-17: Exchange Online reconnects the soft-deleted mailbox
#   $sku = (Get-MgSubscribedSku -All | Where-Object SkuPartNumber -eq '<SKU that licenses mailboxes in this tenant, e.g. EXCHANGESTANDARD>').SkuId; if (@($sku | Where-Object { $_ }).Count -ne 1) { throw ('{0} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)' -f @($sku | Where-Object { $_ }).Count) }
#   $off = @(Get-MgUserLicenseDetail -UserId 'sara.stone@contoso.com' | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object { $_.ProvisioningStatus -eq 'Disabled' -and $_.ServicePlanName -notmatch '^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)' } | Select-Object -ExpandProperty ServicePlanId)
#   Set-MgUserLicense -UserId 'sara.stone@contoso.com' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()
Write-ManualStep $f 1 'nothing of this finding is re-read live in this shell before it: check by hand, then run it yourself: $sku = (Get-MgSubscribedSku -All | Where-Object SkuPartNumber -eq ''<SKU that licenses mailboxes in this tenant, e.g. EXCHANGESTANDARD>'').SkuId; if (@($sku | Where-Object { $_ }).Count -ne 1) { throw (''{0} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)'' -f @($sku | Where-Object { $_ }).Count) }; $off = @(Get-MgUserLicenseDetail -UserId ''sara.stone@contoso.com'' | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object { $_.ProvisioningStatus -eq ''Disabled'' -and $_.ServicePlanName -notmatch ''^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)'' } | Select-Object -ExpandProperty ServicePlanId); Set-MgUserLicense -UserId ''sara.stone@contoso.com'' -AddLicenses @(@{SkuId = $sku; DisabledPlans = $off}) -RemoveLicenses @()'

# ==== ian.irwin@contoso.com ====

# --- HOLD003-88ba0e49bd2d50ef · info · HOLD003 (inactive-mailbox) ---
# inactive UserMailbox ian.irwin@contoso.com, user deleted 2025-06-18 is kept by litigation hold, eDiscovery case hold UniHb61c6cc7-0087-4a90-9290-2434ab43c785
# not re-read live (check by hand if in doubt): exo.previousMailboxes
$f = Start-Finding -Id 'HOLD003-88ba0e49bd2d50ef' -Identity 'ian.irwin@contoso.com' -Acts @('ExchangeOnline') -Preconditions @()
# step 1 (read / manual, ExchangeOnline): review with the records owner
Invoke-Step $f 1 'ExchangeOnline' -Target 'ian.irwin@contoso.com' -Command 'Get-Mailbox -InactiveMailboxOnly -Identity ''b437307c-8432-4928-bbd3-363be0300978'' | Format-List Name,LitigationHoldEnabled,InPlaceHolds,ComplianceTagHoldApplied' -ReadOnly -Action {
    Get-Mailbox -InactiveMailboxOnly -Identity 'b437307c-8432-4928-bbd3-363be0300978' | Format-List Name,LitigationHoldEnabled,InPlaceHolds,ComplianceTagHoldApplied  # review with the records owner
}

# ==== paul.price@contoso.com ====

# --- PROV006-705af7199be3719d · info · PROV006 (awaiting-migration) ---
# on-prem UserMailbox paul.price@contoso.com awaits migration: licensed (EXCHANGE_S_ENTERPRISE), cloud MailUser carries the on-prem ExchangeGuid b71c5d0d-567f-4162-beec-644cc7a9665c
# precondition, re-read live before the first change:
#   ad.msExchRecipientTypeDetails = 1 (OnPremises)
#   ad.msExchMailboxGuid = b71c5d0d-567f-4162-beec-644cc7a9665c (OnPremises)
#   exo.RecipientTypeDetails = MailUser (ExchangeOnline)
#   exo.ExchangeGuid = b71c5d0d-567f-4162-beec-644cc7a9665c (ExchangeOnline)
#   entra.exchangePlans = mailbox plan (ExchangeOnline)
$f = Start-Finding -Id 'PROV006-705af7199be3719d' -Identity 'paul.price@contoso.com' -Acts @() -Preconditions @(
    @{ Field = 'ad.msExchRecipientTypeDetails'; Shell = 'OnPremises'; Expected = '1'; Live = { ,(Get-ADUser -Identity '6ef7aaf6-a782-4349-9cf4-b7617df7f4c8' -Properties msExchRecipientTypeDetails).msExchRecipientTypeDetails } }
    @{ Field = 'ad.msExchMailboxGuid'; Shell = 'OnPremises'; Expected = 'b71c5d0d-567f-4162-beec-644cc7a9665c'; Live = { ,(Get-ADUser -Identity '6ef7aaf6-a782-4349-9cf4-b7617df7f4c8' -Properties msExchMailboxGuid).msExchMailboxGuid } }
    @{ Field = 'exo.RecipientTypeDetails'; Shell = 'ExchangeOnline'; Expected = 'MailUser'; Live = { (Get-Recipient -Identity '25e57f7e-f7bf-4efb-8a8f-99b753ecc895').RecipientTypeDetails } }
    @{ Field = 'exo.ExchangeGuid'; Shell = 'ExchangeOnline'; Expected = 'b71c5d0d-567f-4162-beec-644cc7a9665c'; Live = { (Get-Recipient -Identity '25e57f7e-f7bf-4efb-8a8f-99b753ecc895').ExchangeGuid } }
    @{ Field = 'entra.exchangePlans'; Shell = 'ExchangeOnline'; Expected = 'mailbox plan'; Live = { Get-MailboxPlanState (Get-MgUser -UserId 'a80054be-5151-4cfc-a322-4c9eaadeb44b' -Property assignedPlans) $MailboxPlans } }
)
# step 1 (6 move, ExchangeOnline): when its batch is due (Exchange Online PowerShell; the endpoint is your hybrid MRS proxy)
#   New-MoveRequest -Identity 'paul.price@contoso.com' -Remote -RemoteHostName '<hybrid endpoint FQDN>' -TargetDeliveryDomain 'contoso.mail.onmicrosoft.com' -RemoteCredential (Get-Credential)
Write-ManualStep $f 1 'fill in the <placeholder> first: New-MoveRequest -Identity ''paul.price@contoso.com'' -Remote -RemoteHostName ''<hybrid endpoint FQDN>'' -TargetDeliveryDomain ''contoso.mail.onmicrosoft.com'' -RemoteCredential (Get-Credential)'


Write-Host ('{0} steps run, {1} findings skipped (changed since the audit, or a step by hand not done), {2} steps failed, {3} steps declined, {4} steps left for the other shell, -MailboxSku or -IncludeDestructive' -f $script:Tally.Done, $script:Tally.Skipped, $script:Tally.Failed, $script:Tally.Declined, $script:Tally.Waiting)
