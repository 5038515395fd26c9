//! The parsers on real-shaped snippets: each test writes the bytes an export command writes and checks
//! what the ingest makes of them.

use hybrid_audit::ingest::{self, Dataset, Format, Options};
use hybrid_audit::model::{ExoState, Kind, RecipientType};
use hybrid_audit::values::{DateOrder, Guid};
use std::path::Path;

fn load_files(files: &[(&str, Vec<u8>)], options: &Options) -> Dataset {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    }
    ingest::load(dir.path(), options).expect("load")
}

fn utf16le_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    out
}

fn utf16be_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFE, 0xFF];
    out.extend(text.encode_utf16().flat_map(|u| u.to_be_bytes()));
    out
}

const PS51_AD: &str = "#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n\
\"DistinguishedName\",\"Enabled\",\"ObjectGUID\",\"SamAccountName\",\"UserPrincipalName\",\"DisplayName\",\"proxyAddresses\",\"msExchRecipientTypeDetails\",\"msExchMailboxGuid\",\"whenCreated\",\"Description\"\r\n\
\"CN=Zoë Müller,OU=Staff,DC=contoso,DC=com\",\"True\",\"f7cc07d7-7c15-447d-876d-c01b0e5a9e38\",\"zmuller\",\"zoe.muller@contoso.com\",\"Zoë Müller\",\"SMTP:zoe.muller@contoso.com;smtp:zm@contoso.mail.onmicrosoft.com;X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=abc-zm\",\"2147483648\",\"{3AB39606-C642-489B-84B6-58C038D3EF39}\",\"4/13/2019 10:04:27 PM\",\"line one\r\nline two\"\r\n\
\"CN=Al Bo,OU=Staff,DC=contoso,DC=com\",\"False\",\"3ab39606-c642-489b-84b6-58c038d3ef39\",\"abo\",\"al.bo@contoso.com\",\"Al Bo\",\"\",\"34359738368\",\"\",\"4/5/2019 1:00:00 AM\",\"\"\r\n";

#[test]
fn ps51_csv_with_type_line_bom_and_embedded_newline() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(PS51_AD.as_bytes());
    let data = load_files(&[("x.csv", bytes)], &Options::default());
    let f = &data.files[0];
    assert_eq!((f.kind, f.format, f.encoding.as_str(), f.rows), (Kind::AdUsers, Format::Csv, "utf-8-bom", 2));
    assert_eq!(f.delimiter.as_deref(), Some(","));
    assert_eq!(f.date_order, Some(DateOrder::MonthFirst), "4/13 settles month-first for the whole file");
    let (ad, zoe) = (&data.ad_users, &data.ad_users[0]);
    assert_eq!(ad.text(zoe.display_name), Some("Zoë Müller"));
    assert_eq!(zoe.src.map(|s| s.line), Some(3), "line of the record after the #TYPE and header lines");
    let proxies: Vec<&str> = ad.list(zoe.proxy_addresses).collect();
    assert_eq!(proxies.len(), 3);
    assert!(proxies[2].contains("(FYDIBOHF23SPDLT)/cn=Recipients"));
    assert_eq!(zoe.recipient_type_details, Some(2147483648));
    assert_eq!(zoe.mailbox_guid, Guid::parse_text("3ab39606-c642-489b-84b6-58c038d3ef39"));
    assert_eq!(zoe.enabled, Some(true));
    let al = &data.ad_users[1];
    assert_eq!(al.src.map(|s| s.line), Some(5), "the embedded line break counts");
    assert_eq!(al.enabled, Some(false));
    assert!(al.when_created.is_some(), "4/5 resolved by the file's order");
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn semicolon_and_utf16_csv() {
    let semicolon = PS51_AD.replace("\",\"", "\";\"");
    let msol = "\"UserPrincipalName\",\"DisplayName\",\"ObjectId\",\"ImmutableId\",\"IsLicensed\",\"Licenses\",\"UsageLocation\",\"BlockCredential\",\"ValidationStatus\"\r\n\
\"zoe.muller@contoso.com\",\"Zoë\",\"0b7d3c1e-1a2b-4c3d-8e9f-001122334455\",\"1wfM9xV8fUSHbcAbDlqeOA==\",\"True\",\"contoso:ENTERPRISEPACK\",\"DE\",\"False\",\"Healthy\"\r\n";
    let data = load_files(&[("a.csv", semicolon.into_bytes()), ("b.csv", utf16be_bom(msol)), ("c.csv", utf16le_bom(msol))], &Options::default());
    assert_eq!(data.files[0].delimiter.as_deref(), Some(";"));
    assert_eq!(data.files[0].rows, 2);
    assert_eq!(data.files[1].encoding, "utf-16be-bom");
    assert_eq!(data.files[2].encoding, "utf-16le-bom");
    for f in &data.files[1..] {
        assert_eq!((f.kind, f.rows), (Kind::EntraUsers, 1), "{f:?}");
    }
    let u = &data.entra_users[0];
    assert_eq!(data.entra_users.text(u.display_name), Some("Zoë"));
    assert_eq!(u.immutable_guid, Guid::parse_text("f7cc07d7-7c15-447d-876d-c01b0e5a9e38"));
    assert_eq!(u.account_enabled, Some(true), "BlockCredential False → enabled");
    assert_eq!(u.licenses.len(), 1);
    assert_eq!((u.licenses[0].sku_id, data.entra_users.text(u.licenses[0].account_sku)), (None, Some("contoso:ENTERPRISEPACK")));
}

#[test]
fn numbers_excel_rounded_for_display_are_unreadable_not_misread() {
    // Opened in Excel and saved again as CSV: a General cell too narrow for 2147483648 shows, and saves,
    // `2.15E+09`. Read as 2150000000 it was an unknown recipient type, and every check passed the user
    // unseen; every digit in exponent form (`3.4359738368E+10`) is still the number.
    let saved = PS51_AD.replace("\"2147483648\"", "\"2.15E+09\"").replace("\"34359738368\"", "\"3.4359738368E+10\"");
    let data = load_files(&[("ad.csv", saved.into_bytes())], &Options::default());
    let f = &data.files[0];
    assert_eq!((f.kind, f.rows, f.unreadable_values), (Kind::AdUsers, 2, 1), "{f:?}");
    assert_eq!(data.ad_users[0].recipient_type_details, None);
    assert_eq!(data.ad_users[1].recipient_type_details, Some(34_359_738_368));
    assert_eq!(f.warnings.len(), 1, "{:?}", f.warnings);
    assert!(f.warnings[0].starts_with("1 value in msExchRecipientTypeDetails could not be read (first at line 3: \"2.15E+09\")"), "{}", f.warnings[0]);
    assert!(f.warnings[0].contains("Excel's rounded display of a long number"), "{}", f.warnings[0]);
}

