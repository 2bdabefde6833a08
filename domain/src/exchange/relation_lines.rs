//! The relation lines of a body, in its order. An import applies them only after every fact
//! sheet line, a batch at a time, so a large body's relation lines wait on disk rather than in
//! memory: NDJSON text is kept as it came, in memory up to [`SPILL_AFTER_BYTES`] and in an
//! unnamed temporary file beyond (removed by the system when it is closed, even after a crash),
//! and parsed again when its batch comes up. What the import must know of all of them before it
//! starts, the fact sheets they name, is collected as they arrive.
//!
//! Lines another format built in memory (Backstage and OpenAPI documents, a handful each) are
//! held as they are.

use std::{
    collections::HashSet,
    fs::File,
    io::{self, BufWriter, Write},
    ops::Range,
};

use super::{
    line::Ref,
    parse::{Line, RelationLine, parse_line},
};
use crate::error::{Error, Result};

/// How much relation line text is kept in memory before it goes to a temporary file: a body
/// below it never touches the disk.
const SPILL_AFTER_BYTES: usize = 4 << 20;

/// Bytes before each line's text in a record: its line number.
const NUMBER_BYTES: usize = 8;

#[derive(Debug, Default)]
pub(super) struct RelationLines {
    kept: Kept,
    /// Every fact sheet the lines name at either end, until the import takes them.
    ends: HashSet<Ref>,
}

#[derive(Debug)]
enum Kept {
    Parsed(Vec<RelationLine>),
    Text(Spool),
}

impl Default for Kept {
    fn default() -> Self {
        Kept::Parsed(Vec::new())
    }
}

/// Records of `[line number: u64 LE][line text]`, one after the other.
#[derive(Debug, Default)]
struct Spool {
    /// Where each record starts.
    starts: Vec<u64>,
    /// The records, while they are few; empty once they went to `file`.
    memory: Vec<u8>,
    file: SpoolFile,
    /// The length of all records.
    end: u64,
    /// The first failure to write the file, reported when the lines are read.
    failed: Option<String>,
}

#[derive(Debug, Default)]
enum SpoolFile {
    #[default]
    None,
    Writing(BufWriter<File>),
    Written(File),
}

impl RelationLines {
    /// Keeps a line built in memory.
    pub(super) fn push_parsed(&mut self, line: RelationLine) {
        self.ends.insert(line.from.clone());
        self.ends.insert(line.to.clone());
        match &mut self.kept {
            Kept::Parsed(lines) => lines.push(line),
            Kept::Text(_) => unreachable!("a body's relation lines are all text or all parsed"),
        }
    }

    /// Keeps the text of NDJSON line `line`, which parsed as `parsed`.
    pub(super) fn push_text(&mut self, parsed: &RelationLine, text: &str) {
        self.ends.insert(parsed.from.clone());
        self.ends.insert(parsed.to.clone());
        if let Kept::Parsed(lines) = &self.kept {
            assert!(
                lines.is_empty(),
                "a body's relation lines are all text or all parsed"
            );
            self.kept = Kept::Text(Spool::default());
        }
        let Kept::Text(spool) = &mut self.kept else {
            unreachable!("made text above")
        };
        spool.push(parsed.line, text);
    }

    /// Ends the writing: every line is in, and the lines may be read.
    pub(super) fn finish(&mut self) {
        if let Kept::Text(spool) = &mut self.kept {
            spool.finish();
        }
    }

    pub(super) fn len(&self) -> usize {
        match &self.kept {
            Kept::Parsed(lines) => lines.len(),
            Kept::Text(spool) => spool.starts.len(),
        }
    }

    /// The fact sheets the lines name, which are no longer kept here.
    pub(super) fn take_ends(&mut self) -> HashSet<Ref> {
        std::mem::take(&mut self.ends)
    }

    /// The lines at positions `range`, in order.
    pub(super) fn read(&self, range: Range<usize>) -> Result<Vec<RelationLine>> {
        match &self.kept {
            Kept::Parsed(lines) => Ok(lines[range].to_vec()),
            Kept::Text(spool) => spool.read(range),
        }
    }
}

impl Spool {
    fn push(&mut self, number: usize, text: &str) {
        self.starts.push(self.end);
        self.end += (NUMBER_BYTES + text.len()) as u64;
        if self.failed.is_some() {
            return;
        }
        let number = (number as u64).to_le_bytes();
        match &mut self.file {
            SpoolFile::None => {
                self.memory.extend_from_slice(&number);
                self.memory.extend_from_slice(text.as_bytes());
                if self.memory.len() > SPILL_AFTER_BYTES {
                    self.spill();
                }
            }
            SpoolFile::Writing(file) => {
                let written = file
                    .write_all(&number)
                    .and_then(|()| file.write_all(text.as_bytes()));
                if let Err(e) = written {
                    self.fail(e);
                }
            }
            SpoolFile::Written(_) => unreachable!("no line comes after finish"),
        }
    }

