//! The columnar copy of the opinions that analytics reads: one vector per field (struct of arrays),
//! rows sorted by H3 cell at load so that neighbours sit together, ids of towns, grids, stations
//! and members interned to small integers. Positions are WGS84 lon/lat degrees, kept only on the
//! public ~100 m grid ([`public_grid`]): every heatmap cell, viewport and tile point is computed
//! from that, so no analytics answer depends on a submitter's exact position. Times Unix seconds.

use std::collections::HashMap;

use crate::domain::location::public_grid;
use crate::domain::{Category, OpinionFact, Status};
use crate::spatial::hexagons::{cell_of, HexResolution, HEATMAP_RESOLUTIONS};

/// Marks "no town / grid / station" in the interned columns.
pub const NONE: u32 = u32::MAX;
pub(crate) const NO_TIME: i64 = i64::MIN;
pub(crate) const NO_DAY: i32 = i32::MIN;

/// Small integers for repeated ids, in order of first sight.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    names: Vec<Box<str>>,
    index: HashMap<Box<str>, u32>,
}

impl Interner {
    fn intern(&mut self, name: Option<&str>) -> u32 {
        let Some(name) = name else { return NONE };
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.into());
        self.index.insert(name.into(), i);
        i
    }

    /// The number of an id, if any opinion has it.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// The id of a number ([`NONE`] gives `None`).
    pub fn name(&self, i: u32) -> Option<&str> {
        self.names.get(i as usize).map(|n| &**n)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Every opinion, column by column. Rows never disappear (opinions are never deleted); a changed
/// opinion is overwritten in place and a new one appended.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    pub(crate) ids: Vec<i64>,
    row_of: HashMap<i64, u32>,
    pub(crate) lon: Vec<f64>,
    pub(crate) lat: Vec<f64>,
    /// The H3 cell at each heatmap resolution (index 0 is resolution 6), as 64-bit indexes.
    /// Each is computed from the position: H3 cells do not nest exactly, so a point's cell at
    /// resolution 7 is not always the parent of its cell at resolution 10.
    pub(crate) cells: [Vec<u64>; 5],
    pub(crate) category: Vec<u8>,
    pub(crate) status: Vec<u8>,
    /// 0 for no rating.
    pub(crate) rating: Vec<u8>,
    pub(crate) town: Vec<u32>,
    pub(crate) grid: Vec<u32>,
    pub(crate) station: Vec<u32>,
    /// (start, length) into `member_list`.
    pub(crate) member_span: Vec<(u32, u32)>,
    pub(crate) member_list: Vec<u32>,
    pub(crate) created: Vec<i64>,
    pub(crate) registered: Vec<i64>,
    pub(crate) replied: Vec<i64>,
    pub(crate) due: Vec<i32>,
    pub towns: Interner,
    pub grids: Interner,
    pub stations: Interner,
    pub members: Interner,
    /// The store's change number these facts are up to date with.
    pub seq: i64,
}

/// Collects opinions one at a time for [`Facts::build`]. Cells, the costly part, are computed on
/// another thread while the caller goes on reading (rows go over in chunks), and on every core at
/// the end; rows are sorted last.
#[derive(Debug, Default)]
pub struct FactsBuilder {
    facts: Facts,
    /// Rows handed to the cell workers so far.
    sent: usize,
    cells: Option<CellWorkers>,
}

/// A chunk of positions: its first row, longitudes, latitudes.
type Chunk = (usize, Vec<f64>, Vec<f64>);
/// A chunk's cells: its first row and one `[u64; 5]` per row.
type Done = (usize, Vec<[u64; 5]>);

#[derive(Debug)]
struct CellWorkers {
    todo: std::sync::mpsc::Sender<Chunk>,
    queue: std::sync::Arc<std::sync::Mutex<std::sync::mpsc::Receiver<Chunk>>>,
    done_tx: std::sync::mpsc::Sender<Done>,
    done: std::sync::mpsc::Receiver<Done>,
    worker: std::thread::JoinHandle<()>,
}

/// Rows per chunk of cells to compute.
const CELL_CHUNK: usize = 1 << 15;

/// Computes queued chunks until the queue is closed and empty.
fn work_off(queue: &std::sync::Mutex<std::sync::mpsc::Receiver<Chunk>>, done: &std::sync::mpsc::Sender<Done>) {
    loop {
        let next = queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner).recv();
        let Ok((start, lon, lat)) = next else { return };
        let cells = lon.iter().zip(&lat).map(|(&x, &y)| cells_of(x, y)).collect();
        if done.send((start, cells)).is_err() {
            return;
        }
    }
}

impl FactsBuilder {
    pub fn add(&mut self, fact: &OpinionFact<'_>) {
        self.facts.push(fact, [0; 5]);
        if self.facts.len() - self.sent >= CELL_CHUNK {
            self.send();
        }
    }

