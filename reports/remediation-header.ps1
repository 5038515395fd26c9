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

#__STEPS__

Write-Host ('{0} steps run, {1} findings skipped (changed since the audit, or a step by hand not done), {2} steps failed, {3} steps declined, {4} steps left for the other shell, -MailboxSku or -IncludeDestructive' -f $script:Tally.Done, $script:Tally.Skipped, $script:Tally.Failed, $script:Tally.Declined, $script:Tally.Waiting)
