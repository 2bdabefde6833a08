//! Records an import keeps for later, in order: in memory while they are few, and beyond
//! [`SPILL_AFTER_BYTES`] in an unnamed temporary file, which the system removes when it is
//! closed, even after a crash. An import of a large body holds what it applies last (the
//! relation lines) and what a dry run may never write (its planned rows) here rather than in
//! the server's memory; its page cache is the kernel's to give back.

use std::{
    fs::File,
    io::{self, BufWriter, Write},
    ops::Range,
};

use crate::error::{Error, Result};

/// How many bytes of records are kept in memory before they go to a temporary file: a small
/// import never touches the disk.
pub(super) const SPILL_AFTER_BYTES: usize = 4 << 20;

#[derive(Debug, Default)]
pub(super) struct Spool {
    /// Where each record starts.
    starts: Vec<u64>,
    /// The records, while they are few; empty once they went to `file`.
    memory: Vec<u8>,
    file: SpoolFile,
    /// The length of all records.
    end: u64,
    /// The first failure to write the file, reported when the records are read.
    failed: Option<String>,
}

#[derive(Debug, Default)]
enum SpoolFile {
    #[default]
    None,
    Writing(BufWriter<File>),
    Written(File),
}

impl Spool {
    /// Adds a record made of `parts`, one after the other.
    pub(super) fn push(&mut self, parts: &[&[u8]]) {
        self.starts.push(self.end);
        self.end += parts.iter().map(|p| p.len() as u64).sum::<u64>();
        if self.failed.is_some() {
            return;
        }
        match &mut self.file {
            SpoolFile::None => {
                parts.iter().for_each(|p| self.memory.extend_from_slice(p));
                if self.memory.len() > SPILL_AFTER_BYTES {
                    self.spill();
                }
            }
            SpoolFile::Writing(file) => {
                if let Err(e) = parts.iter().try_for_each(|p| file.write_all(p)) {
                    self.fail(e);
                }
            }
            SpoolFile::Written(_) => unreachable!("no record comes after finish"),
        }
    }

    /// Ends the writing: every record is in, and they may be read.
    pub(super) fn finish(&mut self) {
        if let SpoolFile::Writing(file) = std::mem::take(&mut self.file) {
            match file.into_inner() {
                Ok(f) => self.file = SpoolFile::Written(f),
                Err(e) => self.fail(e.into_error()),
            }
        }
    }

    pub(super) fn len(&self) -> usize {
        self.starts.len()
    }

    /// Calls `each` with every record at positions `range`, in order.
    pub(super) fn read(
        &self,
        range: Range<usize>,
        mut each: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        if let Some(failed) = &self.failed {
            return Err(Error::Internal(format!(
                "keeping an import's records in a temporary file failed: {failed}"
            )));
        }
        let (from, to) = (self.start(range.start), self.start(range.end));
        let mut bytes = vec![0; (to - from) as usize];
        match &self.file {
            SpoolFile::None => {
                bytes.copy_from_slice(&self.memory[from as usize..to as usize]);
            }
            SpoolFile::Written(file) => read_at(file, &mut bytes, from).map_err(|e| {
                Error::Internal(format!("reading an import's records back failed: {e}"))
            })?,
            SpoolFile::Writing(_) => {
                return Err(Error::Internal(
                    "an import's records were read before they were all in".into(),
                ));
            }
        }
        for at in range {
            each(&bytes[(self.start(at) - from) as usize..(self.start(at + 1) - from) as usize])?;
        }
        Ok(())
    }

    /// Whether the records went to a file.
    #[cfg(test)]
    pub(super) fn spilled(&self) -> bool {
        matches!(self.file, SpoolFile::Written(_))
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
        // Records are still counted, so that the reader reports this, not a missing record.
        self.file = SpoolFile::None;
        self.memory = Vec::new();
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

    fn filled(count: usize) -> Spool {
        let mut spool = Spool::default();
        for n in 0..count {
            spool.push(&[&n.to_le_bytes(), b"-", n.to_string().as_bytes()]);
        }
        spool.finish();
        spool
    }

    fn records(spool: &Spool, range: Range<usize>) -> Vec<Vec<u8>> {
        let mut read = Vec::new();
        spool
            .read(range, |r| {
                read.push(r.to_vec());
                Ok(())
            })
            .unwrap();
        read
    }

    #[test]
    fn records_come_back_as_they_were_pushed_from_memory_and_from_disk() {
        let few = filled(3);
        assert!(!few.spilled());
        // Records of 10 to 15 bytes, enough to pass the threshold.
        let many = filled(SPILL_AFTER_BYTES / 10);
        assert!(many.spilled());
        for spool in [few, many] {
            let all = records(&spool, 0..spool.len());
            assert_eq!(all.len(), spool.len());
            for (n, record) in all.iter().enumerate() {
                let mut expected = n.to_le_bytes().to_vec();
                expected.extend_from_slice(format!("-{n}").as_bytes());
                assert_eq!(record, &expected);
            }
            let last = spool.len() - 1;
            assert_eq!(records(&spool, last..last + 1), all[last..]);
            assert!(records(&spool, 1..1).is_empty());
        }
    }

    #[test]
    fn records_cannot_be_read_while_still_written_to_a_file() {
        let mut spool = Spool::default();
        // Records of 9 bytes, enough to pass the threshold.
        for n in 0..SPILL_AFTER_BYTES / 8 {
            spool.push(&[&n.to_le_bytes(), b"-"]);
        }
        assert!(spool.read(0..1, |_| Ok(())).is_err());
        spool.finish();
        assert!(spool.read(0..1, |_| Ok(())).is_ok());
    }
}