    /// Hands the rows not yet sent to the cell workers.
    fn send(&mut self) {
        let (from, to) = (self.sent, self.facts.len());
        if from == to {
            return;
        }
        let workers = self.cells.get_or_insert_with(|| {
            let (todo, queue) = std::sync::mpsc::channel::<Chunk>();
            let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
            let (done_tx, done) = std::sync::mpsc::channel();
            let (q, d) = (queue.clone(), done_tx.clone());
            let worker = std::thread::spawn(move || work_off(&q, &d));
            CellWorkers { todo, queue, done_tx, done, worker }
        });
        let chunk = (from, self.facts.lon[from..to].to_vec(), self.facts.lat[from..to].to_vec());
        // The worker only stops once the sender is dropped, so sending cannot fail.
        let _ = workers.todo.send(chunk);
        self.sent = to;
    }

    /// The facts, up to date with change number `seq`.
    pub fn finish(mut self, seq: i64) -> Facts {
        self.send();
        if let Some(CellWorkers { todo, queue, done_tx, done, worker }) = self.cells.take() {
            drop(todo);
            // This thread helps with what is left, then waits for the worker.
            work_off(&queue, &done_tx);
            drop(done_tx);
            let _ = worker.join();
            for (start, cells) in done {
                for (i, c) in cells.into_iter().enumerate() {
                    for (column, cell) in self.facts.cells.iter_mut().zip(c) {
                        column[start + i] = cell;
                    }
                }
            }
        }
        self.facts.sort_by_cell();
        self.facts.seq = seq;
        self.facts
    }
}

// The u8 columns hold a vocabulary value's position in its `ALL` list (its discriminant).
pub(crate) fn category_at(i: u8) -> Category {
    Category::ALL[usize::from(i)]
}

pub(crate) fn status_at(i: u8) -> Status {
    Status::ALL[usize::from(i)]
}

/// The cells of a position at resolutions 6 to 10, or 0 (no cell) where h3o refuses it; stored
/// positions are checked, so 0 does not happen in practice.
fn cells_of(lon: f64, lat: f64) -> [u64; 5] {
    let mut out = [0; 5];
    for (i, res) in HEATMAP_RESOLUTIONS.enumerate() {
        out[i] = HexResolution::new(res).and_then(|r| cell_of(lon, lat, r)).map_or(0, u64::from);
    }
    out
}

