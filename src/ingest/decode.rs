//! Encodings: UTF-8 (with or without BOM) passes through; UTF-16LE/BE (PowerShell 5.1 `Out-File`, `>`)
//! is transcoded to UTF-8 while streaming, so every reader sees UTF-8.

use super::Format;
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};
use encoding_rs_io::DecodeReaderBytesBuilder;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16LeBom,
    Utf16BeBom,
    /// UTF-16 without a BOM, recognised by its zero bytes.
    Utf16Le,
    Utf16Be,
}

/// The first bytes of a file, enough to tell its encoding and format.
pub struct Head {
    pub bytes: Vec<u8>,
    pub encoding: TextEncoding,
}

pub fn sniff(path: &Path) -> io::Result<Head> {
    let mut file = File::open(path)?;
    let mut bytes = vec![0u8; 8192];
    let mut n = 0;
    while n < bytes.len() {
        let k = file.read(&mut bytes[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    bytes.truncate(n);
    let encoding = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        TextEncoding::Utf8Bom
    } else if bytes.starts_with(&[0xFF, 0xFE]) {
        TextEncoding::Utf16LeBom
    } else if bytes.starts_with(&[0xFE, 0xFF]) {
        TextEncoding::Utf16BeBom
    } else if bytes.len() >= 4 && bytes[1] == 0 && bytes[3] == 0 && bytes[0] != 0 {
        TextEncoding::Utf16Le
    } else if bytes.len() >= 4 && bytes[0] == 0 && bytes[2] == 0 && bytes[1] != 0 {
        TextEncoding::Utf16Be
    } else {
        TextEncoding::Utf8
    };
    Ok(Head { bytes, encoding })
}

impl Head {
    pub fn is_zip(&self) -> bool {
        self.bytes.starts_with(b"PK\x03\x04")
    }

    pub fn encoding_name(&self) -> &'static str {
        match self.encoding {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Bom => "utf-8-bom",
            TextEncoding::Utf16LeBom => "utf-16le-bom",
            TextEncoding::Utf16BeBom => "utf-16be-bom",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16Be => "utf-16be",
        }
    }

    fn encoding_rs(&self) -> Option<&'static Encoding> {
        match self.encoding {
            TextEncoding::Utf16LeBom | TextEncoding::Utf16Le => Some(UTF_16LE),
            TextEncoding::Utf16BeBom | TextEncoding::Utf16Be => Some(UTF_16BE),
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => None,
        }
    }

    /// The head as UTF-8 text (lossy: only used to guess the format).
    pub fn text(&self) -> String {
        let (bytes, _) = match self.encoding_rs() {
            Some(enc) => {
                let skip = if matches!(self.encoding, TextEncoding::Utf16LeBom | TextEncoding::Utf16BeBom) { 2 } else { 0 };
                let (text, _) = enc.decode_without_bom_handling(&self.bytes[skip.min(self.bytes.len())..]);
                (text.into_owned(), ())
            }
            None => {
                let skip = if self.encoding == TextEncoding::Utf8Bom { 3 } else { 0 };
                (String::from_utf8_lossy(&self.bytes[skip..]).into_owned(), ())
            }
        };
        bytes
    }

    /// Lines end in `\r` alone: the head has carriage returns and no line feed.
    pub fn lone_cr_lines(&self) -> bool {
        let text = self.text();
        text.contains('\r') && !text.contains('\n')
    }

    pub fn guess_format(&self) -> Format {
        if self.bytes.iter().take(4096).filter(|&&b| b == 0).count() > 0 && self.encoding_rs().is_none() {
            return Format::Unknown;
        }
        let text = self.text();
        let trimmed = text.trim_start();
        if trimmed.starts_with('[') || trimmed.starts_with('{') {
            return Format::Json;
        }
        let first_content = trimmed.lines().find(|l| !l.trim().is_empty() && !l.starts_with('#')).unwrap_or("");
        let lower = first_content.to_ascii_lowercase();
        if lower.starts_with("dn:") || lower.starts_with("dn::") || lower.starts_with("version:") {
            return Format::Ldif;
        }
        Format::Csv
    }
}

/// Line ends of `\r` alone (an old Mac's) as `\n`: the reader counts lines by `\n`, so without it every
/// row was on line 2 of its file.
pub struct CrAsLf<R>(pub R);

impl<R: Read> Read for CrAsLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        for b in &mut buf[..n] {
            if *b == b'\r' {
                *b = b'\n';
            }
        }
        Ok(n)
    }
}

/// Opens the file as a UTF-8 byte stream (BOM removed, UTF-16 transcoded; UTF-8 passes through
/// unchecked so that invalid bytes are reported by the reader with their position).
pub fn open_utf8(path: &Path, head: &Head) -> io::Result<Box<dyn Read + Send>> {
    let file = File::open(path)?;
    let reader = DecodeReaderBytesBuilder::new()
        .encoding(head.encoding_rs())
        .bom_sniffing(true)
        .utf8_passthru(true)
        .strip_bom(true)
        .build(file);
    Ok(Box::new(io::BufReader::with_capacity(1 << 20, reader)))
}

/// Describes invalid UTF-8 at a position for the error message, guessing the usual cause.
pub fn invalid_utf8_hint(bytes: &[u8]) -> (String, String) {
    let shown: Vec<String> = bytes.iter().take(4).map(|b| format!("0x{b:02X}")).collect();
    (
        format!("bytes {} are not valid UTF-8", shown.join(" ")),
        "the file looks like a Windows code page (ANSI, e.g. Windows-1252) export: re-export with -Encoding UTF8 \
         (Export-Csv … -Encoding UTF8, or ConvertTo-Json | Set-Content -Encoding UTF8)"
            .to_string(),
    )
}
