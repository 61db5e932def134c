//! Importing files of reference data: read rows, turn them into domain records, check that every
//! reference resolves (in the file or already stored), then write all of it in one transaction.
//! A bad record rejects the whole file with a message naming its place and field.

pub mod issues;

use std::collections::HashSet;

use crate::catalog::CatalogData;
use crate::domain::{LayerFeature, LayerName, MapLayer};
use crate::formats::records::{parse_area, parse_demand, parse_grid, parse_member, parse_station};
use crate::formats::{read_rows, FormatError, Kind, Place, Row};
use crate::spatial::Crs;
use crate::store::{Batch, Progress, Store, StoreError, WriteReport};

/// Why an import was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Layer(#[from] crate::domain::LayerError),
    #[error("the file holds no {0}")]
    Empty(&'static str),
    #[error("{place}, field \"id\": {id:?} appears twice in the file (first at {first})")]
    Duplicate { place: Place, first: Place, id: String },
}

fn parse_all<T>(rows: &[Row], parse: fn(&Row) -> Result<T, FormatError>) -> Result<Vec<T>, FormatError> {
    rows.iter().map(parse).collect()
}

/// Parses `bytes` as records of `kind` (positions in `crs`).
pub fn parse_batch(kind: Kind, bytes: &[u8], crs: Crs) -> Result<(Batch, Vec<Place>), ImportError> {
    let rows = read_rows(bytes, crs)?;
    let places: Vec<Place> = rows.iter().map(|r| r.place).collect();
    let batch = match kind {
        Kind::Stations => Batch::Stations(parse_all(&rows, parse_station)?),
        Kind::Members => Batch::Members(parse_all(&rows, parse_member)?),
        Kind::Grids => Batch::Grids(parse_all(&rows, parse_grid)?),
        Kind::Areas => Batch::Areas(parse_all(&rows, parse_area)?),
    };
    Ok((batch, places))
}

/// Reads `bytes` (CSV `id,lon,lat,weight`, or GeoJSON Points with `id` and `weight`; positions in
/// `crs`) as the planning demand; ids must be unique and at least one point given.
pub fn parse_demand_file(bytes: &[u8], crs: Crs) -> Result<Batch, ImportError> {
    let rows = read_rows(bytes, crs)?;
    if rows.is_empty() {
        return Err(ImportError::Empty("demand points"));
    }
    let places: Vec<Place> = rows.iter().map(|r| r.place).collect();
    let batch = Batch::Demand(parse_all(&rows, parse_demand)?);
    check_references(&batch, &places, &CatalogData::default())?;
    Ok(batch)
}

/// Reads `bytes` (GeoJSON, or CSV with `lon`/`lat` or `wkt`; positions in `crs`) as the map
/// layer `name`: every record a feature with its geometry and the file's other fields.
pub fn parse_layer(name: &str, title: &str, bytes: &[u8], crs: Crs) -> Result<MapLayer, ImportError> {
    let name = LayerName::new(name)?;
    let features = read_rows(bytes, crs)?
        .into_iter()
        .map(|row| match row.geometry {
            Some(geometry) => Ok(LayerFeature { geometry, properties: row.fields }),
            None => Err(FormatError::record(row.place, Some("geometry"), "a layer's feature needs a geometry")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(MapLayer::new(name, title, features)?)
}

fn ids_of(batch: &Batch) -> Vec<String> {
    match batch {
        Batch::Layer(l) => vec![l.name.to_string()],
        Batch::Demand(v) => v.iter().map(|d| d.id.clone()).collect(),
        Batch::Areas(v) => v.iter().map(|a| a.code.to_string()).collect(),
        Batch::Stations(v) => v.iter().map(|s| s.id.to_string()).collect(),
        Batch::Members(v) => v.iter().map(|m| m.id.to_string()).collect(),
        Batch::Grids(v) => v.iter().map(|g| g.id.to_string()).collect(),
    }
}

/// Checks ids are unique within the batch and every reference resolves against `known` plus the
/// batches before it and this one.
pub fn check_references(batch: &Batch, places: &[Place], known: &CatalogData) -> Result<(), ImportError> {
    let ids = ids_of(batch);
    let mut first_at = std::collections::HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        if let Some(&j) = first_at.get(id) {
            return Err(ImportError::Duplicate { place: places[i], first: places[j], id: id.clone() });
        }
        first_at.insert(id.clone(), i);
    }
    let stations: HashSet<&str> = known.stations.iter().map(|s| s.id.as_str()).collect();
    let members: HashSet<&str> = known.members.iter().map(|m| m.id.as_str()).collect();
    let missing = |i: usize, field: &str, what: &str, id: &str| {
        ImportError::Format(FormatError::record(
            places[i],
            Some(field),
            format!("unknown {what} {id:?}: import {what}s first"),
        ))
    };
    match batch {
        Batch::Stations(v) => {
            let here: HashSet<&str> = v.iter().map(|s| s.id.as_str()).collect();
            for (i, s) in v.iter().enumerate() {
                if let Some(p) =
                    s.parent.as_ref().filter(|p| !here.contains(p.as_str()) && !stations.contains(p.as_str()))
                {
                    return Err(missing(i, "parent", "station", p.as_str()));
                }
            }
        }
        Batch::Members(v) => {
            for (i, m) in v.iter().enumerate() {
                if let Some(s) = m.station.as_ref().filter(|s| !stations.contains(s.as_str())) {
                    return Err(missing(i, "station", "station", s.as_str()));
                }
            }
        }
        Batch::Grids(v) => {
            for (i, g) in v.iter().enumerate() {
                if let Some(s) = g.station.as_ref().filter(|s| !stations.contains(s.as_str())) {
                    return Err(missing(i, "station", "station", s.as_str()));
                }
                if let Some(m) = g.members.iter().find(|m| !members.contains(m.as_str())) {
                    return Err(missing(i, "members", "member", m.as_str()));
                }
            }
        }
        Batch::Areas(_) | Batch::Layer(_) | Batch::Demand(_) => {}
    }
    Ok(())
}

/// Appends `batch` to `known`, so that later batches of one load can refer to it.
fn absorb(known: &mut CatalogData, batch: &Batch) {
    match batch {
        Batch::Areas(v) => known.areas.extend(v.iter().cloned()),
        Batch::Stations(v) => known.stations.extend(v.iter().cloned()),
        Batch::Members(v) => known.members.extend(v.iter().cloned()),
        Batch::Grids(v) => known.grids.extend(v.iter().cloned()),
        Batch::Layer(l) => known.layers.push(l.clone()),
        Batch::Demand(v) => known.demand.clone_from(v),
    }
}

/// Imports several files in order, in one transaction: each may refer to the ones before it.
pub async fn import_files(
    store: &dyn Store,
    files: &[(Kind, &[u8], Crs)],
    progress: Progress<'_>,
) -> Result<WriteReport, ImportError> {
    let mut known = store.load().await?;
    let mut batches = Vec::with_capacity(files.len());
    for &(kind, bytes, crs) in files {
        let (batch, places) = parse_batch(kind, bytes, crs)?;
        check_references(&batch, &places, &known)?;
        absorb(&mut known, &batch);
        batches.push(batch);
    }
    Ok(store.write(&batches, progress).await?)
}