#[test]
fn ad_objects_that_are_not_users_are_counted_not_read() {
    // Get-ADObject / csvde without a filter: groups, contacts and computers beside the users. A mail-enabled
    // group or contact has no userPrincipalName by design: read as people they were PROV007 findings.
    let header = "\"DistinguishedName\",\"ObjectClass\",\"ObjectGUID\",\"SamAccountName\",\"UserPrincipalName\",\"mail\",\"msExchRecipientTypeDetails\"\r\n";
    let row = |n: u32, class: &str, upn: &str| format!("\"CN=O{n},DC=contoso,DC=com\",\"{class}\",\"0b7d3c1e-1a2b-4c3d-8e9f-0011223344{n:02}\",\"o{n}\",\"{upn}\",\"o{n}@contoso.com\",\"\"\r\n");
    let mut csv = header.to_string();
    csv += &row(1, "user", "a@contoso.com");
    csv += &row(2, "group", "");
    csv += &row(3, "contact", "");
    csv += &row(4, "computer", "");
    csv += &row(5, "inetOrgPerson", "e@contoso.com");
    // csvde writes a multi-valued class in one cell: a computer's list has user in it, and ends in computer.
    csv += &row(6, "top;person;organizationalPerson;user;computer", "");
    csv += &row(7, "top;person;organizationalPerson;user", "g@contoso.com");
    csv += &row(8, "msDS-GroupManagedServiceAccount", "");
    let data = load_files(&[("ad.csv", csv.clone().into_bytes())], &Options::default());
    let f = &data.files[0];
    assert_eq!((f.kind, f.rows, f.error.as_ref()), (Kind::AdUsers, 3, None), "{f:?}");
    let upns: Vec<_> = data.ad_users.iter().map(|u| data.ad_users.text(u.user_principal_name)).collect();
    assert_eq!(upns, [Some("a@contoso.com"), Some("e@contoso.com"), Some("g@contoso.com")]);
    assert_eq!(data.ad_users.iter().map(|u| u.src.map(|s| s.line)).collect::<Vec<_>>(), [Some(2), Some(6), Some(8)], "lines as in the file");
    assert_eq!(
        f.warnings,
        ["objects that are not users were not read: 2 computer, 1 contact, 1 group, 1 msds-groupmanagedserviceaccount (the export took every object; \
          Get-ADUser, or csvde -r \"(&(objectCategory=person)(objectClass=user))\", takes users only)"]
    );
    // The same objects as JSON (Get-ADObject | ConvertTo-Json): the same rule.
    let json = r#"[{"DistinguishedName":"CN=A,DC=contoso,DC=com","ObjectClass":"user","ObjectGUID":"0b7d3c1e-1a2b-4c3d-8e9f-001122334455","UserPrincipalName":"a@contoso.com"},
                   {"DistinguishedName":"CN=G,DC=contoso,DC=com","ObjectClass":"group","ObjectGUID":"1b7d3c1e-1a2b-4c3d-8e9f-001122334455","mail":"g@contoso.com"}]"#;
    let data = load_files(&[("ad.json", json.as_bytes().to_vec())], &Options::default());
    assert_eq!((data.files[0].kind, data.files[0].rows, data.ad_users.len()), (Kind::AdUsers, 1, 1), "{:?}", data.files[0]);
    // A groups export with AD's columns holds nobody to audit: not used, and said why.
    let groups = format!("{header}{}{}", row(2, "group", ""), row(3, "group", ""));
    let data = load_files(&[("groups.csv", groups.into_bytes())], &Options::default());
    let f = &data.files[0];
    assert_eq!((f.kind, f.reason.as_deref()), (Kind::Unknown, Some("an AD export without user objects (2 group): the audit reads user accounts")), "{f:?}");
    assert!(data.ad_users.is_empty());
}

#[test]
fn excel_sep_line_states_the_delimiter() {
    // Excel writes `sep=;` first so that it opens the file with that delimiter; the header follows.
    let semicolon = format!("sep=;\r\n{}", PS51_AD.replace("\",\"", "\";\"").trim_start_matches('\u{feff}'));
    let data = load_files(&[("a.csv", semicolon.into_bytes())], &Options::default());
    assert_eq!((data.files[0].kind, data.files[0].delimiter.as_deref(), data.files[0].rows), (Kind::AdUsers, Some(";"), 2), "{:?}", data.files[0]);
    assert!(data.files[0].error.is_none(), "{:?}", data.files[0].error);
}

#[test]
fn graph_pages_are_one_table() {
    let page = |users: &str, next: bool| {
        format!(
            "{{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users\",\"value\":[{users}]{}}}",
            if next { ",\"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/users?$skiptoken=X\"" } else { "" }
        )
    };
    let u1 = r#"{"id":"0b7d3c1e-1a2b-4c3d-8e9f-001122334455","userPrincipalName":"a@contoso.com","onPremisesImmutableId":"1wfM9xV8fUSHbcAbDlqeOA==","accountEnabled":true,"usageLocation":null,
      "assignedLicenses":[{"disabledPlans":[],"skuId":"6fd2c87f-b296-42f0-b197-1e91e994b900"}],
      "assignedPlans":[{"assignedDateTime":"2024-01-02T03:04:05Z","capabilityStatus":"Enabled","service":"exchange","servicePlanId":"efb87545-963c-4e0d-99df-69c6916d9eb0"}],
      "licenseAssignmentStates":[{"skuId":"6fd2c87f-b296-42f0-b197-1e91e994b900","state":"Error","error":"CountViolation","assignedByGroup":null}],
      "onPremisesProvisioningErrors":[{"category":"PropertyConflict","propertyCausingError":"ProxyAddresses","value":"smtp:x@contoso.com"}]}"#;
    let u2 = r#"{"id":"1b7d3c1e-1a2b-4c3d-8e9f-001122334455","userPrincipalName":"b@contoso.com","onPremisesImmutableId":null,"accountEnabled":false}"#;
    let data = load_files(&[("p1.json", page(u1, true).into_bytes()), ("p2.json", page(u2, false).into_bytes())], &Options::default());
    assert_eq!(data.entra_users.len(), 2);
    let a = &data.entra_users[0];
    assert!(a.usage_location.is_none());
    assert_eq!(a.assigned_plans.len(), 1);
    assert!(a.assigned_plans[0].enabled);
    assert_eq!(data.entra_users.text(a.license_states[0].error), Some("CountViolation"));
    assert_eq!(data.entra_users.text(a.provisioning_errors[0].property), Some("ProxyAddresses"));
    assert!(data.entra_users[1].immutable_id.is_none());
    assert_eq!(data.entra_users[1].account_enabled, Some(false));
    // The same pages appended to one file by a paging loop (`… | Out-File users.json -Append`): read as the
    // two files are, not refused as a page whose next one is missing.
    let appended = format!("{}\r\n{}\r\n", page(u1, true), page(u2, false));
    let data = load_files(&[("users.json", appended.into_bytes())], &Options::default());
    assert_eq!((data.files[0].kind, data.files[0].rows, data.files[0].error.as_ref()), (Kind::EntraUsers, 2, None), "{:?}", data.files[0]);
    assert_eq!(data.entra_users.len(), 2);
    // Its last page announcing another is still a missing page.
    let cut = format!("{}\r\n{}\r\n", page(u2, false), page(u1, true));
    let data = load_files(&[("users.json", cut.into_bytes())], &Options::default());
    assert!(data.files[0].error.as_ref().is_some_and(|e| e.message.contains("announces a next page")), "{:?}", data.files[0]);
}

#[test]
fn deleted_entra_users_are_counted_not_joined() {
    // Graph's deleted items (Get-MgDirectoryDeletedItemAsUser) beside the users: read as current users,
    // each was a second holder of its addresses (SYNC002) and a user without mailbox. `$select=*` writes
    // deletedDateTime null on current users: those are read, and the column asks nothing of other files.
    let user = |n: u32, deleted: &str| format!("{{\"id\":\"0b7d3c1e-1a2b-4c3d-8e9f-0011223344{n:02}\",\"userPrincipalName\":\"u{n}@contoso.com\",\"accountEnabled\":true,\"deletedDateTime\":{deleted}}}");
    let page = |users: Vec<String>| format!("{{\"value\":[{}]}}", users.join(","));
    let current = page(vec![user(1, "null"), user(2, "null")]);
    let mixed = page(vec![user(3, "null"), user(4, "\"2026-11-01T10:00:00Z\""), user(5, "\"2026-11-02T10:00:00Z\"")]);
    let deleted = page(vec![user(6, "\"2026-11-01T10:00:00Z\"")]);
    let other = r#"[{"id":"1b7d3c1e-1a2b-4c3d-8e9f-001122334499","userPrincipalName":"x@contoso.com","accountEnabled":true}]"#;
    let data = load_files(
        &[("a-current.json", current.into_bytes()), ("b-mixed.json", mixed.into_bytes()), ("c-deleted.json", deleted.into_bytes()), ("d-other.json", other.as_bytes().to_vec())],
        &Options::default(),
    );
    let upns: Vec<_> = data.entra_users.iter().map(|u| data.entra_users.text(u.user_principal_name)).collect();
    assert_eq!(upns, [Some("u1@contoso.com"), Some("u2@contoso.com"), Some("u3@contoso.com"), Some("x@contoso.com")]);
    let [a, b, c, d] = [0, 1, 2, 3].map(|i| &data.files[i]);
    assert!(a.warnings.is_empty() && d.warnings.is_empty(), "{:?} {:?}", a.warnings, d.warnings);
    assert_eq!((b.kind, b.rows), (Kind::EntraUsers, 1));
    assert_eq!(b.warnings, ["2 deleted users (deletedDateTime set) not read: the audit joins the directory's current users"]);
    assert_eq!(c.kind, Kind::Unknown, "{c:?}");
    assert!(c.reason.as_deref().is_some_and(|r| r.starts_with("1 deleted user (deletedDateTime set: Graph's deleted items")), "{c:?}");
}

