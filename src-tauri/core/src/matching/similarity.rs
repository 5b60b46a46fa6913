//! String similarity measures used by the field comparators: Jaro, Jaro-Winkler and a bounded
//! edit distance (optimal string alignment, so one adjacent transposition counts as one edit).
//!
//! Everything here works on Unicode scalar values, with a fast path for ASCII. Nothing here
//! knows about fields or customers; it must stay a plain function of two strings.

/// Jaro similarity in `[0, 1]`: 1 for equal strings, 0 when nothing matches.
pub fn jaro(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() {
        jaro_slices(a.as_bytes(), b.as_bytes())
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        jaro_slices(&a, &b)
    }
}

/// Jaro-Winkler similarity: Jaro raised for a common prefix of up to four characters, with the
/// usual scaling factor of 0.1, so that typing errors late in a name weigh less than early ones.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let j = jaro(a, b);
    let prefix = a
        .chars()
        .zip(b.chars())
        .take(4)
        .take_while(|(x, y)| x == y)
        .count();
    j + prefix as f64 * 0.1 * (1.0 - j)
}

fn jaro_slices<T: PartialEq>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);

    // Names are short; a fixed buffer avoids an allocation per comparison in the hot loop.
    let mut b_used_buf = [false; 64];
    let mut b_used_vec;
    let b_used: &mut [bool] = if b.len() <= 64 {
        &mut b_used_buf[..b.len()]
    } else {
        b_used_vec = vec![false; b.len()];
        &mut b_used_vec
    };
    let mut a_matched_buf = [false; 64];
    let mut a_matched_vec;
    let a_matched: &mut [bool] = if a.len() <= 64 {
        &mut a_matched_buf[..a.len()]
    } else {
        a_matched_vec = vec![false; a.len()];
        &mut a_matched_vec
    };

    let mut matches = 0usize;
    for (i, x) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_used[j] && b[j] == *x {
                b_used[j] = true;
                a_matched[i] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }

    let mut transpositions = 0usize;
    let mut k = 0usize;
    for (i, x) in a.iter().enumerate() {
        if !a_matched[i] {
            continue;
        }
        while !b_used[k] {
            k += 1;
        }
        if *x != b[k] {
            transpositions += 1;
        }
        k += 1;
    }

    let m = matches as f64;
    let t = (transpositions / 2) as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - t) / m) / 3.0
}

/// Edit distance with substitutions, insertions, deletions and adjacent transpositions (optimal
/// string alignment), or `None` once it exceeds `max`. Bounded because callers only ask
/// "equal up to one or two typing errors", and the bound keeps long strings cheap.
pub fn edit_distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    if a.is_ascii() && b.is_ascii() {
        osa_within(a.as_bytes(), b.as_bytes(), max)
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        osa_within(&a, &b, max)
    }
}

fn osa_within<T: PartialEq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    // Three rows of the dynamic programme; on the stack for the short values compared here.
    const STACK: usize = 48;
    let width = b.len() + 1;
    let mut heap;
    let mut stack = [0usize; 3 * STACK];
    let rows: &mut [usize] = if width <= STACK {
        &mut stack[..3 * width]
    } else {
        heap = vec![0usize; 3 * width];
        &mut heap
    };
    let (prev2, rest) = rows.split_at_mut(width);
    let (prev, cur) = rest.split_at_mut(width);
    let (mut prev2, mut prev, mut cur) = (prev2, prev, cur);
    for (j, cell) in prev.iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 0.001
    }

    #[test]
    fn jaro_winkler_matches_published_reference_values() {
        let cases = [
            ("martha", "marhta", 0.961),
            ("dwayne", "duane", 0.840),
            ("dixon", "dicksonx", 0.813),
        ];

        for (a, b, expected) in cases {
            let got = jaro_winkler(a, b);

            assert!(
                close(got, expected),
                "jw({a}, {b}) = {got}, the literature gives {expected}"
            );
        }
    }

    #[test]
    fn jaro_of_the_classic_examples_matches_the_literature() {
        let got = jaro("martha", "marhta");

        assert!(
            close(got, 0.944),
            "one transposition in six letters gives 0.944, got {got}"
        );
    }

    #[test]
    fn jaro_winkler_is_symmetric_and_bounded() {
        let pairs = [
            ("jones", "johnson"),
            ("", "x"),
            ("abc", "abc"),
            ("zoë", "zoe"),
        ];

        for (a, b) in pairs {
            let ab = jaro_winkler(a, b);
            let ba = jaro_winkler(b, a);

            assert!(
                close(ab, ba),
                "similarity must not depend on argument order ({a}, {b})"
            );
            assert!(
                (0.0..=1.0).contains(&ab),
                "similarity must stay within [0, 1]"
            );
        }
    }

    #[test]
    fn strings_with_nothing_in_common_score_zero() {
        let got = jaro_winkler("abc", "xyz");

        assert_eq!(got, 0.0, "no matching characters means no similarity");
    }

    #[test]
    fn edit_distance_counts_a_transposition_as_one_edit() {
        let swapped = edit_distance_within("1234567", "1243567", 2);
        let replaced = edit_distance_within("1234567", "1234568", 2);
        let far = edit_distance_within("1234567", "7654321", 2);

        assert_eq!(
            swapped,
            Some(1),
            "typing two digits in the wrong order is one slip"
        );
        assert_eq!(replaced, Some(1), "one wrong digit is one slip");
        assert_eq!(
            far, None,
            "beyond the bound the distance is not worth computing"
        );
    }
}
