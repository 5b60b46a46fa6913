//! Running a classified query against the cache and ranking what it finds.
//!
//! Ranking is by class first, then by score inside a class:
//! exact phone, email or order number; then postcode (with house number); then names and
//! companies whose words all match exactly; then by prefix (the word being typed); then
//! identifiers still being typed; then one-typo matches. One customer appears once, under its
//! best match, and each hit says which field matched.

use std::collections::HashMap;

use anyhow::Context as _;
use rusqlite::{params, Connection};
use serde::Serialize;

use concord_core::name::match_tokens;

use super::index::{deletions, MIN_TYPO_LEN};
use super::query::{classify, Query};

/// Which field of the customer matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedField {
    Phone,
    Email,
    OrderNumber,
    Postcode,
    Name,
    Company,
    Address,
}

/// How closely it matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchQuality {
    Exact,
    Prefix,
    Typo,
}

/// One customer found, under its best match.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub customer_id: i64,
    pub display_name: String,
    pub company: Option<String>,
    pub matched_field: MatchedField,
    pub quality: MatchQuality,
    /// The stored value that matched (the E.164 number, the email, the order number as its
    /// system writes it, the postcode, the name or company).
    pub matched_value: String,
    #[serde(skip)]
    class: u8,
    #[serde(skip)]
    score: f64,
}

// Ranking classes, best first.
const CLASS_EXACT_ID: u8 = 0;
const CLASS_POSTCODE: u8 = 1;
const CLASS_WORDS_EXACT: u8 = 2;
const CLASS_WORDS_PREFIX: u8 = 3;
const CLASS_ID_PREFIX: u8 = 4;
const CLASS_TYPO: u8 = 5;

/// Identifiers being typed need this many characters before prefix matches are shown.
const MIN_ID_PREFIX: usize = 4;
/// Word queries rank at most this many candidates (by bm25 for whole words, by field and
/// completion length otherwise); broader queries (one or two letters over a million
/// customers) show the best of the first candidates found.
// TODO(search): rank broad prefix queries over all their matches (e.g. by a precomputed
// popularity or recency per customer) instead of the first candidates in rowid order, which
// favours customers created earliest.
const RANK_CANDIDATES: usize = 200;
/// At most this many typo alternatives are tried per word.
const MAX_ALTERNATIVES: usize = 12;

/// Finds the customers `text` may mean, best first, at most `limit` of them.
pub fn lookup(
    conn: &Connection,
    text: &str,
    limit: usize,
    default_region: &str,
) -> anyhow::Result<Vec<Hit>> {
    let query = classify(text, default_region);
    let limit = limit.clamp(1, 200);
    let mut found = Found::default();

    identifier_hits(conn, &query, limit as i64, &mut found).context("looking up identifiers")?;
    if !query.words.is_empty() {
        word_hits(conn, &query.words, limit, &mut found).context("searching names")?;
        found.words = query.words;
    }

    found.finish(conn, limit)
}

/// Candidates gathered so far, best per customer.
#[derive(Default)]
struct Found {
    best: HashMap<i64, Candidate>,
    /// The folded words searched for, to show which address line matched.
    words: Vec<String>,
}

struct Candidate {
    field: MatchedField,
    quality: MatchQuality,
    value: String,
    class: u8,
    score: f64,
}

impl Found {
    fn add(&mut self, customer_id: i64, c: Candidate) {
        let better = match self.best.get(&customer_id) {
            Some(old) => (c.class, c.score) < (old.class, old.score),
            None => true,
        };
        if better {
            self.best.insert(customer_id, c);
        }
    }

    fn count_in_classes_up_to(&self, class: u8) -> usize {
        self.best.values().filter(|c| c.class <= class).count()
    }