#[test]
fn azuread_module_users_keep_their_plan_dates() {
    // Get-AzureADUser | ConvertTo-Json: ObjectId, ImmutableId, DirSyncEnabled, and plans dated by
    // AssignedTimestamp (Graph: assignedDateTime). Without the date, PROV005 could not tell a mailbox past
    // its 24 h provisioning SLA from one still within it.
    let json = r#"[{"ObjectId":"0b7d3c1e-1a2b-4c3d-8e9f-001122334455","UserPrincipalName":"a@contoso.com","ImmutableId":"1wfM9xV8fUSHbcAbDlqeOA==",
      "DirSyncEnabled":true,"AccountEnabled":true,
      "AssignedPlans":[{"AssignedTimestamp":"2026-11-19T08:00:00Z","CapabilityStatus":"Enabled","Service":"exchange","ServicePlanId":"efb87545-963c-4e0d-99df-69c6916d9eb0"}]}]"#;
    let data = load_files(&[("azuread.json", json.as_bytes().to_vec())], &Options::default());
    assert_eq!(data.files[0].kind, Kind::EntraUsers, "{:?}", data.files[0]);
    let u = &data.entra_users[0];
    assert_eq!(u.on_premises_sync_enabled, Some(true));
    assert_eq!(u.assigned_plans.len(), 1);
    assert_eq!(u.assigned_plans[0].assigned.get(), Some(1_795_075_200), "2026-11-19T08:00:00Z");
}

#[test]
fn an_as_of_far_from_the_exports_dates_is_doubted() {
    // Deadlines count from --as-of: one before the exports' own dates (a mistyped year), or today by default
    // months after the exports were taken, puts every deadline in the wrong place.
    let users = r#"{"value":[{"id":"0b7d3c1e-1a2b-4c3d-8e9f-001122334455","userPrincipalName":"a@contoso.com","accountEnabled":true,"createdDateTime":"2026-03-01T10:00:00Z"},
                             {"id":"1b7d3c1e-1a2b-4c3d-8e9f-001122334455","userPrincipalName":"b@contoso.com","accountEnabled":true,"createdDateTime":"2026-05-10T10:00:00Z"}]}"#;
    let data = load_files(&[("users.json", users.as_bytes().to_vec())], &Options::default());
    let day = |y, m, d| hybrid_audit_sdk::Date::from_ymd(y, m, d).expect("date");
    let (file, why) = hybrid_audit::ingest::as_of_doubt(&data, day(2025, 5, 10), true).expect("as-of before the data");
    assert_eq!(file, 0);
    assert!(why.starts_with("its createdDateTime at line 2 (2026-05-10) is after --as-of 2025-05-10"), "{why}");
    let (_, why) = hybrid_audit::ingest::as_of_doubt(&data, day(2026, 11, 25), false).expect("today, long after the exports");
    assert!(why.starts_with("the newest date in the exports, its createdDateTime at line 2 (2026-05-10), is 199 days before today"), "{why}");
    // Given by the user, an as-of long after the exports is the user's decision; near the data, nothing is said.
    assert_eq!(hybrid_audit::ingest::as_of_doubt(&data, day(2026, 11, 25), true), None);
    assert_eq!(hybrid_audit::ingest::as_of_doubt(&data, day(2026, 5, 9), true), None, "a day before: time zones");
    assert_eq!(hybrid_audit::ingest::as_of_doubt(&data, day(2026, 6, 1), false), None);
}

#[test]
fn powershell_51_json_pascal_case_dates_and_byte_guids() {
    let g = Guid::parse_text("f7cc07d7-7c15-447d-876d-c01b0e5a9e38").unwrap();
    let bytes: Vec<String> = g.to_bytes_le().iter().map(|b| b.to_string()).collect();
    let json = format!(
        "[\r\n    {{\r\n        \"DistinguishedName\":  \"CN=A,DC=contoso,DC=com\",\r\n        \"ObjectGUID\":  {{\"Guid\": \"3ab39606-c642-489b-84b6-58c038d3ef39\"}},\r\n        \"mS-DS-ConsistencyGuid\":  [{}],\r\n        \"SamAccountName\":  \"a\",\r\n        \"whenCreated\":  \"\\/Date(1574202819000)\\/\",\r\n        \"Enabled\":  true,\r\n        \"msExchRecipientTypeDetails\":  2147483648\r\n    }}\r\n]",
        bytes.join(",")
    );
    let data = load_files(&[("ad.json", utf16le_bom(&json))], &Options::default());
    assert_eq!(data.files[0].kind, Kind::AdUsers, "{:?}", data.files[0]);
    let u = &data.ad_users[0];
    assert_eq!(u.consistency_guid, Some(g));
    assert_eq!(u.object_guid, Guid::parse_text("3ab39606-c642-489b-84b6-58c038d3ef39"));
    assert_eq!(u.source_anchor(), Some(g), "hard-matched: the anchor is the ConsistencyGuid");
    assert_eq!(u.when_created, Some(1574202819));
    assert_eq!(u.recipient_type_details, Some(2147483648));
    assert_eq!(u.enabled, Some(true));
    assert_eq!(u.src.map(|s| s.line), Some(2));
}

#[test]
fn an_on_premises_exchange_export_in_json_is_not_read_as_exchange_online() {
    // Get-Mailbox in the Exchange Management Shell, ConvertTo-Json: the first object says nothing of where
    // it lives, the second is in the on-premises forest. No row of it reaches the tables.
    let onprem = r#"[{"UserPrincipalName":"a@contoso.com","PrimarySmtpAddress":"a@contoso.com","RecipientTypeDetails":1,"LitigationHoldEnabled":false,"ExchangeGuid":"3ab39606-c642-489b-84b6-58c038d3ef39"},
      {"UserPrincipalName":"b@contoso.com","PrimarySmtpAddress":"b@contoso.com","RecipientTypeDetails":1,"LitigationHoldEnabled":true,"DistinguishedName":"CN=B,OU=Staff,DC=contoso,DC=com"}]"#;
    let data = load_files(&[("mailboxes.json", onprem.as_bytes().to_vec())], &Options::default());
    let f = &data.files[0];
    assert_eq!((f.kind, f.error.as_ref()), (Kind::Unknown, None), "{f:?}");
    assert!(f.reason.as_deref().is_some_and(|r| r.contains("on-premises Exchange organization") && r.contains("DistinguishedName at line 2")), "{f:?}");
    assert!(data.exo_recipients.is_empty());
    // The same with Exchange Online's DistinguishedName on one object: read.
    let cloud = onprem.replace("CN=B,OU=Staff,DC=contoso,DC=com", "CN=b,OU=contoso.onmicrosoft.com,OU=Microsoft Exchange Hosted Organizations,DC=NAMPR04A001,DC=prod,DC=outlook,DC=com");
    let data = load_files(&[("mailboxes.json", cloud.into_bytes())], &Options::default());
    assert_eq!((data.files[0].kind, data.files[0].rows), (Kind::ExoMailboxes, 2), "{:?}", data.files[0]);
    // A value not shaped as a distinguished name (a calculated column reusing the name) tells nothing: read.
    let odd = onprem.replace("CN=B,OU=Staff,DC=contoso,DC=com", "b");
    let data = load_files(&[("mailboxes.json", odd.into_bytes())], &Options::default());
    assert_eq!((data.files[0].kind, data.files[0].rows), (Kind::ExoMailboxes, 2), "{:?}", data.files[0]);
}

