//! The store itself under concurrency and odd input, on whichever backend the tests run
//! (SQLite, or PostgreSQL with `LIAISON_TEST_PG_URL`): one winner of concurrent changes, disjoint
//! claims of due deliveries, and bulk imports that keep every character and the later of two lines.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use liaison::domain::outbox::EventType;
use liaison::domain::{Category, Channel, Contact, Event, LonLat, NewOpinion, Routing, Status, TrackingCode};
use liaison::store::{OpinionFilter, OpinionRecord, Store};

use crate::helpers::{fixed_now, fresh_store};

fn submission(title: &str) -> NewOpinion {
    NewOpinion {
        category: Category::Noise,
        title: title.to_owned(),
        text: "夜间施工噪音".to_owned(),
        location: LonLat::new(121.55, 29.87).unwrap(),
        channel: Channel::Online,
        anonymous: false,
        contact: Contact::default(),
    }
}

async fn submit(store: &Arc<dyn Store>, n: u64, at: DateTime<FixedOffset>) -> liaison::domain::Opinion {
    let code = TrackingCode::from_random(0x5eed_0000 + n);
    store
        .insert_opinion(&submission(&format!("第{n}条")), &code, &Routing::default(), at, "citizen", None)
        .await
        .unwrap()
}

#[tokio::test]
async fn of_two_concurrent_changes_from_one_version_exactly_one_is_saved() {
    let (_db, store) = fresh_store().await;
    for round in 0..5u64 {
        let read = submit(&store, round, fixed_now()).await;
        let mut changes = Vec::new();
        for who in ["staff:a", "staff:b"] {
            let (store, mut opinion) = (store.clone(), read.clone());
            changes.push(tokio::spawn(async move {
                let entry = opinion.apply(&Event::Register, who, fixed_now()).unwrap();
                store.save_change(&opinion, &entry, None).await.unwrap()
            }));
        }
        let mut saved = 0;
        for c in changes {
            saved += usize::from(c.await.unwrap());
        }
        assert_eq!(saved, 1, "round {round}: exactly one winner");
        let stored = store.opinion_by_id(read.id).await.unwrap().unwrap();
        assert_eq!((stored.status, stored.version), (Status::Registered, 2));
        assert_eq!(store.history(read.id).await.unwrap().len(), 2, "one history line per saved change");
    }
}

#[tokio::test]
async fn two_workers_claiming_at_once_take_each_due_delivery_once() {
    let (_db, store) = fresh_store().await;
    store
        .add_webhook("https://receiver.example/hook", &[EventType::OpinionCreated], "secret", "admin:t")
        .await
        .unwrap();
    for n in 0..40 {
        submit(&store, n, fixed_now()).await;
    }
    let now = chrono::Utc::now();
    let lease = now + chrono::Duration::minutes(5);
    let mut workers = Vec::new();
    for _ in 0..2 {
        let store = store.clone();
        workers.push(tokio::spawn(async move {
            let mut taken = Vec::new();
            loop {
                let claimed = store.claim_outbox(now, lease, 3).await.unwrap();
                if claimed.is_empty() {
                    return taken;
                }
                taken.extend(claimed.into_iter().map(|d| d.id));
            }
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    all.sort_unstable();
    let before = all.len();
    all.dedup();
    assert_eq!(before, all.len(), "a delivery was claimed twice");
    assert_eq!(all.len(), 40, "every due delivery was claimed");
    assert!(store.claim_outbox(now, lease, 10).await.unwrap().is_empty(), "leased rows are not due");
}

#[tokio::test]
async fn a_bulk_import_keeps_odd_characters_and_the_later_of_two_lines_for_one_id() {
    let (_db, store) = fresh_store().await;
    let record = |id: &str, n: u64, status: Status| OpinionRecord {
        external_id: id.to_owned(),
        code: TrackingCode::from_random(0xabc0 + n),
        category: Category::Roads,
        status,
        location: LonLat::new(121.5 + n as f64 / 1000.0, 29.8).unwrap(),
        routing: Routing::default(),
        rating: None,
        due: None,
        created_at: fixed_now(),
        registered_at: (status != Status::Submitted).then(fixed_now),
        replied_at: None,
        closed_at: None,
    };
    let odd = "tab\there\\back\nline\r\u{0}".replace('\u{0}', "零");
    let mut batches = vec![
        vec![record("A-1", 1, Status::Submitted), record(&odd, 2, Status::Submitted)],
        vec![
            record("A-1", 3, Status::Registered),
            record("B-2", 4, Status::Submitted),
            record("B-2", 5, Status::Registered),
        ],
    ]
    .into_iter();
    let report = store.import_opinions(&mut || Ok(batches.next()), &|_| {}).await.unwrap();
    assert_eq!((report.inserted, report.updated), (3, 2));
    let all = store.list_opinions(&OpinionFilter::default()).await.unwrap();
    assert_eq!(all.len(), 3);
    let statuses: Vec<Status> = all.iter().rev().map(|o| o.status).collect();
    assert_eq!(statuses, [Status::Registered, Status::Submitted, Status::Registered], "the later line wins");
    // The odd id went through the bulk path intact: importing it again updates, not inserts.
    let mut again = vec![vec![record(&odd, 6, Status::Registered)]].into_iter();
    let report = store.import_opinions(&mut || Ok(again.next()), &|_| {}).await.unwrap();
    assert_eq!((report.inserted, report.updated), (0, 1));
    // The analytics read every change number once.
    let mut seen = Vec::new();
    let upto = store.opinion_facts(0, &mut |f| seen.push(f.id)).await.unwrap();
    assert_eq!((seen.len(), upto), (3, store.opinion_seq().await.unwrap()));
}
