//! The relation lines of a body, in its order. An import applies them only after every fact
//! sheet line, a batch at a time, so a large body's relation lines wait in a [`Spool`] (on disk
//! when there are many) as the text they came as, each parsed again when its batch comes up.
//! What the import must know of all of them before it starts, the fact sheets they name, is
//! collected as they arrive.
//!
//! Lines another format built in memory (Backstage and OpenAPI documents, a handful each) are
//! held as they are.

use std::{collections::HashSet, ops::Range};

use super::{
    line::Ref,
    parse::{Line, RelationLine, parse_line},
    spool::Spool,
};
use crate::error::{Error, Result};

/// Bytes before each line's text in its record: its line number.
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
    /// Records of `[line number: u64 LE][line text]`.
    Text(Spool),
}

impl Default for Kept {
    fn default() -> Self {
        Kept::Parsed(Vec::new())
    }
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

    /// Keeps the text of an NDJSON line, which parsed as `parsed`.
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
        spool.push(&[&(parsed.line as u64).to_le_bytes(), text.as_bytes()]);
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
            Kept::Text(spool) => spool.len(),
        }
    }

    /// The fact sheets the lines name, which are no longer kept here.
    pub(super) fn take_ends(&mut self) -> HashSet<Ref> {
        std::mem::take(&mut self.ends)
    }

    /// The lines at positions `range`, in order.
    pub(super) fn read(&self, range: Range<usize>) -> Result<Vec<RelationLine>> {
        let spool = match &self.kept {
            Kept::Parsed(lines) => return Ok(lines[range].to_vec()),
            Kept::Text(spool) => spool,
        };
        let mut lines = Vec::with_capacity(range.len());
        spool.read(range, |record| {
            let (number, text) = record.split_at(NUMBER_BYTES);
            let number = u64::from_le_bytes(number.try_into().expect("eight bytes")) as usize;
            let parsed = std::str::from_utf8(text)
                .ok()
                .and_then(|text| parse_line(number, text).ok());
            match parsed {
                Some(Some(Line::Relation(line))) => {
                    lines.push(line);
                    Ok(())
                }
                _ => Err(Error::Internal(format!(
                    "relation line {number} read back is not the line that was kept"
                ))),
            }
        })?;
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(number: usize, to: usize) -> String {
        format!(
            r#"{{"kind":"relation","type":"dependsOn","from":{{"externalId":{{"namespace":"n","value":"a{number}"}}}},"to":{{"externalId":{{"namespace":"n","value":"b{to}"}}}}}}"#
        )
    }

    fn parsed(number: usize) -> RelationLine {
        match parse_line(number, &text(number, number % 7)) {
            Ok(Some(Line::Relation(line))) => line,
            other => panic!("line {number} parses: {other:?}"),
        }
    }

    fn kept(count: usize) -> RelationLines {
        let mut lines = RelationLines::default();
        for number in 1..=count {
            lines.push_text(&parsed(number), &text(number, number % 7));
        }
        lines.finish();
        lines
    }

    #[test]
    fn lines_read_back_as_they_were_kept() {
        // A few, and more text than is kept in memory.
        for count in [3, super::super::spool::SPILL_AFTER_BYTES / 100] {
            let lines = kept(count);
            let all = lines.read(0..lines.len()).unwrap();
            assert_eq!(all.len(), count);
            for (at, line) in all.iter().enumerate() {
                let expected = parsed(at + 1);
                assert_eq!(line.line, expected.line);
                assert_eq!((&line.from, &line.to), (&expected.from, &expected.to));
            }
            let tail = lines.read(count - 2..count).unwrap();
            assert_eq!(
                tail.iter().map(|l| l.line).collect::<Vec<_>>(),
                [count - 1, count]
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