#[test]
fn an_on_premises_exchange_export_in_a_workbook_is_not_read_as_exchange_online() {
    // The same rule for a sheet: the Exchange Management Shell's Get-Mailbox pasted into Excel.
    let book_with = |dn: &str| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = mailbox_sheet(&mut book);
        sheet.write_string(0, 5, "DistinguishedName").expect("header");
        sheet.write_string(1, 0, "0b7d3c1e-1a2b-4c3d-8e9f-001122334455").expect("id");
        sheet.write_string(1, 1, "a@contoso.com").expect("upn");
        sheet.write_string(1, 2, "UserMailbox").expect("type");
        sheet.write_string(1, 5, dn).expect("dn");
        book.save_to_buffer().expect("xlsx")
    };
    let data = load_files(&[("mailboxes.xlsx", book_with("CN=A,OU=Staff,DC=contoso,DC=com"))], &Options::default());
    let f = &data.files[0];
    assert_eq!(f.kind, Kind::Unknown, "{f:?}");
    assert!(f.reason.as_deref().is_some_and(|r| r.contains("DistinguishedName at line 2 is \"CN=A,OU=Staff,DC=contoso,DC=com\"")), "{f:?}");
    assert!(data.exo_recipients.is_empty());
    let hosted = book_with("CN=a,OU=contoso.onmicrosoft.com,OU=Microsoft Exchange Hosted Organizations,DC=EURPR05A003,DC=PROD,DC=OUTLOOK,DC=COM");
    let data = load_files(&[("mailboxes.xlsx", hosted)], &Options::default());
    assert_eq!((data.files[0].kind, data.files[0].rows), (Kind::ExoMailboxes, 1), "{:?}", data.files[0]);
}

#[test]
fn exo_json_single_object_and_numeric_enums() {
    let one = r#"{"ExternalDirectoryObjectId":"0b7d3c1e-1a2b-4c3d-8e9f-001122334455","UserPrincipalName":"a@contoso.com","PrimarySmtpAddress":"a@contoso.com",
      "RecipientTypeDetails":4,"ExchangeGuid":"3ab39606-c642-489b-84b6-58c038d3ef39","LitigationHoldEnabled":false,"InPlaceHolds":["-mbx1234:1","UniHabc"],
      "RetentionHoldEnabled":true,"IsInactiveMailbox":false,"WhenSoftDeleted":null,"WhenMailboxCreated":"2021-03-04T10:11:12+00:00"}"#;
    let data = load_files(&[("m.json", one.as_bytes().to_vec())], &Options::default());
    assert_eq!(data.files[0].kind, Kind::ExoMailboxes);
    let (r, m) = data.exo_recipients.iter().next().expect("one mailbox");
    assert_eq!(m.recipient_type_details, Some(RecipientType::SharedMailbox));
    assert_eq!(data.exo_recipients.list(r, m.in_place_holds).collect::<Vec<_>>(), vec!["-mbx1234:1", "UniHabc"]);
    assert_eq!(m.state, ExoState::Active);
    assert!(m.when_mailbox_created.is_some());
}

#[test]
fn ldif_base64_guids_folded_lines_and_multi_values() {
    let g = Guid::parse_text("f7cc07d7-7c15-447d-876d-c01b0e5a9e38").unwrap();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(g.to_bytes_le());
    let name = base64::engine::general_purpose::STANDARD.encode("Zoë Müller".as_bytes());
    let ldif = format!(
        "version: 1\r\n\r\ndn: CN=Zoe,OU=Staff,DC=contoso,DC=com\r\nchangetype: add\r\nobjectClass: top\r\nobjectClass: person\r\nobjectClass: organizationalPerson\r\nobjectClass: user\r\n\
displayName:: {name}\r\nobjectGUID:: {b64}\r\nproxyAddresses: SMTP:zoe@contoso.com\r\nproxyAddresses: X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Reci\r\n pients/cn=zoe\r\n\
userAccountControl: 514\r\nwhenCreated: 20190412220427.0Z\r\nuserPrincipalName: zoe@contoso.com\r\n\r\ndn: CN=Staff,DC=contoso,DC=com\r\nchangetype: add\r\nobjectClass: organizationalUnit\r\n\r\n"
    );
    let data = load_files(&[("ad.ldf", ldif.into_bytes())], &Options::default());
    let f = &data.files[0];
    assert_eq!((f.kind, f.format, f.rows), (Kind::AdUsers, Format::Ldif, 1), "{f:?}");
    assert!(f.warnings.iter().any(|w| w.contains("1 organizationalunit")), "{:?}", f.warnings);
    let (ad, u) = (&data.ad_users, &data.ad_users[0]);
    assert_eq!(u.object_guid, Some(g));
    assert_eq!(ad.text(u.display_name), Some("Zoë Müller"));
    assert_eq!(u.enabled, Some(false), "userAccountControl 514 = disabled");
    let proxies: Vec<&str> = ad.list(u.proxy_addresses).collect();
    assert_eq!(proxies.len(), 2);
    assert!(proxies[1].ends_with("/cn=Recipients/cn=zoe"), "folded line joined: {proxies:?}");
    assert_eq!(ad.text(u.object_class), Some("user"));
    assert_eq!(u.src.map(|s| s.line), Some(3));
}

#[test]
fn lost_columns_and_ascii_question_marks_are_reported() {
    let csv = "\"SamAccountName\",\"UserPrincipalName\",\"DisplayName\",\"proxyAddresses\",\"msExchMailboxGuid\",\"memberOf\"\r\n\
\"jm\",\"jm@contoso.com\",\"J?rgen M?ller\",\"Microsoft.ActiveDirectory.Management.ADPropertyValueCollection\",\"System.Byte[]\",\"Microsoft.ActiveDirectory.Management.ADPropertyValueCollection\"\r\n";
    let data = load_files(&[("raw.csv", csv.as_bytes().to_vec())], &Options::default());
    let f = &data.files[0];
    let lost: Vec<(&str, bool)> = f.lost_columns.iter().map(|l| (l.column.as_str(), l.used)).collect();
    assert_eq!(lost, vec![("proxyAddresses", true), ("msExchMailboxGuid", true), ("memberOf", false)]);
    assert!(f.lost_columns[0].fix.contains("-join ';'"));
    assert!(f.lost_columns[1].fix.contains("[guid]"));
    assert!(f.warnings.iter().any(|w| w.starts_with("1 name contains '?'") && w.contains("J?rgen") && w.contains("-Encoding UTF8")), "{:?}", f.warnings);
    assert!(data.ad_users[0].proxy_addresses.is_none());
    assert_eq!(data.ad_users[0].mailbox_guid, None);
}

#[test]
fn a_lost_graph_list_is_advised_as_json_and_msol_licenses_as_sku_text() {
    // `Get-MgUser … | Export-Csv`: each list of objects becomes its type name. A calculated property cannot
    // bring back a license's disabled plans or a plan's service: the advice is the JSON export, not the
    // MSOL `Licenses.AccountSkuId` expression it was given before (the two share a field).
    let graph = "\"Id\",\"UserPrincipalName\",\"OnPremisesImmutableId\",\"AssignedLicenses\",\"AssignedPlans\"\r\n\
\"49e373b6-4717-40c6-ad43-843c45a258f0\",\"eve@contoso.com\",\"\",\"Microsoft.Graph.PowerShell.Models.IMicrosoftGraphAssignedLicense[]\",\"Microsoft.Graph.PowerShell.Models.IMicrosoftGraphAssignedPlan[]\"\r\n";
    let msol = "\"UserPrincipalName\",\"ObjectId\",\"ImmutableId\",\"Licenses\"\r\n\
\"dan@contoso.com\",\"0952e4c8-432f-4950-a65c-769c45993527\",\"BpazOkLGm0iEtljAONPvOQ==\",\"System.Collections.Generic.List`1[Microsoft.Online.Administration.UserLicense]\"\r\n";
    let data = load_files(&[("graph.csv", graph.as_bytes().to_vec()), ("msol.csv", msol.as_bytes().to_vec())], &Options::default());
    let f = |name: &str| data.files.iter().find(|f| f.path == name).expect(name);
    let fixes: Vec<(&str, &str)> = f("graph.csv").lost_columns.iter().map(|l| (l.column.as_str(), l.fix.as_str())).collect();
    assert_eq!(fixes.len(), 2, "{fixes:?}");
    for (column, fix) in fixes {
        assert!(fix.starts_with("JSON, not Export-Csv") && fix.contains("Get-MgUser -All -Property") && fix.contains("ConvertTo-Json -Depth 5"), "{column}: {fix}");
    }
    assert!(f("graph.csv").warnings.iter().any(|w| w.contains("of assignedPlans") && w.contains("re-export with JSON, not Export-Csv")), "{:?}", f("graph.csv").warnings);
    let msol_fix = &f("msol.csv").lost_columns.iter().find(|l| l.column == "assignedLicenses").expect("lost Licenses").fix;
    assert_eq!(msol_fix, "Select-Object …, @{n='Licenses';e={$_.Licenses.AccountSkuId -join ';'}}");
    // The warning gives the same advice, whole and once.
    let warning = f("msol.csv").warnings.iter().find(|w| w.contains("of assignedLicenses")).unwrap_or_else(|| panic!("{:?}", f("msol.csv").warnings));
    assert!(warning.ends_with(&format!("re-export with {msol_fix}")) && warning.matches("Select-Object").count() == 1, "{warning}");
}

