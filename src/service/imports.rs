//! Bringing data in: reference files (stations, members, grids, areas; all or nothing, upserting
//! by id), opinions exported by another system, and the Haishu sample on first start. Each use
//! case leaves the catalog and the analytics up to date with what it wrote.

use crate::catalog::Catalog;
use crate::formats::Kind;
use crate::import::issues::{self, IssueReader};
use crate::import::{import_files, ImportError};
use crate::spatial::Crs;
use crate::store::{Batch, Progress, StoreError, WriteReport};

use super::{Result, Service, ServiceError};

impl From<ImportError> for ServiceError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Store(StoreError::Refused(m)) => ServiceError::invalid("invalid_file", m),
            ImportError::Store(s) => ServiceError::Store(s),
            other => ServiceError::invalid("invalid_file", other.to_string()),
        }
    }
}

impl Service {
    /// Imports reference files in order, in one transaction (each may refer to the ones before),
    /// then swaps in the new catalog.
    pub async fn import_reference(&self, files: &[(Kind, &[u8], Crs)], progress: Progress<'_>) -> Result<WriteReport> {
        let report = import_files(self.store.as_ref(), files, progress).await?;
        self.reload_if_changed().await?;
        Ok(report)
    }

    /// Imports the map layer `name` from a file (replacing a stored layer of that name), then
    /// swaps in the new catalog. Answers the layer's feature count.
    pub async fn import_layer(&self, name: &str, title: &str, bytes: &[u8], crs: Crs) -> Result<usize> {
        let layer = crate::import::parse_layer(name, title, bytes, crs)?;
        let features = layer.features.len();
        self.store.write(&[Batch::Layer(layer)], &|_| {}).await?;
        self.reload_if_changed().await?;
        Ok(features)
    }

    /// Replaces the stored planning demand with the points of a file (CSV `id,lon,lat,weight` or
    /// GeoJSON Points), all or nothing; answers how many points it holds.
    pub async fn import_demand(&self, bytes: &[u8], crs: Crs, progress: Progress<'_>) -> Result<usize> {
        let batch = crate::import::parse_demand_file(bytes, crs)?;
        let count = batch.len();
        self.store.write(&[batch], progress).await?;
        self.reload_if_changed().await?;
        Ok(count)
    }

    /// Imports opinions from another system's CSV, routed by the current catalog; all or nothing.
    pub async fn import_opinions<R: std::io::Read + Send + 'static>(
        &self,
        reader: R,
        crs: Crs,
        progress: Progress<'_>,
    ) -> Result<WriteReport> {
        let issues =
            IssueReader::new(reader, crs, self.catalog()).map_err(|m| ServiceError::invalid("invalid_file", m))?;
        let mut source = issues.read_ahead(issues::BATCH, 2);
        let report = self.store.import_opinions(&mut source, progress).await.map_err(|e| match e {
            StoreError::Refused(m) => ServiceError::invalid("invalid_file", m),
            other => other.into(),
        })?;
        Ok(report)
    }

    /// Writes a consistent copy of the database to `out` (a new file), also while others write.
    pub async fn backup(&self, out: &std::path::Path) -> Result<()> {
        Ok(self.store.backup(out).await?)
    }

    /// Loads the Haishu sample when the store has no stations, with a history of `opinions`
    /// opinions (see [`crate::sample::history`]) and a year of the stations' duty ledger
    /// ([`crate::sample::ledger`]); with `opinions` 0, the places alone. True when it loaded.
    pub async fn load_sample_if_empty(&self, opinions: usize) -> Result<bool> {
        if self.store.station_count().await? > 0 {
            return Ok(false);
        }
        let data = crate::sample::generate().into_data();
        let batches = [
            Batch::Areas(data.areas.clone()),
            Batch::Stations(data.stations.clone()),
            Batch::Members(data.members.clone()),
            Batch::Grids(data.grids.clone()),
            Batch::Demand(data.demand.clone()),
        ];
        self.store.write(&batches, &|_| {}).await?;
        if opinions > 0 {
            let catalog = Catalog::build(data);
            let history = crate::sample::history::history(&catalog, opinions);
            self.store.insert_history(&history).await?;
            let ledger = crate::sample::ledger::ledger(&catalog);
            self.store.add_activities(&ledger, "sample", crate::sample::history::history_end()).await?;
        }
        self.reload_if_changed().await?;
        let catalog = self.catalog();
        self.store.add_projects(&crate::sample::published::projects(&catalog), "sample", self.now()).await?;
        self.store.add_notices(&crate::sample::published::notices(&catalog), "sample", self.now()).await?;
        Ok(true)
    }
}