    fn spill(&mut self) {
        let mut file = match tempfile::tempfile() {
            Ok(f) => BufWriter::with_capacity(256 << 10, f),
            Err(e) => return self.fail(e),
        };
        if let Err(e) = file.write_all(&self.memory) {
            return self.fail(e);
        }
        self.memory = Vec::new();
        self.file = SpoolFile::Writing(file);
    }

    fn fail(&mut self, e: io::Error) {
        self.failed.get_or_insert_with(|| e.to_string());
        // Lines are still counted, so that the import reports this, not a missing line.
        self.file = SpoolFile::None;
        self.memory = Vec::new();
    }

    fn finish(&mut self) {
        if let SpoolFile::Writing(file) = std::mem::take(&mut self.file) {
            match file.into_inner() {
                Ok(f) => self.file = SpoolFile::Written(f),
                Err(e) => self.fail(e.into_error()),
            }
        }
    }

    fn read(&self, range: Range<usize>) -> Result<Vec<RelationLine>> {
        if let Some(failed) = &self.failed {
            return Err(Error::Internal(format!(
                "keeping the relation lines in a temporary file failed: {failed}"
            )));
        }
        let (from, to) = (self.start(range.start), self.start(range.end));
        let mut bytes = vec![0; (to - from) as usize];
        match &self.file {
            SpoolFile::None => {
                bytes.copy_from_slice(&self.memory[from as usize..to as usize]);
            }
            SpoolFile::Written(file) => read_at(file, &mut bytes, from)
                .map_err(|e| Error::Internal(format!("reading relation lines back failed: {e}")))?,
            SpoolFile::Writing(_) => {
                return Err(Error::Internal(
                    "relation lines were read before the body was in".into(),
                ));
            }
        }
        let mut lines = Vec::with_capacity(range.len());
        for at in range {
            let record =
                &bytes[(self.start(at) - from) as usize..(self.start(at + 1) - from) as usize];
            let (number, text) = record.split_at(NUMBER_BYTES);
            let number = u64::from_le_bytes(number.try_into().expect("eight bytes")) as usize;
            let parsed = std::str::from_utf8(text)
                .ok()
                .and_then(|text| parse_line(number, text).ok());
            match parsed {
                Some(Some(Line::Relation(line))) => lines.push(line),
                _ => {
                    return Err(Error::Internal(format!(
                        "relation line {number} read back is not the line that was kept"
                    )));
                }
            }
        }
        Ok(lines)
    }

    /// Where record `at` starts; the end of all records for the position after the last.
    fn start(&self, at: usize) -> u64 {
        self.starts.get(at).copied().unwrap_or(self.end)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buffer, offset)
}

#[cfg(not(unix))]
fn read_at(mut file: &File, buffer: &mut [u8], offset: u64) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(number: usize, to: usize) -> String {
        format!(
            r#"{{"kind":"relation","type":"dependsOn","from":{{"externalId":{{"namespace":"n","value":"a{number}"}}}},"to":{{"externalId":{{"namespace":"n","value":"b{to}"}}}}}}"#
        )
    }

    fn kept(count: usize) -> RelationLines {
        let mut lines = RelationLines::default();
        for number in 1..=count {
            let text = text(number, number % 7);
            let Ok(Some(Line::Relation(parsed))) = parse_line(number, &text) else {
                panic!("{text} parses");
            };
            lines.push_text(&parsed, &text);
        }
        lines.finish();
        lines
    }

    #[test]
    fn lines_read_back_as_they_were_kept_in_memory_and_on_disk() {
        let few = kept(3);
        assert!(matches!(&few.kept, Kept::Text(s) if matches!(s.file, SpoolFile::None)));
        // Enough text to pass the spill threshold several times over.
        let many = kept(SPILL_AFTER_BYTES / 100);
        assert!(matches!(&many.kept, Kept::Text(s) if matches!(s.file, SpoolFile::Written(_))));
        for lines in [few, many] {
            let all = lines.read(0..lines.len()).unwrap();
            assert_eq!(all.len(), lines.len());
            for (at, line) in all.iter().enumerate() {
                let number = at + 1;
                assert_eq!(line.line, number);
                let Ok(Some(Line::Relation(expected))) =
                    parse_line(number, &text(number, number % 7))
                else {
                    unreachable!()
                };
                assert_eq!((&line.from, &line.to), (&expected.from, &expected.to));
            }
            let last = lines.len() - 1;
            let tail = lines.read(last - 1..last + 1).unwrap();
            assert_eq!(
                tail.iter().map(|l| l.line).collect::<Vec<_>>(),
                [last, last + 1]
            );
        }
    }

    #[test]
    fn the_ends_are_collected_once_each() {
        let mut lines = kept(20);
        let ends = lines.take_ends();
        // 20 distinct `from` ends and the 7 distinct `to` ends.
        assert_eq!(ends.len(), 27);
        assert!(lines.take_ends().is_empty());
    }
}