#[test]
fn ambiguous_dates_are_never_guessed() {
    let csv = "\"ExternalDirectoryObjectId\",\"UserPrincipalName\",\"PrimarySmtpAddress\",\"RecipientTypeDetails\",\"WhenMailboxCreated\",\"LitigationHoldEnabled\"\r\n\
\"0b7d3c1e-1a2b-4c3d-8e9f-001122334455\",\"a@contoso.com\",\"a@contoso.com\",\"UserMailbox\",\"4/5/2021 10:00:00\",\"False\"\r\n";
    let data = load_files(&[("m.csv", csv.as_bytes().to_vec())], &Options::default());
    assert_eq!(data.exo_recipients.iter().next().expect("row").1.when_mailbox_created, None);
    assert_eq!(data.files[0].unresolved_dates, vec!["WhenMailboxCreated".to_string()]);
    assert!(data.files[0].warnings.iter().any(|w| w.starts_with("1 date in WhenMailboxCreated is ambiguous") && w.contains("--date-order")), "{:?}", data.files[0].warnings);
    let data = load_files(&[("m.csv", csv.as_bytes().to_vec())], &Options { date_order: Some(DateOrder::DayFirst), ..Default::default() });
    let ts = data.exo_recipients.iter().next().expect("row").1.when_mailbox_created.get().expect("resolved by the flag");
    assert_eq!(hybrid_audit::values::format_date(ts), "2021-05-04");
}

#[test]
fn bad_files_are_reported_never_fatal() {
    let truncated = "\"SamAccountName\",\"UserPrincipalName\",\"DisplayName\"\r\n\"a\",\"a@contoso.com\",\"A\"\r\n\"b\",\"b@cont";
    let ansi = b"\"SamAccountName\",\"UserPrincipalName\",\"DisplayName\"\r\n\"a\",\"a@contoso.com\",\"Jos\xe9\"\r\n".to_vec();
    let data = load_files(
        &[
            ("1.csv", truncated.as_bytes().to_vec()),
            ("2.csv", ansi),
            ("3.json", br#"{"name":"my-app","version":"1.0.0","dependencies":{}}"#.to_vec()),
            ("4.csv", Vec::new()),
            ("5.json", b"[{\"id\": \"x\", ".to_vec()),
        ],
        &Options::default(),
    );
    let f = |name: &str| data.files.iter().find(|f| f.path == name).expect(name);
    let e = f("1.csv").error.as_ref().expect("truncated is an error");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("expected 3 fields"), "{e}");
    let e = f("2.csv").error.as_ref().expect("ANSI is an error");
    assert_eq!((e.line, e.column.as_deref()), (Some(2), Some("DisplayName")));
    assert!(e.message.contains("0xE9") && e.hint.contains("-Encoding UTF8"), "{e}");
    assert_eq!(f("3.json").kind, Kind::Unknown);
    assert!(f("3.json").reason.as_deref().unwrap_or("").contains("match no known export"));
    assert!(f("4.csv").reason.as_deref().unwrap_or("").contains("empty"));
    assert!(f("5.json").error.as_ref().expect("cut JSON").message.contains("ends inside"));
    assert!(data.ad_users.is_empty(), "no partial table from a failed file");
}

#[test]
fn a_file_that_fails_half_way_leaves_no_rows_and_others_keep_theirs() {
    let good = "\"SamAccountName\",\"UserPrincipalName\"\r\n\"a\",\"a@contoso.com\"\r\n\"b\",\"b@contoso.com\"\r\n";
    // Fails on its third record, after two rows were typed into the shared AD table.
    let bad = "\"SamAccountName\",\"UserPrincipalName\"\r\n\"c\",\"c@contoso.com\"\r\n\"d\",\"d@contoso.com\"\r\n\"e\"\r\n";
    let data = load_files(&[("1-good.csv", good.as_bytes().to_vec()), ("2-bad.csv", bad.as_bytes().to_vec()), ("3-good.csv", good.replace("\"a\"", "\"x\"").into_bytes())], &Options::default());
    let sams: Vec<&str> = data.ad_users.iter().filter_map(|u| data.ad_users.text(u.sam_account_name)).collect();
    assert_eq!(sams, vec!["a", "b", "x", "b"], "rows in file order, none from the failed file");
    assert_eq!(data.files[1].error.as_ref().map(|e| e.line), Some(Some(4)));
    let files: Vec<u32> = data.ad_users.iter().filter_map(|u| u.src.map(|s| s.file)).collect();
    assert_eq!(files, vec![0, 0, 2, 2], "provenance names the report of each row's file");
}

#[test]
fn csvde_export_with_binary_guids_and_semicolon_multi_values() {
    // csvde -f users.csv -r "(objectClass=user)" -l "…": no quotes unless needed, binary as X'hex', multi-values with ';'.
    let csv = "DN,objectClass,sAMAccountName,userPrincipalName,objectGUID,proxyAddresses,userAccountControl\r\n\
\"CN=Zoe Muller,OU=Staff,DC=contoso,DC=com\",user,zmuller,zoe@contoso.com,X'd707ccf7157c7d44876dc01b0e5a9e38',SMTP:zoe@contoso.com;smtp:zm@contoso.mail.onmicrosoft.com,514\r\n";
    let data = load_files(&[("csvde.csv", csv.as_bytes().to_vec())], &Options::default());
    assert_eq!(data.files[0].kind, Kind::AdUsers, "{:?}", data.files[0]);
    let u = &data.ad_users[0];
    assert_eq!(u.object_guid, Guid::parse_text("f7cc07d7-7c15-447d-876d-c01b0e5a9e38"));
    assert_eq!(u.source_anchor().map(|g| g.to_immutable_id()).as_deref(), Some("1wfM9xV8fUSHbcAbDlqeOA=="));
    assert_eq!(data.ad_users.list(u.proxy_addresses).count(), 2);
    assert_eq!(u.enabled, Some(false));
    assert_eq!(data.ad_users.text(u.distinguished_name), Some("CN=Zoe Muller,OU=Staff,DC=contoso,DC=com"));
}

#[test]
fn json_in_a_windows_code_page_names_line_and_column() {
    let mut bytes = b"[\n {\"id\": \"0b7d3c1e-1a2b-4c3d-8e9f-001122334455\", \"userPrincipalName\": \"a@contoso.com\", \"onPremisesImmutableId\": null},\n {\"id\": \"1b7d3c1e-1a2b-4c3d-8e9f-001122334455\", \"userPrincipalName\": \"b@contoso.com\", \"displayName\": \"Ren".to_vec();
    bytes.extend(b"\xe9\", \"onPremisesImmutableId\": null}\n]");
    let data = load_files(&[("u.json", bytes)], &Options::default());
    let e = data.files[0].error.as_ref().expect("invalid UTF-8 is an error");
    assert_eq!(e.line, Some(3));
    assert_eq!(e.column.as_deref(), Some("106"), "the byte after \"Ren\" on line 3");
    assert!(e.hint.contains("-Encoding UTF8"), "{e}");
    assert!(data.entra_users.is_empty(), "the first record is taken back out");
}

#[test]
fn a_single_valued_attribute_given_twice_is_reported() {
    let ldif = "dn: CN=A,DC=contoso,DC=com\nobjectClass: user\nsAMAccountName: a\nmail: a@contoso.com\nmail: other@contoso.com\n\n";
    let data = load_files(&[("a.ldf", ldif.as_bytes().to_vec())], &Options::default());
    assert_eq!(data.ad_users.text(data.ad_users[0].mail), Some("a@contoso.com"));
    assert!(data.files[0].warnings.iter().any(|w| w.contains("several values in mail") && w.contains("line 1")), "{:?}", data.files[0].warnings);
}