    fn finish(self, conn: &Connection, limit: usize) -> anyhow::Result<Vec<Hit>> {
        let mut ranked: Vec<(i64, Candidate)> = self.best.into_iter().collect();
        ranked.sort_by(|(ia, a), (ib, b)| {
            (a.class, a.score)
                .partial_cmp(&(b.class, b.score))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(ia.cmp(ib))
        });
        ranked.truncate(limit);

        let mut stmt = conn.prepare_cached(
            "SELECT c.display_name, a.company FROM customer c
             LEFT JOIN account a ON a.customer_id = c.id WHERE c.id = ?1",
        )?;
        let mut hits = Vec::with_capacity(ranked.len());
        for (customer_id, c) in ranked {
            let (display_name, company): (String, Option<String>) =
                stmt.query_row([customer_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let matched_value = match c.field {
                MatchedField::Name => display_name.clone(),
                MatchedField::Company => company.clone().unwrap_or_default(),
                MatchedField::Address => {
                    matching_address(conn, customer_id, &self.words)?.unwrap_or_default()
                }
                _ => c.value,
            };
            hits.push(Hit {
                customer_id,
                display_name,
                company,
                matched_field: c.field,
                quality: c.quality,
                matched_value,
                class: c.class,
                score: c.score,
            });
        }
        Ok(hits)
    }
}

/// The smallest string greater than every string starting with `prefix`, for range scans
/// that use the b-tree index the way `LIKE 'prefix%'` cannot under a binary collation.
fn after(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

fn identifier_hits(
    conn: &Connection,
    q: &Query,
    limit: i64,
    found: &mut Found,
) -> anyhow::Result<()> {
    use MatchQuality::{Exact, Prefix};
    use MatchedField::{Email, OrderNumber, Phone, Postcode};

    if let Some(email) = &q.email {
        let by = |cond: &str| format!("SELECT customer_id, email FROM contact_point WHERE {cond}");
        if let Some(exact) = &email.exact {
            let sql = by("email = ?1 LIMIT ?2");
            let hit = Filing {
                field: Email,
                quality: Exact,
                class: CLASS_EXACT_ID,
                score: 0.0,
            };
            hit.collect(conn, &sql, params![exact, limit], found)?;
        }
        if email.prefix.chars().count() >= MIN_ID_PREFIX {
            let sql = by("email >= ?1 AND email < ?2 LIMIT ?3");
            let hit = Filing {
                field: Email,
                quality: Prefix,
                class: CLASS_ID_PREFIX,
                score: 0.0,
            };
            hit.collect(
                conn,
                &sql,
                params![email.prefix, after(&email.prefix), limit],
                found,
            )?;
        }
    }

    if let Some(phone) = &q.phone {
        let by = |cond: &str| {
            format!(
                "SELECT customer_id, e164 || coalesce(' x' || extension, '') FROM contact_point
                 WHERE {cond}"
            )
        };
        let exact = Filing {
            field: Phone,
            quality: Exact,
            class: CLASS_EXACT_ID,
            score: 0.0,
        };
        let prefix = Filing {
            field: Phone,
            quality: Prefix,
            class: CLASS_ID_PREFIX,
            score: 0.0,
        };
        if let Some(e164) = &phone.e164 {
            exact.collect(conn, &by("e164 = ?1 LIMIT ?2"), params![e164, limit], found)?;
        }
        for national in &phone.national {
            let sql = by("national_number = ?1 LIMIT ?2");
            exact.collect(conn, &sql, params![national, limit], found)?;
        }
        let typed = &phone.national_prefix;
        if typed.len() >= MIN_ID_PREFIX - 1 {
            let sql = by("national_number >= ?1 AND national_number < ?2 LIMIT ?3");
            prefix.collect(conn, &sql, params![typed, after(typed), limit], found)?;
        }
        let typed = &phone.e164_prefix;
        if typed.len() > MIN_ID_PREFIX {
            let sql = by("e164 >= ?1 AND e164 < ?2 LIMIT ?3");
            prefix.collect(conn, &sql, params![typed, after(typed), limit], found)?;
        }
    }

    if let Some(order) = &q.order {
        let by =
            |cond: &str| format!("SELECT customer_id, number FROM customer_order WHERE {cond}");
        let exact = Filing {
            field: OrderNumber,
            quality: Exact,
            class: CLASS_EXACT_ID,
            score: 0.0,
        };
        exact.collect(
            conn,
            &by("number_key = ?1 LIMIT ?2"),
            params![order.key, limit],
            found,
        )?;
        if order.key.len() >= MIN_ID_PREFIX {
            // Strictly greater: the exact key was found above.
            let sql = by("number_key > ?1 AND number_key < ?2 LIMIT ?3");
            let prefix = Filing {
                field: OrderNumber,
                quality: Prefix,
                class: CLASS_ID_PREFIX,
                score: 0.0,
            };
            prefix.collect(
                conn,
                &sql,
                params![order.key, after(&order.key), limit],
                found,
            )?;
        }
    }

    let by = |cond: &str| {
        format!(
            "SELECT customer_id, coalesce(postcode, '') || ' · ' || line1 FROM address
             WHERE {cond}"
        )
    };
    let postcode = Filing {
        field: Postcode,
        quality: Exact,
        class: CLASS_POSTCODE,
        score: 0.0,
    };
    for (key, house) in &q.postcodes {
        match house {
            Some(h) => {
                let sql = by("postcode_key = ?1 AND house_number = ?2 LIMIT ?3");
                // With the house number it is the address itself: ahead of the whole postcode.
                let address = Filing {
                    score: -1.0,
                    ..postcode
                };
                address.collect(conn, &sql, params![key, h, limit], found)?;
            }
            None => {
                let sql = by("postcode_key = ?1 LIMIT ?2");
                postcode.collect(conn, &sql, params![key, limit], found)?;
            }
        }
    }
    Ok(())
}

/// How every row of one identifier query is filed.
#[derive(Clone, Copy)]
struct Filing {
    field: MatchedField,
    quality: MatchQuality,
    class: u8,
    score: f64,
}

impl Filing {
    /// Runs a query returning (customer_id, matched text) rows and files each row.
    fn collect(
        &self,
        conn: &Connection,
        sql: &str,
        params: impl rusqlite::Params,
        found: &mut Found,
    ) -> anyhow::Result<()> {
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params)?;
        while let Some(row) = rows.next()? {
            let candidate = Candidate {
                field: self.field,
                quality: self.quality,
                value: row.get(1)?,
                class: self.class,
                score: self.score,
            };
            found.add(row.get(0)?, candidate);
        }
        Ok(())
    }
}

/// Quotes a folded word for FTS5: inside double quotes nothing is an operator, and a double
/// quote is written twice. Words from `match_tokens` hold no quotes; this is the last guard.
fn fts_string(word: &str) -> String {
    format!("\"{}\"", word.replace('"', "\"\""))
}

fn word_hits(
    conn: &Connection,
    words: &[String],
    limit: usize,
    found: &mut Found,
) -> anyhow::Result<()> {
    let last = words.len() - 1;
    let exact = words
        .iter()
        .map(|w| fts_string(w))
        .collect::<Vec<_>>()
        .join(" ");
    ranked_fts(conn, &exact, words, Stage::Exact, limit, found)?;

    let prefix = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i == last {
                format!("{}*", fts_string(w))
            } else {
                fts_string(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    if found.count_in_classes_up_to(CLASS_WORDS_PREFIX) < limit {
        ranked_fts(conn, &prefix, words, Stage::Prefix, limit, found)?;
    }

    if found.count_in_classes_up_to(CLASS_WORDS_PREFIX) >= limit {
        return Ok(());
    }
    let mut any_alternative = false;
    let mut groups = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let alternatives = typo_alternatives(conn, w)?;
        any_alternative |= !alternatives.is_empty();
        let mut group = vec![if i == last {
            format!("{}*", fts_string(w))
        } else {
            fts_string(w)
        }];
        group.extend(alternatives.iter().map(|a| fts_string(a)));
        groups.push(format!("({})", group.join(" OR ")));
    }
    if any_alternative {
        ranked_fts(
            conn,
            &groups.join(" AND "),
            words,
            Stage::Typo,
            limit,
            found,
        )?;
    }
    Ok(())
}

/// Which word query is running: whole words, the last word as a beginning, or with typo
/// alternatives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Exact,
    Prefix,
    Typo,
}

/// Runs one FTS5 query and adds its hits, judging each hit's quality against the typed words.
///
/// Whole-word queries are ranked by bm25. Prefix and typo queries are not: bm25 needs the
/// number of documents matching each phrase, and for a one-letter prefix that means reading
/// the doclist of every word starting with that letter (tens of milliseconds at a million
/// customers). Their candidates are ranked here instead: name before company before street,
/// then the shortest completion of the word being typed (`ann` finds Ann before Annabel).
fn ranked_fts(
    conn: &Connection,
    fts_query: &str,
    words: &[String],
    stage: Stage,
    limit: usize,
    found: &mut Found,
) -> anyhow::Result<()> {
    let mut stmt = match stage {
        Stage::Exact => conn.prepare_cached(
            "SELECT d.customer_id, d.name, d.company, d.place, m.score
             FROM (SELECT rowid, score FROM (
                       SELECT rowid, bm25(search_fts, 10.0, 6.0, 1.0) AS score FROM search_fts
                       WHERE search_fts MATCH ?1 LIMIT ?2)
                   ORDER BY score LIMIT ?3) AS m
             JOIN search_document d ON d.customer_id = m.rowid",
        )?,
        Stage::Prefix | Stage::Typo => conn.prepare_cached(
            "SELECT d.customer_id, d.name, d.company, d.place, 0.0
             FROM (SELECT rowid FROM search_fts WHERE search_fts MATCH ?1 LIMIT ?2) AS m
             JOIN search_document d ON d.customer_id = m.rowid
             WHERE ?3 >= 0",
        )?,
    };
    let mut rows = stmt.query(params![
        fts_query,
        RANK_CANDIDATES as i64,
        (limit * 2) as i64
    ])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let name: String = row.get(1)?;
        let company: String = row.get(2)?;
        let place: String = row.get(3)?;
        let bm25: f64 = row.get(4)?;

        let (field, quality) = judge(words, &name, &company, &place);
        let quality = if stage == Stage::Typo && quality != MatchQuality::Exact {
            MatchQuality::Typo
        } else {
            quality
        };
        let class = match quality {
            MatchQuality::Exact => CLASS_WORDS_EXACT,
            MatchQuality::Prefix => CLASS_WORDS_PREFIX,
            MatchQuality::Typo => CLASS_TYPO,
        };
        let score = match stage {
            Stage::Exact => bm25,
            Stage::Prefix | Stage::Typo => completion_score(words, field, &name, &company, &place),
        };
        // Names and companies are shown as stored, a street as the address line it was found
        // in; `finish` fills these in for the hits that are kept.
        let candidate = Candidate {
            field,
            quality,
            value: String::new(),
            class,
            score,
        };
        found.add(id, candidate);
    }
    Ok(())
}

/// Lower is better: the field's rank (name, company, street), then how many letters the
/// shortest word of that field starting with the last typed word adds to it.
fn completion_score(
    words: &[String],
    field: MatchedField,
    name: &str,
    company: &str,
    place: &str,
) -> f64 {
    let (rank, text) = match field {
        MatchedField::Company => (1.0, company),
        MatchedField::Address => (2.0, place),
        _ => (0.0, name),
    };
    let last = words.last().map(String::as_str).unwrap_or("");
    let extra = text
        .split(' ')
        .filter(|t| t.starts_with(last))
        .map(|t| t.chars().count().saturating_sub(last.chars().count()))
        .min()
        .unwrap_or(99);
    rank * 100.0 + extra as f64
}

/// The first address line of a customer holding one of the typed words, as stored.
fn matching_address(
    conn: &Connection,
    customer_id: i64,
    words: &[String],
) -> anyhow::Result<Option<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT line1 || coalesce(', ' || city, '') FROM address WHERE customer_id = ?1
         ORDER BY id",
    )?;
    let lines = stmt.query_map([customer_id], |r| r.get::<_, String>(0))?;
    for line in lines {
        let line = line?;
        let tokens = match_tokens(&line);
        if words
            .iter()
            .any(|w| tokens.iter().any(|t| t.starts_with(w.as_str())))
        {
            return Ok(Some(line));
        }
    }
    Ok(None)
}