/// Opens a CSV file whose header holds every `required` column and maybe some `optional` ones, in
/// any order (a byte-order mark is ignored): the reader, at the first row, and each column's
/// index in `required` then `optional` order (`None` for an optional one that is absent). A
/// header with an unknown or a missing column is refused naming it.
fn csv_with_columns<R: std::io::Read>(
    reader: R,
    required: &[&str],
    optional: &[&str],
) -> Result<(csv::Reader<R>, Vec<Option<usize>>)> {
    let file_error = |m: String| ServiceError::invalid("invalid_file", m);
    let mut csv = csv::ReaderBuilder::new().flexible(false).from_reader(reader);
    let header = csv.headers().map_err(|e| file_error(format!("line 1: {e}")))?.clone();
    let names: Vec<&str> = header.iter().map(|h| h.trim().trim_start_matches('\u{feff}')).collect();
    if let Some(extra) = names.iter().find(|n| !required.contains(n) && !optional.contains(n)) {
        return Err(file_error(format!(
            "line 1: unknown column {extra:?}; the header is {} (then optionally {})",
            required.join(","),
            optional.join(",")
        )));
    }
    if let Some(missing) = required.iter().find(|c| !names.contains(c)) {
        return Err(file_error(format!("line 1: missing column {missing}; the header is {}", required.join(","))));
    }
    let columns = required.iter().chain(optional).map(|c| names.iter().position(|n| n == c)).collect();
    Ok((csv, columns))
}

/// How many bad rows a refused file names.
const MAX_REPORTED: usize = 10;

/// The good rows of a file with their line numbers, and the problems of the bad ones.
pub(super) type Rows<T> = (Vec<(u64, T)>, Vec<String>);

/// Every row of a CSV file with the header [`csv_with_columns`] checks, parsed by `parse` (given
/// the row and each column's index): the good rows with their line numbers, and one problem
/// `line N: …` per bad row. A broken row (wrong number of fields, bad UTF-8) stops the reading.
pub(super) fn csv_rows<R: std::io::Read, T>(
    reader: R,
    required: &[&str],
    optional: &[&str],
    parse: impl Fn(&csv::StringRecord, &[Option<usize>]) -> Result<T, String>,
) -> Result<Rows<T>> {
    let (mut csv, columns) = csv_with_columns(reader, required, optional)?;
    let (mut rows, mut problems) = (Vec::new(), Vec::new());
    let mut record = csv::StringRecord::new();
    loop {
        let line = csv.position().line();
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                problems.push(format!("line {}: {e}", e.position().map_or(line, |p| p.line())));
                break;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        match parse(&record, &columns) {
            Ok(t) => rows.push((line, t)),
            Err(m) => problems.push(format!("line {line}: {m}")),
        }
    }
    Ok((rows, problems))
}

/// The line number a problem starts with (`line N: …`), for ordering; 0 without one.
fn line_of(problem: &str) -> u64 {
    problem.strip_prefix("line ").and_then(|r| r.split(':').next()).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// The error of a refused file: its first [`MAX_REPORTED`] problems by line, and how many more.
pub(super) fn bad_rows(mut problems: Vec<String>) -> ServiceError {
    problems.sort_by_key(|p| line_of(p));
    let total = problems.len();
    let mut message = problems.into_iter().take(MAX_REPORTED).collect::<Vec<_>>().join("\n");
    if total > MAX_REPORTED {
        message.push_str(&format!("\n… and {} more bad rows", total - MAX_REPORTED));
    }
    ServiceError::invalid("invalid_file", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_file_names_its_first_bad_rows_by_line() {
        assert_eq!(line_of("line 12: unknown member X"), 12);
        assert_eq!(line_of("whatever"), 0);
        let problems: Vec<String> = (1..=12).rev().map(|n| format!("line {n}: bad")).collect();
        let message = bad_rows(problems).to_string();
        let lines: Vec<&str> = message.lines().collect();
        assert_eq!(lines.len(), MAX_REPORTED + 1);
        assert_eq!((lines[0], lines[9]), ("line 1: bad", "line 10: bad"));
        assert_eq!(lines[10], "… and 2 more bad rows");
    }
}