#[test]
fn an_xlsx_title_above_the_table_is_not_its_header() {
    // Export-Excel -Title: one cell of title, then the header row, then the data.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Statistics").expect("name");
    sheet.write_string(0, 0, "Mailbox statistics - Contoso - 2026-11-21").expect("title");
    for (col, h) in ["DisplayName", "MailboxGuid", "TotalItemSize"].into_iter().enumerate() {
        sheet.write_string(1, col as u16, h).expect("header");
    }
    for (col, v) in ["Projects", "07070707-0707-0707-0707-070707070707", "55 GB (59,055,800,320 bytes)"].into_iter().enumerate() {
        sheet.write_string(2, col as u16, v).expect("row");
    }
    let bytes = book.save_to_buffer().expect("xlsx");
    let data = load_files(&[("stats.xlsx", bytes)], &Options::default());
    let f = &data.files[0];
    assert_eq!((f.kind, f.rows), (Kind::ExoStatistics, 1), "{f:?}");
    assert_eq!(data.statistics[0].src.map(|s| s.line), Some(3), "Excel's row number of the data");
}

#[test]
fn a_byte_order_mark_alone_is_an_empty_export() {
    // `Get-MgUser … | ConvertTo-Json > users.json` in Windows PowerShell with nothing returned: UTF-16LE BOM
    // and a line break. It was "no header line … #TYPE".
    let data = load_files(&[("users.json", vec![0xFF, 0xFE, 0x0D, 0x00, 0x0A, 0x00]), ("b.csv", vec![0xEF, 0xBB, 0xBF])], &Options::default());
    for f in &data.files {
        assert!(f.error.is_none() && f.reason.as_deref().is_some_and(|r| r.contains("the file is empty (a byte-order mark")), "{f:?}");
    }
}

#[test]
fn ldifde_without_object_class_reads_entries_with_a_upn_as_users() {
    // `ldifde -l "objectGUID,sAMAccountName,userPrincipalName,…"`: no objectClass in the output. An entry
    // with a UPN is a user; one without (a group) and a computer (`$`) are not.
    let ldif = "dn: CN=A,DC=contoso,DC=com\nsAMAccountName: a\nuserPrincipalName: a@contoso.com\n\n\
                dn: CN=Staff,DC=contoso,DC=com\nsAMAccountName: staff\nmail: staff@contoso.com\n\n\
                dn: CN=PC1,DC=contoso,DC=com\nsAMAccountName: PC1$\nuserPrincipalName: host/pc1@contoso.com\n\n";
    let data = load_files(&[("a.ldf", ldif.as_bytes().to_vec())], &Options::default());
    let f = &data.files[0];
    assert_eq!((f.kind, f.rows), (Kind::AdUsers, 1), "{f:?}");
    assert!(f.warnings.iter().any(|w| w.contains("1 entry without objectClass")), "{:?}", f.warnings);
    assert!(f.warnings.iter().any(|w| w.contains("2 no objectClass")), "the others are counted as not read: {:?}", f.warnings);
}

#[test]
fn excel_day_numbers_in_a_date_column_are_dates_and_other_numbers_unreadable() {
    // A mailbox export opened in Excel, its dates pasted as values: General-format cells show the day
    // number (45234.35 = 2023-11-04 08:24). A number no date could be (1234) stays unreadable on its row.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = mailbox_sheet(&mut book);
    for (row, (id, upn, created)) in [("0b7d3c1e-1a2b-4c3d-8e9f-001122334455", "a@contoso.com", 45234.35), ("1b7d3c1e-1a2b-4c3d-8e9f-001122334455", "b@contoso.com", 1234.0), ("2b7d3c1e-1a2b-4c3d-8e9f-001122334455", "c@contoso.com", 45234.35)]
        .into_iter()
        .enumerate()
    {
        let r = row as u32 + 1;
        sheet.write_string(r, 0, id).expect("id");
        sheet.write_string(r, 1, upn).expect("upn");
        sheet.write_string(r, 2, "UserMailbox").expect("type");
        if row == 2 {
            // The same day number stored as text (values pasted as text).
            sheet.write_string(r, 3, created.to_string()).expect("day number as text");
        } else {
            sheet.write_number(r, 3, created).expect("day number");
        }
        sheet.write_boolean(r, 4, false).expect("hold");
    }
    let data = load_files(&[("mailboxes.xlsx", book.save_to_buffer().expect("xlsx"))], &Options::default());
    let f = &data.files[0];
    assert_eq!((f.kind, f.rows), (Kind::ExoMailboxes, 3), "{f:?}");
    let rows: Vec<_> = data.exo_recipients.iter().map(|(_, r)| r).collect();
    for r in [rows[0], rows[2]] {
        assert_eq!(hybrid_audit::values::format_date(r.when_mailbox_created.get().expect("a date")), "2023-11-04");
    }
    assert!(f.warnings.iter().any(|w| w.starts_with("2 values in WhenMailboxCreated are Excel day numbers") && w.contains("first at row 2: 45234.35 = 2023-11-04T08:24:00Z")), "{:?}", f.warnings);
    assert_eq!((rows[0].unreadable, rows[1].when_mailbox_created.get()), (0, None));
    assert_ne!(rows[1].unreadable, 0, "1234 is no date: unknown on its row, not empty");
    assert!(f.warnings.iter().any(|w| w.starts_with("1 value in WhenMailboxCreated could not be read (first at line 3: \"1234\")")), "{:?}", f.warnings);
}

#[test]
fn a_1904_workbook_counts_its_day_numbers_from_1904() {
    // Old Mac Excel's date system: day 0 is 1904-01-01, 1,462 days after the 1900 system's. Both a date
    // cell and a day number in General format must read as the date Excel shows.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = mailbox_sheet(&mut book);
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm");
    // 2026-11-07 10:00 is day 46333.4166… in 1900 terms, 44871.4166… in 1904 terms.
    let day = 46333.0 + 10.0 / 24.0 - 1462.0;
    for (row, (id, upn)) in [("0b7d3c1e-1a2b-4c3d-8e9f-001122334455", "a@contoso.com"), ("1b7d3c1e-1a2b-4c3d-8e9f-001122334455", "b@contoso.com")].into_iter().enumerate() {
        let r = row as u32 + 1;
        sheet.write_string(r, 0, id).expect("id");
        sheet.write_string(r, 1, upn).expect("upn");
        sheet.write_string(r, 2, "UserMailbox").expect("type");
        if row == 0 {
            sheet.write_number_with_format(r, 3, day, &date).expect("date cell");
        } else {
            sheet.write_number(r, 3, day).expect("day number");
        }
        sheet.write_boolean(r, 4, false).expect("hold");
    }
    // rust_xlsxwriter writes the 1900 system: switch the workbook to 1904 as Excel for Mac saves it.
    let bytes = rewrite_part(book.save_to_buffer().expect("xlsx"), "xl/workbook.xml", |text| {
        assert!(text.contains("<workbookPr"), "{text}");
        text.replacen("<workbookPr", "<workbookPr date1904=\"1\"", 1)
    });
    let data = load_files(&[("mailboxes.xlsx", bytes)], &Options::default());
    let created: Vec<String> = data.exo_recipients.iter().map(|(_, r)| hybrid_audit::values::format_date(r.when_mailbox_created.get().expect("a date"))).collect();
    assert_eq!(created, ["2026-11-07", "2026-11-07"], "{:?}", data.files[0].warnings);
}

