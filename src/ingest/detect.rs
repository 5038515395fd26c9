//! Deciding what a file is from its header (CSV, .xlsx) or the keys of its first record (JSON),
//! never from its name.

use crate::model::Kind;
use crate::values::normalise_key;
use std::collections::HashSet;

/// Columns only a mailbox export (Get-EXOMailbox / Get-Mailbox) carries.
const MAILBOX_ONLY: &[&str] = &[
    "litigationholdenabled",
    "inplaceholds",
    "whenmailboxcreated",
    "isinactivemailbox",
    "issoftdeletedbyremove",
    "retentionholdenabled",
    "prohibitsendquota",
    "delayholdapplied",
    "compliancetagholdapplied",
    "whensoftdeleted",
    "mailboxplan",
];

/// Columns that only Exchange Online cmdlets write (never raw AD attributes).
const EXO_MARKERS: &[&str] = &["externaldirectoryobjectid", "recipienttypedetails", "recipienttype", "exchangeguid", "primarysmtpaddress", "windowsemailaddress"];

pub fn detect(headers: &[String]) -> Result<Kind, String> {
    let set: HashSet<String> = headers.iter().map(|h| normalise_key(h)).collect();
    let has = |k: &str| set.contains(k);
    let any = |ks: &[&str]| ks.iter().any(|k| set.contains(*k));

    if has("skuid") && has("skupartnumber") {
        return Ok(Kind::EntraSkus);
    }
    if has("totalitemsize") && any(&["mailboxguid", "itemcount"]) {
        return Ok(Kind::ExoStatistics);
    }
    if any(EXO_MARKERS) {
        if any(MAILBOX_ONLY) {
            return Ok(Kind::ExoMailboxes);
        }
        if has("externalemailaddress") && has("userprincipalname") {
            return Ok(Kind::ExoMailusers);
        }
        if has("userprincipalname") && !has("primarysmtpaddress") && !has("emailaddresses") {
            return Ok(Kind::ExoUsers);
        }
        if has("recipienttypedetails") && any(&["primarysmtpaddress", "emailaddresses"]) {
            return Ok(Kind::ExoRecipients);
        }
    }
    if any(&["onpremisesimmutableid", "immutableid"]) && any(&["userprincipalname", "objectid", "id"]) {
        return Ok(Kind::EntraUsers);
    }
    if has("userprincipalname") && any(&["id", "objectid"]) && any(&["accountenabled", "assignedlicenses", "usagelocation", "islicensed", "blockcredential", "usertype"]) {
        return Ok(Kind::EntraUsers);
    }
    if any(&["objectguid", "samaccountname", "msdsconsistencyguid", "useraccountcontrol"]) || (any(&["distinguishedname", "dn"]) && has("objectclass")) {
        return Ok(Kind::AdUsers);
    }
    let mut sample: Vec<&str> = headers.iter().map(String::as_str).take(8).collect();
    if headers.len() > 8 {
        sample.push("…");
    }
    Err(if headers.is_empty() {
        "no header or keys found".to_string()
    } else {
        format!(
            "its columns ({}) match no known export: expected e.g. ObjectGUID/sAMAccountName (AD), onPremisesImmutableId or ImmutableId (Entra), \
             ExternalDirectoryObjectId/RecipientTypeDetails (Exchange Online), TotalItemSize (statistics), skuId + skuPartNumber (subscribed SKUs)",
            sample.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(cols: &str) -> Result<Kind, String> {
        detect(&cols.split(',').map(str::to_string).collect::<Vec<_>>())
    }

    #[test]
    fn detects_each_kind_from_headers() {
        assert_eq!(kind("DistinguishedName,Enabled,ObjectGUID,SamAccountName,UserPrincipalName"), Ok(Kind::AdUsers));
        assert_eq!(kind("dn,objectClass,userPrincipalName,mail"), Ok(Kind::AdUsers), "csvde header");
        assert_eq!(kind("id,userPrincipalName,onPremisesImmutableId,accountEnabled"), Ok(Kind::EntraUsers));
        assert_eq!(kind("UserPrincipalName,DisplayName,ObjectId,ImmutableId,IsLicensed"), Ok(Kind::EntraUsers), "Get-MsolUser");
        assert_eq!(kind("skuId,skuPartNumber,servicePlans"), Ok(Kind::EntraSkus));
        assert_eq!(kind("ExternalDirectoryObjectId,UserPrincipalName,PrimarySmtpAddress,RecipientTypeDetails,LitigationHoldEnabled"), Ok(Kind::ExoMailboxes));
        assert_eq!(
            kind("ExternalDirectoryObjectId,UserPrincipalName,Alias,PrimarySmtpAddress,ExternalEmailAddress,RecipientTypeDetails,ExchangeGuid"),
            Ok(Kind::ExoMailusers)
        );
        assert_eq!(kind("ExternalDirectoryObjectId,UserPrincipalName,RecipientTypeDetails,PreviousRecipientTypeDetails,WindowsEmailAddress"), Ok(Kind::ExoUsers));
        assert_eq!(kind("ExternalDirectoryObjectId,Alias,PrimarySmtpAddress,RecipientTypeDetails,EmailAddresses"), Ok(Kind::ExoRecipients));
        assert_eq!(kind("DisplayName,MailboxGuid,ItemCount,TotalItemSize"), Ok(Kind::ExoStatistics));
        let err = kind("name,version,dependencies").unwrap_err();
        assert!(err.contains("name, version, dependencies"), "{err}");
    }
}