/// Which field the typed words matched best, and whether every word matched a whole word
/// (exact), the last one only as a beginning (prefix), or some only through a typo.
fn judge(words: &[String], name: &str, company: &str, place: &str) -> (MatchedField, MatchQuality) {
    let last = words.len() - 1;
    let fields = [
        (MatchedField::Name, name),
        (MatchedField::Company, company),
        (MatchedField::Address, place),
    ];
    let mut best_field = MatchedField::Name;
    let mut best_count = 0;
    let mut quality = MatchQuality::Exact;
    for (i, w) in words.iter().enumerate() {
        let exact = fields
            .iter()
            .any(|(_, text)| text.split(' ').any(|t| t == w));
        let prefix = i == last
            && fields
                .iter()
                .any(|(_, text)| text.split(' ').any(|t| t.starts_with(w.as_str())));
        if !exact {
            quality = quality.max(if prefix {
                MatchQuality::Prefix
            } else {
                MatchQuality::Typo
            });
        }
    }
    for (field, text) in fields {
        let count = words
            .iter()
            .filter(|w| text.split(' ').any(|t| t.starts_with(w.as_str())))
            .count();
        if count > best_count {
            best_count = count;
            best_field = field;
        }
    }
    (best_field, quality)
}

/// Indexed words one edit (insertion, deletion, substitution or swap of neighbours) away from
/// `word`, found through the symmetric-deletion keys.
// TODO(search): tolerate a typo in the word still being typed as a prefix (`Jonh` while
// typing `Jonhson`); today a typo is only corrected against whole indexed words.
fn typo_alternatives(conn: &Connection, word: &str) -> anyhow::Result<Vec<String>> {
    if word.chars().count() < MIN_TYPO_LEN || word.chars().any(|c| c.is_ascii_digit()) {
        return Ok(Vec::new());
    }
    let own_deletions = deletions(word);
    let mut candidates: Vec<String> = Vec::new();

    let mut by_deletion =
        conn.prepare_cached("SELECT term FROM search_term_deletion WHERE deletion = ?1 LIMIT 64")?;
    for key in std::iter::once(word.to_string()).chain(own_deletions.iter().cloned()) {
        let terms = by_deletion.query_map([&key], |r| r.get::<_, String>(0))?;
        for t in terms {
            candidates.push(t?);
        }
    }
    let mut by_term = conn.prepare_cached("SELECT term FROM search_term WHERE term = ?1")?;
    for d in &own_deletions {
        let terms = by_term.query_map([d], |r| r.get::<_, String>(0))?;
        for t in terms {
            candidates.push(t?);
        }
    }

    candidates.sort();
    candidates.dedup();
    candidates.retain(|c| c != word && within_one_edit(word, c));
    candidates.truncate(MAX_ALTERNATIVES);
    Ok(candidates)
}