#[test]
fn blank_rows_of_an_xlsx_table_are_no_records() {
    // A blank row inside the table and formatted empty rows under it (Excel keeps their style): each was
    // read as an object with no value (an unmatched statistics row, a phantom mailbox).
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = mailbox_sheet(&mut book);
    let fill = rust_xlsxwriter::Format::new().set_background_color(rust_xlsxwriter::Color::Yellow);
    let mailbox = |sheet: &mut rust_xlsxwriter::Worksheet, r: u32, id: &str, upn: &str| {
        sheet.write_string(r, 0, id).expect("id");
        sheet.write_string(r, 1, upn).expect("upn");
        sheet.write_string(r, 2, "UserMailbox").expect("type");
    };
    mailbox(sheet, 1, "0b7d3c1e-1a2b-4c3d-8e9f-001122334455", "a@contoso.com");
    mailbox(sheet, 3, "1b7d3c1e-1a2b-4c3d-8e9f-001122334455", "b@contoso.com");
    for r in 4..8 {
        for c in 0..5 {
            sheet.write_blank(r, c, &fill).expect("formatted blank");
        }
    }
    sheet.write_string(8, 1, "").expect("an empty text cell");
    // A note beside the table (column G, no header) is no record either, and said.
    sheet.write_string(10, 6, "checked by J. Doe").expect("a note");
    let data = load_files(&[("mailboxes.xlsx", book.save_to_buffer().expect("xlsx"))], &Options::default());
    let f = &data.files[0];
    assert_eq!((f.kind, f.rows, f.error.as_ref()), (Kind::ExoMailboxes, 2, None), "{f:?}");
    assert_eq!(f.warnings, ["1 record has no value in any column this export is read from (first at row 11): not read as an object"]);
    let lines: Vec<_> = data.exo_recipients.iter().map(|(_, r)| r.src.map(|s| s.line)).collect();
    assert_eq!(lines, [Some(2), Some(4)], "Excel's row numbers");
}

#[test]
fn an_xlsx_table_may_start_right_of_column_a() {
    // Export-Excel -StartColumn 3: the header's first cell is the table's first column.
    // Formatted, never filled rows above it are no title rows: five of them, more than titles may be.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Statistics").expect("name");
    let fill = rust_xlsxwriter::Format::new().set_background_color(rust_xlsxwriter::Color::Yellow);
    for r in 0..5 {
        sheet.write_blank(r, 2, &fill).expect("formatted blank");
    }
    for (col, h) in ["DisplayName", "MailboxGuid", "TotalItemSize"].into_iter().enumerate() {
        sheet.write_string(5, col as u16 + 2, h).expect("header");
    }
    for (col, v) in ["Projects", "07070707-0707-0707-0707-070707070707", "55 GB (59,055,800,320 bytes)"].into_iter().enumerate() {
        sheet.write_string(6, col as u16 + 2, v).expect("row");
    }
    let data = load_files(&[("stats.xlsx", book.save_to_buffer().expect("xlsx"))], &Options::default());
    let f = &data.files[0];
    assert_eq!((f.kind, f.rows), (Kind::ExoStatistics, 1), "{f:?}");
    assert_eq!(data.statistics[0].src.map(|s| s.line), Some(7));
}

#[test]
fn an_xlsx_sheet_whose_rows_are_out_of_order_is_damaged() {
    // Excel writes rows in order; a sheet whose XML does not is refused with the row, not misread.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = mailbox_sheet(&mut book);
    for (r, upn) in [(1, "a@contoso.com"), (2, "b@contoso.com")] {
        sheet.write_string(r, 1, upn).expect("upn");
    }
    // Row 2 renumbered 9: rows 9 then 3.
    let bytes = rewrite_part(book.save_to_buffer().expect("xlsx"), "xl/worksheets/sheet1.xml", |text| {
        assert!(text.contains("<row r=\"2\"") && text.contains("r=\"B2\""), "{text}");
        text.replace("<row r=\"2\"", "<row r=\"9\"").replace("r=\"B2\"", "r=\"B9\"")
    });
    let data = load_files(&[("mailboxes.xlsx", bytes)], &Options::default());
    let f = &data.files[0];
    let error = f.error.as_ref().expect("an error");
    assert!(f.damaged && error.message == "sheet \"Mailboxes\" cannot be read: row 3 comes after row 9 in the sheet's XML (not written by Excel)", "{f:?}");
    assert!(data.exo_recipients.is_empty(), "no part of a damaged sheet is read");
}

/// The workbook `bytes` with its part `part` (XML text) changed by `change`, every other part as it was.
fn rewrite_part(bytes: Vec<u8>, part: &str, change: impl FnOnce(String) -> String) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut change = Some(change);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("entry");
        let name = entry.name().expect("entry name").to_string();
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut content).expect("read");
        if name == part {
            let change = change.take().expect("one part of that name");
            content = change(String::from_utf8(content).expect("UTF-8")).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).expect("start");
        std::io::Write::write_all(&mut out, &content).expect("write");
    }
    assert!(change.is_none(), "the workbook has no part {part}");
    out.finish().expect("finish").into_inner()
}

/// A "Mailboxes" sheet with the header of a mailbox export whose WhenMailboxCreated is column D (3).
fn mailbox_sheet(book: &mut rust_xlsxwriter::Workbook) -> &mut rust_xlsxwriter::Worksheet {
    let sheet = book.add_worksheet().set_name("Mailboxes").expect("name");
    for (col, h) in ["ExternalDirectoryObjectId", "UserPrincipalName", "RecipientTypeDetails", "WhenMailboxCreated", "LitigationHoldEnabled"].into_iter().enumerate() {
        sheet.write_string(0, col as u16, h).expect("header");
    }
    sheet
}

#[test]
fn blank_lines_and_ldapsearch_trailers_hold_no_rows() {
    // A line of spaces (an editor's last line) stopped the whole audit as "damaged or cut off".
    let csv = "\"SamAccountName\",\"UserPrincipalName\",\"DisplayName\"\r\n\"a\",\"a@contoso.com\",\"A\"\r\n\t\r\n\"b\",\"b@contoso.com\",\"B\"\r\n   \r\n";
    // A line with a value but too few fields is still damage.
    let short = "\"SamAccountName\",\"UserPrincipalName\",\"DisplayName\"\r\n\"a\",\"a@contoso.com\",\"A\"\r\nx\r\n";
    // OpenLDAP ldapsearch writes a trailer after the entries; a size-limited search is only part of
    // the directory, and says so in it.
    let ldif = |result: &str| {
        format!(
            "# extended LDIF\n#\n# LDAPv3\n\n# zoe, Staff, contoso.com\ndn: CN=Zoe,OU=Staff,DC=contoso,DC=com\nobjectClass: user\nobjectGUID: f7cc07d7-7c15-447d-876d-c01b0e5a9e38\nsAMAccountName: zoe\nuserPrincipalName: zoe@contoso.com\n\n# search result\nsearch: 2\nresult: {result}\n\n# numResponses: 2\n# numEntries: 1\n"
        )
    };
    let data = load_files(
        &[("blank.csv", csv.as_bytes().to_vec()), ("short.csv", short.as_bytes().to_vec()), ("ok.ldf", ldif("0 Success").into_bytes()), ("limited.ldf", ldif("4 Size limit exceeded").into_bytes())],
        &Options::default(),
    );
    let f = |name: &str| data.files.iter().find(|f| f.path == name).expect(name);
    assert!(f("blank.csv").error.is_none(), "{:?}", f("blank.csv").error);
    assert_eq!(f("blank.csv").rows, 2);
    let e = f("short.csv").error.as_ref().expect("a short row is damage");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("expected 3 fields, found 1") || e.message.contains("expected 3 fields as in the header, found 1"), "{e}");
    assert!(f("ok.ldf").error.is_none(), "{:?}", f("ok.ldf").error);
    assert_eq!((f("ok.ldf").kind, f("ok.ldf").rows), (Kind::AdUsers, 1));
    let e = f("limited.ldf").error.as_ref().expect("a size-limited search is incomplete");
    assert!(e.message.contains("4 Size limit exceeded") && e.hint.contains("-z 0"), "{e}");
}