impl Facts {
    /// Builds the columns from every opinion, then sorts the rows by cell.
    pub fn build<'a>(facts: impl IntoIterator<Item = OpinionFact<'a>>, seq: i64) -> Self {
        let mut b = FactsBuilder::default();
        for fact in facts {
            b.add(&fact);
        }
        b.finish(seq)
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// How many opinions are in each workflow status, every status listed (0 included).
    pub fn count_by_status(&self) -> Vec<(Status, usize)> {
        let mut counts = vec![0usize; Status::ALL.len()];
        for &s in &self.status {
            if let Some(c) = counts.get_mut(usize::from(s)) {
                *c += 1;
            }
        }
        Status::ALL.iter().copied().zip(counts).collect()
    }

    /// Adds or overwrites one opinion.
    pub fn upsert(&mut self, fact: &OpinionFact<'_>) {
        let (lon, lat) = public_grid(fact.lon, fact.lat);
        let cells = cells_of(lon, lat);
        let Some(&row) = self.row_of.get(&fact.id) else {
            self.push(fact, cells);
            return;
        };
        let r = row as usize;
        self.lon[r] = lon;
        self.lat[r] = lat;
        for (column, cell) in self.cells.iter_mut().zip(cells) {
            column[r] = cell;
        }
        self.category[r] = fact.category as u8;
        self.status[r] = fact.status as u8;
        self.rating[r] = fact.rating.unwrap_or(0);
        self.town[r] = self.towns.intern(fact.town);
        self.grid[r] = self.grids.intern(fact.grid);
        self.station[r] = self.stations.intern(fact.station);
        let new: Vec<u32> = fact.members.iter().map(|m| self.members.intern(Some(m))).collect();
        let (start, len) = self.member_span[r];
        if self.member_list[start as usize..(start + len) as usize] != new[..] {
            self.member_span[r] = (self.member_list.len() as u32, new.len() as u32);
            self.member_list.extend(new);
        }
        self.created[r] = fact.created;
        self.registered[r] = fact.registered.unwrap_or(NO_TIME);
        self.replied[r] = fact.replied.unwrap_or(NO_TIME);
        self.due[r] = fact.due.unwrap_or(NO_DAY);
    }

    fn push(&mut self, fact: &OpinionFact<'_>, cells: [u64; 5]) {
        self.row_of.insert(fact.id, self.ids.len() as u32);
        self.ids.push(fact.id);
        let (lon, lat) = public_grid(fact.lon, fact.lat);
        self.lon.push(lon);
        self.lat.push(lat);
        for (column, cell) in self.cells.iter_mut().zip(cells) {
            column.push(cell);
        }
        self.category.push(fact.category as u8);
        self.status.push(fact.status as u8);
        self.rating.push(fact.rating.unwrap_or(0));
        self.town.push(self.towns.intern(fact.town));
        self.grid.push(self.grids.intern(fact.grid));
        self.station.push(self.stations.intern(fact.station));
        let start = self.member_list.len() as u32;
        for m in &fact.members {
            let i = self.members.intern(Some(m));
            self.member_list.push(i);
        }
        self.member_span.push((start, fact.members.len() as u32));
        self.created.push(fact.created);
        self.registered.push(fact.registered.unwrap_or(NO_TIME));
        self.replied.push(fact.replied.unwrap_or(NO_TIME));
        self.due.push(fact.due.unwrap_or(NO_DAY));
    }

    /// Reorders every column by finest cell (then id), so that a scan meets each hexagon's
    /// opinions mostly together at every resolution (H3 numbers a parent's children contiguously).
    fn sort_by_cell(&mut self) {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.sort_unstable_by_key(|&r| (self.cells[4][r as usize], self.ids[r as usize]));
        fn gather<T: Copy>(v: &mut Vec<T>, order: &[u32]) {
            *v = order.iter().map(|&r| v[r as usize]).collect();
        }
        gather(&mut self.ids, &order);
        gather(&mut self.lon, &order);
        gather(&mut self.lat, &order);
        for column in &mut self.cells {
            gather(column, &order);
        }
        gather(&mut self.category, &order);
        gather(&mut self.status, &order);
        gather(&mut self.rating, &order);
        gather(&mut self.town, &order);
        gather(&mut self.grid, &order);
        gather(&mut self.station, &order);
        gather(&mut self.created, &order);
        gather(&mut self.registered, &order);
        gather(&mut self.replied, &order);
        gather(&mut self.due, &order);
        let mut list = Vec::with_capacity(self.member_list.len());
        let spans = order
            .iter()
            .map(|&r| {
                let (start, len) = self.member_span[r as usize];
                let new = (list.len() as u32, len);
                list.extend_from_slice(&self.member_list[start as usize..(start + len) as usize]);
                new
            })
            .collect();
        self.member_span = spans;
        self.member_list = list;
        self.row_of = self.ids.iter().enumerate().map(|(r, &id)| (id, r as u32)).collect();
    }

    /// The members of a row.
    pub(crate) fn members_at(&self, row: usize) -> &[u32] {
        let (start, len) = self.member_span[row];
        &self.member_list[start as usize..(start + len) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(id: i64, lon: f64, members: Vec<&'static str>) -> OpinionFact<'static> {
        OpinionFact {
            id,
            lon,
            lat: 29.85,
            category: Category::Parking,
            status: Status::Registered,
            rating: None,
            town: Some("330203001"),
            grid: None,
            station: Some("S1"),
            members,
            created: 1_700_000_000 + id,
            registered: Some(1_700_000_100),
            replied: None,
            due: Some(19_700),
        }
    }

    #[test]
    fn rows_are_sorted_by_cell_and_found_by_id() {
        let facts = Facts::build((0..50).map(|i| fact(i, 121.5 + (i % 7) as f64 * 0.01, vec!["M1", "M2"])), 50);
        assert_eq!(facts.len(), 50);
        assert!(facts.cells[4].windows(2).all(|w| w[0] <= w[1]));
        for r in 0..facts.len() {
            let id = facts.ids[r];
            assert_eq!(facts.row_of[&id] as usize, r);
            assert_eq!(facts.lon[r], 121.5 + (id % 7) as f64 * 0.01, "columns moved together");
            assert_eq!(facts.created[r], 1_700_000_000 + id);
            assert_eq!(facts.members_at(r).len(), 2);
        }
        assert_eq!(facts.towns.len(), 1);
        assert_eq!(facts.grid[0], NONE);
    }

    #[test]
    fn upserts_overwrite_in_place_and_append_new_ones() {
        let mut facts = Facts::build([fact(1, 121.5, vec!["M1"])], 1);
        let mut changed = fact(1, 121.5, vec!["M3", "M4"]);
        changed.status = Status::Closed;
        changed.rating = Some(5);
        facts.upsert(&changed);
        facts.upsert(&fact(2, 121.6, vec![]));
        assert_eq!(facts.len(), 2);
        assert_eq!(status_at(facts.status[0]), Status::Closed);
        assert_eq!(facts.rating[0], 5);
        let names: Vec<_> = facts.members_at(0).iter().map(|&m| facts.members.name(m).unwrap()).collect();
        assert_eq!(names, ["M3", "M4"]);
        assert!(facts.members_at(1).is_empty());
        assert!(facts.cells.iter().all(|c| c[1] != 0));
    }
}