/// Whether `a` becomes `b` by one insertion, deletion, substitution or transposition of two
/// neighbouring characters.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    match (ra.len(), rb.len()) {
        (0, 0) => true,
        (la, lb) if la == lb => {
            ra[1..] == rb[1..]
                || (la >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
        }
        (la, lb) if la == lb + 1 => ra[1..] == *rb,
        (la, lb) if la + 1 == lb => *ra == rb[1..],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_means_one_insertion_deletion_substitution_or_swap() {
        assert!(within_one_edit("johnson", "jonhson"), "neighbours swapped");
        assert!(within_one_edit("johnson", "johnsen"), "one letter replaced");
        assert!(within_one_edit("johnson", "jhnson"), "one letter missing");
        assert!(within_one_edit("johnson", "johnsson"), "one letter extra");
        assert!(
            !within_one_edit("johnson", "jonhsen"),
            "two edits are too many"
        );
        assert!(
            !within_one_edit("ann", "anna lee"),
            "lengths two apart never match"
        );
    }

    #[test]
    fn identifier_lookups_read_only_covering_indexes() {
        let conn = crate::open_in_memory().unwrap();
        let queries = [
            "SELECT customer_id, email FROM contact_point WHERE email = 'a@b.c'",
            "SELECT customer_id, e164 || coalesce(' x' || extension, '') FROM contact_point
             WHERE e164 = '+14155551212'",
            "SELECT customer_id, e164 || coalesce(' x' || extension, '') FROM contact_point
             WHERE national_number >= '415' AND national_number < '416'",
            "SELECT customer_id, number FROM customer_order WHERE number_key = '42'",
            "SELECT customer_id, coalesce(postcode, '') || ' · ' || line1 FROM address
             WHERE postcode_key = '94107' AND house_number = '500'",
        ];

        for sql in queries {
            let plan: Vec<String> = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map([], |r| r.get(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();

            assert!(
                plan.iter().any(|step| step.contains("COVERING INDEX")),
                "a keystroke must not read one table page per row: {sql}\n{plan:?}"
            );
        }
    }
}
