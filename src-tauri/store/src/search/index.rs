//! Keeping the search index in step with the authoritative tables.
//!
//! The per-customer `search_document` is derived here from the customer, account and address
//! rows; SQL triggers carry each change on into the FTS5 index using the `'delete'` command as
//! SQLite prescribes for external-content tables. The typo vocabulary (`search_term` and its
//! one-deletion keys) grows with every document. Everything here can be thrown away and
//! rebuilt from the authoritative tables with [`rebuild`]; nothing here is ever the only copy
//! of anything.

use anyhow::Context as _;
use concord_core::name::match_key;
use rusqlite::{params, Connection};

/// Words shorter than this are not typo-corrected: one edit in a three-letter word makes
/// another common word, and their deletion keys would match half the vocabulary.
pub const MIN_TYPO_LEN: usize = 4;

/// The folded text the index holds for one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub name: String,
    pub company: String,
    pub place: String,
}

/// Computes the document of one customer from its rows.
pub fn document(conn: &Connection, customer_id: i64) -> rusqlite::Result<Option<Document>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.display_name, coalesce(a.company, '')
         FROM customer c LEFT JOIN account a ON a.customer_id = c.id WHERE c.id = ?1",
    )?;
    let mut rows = stmt.query([customer_id])?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let name: String = row.get(0)?;
    let company: String = row.get(1)?;

    let mut places = conn.prepare_cached(
        "SELECT line1, coalesce(line2, ''), coalesce(city, '') FROM address WHERE customer_id = ?1
         ORDER BY id",
    )?;
    let mut place = Vec::new();
    for r in places.query_map([customer_id], |r| {
        Ok(format!(
            "{} {} {}",
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?
        ))
    })? {
        place.push(r?);
    }

    Ok(Some(Document {
        name: match_key(&name),
        company: match_key(&company),
        place: match_key(&place.join(" ")),
    }))
}

/// Brings the index entry of one customer up to date after its rows changed (or removes it
/// when the customer is gone). Call it in the same transaction as the change.
pub fn refresh_customer(conn: &Connection, customer_id: i64) -> anyhow::Result<()> {
    let doc = document(conn, customer_id).context("reading the customer to index")?;
    match doc {
        Some(doc) => {
            write_document(conn, customer_id, &doc)?;
            add_terms(conn, &doc)?;
        }
        None => {
            conn.execute(
                "DELETE FROM search_document WHERE customer_id = ?1",
                [customer_id],
            )
            .context("removing a deleted customer from the index")?;
        }
    }
    Ok(())
}

fn write_document(conn: &Connection, customer_id: i64, doc: &Document) -> anyhow::Result<()> {
    // An upsert, not INSERT OR REPLACE: REPLACE deletes without firing the delete trigger,
    // which would leave the old text in the index.
    conn.prepare_cached(
        "INSERT INTO search_document (customer_id, name, company, place) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (customer_id) DO UPDATE SET
             name = excluded.name, company = excluded.company, place = excluded.place
         WHERE name <> excluded.name OR company <> excluded.company OR place <> excluded.place",
    )?
    .execute(params![customer_id, doc.name, doc.company, doc.place])
    .context("writing the search document")?;
    Ok(())
}

fn add_terms(conn: &Connection, doc: &Document) -> anyhow::Result<()> {
    for term in [&doc.name, &doc.company, &doc.place]
        .into_iter()
        .flat_map(|t| t.split(' '))
    {
        add_term(conn, term)?;
    }
    Ok(())
}

fn add_term(conn: &Connection, term: &str) -> anyhow::Result<()> {
    if !typo_correctable(term) {
        return Ok(());
    }
    let added = conn
        .prepare_cached("INSERT OR IGNORE INTO search_term (term) VALUES (?1)")?
        .execute([term])?;
    if added == 0 || term.chars().count() < MIN_TYPO_LEN {
        return Ok(());
    }
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO search_term_deletion (deletion, term) VALUES (?1, ?2)",
    )?;
    for deletion in deletions(term) {
        insert.execute([deletion.as_str(), term])?;
    }
    Ok(())
}

/// Whether a word takes part in typo tolerance: not a number (a mistyped number is a
/// different number), and at least one shorter than [`MIN_TYPO_LEN`], so that a query word
/// with one extra letter still finds it.
pub fn typo_correctable(term: &str) -> bool {
    term.chars().count() >= MIN_TYPO_LEN - 1 && !term.chars().any(|c| c.is_ascii_digit())
}

/// Every string made by deleting one character of `word`, without duplicates.
pub fn deletions(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out: Vec<String> = (0..chars.len())
        .map(|skip| {
            chars
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, c)| c)
                .collect()
        })
        .collect();
    out.dedup();
    out
}

/// Recomputes every search document and the typo vocabulary from the authoritative tables.
/// Used after bulk loads (which skip per-customer refreshes) and to recover from any doubt
/// about the index.
pub fn rebuild(conn: &Connection) -> anyhow::Result<()> {
    // A savepoint makes the rebuild one transaction whether or not the caller opened one:
    // a million small autocommits would take hours, and a half-rebuilt index is never seen.
    conn.execute_batch("SAVEPOINT search_rebuild")?;
    match rebuild_inside(conn) {
        Ok(()) => {
            conn.execute_batch("RELEASE search_rebuild")?;
            Ok(())
        }
        Err(err) => {
            conn.execute_batch("ROLLBACK TO search_rebuild; RELEASE search_rebuild")?;
            Err(err)
        }
    }
}