#[test]
fn a_record_with_no_value_in_any_column_read_is_said_and_is_no_object() {
    // A line whose only value is in a column no field is read from (a "Notes" column added by hand), and
    // an empty JSON object: each was an object with no value — an unmatched AD user, an Entra user with
    // no id — in the join statistics and the Join sheet.
    let csv = "\"SamAccountName\",\"UserPrincipalName\",\"Notes\"\r\n\"a\",\"a@contoso.com\",\"\"\r\n\"\",\"\",\"checked by J. Doe\"\r\n\"b\",\"b@contoso.com\",\"\"\r\n\"\",\"\",\"and again\"\r\n";
    let json = r#"[{"id":"0b7d3c1e-1a2b-4c3d-8e9f-001122334455","userPrincipalName":"a@contoso.com","onPremisesImmutableId":null},
{}]"#;
    let data = load_files(&[("ad.csv", csv.as_bytes().to_vec()), ("users.json", json.as_bytes().to_vec())], &Options::default());
    let f = |name: &str| data.files.iter().find(|f| f.path == name).expect(name);
    assert_eq!((f("ad.csv").kind, f("ad.csv").rows, data.ad_users.len()), (Kind::AdUsers, 2, 2));
    assert_eq!(f("ad.csv").warnings, ["2 records have no value in any column this export is read from (first at line 3): not read as objects"]);
    assert_eq!((f("users.json").kind, f("users.json").rows, data.entra_users.len()), (Kind::EntraUsers, 1, 1));
    assert!(f("users.json").warnings.iter().any(|w| w.starts_with("1 record has no value in any field this export is read from (first at line 2)")), "{:?}", f("users.json").warnings);
}

#[test]
fn objects_written_as_powershell_text_are_read_or_lost_never_taken_as_values() {
    // A too shallow ConvertTo-Json writes nested objects as `@{Key=value; …}`. A provisioning error keeps
    // every field that way (it was read as one "MSOL" error whose value was the whole text); a license
    // does not (its DisabledPlans is a type name): lost, so no plan of it is taken as enabled.
    let json = r#"[{"id": "0952e4c8-432f-4950-a65c-769c45993527", "userPrincipalName": "dan@contoso.com", "onPremisesImmutableId": "BpazOkLGm0iEtljAONPvOQ==", "accountEnabled": true,
        "assignedLicenses": ["@{DisabledPlans=System.String[]; SkuId=6fd2c87f-b296-42f0-b197-1e91e994b900}"],
        "onPremisesProvisioningErrors": ["@{Category=PropertyConflict; OccurredDateTime=11/20/2026 10:00:00; PropertyCausingError=ProxyAddresses; Value=smtp:sales@contoso.com}"]}]"#;
    // Licenses as a bare list of SKU ids (a CSV of Get-MgUser): which plans are disabled is not said.
    let csv = "\"Id\",\"UserPrincipalName\",\"OnPremisesImmutableId\",\"AssignedLicenses\"\r\n\"49e373b6-4717-40c6-ad43-843c45a258f0\",\"eve@contoso.com\",\"\",\"6fd2c87f-b296-42f0-b197-1e91e994b900;a403ebcc-fae0-4ca2-8c8c-7a907fd6c235\"\r\n";
    let data = load_files(&[("entra.json", json.as_bytes().to_vec()), ("entra-csv.csv", csv.as_bytes().to_vec())], &Options::default());
    let users = &data.entra_users;
    let dan = users.iter().find(|u| users.text(u.user_principal_name) == Some("dan@contoso.com")).expect("dan");
    let e = &dan.provisioning_errors[0];
    assert_eq!((users.text(e.category), users.text(e.property), users.text(e.value)), (Some("PropertyConflict"), Some("ProxyAddresses"), Some("smtp:sales@contoso.com")));
    assert!(dan.licenses.is_empty() && dan.unreadable != 0, "the license is unknown, not absent");
    let file = data.files.iter().find(|f| f.path == "entra.json").expect("entra.json");
    assert!(file.lost_columns.iter().any(|l| l.column == "assignedLicenses"), "{:?}", file.lost_columns);
    let eve = users.iter().find(|u| users.text(u.user_principal_name) == Some("eve@contoso.com")).expect("eve");
    assert_eq!(eve.licenses.len(), 2);
    assert!(eve.licenses.iter().all(|l| l.sku_id.is_some() && !l.disabled_known));
}

#[test]
fn an_excel_tables_total_row_is_no_record() {
    // The export formatted as an Excel table with its Total Row on (Table Design → Total Row): the row
    // of "Total" and SUBTOTAL formulas under the data was read as one more object, named "Total".
    use rust_xlsxwriter::{Table, TableColumn, TableFunction};
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = mailbox_sheet(&mut book);
    for (r, id, upn) in [(1, "0b7d3c1e-1a2b-4c3d-8e9f-001122334455", "a@contoso.com"), (2, "1b7d3c1e-1a2b-4c3d-8e9f-001122334455", "b@contoso.com")] {
        sheet.write_string(r, 0, id).expect("id");
        sheet.write_string(r, 1, upn).expect("upn");
        sheet.write_string(r, 2, "UserMailbox").expect("type");
    }
    let headers = ["ExternalDirectoryObjectId", "UserPrincipalName", "RecipientTypeDetails", "WhenMailboxCreated", "LitigationHoldEnabled"];
    let mut columns: Vec<TableColumn> = headers.iter().map(|h| TableColumn::new().set_header(*h)).collect();
    columns[0] = TableColumn::new().set_header(headers[0]).set_total_label("Total");
    columns[1] = TableColumn::new().set_header(headers[1]).set_total_function(TableFunction::Count);
    sheet.add_table(0, 0, 3, 4, &Table::new().set_total_row(true).set_columns(&columns)).expect("table");
    let bytes = book.save_to_buffer().expect("xlsx");
    // A part whose count is not Excel's one row is not understood: its rows are read as the sheet has
    // them (the "Total" row then shows as an unreadable id), never dropped on a guess.
    let odd = rewrite_part(bytes.clone(), "xl/tables/table1.xml", |text| {
        assert!(text.contains(r#"totalsRowCount="1""#), "{text}");
        text.replace(r#"totalsRowCount="1""#, r#"totalsRowCount="5""#)
    });
    let data = load_files(&[("mailboxes.xlsx", odd)], &Options::default());
    assert_eq!(data.files[0].rows, 3, "{:?}", data.files[0]);
    let data = load_files(&[("mailboxes.xlsx", bytes)], &Options::default());
    let f = &data.files[0];
    assert_eq!((f.kind, f.rows, f.error.as_ref()), (Kind::ExoMailboxes, 2, None), "{f:?}");
    assert_eq!(f.warnings, ["row 4 is the total row of the Excel table \"Table1\": not read as an object"]);
    let upns: Vec<_> = data.exo_recipients.iter().map(|(x, r)| data.exo_recipients.text(x, r.user_principal_name).map(str::to_string)).collect();
    assert_eq!(upns, [Some("a@contoso.com".to_string()), Some("b@contoso.com".to_string())]);
}

#[test]
fn subscribed_skus_without_an_id_are_counted_not_read() {
    // A subscribedSkus record without its skuId (null, or the key gone from a hand-edited file) names no SKU:
    // not stored and not counted as a row read — said in a warning, or as the reason when it is all there is.
    let sku = |id: &str| format!("{{\"skuId\":{id},\"skuPartNumber\":\"ENTERPRISEPACK\",\"servicePlans\":[]}}");
    let mixed = format!(
        "{{\"value\":[{},{},{{\"skuPartNumber\":\"SPE_E5\",\"servicePlans\":[]}},{}]}}",
        sku("\"6fd2c87f-b296-42f0-b197-1e91e994b900\""),
        sku("null"),
        sku("\"not-a-guid\"")
    );
    let none = format!("{{\"value\":[{},{}]}}", sku("null"), sku("null"));
    let data = load_files(&[("a-skus.json", mixed.into_bytes()), ("b-skus.json", none.into_bytes())], &Options::default());
    let [a, b] = [0, 1].map(|i| &data.files[i]);
    assert_eq!((a.kind, a.rows), (Kind::EntraSkus, 1), "{a:?}");
    assert!(a.warnings.iter().any(|w| w == "2 SKU records without a skuId not read (the id names the SKU)"), "{:?}", a.warnings);
    assert!(
        a.warnings.iter().any(|w| w.starts_with("1 value in skuId could not be read (first at line 1: \"not-a-guid\"): that SKU record is not read")),
        "the id that is no GUID is reported: {:?}",
        a.warnings
    );
    assert_eq!(data.skus.len(), 1);
    assert_eq!(b.kind, Kind::Unknown, "{b:?}");
    assert!(b.reason.as_deref().is_some_and(|r| r.starts_with("2 SKU records without a skuId: nothing names the SKUs")), "{b:?}");
}
