//! The OSV files under the paths `wayfinder advisories import` is given: files as named,
//! directories walked for `*.json`, and `.zip` archives (as osv.dev and the GitHub Advisory
//! Database publish them) read entry by entry without unpacking. Everything is listed first, so
//! the progress bar knows its length, and read one at a time, so an archive of tens of thousands
//! of advisories is never held whole.

use std::{
    fs::File,
    io::{self, Read},
    path::{Path, PathBuf},
};

use zip::ZipArchive;

/// One OSV file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OsvFile {
    Plain(PathBuf),
    /// Entry `index` of `archive`, named `name` inside it.
    InArchive {
        archive: PathBuf,
        index: usize,
        name: String,
    },
}

impl std::fmt::Display for OsvFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Plain(path) => write!(f, "{}", path.display()),
            Self::InArchive { archive, name, .. } => write!(f, "{}:{name}", archive.display()),
        }
    }
}

/// Every OSV file under `paths`, in the order given, each directory's in name order. A path
/// that does not exist or cannot be read is an error, before anything is imported.
pub fn find(paths: &[PathBuf]) -> io::Result<Vec<OsvFile>> {
    let mut found = Vec::new();
    for path in paths {
        let with_path = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
        if std::fs::metadata(path).map_err(with_path)?.is_dir() {
            walk(path, &mut found).map_err(with_path)?;
        } else if has_extension(path, "zip") {
            list_archive(path, &mut found).map_err(with_path)?;
        } else {
            found.push(OsvFile::Plain(path.clone()));
        }
    }
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<OsvFile>) -> io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, found)?;
        } else if has_extension(&path, "json") {
            found.push(OsvFile::Plain(path));
        }
    }
    Ok(())
}

fn list_archive(path: &Path, found: &mut Vec<OsvFile>) -> io::Result<()> {
    let archive = ZipArchive::new(File::open(path)?).map_err(io::Error::other)?;
    for (index, name) in archive.file_names().enumerate() {
        let name = name.map_err(io::Error::other)?;
        if !name.ends_with('/') && has_extension(Path::new(name.as_ref()), "json") {
            found.push(OsvFile::InArchive {
                archive: path.to_owned(),
                index,
                name: name.into_owned(),
            });
        }
    }
    Ok(())
}

fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(extension))
}

/// Reads [`OsvFile`]s in turn, keeping the archive of the last one open for the next.
#[derive(Default)]
pub struct OsvReader {
    open: Option<(PathBuf, ZipArchive<File>)>,
}

impl OsvReader {
    pub fn read(&mut self, file: &OsvFile) -> io::Result<Vec<u8>> {
        match file {
            OsvFile::Plain(path) => std::fs::read(path),
            OsvFile::InArchive { archive, index, .. } => {
                if self.open.as_ref().is_none_or(|(open, _)| open != archive) {
                    let zip = ZipArchive::new(File::open(archive)?).map_err(io::Error::other)?;
                    self.open = Some((archive.clone(), zip));
                }
                let (_, zip) = self.open.as_mut().expect("opened above");
                let mut entry = zip.by_index(*index).map_err(io::Error::other)?;
                let mut bytes = Vec::with_capacity(entry.size().min(1 << 20) as usize);
                entry.read_to_end(&mut bytes)?;
                Ok(bytes)
            }
        }
    }
}