fn rebuild_inside(conn: &Connection) -> anyhow::Result<()> {
    conn.execute("DELETE FROM search_document", [])
        .context("clearing search documents")?;
    conn.execute_batch("DELETE FROM search_term; DELETE FROM search_term_deletion;")
        .context("clearing the typo vocabulary")?;

    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM customer ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in ids {
        if let Some(doc) = document(conn, id)? {
            write_document(conn, id, &doc)?;
        }
    }

    let terms: Vec<String> = conn
        .prepare("SELECT term FROM search_fts_terms")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for term in terms {
        add_term(conn, &term)?;
    }

    // Merging the index's segments into one makes every later query read one b-tree.
    conn.execute(
        "INSERT INTO search_fts (search_fts) VALUES ('optimize')",
        [],
    )
    .context("optimizing the search index")?;
    Ok(())
}

/// Rebuilds the FTS5 index from `search_document` with FTS5's own `'rebuild'` command, for
/// when the index and its content table may disagree.
pub fn repair(conn: &Connection) -> anyhow::Result<()> {
    conn.execute("INSERT INTO search_fts (search_fts) VALUES ('rebuild')", [])
        .context("rebuilding the search index from its documents")?;
    Ok(())
}

/// Runs FTS5's integrity check of the index against its content table.
pub fn check(conn: &Connection) -> anyhow::Result<()> {
    conn.execute(
        "INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .context("the search index disagrees with its documents")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::account::{self, Account};
    use crate::table::customer::{self, Customer};

    fn matches(conn: &Connection, fts_query: &str) -> Vec<i64> {
        conn.prepare("SELECT rowid FROM search_fts WHERE search_fts MATCH ?1 ORDER BY rowid")
            .unwrap()
            .query_map([fts_query], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn a_refreshed_customer_is_found_by_folded_name_and_company() {
        let conn = crate::open_in_memory().unwrap();
        let id = customer::insert(&conn, &Customer::named("José García", "t0")).unwrap();
        let company = Some("Café Müller".to_string());
        account::upsert(
            &conn,
            &Account {
                customer_id: id,
                company,
                ..Default::default()
            },
        )
        .unwrap();

        refresh_customer(&conn, id).unwrap();

        assert_eq!(
            matches(&conn, "\"jose\" \"garcia\""),
            vec![id],
            "name without accents"
        );
        assert_eq!(
            matches(&conn, "company : \"muller\""),
            vec![id],
            "company is indexed"
        );
        check(&conn).unwrap();
    }

    #[test]
    fn a_rename_leaves_no_trace_of_the_old_name() {
        let conn = crate::open_in_memory().unwrap();
        let id = customer::insert(&conn, &Customer::named("Ann Lee", "t0")).unwrap();
        refresh_customer(&conn, id).unwrap();

        customer::update_name(
            &conn,
            &Customer {
                id,
                ..Customer::named("Ann Park", "t1")
            },
        )
        .unwrap();
        refresh_customer(&conn, id).unwrap();

        assert!(
            matches(&conn, "\"lee\"").is_empty(),
            "the 'delete' command removed the old"
        );
        assert_eq!(
            matches(&conn, "\"park\""),
            vec![id],
            "the new name is indexed"
        );
        check(&conn).expect("index and documents agree after an update");
    }

    #[test]
    fn a_deleted_customer_leaves_the_index() {
        let conn = crate::open_in_memory().unwrap();
        let id = customer::insert(&conn, &Customer::named("Ann Lee", "t0")).unwrap();
        refresh_customer(&conn, id).unwrap();

        conn.execute("DELETE FROM customer WHERE id = ?1", [id])
            .unwrap();

        assert!(
            matches(&conn, "\"lee\"").is_empty(),
            "cascade reached the index"
        );
        check(&conn).expect("index and documents agree after a delete");
    }

    #[test]
    fn rebuild_recreates_the_index_from_the_tables() {
        let conn = crate::open_in_memory().unwrap();
        let id = customer::insert(&conn, &Customer::named("Grace Hopper", "t0")).unwrap();

        rebuild(&conn).unwrap();

        assert_eq!(
            matches(&conn, "\"hopper\""),
            vec![id],
            "bulk-loaded rows become findable"
        );
        let vocab: i64 = conn
            .query_row(
                "SELECT count(*) FROM search_term WHERE term = 'hopper'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(vocab, 1, "the typo vocabulary is rebuilt too");
    }

    #[test]
    fn repair_restores_an_emptied_index() {
        let conn = crate::open_in_memory().unwrap();
        let id = customer::insert(&conn, &Customer::named("Grace Hopper", "t0")).unwrap();
        refresh_customer(&conn, id).unwrap();
        conn.execute(
            "INSERT INTO search_fts (search_fts) VALUES ('delete-all')",
            [],
        )
        .unwrap();

        repair(&conn).unwrap();

        assert_eq!(
            matches(&conn, "\"grace\""),
            vec![id],
            "'rebuild' reads the documents"
        );
    }

    #[test]
    fn deletions_drop_exactly_one_character() {
        assert_eq!(deletions("abc"), vec!["bc", "ac", "ab"], "one per position");
        assert_eq!(deletions("aab"), vec!["ab", "aa"], "duplicates collapse");
    }
}
